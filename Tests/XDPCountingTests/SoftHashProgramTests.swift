import CBPF
import NICSim
import RSSHash
import Testing
import TestSupport
@testable import XDPCounting

/// The software-hash program run through BPF_PROG_TEST_RUN: every frame is passed and counted
/// once, in the bucket the NIC (and `RSSHasher`) would pick.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct SoftHashProgramTests {
    static let microsoft = try! SoftHashState(key: Toeplitz.microsoftKey, configuration: .standard)

    /// Runs `frame` once and returns the one bucket it was counted in, checking on the way the
    /// verdict, the byte count and the rx queue counter (BPF_PROG_TEST_RUN receives on queue 0).
    func countedBucket(_ program: CounterProgram, _ frame: [UInt8]) throws -> Int? {
        let before = (buckets: try program.readBuckets(), queues: try program.readQueues())
        let run = try program.testRun(frame: frame)
        #expect(run.verdict == UInt32(XDP_PASS.rawValue))
        let queues = try program.readQueues().since(before.queues)
        #expect(queues.packets[0] == 1 && queues.packets.reduce(0, +) == 1)
        let counted = try program.readBuckets().since(before.buckets)
        let buckets = counted.packets.indices.filter { counted.packets[$0] != 0 }
        guard buckets.count == 1, let bucket = buckets.first else { return nil }
        #expect(counted.packets[bucket] == 1)
        #expect(counted.bytes[bucket] == frame.count)
        return bucket
    }

    static let families: [(vectors: [VerificationVector], types: [FlowType])] = [
        (ipv4Vectors, [.tcp4, .udp4]), (ipv6Vectors, [.tcp6, .udp6])]

    func flow(_ vector: VerificationVector, _ type: FlowType) throws -> FlowTuple {
        let address = [.tcp4, .udp4, .sctp4, .ip4].contains(type) ? ipv4Address : ipv6Address
        return FlowTuple(type: type, source: try address(vector.source), destination: try address(vector.destination),
                         sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
    }

    @Test(arguments: [128, 512])
    func microsoftVectorsLandInTheirBuckets(buckets: Int) throws {
        let program = try CounterProgram(kind: .softHash, buckets: buckets, softHash: Self.microsoft)
        for family in Self.families {
            for vector in family.vectors {
                for type in family.types {
                    let frame = TestPacket(try flow(vector, type), at: 0).ethernetFrame()
                    #expect(try countedBucket(program, frame) == Int(vector.withPorts) % buckets,
                            "\(vector.source) → \(vector.destination) \(type)")
                }
            }
        }
    }

    @Test func framesRSSDoesNotFullyHashArePassedAndCountedAsTheNICWould() throws {
        let buckets = 128
        let program = try CounterProgram(kind: .softHash, buckets: buckets, softHash: Self.microsoft)
        let vector4 = ipv4Vectors[0], vector6 = ipv6Vectors[1]
        let tcp4 = TestPacket(try flow(vector4, .tcp4), at: 0).ethernetFrame()
        let udp6 = TestPacket(try flow(vector6, .udp6), at: 0).ethernetFrame()
        let withPorts4 = Int(vector4.withPorts) % buckets, addresses4 = Int(vector4.addressesOnly) % buckets
        let withPorts6 = Int(vector6.withPorts) % buckets, addresses6 = Int(vector6.addressesOnly) % buckets
        let cases: [(String, [UInt8], Int)] = [
            ("ARP", TestPacket(nil, at: 0).ethernetFrame(), 0),
            ("Ethernet header alone", Array(tcp4[..<14]), 0),
            ("IPv4 header cut short", Array(tcp4[..<30]), 0),
            ("IPv4 header length below 5", { var f = tcp4; f[14] = 0x44; return f }(), 0),
            ("IPv4 without room for ports", Array(tcp4[..<(14 + 20 + 3)]), addresses4),
            ("IPv4 fragment", FrameEdit.fragment(tcp4), addresses4),
            ("VLAN-tagged IPv4", FrameEdit.tagged(tcp4, [7]), withPorts4),
            ("QinQ-tagged IPv4", FrameEdit.tagged(tcp4, [7, 300]), withPorts4),
            ("VLAN-tagged IPv4 fragment", FrameEdit.tagged(FrameEdit.fragment(tcp4), [7]), addresses4),
            ("VLAN tag cut short", Array(FrameEdit.tagged(tcp4, [7])[..<16]), 0),
            ("IPv6 header cut short", Array(udp6[..<50]), 0),
            ("IPv6 fragment header", FrameEdit.ipv6Extension(udp6, type: 44), addresses6),
            ("IPv6 hop-by-hop and destination options",
             FrameEdit.ipv6Extension(FrameEdit.ipv6Extension(udp6, type: 60, units: 1), type: 0), withPorts6),
            ("IPv6 routing header cut short", Array(FrameEdit.ipv6Extension(udp6, type: 43)[..<(14 + 40 + 6)]), addresses6),
            ("IPv6 ICMP", { var f = udp6; f[14 + 6] = 58; return f }(), addresses6),
        ]
        let hasher = RSSHasher()
        for (name, frame, expected) in cases {
            #expect(try countedBucket(program, frame) == expected, "\(name)")
            let swiftBucket = frame.withUnsafeBytes { Int(hasher.hash(frame: $0)) % buckets }
            #expect(swiftBucket == expected, "\(name): RSSHasher disagrees")
        }
    }

    /// Random keys, hash fields and frames from a seed that the failure messages name;
    /// `RSSPP_TEST_SEED=N` reruns them.
    @Test(arguments: [509, 2048])
    func randomFramesLandWhereRSSHasherPutsThem(buckets: Int) throws {
        let seed = testSeed(default: 20_261_203)
        var random = SeededGenerator(seed: seed &+ UInt64(buckets))
        let key = (0..<52).map { _ in UInt8.random(in: 0...255, using: &random) }
        let letters = ["sd", "sdfn", "sdf", "dn", "s", ""]
        let overrides = [FlowType.tcp4, .udp4, .tcp6, .udp6, .sctp4].map { "\($0.rawValue)=\(letters.randomElement(using: &random)!)" }
        let configuration = try HashConfiguration(parsing: overrides.joined(separator: ","))
        let hasher = RSSHasher(key: key, configuration: configuration)
        let program = try CounterProgram(kind: .softHash, buckets: buckets,
                                         softHash: try SoftHashState(key: key, configuration: configuration))
        for _ in 0..<300 {
            let type = FlowType.allCases.randomElement(using: &random)!
            let addressLength = [.tcp4, .udp4, .sctp4, .ip4].contains(type) ? 4 : 16
            let flow = FlowTuple(type: type,
                                 source: (0..<addressLength).map { _ in UInt8.random(in: 0...255, using: &random) },
                                 destination: (0..<addressLength).map { _ in UInt8.random(in: 0...255, using: &random) },
                                 sourcePort: UInt16.random(in: 0...65535, using: &random),
                                 destinationPort: UInt16.random(in: 0...65535, using: &random))
            var frame = TestPacket(flow, at: 0, payload: Int.random(in: 0...64, using: &random)).ethernetFrame()
            if addressLength == 16 && Bool.random(using: &random) {
                frame = FrameEdit.ipv6Extension(frame, type: [0, 43, 44, 60].randomElement(using: &random)!,
                                                units: UInt8.random(in: 0...2, using: &random))
            }
            if Int.random(in: 0..<4, using: &random) == 0 {
                frame = FrameEdit.tagged(frame, (0..<Int.random(in: 1...3, using: &random)).map { _ in UInt16.random(in: 0...4095, using: &random) })
            }
            let expected = frame.withUnsafeBytes { Int(hasher.hash(frame: $0)) % buckets }
            #expect(try countedBucket(program, frame) == expected,
                    "RSSPP_TEST_SEED=\(seed), \(buckets) buckets: \(flow) frame \(frame)")
        }
    }

    @Test func shortKeysAreRefusedByName() {
        #expect(throws: SoftHashError.self) {
            try SoftHashState(key: Array(Toeplitz.microsoftKey[..<16]), configuration: .standard)
        }
    }
}
