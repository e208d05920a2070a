import RSSHash
import RSSRecords

/// What one flow did during an interval: its RSS hash, traffic, and the CPU time its packets
/// cost the core that serves them (nanoseconds).
public struct FlowActivity: Sendable, Equatable {
    public var hash: UInt32
    public var packets: Int
    public var bytes: Int
    public var work: Double

    public init(hash: UInt32, packets: Int, bytes: Int, work: Double) {
        self.hash = hash
        self.packets = packets
        self.bytes = bytes
        self.work = work
    }
}

/// One interval as the simulated NIC saw it.
public struct IntervalCounts: Sendable {
    public var packets: [Int]
    public var bytes: [Int]
    /// CPU nanoseconds per bucket.
    public var work: [Double]
    /// Demand per queue in cores: above 1 means the core cannot keep up.
    public var demand: [Double]

    /// Busy fraction per queue as a real core reports it: saturated cores read 1.
    public var load: [Double] { demand.map { min($0, 1) } }
}

/// A NIC in software: buckets = hash mod table size, table entry = queue, one core per queue
/// whose load is the work of its packets over the interval.
public struct SimulatedNIC: Sendable {
    public var state: NICState

    public init(state: NICState) { self.state = state }

    public func bucket(of hash: UInt32) -> Int { Int(hash % UInt32(state.reta.count)) }

    public func count(_ flows: [FlowActivity], interval: Double) -> IntervalCounts {
        let size = state.reta.count
        var counts = IntervalCounts(packets: .init(repeating: 0, count: size), bytes: .init(repeating: 0, count: size),
                                    work: .init(repeating: 0, count: size),
                                    demand: .init(repeating: 0, count: state.queues))
        for flow in flows {
            let bucket = bucket(of: flow.hash)
            counts.packets[bucket] += flow.packets
            counts.bytes[bucket] += flow.bytes
            counts.work[bucket] += flow.work
        }
        let capacity = interval * 1e9
        for (bucket, queue) in state.reta.enumerated() { counts.demand[queue] += counts.work[bucket] / capacity }
        return counts
    }

    /// The load record a counter on this NIC would emit for `counts`.
    public func record(_ counts: IntervalCounts, interval: Double, time: Double?, device: String?,
                       source: String?) -> LoadRecord {
        LoadRecord(time: time, interval: interval, device: device, source: source, queues: state.queues,
                   reta: state.reta, packets: counts.packets, bytes: counts.bytes, load: counts.load,
                   cpus: Array(0..<state.queues))
    }
}
