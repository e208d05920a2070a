import CBPF
import RSSHash

public struct SoftHashError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The content of the counter's .bss (`struct rss_count_state`): where each header field sits in
/// the hash input of each flow type, and the Toeplitz table of the key, `toeplitz[i][b]` being
/// the hash of byte value b at input position i. The program then hashes with one lookup and one
/// XOR per input byte, as `RSSHash.Toeplitz` does.
public struct SoftHashState: Sendable {
    var bytes: [UInt8]

    /// All zero: no table, no flag set (what the non-soft programs start with).
    public init() {
        bytes = [UInt8](repeating: 0, count: MemoryLayout<rss_count_state>.size)
    }

    public init(key: [UInt8], configuration: HashConfiguration) throws(SoftHashError) {
        let positions = Int(RSS_HASH_INPUT_MAX)
        guard key.count >= positions + 4 else {
            throw SoftHashError(description: "the RSS key has \(key.count) bytes; hashing IPv6 flows "
                                + "in software needs at least \(positions + 4)")
        }
        self.init()
        let toeplitz = Toeplitz(key: key)
        let tableOffset = rsspp_state_toeplitz_offset()
        bytes.withUnsafeMutableBytes { raw in
            for (index, type) in FlowType.allCases.enumerated() {
                for (field, position) in Self.fieldPositions(type, configuration[type]).enumerated() {
                    raw[index * MemoryLayout<rss_flow_fields>.size + field] = position
                }
            }
            // The hash of one byte b at position i, all others zero, is the table entry.
            var input = [UInt8](repeating: 0, count: positions)
            for position in 0..<positions {
                for value in 0..<256 {
                    input[position] = UInt8(value)
                    let entry = toeplitz.hash(Array(input[...position]))
                    raw.storeBytes(of: entry, toByteOffset: tableOffset + (position * 256 + value) * 4, as: UInt32.self)
                }
                input[position] = 0
            }
        }
    }

    /// Start of source, destination, source port and destination port in the hash input, in
    /// the order NICs feed them (as `RSSHasher.hashInput`), or RSS_FIELD_UNUSED.
    static func fieldPositions(_ type: FlowType, _ fields: HashFields) -> [UInt8] {
        let addressLength = [.tcp4, .udp4, .sctp4, .ip4].contains(type) ? 4 : 16
        let unused = UInt8(RSS_FIELD_UNUSED)
        var next = 0
        var positions: [UInt8] = []
        for (field, length) in [(HashFields.sourceAddress, addressLength), (.destinationAddress, addressLength),
                                (.sourcePort, 2), (.destinationPort, 2)] {
            if fields.contains(field) {
                positions.append(UInt8(next))
                next += length
            } else {
                positions.append(unused)
            }
        }
        return positions
    }

    var rxHashUnsupported: Bool {
        bytes.withUnsafeBytes { $0.load(fromByteOffset: rsspp_state_unsupported_offset(), as: UInt32.self) != 0 }
    }
}
