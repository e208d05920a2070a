/// RSS++ as its authors wrote it (Barbette et al., CoNEXT 2019; fastclick
/// vendor/nicscheduler/methods/rsspp.cc, `MethodRSSPP::rebalance`, with its defaults: no load
/// smoothing, imbalance alpha 1, no "dancers", no NUMA split).
///
/// Each round: a bucket's load is its core's load times the bucket's share of the core's packets.
/// A core gives if its load is above the mean by more than the threshold and it has more than one
/// bucket with packets, receives if it is below the mean by more than the threshold; a core that
/// received buckets sits the next round out. `RSSPlusPlusSolver` picks the moves.
///
/// Autoscaling (target load L): with S = Σ(L - load), a core is added when S < -0.1 and the
/// least loaded core is removed when S > 1 + (1 - L) + (N + 1) · max(0.05, maxload - L); a
/// removed core's buckets are dealt out smallest first, each to the core that has been dealt the
/// least so far, without regard to the cores' own loads, and nothing else moves that round.
///
/// Where the original leaves ties to its heap implementation, this one takes the lowest index.
/// Records without `load` are balanced on `Observation.queueLoad` (packets scaled to a mean of
/// 0.5), which is what RSS++'s own "balance" target does with its loads; they are not
/// autoscaled, as a relative load says nothing about the target load.
public struct RSSPlusPlus: Balancer {
    private let options: PlannerOptions
    /// The cores in use, in the order RSS++ keeps them (removal swaps the last into the gap).
    private var used: [Int] = []
    /// Cores that can be added, the next one last (RSS++ hands back the most recently removed).
    private var spare: [Int] = []
    /// Cores that received buckets in the last round, which sit this one out.
    private var receivedLastRound: [Bool] = []

    /// RSS++'s default imbalance threshold T.
    public static let threshold = 0.02

    public init(options: PlannerOptions) { self.options = options }

    private enum CodingKeys: String, CodingKey { case used, spare, receivedLastRound }

    public init(from decoder: any Decoder) throws {
        options = try PlannerOptions(of: decoder)
        let saved = try decoder.container(keyedBy: CodingKeys.self)
        receivedLastRound = try saved.decode([Bool].self, forKey: .receivedLastRound)
        used = try saved.decode([Int].self, forKey: .used)
        spare = try saved.decode([Int].self, forKey: .spare)
        let cores = used + spare
        try require(cores.allSatisfy { (0..<receivedLastRound.count).contains($0) } && Set(cores).count == cores.count,
                    .spare, in: saved, "and used must name distinct queues below \(receivedLastRound.count)")
    }

    private mutating func start(_ observation: Observation) {
        let queues = observation.queues
        receivedLastRound = [Bool](repeating: false, count: queues)
        let allowed = min(queues, options.maxQueues ?? queues)
        if options.autoscale {
            var inTable = [Bool](repeating: false, count: queues)
            for queue in observation.record.reta { inTable[queue] = true }
            used = (0..<queues).filter { inTable[$0] }
            spare = (0..<allowed).reversed().filter { !inTable[$0] }
        } else {
            used = Array(0..<queues)
        }
    }

