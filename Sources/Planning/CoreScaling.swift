/// How many cores the adaptive planner keeps active under `--autoscale`: enough for the mean to
/// stay at the target load and for the most loaded core to stay clear of saturation, given how
/// uneven the balanced table still is and how noisy the traffic is. Cores are added as soon as
/// they are needed; cores are removed only when the rest would still be comfortably below both
/// limits for several records in a row, so that noise does not make the set flap.
struct CoreScaling: Codable {
    /// Highest predicted load a core should be planned to: what is left is for the noise.
    static let headroom = 0.95
    /// The noise margin, in relative prediction errors.
    static let noiseMargin = 1.5
    /// How far below the limits the remaining cores must be before one is removed.
    static let hysteresis = 0.05
    /// Records in a row the removal condition must hold.
    static let patience = 3

    private var removalStreak = 0

    /// The change in active core count: positive to add, negative to remove, 0 to stay.
    /// - Parameters:
    ///   - total: demand of all queues in cores.
    ///   - buckets: demand of each bucket in cores.
    ///   - peak: predicted load of the most loaded active core after balancing.
    ///   - active: active cores now.
    ///   - noise: relative prediction error of a queue's load.
    mutating func change(total: Double, buckets: [Double], peak: Double, active: Int, noise: Double,
                         targetLoad: Double, limits: ClosedRange<Int>) -> Int {
        guard limits.contains(active) else {
            removalStreak = 0
            return min(max(active, limits.lowerBound), limits.upperBound) - active
        }
        let mean = total / Double(active)
        let spread = max(1 + Self.noiseMargin * noise, mean > 0 ? peak / mean : 1)
        let perCore = min(targetLoad, Self.headroom / spread)
        // A bucket heavier than a core's share has a core to itself however many there are:
        // what it asks beyond that share no added core can take.
        var servable = total
        for bucket in buckets where bucket > perCore { servable -= bucket - perCore }
        let needed = coreCount(servable / perCore, within: limits)
        if needed > active {
            removalStreak = 0
            return needed - active
        }
        let comfortably = coreCount(servable / (perCore * (1 - Self.hysteresis)), within: limits)
        removalStreak = comfortably < active ? removalStreak + 1 : 0
        guard removalStreak >= Self.patience else { return 0 }
        removalStreak = 0
        return comfortably - active
    }

    mutating func reset() { removalStreak = 0 }

    /// `cores` rounded up into `limits`, clamped while still a double: loads that are tiny but
    /// legal (1e-200) make the per-core share so small that the quotient is infinite, or NaN,
    /// and then all the cores there may be are what is needed.
    private func coreCount(_ cores: Double, within limits: ClosedRange<Int>) -> Int {
        guard cores < Double(limits.upperBound) else { return limits.upperBound }
        guard cores > Double(limits.lowerBound) else { return limits.lowerBound }
        return Int(cores.rounded(.up))
    }
}
