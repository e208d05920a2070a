#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import TestSupport

/// `rss-apply` running in the background on a primary, fed plans one at a time through a FIFO,
/// so that a test can change the primary (kill it, stop it) between two plans.
final class PlanFeed {
    let applier: Background
    private let primary: Primary
    private let fifo: Int32

    init(_ primary: Primary, options: String = "") throws {
        self.primary = primary
        let path = primary.directory.file("plans")
        guard mkfifo(path, 0o600) == 0 else { throw TestFailure("mkfifo \(path): \(String(cString: strerror(errno)))") }
        applier = try Background(["/bin/sh", "-c", "exec '\(toolDirectory)/rss-apply' \(options) < plans"],
                                 in: primary.directory, name: "apply")
        fifo = open(path, O_WRONLY)
    }

    deinit {
        close(fifo)
        applier.stop()
    }

    /// Writes a plan moving the port's table from `previous` to `reta`.
    func send(_ reta: [Int], after previous: [Int], queues: Int) throws {
        let record = PlanRecord(device: primary.device, queues: queues, reta: reta,
                                moves: Move.between(previous, reta), active: Array(0..<queues))
        let bytes = record.jsonLine() + [UInt8(ascii: "\n")]
        guard bytes.withUnsafeBytes({ write(fifo, $0.baseAddress, $0.count) }) == bytes.count else {
            throw TestFailure("writing a plan: \(String(cString: strerror(errno)))")
        }
    }

    /// Waits until rss-apply has passed on `count` plans; false when it did not within 30 s.
    func passedOn(_ count: Int) -> Bool {
        waitUntil(seconds: 30) { applier.lines().count >= count }
    }
}

/// A tool running in the background, its output going to files in a test's directory.
final class Background {
    let pid: pid_t
    private let stdoutPath: String
    private let stderrPath: String
    private var status: Int32?

    init(_ arguments: [String], in directory: TemporaryDirectory, name: String) throws {
        stdoutPath = directory.file("\(name).out")
        stderrPath = directory.file("\(name).err")
        let script = "cd '\(directory.path)' && exec \"$@\""
        pid = try spawn(["/bin/sh", "-c", script, "sh"] + arguments, stdout: stdoutPath, stderr: stderrPath)
    }

    func lines() -> [String] {
        ((try? readFile(stdoutPath)) ?? []).split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    func errors() -> String { String(decoding: (try? readFile(stderrPath)) ?? [], as: UTF8.self) }

    /// The processes it started that still run (or are not reaped yet).
    func children() throws -> [pid_t] {
        try String(decoding: readFile("/proc/\(pid)/task/\(pid)/children"), as: UTF8.self).split(separator: " ").compactMap { pid_t($0) }
    }

    /// Its exit status once it has ended by itself, or nil when it still ran after `seconds`.
    func exitStatus(within seconds: Double) -> Int32? {
        _ = waitUntil(seconds: seconds) { reap(options: WNOHANG) }
        return status
    }

    func stop() {
        guard status == nil else { return }
        kill(pid, SIGKILL)
        _ = reap(options: 0)
    }

    private func reap(options: Int32) -> Bool {
        var raw: Int32 = 0
        guard status == nil else { return true }
        guard waitpid(pid, &raw, options) == pid else { return false }
        status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return true
    }
}
