import RSSRecords

/// The default planner. Each record it
/// 1. estimates every bucket's load, costing the buckets of saturated cores by their packets
///    (`BucketLoads`), so an overloaded core counts for what it is asked to do, not for 1;
/// 2. forecasts each bucket's load in the next record (`LoadForecast`): a long average where the
///    traffic is steady, the last record where it churns; and measures how far the forecast is
///    off, the noise that no move can balance;
/// 3. with `--autoscale`, sizes the active set so that the cores run at the target load with
///    room for that noise, adding or removing cores;
/// 4. brings every queue whose forecast is above the tolerance (half the noise, and at least 2%
///    of the mean or 0.02 of a core, unless `--threshold` fixes it) down towards the mean,
///    moving a bucket only where the balance it buys is worth the traffic it moves, and never
///    straight back to the queue it just left (`Rebalancing`). `--move-cost` prices a move:
///    it scales the tolerance and the share of its load a move must take off the peak, so
///    one number trades balance against migrations.
public struct AdaptiveBalancer: Balancer {
    /// Tolerance in units of the forecast's relative error.
    static let noiseTolerance = 0.5
    /// Tolerance when the traffic is perfectly predictable: imbalance below this share of the
    /// mean, or below this load in cores (RSS++'s own dead band), is not worth a move.
    static let leastTolerance = 0.02
    static let leastLoadTolerance = 0.02
    /// `--move-cost` when not given: the price of a move relative to this planner's own.
    public static let defaultMoveCost = 1.0
    /// At move cost 1, the share of its load that a move must take off the peak of the pair
    /// (so a bucket may overshoot the gap by a little); the share grows with the move cost up to
    /// the most, short of 1, where no move would be worth making.
    static let loadShare = 0.8
    static let mostLoadShare = 0.95
    /// Load at which a core is taken as overloaded: it sheds whatever lowers it, noise or not.
    static let overloaded = 0.95
    /// Records during which a moved bucket may not go back to the queue it left.
    static let settling = 10

    private let options: PlannerOptions
    private var active: [Bool] = []
    private var activeQueues: [Int] = []
    private var loads = BucketLoads()
    private var forecast = LoadForecast()
    private var scaling = CoreScaling()
    /// Forecast load per queue under the record's table.
    private var queueLoad: [Double] = []
    private var recordCount = 0
    /// Whether the record being planned carries measured loads.
    private var measured = true
    /// Per bucket, the record of its last move and the queue it left then.
    private var movedAt: [Int] = []
    private var cameFrom: [Int] = []

    public init(options: PlannerOptions) { self.options = options }

    /// The history; `activeQueues` follows from `active`, and the rest is remade every record.
    private enum CodingKeys: String, CodingKey {
        case active, loads, forecast, scaling, recordCount, movedAt, cameFrom
    }

    public init(from decoder: any Decoder) throws {
        options = try PlannerOptions(of: decoder)
        let saved = try decoder.container(keyedBy: CodingKeys.self)
        active = try saved.decode([Bool].self, forKey: .active)
        activeQueues = active.indices.filter { active[$0] }
        loads = try saved.decode(BucketLoads.self, forKey: .loads)
        forecast = try saved.decode(LoadForecast.self, forKey: .forecast)
        try require(forecast.isConsistent, .forecast, in: saved, "does not add up (averages, sums and scores disagree in size)")
        scaling = try saved.decode(CoreScaling.self, forKey: .scaling)
        recordCount = try saved.decode(Int.self, forKey: .recordCount)
        try require(recordCount >= 0, .recordCount, in: saved, "is negative")
        movedAt = try saved.decode([Int].self, forKey: .movedAt)
        try require(movedAt.allSatisfy { (Self.neverMoved...recordCount).contains($0) }, .movedAt, in: saved,
                    "has an entry after recordCount, or before \(Self.neverMoved) (never moved)")
        cameFrom = try saved.decode([Int].self, forKey: .cameFrom)
        try require(cameFrom.count == movedAt.count, .cameFrom, in: saved, "has \(cameFrom.count) entries, movedAt \(movedAt.count)")
    }

    /// `movedAt` of a bucket that never moved: long enough ago to have settled, far from overflow.
    private static let neverMoved = Int.min / 2

