/// A table being rebalanced: bucket moves with the queue loads they imply, chosen so that the
/// most loaded queues come down to the mean in as few moves as the buckets allow.
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

    /// Brings every active queue above `mean + tolerance` down towards the mean: the most loaded
    /// queue gives to the least loaded the bucket that evens the pair out best, until the budget
    /// is spent or no queue that is too high can be lowered. A bucket is only moved if it lowers
    /// the pair's peak by a quarter of the tolerance; when no single bucket does, the best swap of
    /// one bucket each way may.
    mutating func balance(active: [Int], tolerance: Double) {
        guard active.count > 1 else { return }
        let mean = active.reduce(0) { $0 + load[$1] } / Double(active.count)
        let minimumGain = tolerance / 4
        var stuck = [Bool](repeating: false, count: load.count)
        while moves < budget {
            var giver = -1
            for queue in active where !stuck[queue] && (giver < 0 || load[queue] > load[giver]) { giver = queue }
            let taker = leastLoaded(of: active)
            guard giver >= 0, load[giver] > mean + tolerance, taker != giver else { return }
            if let bucket = evenest(from: giver, to: taker, minimumGain: minimumGain) {
                move(bucket, to: taker)
            } else if budget - moves >= 2, let (out, back) = bestSwap(between: giver, and: taker, minimumGain: minimumGain) {
                move(out, to: taker)
                move(back, to: giver)
            } else {
                stuck[giver] = true
            }
        }
    }

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

    /// The bucket of `giver` closest to half the gap between the two queues, among those that
    /// lower the higher of the two by at least `minimumGain`.
    private func evenest(from giver: Int, to taker: Int, minimumGain: Double) -> Int? {
        let gap = load[giver] - load[taker]
        var best: Int?, bestDistance = Double.infinity
        forEachBucket(of: giver) { bucket in
            let size = bucketLoad[bucket]
            guard size > 0, size <= gap - minimumGain else { return }
            let distance = abs(size - gap / 2)
            if distance < bestDistance {
                bestDistance = distance
                best = bucket
            }
        }
        return best
    }

    private func bestSwap(between giver: Int, and taker: Int, minimumGain: Double) -> (Int, Int)? {
        var best: (Int, Int)?
        var bestPeak = load[giver] - minimumGain
        forEachBucket(of: giver) { out in
            guard bucketLoad[out] > 0 else { return }
            forEachBucket(of: taker) { back in
                guard bucketLoad[back] < bucketLoad[out] else { return }
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
