import RSSRecords

/// What a balancing algorithm sees of one interval.
public struct Observation {
    public let record: LoadRecord
    /// Per-queue load in core units: the record's `load` when present, otherwise each queue's
    /// share of packets scaled so that the mean queue reads 0.5 (the planner balances packets).
    public let queueLoad: [Double]
    /// Whether `queueLoad` is measured CPU load (true) or derived from packet counts.
    public let measured: Bool

    public init(_ record: LoadRecord) {
        self.record = record
        queueLoad = record.queueLoad
        measured = record.load != nil
    }

    public var queues: Int { record.queues }
}

/// A new bucket -> queue table and what the algorithm expects of it.
public struct Assignment {
    public var reta: [Int]
    /// Queues the table uses; the others are switched off.
    public var active: [Int]
    /// Per-queue load the algorithm predicts under `reta` (length = queues; 0 for inactive).
    public var predictedLoad: [Double]

    public init(reta: [Int], active: [Int], predictedLoad: [Double]) {
        self.reta = reta
        self.active = active
        self.predictedLoad = predictedLoad
    }
}

/// Knobs shared by the algorithms, as `rss-plan` takes them.
public struct PlannerOptions: Sendable {
    /// Smallest distance from the mean, in load units, that a queue must be off before buckets
    /// move; nil for the algorithm's own (RSS++'s dead band T = 0.02; the adaptive planner's
    /// measured noise).
    public var threshold: Double?
    /// Load each core should run at when autoscaling, within `targetLoads`.
    public var targetLoad: Double
    public var autoscale: Bool
    public var minQueues: Int
    public var maxQueues: Int?
    /// Most table entries one plan may change; nil for no limit.
    public var maxMoves: Int?
    /// What moving a bucket costs against the balance it buys, for the adaptive planner: 0 moves
    /// wherever balance improves, larger values move less; nil for the planner's default.
    public var moveCost: Double?

    public init(threshold: Double? = nil, targetLoad: Double = 0.8, autoscale: Bool = false, minQueues: Int = 1,
                maxQueues: Int? = nil, maxMoves: Int? = nil, moveCost: Double? = nil) {
        self.threshold = threshold
        self.targetLoad = targetLoad
        self.autoscale = autoscale
        self.minQueues = minQueues
        self.maxQueues = maxQueues
        self.maxMoves = maxMoves
        self.moveCost = moveCost
    }

    /// Target loads worth autoscaling to: a core planned to run at less than 1% would need more
    /// cores than any NIC has queues for the lightest measurable load.
    public static let targetLoads: ClosedRange<Double> = 0.01...1
}

/// A bucket -> queue assignment algorithm. It keeps whatever history it wants between calls;
/// `PlanningSession` resets it when the device is reconfigured. Its coding is that history alone
/// (`rss-plan --state`): options come from the command line of each run, so decoding takes them
/// from `decoder.userInfo[.plannerOptions]`, and scratch space is made again on the next record.
/// A decoded history that does not fit the next record's table or queues is started afresh.
public protocol Balancer: Codable {
    init(options: PlannerOptions)
    mutating func balance(_ observation: Observation) -> Assignment
}

extension CodingUserInfoKey {
    /// The `PlannerOptions` a balancer is decoded with.
    public static let plannerOptions = CodingUserInfoKey(rawValue: "plannerOptions")!
}

extension PlannerOptions {
    /// The options `decoder` carries for the balancer it decodes.
    init(of decoder: any Decoder) throws {
        guard let options = decoder.userInfo[.plannerOptions] as? PlannerOptions else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "no planner options to decode a balancer with"))
        }
        self = options
    }
}

/// A decoded history that breaks its own invariants (a hand-edited state file): refused with
/// the field named, rather than trapping on the next record.
func require<Key: CodingKey>(_ holds: Bool, _ key: Key, in container: KeyedDecodingContainer<Key>,
                             _ message: String) throws {
    guard holds else { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message) }
}
