import Planning
import RSSRecords
import Testing

private let lopsided = Array(#"{"type":"load","v":1,"queues":2,"reta":[0,0,1,1],"packets":[300,100,100,100],"load":[0.8,0.2]}"#.utf8)
private let even = Array(#"{"type":"load","v":1,"queues":2,"reta":[0,1,0,1],"packets":[100,100,100,100],"load":[0.5,0.5]}"#.utf8)

@Test func filterWritesAPlanLine() throws {
    var filter = PlanFilter(algorithm: .rsspp, options: PlannerOptions())
    let line = try #require(try filter.process(lopsided, lineNumber: 1))
    #expect(line.last == 0x0a)
    let plan = try PlanRecord(jsonLine: line, lineNumber: 1)
    #expect(plan.moves == [Move(bucket: 1, from: 0, to: 1)])
}

@Test func filterDropsNoOpPlansOnlyWhenAsked() throws {
    var all = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
    #expect(try all.process(even, lineNumber: 1) != nil)
    var changesOnly = PlanFilter(algorithm: .adaptive, options: PlannerOptions(), changesOnly: true)
    #expect(try changesOnly.process(lopsided, lineNumber: 1) != nil)
    #expect(try changesOnly.process(even, lineNumber: 2) == nil)
}

@Test func ignoringLoadBalancesPackets() throws {
    // Packets say queue 0 carries 400 of 600; the cores' load says the opposite.
    let misleading = Array(#"{"type":"load","v":1,"queues":2,"reta":[0,0,1,1],"packets":[300,100,100,100],"load":[0.1,0.9]}"#.utf8)
    var byLoad = PlanFilter(algorithm: .rsspp, options: PlannerOptions())
    var byPackets = PlanFilter(algorithm: .rsspp, options: PlannerOptions(), ignoreLoad: true)
    let loadPlan = try PlanRecord(jsonLine: #require(try byLoad.process(misleading, lineNumber: 1)), lineNumber: 1)
    let packetPlan = try PlanRecord(jsonLine: #require(try byPackets.process(misleading, lineNumber: 1)), lineNumber: 1)
    #expect(loadPlan.moves.allSatisfy { $0.from == 1 })
    #expect(packetPlan.moves == [Move(bucket: 1, from: 0, to: 1)])
    #expect(zip(packetPlan.loadBefore, [2.0 / 3, 1.0 / 3]).allSatisfy { abs($0 - $1) < 1e-12 })
}

@Test func filterNamesTheLineAndFieldOfABadRecord() {
    var filter = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
    let bad = Array(#"{"type":"load","v":1,"queues":2,"reta":[0,0,1,1],"packets":[1,1,1,1],"load":[0.8,1.5]}"#.utf8)
    #expect(throws: RecordError(line: 9, field: "load", "entry 1 is 1.5; loads are in [0, 1]")) {
        try filter.process(bad, lineNumber: 9)
    }
}
