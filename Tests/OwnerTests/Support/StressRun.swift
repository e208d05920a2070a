#if canImport(Glibc)
import Glibc
#endif
import BucketOwnership
import NICSim
import Synchronization
import TestSupport

/// How the dispatcher tells the owners about its table writes.
enum StressMode: String, CustomStringConvertible, Sendable {
    /// Packets and requests carry dispatch-sequence stamps (drain rule 1, and 2), and any
    /// bucket may move again before its last move is done: chains, away and back.
    case stamps
    /// No stamps: the owners drain by an empty queue and the ring's count (rules 2 and 3), and
    /// the dispatcher moves only buckets whose last move is done, as rss-migrate waits for acks.
    case countsAndEmptyQueues
    var description: String { rawValue }
}

/// What a stress run saw, for the test to judge.
struct StressOutcome {
    var dispatched = 0
    var processed = 0
    var movesRequested = 0
    var handovers: UInt64 = 0
    var dropped = 0
    var expired = 0
    /// Packets processed out of sequence within their flow (a gap, a repeat or a reordering).
    var outOfSequence = 0
    /// Flows whose final state (count, last sequence) differs from what was dispatched.
    var flowsWrong = 0
    /// Two threads in one bucket's state at once, seen by the bucket's "inside" marker.
    var overlaps = 0
    /// Packets processed by a queue the library did not name as the bucket's owner.
    var processedByNonOwner = 0
    var timedOut = false
}

/// A dispatcher thread steers packets of many flows through a table it rewrites every
/// millisecond into per-queue rings; one worker thread per queue runs the owner protocol
/// (BucketOwnership) and processes each packet into its flow's state, which no lock protects:
/// only the protocol keeps two workers out of one bucket. Few buckets and many moves per table
/// (each bucket moves every 2 ms on average) make buckets move again before they settle:
/// chains, away and back, and one queue's two turns in one chain.
final class StressRun: @unchecked Sendable {
    let mode: StressMode
    let queues = 4
    let buckets = 16
    let flows = 2048
    let rewrites: Int
    let movesPerRewrite = 8
    /// Packets dispatched per table at most, so that the run lasts about `rewrites` ms.
    let packetsPerTable = 1024
    private let rings: [SPSCRing]
    private let seed: UInt64

    // The flows' state: plain memory, written by whichever worker owns the flow's bucket.
    private let count: UnsafeMutablePointer<Int>
    private let lastSequence: UnsafeMutablePointer<UInt32>
    // One marker per bucket: 0 outside, queue + 1 while a worker is inside the bucket's state.
    private let inside: UnsafeMutablePointer<Atomic<Int>>

    private let processed = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let expired = Atomic<Int>(0)
    private let outOfSequence = Atomic<Int>(0)
    private let overlaps = Atomic<Int>(0)
    private let processedByNonOwner = Atomic<Int>(0)
    private let dispatchedTotal = Atomic<Int>(-1) // known once the dispatcher is done
    private let movesRequested = Atomic<Int>(0)
    private let timedOut = Atomic<Bool>(false)
    private var ownership: BucketOwnership<FlowPacket>!
    /// Packets sent per flow: the dispatcher's own record, final once the threads are joined.
    private var sent: [UInt32]

    init(mode: StressMode, rewrites: Int, seed: UInt64) throws {
        self.mode = mode
        self.rewrites = rewrites
        self.seed = seed
        sent = [UInt32](repeating: 0, count: flows)
        rings = (0..<queues).map { _ in SPSCRing(capacity: 1024) }
        count = .allocate(capacity: flows)
        count.initialize(repeating: 0, count: flows)
        lastSequence = .allocate(capacity: flows)
        lastSequence.initialize(repeating: 0, count: flows)
        inside = .allocate(capacity: buckets)
        for bucket in 0..<buckets { (inside + bucket).initialize(to: Atomic(0)) }
        var configuration = BucketOwnership<FlowPacket>.Configuration(buckets: buckets, queues: queues)
        configuration.parkCapacity = 1 << 16
        // Expiry is not under test here: a worker descheduled for long must not lose packets.
        configuration.parkTimeout = .seconds(30)
        if mode == .countsAndEmptyQueues {
            let rings = rings
            configuration.queueCapacity = rings[0].capacity
            configuration.backlog = { queue in rings[queue].count }
        }
        ownership = try BucketOwnership(configuration,
            replay: { [unowned self] queue, _, packet in process(packet, on: queue) },
            expire: { [unowned self] _, _, _ in expired.add(1, ordering: .relaxed) })
    }

    deinit {
        count.deallocate()
        lastSequence.deallocate()
        inside.deinitialize(count: buckets)
        inside.deallocate()
    }

    func bucket(of flow: Int) -> Int { flow % buckets }

    /// Runs the dispatcher and the workers to the end (every packet accounted for, or a
    /// deadline that only a stuck handover reaches).
    func run() -> StressOutcome {
        let deadline = monotonicSeconds() + 60
        _ = onThreads(queues + 1) { [self] index in
            if index == queues { dispatch() } else { work(queue: index, deadline: deadline) }
            return 0
        }
        return outcome()
    }

