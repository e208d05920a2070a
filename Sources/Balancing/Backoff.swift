/// How long to wait before restarting a pipeline that failed: `min` seconds at first, twice as
/// long after each failure up to `max`, and `min` again after a pipeline that ran longer than
/// `max` (it worked for a while: the next failure is a new one, not the same one again).
public struct Backoff: Sendable {
    public let min: Double
    public let max: Double
    private var next: Double

    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
        next = min
    }

    /// The wait before the next start, after a pipeline that ran `seconds`.
    public mutating func delay(afterARunOf seconds: Double) -> Double {
        if seconds > max { next = min }
        defer { next = Swift.min(next * 2, max) }
        return next
    }
}
