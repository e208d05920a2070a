@testable import Planning
import RSSRecords
import Testing

@Test(arguments: Algorithm.allCases)
func sessionResetsWhenTheDeviceIsReconfigured(algorithm: Algorithm) {
    let before = record(reta: [0, 0, 1, 1], packets: [300, 100, 100, 100], load: [0.8, 0.2])
    let after = record(reta: [0, 1, 2, 0, 1, 2], packets: [300, 100, 100, 10, 10, 10], load: [0.9, 0.3, 0.3])
    var continued = algorithm.planner(options: PlannerOptions())
    _ = continued.plan(before)
    _ = continued.plan(before)
    var fresh = algorithm.planner(options: PlannerOptions())
    var (a, b) = (continued.plan(after), fresh.plan(after))
    (a.solveMicroseconds, b.solveMicroseconds) = (0, 0)
    #expect(a == b)
}

@Test(arguments: Algorithm.allCases)
func planCarriesTheRecordsIdentityAndExactMoves(algorithm: Algorithm) {
    let input = LoadRecord(time: 12.5, device: "file:/tmp/nic.json", source: "sim:steady", queues: 2,
                           reta: [0, 0, 1, 1], packets: [300, 100, 100, 100], load: [0.8, 0.2])
    var planner = algorithm.planner(options: PlannerOptions())
    let plan = planner.plan(input)
    #expect(plan.time == 12.5 && plan.device == "file:/tmp/nic.json" && plan.source == "sim:steady")
    #expect(plan.queues == 2)
    #expect(plan.moves == changedEntries(from: input.reta, to: plan.reta))
    #expect(plan.loadBefore == [0.8, 0.2])
    #expect(abs(plan.imbalanceBefore - 0.6) < 1e-9)
}

@Test func staticNeverMoves() {
    let plan = plans(StaticTable.self, [record(reta: [0, 0, 1, 1], packets: [300, 100, 100, 100], load: [0.8, 0.2])])[0]
    #expect(plan.moves.isEmpty)
    #expect(plan.reta == [0, 0, 1, 1])
}

@Test func heapPopsLargestFirstAndTiesByLowestID() {
    var heap = PriorityHeap<Double>()
    for (key, id) in [(0.5, 3), (0.9, 1), (0.5, 0), (0.1, 2), (0.9, 4)] { heap.push(key, id) }
    var order: [Int] = []
    while let entry = heap.pop() { order.append(entry.id) }
    #expect(order == [1, 4, 0, 3, 2])
}
