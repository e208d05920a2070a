import RSSRecords

/// Per-epoch load of runs of load records, for plotting: one tab-separated table with a header
/// line, then a line per record: the run, the epoch, each queue's load and the imbalance. A run
/// with fewer queues than the widest leaves the cells of the queues it lacks empty.
public struct Series {
    private var rows: [(run: String, epoch: Int, load: [Double], imbalance: Double)] = []

    public init() {}

    public mutating func add(run: String, epoch: Int, _ record: LoadRecord) {
        let load = record.queueLoad
        rows.append((run, epoch, load, imbalance(load, over: record.queuesInUse)))
    }

    public var text: String {
        let queues = rows.map(\.load.count).max() ?? 0
        var lines = [(["run", "epoch"] + (0..<queues).map { "queue\($0)" } + ["imbalance"]).joined(separator: "\t")]
        for row in rows {
            let cells = (0..<queues).map { $0 < row.load.count ? String(row.load[$0]) : "" }
            lines.append(([row.run, String(row.epoch)] + cells + [String(row.imbalance)]).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
