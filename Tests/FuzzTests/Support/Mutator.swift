import NICSim

/// Makes inputs for a reader from its corpus: each one a corpus entry changed in one to four
/// ways that readers get wrong (bytes flipped, cut short, spliced with another entry, numbers
/// too large or not numbers, nesting too deep, members twice, values of the wrong type, bytes
/// that are not UTF-8). Deterministic for a seed, so a failure names the input that made it.
struct Mutator {
    private var random: SeededGenerator
    private let corpus: [[UInt8]]

    init(seed: UInt64, corpus: [[UInt8]]) {
        precondition(!corpus.isEmpty, "a mutator needs a corpus")
        random = SeededGenerator(seed: seed)
        self.corpus = corpus
    }

    /// The next input: now and then a corpus entry as it is, otherwise a mutated one.
    mutating func next() -> [UInt8] {
        var input = corpus[random.below(corpus.count)]
        guard random.below(16) != 0 else { return input }
        for _ in 0...random.below(4) { mutate(&input) }
        return input
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        switch random.below(11) {
        case 0: flipBit(&input)
        case 1: setByte(&input)
        case 2: truncate(&input)
        case 3: splice(&input)
        case 4: replaceToken(&input, kind: .number, with: Self.oddNumbers)
        case 5: replaceToken(&input, kind: .any, with: Self.wrongTypes)
        case 6: nest(&input)
        case 7: duplicateMember(&input)
        case 8: insertIntoString(&input, Self.badStringBytes)
        case 9: repeatSlice(&input)
        default: replaceToken(&input, kind: .number, with: [Array(repeating: UInt8(ascii: "9"), count: 1 + random.below(400))])
        }
    }

    private mutating func flipBit(_ input: inout [UInt8]) {
        guard !input.isEmpty else { return }
        input[random.below(input.count)] ^= 1 << UInt8(random.below(8))
    }

    private mutating func setByte(_ input: inout [UInt8]) {
        guard !input.isEmpty else { return }
        input[random.below(input.count)] = Self.interestingBytes[random.below(Self.interestingBytes.count)]
    }

    private mutating func truncate(_ input: inout [UInt8]) {
        input.removeLast(random.below(input.count + 1))
    }

    /// This input's start with another entry's end: members of one record inside another.
    private mutating func splice(_ input: inout [UInt8]) {
        let other = corpus[random.below(corpus.count)]
        input = Array(input[..<random.below(input.count + 1)] + other[random.below(other.count + 1)...])
    }

    private mutating func repeatSlice(_ input: inout [UInt8]) {
        guard !input.isEmpty else { return }
        let start = random.below(input.count)
        let slice = input[start..<min(input.count, start + 1 + random.below(64))]
        let copies = random.below(8) == 0 ? 1000 : 1 + random.below(3)
        input.insert(contentsOf: Array(repeatElement(slice, count: copies).joined()), at: random.below(input.count + 1))
    }

    private enum TokenKind { case number, any }

    /// Replaces a value (after a `:`, `,` or `[`) by one of `replacements`.
    private mutating func replaceToken(_ input: inout [UInt8], kind: TokenKind, with replacements: [[UInt8]]) {
        let starts = input.indices.dropFirst().filter { index in
            let before = input[index - 1]
            return (before == UInt8(ascii: ":") || before == UInt8(ascii: ",") || before == UInt8(ascii: "["))
                && (kind == .any || isNumberByte(input[index]))
        }
        guard !starts.isEmpty else { return }
        let start = starts[random.below(starts.count)]
        var end = start
        if kind == .number {
            while end < input.count, isNumberByte(input[end]) { end += 1 }
        } else {
            end = valueEnd(input, from: start)
        }
        input.replaceSubrange(start..<end, with: replacements[random.below(replacements.count)])
    }

