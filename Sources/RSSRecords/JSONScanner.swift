/// A pull parser over one JSON text, reading numbers and numeric arrays straight into Swift
/// values: records are mostly long integer arrays, and a tree of boxed values would cost more
/// than the planning itself.
public struct JSONScanner {
    /// A syntax error at a byte offset, or a value of the wrong kind.
    public struct Failure: Error, Equatable {
        public let message: String
        public let offset: Int
    }

    public enum Kind: Equatable { case object, array, string, number, bool, null }

    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var offset = 0
    /// Objects and arrays open around the current position: bounded, because every level is a
    /// stack frame, and a line of brackets would otherwise overflow the stack.
    private var depth = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func fail(_ message: String) -> Failure { Failure(message: message, offset: offset) }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0a, 0x0d: offset += 1
            default: return
            }
        }
    }

    private mutating func peekByte() throws(Failure) -> UInt8 {
        skipWhitespace()
        guard offset < bytes.count else { throw fail("unexpected end of line") }
        return bytes[offset]
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard try peekByte() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        offset += 1
    }

    public mutating func kind() throws(Failure) -> Kind {
        switch try peekByte() {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail("unexpected character")
        }
    }

    private mutating func enterNesting() throws(Failure) {
        guard depth < RecordContract.maxNesting else {
            throw fail("is nested deeper than \(RecordContract.maxNesting) levels of objects and arrays")
        }
        depth += 1
    }

    /// Calls `body` once per member with the scanner positioned at the member's value, which
    /// `body` must consume.
    public mutating func object(_ body: (inout JSONScanner, String) throws -> Void) throws {
        try enterNesting()
        defer { depth -= 1 }
        try expect(UInt8(ascii: "{"))
        if try peekByte() == UInt8(ascii: "}") { offset += 1; return }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            let separator = try peekByte()
            offset += 1
            if separator == UInt8(ascii: "}") { return }
            guard separator == UInt8(ascii: ",") else { offset -= 1; throw fail("expected ',' or '}'") }
        }
    }

    /// Calls `body` once per element with the scanner positioned at the element.
    public mutating func array(_ body: (inout JSONScanner) throws -> Void) throws {
        try enterNesting()
        defer { depth -= 1 }
        try expect(UInt8(ascii: "["))
        if try peekByte() == UInt8(ascii: "]") { offset += 1; return }
        while true {
            try body(&self)
            let separator = try peekByte()
            offset += 1
            if separator == UInt8(ascii: "]") { return }
            guard separator == UInt8(ascii: ",") else { offset -= 1; throw fail("expected ',' or ']'") }
        }
    }

    /// A string, which must be valid UTF-8: bytes that are not are refused, never replaced, so
    /// that a name read is the name written.
    public mutating func string() throws(Failure) -> String {
        guard try peekByte() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        offset += 1
        let start = offset
        var plain = true, ascii = true
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<offset])
                // ASCII is valid UTF-8 as it is. String(validating:as:) is not specialized: its
                // generic metadata lookups, once per member name, made reading a plan twice as slow.
                let text = !plain ? try unescape(raw, at: start)
                    : ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
                guard let text else { throw Failure(message: "is not valid UTF-8", offset: start) }
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { plain = false; offset += 1 }
            else if byte < 0x20 { throw fail("control character in string") }
            else if byte >= 0x80 { ascii = false }
            offset += 1
        }
        throw fail("unterminated string")
    }

    /// The string's bytes with escapes resolved; nil when they are not valid UTF-8.
    private func unescape(_ raw: UnsafeBufferPointer<UInt8>, at start: Int) throws(Failure) -> String? {
        var out: [UInt8] = []
        var index = 0
        func bad() -> Failure { Failure(message: "bad escape in string", offset: start + index) }
        func hex4(_ at: Int) throws(Failure) -> UInt32 {
            guard at + 4 <= raw.count else { throw bad() }
            var value: UInt32 = 0
            for byte in raw[at..<at + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw bad() }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); index += 1; continue }
            guard index + 1 < raw.count else { throw bad() }
            let escaped = raw[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(index)
                index += 4
                if (0xd800..<0xdc00).contains(scalar), index + 6 <= raw.count,
                   raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u") {
                    let low = try hex4(index + 2)
                    if (0xdc00..<0xe000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                        index += 6
                    }
                }
                guard let character = Unicode.Scalar(scalar) else {
                    throw Failure(message: "has an escaped lone surrogate, which UTF-8 cannot hold", offset: start + index)
                }
                out.append(contentsOf: String(character).utf8)
            default: throw bad()
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// A JSON number. Short decimal numbers are converted exactly without `strtod`.
    public mutating func double() throws(Failure) -> Double {
        guard try kind() == .number else { throw fail("expected a number") }
        let start = offset
        var negative = false
        if bytes[offset] == UInt8(ascii: "-") { negative = true; offset += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        let integerStart = offset
        while offset < bytes.count, let digit = decimalDigit(bytes[offset]) {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(digit); if mantissa > 0 { digits += 1 } }
            else { exponent += 1 }
            offset += 1
        }
        guard offset > integerStart else { throw fail("malformed number") }
        guard bytes[integerStart] != UInt8(ascii: "0") || offset == integerStart + 1 else {
            throw fail("number with a leading zero")
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            let fractionStart = offset
            while offset < bytes.count, let digit = decimalDigit(bytes[offset]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(digit); if mantissa > 0 { digits += 1 }; exponent -= 1 }
                offset += 1
            }
            guard offset > fractionStart else { throw fail("malformed number") }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            var exponentNegative = false
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                exponentNegative = bytes[offset] == UInt8(ascii: "-")
                offset += 1
            }
            let exponentStart = offset
            var written = 0
            while offset < bytes.count, let digit = decimalDigit(bytes[offset]) {
                written = min(written * 10 + digit, 100_000)
                offset += 1
            }
            guard offset > exponentStart else { throw fail("malformed number") }
            exponent += exponentNegative ? -written : written
        }
        if digits <= 15, (-22...22).contains(exponent) {
            let value = exponent < 0 ? Double(mantissa) / powersOfTen[-exponent] : Double(mantissa) * powersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let value = Double(text) else { throw fail("malformed number") }
        return value
    }

    /// An integer. A number written with a fraction or an exponent counts when its decimal value
    /// is exactly an integer (`12.0`, `1.5e1`); `1.0000000000000001` or `1e-400`, which a double
    /// would round to one, do not.
    public mutating func integer() throws(Failure) -> Int {
        guard try kind() == .number else { throw fail("expected an integer") }
        let start = offset
        var negative = false
        if bytes[offset] == UInt8(ascii: "-") { negative = true; offset += 1 }
        var value = 0
        var overflow = false
        let digitsStart = offset
        while offset < bytes.count, let digit = decimalDigit(bytes[offset]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = sum
            offset += 1
        }
        let isPlain = offset >= bytes.count
            || (bytes[offset] != UInt8(ascii: ".") && bytes[offset] | 0x20 != UInt8(ascii: "e"))
        if isPlain && offset > digitsStart && !overflow
            && (bytes[digitsStart] != UInt8(ascii: "0") || offset == digitsStart + 1) {
            return negative ? -value : value
        }
        offset = start
        _ = try double() // checks the syntax and finds the number's end
        switch exactInteger(start..<offset) {
        case .exact(let integer): return integer
        case .fraction: offset = start; throw fail("expected an integer")
        case .outOfRange: offset = start; throw fail("integer out of range")
        }
    }

    private enum ExactInteger { case exact(Int), fraction, outOfRange }

    /// The value of the well-formed number at `range`, worked out on its decimal digits: the
    /// significant digits and the power of ten that follows them.
    private func exactInteger(_ range: Range<Int>) -> ExactInteger {
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // Digits from the first non-zero one, the zeros that end them, and the fraction's length.
        var significant = 0, trailingZeros = 0, fractionDigits = 0, inFraction = false
        var exponent = 0
        while index < range.upperBound {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ".") { inFraction = true; continue }
            guard let digit = decimalDigit(byte) else {
                exponent = exponentValue(index..<range.upperBound)
                break
            }
            if inFraction { fractionDigits += 1 }
            guard significant > 0 || digit > 0 else { continue }
            significant += 1
            trailingZeros = digit == 0 ? trailingZeros + 1 : 0
        }
        guard significant > 0 else { return .exact(0) }
        let digits = significant - trailingZeros
        let scale = exponent - fractionDigits + trailingZeros
        guard scale >= 0 else { return .fraction }
        // 10^19 is beyond Int.max, so more digits than that cannot fit.
        guard digits + scale <= 19 else { return .outOfRange }
        var magnitude: UInt64 = 0
        var taken = 0
        index = range.lowerBound
        while taken < digits {
            if let digit = decimalDigit(bytes[index]), taken > 0 || digit > 0 {
                magnitude = magnitude * 10 + UInt64(digit)
                taken += 1
            }
            index += 1
        }
        for _ in 0..<scale {
            let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return .outOfRange }
            magnitude = times10
        }
        if negative {
            return magnitude <= Int.min.magnitude ? .exact(Int(truncatingIfNeeded: 0 &- magnitude)) : .outOfRange
        }
        return magnitude <= Int.max.magnitude ? .exact(Int(magnitude)) : .outOfRange
    }

    /// The exponent written at `range` (after the `e`), saturating far beyond any line's digits.
    private func exponentValue(_ range: Range<Int>) -> Int {
        var index = range.lowerBound
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var value = 0
        // Grows no further once past 2^56, so that the next digit cannot overflow.
        for byte in bytes[index..<range.upperBound] where value < 1 << 56 {
            value = value * 10 + (decimalDigit(byte) ?? 0)
        }
        return negative ? -value : value
    }

    public mutating func bool() throws(Failure) -> Bool {
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw fail("expected true or false")
    }

    /// True when the value is `null` (and consumes it).
    public mutating func null() -> Bool { matchLiteral("null") }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] { return false }
        offset += count
        return true
    }

    public mutating func skipValue() throws {
        switch try kind() {
        case .object: try object { scanner, _ in try scanner.skipValue() }
        case .array: try array { scanner in try scanner.skipValue() }
        case .string: _ = try string()
        case .number: _ = try double()
        case .bool: _ = try bool()
        case .null: _ = null()
        }
    }

    /// The next value's text as written, after checking it: for members a reader passes on
    /// without knowing them.
    public mutating func rawValue() throws -> [UInt8] {
        skipWhitespace()
        let start = offset
        try skipValue()
        return Array(bytes[start..<offset])
    }

    public mutating func integerArray() throws -> [Int] {
        var values: [Int] = []
        try array { scanner in values.append(try scanner.integer()) }
        return values
    }

    public mutating func doubleArray() throws -> [Double] {
        var values: [Double] = []
        try array { scanner in values.append(try scanner.double()) }
        return values
    }

    /// Succeeds when nothing but white space is left.
    public mutating func end() throws(Failure) {
        skipWhitespace()
        guard offset == bytes.count else { throw fail("unexpected text after the JSON object") }
    }
}

@inline(__always)
private func decimalDigit(_ byte: UInt8) -> Int? {
    byte &- UInt8(ascii: "0") < 10 ? Int(byte &- UInt8(ascii: "0")) : nil
}

private let powersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}
