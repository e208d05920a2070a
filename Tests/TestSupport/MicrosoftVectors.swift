/// Known answers shared by the tests of every Toeplitz implementation (Swift and BPF).

/// The verification suite of Microsoft's RSS specification ("Verifying the RSS Hash
/// Calculation"), computed with its default key.
public struct VerificationVector: Sendable {
    public let source: String, sourcePort: UInt16
    public let destination: String, destinationPort: UInt16
    public let withPorts: UInt32, addressesOnly: UInt32
}

public let ipv4Vectors = [
    VerificationVector(source: "66.9.149.187", sourcePort: 2794, destination: "161.142.100.80", destinationPort: 1766,
                       withPorts: 0x51cc_c178, addressesOnly: 0x323e_8fc2),
    VerificationVector(source: "199.92.111.2", sourcePort: 14230, destination: "65.69.140.83", destinationPort: 4739,
                       withPorts: 0xc626_b0ea, addressesOnly: 0xd718_262a),
    VerificationVector(source: "24.19.198.95", sourcePort: 12898, destination: "12.22.207.184", destinationPort: 38024,
                       withPorts: 0x5c2b_394a, addressesOnly: 0xd2d0_a5de),
    VerificationVector(source: "38.27.205.30", sourcePort: 48228, destination: "209.142.163.6", destinationPort: 2217,
                       withPorts: 0xafc7_327f, addressesOnly: 0x8298_9176),
    VerificationVector(source: "153.39.163.191", sourcePort: 44251, destination: "202.188.127.2", destinationPort: 1303,
                       withPorts: 0x10e8_28a2, addressesOnly: 0x5d18_09c5),
]

public let ipv6Vectors = [
    VerificationVector(source: "3ffe:2501:200:1fff::7", sourcePort: 2794, destination: "3ffe:2501:200:3::1",
                       destinationPort: 1766, withPorts: 0x4020_7d3d, addressesOnly: 0x2cc1_8cd5),
    VerificationVector(source: "3ffe:501:8::260:97ff:fe40:efab", sourcePort: 14230, destination: "ff02::1",
                       destinationPort: 4739, withPorts: 0xdde5_1bbf, addressesOnly: 0x0f0c_461c),
    VerificationVector(source: "3ffe:1900:4545:3:200:f8ff:fe21:67cf", sourcePort: 44251,
                       destination: "fe80::200:f8ff:fe21:67cf", destinationPort: 38024,
                       withPorts: 0x02d1_feef, addressesOnly: 0x4b61_e985),
]

public struct AddressError: Error {}

public func ipv4Address(_ text: String) throws -> [UInt8] {
    let parts = text.split(separator: ".").compactMap { UInt8($0) }
    guard parts.count == 4 else { throw AddressError() }
    return parts
}

public func ipv6Address(_ text: String) throws -> [UInt8] {
    func groups(_ part: Substring) -> [UInt16] { part.split(separator: ":").compactMap { UInt16($0, radix: 16) } }
    let gap = text.firstRange(of: "::")
    let head = groups(text[..<(gap?.lowerBound ?? text.endIndex)])
    let tail = gap.map { groups(text[$0.upperBound...]) } ?? []
    let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    guard all.count == 8 else { throw AddressError() }
    return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
}
