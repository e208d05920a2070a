import Glibc
import RssppOwner

/// The owner's control socket, rss-migrate's peer (wire protocol v1, rss-migrate(1)): a
/// `SOCK_SEQPACKET` socket on which the pipeline says which buckets moved, answered once they
/// are owned by their new queues. A thread of the C library's own serves it until ``close()``
/// (or until the object goes away).
public final class ControlSocket<Packet>: @unchecked Sendable {
    /// Who may steer the owner and how its answers are timed.
    public struct Configuration: Sendable {
        /// The socket file to create (a stale socket there is replaced; anything else is refused).
        public var path: String
        /// Its permissions.
        public var mode: mode_t = 0o600
        /// Its group, and a gid allowed to steer, compared with the peer's primary gid only (not
        /// its supplementary groups); nil: none.
        public var group: gid_t?
        /// A peer uid allowed besides root; nil: root only.
        public var allowedUID: uid_t?
        /// Refuse messages naming another device (`ethtool:eth0`, `dpdk:0@app`); nil: any.
        public var device: String?
        /// How long a move may take before its sender gets an error; keep it below rss-migrate's
        /// `--timeout` (1 s by default), so that the error naming the bucket arrives first.
        public var ackTimeout = Duration.milliseconds(800)
        /// The stamp, on the packets' clock, of a table written at Unix time `applied`; nil: no
        /// stamp (the drain then rests on empty queues and counts).
        public var switchStamp: (@Sendable (_ applied: Double) -> UInt64)?
        /// True when the application reports every table write itself (``BucketOwnership``'s
        /// request, with exact stamps): the socket then requests nothing, it only waits for the
        /// moves and answers. Requested again by the socket, later-stamped, a move could send a
        /// bucket back to a queue a newer table no longer steers it to.
        public var tableWritesReported = false

        public init(path: String) { self.path = path }
    }

    private let ownership: BucketOwnership<Packet>
    private let stamps: StampBox
    private var server: OpaquePointer?

    /// Creates the socket and starts serving it.
    /// - Throws: ``OwnershipError`` naming the socket and why.
    public init(_ configuration: Configuration, ownership: BucketOwnership<Packet>) throws {
        self.ownership = ownership
        stamps = StampBox(configuration.switchStamp)
        let timeout = configuration.ackTimeout.components
        let milliseconds = timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0, let ackTimeout = UInt32(exactly: milliseconds) else {
            throw OwnershipError("ackTimeout is \(configuration.ackTimeout); it must be 1 ms or more")
        }
        var config = rsspp_owner_server_config()
        config.mode = configuration.mode
        config.group = configuration.group ?? gid_t.max
        config.allowed_uid = configuration.allowedUID ?? uid_t.max
        config.ack_timeout_ms = ackTimeout
        config.table_writes_reported = configuration.tableWritesReported ? 1 : 0
        if configuration.switchStamp != nil {
            config.switch_stamp = { context, applied in
                Unmanaged<StampBox>.fromOpaque(context!).takeUnretainedValue().stamp!(applied)
            }
            // This object keeps `stamps` alive for as long as the server runs: unretained.
            config.context = Unmanaged.passUnretained(stamps).toOpaque()
        }
        // The library copies both strings.
        let opened = configuration.path.withCString { path in
            config.path = path
            return configuration.device.withOptionalCString { device in
                config.device = device
                return rsspp_owner_server_open(ownership.owner, &config)
            }
        }
        guard let opened else { throw OwnershipError(String(cString: rsspp_owner_error())) }
        guard rsspp_owner_server_start(opened) == 0 else {
            let reason = String(cString: rsspp_owner_error())
            rsspp_owner_server_close(opened)
            throw OwnershipError(reason)
        }
        server = opened
    }

    /// Stops serving, hangs up on the peers and removes the socket file.
    public func close() {
        if let server { rsspp_owner_server_close(server) }
        server = nil
    }

    deinit { close() }
}

private final class StampBox: Sendable {
    let stamp: (@Sendable (Double) -> UInt64)?
    init(_ stamp: (@Sendable (Double) -> UInt64)?) { self.stamp = stamp }
}

extension Optional where Wrapped == String {
    fileprivate func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text = self else { return body(nil) }
        return text.withCString(body)
    }
}
