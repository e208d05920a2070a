#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// Each core with the queue in front of it, so that a table can be judged by what balance is
/// for: latency and drops. A core serves at most one core of work per epoch as a fluid; what it
/// cannot serve waits as backlog for the next epoch, up to a ring of `ringPackets` packets, and
/// what does not fit is dropped. A packet waits for the backlog in front of it (the mean over its
/// epoch) and then an M/D/1 queueing wait at the epoch's utilisation. The packets of a bucket that
/// just moved first wait for their old core's backlog to drain, since the owner library parks
/// them until it has.
public struct QueueModel: Sendable {
    public static let ringPackets = 4096.0
    /// Utilisation is capped here: past it the M/D/1 wait grows without bound, and the backlog
    /// already accounts for the work a saturated core leaves behind.
    static let saturation = 0.999

    public let interval: Double
    /// Per-packet cost in seconds for a core without packets of its own in an epoch.
    public let meanCost: Double
    /// Work each core has left at the end of the last epoch, in epochs of one core's work.
    public private(set) var backlog: [Double]
    public private(set) var droppedPackets = 0.0
    /// CPU seconds of work dropped.
    public private(set) var droppedWork = 0.0
    public private(set) var latency = LatencyHistogram()

    public init(queues: Int, interval: Double, meanCostNanoseconds: Double) {
        self.interval = interval
        meanCost = meanCostNanoseconds * 1e-9
        backlog = [Double](repeating: 0, count: queues)
    }

    /// One epoch: per queue the demand offered (cores) and its packets, and the moves that took
    /// effect at its start, with `bucketPackets` counting each bucket's packets this epoch.
    public mutating func serve(demand: [Double], packets: [Int], moves: [Move], bucketPackets: [Int]) {
        let start = backlog
        var movedIn = [Int](repeating: 0, count: backlog.count)
        for move in moves { movedIn[move.to] += bucketPackets[move.bucket] }
        var wait = [Double](repeating: 0, count: backlog.count)
        for queue in backlog.indices {
            let cost = packets[queue] > 0 ? demand[queue] * interval / Double(packets[queue]) : meanCost
            let ring = Self.ringPackets * cost / interval
            var left = max(0, start[queue] + demand[queue] - 1)
            if left > ring {
                droppedWork += (left - ring) * interval
                droppedPackets += (left - ring) * interval / cost
                left = ring
            }
            backlog[queue] = left
            let utilisation = min(demand[queue], Self.saturation)
            wait[queue] = (start[queue] + left) / 2 * interval + utilisation * cost / (2 * (1 - utilisation)) + cost
            latency.add(wait[queue], weight: Double(packets[queue] - movedIn[queue]))
        }
        for move in moves {
            latency.add(wait[move.to] + start[move.from] * interval, weight: Double(bucketPackets[move.bucket]))
        }
    }
}

/// Latencies weighted by packets, kept on log-spaced bins 1% wide from 1 ns to 1000 s, so that
/// a run's percentiles take the same memory however long it is.
public struct LatencyHistogram: Sendable {
    static let smallest = 1e-9
    static let ratio = 1.01
    static let bins = Int((log(1e3 / smallest) / log(ratio)).rounded(.up))

    private var weights = [Double](repeating: 0, count: bins)
    private var total = 0.0

    public init() {}

    mutating func add(_ seconds: Double, weight: Double) {
        guard weight > 0 else { return }
        let bin = Int((log(max(seconds, Self.smallest) / Self.smallest) / log(Self.ratio)).rounded(.down))
        weights[min(bin, Self.bins - 1)] += weight
        total += weight
    }

    /// The latency in seconds that `fraction` of the weight does not exceed, to within half a
    /// bin (0.5%); 0 when nothing was added.
    public func percentile(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        var (below, bin) = (0.0, 0)
        // The sum is taken in another order than `total` was: a relative 1e-12 absorbs the rounding.
        for (index, weight) in weights.enumerated() where weight > 0 {
            (below, bin) = (below + weight, index)
            if below >= fraction * total * (1 - 1e-12) { break }
        }
        return Self.smallest * pow(Self.ratio, Double(bin) + 0.5)
    }
}
