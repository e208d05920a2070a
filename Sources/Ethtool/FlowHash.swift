#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CEthtool
import RSSHash

extension EthtoolDevice {
    /// The header fields the device hashes for one flow type (`ETHTOOL_GRXFH`), as
    /// `ethtool -n IFACE rx-flow-hash TYPE` shows them.
    public func hashFields(for type: FlowType) throws(EthtoolError) -> HashFields {
        var request = ethtool_rxnfc()
        request.cmd = UInt32(ETHTOOL_GRXFH)
        request.flow_type = type.ethtoolFlowType
        try run("ETHTOOL_GRXFH", &request)
        var fields: HashFields = []
        if request.data & UInt64(RXH_IP_SRC) != 0 { fields.insert(.sourceAddress) }
        if request.data & UInt64(RXH_IP_DST) != 0 { fields.insert(.destinationAddress) }
        if request.data & UInt64(RXH_L4_B_0_1) != 0 { fields.insert(.sourcePort) }
        if request.data & UInt64(RXH_L4_B_2_3) != 0 { fields.insert(.destinationPort) }
        return fields
    }

    /// The fields hashed for every flow type. A flow type the driver does not report (EINVAL,
    /// EOPNOTSUPP: virtio_net has no SCTP hashing) hashes as plain IP of its version.
    public func hashConfiguration() throws(EthtoolError) -> HashConfiguration {
        var fields: [FlowType: HashFields] = [:]
        for type in [FlowType.ip4, .ip6] { fields[type] = try hashFields(for: type) }
        for type in FlowType.allCases where type != .ip4 && type != .ip6 {
            do {
                fields[type] = try hashFields(for: type)
            } catch where error.errno == EINVAL || error.errno == EOPNOTSUPP {
                fields[type] = fields[type.isIPv6 ? .ip6 : .ip4]
            }
        }
        return HashConfiguration(fields: fields)
    }
}

extension FlowType {
    var ethtoolFlowType: UInt32 {
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

    var isIPv6: Bool { [.tcp6, .udp6, .sctp6, .ip6].contains(self) }
}