    public mutating func balance(_ observation: Observation) -> Assignment {
        let table = observation.record.reta
        if active.count != observation.queues || movedAt.count != table.count { start(observation) }
        recordCount += 1
        let assignment = plan(observation)
        // Cheap when nothing moved: the plan then hands back the record's own table.
        guard assignment.reta != table else { return assignment }
        for (bucket, queue) in assignment.reta.enumerated() where queue != table[bucket] {
            movedAt[bucket] = recordCount
            cameFrom[bucket] = table[bucket]
        }
        return assignment
    }

    private mutating func plan(_ observation: Observation) -> Assignment {
        let record = observation.record
        measured = observation.measured
        loads.estimate(observation)
        forecast.observe(loads.bucket, queueLoads: loads.queue, table: record.reta, active: activeQueues)
        queueLoad = Array(forecast.queue)

        let plan: Rebalancing
        if options.autoscale && observation.measured {
            // One copy of the forecast for the plan, the core count and a replan after it.
            let bucketLoad = forecast.bucket
            let balanced = rebalanced(record, bucketLoad: bucketLoad)
            let peak = balanced.peakMoreQueuesLower(of: activeQueues)
            // --min-queues cannot know the device: on one with fewer queues, all of them is the least.
            let most = max(1, min(record.queues, options.maxQueues ?? record.queues))
            let limits = min(max(1, options.minQueues), most)...most
            let change = scaling.change(total: queueLoad.reduce(0, +), buckets: bucketLoad, peak: peak,
                                        active: activeQueues.count, noise: noise,
                                        targetLoad: options.targetLoad, limits: limits)
            if change != 0 { resize(by: change) }
            plan = change != 0 ? rebalanced(record, bucketLoad: bucketLoad) : balanced
        } else if needsChange(record) {
            plan = rebalanced(record, bucketLoad: forecast.bucket)
        } else {
            return Assignment(reta: record.reta, active: activeQueues, predictedLoad: queueLoad)
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
        activeQueues.reduce(0) { $0 + queueLoad[$1] } / Double(max(activeQueues.count, 1))
    }

    private var noise: Double { forecast.relativeError ?? 0 }

    /// Load at which a core sheds whatever lowers it: only a measured load says a core is
    /// saturated; loads made up from packets (mean 0.5) do not.
    private var overloaded: Double { measured ? Self.overloaded : .infinity }

    private var moveCost: Double { options.moveCost ?? Self.defaultMoveCost }

    private var tolerance: Double {
        if let threshold = options.threshold { return threshold }
        let mean = meanLoad
        let tolerated = max(Self.noiseTolerance * noise * mean, Self.leastTolerance * mean, Self.leastLoadTolerance)
            * moveCost
        // Close to saturation noise is no excuse: a core pushed over it drops packets.
        return min(tolerated, max(Self.leastTolerance * mean, overloaded - mean))
    }

    /// Whether a queue is off by more than the tolerance or an inactive queue still has buckets:
    /// most records need no move, and finding that out costs no allocation.
    private func needsChange(_ record: LoadRecord) -> Bool {
        if activeQueues.count < record.queues && record.reta.contains(where: { !active[$0] }) { return true }
        let limit = meanLoad + tolerance
        return activeQueues.contains { queueLoad[$0] > limit }
    }

    /// The record's table with the buckets of inactive queues dealt out and the rest balanced,
    /// `bucketLoad` being the forecast.
    private func rebalanced(_ record: LoadRecord, bucketLoad: [Double]) -> Rebalancing {
        var plan = Rebalancing(table: record.reta, queueLoad: queueLoad, bucketLoad: bucketLoad,
                               budget: options.maxMoves ?? record.reta.count)
        for queue in active.indices where !active[queue] { plan.evacuate(queue, to: activeQueues) }
        let settling = movedAt.indices.map { recordCount - movedAt[$0] < Self.settling ? cameFrom[$0] : -1 }
        plan.balance(active: activeQueues, tolerance: tolerance, price: min(Self.loadShare * moveCost, Self.mostLoadShare),
                     cameFrom: settling, overloaded: overloaded)
        return plan
    }

    /// Adds the lowest-numbered inactive queues, or removes the least loaded active ones.
    private mutating func resize(by change: Int) {
        if change > 0 {
            for queue in active.indices.filter({ !active[$0] }).prefix(change) { active[queue] = true }
        } else {
            let load = queueLoad
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
        forecast.reset()
        scaling.reset()
        movedAt = [Int](repeating: Self.neverMoved, count: observation.record.reta.count)
        cameFrom = [Int](repeating: -1, count: observation.record.reta.count)
    }
}
