import RSSHash
import Testing

/// The verification suite of Microsoft's RSS specification ("Verifying the RSS Hash
/// Calculation"), computed with its default key.
struct VerificationVector {
    let source: String, sourcePort: UInt16
    let destination: String, destinationPort: UInt16
    let withPorts: UInt32, addressesOnly: UInt32
}

let ipv4Vectors = [
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

let ipv6Vectors = [
    VerificationVector(source: "3ffe:2501:200:1fff::7", sourcePort: 2794, destination: "3ffe:2501:200:3::1",
                       destinationPort: 1766, withPorts: 0x4020_7d3d, addressesOnly: 0x2cc1_8cd5),
    VerificationVector(source: "3ffe:501:8::260:97ff:fe40:efab", sourcePort: 14230, destination: "ff02::1",
                       destinationPort: 4739, withPorts: 0xdde5_1bbf, addressesOnly: 0x0f0c_461c),
    VerificationVector(source: "3ffe:1900:4545:3:200:f8ff:fe21:67cf", sourcePort: 44251,
                       destination: "fe80::200:f8ff:fe21:67cf", destinationPort: 38024,
                       withPorts: 0x02d1_feef, addressesOnly: 0x4b61_e985),
]

/// Bit-by-bit Toeplitz straight from the specification, to check the table-driven one against.
func referenceToeplitz(key: [UInt8], input: [UInt8]) -> UInt32 {
    var result: UInt32 = 0
    for bit in 0..<(input.count * 8) where input[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 {
        var window: UInt32 = 0
        for k in 0..<32 {
            let keyBit = bit + k
            let set = keyBit / 8 < key.count && key[keyBit / 8] & (0x80 >> UInt8(keyBit % 8)) != 0
            window = window << 1 | (set ? 1 : 0)
        }
        result ^= window
    }
    return result
}

@Suite struct ToeplitzTests {
    let hasher = RSSHasher()

    @Test(arguments: ipv4Vectors)
    func ipv4(vector: VerificationVector) throws {
        let tcp = FlowTuple(type: .tcp4, source: try ipv4Address(vector.source),
                            destination: try ipv4Address(vector.destination),
                            sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
        #expect(hasher.hash(tcp) == vector.withPorts)
        var other = tcp
        other.type = .ip4
        #expect(hasher.hash(other) == vector.addressesOnly)
    }

    @Test(arguments: ipv6Vectors)
    func ipv6(vector: VerificationVector) throws {
        let udp = FlowTuple(type: .udp6, source: try ipv6Address(vector.source),
                            destination: try ipv6Address(vector.destination),
                            sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
        #expect(hasher.hash(udp) == vector.withPorts)
        var other = udp
        other.type = .ip6
        #expect(hasher.hash(other) == vector.addressesOnly)
    }

    @Test func tableMatchesBitByBitOnRandomKeysAndInputs() {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [40, 52] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let toeplitz = Toeplitz(key: key)
            for _ in 0..<200 {
                let input = (0..<Int.random(in: 0...toeplitz.maxInputLength, using: &generator))
                    .map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(toeplitz.hash(input) == referenceToeplitz(key: key, input: input))
            }
        }
    }

    @Test func hashFieldsFollowTheConfiguration() throws {
        let vector = ipv4Vectors[0]
        let udpAddressesOnly = RSSHasher(configuration: try HashConfiguration(parsing: "udp4=sd"))
        let flow = FlowTuple(type: .udp4, source: try ipv4Address(vector.source),
                             destination: try ipv4Address(vector.destination),
                             sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
        #expect(udpAddressesOnly.hash(flow) == vector.addressesOnly)
        #expect(RSSHasher().hash(flow) == vector.withPorts)
    }

    @Test func badHashConfigurationsAreRefusedByName() {
        #expect(throws: HashConfigurationError.self) { try HashConfiguration(parsing: "tcp9=sd") }
        #expect(throws: HashConfigurationError.self) { try HashConfiguration(parsing: "tcp4=sdx") }
        #expect(throws: HashConfigurationError.self) { try HashConfiguration(parsing: "ip4=sdfn") }
    }

    @Test func keysParseFromHexWithOrWithoutColons() throws {
        #expect(try parseHexKey("6d:5a:56:da:25:5b:0e:c2") == [0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2])
        #expect(hexString(Toeplitz.microsoftKey) == "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa")
        #expect(throws: KeyError.notHex("6d5")) { try parseHexKey("6d5") }
        #expect(throws: KeyError.tooShort(2)) { try parseHexKey("6d5a") }
    }
}

struct AddressError: Error {}

func ipv4Address(_ text: String) throws -> [UInt8] {
    let parts = text.split(separator: ".").compactMap { UInt8($0) }
    guard parts.count == 4 else { throw AddressError() }
    return parts
}

func ipv6Address(_ text: String) throws -> [UInt8] {
    func groups(_ part: Substring) -> [UInt16] { part.split(separator: ":").compactMap { UInt16($0, radix: 16) } }
    let gap = text.firstRange(of: "::")
    let head = groups(text[..<(gap?.lowerBound ?? text.endIndex)])
    let tail = gap.map { groups(text[$0.upperBound...]) } ?? []
    let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    guard all.count == 8 else { throw AddressError() }
    return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
}
