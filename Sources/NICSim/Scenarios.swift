/// A named scenario as `rss-count sim:NAME` lists it, with the NIC shape it was made for.
public struct ScenarioInfo: Sendable {
    public let name: String
    public let summary: String
    public let queues: Int
    public let tableSize: Int
    let profile: TrafficProfile
}

public struct UnknownScenario: Error, CustomStringConvertible, Equatable {
    public let name: String
    public var description: String {
        "unknown scenario \"\(name)\"; scenarios: " + Scenarios.all.map(\.name).joined(separator: ", ")
    }
}

/// The simulated NIC's traffic scenarios. Together they cover what a balancer meets in
/// practice: heavy-tailed steady traffic, churn, elephants, bursts, a daily swing, a flow larger
/// than a fair share, coarse tables, saturation, and packets whose cost differs.
public enum Scenarios {
    public static let defaultName = "steady"

    public static let all: [ScenarioInfo] = [
        ScenarioInfo(name: "steady", summary: "long-lived heavy-tailed (Pareto) flows at 60% load",
                     queues: 8, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.6, flowsPerQueue: 200, lifetime: 30)),
        ScenarioInfo(name: "churn", summary: "short flows (0.5 s on average) arriving and leaving all the time",
                     queues: 8, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.6, flowsPerQueue: 300, largestFlow: 0.2, lifetime: 0.5)),
        ScenarioInfo(name: "elephants", summary: "mice plus elephants of 0.2-0.5 core that come and go every few seconds",
                     queues: 8, tableSize: 512,
                     profile: TrafficProfile(utilisation: 0.65, flowsPerQueue: 200, largestFlow: 0.1, lifetime: 20,
                                             elephants: (perQueue: 0.5, size: 0.2...0.5, lifetime: 5))),
        ScenarioInfo(name: "bursts", summary: "on/off flows: silent, then sending 4x their mean rate",
                     queues: 8, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.55, flowsPerQueue: 150, largestFlow: 0.12, lifetime: 30,
                                             onOff: (on: 0.4, off: 1.2))),
        ScenarioInfo(name: "diurnal", summary: "a day in a minute: load ramps from 13% to 77% and back (autoscale)",
                     queues: 16, tableSize: 512,
                     profile: TrafficProfile(utilisation: 0.45, daily: (low: 0.3, high: 1.7, period: 60),
                                             flowsPerQueue: 200, lifetime: 20)),
        ScenarioInfo(name: "hot-bucket", summary: "one flow alone carries 1.3x a core's fair share",
                     queues: 4, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.55, flowsPerQueue: 200, largestFlow: 0.1, lifetime: 30,
                                             hotFlow: 1.3)),
        ScenarioInfo(name: "many-queues", summary: "64 queues on a 128-entry table: two buckets per queue",
                     queues: 64, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.6, flowsPerQueue: 100, lifetime: 30)),
        ScenarioInfo(name: "overload", summary: "92% mean load: the static table saturates cores",
                     queues: 8, tableSize: 512,
                     profile: TrafficProfile(utilisation: 0.92, flowsPerQueue: 200, largestFlow: 0.25, lifetime: 30)),
        ScenarioInfo(name: "mixed-cost", summary: "per-packet cost varies 10x between flows, so packets misstate load",
                     queues: 8, tableSize: 128,
                     profile: TrafficProfile(utilisation: 0.65, flowsPerQueue: 200, lifetime: 30,
                                             costClasses: [(share: 0.6, cost: 0.5), (share: 0.3, cost: 1.5),
                                                           (share: 0.1, cost: 5)])),
    ]

    public static func info(_ name: String) throws(UnknownScenario) -> ScenarioInfo {
        guard let info = all.first(where: { $0.name == name }) else { throw UnknownScenario(name: name) }
        return info
    }

    public static func make(_ name: String, settings: ScenarioSettings,
                            variation: ScenarioVariation = ScenarioVariation()) throws(UnknownScenario) -> any TrafficScenario {
        FlowPopulation(profile: try variation.applied(to: info(name).profile), settings: settings)
    }
}
