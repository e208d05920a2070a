import RSSRecords
import ToolSupport

/// What `rss-apply` does with each plan line: validate it against its target, write the table,
/// re-emit the line with `applied` added. A plan that breaks the contract or does not fit its
/// target is a `RecordError` (nothing written); a target that cannot be read or written is a
/// `TargetError`, which ends the run with the old table in place; a target another process
/// writes is a `ToolFailure` (status 75), found when the target is first named.
public struct PlanApplier {
    /// Where every table goes; nil to use each plan's `device`.
    private let fixedTarget: (any TableTarget)?
    private let dryRun: Bool
    private let options: TargetOptions
    /// With `--restore-on-exit`: every target goes through it.
    private let restorer: TableRestorer?
    private let clock: () -> Double
    private var targets: [String: any TableTarget] = [:]
    /// The locks that make this process the only writer of its targets.
    private var claims: [FileLock] = []
    /// Per device, the `time` of the last plan written by this process.
    private var lastPlanTime: [String: Double] = [:]
    /// Per device, the table this process's last write replaced: plans made from it are late,
    /// not wrong. Records come in order, so a plan can only be one write behind.
    private var replaced: [String: [Int]] = [:]

    public init(target: String? = nil, dryRun: Bool = false, options: TargetOptions = TargetOptions(),
                restorer: TableRestorer? = nil, clock: @escaping () -> Double = unixTime) throws {
        self.dryRun = dryRun
        self.options = options
        self.restorer = restorer
        self.clock = clock
        fixedTarget = try target.map { device throws(TargetError) in
            try PlanApplier.makeTarget(device, options: options, restorer: restorer)
        }
        if let fixedTarget { try claim(fixedTarget) }
    }

    /// The line to write for plan `line` (number `number` of the input), `\n`-terminated.
    public mutating func apply(_ line: ArraySlice<UInt8>, number: Int) throws -> [UInt8] {
        let plan = try PlanRecord(jsonLine: line, lineNumber: number)
        if plan.isNoOp { return Array(line) + [0x0a] }
        let target = try self.target(for: plan, line: number)
        // A signal waits until the table is written and checked, or refused.
        let written = try Termination.deferring { () throws -> Bool in
            let table = try target.read()
            try check(plan, line: number, against: table, of: target)
            if let problem = movesProblem(plan.moves, from: table.reta, to: plan.reta, on: target.device) {
                // Made from the table the last write replaced: the pipeline ran one plan behind.
                if replaced[target.device] == plan.tableMadeFrom { return false }
                throw RecordError(line: number, field: "moves", problem + "; table not written")
            }
            if dryRun { return false }
            try target.write(plan.reta, planTime: plan.time)
            replaced[target.device] = table.reta
            if let time = plan.time { lastPlanTime[target.device] = time }
            return true
        }
        return written ? PlanRecord.markingApplied(line, at: clock()) : Array(line) + [0x0a]
    }

    /// Refuses a plan that does not fit `table` or is older than the last one written.
    private func check(_ plan: PlanRecord, line: Int, against table: DeviceTable,
                       of target: any TableTarget) throws(RecordError) {
        if let problem = target.problem(with: plan.reta, on: table) {
            throw RecordError(line: line, field: "reta", problem)
        }
        if plan.queues != table.queues {
            throw RecordError(line: line, field: "queues", "is \(plan.queues); \(target.device) has "
                + "\(table.queues) queues now (its channel count changed); table not written")
        }
        let last = [table.planTime, lastPlanTime[target.device]].compactMap { $0 }.max()
        if let time = plan.time, let last, time < last {
            throw RecordError(line: line, field: "time", "is \(recordNumber(time)), older than the plan applied last "
                + "(time \(recordNumber(last))); table not written")
        }
    }

    private mutating func target(for plan: PlanRecord, line: Int) throws -> any TableTarget {
        if let fixedTarget { return fixedTarget }
        guard let device = plan.device else {
            throw RecordError(line: line, field: "device", "is missing and no TARGET was given")
        }
        if let known = targets[device] { return known }
        let target: any TableTarget
        do {
            target = try PlanApplier.makeTarget(device, options: options, restorer: restorer)
        } catch {
            throw RecordError(line: line, field: "device", error.description)
        }
        try claim(target)
        targets[device] = target
        return target
    }

    /// Makes this process `target`'s only writer (a dry run writes nothing and needs no lock).
    private mutating func claim(_ target: any TableTarget) throws(ToolFailure) {
        guard !dryRun else { return }
        do {
            if let lock = try target.claim() { claims.append(lock) }
        } catch let held as FileLock.Held {
            throw ToolFailure("\(target.device): \(held.holder ?? "another process") is writing its tables; "
                + "one rss-apply per device (\(held.path))", status: ExitStatus.temporaryFailure)
        } catch {
            throw ToolFailure("\(target.device): \(error)")
        }
    }

    private static func makeTarget(_ device: String, options: TargetOptions,
                                   restorer: TableRestorer?) throws(TargetError) -> any TableTarget {
        let target = try tableTarget(device: device, options: options)
        return restorer?.guarding(target) ?? target
    }
}

/// Why `moves` are not exactly the entries where `new` differs from `old`, in bucket order (as
/// rsspp-records(5) defines them), or nil when they are. The parser checked each move's `to`.
func movesProblem(_ moves: [Move], from old: [Int], to new: [Int], on device: String) -> String? {
    let changes = Move.between(old, new)
    if moves == changes { return nil }
    if let stale = moves.first(where: { old[$0.bucket] != $0.from }) {
        return "say bucket \(stale.bucket) leaves queue \(stale.from); \(device) has it on queue "
            + "\(old[stale.bucket]) (the plan was made from another table)"
    }
    let listed = Set(moves.map(\.bucket))
    if let left = changes.first(where: { !listed.contains($0.bucket) }) {
        return "leave out bucket \(left.bucket), which the plan changes from \(left.from) to \(left.to) on \(device)"
    }
    if listed.count < moves.count { return "name a bucket more than once" }
    return "are not in bucket order"
}

extension PlanRecord {
    /// The table the plan was made from: its own, with each moved bucket where it came from.
    var tableMadeFrom: [Int] {
        var table = reta
        for move in moves { table[move.bucket] = move.from }
        return table
    }
}
