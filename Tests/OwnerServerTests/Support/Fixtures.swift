#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import RssppOwner
import Testing
import TestSupport

/// An owner of `buckets` buckets on `queues` queues (bucket b starts on queue b % queues) and
/// its control socket in `directory` (a fresh one when nil). The test plays every queue's thread.
final class OwnerFixture {
    let directory: TemporaryDirectory
    let owner: OpaquePointer
    let server: OpaquePointer
    let queues: UInt16
    var socketPath: String { directory.file("owner.sock") }

    init(buckets: UInt32 = 16, queues: UInt16 = 4, device: String? = nil, in directory: TemporaryDirectory? = nil,
         configure: (inout rsspp_owner_server_config) -> Void = { _ in }, startThread: Bool = true) throws {
        self.directory = try directory ?? TemporaryDirectory(area: "owner")
        var config = rsspp_owner_config()
        config.buckets = buckets
        config.queues = queues
        // The test parks no packet: nothing to replay or free.
        config.replay = { _, _, _, _ in }
        config.expire = { _, _, _, _ in }
        guard let owner = rsspp_owner_create(&config) else { throw TestFailure(String(cString: rsspp_owner_error())) }
        self.owner = owner
        self.queues = queues
        var serverConfig = OwnerFixture.serverConfig()
        configure(&serverConfig)
        let opened = self.directory.file("owner.sock").withCString { path in
            serverConfig.path = path
            guard let device else { return rsspp_owner_server_open(owner, &serverConfig) }
            return device.withCString { device in
                serverConfig.device = device
                return rsspp_owner_server_open(owner, &serverConfig)
            }
        }
        guard let opened else {
            rsspp_owner_free(owner)
            throw TestFailure("rsspp_owner_server_open: \(String(cString: rsspp_owner_error()))")
        }
        server = opened
        if startThread { #expect(rsspp_owner_server_start(server) == 0) }
    }

    deinit {
        rsspp_owner_server_close(server)
        rsspp_owner_free(owner)
    }

    /// The defaults the header documents: no group, root only, any device, 800 ms.
    static func serverConfig() -> rsspp_owner_server_config {
        var config = rsspp_owner_server_config()
        config.group = gid_t.max
        config.allowed_uid = uid_t.max
        return config
    }

    /// One idle iteration of every queue's polling loop: an empty receive poll.
    func pollQueues() {
        for queue in 0..<queues { rsspp_owner_poll(owner, queue, 0, 1) }
    }

    /// Polls the queues until `peer` gets an answer (the owner needs them to hand over).
    func pollQueues(until peer: Peer) throws -> Answer {
        let deadline = monotonicSeconds() + 10
        while monotonicSeconds() < deadline {
            pollQueues()
            if let answer = try peer.receive(within: 0.001) { return answer }
        }
        throw TestFailure("no answer within 10 s while the queues polled")
    }
}

/// One answer of the owner, read with the project's own JSON scanner (not the owner's jansson).
struct Answer: Equatable, CustomStringConvertible {
    var type = "", version = 0, seq = -1
    var error: String?
    var description: String { "\(type) v\(version) seq \(seq)" + (error.map { ": \($0)" } ?? "") }

    init(json: [UInt8]) throws {
        try json.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            try scanner.object { scanner, key in
                switch key {
                case "type": type = try scanner.string()
                case "v": version = try scanner.integer()
                case "seq": seq = try scanner.integer()
                case "error": error = try scanner.string()
                default: throw TestFailure("unexpected member \(key) in \(String(decoding: json, as: UTF8.self))")
                }
            }
        }
    }

    init(_ type: String, seq: Int, error: String? = nil) {
        self.type = type
        self.version = 1
        self.seq = seq
        self.error = error
    }

    var isAck: Bool { type == "ack" && version == 1 && error == nil }
}

/// A connection to a control socket the way rss-migrate makes one: raw Glibc calls.
final class Peer {
    let fd: Int32

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        let status = withUnixAddress(path) { connect(fd, $0, $1) }
        guard status == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("connect \(path): \(reason)")
        }
    }

    deinit { close(fd) }

    func send(_ message: String) throws { try send(bytes: Array(message.utf8)) }

    func send(bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw TestFailure("send: \(String(cString: strerror(errno)))") }
    }

    /// The next datagram, or nil when none arrives within `seconds`; a closed connection throws.
    func receive(within seconds: Double) throws -> Answer? {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, Int32(seconds * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let length = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard length > 0 else { throw TestFailure(length == 0 ? "the owner closed the connection" : "recv: \(String(cString: strerror(errno)))") }
        return try Answer(json: Array(buffer[..<length]))
    }

    /// The next answer, which must come within 5 s.
    func answer() throws -> Answer {
        guard let answer = try receive(within: 5) else { throw TestFailure("no answer within 5 s") }
        return answer
    }
}

/// `body` with a sockaddr_un for `path`.
func withUnixAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8.prefix(raw.count - 1))
        raw.copyBytes(from: bytes)
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// A migrate message as rss-migrate writes it, or with one member spoilt.
func migrate(seq: Int, moves: [(bucket: Int, from: Int, to: Int)] = [], movesJSON: String? = nil,
             device: String = "dpdk:0", applied: String = "1000.5", version: Int = 1) -> String {
    let list = movesJSON ?? "[" + moves.map { "{\"bucket\":\($0.bucket),\"from\":\($0.from),\"to\":\($0.to)}" }
        .joined(separator: ",") + "]"
    return "{\"type\":\"migrate\",\"v\":\(version),\"seq\":\(seq),\"device\":\"\(device)\",\"applied\":\(applied),\"moves\":\(list)}"
}

/// The mode, owner and group of `path` without following a link, read with lstat.
func fileStatus(_ path: String) throws -> stat {
    var status = stat()
    guard lstat(path, &status) == 0 else { throw TestFailure("lstat \(path): \(String(cString: strerror(errno)))") }
    return status
}
