/// A table being rebalanced: bucket moves with the queue loads they imply, chosen so that the
/// most loaded queues come down to the mean where the balance is worth the load moved.
struct Rebalancing {
    private(set) var table: [Int]
    /// Predicted load per queue under `table`.
    private(set) var load: [Double]
    private let bucketLoad: [Double]
    private(set) var moves = 0
    /// Most moves this plan may make.
    private let budget: Int
    /// Each queue's buckets as a doubly linked list through the bucket indices: moves are O(1).
    private var first: [Int]
    private var next: [Int]
    private var previous: [Int]

    init(table: [Int], queueLoad: [Double], bucketLoad: [Double], budget: Int) {
        self.table = table
        load = queueLoad
        self.bucketLoad = bucketLoad
        self.budget = budget
        // Built in locals, where the optimiser can drop the copy-on-write checks from the loop.
        var first = [Int](repeating: -1, count: queueLoad.count)
        var last = first
        var next = [Int](repeating: -1, count: table.count)
        var previous = next
        for (bucket, queue) in table.enumerated() {
            if last[queue] >= 0 {
                next[last[queue]] = bucket
                previous[bucket] = last[queue]
            } else {
                first[queue] = bucket
            }
            last[queue] = bucket
        }
        self.first = first
        self.next = next
        self.previous = previous
    }

    private mutating func link(_ bucket: Int, to queue: Int) {
        next[bucket] = first[queue]
        previous[bucket] = -1
        if first[queue] >= 0 { previous[first[queue]] = bucket }
        first[queue] = bucket
    }

    private mutating func unlink(_ bucket: Int, from queue: Int) {
        if previous[bucket] >= 0 { next[previous[bucket]] = next[bucket] } else { first[queue] = next[bucket] }
        if next[bucket] >= 0 { previous[next[bucket]] = previous[bucket] }
    }

    /// The buckets of `queue`, walked without allocating.
    private func forEachBucket(of queue: Int, _ body: (Int) -> Void) {
        var bucket = first[queue]
        while bucket >= 0 {
            body(bucket)
            bucket = next[bucket]
        }
    }

    private mutating func move(_ bucket: Int, to target: Int) {
        let source = table[bucket]
        guard source != target else { return }
        unlink(bucket, from: source)
        link(bucket, to: target)
        table[bucket] = target
        load[source] -= bucketLoad[bucket]
        load[target] += bucketLoad[bucket]
        moves += 1
    }

    /// Every bucket of `queue` to the queues of `active`, largest first, each to the least loaded.
    mutating func evacuate(_ queue: Int, to active: [Int]) {
        guard !active.isEmpty else { return }
        var buckets: [Int] = []
        forEachBucket(of: queue) { buckets.append($0) }
        buckets.sort { bucketLoad[$0] > bucketLoad[$1] || (bucketLoad[$0] == bucketLoad[$1] && $0 < $1) }
        for bucket in buckets where moves < budget { move(bucket, to: leastLoaded(of: active)) }
    }

