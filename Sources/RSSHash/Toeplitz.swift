/// The Toeplitz hash that RSS NICs compute, table driven: one lookup and one XOR per input byte.
///
/// For input byte position `i` and value `b`, `table[i * 256 + b]` is the XOR of the 32-bit key
/// windows selected by the set bits of `b`, so hashing never walks individual bits.
public struct Toeplitz: Sendable {
    /// The key Microsoft's RSS specification uses, and most NICs ship with.
    public static let microsoftKey: [UInt8] = try! parseHexKey(
        "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa")

    public let key: [UInt8]
    /// Longest input the key covers: every input bit needs 32 key bits starting at its position.
    public let maxInputLength: Int
    private let table: [UInt32]

    public init(key: [UInt8] = Toeplitz.microsoftKey) {
        precondition(key.count >= 8, "a Toeplitz key has at least 8 bytes")
        self.key = key
        maxInputLength = key.count - 4
        var table = [UInt32](repeating: 0, count: maxInputLength * 256)
        for position in 0..<maxInputLength {
            var windows = [UInt32](repeating: 0, count: 8)
            for bit in 0..<8 { windows[bit] = Toeplitz.window(key, bitOffset: position * 8 + bit) }
            for value in 0..<256 {
                var acc: UInt32 = 0
                for bit in 0..<8 where value & (0x80 >> bit) != 0 { acc ^= windows[bit] }
                table[position * 256 + value] = acc
            }
        }
        self.table = table
    }

    /// The 32 key bits starting at `bitOffset`, most significant bit first.
    private static func window(_ key: [UInt8], bitOffset: Int) -> UInt32 {
        var bits: UInt64 = 0
        let first = bitOffset / 8
        for i in 0..<5 { bits = bits << 8 | UInt64(first + i < key.count ? key[first + i] : 0) }
        return UInt32(truncatingIfNeeded: bits >> (8 - UInt64(bitOffset % 8)))
    }

    /// Hash of `input`; inputs longer than `maxInputLength` are a programming error.
    @inlinable
    public func hash(_ input: UnsafeRawBufferPointer) -> UInt32 {
        precondition(input.count <= maxInputLength, "Toeplitz input longer than the key allows")
        return hashUnchecked(input)
    }

    public func hash(_ input: [UInt8]) -> UInt32 {
        input.withUnsafeBytes { hash($0) }
    }

    @usableFromInline
    func hashUnchecked(_ input: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var acc: UInt32 = 0
            for (position, byte) in input.enumerated() { acc ^= table[position &* 256 &+ Int(byte)] }
            return acc
        }
    }
}

public enum KeyError: Error, CustomStringConvertible, Equatable {
    case notHex(String)
    case tooShort(Int)

    public var description: String {
        switch self {
        case .notHex(let text): return "RSS key \"\(text)\" is not an even number of hex digits"
        case .tooShort(let count): return "RSS key has \(count) bytes; at least 8 are needed"
        }
    }
}

/// Parses a key written as hex digits, optionally separated by colons (`ethtool -x` style).
public func parseHexKey(_ text: String) throws(KeyError) -> [UInt8] {
    let digits = text.filter { $0 != ":" }
    guard digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else { throw .notHex(text) }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    guard bytes.count >= 8 else { throw .tooShort(bytes.count) }
    return bytes
}

public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
