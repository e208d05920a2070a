/// Each bucket's load in the next record, forecast from the records so far.
///
/// A bucket's load is a level that drifts (flows arrive, leave, ramp) plus noise that does not
/// last (bursts, sampling): planning on the last record alone moves buckets for noise that is
/// gone by the time the table is in force. Several exponential averages are kept, from the last
/// record alone to a long memory; each record scores how well each one's sums predicted every
/// queue's load under the table in force, and the best scoring one is the forecast. Steady
/// traffic so gets a long memory and noise is not chased; churn gets the last record.
struct LoadForecast {
    /// Weights of the newest record in the averages on offer.
    static let weights = [1.0, 0.4, 0.125]
    /// How quickly the scores follow a change in the traffic's character.
    static let scoreWeight = 0.1
    /// A bucket whose load moves by more than this many typical queue errors at once has a new
    /// level (an elephant arrived or left): every average starts again from it.
    static let jump = 1.0

    /// The averages, one table-sized run per weight.
    private var averages: [Double] = []
    private var tableSize = 0
    /// Per weight, the mean squared error of its queue sums, relative to the mean queue load.
    private var scores: [Double] = []
    private var best = 0
    /// Per weight and queue, the sum of the averages; then each queue's actual load.
    private var sums: [Double] = []
    private var actual: [Double] = []

    /// The forecast load of each bucket.
    var bucket: ArraySlice<Double> { averages[best * tableSize..<(best + 1) * tableSize] }
    /// The weight of the newest record in the forecast in use.
    var weight: Double { Self.weights[best] }
    /// Typical error of a queue's forecast load relative to the mean queue load; nil until scored.
    var relativeError: Double? { scores.isEmpty || scores[best].isNaN ? nil : scores[best].squareRoot() }

    /// Takes in one record's bucket loads with the table they were measured under.
    mutating func observe(_ loads: [Double], table: [Int], queues: Int, active: [Int]) {
        let kinds = Self.weights.count
        guard tableSize == loads.count, sums.count == kinds * queues else {
            tableSize = loads.count
            averages = Array(repeating: loads, count: kinds).flatMap { $0 }
            scores = [Double](repeating: .nan, count: kinds)
            sums = [Double](repeating: 0, count: kinds * queues)
            actual = [Double](repeating: 0, count: queues)
            best = 0
            return
        }
        for index in sums.indices { sums[index] = 0 }
        for index in actual.indices { actual[index] = 0 }
        let size = tableSize
        // Through buffer pointers: these loops run over every bucket for every weight on every record.
        loads.withUnsafeBufferPointer { loads in
        table.withUnsafeBufferPointer { table in
        averages.withUnsafeMutableBufferPointer { averages in
            sums.withUnsafeMutableBufferPointer { sums in
                actual.withUnsafeMutableBufferPointer { actual in
                    for bucket in 0..<size {
                        let queue = table[bucket]
                        actual[queue] += loads[bucket]
                        for kind in 0..<kinds { sums[kind * queues + queue] += averages[kind * size + bucket] }
                    }
                }
                for kind in 0..<kinds {
                    let weight = Self.weights[kind]
                    for bucket in 0..<size {
                        averages[kind * size + bucket] += weight * (loads[bucket] - averages[kind * size + bucket])
                    }
                }
            }
        }
        }
        }
        let mean = active.reduce(0) { $0 + actual[$1] } / Double(max(active.count, 1))
        guard mean > 0 else { return }
        for kind in 0..<kinds {
            var square = 0.0
            for queue in active {
                let error = (actual[queue] - sums[kind * queues + queue]) / mean
                square += error * error
            }
            square /= Double(active.count)
            scores[kind] = scores[kind].isNaN ? square : scores[kind] + Self.scoreWeight * (square - scores[kind])
        }
        for kind in scores.indices where scores[kind] < scores[best] { best = kind }

        guard let error = relativeError else { return }
        let jump = Self.jump * error * mean
        let (longest, chosen) = ((kinds - 1) * size, best * size)
        averages.withUnsafeMutableBufferPointer { averages in
            for bucket in 0..<size where abs(loads[bucket] - averages[longest + bucket]) > jump
                && abs(loads[bucket] - averages[chosen + bucket]) > jump {
                for kind in 0..<kinds { averages[kind * size + bucket] = loads[bucket] }
            }
        }
    }

    mutating func reset() { self = LoadForecast() }
}
