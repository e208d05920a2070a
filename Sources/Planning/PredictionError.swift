/// How well one epoch's bucket loads predicted the next epoch's queue loads, under whatever
/// table was in force: the noise the planner cannot balance away. Moves that promise less than
/// this are not worth making.
struct PredictionError {
    /// How quickly the estimate follows a change in the traffic's character.
    static let weight = 0.2
    /// Median absolute value of a standard normal variable, inverted.
    static let medianToDeviation = 1.4826

    private var errors: [Double] = []
    private var meanSquare: Double?

    /// Typical deviation of (actual - predicted) per queue, relative to the mean queue load;
    /// nil until two epochs were seen.
    var relative: Double? { meanSquare.map { $0.squareRoot() } }

    /// Takes in one record: `predicted` and `actual` are per queue (`predicted` nil when there
    /// was nothing to predict from).
    mutating func observe(predicted: [Double]?, actual: [Double], active: [Int]) {
        guard let predicted, predicted.count == actual.count, !active.isEmpty else { return }
        errors.removeAll(keepingCapacity: true)
        var total = 0.0
        for queue in active {
            errors.append(abs(actual[queue] - predicted[queue]))
            total += actual[queue]
        }
        let mean = total / Double(active.count)
        guard mean > 0 else { return }
        errors.sort()
        let middle = errors.count / 2
        let median = errors.count % 2 == 1 ? errors[middle] : (errors[middle - 1] + errors[middle]) / 2
        // The median, scaled to a standard deviation for normal errors, rather than the root mean
        // square: a flow arriving on one queue is a change to balance, not noise to tolerate.
        let sample = Self.medianToDeviation * median / mean
        meanSquare = meanSquare.map { $0 + Self.weight * (sample * sample - $0) } ?? sample * sample
    }

    mutating func reset() { self = PredictionError() }
}
