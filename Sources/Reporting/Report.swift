/// Renders summaries side by side as a plain-text table, one column per run.
public func renderComparison(_ runs: [(name: String, summary: LoadSummary)]) -> String {
    let queues = runs.map(\.summary.queues).max() ?? 0
    var rows: [[String]] = [[""] + runs.map(\.name)]
    rows.append(["epochs"] + runs.map { String($0.summary.epochs) })
    for queue in 0..<queues {
        rows.append(["queue \(queue) mean load"] + runs.map { run in
            queue < run.summary.queues ? fixed(run.summary.meanLoad[queue]) : "-"
        })
    }
    rows.append(["imbalance, mean"] + runs.map { fixed($0.summary.meanImbalance) })
    rows.append(["imbalance, p95"] + runs.map { fixed($0.summary.p95Imbalance) })
    rows.append(["epochs with a saturated core"] + runs.map { String($0.summary.saturatedEpochs) })
    rows.append(["table changes"] + runs.map { String($0.summary.tableChanges) })
    rows.append(["entries moved"] + runs.map { String($0.summary.entriesMoved) })
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { column, cell in
            column == 0 ? cell.padding(to: widths[0]) : String(repeating: " ", count: widths[column] - cell.count) + cell
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

/// `value` with exactly `digits` decimals (up to 4).
func fixed(_ value: Double, _ digits: Int = 3) -> String {
    let scale = [1.0, 10, 100, 1000, 10000][digits]
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        text += String(repeating: "0", count: max(0, digits - decimals))
    } else {
        text += "." + String(repeating: "0", count: digits)
    }
    return text
}

extension String {
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
