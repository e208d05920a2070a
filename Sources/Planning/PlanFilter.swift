import RSSRecords

/// What `rss-plan` does with one input line: parse and validate the load record, plan it, and
/// give back the plan record's line (nil when `--changes-only` drops a plan that moves nothing).
public struct PlanFilter {
    private var planner: any RecordPlanner
    private let changesOnly: Bool
    private let ignoreLoad: Bool

    /// With `ignoreLoad`, records are balanced by their packets even when they carry CPU load:
    /// for cores whose busy time does not follow their packets (virtual machines, busy polling).
    public init(algorithm: Algorithm, options: PlannerOptions, changesOnly: Bool = false, ignoreLoad: Bool = false) {
        planner = algorithm.planner(options: options)
        self.changesOnly = changesOnly
        self.ignoreLoad = ignoreLoad
    }

    public mutating func process(_ line: some Collection<UInt8>, lineNumber: Int) throws(RecordError) -> [UInt8]? {
        var record = try LoadRecord(jsonLine: line, lineNumber: lineNumber)
        if ignoreLoad { record.load = nil }
        let plan = planner.plan(record)
        if changesOnly && plan.isNoOp { return nil }
        return plan.jsonLine()
    }
}
