import RSSHash

/// A packet for a test capture: a flow (nil for a frame that is not IP), an optional VLAN tag,
/// a capture time in nanoseconds since the Unix epoch, and some payload.
public struct TestPacket: Sendable {
    public var flow: FlowTuple?
    public var vlan: UInt16?
    public var nanoseconds: UInt64
    public var payload: Int

    public init(_ flow: FlowTuple?, vlan: UInt16? = nil, at nanoseconds: UInt64, payload: Int = 10) {
        self.flow = flow
        self.vlan = vlan
        self.nanoseconds = nanoseconds
        self.payload = payload
    }

    /// The packet from its IP header on (LINKTYPE_RAW); empty for a non-IP packet.
    public func ipPacket() -> [UInt8] {
        guard let flow else { return [] }
        let (protocolNumber, transport) = transportHeader(flow)
        let body = transport + [UInt8](repeating: 0xab, count: payload)
        switch flow.type {
        case .tcp4, .udp4, .sctp4, .ip4:
            let length = 20 + body.count
            return [0x45, 0, UInt8(length >> 8), UInt8(length & 0xff), 0, 1, 0x40, 0, 64, protocolNumber, 0, 0]
                + flow.source + flow.destination + body
        case .tcp6, .udp6, .sctp6, .ip6:
            return [0x60, 0, 0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xff), protocolNumber, 64]
                + flow.source + flow.destination + body
        }
    }

    /// The packet as an Ethernet frame; an ARP request when there is no flow.
    public func ethernetFrame() -> [UInt8] {
        let addresses: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]
        let tag: [UInt8] = vlan.map { [0x81, 0x00] + bigEndian($0) } ?? []
        guard let flow else { return addresses + tag + [0x08, 0x06] + [UInt8](repeating: 0, count: 28) }
        let etherType: [UInt8] = isIPv6(flow.type) ? [0x86, 0xdd] : [0x08, 0x00]
        return addresses + tag + etherType + ipPacket()
    }

    /// The packet behind a Linux cooked (SLL, `tcpdump -i any`) header.
    public func linuxCookedFrame() -> [UInt8] {
        let protocolType: [UInt8] = flow.map { isIPv6($0.type) ? [0x86, 0xdd] : [0x08, 0x00] } ?? [0x08, 0x06]
        return [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + protocolType + ipPacket()
    }
}

private func isIPv6(_ type: FlowType) -> Bool { [.tcp6, .udp6, .sctp6, .ip6].contains(type) }

private func transportHeader(_ flow: FlowTuple) -> (protocolNumber: UInt8, header: [UInt8]) {
    let ports = bigEndian(flow.sourcePort) + bigEndian(flow.destinationPort)
    switch flow.type {
    case .tcp4, .tcp6: return (6, ports + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0])
    case .udp4, .udp6: return (17, ports + [0, 8, 0, 0])
    case .sctp4, .sctp6: return (132, ports + [0, 0, 0, 0, 0, 0, 0, 0])
    case .ip4: return (1, [8, 0, 0, 0, 0, 0, 0, 0]) // ICMP echo
    case .ip6: return (58, [128, 0, 0, 0, 0, 0, 0, 0]) // ICMPv6 echo
    }
}

private func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

private func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

/// Link-layer header types of capture files (tcpdump.org/linktypes.html).
public enum LinkType: UInt32, Sendable {
    case ethernet = 1
    case raw = 101
    case linuxCooked = 113
    case ieee80211 = 105
}

/// A capture file as libpcap reads it: the classic format (microsecond timestamps) or pcapng
/// (one section, one interface with nanosecond timestamps, enhanced packet blocks).
public enum CaptureFormat: Sendable {
    case pcap, pcapng

    public func file(_ frames: [(nanoseconds: UInt64, bytes: [UInt8])], linkType: LinkType) -> [UInt8] {
        switch self {
        case .pcap:
            var file = littleEndian(UInt32(0xa1b2_c3d4)) + littleEndian(UInt16(2)) + littleEndian(UInt16(4))
                + littleEndian(UInt32(0)) + littleEndian(UInt32(0)) + littleEndian(UInt32(65535))
                + littleEndian(linkType.rawValue)
            for frame in frames {
                file += littleEndian(UInt32(frame.nanoseconds / 1_000_000_000))
                    + littleEndian(UInt32(frame.nanoseconds % 1_000_000_000 / 1000))
                    + littleEndian(UInt32(frame.bytes.count)) + littleEndian(UInt32(frame.bytes.count)) + frame.bytes
            }
            return file
        case .pcapng:
            var file = block(0x0a0d_0d0a, littleEndian(UInt32(0x1a2b_3c4d)) + littleEndian(UInt16(1))
                             + littleEndian(UInt16(0)) + littleEndian(Int64(-1)))
            let nanosecondResolution = littleEndian(UInt16(9)) + littleEndian(UInt16(1)) + [9, 0, 0, 0]
            let endOfOptions = [UInt8](repeating: 0, count: 4)
            file += block(1, littleEndian(UInt16(linkType.rawValue)) + littleEndian(UInt16(0))
                          + littleEndian(UInt32(65535)) + nanosecondResolution + endOfOptions)
            for frame in frames {
                let padding = [UInt8](repeating: 0, count: (4 - frame.bytes.count % 4) % 4)
                file += block(6, littleEndian(UInt32(0)) + littleEndian(UInt32(frame.nanoseconds >> 32))
                              + littleEndian(UInt32(frame.nanoseconds & 0xffff_ffff))
                              + littleEndian(UInt32(frame.bytes.count)) + littleEndian(UInt32(frame.bytes.count))
                              + frame.bytes + padding)
            }
            return file
        }
    }

    private func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let length = littleEndian(UInt32(12 + body.count))
        return littleEndian(type) + length + body + length
    }
}
