import RSSRecords

/// What `rss-plan` does with one input line: parse and validate the load record, plan it, and
/// give back the plan record's line (nil when `--changes-only` drops a plan that moves nothing).
public struct PlanFilter {
    private var planner: any RecordPlanner
    private let changesOnly: Bool

    public init(algorithm: Algorithm, options: PlannerOptions, changesOnly: Bool = false) {
        planner = algorithm.planner(options: options)
        self.changesOnly = changesOnly
    }

    public mutating func process(_ line: some Collection<UInt8>, lineNumber: Int) throws(RecordError) -> [UInt8]? {
        let record = try LoadRecord(jsonLine: line, lineNumber: lineNumber)
        let plan = planner.plan(record)
        if changesOnly && plan.isNoOp { return nil }
        return plan.jsonLine()
    }
}
