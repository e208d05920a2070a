import RSSRecords

/// Turns load records into plan records with one algorithm: keeps its history across records,
/// resets it when the table size or queue count changes (the device was reconfigured), times the
/// solve and fills in what every plan carries.
public struct PlanningSession<Algorithm: Balancer> {
    private let options: PlannerOptions
    private var algorithm: Algorithm
    private var shape: (tableSize: Int, queues: Int)?

    public init(options: PlannerOptions) {
        self.options = options
        algorithm = Algorithm(options: options)
    }

    /// A session going on from `history`, saved after records of `shape` (`rss-plan --state`).
    init(options: PlannerOptions, restoring history: Algorithm, shape: (tableSize: Int, queues: Int)) {
        self.options = options
        algorithm = history
        self.shape = shape
    }

    /// The history to save, with the shape of the records it comes from; nil before the first.
    var saved: (history: Algorithm, shape: (tableSize: Int, queues: Int))? { shape.map { (algorithm, $0) } }

    public mutating func plan(_ record: LoadRecord) -> PlanRecord {
        if let shape, shape != (record.reta.count, record.queues) {
            algorithm = Algorithm(options: options)
        }
        shape = (record.reta.count, record.queues)

        let observation = Observation(record)
        let started = monotonicNanoseconds()
        let assignment = algorithm.balance(observation)
        let solveMicroseconds = Double(monotonicNanoseconds() - started) / 1000

        let activeBefore = options.autoscale ? record.queuesInUse : Array(0..<record.queues)
        return PlanRecord(
            time: record.time, device: record.device, source: record.source, queues: record.queues,
            reta: assignment.reta, moves: Move.between(record.reta, assignment.reta), active: assignment.active,
            loadBefore: observation.queueLoad, loadAfter: assignment.predictedLoad,
            imbalanceBefore: imbalance(observation.queueLoad, over: activeBefore),
            imbalanceAfter: imbalance(assignment.predictedLoad, over: assignment.active),
            solveMicroseconds: solveMicroseconds)
    }
}