    /// Brings every active queue above `mean + tolerance` down towards the mean, spending moves
    /// only where they buy balance. The most loaded queue gives to the least loaded one; a move
    /// of load s that lowers the higher of the pair by V (nothing counts below the level the
    /// queues can even out to) is worth V − price × s, so a bucket that overshoots the gap must
    /// buy its extra traffic back, and at price 1 nothing is worth its traffic. The giver hands
    /// over whichever is worth more: the set of its buckets that fills its excess without
    /// overshooting (largest first while it still fits, a subset-sum choice, stopping within
    /// half the tolerance) or the one best bucket; failing both, the best swap of one bucket
    /// each way. A queue at or above `overloaded` moves whatever lowers it: a core that drops
    /// packets has no traffic to save. A bucket never goes back to the queue named for it in
    /// `cameFrom` (-1 for none) unless that queue's giver is overloaded, so buckets do not move
    /// back and forth.
    mutating func balance(active: [Int], tolerance: Double, price: Double, cameFrom: [Int], overloaded: Double) {
        guard active.count > 1 else { return }
        let mean = active.reduce(0) { $0 + load[$1] } / Double(active.count)
        let level = reachableLevel(of: active, mean: mean)
        // A move must gain more than rounding can fake, even at tolerance 0.
        let leastWorth = Self.rounding * mean
        let minimumGain = max(tolerance / 4, leastWorth)
        // Within this plan too, a bucket does not go back to the queue it just left.
        var cameFrom = cameFrom
        var stuck = [Bool](repeating: false, count: load.count)
        var candidates: [Int] = [], set: [Int] = []
        while moves < budget {
            var giver = -1
            for queue in active where !stuck[queue] && (giver < 0 || load[queue] > load[giver]) { giver = queue }
            let taker = leastLoaded(of: active)
            guard giver >= 0, load[giver] > mean + tolerance, taker != giver else { return }
            let (high, low) = (load[giver], load[taker])
            let overload = high >= overloaded
            let cost = overload ? 0 : price
            // How much the higher of the pair comes down, written as the least of the three
            // differences so that a move that buys exactly its own load is worth exactly 0 at price 1.
            func gain(_ shed: Double) -> Double { min(shed, high - low - shed) }
            func worth(_ shed: Double) -> Double { min(shed, high - low - shed, high - level) - cost * shed }

            candidates.removeAll(keepingCapacity: true)
            var single = -1, singleWorth = 0.0
            forEachBucket(of: giver) { bucket in
                let size = bucketLoad[bucket]
                guard size > 0 && (overload || cameFrom[bucket] != taker) else { return }
                candidates.append(bucket)
                if gain(size) >= minimumGain && worth(size) > max(singleWorth, leastWorth) {
                    single = bucket
                    singleWorth = worth(size)
                }
            }
            // Largest first while it still fits: the first picks scan for the largest bucket left
            // that fits, as a set is mostly a few buckets of many; a set that needs more sorts the
            // rest once and takes each that still fits, since what is left to fill only shrinks.
            set.removeAll(keepingCapacity: true)
            var setLoad = 0.0
            let excess = high - level, limit = min(excess, (high - low) / 2)
            func short() -> Bool { setLoad < excess - Self.closeEnough * tolerance && set.count < budget - moves }
            while short() {
                if set.count == Self.scannedPicks {
                    candidates.sort { bucketLoad[$0] > bucketLoad[$1] || (bucketLoad[$0] == bucketLoad[$1] && $0 < $1) }
                    for bucket in candidates where short() && bucketLoad[bucket] <= limit - setLoad {
                        set.append(bucket)
                        setLoad += bucketLoad[bucket]
                    }
                    break
                }
                var pick = -1
                for (index, bucket) in candidates.enumerated() where bucketLoad[bucket] <= limit - setLoad {
                    if pick < 0 || bucketLoad[bucket] > bucketLoad[candidates[pick]]
                        || (bucketLoad[bucket] == bucketLoad[candidates[pick]] && bucket < candidates[pick]) {
                        pick = index
                    }
                }
                guard pick >= 0 else { break }
                set.append(candidates[pick])
                setLoad += bucketLoad[candidates[pick]]
                candidates.swapAt(pick, candidates.count - 1)
                candidates.removeLast()
            }
            if set.count > 1 && worth(setLoad) > max(singleWorth, leastWorth) && gain(setLoad) >= minimumGain {
                for bucket in set {
                    cameFrom[bucket] = giver
                    move(bucket, to: taker)
                }
            } else if single >= 0 {
                cameFrom[single] = giver
                move(single, to: taker)
            } else if budget - moves >= 2, let (out, back) = bestSwap(between: giver, and: taker, minimumGain: minimumGain,
                                                    cameFrom: overload ? nil : cameFrom),
                      worth(bucketLoad[out] - bucketLoad[back]) - 2 * cost * bucketLoad[back] > leastWorth {
                (cameFrom[out], cameFrom[back]) = (giver, taker)
                move(out, to: taker)
                move(back, to: giver)
            } else {
                stuck[giver] = true
            }
        }
    }

    /// The load the queues can even out to: a queue holding a bucket above the mean stays above
    /// it whatever moves, and the rest share what is left.
    private func reachableLevel(of active: [Int], mean: Double) -> Double {
        var total = 0.0, count = 0
        for queue in active {
            var largest = 0.0
            forEachBucket(of: queue) { largest = max(largest, bucketLoad[$0]) }
            if largest < mean {
                total += load[queue]
                count += 1
            }
        }
        return count > 0 ? min(mean, total / Double(count)) : mean
    }

    /// Picks a set makes by scanning before it sorts what is left.
    static let scannedPicks = 8
    /// Relative to the mean load, the least a move may be worth: less is rounding.
    static let rounding = 1e-9

    /// How far short of a giver's excess, in tolerances, its set of buckets may stop: the rest is
    /// within the tolerance anyway, and filling it exactly takes the smallest buckets one by one.
    static let closeEnough = 0.5

    /// The highest load of `active` queues that more queues would lower: a queue holding a
    /// bucket above the mean stays above it however many queues share the rest, so it does not
    /// count (0 when every queue is like that).
    func peakMoreQueuesLower(of active: [Int]) -> Double {
        let mean = active.reduce(0) { $0 + load[$1] } / Double(max(active.count, 1))
        var peak = 0.0
        for queue in active where load[queue] > peak {
            var largest = 0.0
            forEachBucket(of: queue) { largest = max(largest, bucketLoad[$0]) }
            if largest < mean { peak = load[queue] }
        }
        return peak
    }

    /// The least loaded of `queues`, lowest index first on ties.
    private func leastLoaded(of queues: [Int]) -> Int {
        var least = queues[0]
        for queue in queues where load[queue] < load[least] { least = queue }
        return least
    }

    /// The swap of one bucket each way that lowers the pair's peak most, by at least
    /// `minimumGain`; with `cameFrom`, no bucket goes back to the queue it left.
    private func bestSwap(between giver: Int, and taker: Int, minimumGain: Double, cameFrom: [Int]?) -> (Int, Int)? {
        var best: (Int, Int)?
        var bestPeak = load[giver] - minimumGain
        forEachBucket(of: giver) { out in
            guard bucketLoad[out] > 0 && cameFrom?[out] != taker else { return }
            forEachBucket(of: taker) { back in
                guard bucketLoad[back] < bucketLoad[out] && cameFrom?[back] != giver else { return }
                let shift = bucketLoad[out] - bucketLoad[back]
                let peak = max(load[giver] - shift, load[taker] + shift)
                if peak < bestPeak {
                    bestPeak = peak
                    best = (out, back)
                }
            }
        }
        return best
    }
}