    public mutating func balance(_ observation: Observation) -> Assignment {
        if used.isEmpty || receivedLastRound.count != observation.queues { start(observation) }
        var table = observation.record.reta
        let packets = observation.record.packets
        var load = used.map { Float(observation.queueLoad[$0]) }

        // Buckets still on a core this planner removed (the device has not caught up) are dealt
        // out again, as at the removal.
        var position = positions(queues: observation.queues)
        for queue in 0..<observation.queues where position[queue] == nil {
            let stranded = table.indices.filter { table[$0] == queue }
            if !stranded.isEmpty {
                deal(stranded, ofLoad: Float(observation.queueLoad[queue]), packets: packets, into: &table)
            }
        }

        let targetLoad = Float(options.targetLoad)
        var spareCapacity: Float = 0
        var maxLoad: Float = 0
        var leastLoaded = -1
        var leastLoad: Float = 1
        var totalLoad: Float = 0
        for (index, value) in load.enumerated() {
            if value < leastLoad { leastLoad = value; leastLoaded = index }
            spareCapacity += targetLoad - value
            maxLoad = max(maxLoad, value)
            totalLoad += value
        }
        let protection = Float(used.count + 1) * max(0.05, maxLoad - targetLoad)

        var corePackets = [Int](repeating: 0, count: used.count)
        var nonEmptyBuckets = [Int](repeating: 0, count: used.count)
        for (bucket, queue) in table.enumerated() {
            guard let index = position[queue] else { continue }
            corePackets[index] += packets[bucket]
            if packets[bucket] > 0 { nonEmptyBuckets[index] += 1 }
        }

        if options.autoscale && observation.measured {
            if spareCapacity > 1 + (1 - targetLoad) + protection, used.count > max(1, options.minQueues),
               leastLoaded >= 0 {
                let removable = table.indices.filter { table[$0] == used[leastLoaded] }
                if removable.count <= options.maxMoves ?? .max {
                    spare.append(used[leastLoaded])
                    used.swapAt(leastLoaded, used.count - 1)
                    used.removeLast()
                    deal(removable, ofLoad: leastLoad, packets: packets, into: &table)
                    return assignment(observation, table: table)
                }
            }
            if spareCapacity < -0.1, let added = spare.popLast() {
                used.append(added)
                position[added] = used.count - 1
                load.append(0)
                corePackets.append(0)
                nonEmptyBuckets.append(0)
            }
        }

        let mean = totalLoad / Float(used.count)
        let threshold = Float(options.threshold ?? Self.threshold)
        var givers: [Int] = [], receivers: [Int] = []
        var imbalance = [Float](repeating: 0, count: used.count)
        for (index, queue) in used.enumerated() {
            if receivedLastRound[queue] {
                receivedLastRound[queue] = false
                continue
            }
            imbalance[index] = mean - load[index]
            if imbalance[index] > threshold {
                receivers.append(index)
            } else if imbalance[index] < -threshold, nonEmptyBuckets[index] > 1 {
                givers.append(index)
            }
        }
        guard !givers.isEmpty, !receivers.isEmpty else { return assignment(observation, table: table) }

        var solver = RSSPlusPlusSolver()
        var candidates: [Int] = []
        var giverOf = [Int?](repeating: nil, count: used.count)
        for (giver, index) in givers.enumerated() { giverOf[index] = giver }
        for (bucket, queue) in table.enumerated() where packets[bucket] > 0 {
            guard let index = position[queue], let giver = giverOf[index] else { continue }
            candidates.append(bucket)
            solver.bucketGiver.append(giver)
            let share = Double(packets[bucket]) / Double(corePackets[index])
            solver.bucketLoad.append(Float(share * Double(load[index])))
        }
        solver.receiverRoom = receivers.map { imbalance[$0] }
        solver.giverExcess = givers.map { -imbalance[$0] }

        let solution = solver.solve()
        for candidate in solution.order.prefix(options.maxMoves ?? .max) {
            guard let receiver = solution.transfer[candidate] else { continue }
            let queue = used[receivers[receiver]]
            table[candidates[candidate]] = queue
            receivedLastRound[queue] = true
        }
        return assignment(observation, table: table)
    }

    private func positions(queues: Int) -> [Int?] {
        var position = [Int?](repeating: nil, count: queues)
        for (index, queue) in used.enumerated() { position[queue] = index }
        return position
    }

    /// RSS++'s `BucketMapProblem` as it runs on removal: the buckets, smallest load first, each
    /// to the core dealt the least load so far.
    private func deal(_ buckets: [Int], ofLoad coreLoad: Float, packets: [Int], into table: inout [Int]) {
        let total = buckets.reduce(0) { $0 + packets[$1] }
        var order = PriorityHeap<Float>(capacity: buckets.count)
        for (index, bucket) in buckets.enumerated() {
            let share = total > 0 ? Float(Double(packets[bucket]) / Double(total)) : 0
            order.push(-share * coreLoad, index)
        }
        var dealt = PriorityHeap<Float>(capacity: used.count)
        for index in used.indices { dealt.push(0, index) }
        while let next = order.pop(), var core = dealt.pop() {
            table[buckets[next.id]] = used[core.id]
            core.key -= -next.key
            dealt.push(core.key, core.id)
        }
    }

    /// The plan's active set and RSS++'s own view of the loads under `table`: each core's load,
    /// moved with the buckets' shares of their old core's packets.
    private func assignment(_ observation: Observation, table: [Int]) -> Assignment {
        let record = observation.record
        var corePackets = [Int](repeating: 0, count: record.queues)
        for (bucket, queue) in record.reta.enumerated() { corePackets[queue] += record.packets[bucket] }
        var predicted = [Double](repeating: 0, count: record.queues)
        for (bucket, queue) in table.enumerated() {
            let old = record.reta[bucket]
            guard corePackets[old] > 0 else { continue }
            predicted[queue] += observation.queueLoad[old] * Double(record.packets[bucket]) / Double(corePackets[old])
        }
        return Assignment(reta: table, active: used.sorted(), predictedLoad: predicted)
    }
}
