/// Load per bucket and demand per queue, in cores, estimated from one record.
///
/// On a core that keeps up, a bucket's load is the core's load times the bucket's share of its
/// packets, as in RSS++. A saturated core reads 1 whatever its demand, so there the buckets are
/// costed by their packets times the per-packet cost they had when last seen on a core that kept
/// up (or the mean cost of the cores that keep up now): its demand comes out above 1, as it is.
struct BucketLoads {
    /// A core reading at least this busy is taken as saturated: polling cores rarely read 1.
    static let saturated = 0.98

    private(set) var bucket: [Double] = []
    /// Demand per queue: the buckets' loads plus whatever the core does besides them.
    private(set) var queue: [Double] = []
    /// Per queue, what the previous record's bucket loads predicted for this record's table.
    private var predicted: [Double] = []
    private var hasHistory = false
    var prediction: [Double]? { hasHistory ? predicted : nil }
    /// Last per-packet cost seen for each bucket on a core that kept up; 0 when never seen.
    private var packetCost: [Double] = []
    private var queuePackets: [Int] = []
    private var saturatedDemand: [Double] = []
    private var saturated: [Bool] = []
    private var queueCost: [Double] = []

    mutating func estimate(_ observation: Observation) {
        let reta = observation.record.reta, packets = observation.record.packets
        let queues = observation.queues
        hasHistory = packetCost.count == reta.count
        if !hasHistory { self = BucketLoads(tableSize: reta.count, queues: queues) }
        queue = observation.queueLoad
        for index in 0..<queues {
            queuePackets[index] = 0
            saturatedDemand[index] = 0
            predicted[index] = 0
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
        // Through buffer pointers: the loop runs once per bucket on every record.
        bucket.withUnsafeMutableBufferPointer { bucket in
            packetCost.withUnsafeMutableBufferPointer { packetCost in
                saturatedDemand.withUnsafeMutableBufferPointer { saturatedDemand in
                    predicted.withUnsafeMutableBufferPointer { predicted in
                    for (index, target) in reta.enumerated() {
                        predicted[target] += bucket[index]
                        let count = Double(packets[index])
                        if saturated[target] && count > 0 {
                            let cost = packetCost[index] > 0 ? packetCost[index] : meanCost ?? queueCost[target]
                            bucket[index] = count * cost
                            saturatedDemand[target] += bucket[index]
                        } else {
                            bucket[index] = count * queueCost[target]
                            if measured && count > 0 { packetCost[index] = queueCost[target] }
                        }
                    }
                    }
                }
            }
        }
        if anySaturated { settleSaturated(reta) }
    }

    private init(tableSize: Int, queues: Int) {
        bucket = [Double](repeating: 0, count: tableSize)
        packetCost = [Double](repeating: 0, count: tableSize)
        queuePackets = [Int](repeating: 0, count: queues)
        saturatedDemand = [Double](repeating: 0, count: queues)
        predicted = [Double](repeating: 0, count: queues)
        saturated = [Bool](repeating: false, count: queues)
        queueCost = [Double](repeating: 0, count: queues)
    }

    init() {}

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
