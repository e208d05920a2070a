import NICSim
import RSSHash
import Testing

private let hasher = RSSHasher()

private func settings(_ name: String, seed: UInt64 = 7) throws -> ScenarioSettings {
    ScenarioSettings(seed: seed, costNanoseconds: 500, hasher: hasher, queues: try Scenarios.info(name).queues)
}

private func run(_ name: String, seed: UInt64 = 7, epochs: Int, interval: Double = 0.1) throws -> [[FlowActivity]] {
    var scenario = try Scenarios.make(name, settings: try settings(name, seed: seed))
    return (0..<epochs).map { _ in scenario.nextEpoch(interval: interval) }
}

/// Demand of the whole NIC in cores during one epoch.
private func cores(_ epoch: [FlowActivity], interval: Double = 0.1) -> Double {
    epoch.reduce(0) { $0 + $1.work } / (interval * 1e9)
}

@Test func everyScenarioIsListedOnceAndTheDefaultExists() throws {
    let names = Scenarios.all.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(names.contains(Scenarios.defaultName))
    #expect(names.count >= 9)
}

@Test func unknownScenarioNamesTheChoices() {
    let error = #expect(throws: UnknownScenario.self) { try Scenarios.make("nope", settings: try settings("steady")) }
    #expect(error?.description.contains("\"nope\"; scenarios: steady, churn") == true)
}

@Test(arguments: Scenarios.all.map(\.name))
func sameSeedRepeatsDifferentSeedDiffers(name: String) throws {
    let first = try run(name, seed: 11, epochs: 15)
    let again = try run(name, seed: 11, epochs: 15)
    let other = try run(name, seed: 12, epochs: 15)
    #expect(first == again)
    #expect(first != other)
}

@Test(arguments: Scenarios.all.map(\.name))
func offeredLoadIsAsDesigned(name: String) throws {
    let info = try Scenarios.info(name)
    // The daily scenario's mean holds over a whole day; the others over a few seconds.
    let epochs = name == "diurnal" ? 600 : 100
    let demand = try run(name, epochs: epochs).map { cores($0) }
    let perCore = demand.reduce(0, +) / Double(epochs) / Double(info.queues)
    let designed = ["steady": 0.6, "churn": 0.6, "elephants": 0.65, "bursts": 0.55, "diurnal": 0.45,
                    "hot-bucket": 0.55, "many-queues": 0.6, "overload": 0.92, "mixed-cost": 0.65][name]
    let expected = try #require(designed)
    #expect(abs(perCore - expected) < 0.15 * expected, "\(name): \(perCore) cores per queue, designed \(expected)")
}

@Test func flowsSpreadOverEveryBucket() throws {
    var packets = [Int](repeating: 0, count: 128)
    for flow in try run("steady", epochs: 5).joined() { packets[Int(flow.hash % 128)] += flow.packets }
    #expect(packets.allSatisfy { $0 > 0 })
}

@Test func countsCarryNoiseButFollowTheLastEpoch() throws {
    let epochs = try run("steady", epochs: 2)
    func buckets(_ epoch: [FlowActivity]) -> [Double] {
        var packets = [Double](repeating: 0, count: 128)
        for flow in epoch { packets[Int(flow.hash % 128)] += Double(flow.packets) }
        return packets
    }
    let (first, second) = (buckets(epochs[0]), buckets(epochs[1]))
    let changes = zip(first, second).map { abs($0 - $1) / max($0, 1) }
    let meanChange = changes.reduce(0, +) / Double(changes.count)
    #expect(meanChange > 0.02, "an epoch should not predict the next perfectly")
    #expect(meanChange < 0.5, "an epoch should still say much about the next")
}

@Test func elephantsComeAndGo() throws {
    let epochs = try run("elephants", epochs: 300)
    // A flow of at least 0.2 core at the scenario's cost is an elephant.
    func elephants(_ epoch: [FlowActivity]) -> Set<UInt32> {
        Set(epoch.filter { $0.work / (0.1 * 1e9) > 0.15 }.map(\.hash))
    }
    let early = elephants(epochs[10]), late = elephants(epochs[290])
    #expect(!early.isEmpty)
    #expect(!late.isEmpty)
    #expect(early.isDisjoint(with: late), "elephants live a few seconds, not 28")
}

@Test func dailyRampSwingsTheLoad() throws {
    let demand = try run("diurnal", epochs: 600).map { cores($0) }
    let night = demand[0..<30].reduce(0, +) / 30
    let noon = demand[285..<315].reduce(0, +) / 30
    #expect(noon > 4 * night, "peak \(noon) cores, trough \(night)")
    #expect(noon / 16 < 0.95, "the peak should still fit the cores")
}

