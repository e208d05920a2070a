import NICSim
import RSSHash

/// A scenario's traffic counted per bucket for every epoch, once, so that every planner of a
/// comparison is replayed on exactly the same packets. Traffic does not depend on the table, so
/// counting per bucket first loses nothing.
public struct TrafficTrace: Sendable {
    public let scenario: String
    public let queues: Int
    public let tableSize: Int
    public let interval: Double
    /// CPU nanoseconds of the mean packet.
    public let costNanoseconds: Double
    /// Whether the counter reports each core's load; without it records carry packets only.
    public let measuresLoad: Bool
    /// Packets per bucket, epoch after epoch (`epochs × tableSize`).
    let packets: [Int]
    /// Demand per bucket in cores, same layout.
    let demand: [Double]

    public var epochs: Int { packets.count / tableSize }

    public static let defaultInterval = 0.1
    public static let defaultCost = 400.0

    public init(scenario: String, seed: UInt64, queues: Int, tableSize: Int, epochs: Int,
                interval: Double = defaultInterval, costNanoseconds: Double = defaultCost,
                variation: ScenarioVariation = ScenarioVariation(), measuresLoad: Bool = true,
                hasher: RSSHasher = RSSHasher()) throws {
        self.scenario = scenario
        self.queues = queues
        self.tableSize = tableSize
        self.interval = interval
        self.costNanoseconds = costNanoseconds
        self.measuresLoad = measuresLoad
        var traffic = try Scenarios.make(scenario, settings: ScenarioSettings(
            seed: seed, costNanoseconds: costNanoseconds, hasher: hasher, queues: queues), variation: variation)
        var packets = [Int](repeating: 0, count: epochs * tableSize)
        var demand = [Double](repeating: 0, count: epochs * tableSize)
        let capacity = interval * 1e9
        for epoch in 0..<epochs {
            let base = epoch * tableSize
            for flow in traffic.nextEpoch(interval: interval) {
                let bucket = base + Int(flow.hash % UInt32(tableSize))
                packets[bucket] += flow.packets
                demand[bucket] += flow.work / capacity
            }
        }
        self.packets = packets
        self.demand = demand
    }

    func packets(epoch: Int) -> ArraySlice<Int> { packets[epoch * tableSize..<(epoch + 1) * tableSize] }
    func demand(epoch: Int) -> ArraySlice<Double> { demand[epoch * tableSize..<(epoch + 1) * tableSize] }
}
