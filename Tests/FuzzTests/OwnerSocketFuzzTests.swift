#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import RssppOwner
import Testing
import TestSupport

/// The owner library's control socket (rsspp-owner(3)) fed generated messages on one
/// connection: every message gets a well-formed answer, and the owner still serves a valid
/// migrate afterwards.
@Suite struct OwnerSocketFuzzTests {
    @Test func everyMessageIsAnsweredAndTheOwnerServesOn() throws {
        let owner = try FuzzedOwner()
        var peer = try SocketPeer(owner.socketPath)
        try fuzz("migrate-message", splicing: ["plan"], iterations: 1500) { input, name in
            guard try peer.send(input) else { return } // longer than the socket takes at all
            guard let answer = try peer.receive() else {
                Issue.record("\(name): the owner closed the connection without answering \(printable(input))")
                peer = try SocketPeer(owner.socketPath)
                return
            }
            #expect(OwnerReply(answer) != nil, "\(name): the answer \(printable(answer)) to \(printable(input))")
        }
        // Bucket 0 is on queue 0: a move there is done as soon as it is filed.
        let valid = #"{"type":"migrate","v":1,"seq":424242,"applied":1.5,"moves":[{"bucket":0,"from":0,"to":0}]}"#
        for peer in [peer, try SocketPeer(owner.socketPath)] {
            #expect(try peer.send(Array(valid.utf8)))
            #expect(try peer.receive().flatMap(OwnerReply.init) == OwnerReply(type: "ack", seq: 424242, error: nil))
        }
    }
}

/// An owner of 16 buckets on 4 queues serving its control socket from its own thread. No queue
/// polls, so a move that changes a bucket's queue is answered with an error at a short timeout.
final class FuzzedOwner {
    let directory: TemporaryDirectory
    let owner: OpaquePointer
    let server: OpaquePointer
    var socketPath: String { directory.file("owner.sock") }

    init() throws {
        directory = try TemporaryDirectory(area: "fuzz")
        var config = rsspp_owner_config()
        config.buckets = 16
        config.queues = 4
        config.replay = { _, _, _, _ in }
        config.expire = { _, _, _, _ in }
        guard let owner = rsspp_owner_create(&config) else { throw TestFailure(String(cString: rsspp_owner_error())) }
        self.owner = owner
        var serverConfig = rsspp_owner_server_config()
        serverConfig.group = gid_t.max
        serverConfig.allowed_uid = uid_t.max
        serverConfig.ack_timeout_ms = 2
        let opened = directory.file("owner.sock").withCString { path in
            serverConfig.path = path
            return rsspp_owner_server_open(owner, &serverConfig)
        }
        guard let opened, rsspp_owner_server_start(opened) == 0 else {
            rsspp_owner_server_close(opened)
            rsspp_owner_free(owner)
            throw TestFailure("serving the owner's control socket: \(String(cString: rsspp_owner_error()))")
        }
        server = opened
    }

    deinit {
        rsspp_owner_server_close(server)
        rsspp_owner_free(owner)
    }
}

/// One connection to a control socket, as rss-migrate makes it.
final class SocketPeer {
    let fd: Int32

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            defer { close(fd) }
            throw TestFailure("connect \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends `message` as one datagram; false when it is too long for any datagram.
    func send(_ message: [UInt8]) throws -> Bool {
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 && errno == EMSGSIZE { return false }
        guard sent == message.count else { throw TestFailure("send: \(String(cString: strerror(errno)))") }
        return true
    }

    /// The next answer; nil when the owner closed the connection. An owner that neither answers
    /// nor closes within 10 s is hung, which fails the test.
    func receive() throws -> [UInt8]? {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 10_000) > 0 else { throw TestFailure("the owner neither answered nor closed within 10 s") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let length = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if length == 0 || (length < 0 && errno == ECONNRESET) { return nil }
        guard length > 0 else { throw TestFailure("recv: \(String(cString: strerror(errno)))") }
        return Array(buffer[..<length])
    }
}

/// An answer as rsspp-owner(3) defines it: `ack` or `error` (with its reason), version 1, the
/// message's seq or 0; nil for anything else.
struct OwnerReply: Equatable {
    var type: String
    var seq: Int
    var error: String?

    init(type: String, seq: Int, error: String?) {
        self.type = type
        self.seq = seq
        self.error = error
    }

    init?(_ datagram: [UInt8]) {
        var type: String?, version: Int?, seq: Int?, error: String?
        do {
            try decodeObject(datagram, lineNumber: 0) { scanner, key in
                switch key {
                case "type": type = try scanner.string()
                case "v": version = try scanner.integer()
                case "seq": seq = try scanner.integer()
                case "error": error = try scanner.string()
                default: throw TestFailure("unexpected member \(key)")
                }
            }
        } catch {
            return nil
        }
        guard let type, let seq, version == 1, seq >= 0,
              (type == "ack" && error == nil) || (type == "error" && error.map { !$0.isEmpty } == true) else { return nil }
        self.init(type: type, seq: seq, error: error)
    }
}
