#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CEthtool
import RSSHash

/// A failed SIOCETHTOOL request, worded for the person running the tool.
public struct EthtoolError: Error, CustomStringConvertible, Equatable {
    public let interface: String
    public let request: String
    public let errno: Int32
    /// The driver's name when it could be read, for "not supported" messages.
    public let driver: String?

    public init(interface: String, request: String, errno: Int32, driver: String? = nil) {
        self.interface = interface
        self.request = request
        self.errno = errno
        self.driver = driver
    }

    public var description: String {
        switch errno {
        case EOPNOTSUPP:
            return "\(interface): driver \(driver ?? "(unknown)") does not support \(request)"
        case EPERM, EACCES:
            return "\(interface): \(request) needs CAP_NET_ADMIN (run as root)"
        case ENODEV:
            return "\(interface): no such network interface"
        default:
            return "\(interface): \(request): \(String(cString: strerror(errno)))"
        }
    }
}

/// The hash function a device applies, as ETHTOOL_GRSSH names it (ETH_RSS_HASH_*).
public enum RSSHashFunction: Equatable, Sendable {
    case toeplitz, xor, crc32
    case unknown(UInt8)

    init(bits: UInt8) {
        switch bits {
        case 1: self = .toeplitz
        case 2: self = .xor
        case 4: self = .crc32
        default: self = .unknown(bits)
        }
    }
}

/// A device's RSS indirection table and key, as ETHTOOL_GRSSH reports them.
public struct RSSSetup: Equatable, Sendable {
    /// Queue index per bucket.
    public var table: [Int]
    public var key: [UInt8]
    public var hashFunction: RSSHashFunction
}

/// A device's channel counts (ETHTOOL_GCHANNELS).
public struct Channels: Equatable, Sendable {
    public var rx, tx, other, combined: Int
    public var maxRx, maxTx, maxOther, maxCombined: Int

    /// Receive queues: one per combined channel plus the receive-only ones.
    public var receiveQueues: Int { combined + rx }
}

/// The ethtool view of one network interface, through SIOCETHTOOL.
public final class EthtoolDevice {
    public let interface: String
    private let socket: Int32

    public init(interface: String) throws(EthtoolError) {
        self.interface = interface
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw EthtoolError(interface: interface, request: "socket", errno: errno) }
        socket = fd
    }

    deinit { close(socket) }

    /// The table and key in force for RSS context `context` (0: the device's main table).
    public func rss(context: UInt32 = 0) throws(EthtoolError) -> RSSSetup {
        var tableSize: UInt32 = 0
        var keySize: UInt32 = 0
        try check("ETHTOOL_GRSSH", rsspp_ethtool_rss_sizes(socket, interface, context, &tableSize, &keySize))
        var table = [UInt32](repeating: 0, count: Int(tableSize))
        var key = [UInt8](repeating: 0, count: Int(keySize))
        var function: UInt8 = 0
        try check("ETHTOOL_GRSSH", rsspp_ethtool_get_rss(socket, interface, context, &table, tableSize,
                                                         &key, keySize, &function))
        return RSSSetup(table: table.map(Int.init), key: key, hashFunction: RSSHashFunction(bits: function))
    }

    /// The header fields the device hashes for each flow type (ETHTOOL_GRXFH). Flow types the
    /// driver does not report keep the common defaults; `unmodeled` lists those that hash more
    /// than addresses and ports (VLAN, L2 address, L3 protocol), which a software hash cannot copy.
    public func hashConfiguration() throws(EthtoolError) -> (configuration: HashConfiguration, unmodeled: [FlowType]) {
        var configuration = HashConfiguration.standard
        var unmodeled: [FlowType] = []
        for type in FlowType.allCases {
            var bits: UInt64 = 0
            let error = rsspp_ethtool_get_flow_hash(socket, interface, type.ethtoolFlowType, &bits)
            if error == EOPNOTSUPP || error == EINVAL { continue }
            try check("ETHTOOL_GRXFH", error)
            let (fields, rest) = HashFields.from(ethtoolBits: bits)
            configuration.fields[type] = fields
            if rest != 0 { unmodeled.append(type) }
        }
        return (configuration, unmodeled)
    }

    public func channels() throws(EthtoolError) -> Channels {
        var reply = rsspp_channels()
        try check("ETHTOOL_GCHANNELS", rsspp_ethtool_get_channels(socket, interface, &reply))
        return Channels(rx: Int(reply.rx), tx: Int(reply.tx), other: Int(reply.other),
                        combined: Int(reply.combined), maxRx: Int(reply.max_rx), maxTx: Int(reply.max_tx),
                        maxOther: Int(reply.max_other), maxCombined: Int(reply.max_combined))
    }

    public func driver() throws(EthtoolError) -> String {
        var name = [CChar](repeating: 0, count: 32)
        try check("ETHTOOL_GDRVINFO", rsspp_ethtool_driver(socket, interface, &name, UInt32(name.count)))
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func check(_ request: String, _ error: Int32) throws(EthtoolError) {
        guard error != 0 else { return }
        let driver = error == EOPNOTSUPP ? try? self.driver() : nil
        throw EthtoolError(interface: interface, request: request, errno: error, driver: driver)
    }
}

extension FlowType {
    /// The flow type's number in ETHTOOL_GRXFH / ETHTOOL_SRXFH (TCP_V4_FLOW, ...).
    public var ethtoolFlowType: UInt32 {
        switch self {
        case .tcp4: return UInt32(TCP_V4_FLOW)
        case .udp4: return UInt32(UDP_V4_FLOW)
        case .sctp4: return UInt32(SCTP_V4_FLOW)
        case .ip4: return UInt32(IPV4_FLOW)
        case .tcp6: return UInt32(TCP_V6_FLOW)
        case .udp6: return UInt32(UDP_V6_FLOW)
        case .sctp6: return UInt32(SCTP_V6_FLOW)
        case .ip6: return UInt32(IPV6_FLOW)
        }
    }
}

extension HashFields {
    private static let ethtoolBits: [(UInt64, HashFields)] = [
        (UInt64(RXH_IP_SRC), .sourceAddress), (UInt64(RXH_IP_DST), .destinationAddress),
        (UInt64(RXH_L4_B_0_1), .sourcePort), (UInt64(RXH_L4_B_2_3), .destinationPort)]

    /// The fields an ETHTOOL_GRXFH answer selects, and the bits left over (other than RXH_DISCARD).
    public static func from(ethtoolBits bits: UInt64) -> (fields: HashFields, rest: UInt64) {
        var fields: HashFields = []
        var rest = bits & ~UInt64(RXH_DISCARD)
        for (bit, field) in ethtoolBits where bits & bit != 0 {
            fields.insert(field)
            rest &= ~bit
        }
        return (fields, rest)
    }
}
