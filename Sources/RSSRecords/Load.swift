/// The contract's measures of balance, shared by planners, reports and benchmarks.
extension LoadRecord {
    /// Per-queue load in core units: `load` when the record has it, otherwise each queue's share
    /// of packets scaled so that the mean queue reads 0.5 (planners then balance packets).
    public var queueLoad: [Double] {
        if let load { return load }
        var packets = [Double](repeating: 0, count: queues)
        for (bucket, queue) in reta.enumerated() { packets[queue] += Double(self.packets[bucket]) }
        let total = packets.reduce(0, +)
        let scale = total > 0 ? 0.5 * Double(queues) / total : 0
        return packets.map { $0 * scale }
    }

    /// Queues that some bucket points to.
    public var queuesInUse: [Int] {
        var used = [Bool](repeating: false, count: queues)
        for queue in reta { used[queue] = true }
        return used.indices.filter { used[$0] }
    }
}

/// imbalance = max / mean - 1 of the loads of `queues`; 0 when they carry no load.
public func imbalance(_ load: [Double], over queues: [Int]) -> Double {
    guard !queues.isEmpty else { return 0 }
    var maximum = 0.0
    var sum = 0.0
    for queue in queues {
        maximum = max(maximum, load[queue])
        sum += load[queue]
    }
    let mean = sum / Double(queues.count)
    return mean > 0 ? maximum / mean - 1 : 0
}
