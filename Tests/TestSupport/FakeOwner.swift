#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An owner of flow state as the tests write it, with raw socket calls and nothing of the code
/// under test: it listens on a Unix SOCK_SEQPACKET socket on a thread of its own, keeps every
/// datagram it receives byte for byte, and answers each with what `respond` returns. When
/// `respond` returns nil the owner dies as a killed process would: every socket closed at once,
/// the socket file left behind.
public final class FakeOwner: @unchecked Sendable {
    public let path: String
    private let respond: @Sendable (_ message: [UInt8], _ count: Int) -> [String]?
    private let listener: Int32
    private var thread = pthread_t()
    private let state = Mutex(State())

    private struct State {
        var received: [[UInt8]] = []
        var connections = 0
        var stopping = false
    }

    /// Starts listening on `path` (replacing a socket file left there). `respond` gets each
    /// message and how many came before it.
    public init(path: String, respond: @escaping @Sendable (_ message: [UInt8], _ count: Int) -> [String]?) throws {
        self.path = path
        self.respond = respond
        unlink(path)
        listener = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        memset(&address, 0, MemoryLayout<sockaddr_un>.size)
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            let message = String(cString: strerror(errno))
            close(listener)
            throw TestFailure("bind/listen \(path): \(message)")
        }
        let created = pthread_create(&thread, nil, { raw in
            Unmanaged<FakeOwner>.fromOpaque(raw!).takeUnretainedValue().serve()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque())
        precondition(created == 0, "pthread_create")
    }

    /// An owner that acknowledges every message.
    public static func acking(path: String) throws -> FakeOwner {
        try FakeOwner(path: path) { message, _ in [reply("ack", to: message)] }
    }

    /// Every message received so far, exactly as it arrived.
    public var received: [[UInt8]] { state.withLock { $0.received } }
    /// Connections accepted so far.
    public var connections: Int { state.withLock { $0.connections } }

    /// Stops the thread (the owner is then dead, if it was not already) and removes the socket
    /// file. Call before the value goes away.
    public func stop() {
        state.withLock { $0.stopping = true }
        pthread_join(thread, nil)
        unlink(path)
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func serve() {
        var peers: [Int32] = []
        defer {
            close(listener)
            peers.forEach { close($0) }
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while !stopping {
            let watched = [listener] + peers
            var polled = watched.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), 20) > 0 else { continue }
            if polled[0].revents != 0 {
                let peer = accept(listener, nil, nil)
                if peer >= 0 { peers.append(peer); state.withLock { $0.connections += 1 } }
            }
            for (peer, polled) in zip(watched, polled).dropFirst() where polled.revents != 0 {
                let got = buffer.withUnsafeMutableBytes { recv(peer, $0.baseAddress, $0.count, 0) }
                if got <= 0 {
                    close(peer)
                    peers.removeAll { $0 == peer }
                    break
                }
                let message = Array(buffer[..<got])
                let count = state.withLock { state in
                    defer { state.received.append(message) }
                    return state.received.count
                }
                guard let answers = respond(message, count) else { return }
                for answer in answers {
                    _ = Array(answer.utf8).withUnsafeBytes { send(peer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }
}

/// The `seq` of a migrate message, read with a plain text search (not the code under test).
public func messageSeq(_ message: [UInt8]) -> Int? {
    let text = String(decoding: message, as: UTF8.self)
    guard let start = text.firstRange(of: #""seq":"#)?.upperBound else { return nil }
    return Int(text[start...].prefix { $0.isNumber })
}

/// An answer of `type` ("ack", "error") to `message`, or to `seq` when given.
public func reply(_ type: String, to message: [UInt8], seq: Int? = nil, error: String? = nil) -> String {
    #"{"type":"\#(type)","v":1,"seq":\#(seq ?? messageSeq(message) ?? 0)"# + (error.map { #","error":"\#($0)""# } ?? "") + "}"
}
