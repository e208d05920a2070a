import RssppOwner

/// Per-bucket ownership of flow state for Swift applications: the protocol of `rsspp_owner.h`
/// (one implementation, the C library's), with the application's own packet type.
///
/// Every RSS bucket has one owner queue. A queue's thread touches a bucket's flow state only
/// after ``enter(queue:bucket:stamp:packet:)`` answered ``Verdict/process``. A packet of a
/// bucket the queue does not own is parked, the bucket is asked for, and once the old owner has
/// drained it the packet comes back through `replay`, in arrival order, on the parking queue's
/// thread, inside ``poll(queue:received:empty:)``.
///
/// Thread rules: one thread per queue calls `enter` and `poll` with that queue, and polls at
/// least every few milliseconds, idle or not. ``request(bucket:queue:stamp:)``,
/// ``owner(of:)`` and ``statistics(queue:)`` may run on any thread. The object may be shared
/// between those threads (it is `Sendable` for that); the library's protocol, not a lock, keeps
/// two threads out of one bucket.
///
/// Parked packets are the library's until `replay` or `expire` hands them back; the ones still
/// parked when the object goes away go to `expire`, so none is leaked.
public final class BucketOwnership<Packet>: @unchecked Sendable {
    /// What ``enter(queue:bucket:stamp:packet:)`` decided.
    public enum Verdict: Sendable, Equatable {
        /// The queue owns the bucket: process the packet, touch the bucket's state.
        case process
        /// The library keeps the packet and replays it when the queue owns the bucket.
        case parked
        /// The queue's parking is full: the packet is the application's to drop.
        case full
    }

    /// How the ownership starts and how it bounds parking.
    public struct Configuration: Sendable {
        /// The RSS table's size, 1...65536.
        public var buckets: Int
        /// The number of queues (one thread each), 1...1024.
        public var queues: Int
        /// Each bucket's owner at start (the table in force); nil: bucket % queues.
        public var table: [Int]?
        /// Packets parked per queue at most, beyond which `enter` answers `.full`.
        public var parkCapacity = 4096
        /// How long a packet may stay parked before it goes to `expire`.
        public var parkTimeout = Duration.milliseconds(100)
        /// Slots of each receive queue, capping the count rule; nil: unknown.
        public var queueCapacity: Int?
        /// Packets waiting in a queue now, or nil when unknown (called on that queue's thread).
        public var backlog: (@Sendable (_ queue: Int) -> Int?)?

        public init(buckets: Int, queues: Int, table: [Int]? = nil) {
            self.buckets = buckets
            self.queues = queues
            self.table = table
        }
    }

    /// One queue's counters (see `struct rsspp_owner_stats`).
    public struct Statistics: Sendable, Equatable {
        public var parked: UInt64
        public var replayed: UInt64
        public var overflows: UInt64
        public var expired: UInt64
        /// Packets of a bucket the queue released on a count that lied.
        public var late: UInt64
        public var released: UInt64
        public var acquired: UInt64
        /// Request to ownership, summed over `acquired`, and the longest.
        public var handoverNanoseconds: UInt64
        public var handoverMaxNanoseconds: UInt64
    }

    private let owner: OpaquePointer
    private let lots: [Lot<Packet>]
    private let callbacks: Callbacks

    /// - Parameters:
    ///   - replay: called on `queue`'s thread, inside `poll`, for each parked packet of a
    ///     bucket the queue now owns, oldest first: process it as if `enter` said `.process`.
    ///   - expire: called for a parked packet the library gives up on (parked longer than
    ///     `parkTimeout`, or still parked when the object goes away).
    /// - Throws: ``OwnershipError`` naming the bad setting.
    public init(_ configuration: Configuration,
                replay: @escaping @Sendable (_ queue: Int, _ bucket: Int, _ packet: Packet) -> Void,
                expire: @escaping @Sendable (_ queue: Int, _ bucket: Int, _ packet: Packet) -> Void)
        throws {
        guard (1...Int(RSSPP_OWNER_BUCKETS_MAX)).contains(configuration.buckets) else {
            throw OwnershipError("buckets is \(configuration.buckets); it must be 1...\(RSSPP_OWNER_BUCKETS_MAX)")
        }
        guard (1...Int(RSSPP_OWNER_QUEUES_MAX)).contains(configuration.queues) else {
            throw OwnershipError("queues is \(configuration.queues); it must be 1...\(RSSPP_OWNER_QUEUES_MAX)")
        }
        guard (1..<Int(UInt32.max)).contains(configuration.parkCapacity) else {
            throw OwnershipError("parkCapacity is \(configuration.parkCapacity); it must be positive")
        }
        guard configuration.parkTimeout > .zero else {
            throw OwnershipError("parkTimeout is \(configuration.parkTimeout); it must be positive")
        }
        if let table = configuration.table, table.count != configuration.buckets {
            throw OwnershipError("the table has \(table.count) entries for \(configuration.buckets) buckets")
        }
        if let capacity = configuration.queueCapacity, !(1...Int(UInt32.max)).contains(capacity) {
            throw OwnershipError("queueCapacity is \(capacity); it must be positive")
        }
        let lots = (0..<configuration.queues).map { _ in Lot<Packet>(parkCapacity: configuration.parkCapacity) }
        let callbacks = Callbacks(
            backlog: configuration.backlog,
            replay: { queue, bucket, handle in replay(queue, bucket, lots[queue].take(handle)) },
            expire: { queue, bucket, handle in expire(queue, bucket, lots[queue].take(handle)) })
        var config = rsspp_owner_config()
        config.buckets = UInt32(configuration.buckets)
        config.queues = UInt16(configuration.queues)
        config.park_capacity = UInt32(configuration.parkCapacity)
        let timeout = configuration.parkTimeout.components
        config.park_timeout_ns = UInt64(clamping: timeout.seconds) &* 1_000_000_000
            &+ UInt64(timeout.attoseconds / 1_000_000_000)
        config.queue_capacity = UInt32(configuration.queueCapacity ?? 0)
        if configuration.backlog != nil {
            config.backlog = { context, queue in
                guard let count = Callbacks.from(context).backlog?(Int(queue)) else { return -1 }
                return Int64(count)
            }
        }
        config.replay = { context, queue, bucket, handle in
            Callbacks.from(context).replay(Int(queue), Int(bucket), handle)
        }
        config.expire = { context, queue, bucket, handle in
            Callbacks.from(context).expire(Int(queue), Int(bucket), handle)
        }
        // The C library never outlives this object, which keeps `callbacks` alive: unretained.
        config.context = Unmanaged.passUnretained(callbacks).toOpaque()
        let table = try configuration.table.map { entries in
            try entries.enumerated().map { index, queue in
                guard let entry = UInt16(exactly: queue) else {
                    throw OwnershipError("table[\(index)] is queue \(queue); there are \(configuration.queues) queues")
                }
                return entry
            }
        }
        let created = table.withOptionalBufferPointer { entries in
            config.table = entries
            return rsspp_owner_create(&config)
        }
        guard let created else { throw OwnershipError(String(cString: rsspp_owner_error())) }
        owner = created
        self.lots = lots
        self.callbacks = callbacks
    }

