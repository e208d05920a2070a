#if canImport(Glibc)
import Glibc
#endif

/// rss-migrate's end of one owner's control socket: a Unix SOCK_SEQPACKET connection, opened
/// when a plan needs it and kept from plan to plan. Non-blocking, so that no owner can hold up
/// the pipeline beyond the timeout.
final class OwnerConnection {
    let path: String
    private var fd: Int32 = -1
    /// One answer at a time; one byte more than the protocol allows, to tell a longer one.
    private var buffer = [UInt8](repeating: 0, count: MigrateProtocol.maxMessageBytes + 1)

    init(path: String) { self.path = path }
    deinit { close() }

    var isOpen: Bool { fd >= 0 }
    var descriptor: Int32 { fd }

    /// Connects; nil, or why it cannot.
    func open() -> String? {
        let socketFD = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { return "cannot make a socket: \(describe(errno))" }
        var address = sockaddr_un()
        memset(&address, 0, MemoryLayout<sockaddr_un>.size)
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(socketFD)
            return "cannot connect: \(describe(code))"
        }
        fd = socketFD
        return nil
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends `message` as one datagram; nil, or the errno of the failure. MSG_NOSIGNAL: an owner
    /// that has gone away is an error to report, not a SIGPIPE that would end rss-migrate.
    func send(_ message: [UInt8]) -> Int32? {
        while true {
            let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent >= 0 { return nil }
            if errno != EINTR { return errno }
        }
    }

    enum Received {
        case datagram(ArraySlice<UInt8>)
        /// Nothing to read now.
        case nothing
        /// The connection is over: the owner closed it or it broke.
        case lost(String)
    }

    func receive() -> Received {
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got > 0 { return .datagram(buffer[..<got]) }
            if got == 0 { return .lost("closed the connection without answering") }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .nothing
            case let code: return .lost("connection lost: \(describe(code))")
            }
        }
    }
}

/// Errors that say the connection died on the owner's side: a fresh one may succeed.
func isDeadConnection(_ code: Int32) -> Bool {
    code == EPIPE || code == ECONNRESET || code == ENOTCONN || code == ECONNREFUSED
}

func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
