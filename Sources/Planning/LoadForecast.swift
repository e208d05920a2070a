/// Each bucket's load in the next record, forecast from the records so far.
///
/// A bucket's load is a level that drifts (flows arrive, leave, ramp) plus noise that does not
/// last (bursts, sampling): planning on the last record alone moves buckets for noise that is
/// gone by the time the table is in force. Several exponential averages are kept, from the last
/// record alone to a long memory; each record scores how well each one's sums predicted every
/// queue's load under the table in force, and the best scoring one is the forecast. Steady
/// traffic so gets a long memory and noise is not chased; churn gets the last record.
struct LoadForecast: Codable {
    /// Weights of the newest record in the averages on offer.
    static let weights = [1.0, 0.4, 0.125]
    /// How quickly the scores follow a change in the traffic's character.
    static let scoreWeight = 0.1
    /// A bucket whose load moves by more than this many typical queue errors at once has a new
    /// level (an elephant arrived or left): every average starts again from it.
    static let jump = 1.0

    /// Most a record's squared error may weigh, in current scores: one quiet or empty record
    /// (a link flap, a pause) is not a change in the traffic's character.
    static let outlier = 9.0
    /// The score the clipping assumes at least (a 1% error), so that a perfectly predicted past
    /// does not forbid learning any noise.
    static let quietest = 1e-4

    /// The averages, one table-sized run per weight.
    private var averages: [Double] = []
    private var tableSize = 0
    /// Per weight, the mean squared error of its queue sums, relative to the mean queue load.
    private var scores: [Double] = []
    private var best = 0
    /// Per weight and queue, the forecast of the queue's load under `summedTable`: the average
    /// of its measured loads, kept step by step as the bucket averages are, and carried with the
    /// buckets that move. A step pulls it towards the measured load, so rounding errors fade
    /// rather than gather, and work a core does besides its buckets stays in its forecast.
    private var sums: [Double] = []
    private var summedTable: [Int] = []

    /// The forecast load of each bucket (a copy: only planning needs it).
    var bucket: [Double] { Array(averages[best * tableSize..<(best + 1) * tableSize]) }
    /// The forecast load of each queue under the table of the last record.
    var queue: ArraySlice<Double> {
        let queues = sums.count / Self.weights.count
        return sums[best * queues..<(best + 1) * queues]
    }
    /// The weight of the newest record in the forecast in use.
    var weight: Double { Self.weights[best] }
    /// Typical error of a queue's forecast load relative to the mean queue load; nil until scored.
    var relativeError: Double? { scores.isEmpty || scores[best].isNaN ? nil : scores[best].squareRoot() }

    /// Takes in one record's bucket loads with the table they were measured under, and each
    /// queue's measured load.
    mutating func observe(_ loads: [Double], queueLoads: [Double], table: [Int], active: [Int]) {
        let queues = queueLoads.count
        let kinds = Self.weights.count
        guard tableSize == loads.count, sums.count == kinds * queues else {
            tableSize = loads.count
            averages = Array(repeating: loads, count: kinds).flatMap { $0 }
            scores = [Double](repeating: .nan, count: kinds)
            sums = Array(repeating: queueLoads, count: kinds).flatMap { $0 }
            summedTable = table
            best = 0
            return
        }
        follow(table)
        let (size, weights) = (tableSize, Self.weights)
        // Through buffer pointers: these loops run over every bucket on every record.
        loads.withUnsafeBufferPointer { loads in
        table.withUnsafeBufferPointer { table in
        averages.withUnsafeMutableBufferPointer { averages in
        sums.withUnsafeMutableBufferPointer { sums in
        queueLoads.withUnsafeBufferPointer { actual in
        scores.withUnsafeMutableBufferPointer { scores in
            let mean = active.reduce(0) { $0 + actual[$1] } / Double(max(active.count, 1))
            if mean > 0 {
                for kind in 0..<kinds {
                    var square = 0.0
                    for queue in active {
                        let error = (actual[queue] - sums[kind * queues + queue]) / mean
                        square += error * error
                    }
                    square /= Double(active.count)
                    if !scores[kind].isNaN { square = min(square, Self.outlier * max(scores[kind], Self.quietest)) }
                    scores[kind] = scores[kind].isNaN ? square : scores[kind] + Self.scoreWeight * (square - scores[kind])
                }
                for kind in 0..<kinds where scores[kind] < scores[best] { best = kind }
            }
            // Every average takes a step towards the record, and so does its sum per queue.
            for kind in 0..<kinds {
                let (weight, base) = (weights[kind], kind * size)
                for bucket in 0..<size { averages[base + bucket] += weight * (loads[bucket] - averages[base + bucket]) }
                for queue in 0..<queues { sums[kind * queues + queue] += weight * (actual[queue] - sums[kind * queues + queue]) }
            }
            // The last record alone (weight 1) has no level to jump from.
            guard mean > 0, !scores[best].isNaN, weights[best] < 1 else { return }
            let jump = Self.jump * scores[best].squareRoot() * mean
            let (longest, chosen) = ((kinds - 1) * size, best * size)
            for bucket in 0..<size
            where min(abs(loads[bucket] - averages[longest + bucket]), abs(loads[bucket] - averages[chosen + bucket])) > jump {
                for kind in 0..<kinds {
                    sums[kind * queues + table[bucket]] += loads[bucket] - averages[kind * size + bucket]
                    averages[kind * size + bucket] = loads[bucket]
                }
            }
        }
        }
        }
        }
        }
        }
    }

    /// The queue sums carried over to `table` from the one they were summed under: only the
    /// buckets that moved change queues.
    private mutating func follow(_ table: [Int]) {
        let (kinds, queues, size) = (Self.weights.count, sums.count / Self.weights.count, tableSize)
        table.withUnsafeBufferPointer { table in
        summedTable.withUnsafeMutableBufferPointer { summedTable in
        sums.withUnsafeMutableBufferPointer { sums in
        averages.withUnsafeBufferPointer { averages in
            for bucket in 0..<size where table[bucket] != summedTable[bucket] {
                for kind in 0..<kinds {
                    sums[kind * queues + summedTable[bucket]] -= averages[kind * size + bucket]
                    sums[kind * queues + table[bucket]] += averages[kind * size + bucket]
                }
                summedTable[bucket] = table[bucket]
            }
        }
        }
        }
        }
    }

    mutating func reset() { self = LoadForecast() }

    /// Whether the arrays fit one another, as `observe` needs them to (a decoded forecast may not).
    var isConsistent: Bool {
        let kinds = Self.weights.count
        if averages.isEmpty && sums.isEmpty && scores.isEmpty && summedTable.isEmpty && tableSize == 0 { return true }
        let queues = sums.count / kinds
        return tableSize > 0 && averages.count == kinds * tableSize && scores.count == kinds && (0..<kinds).contains(best)
            && queues > 0 && sums.count == kinds * queues
            && summedTable.count == tableSize && summedTable.allSatisfy { (0..<queues).contains($0) }
    }
}
