import RSSHash

/// Synthetic traffic for the simulated NIC: a population of flows whose activity the scenario
/// advances one interval at a time, deterministic for a given seed.
public protocol TrafficScenario {
    /// Flow activity during the next `interval` seconds of the scenario's own clock.
    mutating func nextEpoch(interval: Double) -> [FlowActivity]
}

/// How a scenario is instantiated: `rss-count sim:NAME` and the benchmarks build them the same way.
public struct ScenarioSettings: Sendable {
    public var seed: UInt64
    /// CPU nanoseconds one packet of average cost takes (`--cost`).
    public var costNanoseconds: Double
    /// The NIC's hash, so that flows land in the buckets a real NIC would put them in.
    public var hasher: RSSHasher
    /// Queue count of the NIC, which scenarios size their offered load against.
    public var queues: Int

    public init(seed: UInt64, costNanoseconds: Double, hasher: RSSHasher, queues: Int) {
        self.seed = seed
        self.costNanoseconds = costNanoseconds
        self.hasher = hasher
        self.queues = queues
    }
}
