import Benchmarks
import Testing

@Test func theTargetTableSaysNoWhereAValueIsOverItsLimit() {
    let rows = markdownTable([
        TargetCheck(name: "over both", value: 0.7, must: 0.65, goal: 0.5),
        TargetCheck(name: "over the goal", value: 0.6, must: 0.65, goal: 0.5),
        TargetCheck(name: "at the limits", value: 0.65, must: 0.65, goal: 0.65),
        TargetCheck(name: "without a goal", value: 2, must: 1),
        TargetCheck(name: "nothing measured", value: nil, must: 1, goal: 1),
        TargetCheck(name: "over a zero", value: .infinity, must: 1, goal: 1, zeroBaseline: "rsspp drops nothing"),
    ]).split(separator: "\n")
    #expect(rows[0] == "| target | measured | must | goal | must met | goal met |")
    #expect(rows[2] == "| over both | 0.700× | ≤ 0.65× | ≤ 0.50× | **no** | **no** |")
    #expect(rows[3] == "| over the goal | 0.600× | ≤ 0.65× | ≤ 0.50× | yes | **no** |")
    #expect(rows[4] == "| at the limits | 0.650× | ≤ 0.65× | ≤ 0.65× | yes | yes |")
    #expect(rows[5] == "| without a goal | 2.000× | ≤ 1.00× | – | **no** | – |")
    #expect(rows[6] == "| nothing measured | nothing to compare | ≤ 1.00× | ≤ 1.00× | yes | yes |")
    #expect(rows[7] == "| over a zero | rsspp drops nothing | ≤ 1.00× | ≤ 1.00× | **no** | **no** |")
}

@Test func droppedWorkIsComparedAsSumsOverAllRuns() throws {
    let workloads = Workload.tuning.filter { ["overload", "hot-bucket"].contains($0.name) }
    let comparison = try PlannerComparison(workloads: workloads, seeds: [1, 2], epochs: 40,
                                           contenders: [Contender(.static), Contender(.rsspp)])
    let perRun = zip(comparison.runs(of: Contender(.static)), comparison.runs(of: Contender(.rsspp)))
        .map { ($0.summary.droppedWork, $1.summary.droppedWork) }
    let (ours, theirs) = perRun.reduce((0.0, 0.0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    #expect(perRun.count == 4 && theirs > 0)
    let check = comparison.targets(default: .static).first { $0.name.hasPrefix("dropped work") }
    #expect(check?.value.map { abs($0 / (ours / theirs) - 1) < 1e-12 } == true, "\(String(describing: check)) \(perRun)")
    #expect(comparison.totalRatio(Contender(.rsspp), to: Contender(.static)) { _ in 0 } == nil,
            "no drops on either side: nothing to compare")
}

@Test func fewBucketWorkloadsHaveTheBucketsPerQueueTheyClaim() throws {
    let claims = ["8-per-queue": 8, "4-per-queue": 4, "8-per-queue-8q": 8, "8-per-queue-64q": 8, "4-per-queue-16q": 4]
    for (name, perQueue) in claims {
        let workload = try #require((Workload.tuning + Workload.heldOut).first { $0.name == name }, "\(name)")
        #expect(workload.tableSize % workload.queues == 0 && workload.tableSize / workload.queues == perQueue, "\(name)")
        #expect(workload.summary.contains("\(perQueue) buckets per queue"), "\(name)")
    }
}

@Test func workloadNamesAreUniqueAcrossBothSets() {
    let names = (Workload.tuning + Workload.heldOut).map(\.name)
    #expect(Set(names).count == names.count)
}
