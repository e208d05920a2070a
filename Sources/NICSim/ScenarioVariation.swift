/// A named scenario changed in ways it was not designed with: another load level, the
/// distinctive traits of other scenarios added to it (bursts on elephants, mixed costs under
/// churn), flow rates that fluctuate less, flows that live longer. The benchmarks measure the
/// planners on such variations.
public struct ScenarioVariation: Sendable, Hashable {
    /// Mean demand per core instead of the scenario's own.
    public var utilisation: Double?
    /// Scenarios whose traits are added: their daily swing, on/off sending, elephants, hot flow,
    /// cost classes, and shorter lifetimes or smaller largest flows where theirs are.
    public var traits: [String]
    /// Deviation of each flow's rate from one epoch to the next instead of the scenario's own
    /// (log-normal, 0.35 in every scenario): small for calm traffic.
    public var fluctuation: Double?
    /// Mean flow lifetime in seconds instead of the scenario's own (or its traits').
    public var lifetime: Double?

    public init(utilisation: Double? = nil, traits: [String] = [], fluctuation: Double? = nil, lifetime: Double? = nil) {
        self.utilisation = utilisation
        self.traits = traits
        self.fluctuation = fluctuation
        self.lifetime = lifetime
    }

    func applied(to profile: TrafficProfile) throws(UnknownScenario) -> TrafficProfile {
        var profile = profile
        for name in traits { profile.add(try Scenarios.info(name).profile) }
        if let utilisation { profile.utilisation = utilisation }
        if let fluctuation { profile.fluctuation = fluctuation }
        if let lifetime { profile.lifetime = lifetime }
        return profile
    }
}

extension TrafficProfile {
    /// Takes in `other`'s traits where this profile has none of its own.
    mutating func add(_ other: TrafficProfile) {
        daily = daily ?? other.daily
        onOff = onOff ?? other.onOff
        elephants = elephants ?? other.elephants
        hotFlow = hotFlow ?? other.hotFlow
        if costClasses.count == 1 { costClasses = other.costClasses }
        lifetime = min(lifetime, other.lifetime)
        largestFlow = min(largestFlow, other.largestFlow)
    }
}
