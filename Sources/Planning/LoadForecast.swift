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
    static let weights = [1.0, 0.5, 0.25, 0.125]
    /// How quickly the scores follow a change in the traffic's character.
    static let scoreWeight = 0.1
    /// A bucket whose load moves by more than this many typical queue errors at once has a new
    /// level (an elephant arrived or left): every average starts again from it.
    static let jump = 1.0

    /// Per weight, per bucket, the average so far.
    private var averages: [[Double]] = []
    /// Per weight, the mean squared error of its queue sums, relative to the mean queue load.
    private var scores: [Double] = []
    private var best = 0
    private var scratch: [Double] = []

    /// The forecast load of each bucket.
    var bucket: [Double] { averages.isEmpty ? [] : averages[best] }
    /// The weight of the newest record in the forecast in use.
    var weight: Double { Self.weights[best] }
    /// Typical error of a queue's forecast load relative to the mean queue load; nil until scored.
    var relativeError: Double? { scores.isEmpty || scores[best].isNaN ? nil : scores[best].squareRoot() }

    /// Takes in one record's bucket loads with the table they were measured under.
    mutating func observe(_ loads: [Double], table: [Int], queues: Int, active: [Int]) {
        if averages.first?.count != loads.count {
            averages = Self.weights.map { _ in loads }
            scores = Self.weights.map { _ in .nan }
            best = 0
            return
        }
        scratch = [Double](repeating: 0, count: queues)
        var actual = scratch
        for (bucket, queue) in table.enumerated() { actual[queue] += loads[bucket] }
        let mean = active.reduce(0) { $0 + actual[$1] } / Double(max(active.count, 1))
        for index in averages.indices {
            for queue in 0..<queues { scratch[queue] = 0 }
            for (bucket, queue) in table.enumerated() { scratch[queue] += averages[index][bucket] }
            if mean > 0 {
                var square = 0.0
                for queue in active {
                    let error = (actual[queue] - scratch[queue]) / mean
                    square += error * error
                }
                square /= Double(max(active.count, 1))
                scores[index] = scores[index].isNaN ? square : scores[index] + Self.scoreWeight * (square - scores[index])
            }
            let weight = Self.weights[index]
            for bucket in loads.indices { averages[index][bucket] += weight * (loads[bucket] - averages[index][bucket]) }
        }
        if mean > 0, let error = relativeError {
            let jump = Self.jump * error * mean
            for bucket in loads.indices where abs(loads[bucket] - averages[averages.count - 1][bucket]) > jump
                && abs(loads[bucket] - averages[best][bucket]) > jump {
                for index in averages.indices { averages[index][bucket] = loads[bucket] }
            }
        }
        for index in scores.indices where !scores[index].isNaN && (scores[best].isNaN || scores[index] < scores[best]) {
            best = index
        }
    }

    mutating func reset() { self = LoadForecast() }
}
