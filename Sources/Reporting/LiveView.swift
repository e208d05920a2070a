import RSSRecords

/// `rss-report --follow`'s screen: what the live record stream (load, plan and migrated
/// records) says about the device of its last load or plan record, as lines of text no wider
/// than asked. It keeps the same account of the stream as the Prometheus metrics.
public struct LiveView {
    private var stream = PrometheusExporter()

    public init() {}

    /// Reads one record line; records of other types pass by.
    public mutating func add(_ line: some Collection<UInt8>, number: Int) throws(RecordError) {
        try stream.add(line, number: number)
    }

    /// Counts an error the records themselves do not show, such as a line skipped as invalid.
    public mutating func count(_ kind: StreamErrorKind) {
        stream.count(kind)
    }

    /// The screen, `width` columns wide (at least `minimumWidth`): a heading, a load bar per
    /// queue with one core's worth of load filling the bar and a `+` past its end for more, the
    /// latest moves newest first, then owners of flow state and errors when there are any.
    public func frame(width: Int) -> [String] {
        let width = max(width, Self.minimumWidth)
        guard let (device, metrics) = stream.current else { return ["waiting for records"] }
        var lines = ["device \(device.isEmpty ? "-" : device)  time \(metrics.time.map(recordNumber) ?? "-")"]
        var counts = "plans \(metrics.plans) (\(metrics.plansApplied) applied)  moves \(metrics.moves)"
        if let active = metrics.activeQueues { counts += "  active \(active.count)/\(metrics.queues)" }
        lines.append(counts)
        lines.append("imbalance before \(metrics.imbalanceBefore.map { fixed($0) } ?? "-")"
                     + " after \(metrics.imbalanceAfter.map { fixed($0) } ?? "-")")
        let latencies = [("solve", metrics.solveSeconds), ("apply", metrics.applyLatency)].compactMap { name, seconds in
            seconds.map { "\(name) \(fixed($0 * 1e3)) ms" }
        }
        if !latencies.isEmpty { lines.append(latencies.joined(separator: "  ")) }
        lines += loadBars(metrics.queueLoad, active: metrics.activeQueues, width: width)
        lines.append(metrics.recentMoves.isEmpty ? "last moves: none" : "last moves:")
        for (move, time) in metrics.recentMoves.reversed() {
            lines.append("  bucket \(move.bucket)  \(move.from) -> \(move.to)  time \(time.map(recordNumber) ?? "-")")
        }
        for (socket, owner) in metrics.owners.sorted(by: { $0.key < $1.key }) {
            lines.append("owner \(socket)  acks \(owner.acks)  failures \(owner.failures)  \(fixed(owner.latencySeconds * 1e3)) ms")
        }
        let errors = StreamErrorKind.allCases.compactMap { kind in metrics.errors[kind].map { "\(kind.rawValue) \($0)" } }
        if !errors.isEmpty { lines.append("errors: " + errors.joined(separator: "  ")) }
        return lines.map { String($0.prefix(width)) }
    }

    /// Narrower than this, a bar would have no room.
    public static let minimumWidth = 40

    /// One line per queue: `q<N> |####....|  0.50`, then `+` in place of the space after the bar
    /// for a load over 1, and ` inactive` for a queue the table does not use.
    private func loadBars(_ loads: [Double], active: [Int]?, width: Int) -> [String] {
        let labelWidth = "q\(max(loads.count - 1, 0)) ".count
        let valueWidth = 5
        let cells = width - labelWidth - "||+ ".count - valueWidth - " inactive".count
        return loads.enumerated().map { queue, load in
            let filled = min(cells, Int((load * Double(cells)).rounded()))
            let value = fixed(load, 2)
            var line = "q\(queue)".padding(to: labelWidth) + "|" + String(repeating: "#", count: filled)
                + String(repeating: ".", count: cells - filled) + "|" + (load > 1 ? "+" : " ") + " "
                + String(repeating: " ", count: max(0, valueWidth - value.count)) + value
            if let active, !active.contains(queue) { line += " inactive" }
            return line
        }
    }
}
