#if canImport(Glibc)
import Glibc
#endif
import NICSim
import Testing
import TestSupport

/// What goes wrong around a long-running rss-balance on the simulated NIC: the device going away
/// and coming back, a read-only state directory, a full disk. It recovers or says why it cannot,
/// and the NIC's state file, read from outside after each fault, always holds a whole table that
/// fits the NIC. (Stages killed or hanging: BalanceCommandTests.) `waitUntil` bounds are hang
/// guards, not measurements.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
struct BalanceFaultTests {
    /// Not the driver's default layout, so that a table put back is this one and no other.
    static let initial = NICState(queues: 4, reta: (0..<16).map { $0 / 4 })
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(area: "faults") }

    /// rss-balance on the NIC at `nic` (in the directory) with quick epochs and restarts, in the
    /// background; its stderr in balance.log.
    func startBalancer(_ nic: String, _ options: String = "") throws -> Balancer {
        let command = "cd '\(directory.path)' && exec '\(toolDirectory)/rss-balance' file:\(nic) --scenario steady "
            + "--interval 0.02 --apply-options '--stale-plan rebase' --backoff-min 0.1 --backoff-max 0.4 \(options)"
        return Balancer(pid: try spawn(["/bin/sh", "-c", command], stdout: directory.file("balance.out"),
                                       stderr: directory.file("balance.log")))
    }

    var log: String { String(decoding: (try? readFile(directory.file("balance.log"))) ?? [], as: UTF8.self) }

    /// The NIC's state as read from outside, after checking that its table fits the NIC: whole,
    /// as long as before, every entry one of its queues.
    func table(_ nic: String) throws -> NICState {
        let state = try NICStateFile(path: directory.file(nic)).load()
        #expect(state.queues == Self.initial.queues && state.reta.count == Self.initial.reta.count
                && state.reta.allSatisfy { (0..<state.queues).contains($0) }, "\(state.reta)")
        return state
    }

    func waitForATableWrite(_ nic: String, after generation: Int) throws -> Bool {
        try waitUntil(seconds: 30) { try table(nic).generation > generation }
    }

    /// How many restarts rss-balance announced after its log was `earlier`.
    func restarts(since earlier: String) -> Int {
        log.dropFirst(earlier.count).split(separator: "\n").filter { $0.contains(": restarting in ") }.count
    }

    func run(_ script: String) throws {
        let result = try shell(script, in: directory)
        try #require(result.status == 0, "\(script): \(result.stderr)")
    }

    /// SIGTERM, then the exit status; the table found at start must be back.
    func stop(_ balancer: Balancer, _ nic: String) throws -> Int32 {
        let status = balancer.end(with: SIGTERM)
        #expect(try table(nic).reta == Self.initial.reta, "\(log)")
        return status
    }

    @Test func aDeviceThatGoesAwayIsWaitedForAndBalancedWhenItComesBack() throws {
        try run("mkdir dev")
        try NICStateFile(path: directory.file("dev/nic.json")).write(Self.initial)
        let balancer = try startBalancer("dev/nic.json")
        defer { _ = balancer.end(with: SIGKILL) }
        #expect(try waitForATableWrite("dev/nic.json", after: 0), "\(log)")

        try run("rm -r dev")
        #expect(waitUntil(seconds: 30) {
            log.split(separator: "\n").contains { $0.contains("dev/") && $0.hasSuffix("No such file or directory") }
                && log.contains("restarting in")
        }, "\(log)")
        // It comes back whole, as a driver brings a NIC up: its directory renamed into place.
        try run("mkdir dev.new")
        try NICStateFile(path: directory.file("dev.new/nic.json")).write(Self.initial)
        let gone = log
        try run("mv dev.new dev")
        #expect(try waitForATableWrite("dev/nic.json", after: 0), "\(log)")
        #expect(log.dropFirst(gone.count).contains("started"), "a pipeline started after the device came back: \(log)")

        #expect(try stop(balancer, "dev/nic.json") == 0, "\(log)")
        #expect(log.contains("table restored"), "\(log)")
    }

    /// rss-plan keeps the history in memory and saves it on stop: what fails is that save, said
    /// at start by rss-balance and at stop by rss-plan, each in one line naming the file and the
    /// reason; the balancing itself goes on and ends cleanly.
    @Test func aReadOnlyStateDirectoryCostsOnlyThePlannersHistoryAndIsSaid() throws {
        try NICStateFile(path: directory.file("nic.json")).write(Self.initial)
        try run("mkdir state && mount --bind state state && mount -o remount,bind,ro state")
        defer { _ = try? shell("umount state", in: directory) }
        let balancer = try startBalancer("nic.json", "--state state/plan.state")
        defer { _ = balancer.end(with: SIGKILL) }
        #expect(waitUntil(seconds: 30) {
            log.contains("STATE (--state) state: Read-only file system: rss-plan will not keep its history across restarts")
        }, "said at start, not only when the history is lost: \(log)")
        let first = try table("nic.json").generation
        #expect(try waitForATableWrite("nic.json", after: first), "\(log)")
        #expect(try waitForATableWrite("nic.json", after: table("nic.json").generation), "\(log)")

        #expect(try stop(balancer, "nic.json") == 0, "\(log)")
        #expect(log.contains("rss-plan: state file state/plan.state: cannot create a temporary file in state: "
                             + "Read-only file system"), "\(log)")
        let saved = try shell("ls -A state", in: directory)
        #expect(saved.status == 0 && saved.stdout.isEmpty, "nothing half-written is left: \(saved.stdout)")
    }

    /// On a small tmpfs that fills up: every table write fails, the NIC keeps its last whole
    /// table, the pipeline is restarted with backoff and balances again once there is room; the
    /// records file drops records meanwhile, says so, and holds whole lines only.
    @Test func aFullDiskKeepsTheLastTableAndBalancingResumesWhenThereIsRoom() throws {
        try run("mkdir small && mount -t tmpfs -o size=1m none small")
        defer { _ = try? shell("umount small", in: directory) }
        try NICStateFile(path: directory.file("small/nic.json")).write(Self.initial)
        let balancer = try startBalancer("small/nic.json", "--state small/plan.state --records small/records")
        defer { _ = balancer.end(with: SIGKILL) }
        #expect(try waitForATableWrite("small/nic.json", after: 0), "\(log)")

        try run("dd if=/dev/zero of=small/fill bs=4k 2>/dev/null; [ -s small/fill ]")
        let full = log
        #expect(waitUntil(seconds: 30) { restarts(since: full) >= 1 }, "\(log)")
        let kept = try table("small/nic.json")
        #expect(waitUntil(seconds: 30) { restarts(since: full) >= 3 }, "\(log)")
        #expect(try table("small/nic.json") == kept, "no table written while the disk is full")
        let failed = log.dropFirst(full.count).split(separator: "\n")
        #expect(failed.contains { $0.contains("rss-apply: ") && $0.hasSuffix("No space left on device") }, "\(log)")
        #expect(failed.contains { $0.hasSuffix("small/records: No space left on device; dropping records until it can be written") },
                "\(log)")

        try run("rm small/fill")
        #expect(try waitForATableWrite("small/nic.json", after: kept.generation), "\(log)")
        #expect(waitUntil(seconds: 30) { log.contains("RECORDS (--records) small/records: written again; ") }, "\(log)")
        #expect(try stop(balancer, "small/nic.json") == 0, "\(log)")
        let records = String(decoding: try readFile(directory.file("small/records")), as: UTF8.self)
        #expect(records.hasSuffix("\n") && records.split(separator: "\n").allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") },
                "only whole records, none cut off by the full disk")
    }
}

/// A running rss-balance. Each test ends it with SIGKILL on the way out, in case a failure left it
/// running, before unmounting what it was using.
final class Balancer {
    private let pid: pid_t
    private var status: Int32?

    init(pid: pid_t) { self.pid = pid }

    /// Sends `signal` unless it ended already, and waits; its exit status.
    func end(with signal: Int32) -> Int32 {
        if let status { return status }
        kill(pid, signal)
        let ended = exitStatus(waitingFor: pid)
        status = ended
        return ended
    }
}
