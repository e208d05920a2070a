import NICSim
import Planning

/// A target of the issue: a ratio against RSS++ that must not exceed `limit`.
public struct TargetCheck: Sendable {
    public var name: String
    public var ratio: Double?
    public var limit: Double
    public var met: Bool { ratio.map { $0 <= limit } ?? true }
}

extension PlannerComparison {
    /// The ratio targets of the default algorithm against RSS++, without and with autoscale.
    public func targets(default ours: Algorithm = .standard) -> [TargetCheck] {
        let (plain, rsspp) = (Contender(ours), Contender(.rsspp))
        let (scaled, rssppScaled) = (Contender(ours, autoscale: true), Contender(.rsspp, autoscale: true))
        var checks = [
            TargetCheck(name: "mean imbalance", ratio: ratio(plain, to: rsspp, floor: 1e-3) { $0.meanImbalance },
                        limit: 0.80),
            TargetCheck(name: "p95 imbalance", ratio: ratio(plain, to: rsspp, floor: 1e-3) { $0.p95Imbalance },
                        limit: 0.85),
            TargetCheck(name: "overload", ratio: ratio(plain, to: rsspp, floor: 1e-3) { $0.overload }, limit: 0.5),
            TargetCheck(name: "moves", ratio: ratio(plain, to: rsspp, floor: 1) { $0.moves }, limit: 1.0),
        ]
        if contenders.contains(scaled), contenders.contains(rssppScaled) {
            checks += [
                TargetCheck(name: "active cores (autoscale)",
                            ratio: ratio(scaled, to: rssppScaled, floor: 1e-3) { $0.meanActive }, limit: 1.0),
                TargetCheck(name: "overload (autoscale)",
                            ratio: ratio(scaled, to: rssppScaled, floor: 1e-3) { $0.overload }, limit: 0.5),
            ]
        }
        return checks
    }

    /// Per-scenario averages over seeds, one row per contender.
    public func markdownTables() -> String {
        var text = ""
        for scenario in scenarios {
            let info = try? Scenarios.info(scenario)
            text += "### \(scenario)"
            if let info { text += " (\(info.queues) queues, R=\(info.tableSize)): \(info.summary)" }
            text += "\n\n| planner | mean imbalance | p95 imbalance | overload (cores) | moves | traffic moved | active queues |\n"
            text += "|---|---:|---:|---:|---:|---:|---:|\n"
            for contender in contenders {
                let summaries = runs(of: contender, scenario: scenario).map(\.summary)
                func average(_ metric: (RunSummary) -> Double) -> Double { mean(summaries.map(metric)) }
                text += "| \(contender.name) | \(format(average(\.meanImbalance), 3)) | \(format(average(\.p95Imbalance), 3))"
                text += " | \(format(average(\.overload), 4)) | \(format(average(\.moves), 1))"
                text += " | \(format(100 * average(\.movedShare), 2))% | \(format(average(\.meanActive), 2)) |\n"
            }
            text += "\n"
        }
        return text
    }

    public func markdownTargets(default ours: Algorithm = .standard) -> String {
        var text = "| ratio of \(ours.rawValue) to rsspp (geometric mean) | measured | target | met |\n|---|---:|---:|---|\n"
        for check in targets(default: ours) {
            let measured = check.ratio.map { format($0, 3) + "×" } ?? "no overload on either side"
            text += "| \(check.name) | \(measured) | ≤ \(format(check.limit, 2))× | \(check.met ? "yes" : "**no**") |\n"
        }
        return text
    }
}

extension SolveTimes {
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
        if let ours = contenders.first(where: { $0.algorithm == .standard }), contenders.contains(Contender(.rsspp)) {
            text += "\nMedian solve time of \(ours.name) over rsspp's, geometric mean over the grid: "
            text += format(medianRatio(ours, to: Contender(.rsspp)), 3) + "×\n"
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
