import NICSim
import RSSHash
import TestSupport
import Testing

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

    /// A vector hashed as the flow type with ports and as the one with addresses alone.
    func check(_ vector: VerificationVector, ports: FlowType, addressesOnly: FlowType,
               address: (String) throws -> [UInt8]) throws {
        var flow = FlowTuple(type: ports, source: try address(vector.source),
                             destination: try address(vector.destination),
                             sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
        #expect(hasher.hash(flow) == vector.withPorts)
        flow.type = addressesOnly
        #expect(hasher.hash(flow) == vector.addressesOnly)
    }

    @Test(arguments: ipv4Vectors)
    func ipv4(vector: VerificationVector) throws {
        try check(vector, ports: .tcp4, addressesOnly: .ip4, address: ipv4Address)
    }

    @Test(arguments: ipv6Vectors)
    func ipv6(vector: VerificationVector) throws {
        try check(vector, ports: .udp6, addressesOnly: .ip6, address: ipv6Address)
    }

    @Test func tableMatchesBitByBitOnRandomKeysAndInputs() {
        let seed = testSeed(default: 11)
        var generator = SeededGenerator(seed: seed)
        for keyLength in [40, 52] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let toeplitz = Toeplitz(key: key)
            for _ in 0..<200 {
                let input = (0..<Int.random(in: 0...toeplitz.maxInputLength, using: &generator))
                    .map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(toeplitz.hash(input) == referenceToeplitz(key: key, input: input), "RSSPP_TEST_SEED=\(seed)")
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
