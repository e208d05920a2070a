#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import Testing
import TestSupport

extension DPDKPath {
    /// A primary that ends, killed or stopped, is an error for its secondaries, never an idle
    /// port: `rss-count dpdk:` stops within two intervals with status 69 and a message naming the
    /// primary's end, and `rss-apply dpdk:` refuses to write.
    @Suite struct DeadPrimaryTests {
        static let interval = 0.2
        static let signals: [Int32] = [SIGKILL, SIGTERM]

        @Test(arguments: signals)
        func rssCountStopsWithinTwoIntervals(signal: Int32) throws {
            try Primary.with(vdev: "net_null0", workers: 2, options: ["--queues", "2", "--rate", "400", "--yield"],
                             secondaries: true) { primary in
                let counter = try Background([toolDirectory + "/rss-count", primary.device, "--interval", "\(Self.interval)"],
                                             in: primary.directory, name: "count")
                defer { counter.stop() }
                try #require(waitUntil(seconds: 30) { counter.lines().count >= 2 }, "rss-count emits: \(counter.errors())")
                let beforeTheEnd = counter.lines().count
                primary.end(with: signal)
                // A generous limit only so that a failing run ends; the bound is on the records.
                let status = counter.exitStatus(within: 100 * Self.interval)
                let after = counter.lines().count - beforeTheEnd
                #expect(after <= 2, "\(after) records after the primary ended")
                #expect(status == 69)
                #expect(counter.errors().hasPrefix("rss-count: \(primary.device): the DPDK primary"), "\(counter.errors())")
                #expect(counter.errors().contains("has ended"), "\(counter.errors())")
            }
        }

        @Test(arguments: signals)
        func rssApplyRefusesToWrite(signal: Int32) throws {
            try Primary.with(vdev: "net_null0", workers: 2, options: ["--software-rss", "--queues", "2", "--table-size", "8",
                                                                      "--rate", "400", "--yield"],
                             secondaries: true) { primary in
                let fifo = primary.directory.file("plans")
                try #require(mkfifo(fifo, 0o600) == 0)
                let applier = try Background(["/bin/sh", "-c", "exec '\(toolDirectory)/rss-apply' < plans"],
                                             in: primary.directory, name: "apply")
                defer { applier.stop() }
                let plans = open(fifo, O_WRONLY)
                defer { close(plans) }
                let first = [1, 0, 1, 0, 1, 0, 1, 0], second = [1, 1, 1, 1, 0, 0, 0, 0]
                try write(plan(first, after: try primary.table(), device: primary.device), to: plans)
                try #require(waitUntil(seconds: 30) { applier.lines().count == 1 }, "\(applier.errors())")
                let block = signal == SIGKILL ? try BlockInHugepages(primary: primary) : nil

                primary.end(with: signal)
                try write(plan(second, after: first, device: primary.device), to: plans)
                #expect(applier.exitStatus(within: 30) == 69)
                #expect(applier.lines().count == 1, "no plan passed on after the primary ended")
                #expect(applier.errors().hasPrefix("rss-apply: \(primary.device): the DPDK primary"), "\(applier.errors())")
                #expect(applier.errors().contains("has ended"), "\(applier.errors())")
                // After SIGKILL the block stays in the hugepage files, where the test reads it.
                if let block { #expect(block.table == first, "the dead primary's table is untouched") }
            }
        }

        func plan(_ reta: [Int], after previous: [Int], device: String) -> [UInt8] {
            PlanRecord(device: device, queues: 2, reta: reta, moves: Move.between(previous, reta), active: [0, 1]).jsonLine()
        }

        func write(_ line: [UInt8], to fd: Int32) throws {
            let bytes = line + [UInt8(ascii: "\n")]
            guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                throw TestFailure("writing a plan: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A tool running in the background, its output going to files in a test's directory.
final class Background {
    private let pid: pid_t
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
