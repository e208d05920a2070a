import Planning
import RSSRecords
import Statistics

/// How one planner did on one trace. Loads are true demand in cores (not capped at 1): what
/// the cores would have had to do.
public struct ReplayResult: Sendable {
    /// max / mean - 1 of the active queues' demand, per epoch.
    public var imbalance: [Double] = []
    /// The least imbalance any table could have had, per epoch: the largest bucket over the mean.
    public var imbalanceFloor: [Double] = []
    /// Σ of demand above one core, per epoch: work a real core would have dropped or delayed.
    public var overload: [Double] = []
    public var activeQueues: [Int] = []
    public var moves = 0
    /// Packets of moved buckets in the epoch after the move, over all packets.
    public var movedPackets = 0
    public var packets = 0
    public var solveMicroseconds: [Double] = []
    /// Latency and drops of the cores' queues under the tables in force.
    public var queueModel: QueueModel

    public var meanImbalance: Double { mean(imbalance) }
    public var meanImbalanceFloor: Double { mean(imbalanceFloor) }
    public var p95Imbalance: Double { percentile(imbalance, 0.95) }
    public var meanOverload: Double { mean(overload) }
    public var meanActive: Double { mean(activeQueues.map(Double.init)) }
    public var movedShare: Double { packets > 0 ? Double(movedPackets) / Double(packets) : 0 }
    public var droppedShare: Double { packets > 0 ? queueModel.droppedPackets / Double(packets) : 0 }
}

/// Runs `planner` over `trace` the way a closed loop runs: the NIC counts epoch t under the table
/// in force, the planner plans from that record, and its table is in force from epoch t + 1.
public func replay(_ trace: TrafficTrace, with planner: inout some RecordPlanner) -> ReplayResult {
    let queues = trace.queues
    var table = (0..<trace.tableSize).map { $0 % queues }
    var active = Array(0..<queues)
    var lastMoves: [Move] = []
    var result = ReplayResult(queueModel: QueueModel(queues: queues, interval: trace.interval,
                                                     meanCostNanoseconds: trace.costNanoseconds))
    var demand = [Double](repeating: 0, count: queues)
    var queuePackets = [Int](repeating: 0, count: queues)
    for epoch in 0..<trace.epochs {
        let packets = Array(trace.packets(epoch: epoch))
        let bucketDemand = trace.demand(epoch: epoch)
        for queue in 0..<queues { (demand[queue], queuePackets[queue]) = (0, 0) }
        for (bucket, queue) in table.enumerated() {
            demand[queue] += bucketDemand[bucketDemand.startIndex + bucket]
            queuePackets[queue] += packets[bucket]
        }
        result.queueModel.serve(demand: demand, packets: queuePackets, moves: lastMoves, bucketPackets: packets)
        result.imbalance.append(imbalance(demand, over: active))
        let mean = demand.reduce(0, +) / Double(active.count)
        result.imbalanceFloor.append(mean > 0 ? max(0, (bucketDemand.max() ?? 0) / mean - 1) : 0)
        result.overload.append(demand.reduce(0) { $0 + max(0, $1 - 1) })
        result.activeQueues.append(active.count)
        let epochPackets = packets.reduce(0, +)
        result.packets += epochPackets
        for move in lastMoves { result.movedPackets += packets[move.bucket] }

        let record = LoadRecord(time: Double(epoch + 1) * trace.interval, interval: trace.interval,
                                device: "bench", source: "sim:\(trace.scenario)", queues: queues, reta: table,
                                packets: packets, load: trace.measuresLoad ? demand.map { min($0, 1) } : nil)
        let plan = planner.plan(record)
        result.moves += plan.moves.count
        result.solveMicroseconds.append(plan.solveMicroseconds)
        lastMoves = plan.moves
        table = plan.reta
        active = plan.active
    }
    return result
}

func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
