import RSSRecords

/// One tab-separated line per load record, for plotting: epoch, per-queue load, imbalance.
public func seriesLine(epoch: Int, _ record: LoadRecord) -> String {
    let load = record.queueLoad
    return ([String(epoch)] + load.map { String($0) } + [String(imbalance(load, over: record.queuesInUse))])
        .joined(separator: "\t")
}

public func seriesHeader(queues: Int) -> String {
    (["epoch"] + (0..<queues).map { "queue\($0)" } + ["imbalance"]).joined(separator: "\t")
}