    private func dispatch() {
        var random = SeededGenerator(seed: seed)
        var table = (0..<buckets).map { $0 % queues }
        var stamp: UInt64 = 0
        var nextRewrite = monotonicSeconds() + 0.001
        var rewritesDone = 0
        var sinceRewrite = 0
        while rewritesDone < rewrites {
            let flow = Int.random(in: 0..<flows, using: &random)
            sent[flow] += 1
            stamp += 1
            let packet = FlowPacket(flow: Int32(flow), sequence: sent[flow],
                                    stamp: mode == .stamps ? stamp : 0)
            while !rings[table[bucket(of: flow)]].push(packet) { sched_yield() }
            sinceRewrite += 1
            guard stamp % 32 == 0 else { continue }
            while sinceRewrite >= packetsPerTable && monotonicSeconds() < nextRewrite { usleep(50) }
            if monotonicSeconds() >= nextRewrite {
                rewrite(&table, stamp: stamp, using: &random)
                rewritesDone += 1
                sinceRewrite = 0
                nextRewrite = monotonicSeconds() + 0.001
            }
        }
        dispatchedTotal.store(Int(stamp), ordering: .releasing)
    }

    /// Moves a few buckets to other queues, then files the requests, before any packet steered
    /// by the new table is pushed (`stamp` is the last packet of the old one).
    private func rewrite(_ table: inout [Int], stamp: UInt64, using random: inout SeededGenerator) {
        for _ in 0..<movesPerRewrite {
            let bucket = Int.random(in: 0..<buckets, using: &random)
            if mode == .countsAndEmptyQueues && ownership.owner(of: bucket) != table[bucket] { continue }
            table[bucket] = (table[bucket] + Int.random(in: 1..<queues, using: &random)) % queues
            try! ownership.request(bucket: bucket, queue: table[bucket], stamp: mode == .stamps ? stamp : 0)
            movesRequested.add(1, ordering: .relaxed)
        }
    }

    private func work(queue: Int, deadline: Double) {
        let burst = UnsafeMutableBufferPointer<FlowPacket>.allocate(capacity: 32)
        defer { burst.deallocate() }
        var idlePolls = 0
        while true {
            let received = rings[queue].pop(into: burst)
            for packet in burst[0..<received] {
                switch ownership.enter(queue: queue, bucket: bucket(of: Int(packet.flow)),
                                       stamp: packet.stamp, packet: packet) {
                case .process: process(packet, on: queue)
                case .parked: break
                case .full: dropped.add(1, ordering: .relaxed)
                }
            }
            ownership.poll(queue: queue, received: received, empty: received == 0)
            guard received == 0 else { idlePolls = 0; continue }
            if finished() { return }
            if monotonicSeconds() > deadline { timedOut.store(true, ordering: .relaxed); return }
            // Two cores for five threads: an idle worker gives its core away, and still polls
            // every few hundred microseconds at most.
            idlePolls += 1
            if idlePolls > 16 { usleep(100) } else { sched_yield() }
        }
    }

    private func finished() -> Bool {
        let total = dispatchedTotal.load(ordering: .acquiring)
        let accounted = processed.load(ordering: .relaxed) + dropped.load(ordering: .relaxed)
            + expired.load(ordering: .relaxed)
        return total >= 0 && accounted >= total
    }

    /// The application's work on a packet: its flow's state, inside the bucket's marker.
    private func process(_ packet: FlowPacket, on queue: Int) {
        let flow = Int(packet.flow)
        let bucket = bucket(of: flow)
        if ownership.owner(of: bucket) != queue { processedByNonOwner.add(1, ordering: .relaxed) }
        if !inside[bucket].compareExchange(expected: 0, desired: queue + 1, ordering: .acquiring).exchanged {
            overlaps.add(1, ordering: .relaxed)
        }
        if packet.sequence != lastSequence[flow] &+ 1 { outOfSequence.add(1, ordering: .relaxed) }
        count[flow] += 1
        lastSequence[flow] = packet.sequence
        if !inside[bucket].compareExchange(expected: queue + 1, desired: 0, ordering: .releasing).exchanged {
            overlaps.add(1, ordering: .relaxed)
        }
        processed.add(1, ordering: .relaxed)
    }

    private func outcome() -> StressOutcome {
        var outcome = StressOutcome()
        outcome.dispatched = max(dispatchedTotal.load(ordering: .acquiring), 0)
        outcome.processed = processed.load(ordering: .relaxed)
        outcome.movesRequested = movesRequested.load(ordering: .relaxed)
        outcome.handovers = (0..<queues).map { ownership.statistics(queue: $0).acquired }.reduce(0, +)
        outcome.dropped = dropped.load(ordering: .relaxed)
        outcome.expired = expired.load(ordering: .relaxed)
        outcome.outOfSequence = outOfSequence.load(ordering: .relaxed)
        outcome.overlaps = overlaps.load(ordering: .relaxed)
        outcome.processedByNonOwner = processedByNonOwner.load(ordering: .relaxed)
        outcome.timedOut = timedOut.load(ordering: .relaxed)
        outcome.flowsWrong = flowsDifferingFromDispatch()
        return outcome
    }

    /// The flows whose state, built by the workers, is not what the dispatcher sent.
    private func flowsDifferingFromDispatch() -> Int {
        (0..<flows).filter { count[$0] != Int(sent[$0]) || lastSequence[$0] != sent[$0] }.count
    }
}
