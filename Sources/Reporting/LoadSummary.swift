import RSSRecords
import Statistics

/// What a run of load records says about balance: per-queue mean load, the spread of the
/// imbalance over epochs, saturation, and how much the table changed.
public struct LoadSummary: Sendable {
    public private(set) var epochs = 0
    public private(set) var queues = 0
    private var loadSums: [Double] = []
    private var imbalances: [Double] = []
    public private(set) var saturatedEpochs = 0
    public private(set) var tableChanges = 0
    public private(set) var entriesMoved = 0
    private var lastTable: [Int]?

    public init() {}

    public mutating func add(_ record: LoadRecord) {
        if queues != record.queues {
            queues = record.queues
            loadSums = .init(repeating: 0, count: queues)
        }
        let load = record.queueLoad
        for queue in 0..<queues { loadSums[queue] += load[queue] }
        imbalances.append(imbalance(load, over: record.queuesInUse))
        if record.load?.contains(where: { $0 >= 0.999 }) == true { saturatedEpochs += 1 }
        if let lastTable, lastTable.count == record.reta.count {
            let moved = zip(lastTable, record.reta).filter { $0 != $1 }.count
            entriesMoved += moved
            if moved > 0 { tableChanges += 1 }
        }
        lastTable = record.reta
        epochs += 1
    }

    public var meanLoad: [Double] { loadSums.map { epochs > 0 ? $0 / Double(epochs) : 0 } }
    public var meanImbalance: Double { imbalances.isEmpty ? 0 : imbalances.reduce(0, +) / Double(imbalances.count) }
    public var p95Imbalance: Double { percentile(imbalances, 0.95) }
}