@Test func hotBucketOutweighsAFairShare() throws {
    let ratios = try run("hot-bucket", epochs: 50).map { epoch in
        (epoch.map(\.work).max() ?? 0) / (epoch.reduce(0) { $0 + $1.work } / 4)
    }
    #expect(ratios.reduce(0, +) / 50 > 1.15, "the hot flow alone should load a core more than the mean")
}

@Test func burstsGoSilentAndComeBack() throws {
    let epochs = try run("bursts", epochs: 60)
    let seen = epochs.map { Set($0.map(\.hash)) }
    let alwaysThere = seen.dropFirst().reduce(seen[0]) { $0.intersection($1) }
    let total = seen.reduce(Set<UInt32>()) { $0.union($1) }
    #expect(alwaysThere.count < total.count / 4, "most flows pause at some point")
}

@Test func mixedCostMakesPacketsMisstateWork() throws {
    let costs = try run("mixed-cost", epochs: 1)[0].map { $0.work / Double($0.packets) }
    let (cheapest, dearest) = (costs.min() ?? 0, costs.max() ?? 0)
    #expect(dearest > 8 * cheapest)
    let uniform = try run("steady", epochs: 1)[0].map { $0.work / Double($0.packets) }
    #expect(Set(uniform).count == 1)
}

@Test func overloadSaturatesAStaticTable() throws {
    let epoch = try run("overload", epochs: 10)[9]
    let nic = SimulatedNIC(state: NICState(queues: 8, tableSize: 512))
    let demand = nic.count(epoch, interval: 0.1).demand
    #expect(demand.contains { $0 > 1 }, "\(demand)")
}

@Test func aVariationChangesTheLoadAndAddsTraits() throws {
    func meanCores(_ variation: ScenarioVariation) throws -> Double {
        var scenario = try Scenarios.make("steady", settings: try settings("steady"), variation: variation)
        return (0..<20).reduce(0) { total, _ in total + cores(scenario.nextEpoch(interval: 0.1)) } / 20
    }
    let queues = Double(try Scenarios.info("steady").queues)
    #expect(abs(try meanCores(ScenarioVariation()) / queues - 0.6) < 0.05)
    #expect(abs(try meanCores(ScenarioVariation(utilisation: 0.3)) / queues - 0.3) < 0.03)
    // Bursts' on/off sending makes flows fall silent: fewer of them send in any one epoch.
    var plain = try Scenarios.make("steady", settings: try settings("steady"))
    var bursty = try Scenarios.make("steady", settings: try settings("steady"), variation: ScenarioVariation(traits: ["bursts"]))
    #expect(bursty.nextEpoch(interval: 0.1).count < plain.nextEpoch(interval: 0.1).count / 2)
    let error = #expect(throws: UnknownScenario.self) {
        try Scenarios.make("steady", settings: try settings("steady"), variation: ScenarioVariation(traits: ["nope"]))
    }
    #expect(error?.name == "nope")
}

@Test func aCalmVariationKeepsFlowRatesAndFlowsLonger() throws {
    /// Per flow (by hash) packets in the first epoch, in the second, and in the last of `epochs`.
    func flows(_ variation: ScenarioVariation, epochs: Int) throws -> [[UInt32: Int]] {
        var scenario = try Scenarios.make("steady", settings: try settings("steady"), variation: variation)
        let all = (0..<epochs).map { _ in scenario.nextEpoch(interval: 0.1) }
        return [all[0], all[1], all[epochs - 1]].map { Dictionary($0.map { ($0.hash, $0.packets) }, uniquingKeysWith: +) }
    }
    /// Mean relative change of large flows' packets from one epoch to the next (Poisson noise ≈ 1%),
    /// and the share of flows of the first epoch gone by the last.
    func change(_ variation: ScenarioVariation) throws -> (rate: Double, gone: Double) {
        let epochs = try flows(variation, epochs: 40)
        let (first, second, last) = (epochs[0], epochs[1], epochs[2])
        let large = first.filter { $0.value >= 10_000 && second[$0.key] != nil }
        let rate = large.reduce(0.0) { $0 + abs(Double(second[$1.key]! - $1.value)) / Double($1.value) } / Double(large.count)
        let gone = Double(first.keys.filter { last[$0] == nil }.count) / Double(first.count)
        return (rate, gone)
    }
    let steady = try change(ScenarioVariation())
    let calm = try change(ScenarioVariation(fluctuation: 0.05, lifetime: 300))
    #expect(calm.rate < steady.rate / 2, "\(calm) against \(steady)")
    #expect(calm.gone < steady.gone / 3, "\(calm) against \(steady)")
}
