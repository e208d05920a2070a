/// A named scenario changed in ways it was not designed with: another load level, or the
/// distinctive traits of other scenarios added to it (bursts on elephants, mixed costs under
/// churn). The benchmarks' held-out check measures the planners on such variations.
public struct ScenarioVariation: Sendable, Hashable {
    /// Mean demand per core instead of the scenario's own.
    public var utilisation: Double?
    /// Scenarios whose traits are added: their daily swing, on/off sending, elephants, hot flow,
    /// cost classes, and shorter lifetimes or smaller largest flows where theirs are.
    public var traits: [String]

    public init(utilisation: Double? = nil, traits: [String] = []) {
        self.utilisation = utilisation
        self.traits = traits
    }

    func applied(to profile: TrafficProfile) throws(UnknownScenario) -> TrafficProfile {
        var profile = profile
        for name in traits { profile.add(try Scenarios.info(name).profile) }
        if let utilisation { profile.utilisation = utilisation }
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
