/// Which traffic class a packet hashes as, named as `ethtool -N rx-flow-hash` names them.
public enum FlowType: String, CaseIterable, Sendable {
    case tcp4, udp4, sctp4, ip4, tcp6, udp6, sctp6, ip6

    var hasPorts: Bool {
        switch self {
        case .tcp4, .udp4, .sctp4, .tcp6, .udp6, .sctp6: return true
        case .ip4, .ip6: return false
        }
    }
}

/// Header fields fed to the hash, with `ethtool`'s letters: s, d (IP source and destination),
/// f, n (bytes 0-1 and 2-3 of the L4 header, i.e. the source and destination ports).
public struct HashFields: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let sourceAddress = HashFields(rawValue: 1)
    public static let destinationAddress = HashFields(rawValue: 2)
    public static let sourcePort = HashFields(rawValue: 4)
    public static let destinationPort = HashFields(rawValue: 8)

    public static let addresses: HashFields = [.sourceAddress, .destinationAddress]
    public static let addressesAndPorts: HashFields = [.addresses, .sourcePort, .destinationPort]

    static let letters: [(Character, HashFields)] = [
        ("s", .sourceAddress), ("d", .destinationAddress), ("f", .sourcePort), ("n", .destinationPort)]
}

public struct HashConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The fields hashed for each flow type. Defaults follow common NICs: addresses and ports for
/// TCP and UDP, addresses alone for everything else.
public struct HashConfiguration: Sendable, Equatable {
    public var fields: [FlowType: HashFields]

    public static let standard = HashConfiguration(fields: Dictionary(uniqueKeysWithValues:
        FlowType.allCases.map { type in
            (type, [.tcp4, .udp4, .tcp6, .udp6].contains(type) ? HashFields.addressesAndPorts : .addresses)
        }))

    public init(fields: [FlowType: HashFields]) { self.fields = fields }

    /// Parses overrides such as `tcp4=sdfn,udp4=sd,udp6=sd` on top of the defaults.
    public init(parsing text: String) throws(HashConfigurationError) {
        self = .standard
        for item in text.split(separator: ",") where !item.isEmpty {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let type = FlowType(rawValue: String(parts[0])) else {
                throw HashConfigurationError(description:
                    "hash fields \"\(item)\": expected FLOWTYPE=LETTERS with FLOWTYPE one of "
                    + FlowType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var selected: HashFields = []
            for letter in parts[1] {
                guard let field = HashFields.letters.first(where: { $0.0 == letter })?.1 else {
                    throw HashConfigurationError(description:
                        "hash fields \"\(item)\": unknown field letter \"\(letter)\" (use s, d, f, n)")
                }
                selected.insert(field)
            }
            if !type.hasPorts && !selected.isDisjoint(with: [.sourcePort, .destinationPort]) {
                throw HashConfigurationError(description:
                    "hash fields \"\(item)\": \(type.rawValue) has no ports to hash")
            }
            fields[type] = selected
        }
    }

    public subscript(type: FlowType) -> HashFields { fields[type] ?? [] }
}

/// The header fields of one packet that RSS may hash. Addresses are kept in network byte order;
/// IPv4 addresses use the first 4 bytes.
public struct FlowTuple: Sendable, Hashable {
    public var type: FlowType
    public var source: [UInt8]
    public var destination: [UInt8]
    public var sourcePort: UInt16
    public var destinationPort: UInt16

    public init(type: FlowType, source: [UInt8], destination: [UInt8],
                sourcePort: UInt16 = 0, destinationPort: UInt16 = 0) {
        self.type = type
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }
}

/// Toeplitz over the fields a `HashConfiguration` selects: what a NIC computes for a packet.
public struct RSSHasher: Sendable {
    public let toeplitz: Toeplitz
    public let configuration: HashConfiguration

    public init(key: [UInt8] = Toeplitz.microsoftKey, configuration: HashConfiguration = .standard) {
        toeplitz = Toeplitz(key: key)
        self.configuration = configuration
    }

    /// The bytes hashed for `flow`, in the order NICs feed them: source, destination, ports.
    public func hashInput(_ flow: FlowTuple) -> [UInt8] {
        let fields = configuration[flow.type]
        var input: [UInt8] = []
        input.reserveCapacity(36)
        if fields.contains(.sourceAddress) { input += flow.source }
        if fields.contains(.destinationAddress) { input += flow.destination }
        if fields.contains(.sourcePort) { input += [UInt8(flow.sourcePort >> 8), UInt8(flow.sourcePort & 0xff)] }
        if fields.contains(.destinationPort) {
            input += [UInt8(flow.destinationPort >> 8), UInt8(flow.destinationPort & 0xff)]
        }
        return input
    }

    public func hash(_ flow: FlowTuple) -> UInt32 {
        toeplitz.hash(hashInput(flow))
    }

    /// The hash of an Ethernet frame as the NIC reports it; 0 for frames RSS does not hash.
    public func hash(frame: UnsafeRawBufferPointer) -> UInt32 {
        guard let flow = parseFlow(frame: frame) else { return 0 }
        return hash(flow)
    }
}
