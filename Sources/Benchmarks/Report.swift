import NICSim
import Planning

/// A target of the issue: a measured value (mostly a ratio against RSS++) that must not exceed
/// `must`, and should not exceed `goal` where one is set; nil when there was nothing to measure
/// (no overload on either side), infinite when RSS++ is at zero and ours is not.
public struct TargetCheck: Sendable {
    public var name: String
    public var value: Double?
    public var must: Double
    public var goal: Double?
    public var unit: String
    /// Said for an infinite ratio, which no limit meets: what is zero.
    public var zeroBaseline: String

    public init(name: String, value: Double?, must: Double, goal: Double? = nil, unit: String = "×",
                zeroBaseline: String = "rsspp is at 0") {
        self.name = name
        self.value = value
        self.must = must
        self.goal = goal
        self.unit = unit
        self.zeroBaseline = zeroBaseline
    }

    public var mustMet: Bool { value.map { $0 <= must } ?? true }
    /// nil when the target has no goal.
    public var goalMet: Bool? { goal.map { goal in value.map { $0 <= goal } ?? true } }
}

/// The targets as a Markdown table.
public func markdownTable(_ checks: [TargetCheck]) -> String {
    func limit(_ value: Double?, _ unit: String) -> String { value.map { "≤ \(format($0, 2))\(unit)" } ?? "–" }
    func met(_ met: Bool?) -> String { met.map { $0 ? "yes" : "**no**" } ?? "–" }
    var text = "| target | measured | must | goal | must met | goal met |\n|---|---:|---:|---:|---|---|\n"
    for check in checks {
        let measured = check.value.map { $0 == .infinity ? check.zeroBaseline : format($0, 3) + check.unit }
            ?? "nothing to compare"
        text += "| \(check.name) | \(measured) | \(limit(check.must, check.unit)) | \(limit(check.goal, check.unit))"
        text += " | \(met(check.mustMet)) | \(met(check.goalMet)) |\n"
    }
    return text
}

extension PlannerComparison {
    /// The ratio targets of the default algorithm against RSS++, without and with autoscale.
    public func targets(default ours: Algorithm = .standard) -> [TargetCheck] {
        let (plain, rsspp) = (Contender(ours), Contender(.rsspp))
        let (scaled, rssppScaled) = (Contender(ours, autoscale: true), Contender(.rsspp, autoscale: true))
        var checks = [
            TargetCheck(name: "mean imbalance / rsspp", value: ratio(plain, to: rsspp, floor: 1e-3) { $0.meanImbalance },
                        must: 0.85, goal: 0.80),
            TargetCheck(name: "p95 imbalance / rsspp", value: ratio(plain, to: rsspp, floor: 1e-3) { $0.p95Imbalance },
                        must: 0.90, goal: 0.85),
            TargetCheck(name: "overload / rsspp", value: ratio(plain, to: rsspp, floor: 1e-3) { $0.overload },
                        must: 0.65, goal: 0.5),
            TargetCheck(name: "moves / rsspp", value: ratio(plain, to: rsspp, floor: 1) { $0.moves }, must: 1, goal: 1),
            TargetCheck(name: "traffic moved / rsspp",
                        value: ratio(plain, to: rsspp, floor: 1e-4) { $0.movedShare }, must: 1, goal: 1),
            TargetCheck(name: "moves / rsspp, worst workload",
                        value: scenarios.compactMap { scenario in
                            ratio(plain, to: rsspp, scenario: scenario, floor: 1) { $0.moves }
                        }.max(), must: 1.5, goal: 1.5),
            TargetCheck(name: "dropped work / rsspp (sums over all runs)",
                        value: totalRatio(plain, to: rsspp) { $0.droppedWork }, must: 0.65, goal: 0.5,
                        zeroBaseline: "rsspp drops nothing"),
        ]
        if contenders.contains(scaled), contenders.contains(rssppScaled) {
            checks += [
                TargetCheck(name: "active cores / rsspp (both --autoscale)",
                            value: ratio(scaled, to: rssppScaled, floor: 1e-3) { $0.meanActive }, must: 1, goal: 0.97),
                TargetCheck(name: "overload / rsspp (both --autoscale)",
                            value: ratio(scaled, to: rssppScaled, floor: 1e-3) { $0.overload }, must: 0.5, goal: 0.5),
                TargetCheck(name: "traffic moved / rsspp (both --autoscale)",
                            value: ratio(scaled, to: rssppScaled, floor: 1e-4) { $0.movedShare }, must: 1, goal: 1),
            ]
        }
        return checks
    }

