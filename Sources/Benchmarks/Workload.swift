import NICSim

/// One kind of traffic a comparison replays: a scenario of the simulated NIC on a NIC shape,
/// possibly varied (load level, other scenarios' traits, interval, packet cost, records
/// without `load`).
public struct Workload: Sendable {
    public var name: String
    public var summary: String
    public var scenario: String
    public var queues: Int
    public var tableSize: Int
    public var interval = TrafficTrace.defaultInterval
    public var costNanoseconds = TrafficTrace.defaultCost
    public var variation = ScenarioVariation()
    public var measuresLoad = true

    public init(_ name: String, _ summary: String, scenario: String, queues: Int, tableSize: Int,
                interval: Double = TrafficTrace.defaultInterval, costNanoseconds: Double = TrafficTrace.defaultCost,
                variation: ScenarioVariation = ScenarioVariation(), measuresLoad: Bool = true) {
        self.name = name
        self.summary = summary
        self.scenario = scenario
        self.queues = queues
        self.tableSize = tableSize
        self.interval = interval
        self.costNanoseconds = costNanoseconds
        self.variation = variation
        self.measuresLoad = measuresLoad
    }

    /// A scenario as the simulated NIC defines it.
    public init(scenario name: String) throws(UnknownScenario) {
        self.init(try Scenarios.info(name))
    }

    init(_ info: ScenarioInfo) {
        self.init(info.name, info.summary, scenario: info.name, queues: info.queues, tableSize: info.tableSize)
    }

    public func trace(seed: UInt64, epochs: Int) throws -> TrafficTrace {
        try TrafficTrace(scenario: scenario, seed: seed, queues: queues, tableSize: tableSize, epochs: epochs,
                         interval: interval, costNanoseconds: costNanoseconds, variation: variation,
                         measuresLoad: measuresLoad)
    }

    /// Flows whose rates hardly change (±5% instead of ±35%) and that live five minutes: little
    /// that moving a bucket could win back.
    static func calm(utilisation: Double? = nil) -> ScenarioVariation {
        ScenarioVariation(utilisation: utilisation, fluctuation: 0.05, lifetime: 300)
    }

    /// What the planners are tuned on (`rss-bench` without `--held-out`): the simulated NIC's
    /// scenarios as they are defined, plus few buckets per queue and calm traffic, where moving
    /// buys little balance.
    public static let tuning: [Workload] = Scenarios.all.map(Workload.init) + [
        Workload("8-per-queue", "steady on 16 queues, R=128: 8 buckets per queue", scenario: "steady", queues: 16,
                 tableSize: 128),
        Workload("4-per-queue", "steady on 32 queues, R=128: 4 buckets per queue", scenario: "steady", queues: 32,
                 tableSize: 128),
        Workload("calm", "long-lived flows (5 min) whose rates hardly change, 60% load, 8 queues, R=256",
                 scenario: "steady", queues: 8, tableSize: 256, variation: calm()),
    ]

    /// Traffic the planners were not tuned on: the scenarios on other NIC shapes, load levels,
    /// intervals and packet costs, with traits mixed, and records without `load`. Run with
    /// seeds the repository's comparison does not use.
    public static let heldOut: [Workload] = [
        Workload("steady-4q", "steady on 4 queues, R=64", scenario: "steady", queues: 4, tableSize: 64),
        Workload("steady-30%", "steady at 30% load, 16 queues, R=256", scenario: "steady", queues: 16, tableSize: 256,
                 variation: ScenarioVariation(utilisation: 0.3)),
        Workload("churn-16q", "churn on 16 queues, R=256, 80% load", scenario: "churn", queues: 16, tableSize: 256,
                 variation: ScenarioVariation(utilisation: 0.8)),
        Workload("elephants-32q", "elephants on 32 queues, R=2048", scenario: "elephants", queues: 32, tableSize: 2048),
        Workload("bursts-elephants", "bursts with elephants, 8 queues, R=256", scenario: "bursts", queues: 8,
                 tableSize: 256, variation: ScenarioVariation(traits: ["elephants"])),
        Workload("overload-95%", "95% load, 16 queues, R=512", scenario: "overload", queues: 16, tableSize: 512,
                 variation: ScenarioVariation(utilisation: 0.95)),
        Workload("overload-mixed-cost", "90% load with 10x cost spread, 8 queues, R=512", scenario: "overload",
                 queues: 8, tableSize: 512, variation: ScenarioVariation(utilisation: 0.9, traits: ["mixed-cost"])),
        Workload("churn-mixed-cost", "churn with 10x cost spread at 80% load, 8 queues, R=128", scenario: "churn",
                 queues: 8, tableSize: 128, variation: ScenarioVariation(utilisation: 0.8, traits: ["mixed-cost"])),
        Workload("hot-elephants", "a hot flow among elephants, 8 queues, R=512", scenario: "hot-bucket", queues: 8,
                 tableSize: 512, variation: ScenarioVariation(traits: ["elephants"])),
        Workload("coarse-32q", "32 queues on R=64: two buckets per queue, 80% load", scenario: "steady", queues: 32,
                 tableSize: 64, variation: ScenarioVariation(utilisation: 0.8)),
        Workload("diurnal-bursts", "daily swing with on/off flows, 16 queues, R=512", scenario: "diurnal", queues: 16,
                 tableSize: 512, variation: ScenarioVariation(traits: ["bursts"])),
        Workload("packets-only", "steady, records without load, 16 queues, R=512", scenario: "steady", queues: 16,
                 tableSize: 512, measuresLoad: false),
        Workload("packets-only-mixed", "10x cost spread, records without load, 8 queues, R=128", scenario: "mixed-cost",
                 queues: 8, tableSize: 128, measuresLoad: false),
        Workload("short-epochs", "elephants, 20 ms epochs at 100 ns per packet, 8 queues, R=512",
                 scenario: "elephants", queues: 8, tableSize: 512, interval: 0.02, costNanoseconds: 100),
        Workload("long-epochs", "churn, 0.5 s epochs at 1500 ns per packet, 8 queues, R=128", scenario: "churn",
                 queues: 8, tableSize: 128, interval: 0.5, costNanoseconds: 1500),
        Workload("e810", "elephants with mixed cost at 80% load, 16 queues, R=2048", scenario: "elephants",
                 queues: 16, tableSize: 2048, variation: ScenarioVariation(utilisation: 0.8, traits: ["mixed-cost"])),
        Workload("8-per-queue-8q", "steady on 8 queues, R=64: 8 buckets per queue", scenario: "steady", queues: 8,
                 tableSize: 64),
        Workload("8-per-queue-64q", "steady on 64 queues, R=512: 8 buckets per queue", scenario: "steady",
                 queues: 64, tableSize: 512),
        Workload("4-per-queue-16q", "steady on 16 queues, R=64: 4 buckets per queue", scenario: "steady",
                 queues: 16, tableSize: 64),
        Workload("calm-16q", "calm long-lived flows, 60% load, 16 queues, R=1024", scenario: "steady", queues: 16,
                 tableSize: 1024, variation: calm()),
        Workload("calm-churn", "churn's short flows with calm rates, 16 queues, R=256", scenario: "churn",
                 queues: 16, tableSize: 256, variation: ScenarioVariation(fluctuation: 0.05)),
        Workload("calm-85%", "calm long-lived flows at 85% load, 8 queues, R=512", scenario: "steady", queues: 8,
                 tableSize: 512, variation: calm(utilisation: 0.85)),
    ]
}