    /// Where the value at `start` ends, roughly: the next separator outside strings and brackets.
    private func valueEnd(_ input: [UInt8], from start: Int) -> Int {
        var depth = 0, inString = false, index = start
        while index < input.count {
            let byte = input[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return index }
                    depth -= 1
                case UInt8(ascii: ","): if depth == 0 { return index }
                default: break
                }
            }
            index += 1
        }
        return input.count
    }

    /// Wraps the input, or a value in it, in brackets up to past the nesting limit.
    private mutating func nest(_ input: inout [UInt8]) {
        let depth = [2, 63, 64, 65, 200, 5000][random.below(6)]
        let open = random.below(2) == 0 ? UInt8(ascii: "[") : UInt8(ascii: "{")
        let opening = open == UInt8(ascii: "[") ? [open] : Array("{\"k\":".utf8)
        let closing = open == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        let at = random.below(input.count + 1)
        input.insert(contentsOf: Array(repeatElement(opening, count: depth).joined()) + [UInt8(ascii: "0")]
                     + Array(repeating: closing, count: random.below(4) == 0 ? depth / 2 : depth), at: at)
    }

    /// Adds, right after the first `{`, a member of the same name as one the input has, with a
    /// value of another type or range: a reader takes the last one, the owner refuses both.
    private mutating func duplicateMember(_ input: inout [UInt8]) {
        guard let brace = input.firstIndex(of: UInt8(ascii: "{")) else { return }
        let keys = memberNames(input)
        guard !keys.isEmpty else { return }
        let value = (Self.wrongTypes + Self.oddNumbers)[random.below(Self.wrongTypes.count + Self.oddNumbers.count)]
        let member = [UInt8(ascii: "\"")] + keys[random.below(keys.count)] + Array("\":".utf8) + value + [UInt8(ascii: ",")]
        input.insert(contentsOf: member, at: brace + 1)
        if random.below(2) == 0, let last = input.lastIndex(of: UInt8(ascii: "}")) {
            // The same member last instead, where the last one counts.
            input.insert(contentsOf: [UInt8(ascii: ",")] + member.dropLast(), at: last)
        }
    }

    private func memberNames(_ input: [UInt8]) -> [[UInt8]] {
        var names: [[UInt8]] = []
        var index = 0
        while let quote = input[index...].firstIndex(of: UInt8(ascii: "\"")) {
            guard let close = input[(quote + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            if close + 1 < input.count, input[close + 1] == UInt8(ascii: ":") { names.append(Array(input[(quote + 1)..<close])) }
            index = close + 1
        }
        return names
    }

    /// Puts one of `pieces` just inside a string of the input.
    private mutating func insertIntoString(_ input: inout [UInt8], _ pieces: [[UInt8]]) {
        let quotes = input.indices.filter { input[$0] == UInt8(ascii: "\"") }
        let piece = pieces[random.below(pieces.count)]
        guard !quotes.isEmpty else { input += piece; return }
        input.insert(contentsOf: piece, at: quotes[random.below(quotes.count)] + 1)
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
             UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    static let interestingBytes: [UInt8] = [0x00, 0x0a, 0x0d, 0x7f, 0x80, 0xc0, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d,
                                            0x2c, 0x3a, 0x2d, 0x30, 0x39, 0x65, 0x2e, 0x20]

    static let oddNumbers: [[UInt8]] = [
        "1e999", "-1e999", "1e-999", "NaN", "nan", "-nan", "Infinity", "-Infinity", "inf", "-inf", "1.7976931348623157e309",
        "-0", "-0.0", "0e0", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1.0000000000000001", "4.9e-324", "2.5e-324", "1e19", "1.5", "1E+2", "01", "-", "1e", "1.",
        ".5", "+1", "0x10", "1_000", "65535", "65536", "4294967295", "4294967296", "-1", "2147483648", "1e400000000000000000",
    ].map { Array($0.utf8) }

    static let wrongTypes: [[UInt8]] = [
        "null", "true", "false", "\"\"", "\"1\"", "[]", "{}", "[null]", "[[1]]", "[1.5]", "[\"a\"]", "{\"a\":1}", "[-1]",
        "[1e999]", "0", "\"\\ud800\"", "\"\\u0000\"", "tru", "nul", "[", "{", "\"",
    ].map { Array($0.utf8) }

    static let badStringBytes: [[UInt8]] = [
        [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0x00], [0x1f],
        Array("\\ud800".utf8), Array("\\udc00\\ud800".utf8), Array("\\u00".utf8), Array("\\x41".utf8), Array("\\".utf8),
        Array("\\u0000".utf8), Array("é😀".utf8), Array("\\é".utf8),
    ]
}

extension SeededGenerator {
    /// A number in 0..<bound (0 when bound is 0).
    mutating func below(_ bound: Int) -> Int {
        bound > 0 ? Int.random(in: 0..<bound, using: &self) : 0
    }
}