    /// How the comparison was run and what its numbers mean.
    public func markdownSetup() -> String {
        var text = """
            \(scenarios.count) workloads × \(seeds.count) seeds × \(epochs) epochs of \
            \(format(TrafficTrace.defaultInterval, 1)) s at \(format(TrafficTrace.defaultCost, 0)) ns per packet of mean \
            cost unless a workload says otherwise; every planner is replayed on the same traffic, and the plan computed from epoch t is in force \
            from epoch t + 1. Loads are true demand in cores, not capped at 1. Imbalance = max/mean − 1 over the \
            active queues; overload = Σ of demand above 1 core per epoch (a drop proxy); moves = table entries \
            changed over a run; traffic moved = packets of moved buckets in the epoch after the move, over all \
            packets. Latency and drops come from a queue per core: each epoch a core serves at most one core of \
            work and carries the rest as backlog into the next, up to a ring of \(Int(QueueModel.ringPackets)) \
            packets (carried in packets at the cost they were built with) beyond which work is dropped. Packets \
            arrive evenly over an epoch, and the backlog runs a straight path through it (down to empty at \
            1 − demand a second, or up to the ring at demand − 1); a packet waits for the backlog in front of it \
            when it arrives plus an M/D/1 wait at the epoch's utilisation (capped at \
            \(format(QueueModel.saturation, 3))) with the core's mean packet cost as service time, or, when it finds \
            the ring full and gets in, the ring alone. A moved bucket's packets first wait until their old core has \
            served what was queued before the switch (the owner library's handover). Latency percentiles are over \
            the packets served, not those dropped, taken \(QueueModel.slices) slices to each stretch of an epoch where \
            the wait changes. Ratios are geometric means over \
            scenarios and seeds of one run's number over rsspp's on the same traffic; a floor (0.001 for \
            imbalance, overload and active cores, 0.0001 for traffic moved, 1 for moves) is added to both sides \
            so that zeros do not decide the mean, and run pairs where both stay under it are left out. Dropped \
            work is compared as sums over all runs, so that the runs that drop most weigh most.

            | workload | queues | R | traffic |
            |---|---:|---:|---|

            """
        for workload in workloads {
            text += "| \(workload.name) | \(workload.queues) | \(workload.tableSize) | \(workload.summary) |\n"
        }
        return text
    }

