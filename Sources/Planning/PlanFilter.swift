import RSSRecords
import ToolSupport

/// What `rss-plan` does with one input line: parse and validate the load record, plan it, and
/// give back the plan record's line (nil when `--changes-only` drops a plan that moves nothing).
public struct PlanFilter {
    private let algorithm: Algorithm
    private var planner: any RecordPlanner
    /// The history `--state` read, waiting for the first record to show that it fits.
    private var saved: SavedPlanner?
    /// What the caller should tell the operator, taken with `takeNotice()`.
    private var notice: String?
    private let changesOnly: Bool
    private let ignoreLoad: Bool

    /// With `ignoreLoad`, records are balanced by their packets even when they carry CPU load:
    /// for cores whose busy time does not follow their packets (virtual machines, busy polling).
    /// With `saved`, planning goes on from that history if the first record has the table size
    /// and queue count it was saved for; otherwise it starts afresh and leaves a notice saying so.
    public init(algorithm: Algorithm, options: PlannerOptions, changesOnly: Bool = false, ignoreLoad: Bool = false,
                restoring saved: SavedPlanner? = nil) {
        self.algorithm = algorithm
        planner = algorithm.planner(options: options)
        self.saved = saved
        self.changesOnly = changesOnly
        self.ignoreLoad = ignoreLoad
    }

    /// Replaces `file` with the history so far; leaves it as it is when no record was planned.
    public func save(to file: PlannerStateFile) throws(ToolFailure) {
        try file.save(planner, as: algorithm)
    }

    /// The notice left by the last `process`, once.
    public mutating func takeNotice() -> String? { notice.take() }

    public mutating func process(_ line: some Collection<UInt8>, lineNumber: Int) throws(RecordError) -> [UInt8]? {
        var record = try LoadRecord(jsonLine: line, lineNumber: lineNumber)
        if ignoreLoad { record.load = nil }
        if let saved = saved.take() {
            if let mismatch = saved.mismatch(record.reta.count, record.queues) {
                notice = mismatch
            } else {
                planner = saved.planner
            }
        }
        let plan = planner.plan(record)
        if changesOnly && plan.isNoOp { return nil }
        return plan.jsonLine()
    }
}
