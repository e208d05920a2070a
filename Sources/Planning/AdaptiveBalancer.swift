import RSSRecords

/// The default planner. Each record it
/// 1. estimates every bucket's load, costing the buckets of saturated cores by their packets
///    (`BucketLoads`), so an overloaded core counts for what it is asked to do, not for 1;
/// 2. measures how well the previous record's bucket loads predicted this record's queue loads
///    (`PredictionError`), and sets its tolerance to that noise (unless `--threshold` fixes it):
///    queues within the noise of the mean are left alone, so noise does not cause moves;
/// 3. with `--autoscale`, sizes the active set so that the cores run at the target load with
///    room for that noise, adding or removing cores;
/// 4. brings every queue above the tolerance down towards the mean in this one plan, a bucket at
///    a time from the most to the least loaded queue, each the one that evens the pair out best
///    (`Rebalancing`). There is no dead band beyond the noise and no sit-out: what is still off
///    is fixed on the next record.
public struct AdaptiveBalancer: Balancer {
    /// Tolerance in units of the relative prediction error. Every tolerance rule tried trades
    /// imbalance against moves along one curve; at 1 the planner made a fifth fewer moves than
    /// RSS++ with a thin imbalance lead, so 0.9 spends some of the moves on balance.
    static let noiseTolerance = 0.9
    /// Tolerance when the traffic is perfectly predictable: imbalance below this is not worth a move.
    static let leastTolerance = 0.01

    private let options: PlannerOptions
    private var active: [Bool] = []
    private var activeQueues: [Int] = []
    private var loads = BucketLoads()
    private var error = PredictionError()
    private var scaling = CoreScaling()

    public init(options: PlannerOptions) { self.options = options }

    public mutating func balance(_ observation: Observation) -> Assignment {
        let record = observation.record
        if active.count != record.queues { start(observation) }
        loads.estimate(observation)
        error.observe(predicted: loads.prediction, actual: loads.queue, active: activeQueues)

        let plan: Rebalancing
        if options.autoscale && observation.measured {
            let balanced = rebalanced(record)
            let peak = balanced.peakMoreQueuesLower(of: activeQueues)
            // --min-queues cannot know the device: on one with fewer queues, all of them is the least.
            let most = max(1, min(record.queues, options.maxQueues ?? record.queues))
            let limits = min(max(1, options.minQueues), most)...most
            let change = scaling.change(total: loads.queue.reduce(0, +), buckets: loads.bucket, peak: peak,
                                        active: activeQueues.count, noise: error.relative ?? 0,
                                        targetLoad: options.targetLoad, limits: limits)
            if change != 0 { resize(by: change) }
            plan = change != 0 ? rebalanced(record) : balanced
        } else if needsChange(record) {
            plan = rebalanced(record)
        } else {
            return Assignment(reta: record.reta, active: activeQueues, predictedLoad: loads.queue)
        }
        guard activeQueues.count < record.queues else {
            return Assignment(reta: plan.table, active: activeQueues, predictedLoad: plan.load)
        }
        // A queue still holding buckets is in use whatever the plan wanted (a move budget ran out).
        var inUse = active
        for queue in plan.table { inUse[queue] = true }
        return Assignment(reta: plan.table, active: inUse.indices.filter { inUse[$0] }, predictedLoad: plan.load)
    }

    private var meanLoad: Double {
        activeQueues.reduce(0) { $0 + loads.queue[$1] } / Double(max(activeQueues.count, 1))
    }

    private var tolerance: Double {
        options.threshold ?? max(Self.noiseTolerance * (error.relative ?? 0), Self.leastTolerance) * meanLoad
    }

    /// Whether a queue is off by more than the tolerance or an inactive queue still has buckets:
    /// most records need no move, and finding that out costs no allocation.
    private func needsChange(_ record: LoadRecord) -> Bool {
        if activeQueues.count < record.queues && record.reta.contains(where: { !active[$0] }) { return true }
        let limit = meanLoad + tolerance
        return activeQueues.contains { loads.queue[$0] > limit }
    }

    /// The record's table with the buckets of inactive queues dealt out and the rest balanced.
    private func rebalanced(_ record: LoadRecord) -> Rebalancing {
        var plan = Rebalancing(table: record.reta, queueLoad: loads.queue, bucketLoad: loads.bucket,
                               budget: options.maxMoves ?? record.reta.count)
        for queue in active.indices where !active[queue] { plan.evacuate(queue, to: activeQueues) }
        plan.balance(active: activeQueues, tolerance: tolerance)
        return plan
    }

    /// Adds the lowest-numbered inactive queues, or removes the least loaded active ones.
    private mutating func resize(by change: Int) {
        if change > 0 {
            for queue in active.indices.filter({ !active[$0] }).prefix(change) { active[queue] = true }
        } else {
            let load = loads.queue
            let idlest = activeQueues.sorted { load[$0] < load[$1] || (load[$0] == load[$1] && $0 < $1) }
            for queue in idlest.prefix(-change) { active[queue] = false }
        }
        activeQueues = active.indices.filter { active[$0] }
    }

    private mutating func start(_ observation: Observation) {
        active = [Bool](repeating: !options.autoscale, count: observation.queues)
        if options.autoscale {
            for queue in observation.record.reta { active[queue] = true }
        }
        activeQueues = active.indices.filter { active[$0] }
        loads = BucketLoads()
        error.reset()
        scaling.reset()
    }
}