    /// Scenarios where `ours` is not clearly ahead of RSS++ on some measure, said plainly.
    public func markdownShortfalls(default ours: Algorithm = .standard) -> String {
        var lines: [String] = []
        for scenario in scenarios {
            func compare(_ what: String, _ a: Contender, _ b: Contender, above limit: Double, floor: Double,
                         _ metric: (RunSummary) -> Double) {
                guard contenders.contains(a), contenders.contains(b) else { return }
                let (x, y) = (average(a, scenario: scenario, metric), average(b, scenario: scenario, metric))
                guard max(x, y) >= floor, (x + floor) / (y + floor) > limit else { return }
                lines.append("- \(scenario): \(what) \(format(x, 3)) against \(format(y, 3)) "
                             + "(\(format((x + floor) / (y + floor), 2))×)")
            }
            let (plain, rsspp) = (Contender(ours), Contender(.rsspp))
            let (scaled, rssppScaled) = (Contender(ours, autoscale: true), Contender(.rsspp, autoscale: true))
            compare("mean imbalance", plain, rsspp, above: 0.95, floor: 1e-3) { $0.meanImbalance }
            compare("moves", plain, rsspp, above: 1, floor: 1) { $0.moves }
            compare("traffic moved (% of packets)", plain, rsspp, above: 1, floor: 1e-2) { 100 * $0.movedShare }
            compare("dropped work (CPU ms)", plain, rsspp, above: 1, floor: 1e-3) { $0.droppedWork * 1e3 }
            compare("overload", plain, rsspp, above: 1, floor: 1e-3) { $0.overload }
            compare("active cores with --autoscale", scaled, rssppScaled, above: 1, floor: 1e-3) { $0.meanActive }
            compare("overload with --autoscale", scaled, rssppScaled, above: 1, floor: 1e-3) { $0.overload }
        }
        guard !lines.isEmpty else { return "Nowhere.\n" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per-scenario averages over seeds, one row per contender.
    public func markdownTables(level: String = "###") -> String {
        var text = ""
        for workload in workloads {
            let scenario = workload.name
            text += "\(level) \(scenario) (\(workload.queues) queues, R=\(workload.tableSize)): \(workload.summary)"
            let floor = average(Contender(.static), scenario: scenario, \.imbalanceFloor)
            text += "\n\nNo table can do better than the largest bucket: mean imbalance floor "
                + "\(format(floor, 3)) with every queue in use.\n"
            text += "\n| planner | mean imbalance | p95 imbalance | p95 latency (µs) | p99 latency (µs) | dropped packets"
            text += " | overload (cores) | moves | traffic moved | active queues |\n"
            text += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for contender in contenders {
                func average(_ metric: (RunSummary) -> Double) -> Double {
                    self.average(contender, scenario: scenario, metric)
                }
                text += "| \(contender.name) | \(format(average(\.meanImbalance), 3)) | \(format(average(\.p95Imbalance), 3))"
                text += " | \(format(average(\.p95Latency), 1)) | \(format(average(\.p99Latency), 1))"
                text += " | \(format(100 * average(\.droppedShare), 3))%"
                text += " | \(format(average(\.overload), 4)) | \(format(average(\.moves), 1))"
                text += " | \(format(100 * average(\.movedShare), 2))% | \(format(average(\.meanActive), 2)) |\n"
            }
            text += "\n"
        }
        return text
    }

}

extension SolveTimes {
    /// Solve time against RSS++'s over the grid, and the absolute limit at R=512 with 16 queues.
    public func targets(default ours: Algorithm = .standard) -> [TargetCheck] {
        var checks = [TargetCheck(name: "median solve time / rsspp (geometric mean over the grid)",
                                  value: medianRatio(Contender(ours), to: Contender(.rsspp)), must: 1, goal: 1)]
        if let cell = cell(Contender(ours), tableSize: 512, queues: 16) {
            checks.append(TargetCheck(name: "median solve time at R=512, 16 queues", value: cell.median, must: 50,
                                      goal: 50, unit: " µs"))
        }
        return checks
    }

    public func markdownTable(contenders: [Contender]) -> String {
        var text = "| R | queues |" + contenders.map { " \($0.name) median / p99 (µs) |" }.joined() + "\n"
        text += "|---:|---:|" + String(repeating: "---:|", count: contenders.count) + "\n"
        let shapes = cells.map { [$0.tableSize, $0.queues] }.reduce(into: [[Int]]()) { if !$0.contains($1) { $0.append($1) } }
        for shape in shapes {
            text += "| \(shape[0]) | \(shape[1]) |"
            for contender in contenders {
                guard let cell = cell(contender, tableSize: shape[0], queues: shape[1]) else { text += " – |"; continue }
                text += " \(format(cell.median, 1)) / \(format(cell.p99, 1)) |"
            }
            text += "\n"
        }
        return text
    }
}

/// `value` with `digits` decimals.
func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(abs(scaled).truncatingRemainder(dividingBy: scale))
    guard digits > 0 else { return "\(Int(scaled))" }
    let sign = scaled < 0 && whole == 0 ? "-" : ""
    let digitsText = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - digitsText.count) + digitsText
}
