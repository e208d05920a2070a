import RSSRecords

/// What `rss-apply` does with each plan line: validate it against its target, write the table,
/// re-emit the line with `applied` added. A plan that breaks the contract or does not fit its
/// target is a `RecordError` (nothing written); a target that cannot be read or written is a
/// `TargetError`, which ends the run with the old table in place.
public struct PlanApplier {
    /// Where every table goes; nil to use each plan's `device`.
    private let fixedTarget: (any TableTarget)?
    private let dryRun: Bool
    private let options: TargetOptions
    /// With `--restore-on-exit`: every target goes through it.
    private let restorer: TableRestorer?
    private let clock: () -> Double
    private var targets: [String: any TableTarget] = [:]

    public init(target: String? = nil, dryRun: Bool = false, options: TargetOptions = TargetOptions(),
                restorer: TableRestorer? = nil, clock: @escaping () -> Double = unixTime) throws(TargetError) {
        self.dryRun = dryRun
        self.options = options
        self.restorer = restorer
        self.clock = clock
        fixedTarget = try target.map { device throws(TargetError) in
            try PlanApplier.makeTarget(device, options: options, restorer: restorer)
        }
    }

    /// The line to write for plan `line` (number `number` of the input), `\n`-terminated.
    public mutating func apply(_ line: ArraySlice<UInt8>, number: Int) throws -> [UInt8] {
        let plan = try PlanRecord(jsonLine: line, lineNumber: number)
        if plan.isNoOp { return Array(line) + [0x0a] }
        let target = try self.target(for: plan, line: number)
        let table = try target.read()
        if let problem = target.problem(with: plan.reta, on: table) {
            throw RecordError(line: number, field: "reta", problem)
        }
        if plan.queues != table.queues {
            throw RecordError(line: number, field: "queues", "is \(plan.queues); \(target.device) has "
                + "\(table.queues) queues now (its channel count changed); table not written")
        }
        if dryRun { return Array(line) + [0x0a] }
        try target.write(plan.reta)
        return PlanRecord.markingApplied(line, at: clock())
    }

    private mutating func target(for plan: PlanRecord, line: Int) throws(RecordError) -> any TableTarget {
        if let fixedTarget { return fixedTarget }
        guard let device = plan.device else {
            throw RecordError(line: line, field: "device", "is missing and no TARGET was given")
        }
        if let known = targets[device] { return known }
        do {
            let target = try PlanApplier.makeTarget(device, options: options, restorer: restorer)
            targets[device] = target
            return target
        } catch {
            throw RecordError(line: line, field: "device", error.description)
        }
    }

    private static func makeTarget(_ device: String, options: TargetOptions,
                                   restorer: TableRestorer?) throws(TargetError) -> any TableTarget {
        let target = try tableTarget(device: device, options: options)
        return restorer?.guarding(target) ?? target
    }
}
