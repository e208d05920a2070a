/// Load per bucket and demand per queue, in cores, estimated from one record.
///
/// Packets misstate load when their cost differs, so each bucket's per-packet cost is learned:
/// every core that keeps up says that its buckets' packets times their costs add up to its load,
/// and as packet counts vary from record to record (and buckets change cores) these equations
/// pin the costs down. On a core that keeps up, the buckets share its load in proportion to
/// packets × learned cost (with equal costs: its packet share, as in RSS++). A saturated core
/// reads 1 whatever its demand, so there the buckets are costed by their packets times their
/// learned cost (or the mean cost of the cores that keep up now, for a bucket never seen on one):
/// its demand comes out above 1, as it is.
struct BucketLoads: Codable {
    /// A core reading at least this busy is taken as saturated: polling cores rarely read 1.
    static let saturated = 0.98
    /// Share of the way each record's cost correction goes: a real core's load reading is noisy.
    static let learningRate = 0.5
    /// No bucket's cost is learned below this share of its core's mean per-packet cost.
    static let leastCostShare = 0.1

    private(set) var bucket: [Double] = []
    /// Demand per queue: the buckets' loads plus whatever the core does besides them.
    private(set) var queue: [Double] = []
    /// Per-packet cost of each bucket, learned on cores that kept up; 0 when never seen there.
    private var packetCost: [Double] = []
    private var queuePackets: [Int] = []
    private var saturatedDemand: [Double] = []
    private var saturated: [Bool] = []
    private var queueCost: [Double] = []
    /// Per queue: the load its buckets' learned costs account for, and Σ packets² of its buckets,
    /// then the cost correction per packet, and last the factor that scales its buckets to its
    /// measured load. Scratch kept between records, like the arrays above, so that no record
    /// allocates it anew.
    private var modelled: [Double] = []
    private var step: [Double] = []

    mutating func estimate(_ observation: Observation) {
        let reta = observation.record.reta, packets = observation.record.packets
        let queues = observation.queues
        if packetCost.count != reta.count { packetCost = [Double](repeating: 0, count: reta.count) }
        if bucket.count != reta.count || queuePackets.count != queues { makeScratch(tableSize: reta.count, queues: queues) }
        queue = observation.queueLoad
        for index in 0..<queues {
            queuePackets[index] = 0
            saturatedDemand[index] = 0
        }
        for (index, target) in reta.enumerated() { queuePackets[target] += packets[index] }

        var keptUpLoad = 0.0, keptUpPackets = 0, anySaturated = false
        for target in 0..<queues {
            saturated[target] = observation.measured && queue[target] >= Self.saturated && queuePackets[target] > 0
            anySaturated = anySaturated || saturated[target]
            if !saturated[target] {
                keptUpLoad += queue[target]
                keptUpPackets += queuePackets[target]
            }
            // Per-packet cost of the core's buckets; a saturated core's is replaced below.
            queueCost[target] = queuePackets[target] > 0 ? queue[target] / Double(queuePackets[target]) : 0
        }
        let meanCost = keptUpPackets > 0 ? keptUpLoad / Double(keptUpPackets) : nil

        let measured = observation.measured
        let (saturated, queueCost) = (self.saturated, self.queueCost)
        for index in 0..<queues {
            modelled[index] = 0
            step[index] = 0
        }
        // Through buffer pointers: the loops run once per bucket on every record.
        bucket.withUnsafeMutableBufferPointer { bucket in
            packetCost.withUnsafeMutableBufferPointer { packetCost in
                saturatedDemand.withUnsafeMutableBufferPointer { saturatedDemand in
                modelled.withUnsafeMutableBufferPointer { modelled in
                step.withUnsafeMutableBufferPointer { step in
                    for (index, target) in reta.enumerated() {
                        let count = Double(packets[index])
                        if saturated[target] && count > 0 {
                            let cost = packetCost[index] > 0 ? packetCost[index] : meanCost ?? queueCost[target]
                            bucket[index] = count * cost
                            saturatedDemand[target] += bucket[index]
                        } else if count > 0 && measured {
                            if packetCost[index] <= 0 { packetCost[index] = queueCost[target] }
                            modelled[target] += count * packetCost[index]
                            step[target] += count * count
                        } else {
                            bucket[index] = count * queueCost[target]
                        }
                    }
                    guard measured else { return }
                    // Each core's load is one equation in its buckets' per-packet costs: the
                    // learned costs are moved the least distance towards satisfying it (a
                    // Kaczmarz step, damped against noise), so that over records, as packet
                    // counts vary, they approach each bucket's own cost.
                    for target in 0..<queues where !saturated[target] && step[target] > 0 {
                        step[target] = Self.learningRate * (queue[target] - modelled[target]) / step[target]
                        modelled[target] = 0
                    }
                    reta.withUnsafeBufferPointer { reta in
                        packets.withUnsafeBufferPointer { packets in
                            for index in reta.indices where !saturated[reta[index]] && packets[index] > 0 {
                                let (target, count) = (reta[index], Double(packets[index]))
                                packetCost[index] = max(packetCost[index] + step[target] * count,
                                                        Self.leastCostShare * queueCost[target])
                                bucket[index] = count * packetCost[index]
                                modelled[target] += bucket[index]
                            }
                            // The buckets share the core's measured load in proportion to packets × cost.
                            for target in 0..<queues {
                                step[target] = !saturated[target] && modelled[target] > 0 ? queue[target] / modelled[target] : 1
                            }
                            for index in reta.indices { bucket[index] *= step[reta[index]] }
                        }
                    }
                }
                }
                }
            }
        }
        if anySaturated { settleSaturated(reta) }
    }

    /// Only the learned costs are history; the rest is remade on the next record.
    private enum CodingKeys: String, CodingKey { case packetCost }

    private mutating func makeScratch(tableSize: Int, queues: Int) {
        bucket = [Double](repeating: 0, count: tableSize)
        queuePackets = [Int](repeating: 0, count: queues)
        saturatedDemand = [Double](repeating: 0, count: queues)
        saturated = [Bool](repeating: false, count: queues)
        queueCost = [Double](repeating: 0, count: queues)
        modelled = queueCost
        step = queueCost
    }

    /// A saturated core does at least what it reads; if the costs learned elsewhere say less,
    /// they are out of date for this core, and its buckets are scaled up to what it reads.
    private mutating func settleSaturated(_ reta: [Int]) {
        for target in queue.indices where saturatedDemand[target] > 0 {
            if saturatedDemand[target] < queue[target] {
                let scale = queue[target] / saturatedDemand[target]
                for (index, owner) in reta.enumerated() where owner == target { bucket[index] *= scale }
            } else {
                queue[target] = saturatedDemand[target]
            }
        }
    }
}
