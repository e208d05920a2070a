import RssppOwner

/// A packet handed back by the library through `replay` or `expire`: which queue's thread got
/// it, for which bucket, and the packet (a number the test chose, carried as the pointer).
struct Handed: Equatable, CustomStringConvertible {
    let queue: Int
    let bucket: Int
    let packet: Int
    var description: String { "q\(queue) b\(bucket) p\(packet)" }
}

/// What the C library's callbacks saw, and the backlog it is told.
final class Recorder {
    var replayed: [Handed] = []
    var expired: [Handed] = []
    /// The backlog each queue reports; nil: unknown.
    var backlog: [Int: Int64] = [:]
}

/// One rsspp_owner through its C API, single-threaded: the test plays every queue's thread in
/// turn and looks at the library from outside (callbacks, rsspp_owner_of, stats).
final class OwnerHarness {
    let owner: OpaquePointer
    let recorder: Recorder

    struct Settings {
        var buckets: UInt32 = 8
        var queues: UInt16 = 3
        var parkCapacity: UInt32 = 0
        var parkTimeoutNanoseconds: UInt64 = 0
        var queueCapacity: UInt32 = 0
        var withBacklog = false
    }

    init(_ settings: Settings = Settings()) throws {
        let recorder = Recorder()
        var config = OwnerHarness.config(settings, recorder: recorder)
        guard let owner = rsspp_owner_create(&config) else {
            throw HarnessError(message: String(cString: rsspp_owner_error()))
        }
        self.owner = owner
        self.recorder = recorder
    }

    deinit { rsspp_owner_free(owner) }

    /// The configuration the harness creates its owner with (the recorder as context).
    static func config(_ settings: Settings, recorder: Recorder) -> rsspp_owner_config {
        var config = rsspp_owner_config()
        config.buckets = settings.buckets
        config.queues = settings.queues
        config.park_capacity = settings.parkCapacity
        config.park_timeout_ns = settings.parkTimeoutNanoseconds
        config.queue_capacity = settings.queueCapacity
        config.context = Unmanaged.passUnretained(recorder).toOpaque()
        config.replay = { context, queue, bucket, packet in
            OwnerHarness.recorder(context).replayed.append(
                Handed(queue: Int(queue), bucket: Int(bucket), packet: Int(bitPattern: packet)))
        }
        config.expire = { context, queue, bucket, packet in
            OwnerHarness.recorder(context).expired.append(
                Handed(queue: Int(queue), bucket: Int(bucket), packet: Int(bitPattern: packet)))
        }
        if settings.withBacklog {
            config.backlog = { context, queue in OwnerHarness.recorder(context).backlog[Int(queue)] ?? -1 }
        }
        return config
    }

    static func recorder(_ context: UnsafeMutableRawPointer?) -> Recorder {
        Unmanaged<Recorder>.fromOpaque(context!).takeUnretainedValue()
    }

    func enter(queue: UInt16, bucket: UInt32, stamp: UInt64 = 0, packet: Int) -> rsspp_verdict {
        rsspp_owner_enter(owner, queue, bucket, stamp, UnsafeMutableRawPointer(bitPattern: packet))
    }

    func poll(queue: UInt16, received: UInt32 = 0, empty: Bool) {
        rsspp_owner_poll(owner, queue, received, empty ? 1 : 0)
    }

    func request(bucket: UInt32, queue: UInt16, stamp: UInt64 = 0) -> Int32 {
        rsspp_owner_request(owner, bucket, queue, stamp)
    }

    func owner(of bucket: UInt32) -> UInt16 { rsspp_owner_of(owner, bucket) }

    func stats(_ queue: UInt16) -> rsspp_owner_stats {
        var stats = rsspp_owner_stats()
        rsspp_owner_stats(owner, queue, &stats)
        return stats
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
