/// Builds one JSON object as UTF-8 bytes, ending in a newline: a record line.
public struct JSONLine {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The finished line, `\n`-terminated.
    public consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(0x0a)
        return bytes
    }

    /// The members written so far, without the braces: for adding them to another object.
    public var members: ArraySlice<UInt8> { bytes.dropFirst() }

    /// The text of the one value `write` appends (no key, no braces): for replacing a member's
    /// value in another line.
    static func value(capacity: Int, _ write: (inout JSONLine) -> Void) -> [UInt8] {
        var line = JSONLine(capacity: capacity)
        line.bytes.removeAll(keepingCapacity: true)
        write(&line)
        return line.bytes
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ name: StaticString, _ value: Int) { key(name); appendInteger(value) }
    public mutating func field(_ name: StaticString, _ value: Double) { key(name); appendDouble(value) }
    public mutating func field(_ name: StaticString, _ value: String) { key(name); appendString(value) }
    public mutating func field(_ name: StaticString, _ value: Bool) { key(name); bytes += Array((value ? "true" : "false").utf8) }
    public mutating func field(_ name: StaticString, _ values: [Int]) {
        key(name)
        appendArray(values) { line, value in line.appendInteger(value) }
    }
    public mutating func field(_ name: StaticString, _ values: [Double]) {
        key(name)
        appendArray(values) { line, value in line.appendDouble(value) }
    }
    /// An array of objects, each written by `members`.
    public mutating func field<T>(_ name: StaticString, objects values: [T],
                                  _ members: (inout JSONLine, T) -> Void) {
        key(name)
        appendObjects(values, members)
    }

    /// A member read from another line and passed on as it was written.
    public mutating func field(_ member: UnknownMember) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        appendString(member.name)
        bytes.append(UInt8(ascii: ":"))
        bytes += member.json
    }

    public mutating func optionalField(_ name: StaticString, _ value: Double?) { if let value { field(name, value) } }
    public mutating func optionalField(_ name: StaticString, _ value: String?) { if let value { field(name, value) } }
    public mutating func optionalField(_ name: StaticString, _ value: [Int]?) { if let value { field(name, value) } }
    public mutating func optionalField(_ name: StaticString, _ value: [Double]?) { if let value { field(name, value) } }

    mutating func appendArray<T>(_ values: [T], _ element: (inout JSONLine, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func appendObjects<T>(_ values: [T], _ members: (inout JSONLine, T) -> Void) {
        appendArray(values) { line, value in
            var object = JSONLine(capacity: 48)
            members(&object, value)
            line.bytes += object.bytes
            line.bytes.append(UInt8(ascii: "}"))
        }
    }

    mutating func appendInteger(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 { bytes.append(UInt8(ascii: "0") + UInt8(magnitude)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes hold any UInt64
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: buffer[index...])
        }
    }

    /// Shortest text that reads back as the same value; JSON has no NaN or infinity, so those
    /// are written as null (validators reject them before they get here).
    mutating func appendDouble(_ value: Double) {
        guard value.isFinite else { bytes += Array("null".utf8); return }
        if let whole = wholeNumber(value) {
            appendInteger(whole)
            return
        }
        bytes += Array(value.description.utf8)
    }

    mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0a: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0d: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A member a reader does not know, kept as written: the contract lets writers add members, so a
/// tool that rewrites a record passes them on.
public struct UnknownMember: Sendable, Equatable {
    public var name: String
    /// The member's value as JSON text.
    public var json: [UInt8]

    public init(name: String, json: [UInt8]) {
        self.name = name
        self.json = json
    }
}

/// `value` as an integer when it is a whole number that prints exactly (below 10^15), as records
/// write such numbers.
public func wholeNumber(_ value: Double) -> Int? {
    value == value.rounded() && value.magnitude < 1e15 ? Int(value) : nil
}

/// `value` as records write it, for messages that quote one: `50`, not `50.0`.
public func recordNumber(_ value: Double) -> String {
    wholeNumber(value).map(String.init) ?? value.description
}
