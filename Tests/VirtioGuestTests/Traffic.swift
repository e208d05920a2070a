#if canImport(Glibc)
import Glibc
#endif
import RSSHash
import TestSupport

/// UDP flows over IPv4 to the guest, each with its number of packets.
struct Traffic {
    var flows: [FlowTuple]
    var packets: [Int]

    /// `lightFlows` flows of `lightPackets` packets each and `heavy` flows of `heavyPackets`.
    /// Every flow differs in its source address and port, drawn from `generator`.
    static func skewed(heavy: [FlowTuple], heavyPackets: Int, lightFlows: Int, lightPackets: Int,
                       generator: inout SplitMix) -> Traffic {
        let light = (0..<lightFlows).map { _ in randomFlow(&generator) }
        return Traffic(flows: heavy + light,
                       packets: Array(repeating: heavyPackets, count: heavy.count)
                           + Array(repeating: lightPackets, count: lightFlows))
    }

    static func randomFlow(_ generator: inout SplitMix) -> FlowTuple {
        let source = generator.next()
        return FlowTuple(type: .udp4, source: [10, UInt8(truncatingIfNeeded: source >> 8),
                                              UInt8(truncatingIfNeeded: source >> 16), UInt8(1 + source % 250)],
                         destination: [10, 255, 0, 1],
                         sourcePort: UInt16(1024 + (source >> 24) % 60000), destinationPort: 9000)
    }

    var total: Int { packets.reduce(0, +) }

    /// Packets per queue when the NIC hashes with `hasher` and spreads with `reta`.
    func perQueue(hasher: RSSHasher, reta: [Int], queues: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: queues)
        for (bucket, count) in perBucket(hasher: hasher, buckets: reta.count).enumerated() {
            counts[reta[bucket]] += count
        }
        return counts
    }

    /// Packets per RSS bucket (hash mod `buckets`) when the NIC hashes with `hasher`.
    func perBucket(hasher: RSSHasher, buckets: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: buckets)
        for (flow, count) in zip(flows, packets) { counts[Int(hasher.hash(flow) % UInt32(buckets))] += count }
        return counts
    }

    /// Every packet as an Ethernet frame to the guest, flows interleaved in a shuffled order.
    func frames(_ generator: inout SplitMix) -> [[UInt8]] {
        let frames = flows.map { flow in
            Guest.mac + [0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00] + TestPacket(flow, at: 0, payload: 18).ipPacket()
        }
        var order = zip(frames.indices, packets).flatMap { Array(repeating: $0.0, count: $0.1) }
        for index in order.indices.reversed() where index > 0 {
            order.swapAt(index, Int(generator.next() % UInt64(index + 1)))
        }
        return order.map { frames[$0] }
    }
}

/// A small seeded generator (SplitMix64), so that a failing run can be repeated exactly.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
