#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// Each core with the queue in front of it, so that a table can be judged by what balance is
/// for: latency and drops. A core serves one core of work per epoch as a fluid, its packets
/// arriving evenly over the epoch; what it cannot serve waits as backlog, carried into the next
/// epoch, up to a ring of `ringPackets` packets, and what does not fit is dropped. A packet waits
/// for the backlog in front of it when it arrives, then an M/D/1 queueing wait at the epoch's
/// utilisation; a packet that finds the ring full and still gets in waits the ring alone.
/// The packets of a bucket that just moved first wait until their old core has served what was
/// queued before the switch, since the owner library parks them until then.
public struct QueueModel: Sendable {
    public static let ringPackets = 4096.0
    /// Utilisation is capped here: past it the M/D/1 wait grows without bound, and the backlog
    /// already accounts for the work a saturated core leaves behind.
    static let saturation = 0.999
    /// Slices per stretch of an epoch where a packet's wait changes, so that the percentiles
    /// count how many packets saw which backlog.
    public static let slices = 32

    public let interval: Double
    /// Per-packet cost in seconds for a core without packets of its own in an epoch.
    public let meanCost: Double
    /// Packets each core has left at the end of the last epoch.
    public private(set) var backlog: [Double]
    /// The cost in seconds of a packet of each core's backlog, the cost it was built with: the
    /// ring holds packets, so a cheaper epoch must not shrink the work it already holds.
    public private(set) var backlogCost: [Double]
    public private(set) var droppedPackets = 0.0
    /// CPU seconds of work dropped.
    public private(set) var droppedWork = 0.0
    public private(set) var latency = LatencyHistogram()

    public init(queues: Int, interval: Double, meanCostNanoseconds: Double) {
        self.interval = interval
        meanCost = meanCostNanoseconds * 1e-9
        backlog = [Double](repeating: 0, count: queues)
        backlogCost = [Double](repeating: meanCost, count: queues)
    }

    /// One epoch: per queue the demand offered (cores) and its packets, and the moves that took
    /// effect at its start, with `bucketPackets` counting each bucket's packets this epoch.
    public mutating func serve(demand: [Double], packets: [Int], moves: [Move], bucketPackets: [Int]) {
        let startWork = backlog.indices.map { backlog[$0] * backlogCost[$0] }
        var movedIn = [Int](repeating: 0, count: backlog.count)
        for move in moves { movedIn[move.to] += bucketPackets[move.bucket] }
        var paths: [BacklogPath] = []
        for queue in backlog.indices {
            let cost = packets[queue] > 0 ? demand[queue] * interval / Double(packets[queue]) : meanCost
            let path = BacklogPath(start: startWork[queue], demand: demand[queue], cost: cost, interval: interval,
                                   ring: startWork[queue] + (Self.ringPackets - backlog[queue]) * cost)
            let overflow = path.overflow
            droppedWork += overflow
            droppedPackets += overflow / cost
            // A draining backlog loses packets at the cost they were built with; a filling one
            // gains this epoch's.
            let end = path.end
            backlog[queue] = end <= startWork[queue] ? end / backlogCost[queue]
                                                     : backlog[queue] + (end - startWork[queue]) / cost
            backlogCost[queue] = backlog[queue] > 0 ? end / backlog[queue] : meanCost
            add(Double(packets[queue] - movedIn[queue]), on: path, parkedUntil: 0)
            paths.append(path)
        }
        for move in moves {
            add(Double(bucketPackets[move.bucket]), on: paths[move.to], parkedUntil: startWork[move.from])
        }
    }

    /// `count` packets arriving evenly over the epoch on `path`, each first parked until
    /// `parkedUntil` seconds into it, weighted by the packets served, slice by slice where the
    /// wait changes.
    private mutating func add(_ count: Double, on path: BacklogPath, parkedUntil: Double) {
        guard count > 0 else { return }
        // The wait is linear between the kinks: the path's and the end of the parking.
        let (first, second) = (min(path.kink, parkedUntil), max(path.kink, parkedUntil))
        var from = 0.0
        for to in [first, second, interval] where to > from && from < interval {
            let end = min(to, interval)
            let slices = from < parkedUntil || !path.isFlat(from: from) ? Self.slices : 1
            let width = (end - from) / Double(slices)
            for slice in 0..<slices {
                let time = from + (Double(slice) + 0.5) * width
                let (wait, served) = path.wait(at: time)
                latency.add(wait + max(0, parkedUntil - time), weight: count * width / interval * served)
            }
            from = end
        }
    }
}

/// One core's backlog (seconds of work) through an epoch: it starts at `start` and changes at
/// demand − 1 per second, down to empty or up to the ring.
struct BacklogPath {
    let start: Double
    let demand: Double
    let cost: Double
    let interval: Double
    let ring: Double

    var rate: Double { demand - 1 }
    /// When the backlog empties or the ring fills; 0 when it stays as it is from the start.
    var kink: Double {
        if rate < 0 && start > 0 { return start / -rate }
        if rate > 0 && start < ring { return (ring - start) / rate }
        return 0
    }

    func isFlat(from time: Double) -> Bool { rate == 0 || kink <= time }
    var isFilling: Bool { rate > 0 }

    func backlog(at time: Double) -> Double {
        rate > 0 ? min(ring, start + rate * time) : max(0, start + rate * time)
    }

    var end: Double { backlog(at: interval) }
    /// Work that found the ring full.
    var overflow: Double { isFilling ? max(0, start + rate * interval - ring) : 0 }

    /// A packet's wait arriving at `time`, service included, and the share of such packets served.
    func wait(at time: Double) -> (seconds: Double, served: Double) {
        let backlog = backlog(at: time)
        if isFilling && backlog >= ring { return (backlog + cost, 1 / demand) }
        let utilisation = min(demand, QueueModel.saturation)
        return (backlog + utilisation * cost / (2 * (1 - utilisation)) + cost, 1)
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

    static let logRatio = log(ratio)

    mutating func add(_ seconds: Double, weight: Double) {
        guard weight > 0 else { return }
        let bin = Int((log(max(seconds, Self.smallest) / Self.smallest) / Self.logRatio).rounded(.down))
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
