#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses of the tools, from sysexits(3).
public enum ExitStatus {
    public static let usage: Int32 = 64
    /// A record that breaks the contract.
    public static let dataError: Int32 = 65
    /// An input file that does not exist or cannot be opened.
    public static let noInput: Int32 = 66
    /// A device or state file that cannot be read or written.
    public static let unavailable: Int32 = 69
    /// A fault of the tool itself.
    public static let softwareError: Int32 = 70
    /// An output file that cannot be created or replaced.
    public static let cannotCreate: Int32 = 73
    /// A device another process is writing: try again once it has ended.
    public static let temporaryFailure: Int32 = 75
    /// A configuration file or setting that cannot work (rss-balance).
    public static let configuration: Int32 = 78
}

/// Records go to stdout one whole line per write(2), so each is flushed as soon as it is made
/// and a reader downstream never waits on a buffer. A reader that has gone away (EPIPE) ends
/// the tool quietly with status 0, as the end of a pipeline should.
public enum RecordOutput {
    /// Call once at start-up, before the first write: EPIPE then comes back as an error
    /// instead of a signal that would kill the tool mid-line.
    public static func prepare() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether the reader of `fd` has gone away, found without writing: poll reports POLLERR for
    /// a pipe whose reader closed, POLLHUP for a hung-up terminal, and neither for a file.
    public static func readerGone(fd: Int32 = STDOUT_FILENO) -> Bool {
        var output = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&output, 1, 0) > 0 && hasLostItsReader(output)
    }

    static func hasLostItsReader(_ polled: pollfd) -> Bool { polled.revents & Int16(POLLERR | POLLHUP) != 0 }

    public static func write(_ bytes: [UInt8], fd: Int32 = STDOUT_FILENO) {
        guard let code = writeAll(bytes, to: fd) else { return }
        if code == EPIPE { exit(0) }
        diagnose("write: \(String(cString: strerror(code)))")
        exit(ExitStatus.unavailable)
    }
}

/// Writes all of `bytes` to `fd`, however many calls that takes; nil, or the errno of the write
/// that failed (EIO for one that wrote nothing).
func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let wrote = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
            if wrote < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if wrote < 0 { return errno }
            if wrote == 0 { return EIO }
            done += wrote
        }
        return nil
    }
}

/// Writes `bytes` to `path` as a shell's `>` would: created or truncated, written in place, so
/// that a device (`/dev/null`), a pipe or a symbolic link the user names is written to, never
/// replaced.
public func writeOutput(_ bytes: [UInt8], to path: String) throws(SystemError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw SystemError(operation: "\(path): cannot open", errno: errno) }
    defer { close(fd) }
    if let code = writeAll(bytes, to: fd) { throw SystemError(operation: "\(path): cannot write", errno: code) }
}

/// The tool's name as invoked, for the `tool: message` prefix of diagnostics.
public let toolName = fileName(of: CommandLine.arguments.first ?? "rsspp")

/// The last component of `path`: what follows its last slash.
public func fileName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

/// One diagnostic line on stderr, prefixed with the tool's name.
public func diagnose(_ message: String) {
    let line = Array("\(toolName): \(message)\n".utf8)
    line.withUnsafeBytes { raw in _ = Glibc.write(STDERR_FILENO, raw.baseAddress!, raw.count) }
}
