import RSSRecords
import ToolSupport

/// What `rss-apply` does with a plan made from a table the device no longer has (its moves are
/// not the change from the device's table): the counter ran ahead, or another writer changed it.
public enum StalePlanPolicy: String, CaseIterable, Sendable {
    /// Leave the device's table as it is and pass the plan on without `applied`.
    case refuse
    /// Write the plan's table and pass on, as its `moves`, the entries that changed.
    case rebase
}

/// What `rss-apply` does with each plan line: validate it against its target, write the table,
/// re-emit the line with `applied` added. A plan that breaks the contract or does not fit its
/// target is a `RecordError` (nothing written); a stale plan is refused or rebased, as chosen;
/// a target that cannot be read or written is a `TargetError`, which ends the run with the old
/// table in place; a target another process writes is a `ToolFailure` (status 75), found when
/// the target is first named. Every record passed on with `applied` has as its `moves` exactly
/// the entries that changed on the device.
public struct PlanApplier {
    /// Where every table goes; nil to use each plan's `device`.
    private let fixedTarget: (any TableTarget)?
    private let dryRun: Bool
    private let stalePlan: StalePlanPolicy
    private let options: TargetOptions
    /// With `--restore-on-exit`: every target goes through it.
    private let restorer: TableRestorer?
    private let clock: () -> Double
    /// Where a refused stale plan is reported (stderr).
    private let report: (String) -> Void
    private var targets: [String: any TableTarget] = [:]
    /// The locks that make this process the only writer of its targets.
    private var claims: [FileLock] = []
    /// Per device, the `time` of the last plan written by this process.
    private var lastPlanTime: [String: Double] = [:]

    public init(target: String? = nil, dryRun: Bool = false, stalePlan: StalePlanPolicy = .refuse,
                options: TargetOptions = TargetOptions(), restorer: TableRestorer? = nil,
                clock: @escaping () -> Double = unixTime, report: @escaping (String) -> Void = diagnose) throws {
        self.dryRun = dryRun
        self.stalePlan = stalePlan
        self.options = options
        self.restorer = restorer
        self.clock = clock
        self.report = report
        fixedTarget = try target.map { device throws(TargetError) in
            try PlanApplier.makeTarget(device, options: options, restorer: restorer)
        }
        if let fixedTarget { try claim(fixedTarget) }
    }

    /// The line to write for plan `line` (number `number` of the input), `\n`-terminated.
    public mutating func apply(_ line: ArraySlice<UInt8>, number: Int) throws -> [UInt8] {
        let plan = try PlanRecord(jsonLine: line, lineNumber: number)
        // A plan without moves asks for no write, unless rebasing finds it stale: then the
        // planner's table must win, as for any stale plan.
        if plan.isNoOp && stalePlan == .refuse { return Array(line) + [0x0a] }
        let target = try self.target(for: plan, line: number)
        // A signal waits until the table is written and checked, or refused.
        return try Termination.deferring { () throws -> [UInt8] in
            let table = try target.read()
            try check(plan, line: number, against: table, of: target)
            var record = Array(line) + [0x0a]
            if let stale = staleness(of: plan, against: table.reta, on: target.device) {
                if stalePlan == .refuse {
                    report("line \(number): \(stale); table not written (--stale-plan refuse)")
                    return record
                }
                let moves = Move.between(table.reta, plan.reta)
                record = try PlanRecord.rebasing(line, moves: moves)
                if moves.isEmpty { return record }
            } else if plan.isNoOp {
                return record
            }
            if dryRun { return record }
            try target.write(plan.reta, planTime: plan.time)
            if let time = plan.time { lastPlanTime[target.device] = time }
            return PlanRecord.markingApplied(record, at: clock())
        }
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

/// Why `plan` is stale on `device`, whose table is `reta`: the first bucket the plan was made with
/// on another queue; nil when its moves are exactly the change from `reta` (the parser saw to it
/// that they are the change from the table the plan was made from).
func staleness(of plan: PlanRecord, against reta: [Int], on device: String) -> String? {
    let madeFrom = plan.tableMadeFrom
    guard let bucket = madeFrom.indices.first(where: { madeFrom[$0] != reta[$0] }) else { return nil }
    return "stale plan: made with bucket \(bucket) on queue \(madeFrom[bucket]); \(device) has it on queue \(reta[bucket])"
}

extension PlanRecord {
    /// The table the plan was made from: its own, with each moved bucket where it came from.
    var tableMadeFrom: [Int] {
        var table = reta
        for move in moves { table[move.bucket] = move.from }
        return table
    }
}
