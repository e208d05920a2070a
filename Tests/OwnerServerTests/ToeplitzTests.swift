import NICSim
import RSSHash
import RssppOwner
import Testing
import TestSupport

/// rsspp_toeplitz, the owner library's hash of a 5-tuple, against Microsoft's published
/// answers and against the Swift tools' Toeplitz on random keys and inputs.
@Suite struct ToeplitzTests {
    static func hash(_ input: [UInt8], key: [UInt8] = Toeplitz.microsoftKey) -> UInt32 {
        rsspp_toeplitz(key, UInt32(key.count), input, UInt32(input.count))
    }

    static func ports(_ vector: VerificationVector) -> [UInt8] {
        [UInt8(vector.sourcePort >> 8), UInt8(vector.sourcePort & 0xff),
         UInt8(vector.destinationPort >> 8), UInt8(vector.destinationPort & 0xff)]
    }

    @Test func microsoftVerificationVectors() throws {
        for vector in ipv4Vectors {
            let addresses = try ipv4Address(vector.source) + ipv4Address(vector.destination)
            #expect(Self.hash(addresses) == vector.addressesOnly, "\(vector.source)")
            #expect(Self.hash(addresses + Self.ports(vector)) == vector.withPorts, "\(vector.source)")
        }
        for vector in ipv6Vectors {
            let addresses = try ipv6Address(vector.source) + ipv6Address(vector.destination)
            #expect(Self.hash(addresses) == vector.addressesOnly, "\(vector.source)")
            #expect(Self.hash(addresses + Self.ports(vector)) == vector.withPorts, "\(vector.source)")
        }
    }

    @Test func agreesWithTheSwiftToeplitzOnRandomKeysAndInputs() {
        let seed = testSeed(default: 8)
        var random = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let key = (0..<Int.random(in: 40...52, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let input = (0..<Int.random(in: 0...36, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Self.hash(input, key: key) == Toeplitz(key: key).hash(input), "seed \(seed), key \(key), input \(input)")
        }
    }
}
