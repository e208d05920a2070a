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
    /// A device or state file that cannot be read or written.
    public static let unavailable: Int32 = 69
    /// A device another process is writing: try again once it has ended.
    public static let temporaryFailure: Int32 = 75
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

    public static func write(_ bytes: [UInt8], fd: Int32 = STDOUT_FILENO) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let wrote = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if wrote < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    if errno == EPIPE { exit(0) }
                    diagnose("write: \(String(cString: strerror(errno)))")
                    exit(ExitStatus.unavailable)
                }
                done += wrote
            }
        }
    }
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
