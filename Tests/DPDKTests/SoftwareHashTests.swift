import NICSim
import RSSHash
import RssppDPDK
import Testing
import TestSupport

/// The library's software hash (C, for packets without a hardware hash) against rsspp's
/// Swift `RSSHasher`, frame by frame: the two must put every packet in the same bucket.
@Suite struct SoftwareHashTests {
    /// The C hash of `frame` under `key`.
    static func softwareHash(_ frame: [UInt8], key: [UInt8]) -> UInt32 {
        let toeplitz = UnsafeMutablePointer<rsspp_toeplitz>.allocate(capacity: 1)
        defer { toeplitz.deallocate() }
        #expect(rsspp_toeplitz_init(toeplitz, key, UInt32(key.count)) == 0)
        var input = [UInt8](repeating: 0, count: 36)
        let length = frame.withUnsafeBytes { rsspp_hash_input($0.baseAddress, UInt32($0.count), &input) }
        return rsspp_toeplitz_hash(toeplitz, input, length)
    }

    static func expectSameHash(_ frame: [UInt8], key: [UInt8] = Toeplitz.microsoftKey,
                               _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = frame.withUnsafeBytes { RSSHasher(key: key).hash(frame: $0) }
        #expect(softwareHash(frame, key: key) == expected, comment, sourceLocation: sourceLocation)
    }

    @Test func microsoftVerificationVectors() {
        // From Microsoft's RSS verification suite: 66.9.149.187:2794 -> 161.142.100.80:1766.
        let tcp = TestPacket(FlowTuple(type: .tcp4, source: [66, 9, 149, 187], destination: [161, 142, 100, 80],
                                       sourcePort: 2794, destinationPort: 1766), at: 0)
        #expect(Self.softwareHash(tcp.ethernetFrame(), key: Toeplitz.microsoftKey) == 0x51cc_c178)
        let ip = TestPacket(FlowTuple(type: .ip4, source: [66, 9, 149, 187], destination: [161, 142, 100, 80]), at: 0)
        #expect(Self.softwareHash(ip.ethernetFrame(), key: Toeplitz.microsoftKey) == 0x323e_8fc2)
    }

    @Test(arguments: FlowType.allCases)
    func everyFlowTypeWithAndWithoutVLAN(type: FlowType) {
        var random = SeededGenerator(seed: UInt64(FlowType.allCases.firstIndex(of: type)!))
        for _ in 0..<50 {
            let v6 = [.tcp6, .udp6, .sctp6, .ip6].contains(type)
            let flow = FlowTuple(type: type, source: random.bytes(v6 ? 16 : 4), destination: random.bytes(v6 ? 16 : 4),
                                 sourcePort: UInt16(truncatingIfNeeded: random.next()),
                                 destinationPort: UInt16(truncatingIfNeeded: random.next()))
            let key = random.bytes(40 + Int(random.next() % 13))
            Self.expectSameHash(TestPacket(flow, at: 0).ethernetFrame(), key: key, "\(flow)")
            Self.expectSameHash(TestPacket(flow, vlan: 7, at: 0).ethernetFrame(), key: key, "\(flow) in VLAN 7")
        }
    }

    @Test func fragmentsHashOnAddressesAlone() {
        let flow = FlowTuple(type: .udp4, source: [10, 0, 0, 1], destination: [10, 0, 0, 2], sourcePort: 53, destinationPort: 9)
        var frame = TestPacket(flow, at: 0).ethernetFrame()
        frame[14 + 6] = 0x20 // more fragments
        Self.expectSameHash(frame, "first fragment")
        frame[14 + 6] = 0x00
        frame[14 + 7] = 0x10 // offset 16
        Self.expectSameHash(frame, "later fragment")
        let unfragmented = TestPacket(FlowTuple(type: .ip4, source: flow.source, destination: flow.destination), at: 0)
        #expect(Self.softwareHash(frame, key: Toeplitz.microsoftKey)
                == Self.softwareHash(unfragmented.ethernetFrame(), key: Toeplitz.microsoftKey))
    }

    @Test func ipv6ExtensionHeadersAreSkipped() {
        let flow = FlowTuple(type: .tcp6, source: Array(1...16), destination: Array(17...32), sourcePort: 80, destinationPort: 443)
        var frame = TestPacket(flow, at: 0).ethernetFrame()
        // Insert an 8-byte hop-by-hop header in front of TCP.
        let nextHeader = frame[14 + 6]
        frame[14 + 6] = 0
        frame.insert(contentsOf: [nextHeader, 0, 1, 4, 0, 0, 0, 0], at: 14 + 40)
        Self.expectSameHash(frame, "hop-by-hop, then TCP")
        frame[14 + 6] = 44 // a fragment header instead: addresses only
        Self.expectSameHash(frame, "fragment header")
    }

    @Test func framesRSSDoesNotHashGiveZero() {
        let arp = TestPacket(nil, at: 0).ethernetFrame()
        #expect(Self.softwareHash(arp, key: Toeplitz.microsoftKey) == 0)
        let flow = FlowTuple(type: .tcp6, source: Array(1...16), destination: Array(17...32), sourcePort: 1, destinationPort: 2)
        let frame = TestPacket(flow, vlan: 3, at: 0).ethernetFrame()
        for length in 0..<frame.count {
            Self.expectSameHash(Array(frame[..<length]), "truncated to \(length) bytes")
        }
        var qinq = frame
        qinq.insert(contentsOf: [0x88, 0xa8, 0, 5], at: 12)
        Self.expectSameHash(qinq, "802.1ad outer tag around the VLAN tag")
        #expect(Self.softwareHash(qinq, key: Toeplitz.microsoftKey) == Self.softwareHash(frame, key: Toeplitz.microsoftKey))
    }

    @Test func aShortKeyIsRefused() {
        let toeplitz = UnsafeMutablePointer<rsspp_toeplitz>.allocate(capacity: 1)
        defer { toeplitz.deallocate() }
        #expect(rsspp_toeplitz_init(toeplitz, Array(Toeplitz.microsoftKey.prefix(39)), 39) == -1)
    }
}

extension SeededGenerator {
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
