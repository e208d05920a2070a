#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGCHLD turned into bytes on a pipe, so that the supervisor's one poll(2)
/// wakes for a signal as for a line of output, and handles it between two steps, never inside one.
enum SignalPipe {
    /// The read end; each byte is a signal number.
    nonisolated(unsafe) private(set) static var fd: Int32 = -1
    nonisolated(unsafe) private static var writeEnd: Int32 = -1

    static func install() {
        guard let ends = try? makePipe() else { preconditionFailure("cannot make the signal pipe") }
        // A full pipe must not block the handler; the bytes there already wake the loop.
        setNonBlocking(ends.read)
        setNonBlocking(ends.write)
        fd = ends.read
        writeEnd = ends.write
        for signal in [SIGTERM, SIGINT, SIGCHLD] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                let saved = errno
                _ = write(SignalPipe.writeEnd, &byte, 1)
                errno = saved
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    /// The signals that arrived since the last call.
    static func drain() -> [Int32] {
        var bytes = [UInt8](repeating: 0, count: 64)
        var signals: [Int32] = []
        while true {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else { return signals }
            signals += bytes[..<got].map { Int32($0) }
        }
    }
}
