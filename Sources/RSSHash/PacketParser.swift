/// Extracts the RSS-relevant fields of an Ethernet frame the way NICs do: VLAN tags are skipped,
/// IP fragments hash on addresses alone, non-IP and truncated frames are not hashed (`nil`).
public func parseFlow(frame: UnsafeRawBufferPointer) -> FlowTuple? {
    var offset = 12
    guard frame.count >= offset + 2 else { return nil }
    var etherType = readUInt16(frame, offset)
    offset += 2
    while etherType == 0x8100 || etherType == 0x88a8 {
        guard frame.count >= offset + 4 else { return nil }
        etherType = readUInt16(frame, offset + 2)
        offset += 4
    }
    switch etherType {
    case 0x0800: return parseIPv4(frame, offset)
    case 0x86dd: return parseIPv6(frame, offset)
    default: return nil
    }
}

/// Same as `parseFlow(frame:)`, for a packet that starts at the IP header (pcap LINKTYPE_RAW).
public func parseFlow(ipPacket: UnsafeRawBufferPointer) -> FlowTuple? {
    guard let first = ipPacket.first else { return nil }
    switch first >> 4 {
    case 4: return parseIPv4(ipPacket, 0)
    case 6: return parseIPv6(ipPacket, 0)
    default: return nil
    }
}

private func readUInt16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
}

private func bytes(_ buffer: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> [UInt8] {
    Array(buffer[offset..<offset + count])
}

private func parseIPv4(_ packet: UnsafeRawBufferPointer, _ start: Int) -> FlowTuple? {
    guard packet.count >= start + 20, packet[start] >> 4 == 4 else { return nil }
    let headerLength = Int(packet[start] & 0x0f) * 4
    guard headerLength >= 20, packet.count >= start + headerLength else { return nil }
    let fragmentField = readUInt16(packet, start + 6)
    let isFragment = fragmentField & 0x3fff != 0 // more-fragments flag or a non-zero offset
    let protocolNumber = packet[start + 9]
    var flow = FlowTuple(type: .ip4, source: bytes(packet, start + 12, 4), destination: bytes(packet, start + 16, 4))
    guard !isFragment, let type = l4Type(protocolNumber, v6: false) else { return flow }
    return withPorts(&flow, type, packet, start + headerLength)
}

private func parseIPv6(_ packet: UnsafeRawBufferPointer, _ start: Int) -> FlowTuple? {
    guard packet.count >= start + 40, packet[start] >> 4 == 6 else { return nil }
    var flow = FlowTuple(type: .ip6, source: bytes(packet, start + 8, 16), destination: bytes(packet, start + 24, 16))
    var next = packet[start + 6]
    var offset = start + 40
    // Hop-by-hop, routing and destination options precede the L4 header; a fragment header
    // makes the packet hash on addresses alone.
    while [0, 43, 60].contains(next) {
        guard packet.count >= offset + 8 else { return flow }
        next = packet[offset]
        offset += (Int(packet[offset + 1]) + 1) * 8
    }
    guard let type = l4Type(next, v6: true) else { return flow }
    return withPorts(&flow, type, packet, offset)
}

private func l4Type(_ protocolNumber: UInt8, v6: Bool) -> FlowType? {
    switch protocolNumber {
    case 6: return v6 ? .tcp6 : .tcp4
    case 17: return v6 ? .udp6 : .udp4
    case 132: return v6 ? .sctp6 : .sctp4
    default: return nil
    }
}

/// A packet too short to hold its ports still hashes on its addresses, as NICs do.
private func withPorts(_ flow: inout FlowTuple, _ type: FlowType, _ packet: UnsafeRawBufferPointer,
                       _ offset: Int) -> FlowTuple {
    guard packet.count >= offset + 4 else { return flow }
    flow.type = type
    flow.sourcePort = readUInt16(packet, offset)
    flow.destinationPort = readUInt16(packet, offset + 2)
    return flow
}