    deinit {
        // Parked packets go to `expire`, then the lots are empty.
        rsspp_owner_free(owner)
    }

    /// The number of buckets and of queues.
    public var buckets: Int { Int(rsspp_owner_buckets(owner)) }
    public var queues: Int { Int(rsspp_owner_queues(owner)) }

    /// Before touching `bucket`'s state for `packet`, on `queue`'s thread. `stamp`: the packet's
    /// arrival order on a clock shared by all queues (larger is later), 0 when unknown. On
    /// `.parked` the library keeps the packet: do not process it.
    public func enter(queue: Int, bucket: Int, stamp: UInt64 = 0, packet: Packet) -> Verdict {
        precondition(queue >= 0 && queue < queues, "BucketOwnership.enter: queue \(queue) out of 0..<\(queues)")
        precondition(bucket >= 0 && bucket < buckets, "BucketOwnership.enter: bucket \(bucket) out of 0..<\(buckets)")
        let lot = lots[queue]
        let handle = lot.hold(packet)
        switch rsspp_owner_enter(owner, UInt16(queue), UInt32(bucket), stamp, handle) {
        case RSSPP_PARKED:
            return .parked
        case RSSPP_PROCESS:
            _ = lot.take(handle)
            return .process
        default:
            _ = lot.take(handle)
            return .full
        }
    }

    /// Once per polling-loop iteration on `queue`'s thread, after the burst was processed:
    /// `received` packets were dequeued this iteration, `empty` when the receive poll found the
    /// queue empty. Hands buckets over, replays buckets acquired, expires old parked packets.
    public func poll(queue: Int, received: Int, empty: Bool) {
        precondition(queue >= 0 && queue < queues, "BucketOwnership.poll: queue \(queue) out of 0..<\(queues)")
        rsspp_owner_poll(owner, UInt16(queue), UInt32(clamping: received), empty ? 1 : 0)
    }

    /// Asks, from any thread, that `bucket` be handed over to `queue` (the table now steers it
    /// there). `stamp`: the table write on the packets' clock, 0 when unknown.
    public func request(bucket: Int, queue: Int, stamp: UInt64 = 0) throws {
        guard let bucketIndex = UInt32(exactly: bucket), let queueIndex = UInt16(exactly: queue),
              rsspp_owner_request(owner, bucketIndex, queueIndex, stamp) == 0 else {
            throw OwnershipError("bucket \(bucket) to queue \(queue) is out of range (\(buckets) buckets, \(queues) queues)")
        }
    }

    /// The queue that owns `bucket` now.
    public func owner(of bucket: Int) -> Int {
        precondition(bucket >= 0 && bucket < buckets, "BucketOwnership.owner: bucket \(bucket) out of 0..<\(buckets)")
        return Int(rsspp_owner_of(owner, UInt32(bucket)))
    }

    /// `queue`'s counters, from any thread.
    public func statistics(queue: Int) -> Statistics {
        precondition(queue >= 0 && queue < queues, "BucketOwnership.statistics: queue \(queue) out of 0..<\(queues)")
        var stats = rsspp_owner_stats()
        rsspp_owner_stats(owner, UInt16(queue), &stats)
        return Statistics(parked: stats.parked, replayed: stats.replayed, overflows: stats.overflows,
                          expired: stats.expired, late: stats.late, released: stats.released,
                          acquired: stats.acquired, handoverNanoseconds: stats.handover_ns,
                          handoverMaxNanoseconds: stats.handover_max_ns)
    }
}

/// A setting the owner library refused, or a request out of range.
public struct OwnershipError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Optional where Wrapped == [UInt16] {
    fileprivate func withOptionalBufferPointer<R>(_ body: (UnsafePointer<UInt16>?) -> R) -> R {
        guard let entries = self else { return body(nil) }
        return entries.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
