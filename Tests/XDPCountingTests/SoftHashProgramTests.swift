import CBPF
import RSSHash
import RSSTestVectors
import Testing
@testable import XDPCounting

/// The software-hash program run through BPF_PROG_TEST_RUN: the buckets it counts must be the
/// ones the NIC (and `RSSHasher`) would pick.
@Suite(.enabled(if: privilegedTestsEnabled, privilegeNote), .serialized)
struct SoftHashProgramTests {
    static let microsoft = try! SoftHashState(key: Toeplitz.microsoftKey, configuration: .standard)

    /// Runs `frame` once and returns the single bucket it was counted in, checking the verdict
    /// and the byte count on the way.
    func countedBucket(_ program: CounterProgram, _ frame: [UInt8]) throws -> Int? {
        let before = try program.readBuckets()
        let run = try program.testRun(frame: frame)
        #expect(run.verdict == UInt32(XDP_PASS.rawValue))
        let counted = try program.readBuckets().since(before)
        let buckets = counted.packets.indices.filter { counted.packets[$0] != 0 }
        guard buckets.count == 1, let bucket = buckets.first else { return nil }
        #expect(counted.packets[bucket] == 1)
        #expect(counted.bytes[bucket] == frame.count)
        return bucket
    }

    @Test(arguments: [128, 512])
    func microsoftVectorsLandInTheirBuckets(buckets: Int) throws {
        let program = try CounterProgram(kind: .softHash, buckets: buckets, softHash: Self.microsoft)
        for (vectors, address) in [(ipv4Vectors, ipv4Address), (ipv6Vectors, ipv6Address)] {
            for vector in vectors {
                for ipProtocol in [Frame.tcp, Frame.udp] {
                    let flow = FlowTuple(type: .ip4, source: try address(vector.source),
                                         destination: try address(vector.destination),
                                         sourcePort: vector.sourcePort, destinationPort: vector.destinationPort)
                    let frame = Frame(flow, ipProtocol: ipProtocol).bytes
                    #expect(try countedBucket(program, frame) == Int(vector.withPorts) % buckets,
                            "\(vector.source) → \(vector.destination) protocol \(ipProtocol)")
                }
            }
        }
    }
}
