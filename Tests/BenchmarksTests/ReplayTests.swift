import Benchmarks
import Planning
import RSSRecords
import Testing

/// Moves bucket 0 to the next queue on the first record only, and remembers every table it saw.
private struct OneMove: RecordPlanner {
    var seen: [[Int]] = []

    mutating func plan(_ record: LoadRecord) -> PlanRecord {
        seen.append(record.reta)
        var reta = record.reta
        if seen.count == 1 { reta[0] = (reta[0] + 1) % record.queues }
        return PlanRecord(queues: record.queues, reta: reta, moves: Move.between(record.reta, reta),
                          active: Array(0..<record.queues))
    }

    /// Nothing to keep: replays never save a history.
    func encodedHistory(as algorithm: Algorithm) -> [UInt8]? { nil }
}

private let trace = try! TrafficTrace(scenario: "steady", seed: 3, queues: 4, tableSize: 16, epochs: 5)

@Test func aPlanIsInForceFromTheNextEpoch() {
    var planner = OneMove()
    let result = replay(trace, with: &planner)
    #expect(planner.seen.count == 5)
    #expect(planner.seen[0] == (0..<16).map { $0 % 4 })
    #expect(planner.seen[1][0] == 1)
    #expect(planner.seen[4][0] == 1)
    #expect(result.moves == 1)
    #expect(result.movedPackets > 0 && result.movedPackets < result.packets)
    #expect(result.imbalance.count == 5 && result.activeQueues == [4, 4, 4, 4, 4])
}

@Test func replaysRepeat() {
    var first = Algorithm.adaptive.planner(options: PlannerOptions())
    var second = Algorithm.adaptive.planner(options: PlannerOptions())
    let (a, b) = (replay(trace, with: &first), replay(trace, with: &second))
    #expect(a.imbalance == b.imbalance)
    #expect(a.moves == b.moves)
}

@Test func ratiosAreGeometricMeansThatIgnoreSharedZeros() throws {
    let comparison = try PlannerComparison(scenarios: ["steady", "hot-bucket"], seeds: [1, 2], epochs: 30,
                                           contenders: [Contender(.rsspp), Contender(.static)])
    let itself = comparison.ratio(Contender(.rsspp), to: Contender(.rsspp), floor: 1e-3) { $0.meanImbalance }
    #expect(itself == 1)
    let statics = comparison.ratio(Contender(.static), to: Contender(.rsspp), floor: 1) { $0.moves }
    #expect(statics != nil && statics! < 1)
    #expect(comparison.ratio(Contender(.static), to: Contender(.static), floor: 1) { $0.moves } == nil,
            "no moves on either side: nothing to compare")
}
