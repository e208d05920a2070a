#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

/// What the built `rss-count xdp:` leaves on an interface, however it ends, as iproute2 sees it:
/// nothing of its own unless pinned, and never anything of somebody else's changed.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct XDPLifecycleTests {
    /// The counting options every run here shares: software hash, veth's queues on two CPUs.
    static func counting(_ veth: VethFixture) -> String { "xdp:\(veth.local) --hash soft --cpus 0,1,0,1 --interval 0.1" }

    @Test func aRunThatEndsDetaches() throws {
        #expect(toolExists("rss-count"), "rss-count must be built next to the tests")
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        let run = try shell("rss-count \(Self.counting(veth)) --epochs 2", in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.count == 2)
        #expect(!run.stderr.contains("libbpf"), "libbpf must not complain: \(run.stderr)")
        #expect(try AttachedXDP.on(veth.local) == nil, "rss-count must detach when it ends")
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func aSignalledRunLeavesNothingAttached(signal: Int32) throws {
        let veth = try VethFixture(queues: 4)
        let counter = try BackgroundCount(Self.counting(veth))
        let attached = try counter.waitUntilAttached(to: veth.local)
        #expect(attached.name.hasPrefix("rsspp_"))
        _ = counter.end(with: signal)
        #expect(try AttachedXDP.on(veth.local) == nil, "nothing may stay attached after signal \(signal)")
    }

    @Test func aRunWhoseReaderWentAwayDetaches() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        // timeout only keeps a defect from hanging the suite; the run ends at its second record.
        let run = try shell("timeout 60 rss-count \(Self.counting(veth)) | head -n 1", in: directory)
        #expect(run.stdoutLines.count == 1, "\(run.stderr)")
        #expect(try AttachedXDP.on(veth.local) == nil, "rss-count must detach when its reader goes away")
    }

    @Test func anotherProgramIsRefusedByNameAndLeftAlone() throws {
        let veth = try VethFixture(queues: 4)
        try attachForeignProgram(to: veth.local)
        let foreign = try #require(try AttachedXDP.on(veth.local))
        let directory = try TemporaryDirectory(area: "xdp")
        let run = try shell("rss-count \(Self.counting(veth)) --epochs 1", in: directory)
        #expect(run.status == 69)
        #expect(run.stderr.contains("\"\(foreignProgramName)\", id \(foreign.id)"), "the refusal names it: \(run.stderr)")
        #expect(try AttachedXDP.on(veth.local) == foreign, "the other program stays, untouched")
    }

    /// A program attached without libxdp (`ip link set dev IFACE xdp obj`) cannot share the
    /// interface: the refusal names it and says how to reload it through libxdp's dispatcher.
    /// The BPF file system is mounted, so that libxdp is asked what the program is.
    @Test(arguments: ["auto", "libxdp"])
    func aProgramAttachedWithoutLibXDPIsRefusedWithWhatToDo(dispatcher: String) throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        let object = try buildForeignXDPProgram(in: directory)
        // Mounted first: iproute2 would mount it otherwise, over a bind mount, and leave both.
        try withBPFFileSystem(removingPinsOf: veth.local, mounting: true) {
            let attach = try shell("ip link set dev \(veth.local) xdp obj '\(object)' sec xdp", in: directory)
            try #require(attach.status == 0, "\(attach.stderr)")
            let foreign = try #require(try AttachedXDP.on(veth.local))
            let run = try shell("rss-count \(Self.counting(veth)) --dispatcher \(dispatcher) --epochs 1", in: directory)
            #expect(run.status == 69)
            #expect(run.stderr.contains("\"\(foreignXDPProgramName)\", id \(foreign.id)")
                    && run.stderr.contains("that libxdp does not manage")
                    && run.stderr.contains("ip link set dev \(veth.local) xdp off")
                    && run.stderr.contains("xdp-loader load \(veth.local)"), "the refusal says what to do: \(run.stderr)")
            #expect(run.stdout.isEmpty)
            #expect(try AttachedXDP.on(veth.local) == foreign, "the other program stays, untouched")
        }
    }

    /// `--dispatcher libxdp` on an interface without XDP leaves nothing behind, whether the kernel
    /// runs libxdp's dispatcher (the Linux 6.1 guest test sees it beside another program) or
    /// refuses its freplace programs, as this project's sandboxed build kernel does: then libxdp
    /// would attach the counter alone, and rss-count detaches it and says why.
    @Test func aDispatcherItStartedGoesWithIt() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        try withBPFFileSystem(removingPinsOf: veth.local) {
            let run = try shell("rss-count \(Self.counting(veth)) --dispatcher libxdp --epochs 2", in: directory)
            let counted = run.status == 0 && run.stdoutLines.count == 2
                && run.stderr.contains("counting in libxdp's dispatcher")
            let refused = run.status == 69 && run.stdout.isEmpty
                && run.stderr.contains("xdp:\(veth.local): the kernel refused libxdp's dispatcher")
            #expect(counted || refused, "status \(run.status): \(run.stderr)")
            #expect(try AttachedXDP.on(veth.local) == nil, "nothing stays attached")
        }
    }

    @Test func withoutPrivilegesTheFirstMessageNamesThem() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        // Root with every capability dropped, as an unprivileged user would run it.
        let run = try shell("setpriv --bounding-set=-all --inh-caps=-all rss-count \(Self.counting(veth)) --epochs 1",
                            in: directory)
        #expect(run.status == 69)
        let first = run.stderr.split(separator: "\n").first ?? ""
        #expect(first.contains("CAP_BPF") && first.contains("CAP_PERFMON") && first.contains("CAP_NET_ADMIN"), "\(run.stderr)")
        #expect(try AttachedXDP.on(veth.local) == nil)
    }

    /// veth has no RSS table, so no RSS context 1: refused by number, never answered with context 0's.
    @Test func aContextTheDeviceLacksIsRefused() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        let run = try shell("rss-count \(Self.counting(veth)) --context 1 --epochs 1", in: directory)
        #expect(run.status == 69)
        #expect(run.stderr.contains("xdp:\(veth.local): reading RSS context 1"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(try AttachedXDP.on(veth.local) == nil)
    }

    /// `--pin` leaves the counter attached; later runs read it and leave it, whatever way they
    /// end; `--unpin` removes it with its pins.
    @Test func aPinnedCounterStaysUntilUnpinned() throws {
        let veth = try VethFixture(queues: 4)
        let pins = "/sys/fs/bpf/rsspp/\(veth.local)"
        try withBPFFileSystem(removingPinsOf: veth.local) {
            let directory = try TemporaryDirectory(area: "xdp")
            let pinning = try shell("rss-count \(Self.counting(veth)) --epochs 1 --pin", in: directory)
            #expect(pinning.status == 0, "\(pinning.stderr)")
            let pinned = try #require(try AttachedXDP.on(veth.local), "a pinned counter stays attached")
            #expect(access(pins, F_OK) == 0)

            let reader = try shell("rss-count \(Self.counting(veth)) --epochs 2", in: directory)
            #expect(reader.status == 0, "\(reader.stderr)")
            #expect(reader.stdoutLines.count == 2)
            #expect(try AttachedXDP.on(veth.local) == pinned, "a reader of the pinned counter leaves it attached")

            let signalled = try BackgroundCount(Self.counting(veth))
            try signalled.waitForRecord()
            _ = signalled.end(with: SIGTERM)
            #expect(try AttachedXDP.on(veth.local) == pinned, "nor does a reader that is stopped")

            let reading = try BackgroundCount(Self.counting(veth))
            try reading.waitForRecord()
            let unpin = try shell("rss-count xdp:\(veth.local) --unpin", in: directory)
            #expect(unpin.status == 0, "\(unpin.stderr)")
            #expect(reading.waitForEnd() == 69, "a reader of a counter unpinned under it stops")
            #expect(reading.errors.contains("the counter was detached"), "\(reading.errors)")
            #expect(try AttachedXDP.on(veth.local) == nil, "--unpin detaches it")
            #expect(access(pins, F_OK) != 0, "--unpin removes the pins")
        }
    }
}

/// `rss-count` running in the background; killed when the value goes, if still running.
final class BackgroundCount {
    let pid: pid_t
    private let directory: TemporaryDirectory
    private var status: Int32?

    /// `wrapper`, when given, runs rss-count (its first word a program's full path, as `setpriv`).
    init(_ arguments: String, under wrapper: [String] = []) throws {
        directory = try TemporaryDirectory(area: "xdp")
        pid = try spawn(wrapper + [toolDirectory + "/rss-count"] + arguments.split(separator: " ").map(String.init),
                        stdout: directory.file("records"), stderr: directory.file("errors"))
    }

    deinit { _ = end(with: SIGKILL) }

    var errors: String { String(decoding: (try? readFile(directory.file("errors"))) ?? [], as: UTF8.self) }
    var records: String { String(decoding: (try? readFile(directory.file("records"))) ?? [], as: UTF8.self) }

    /// Sends `frames` from `veth`'s peer after the first record (the first reading is taken by
    /// then: every frame sent counts), waits for the run to end by itself, detached; its records.
    func records(counting frames: [[UInt8]], from veth: VethFixture) throws -> [LoadRecord] {
        try waitForRecord()
        try veth.send(frames)
        #expect(waitForEnd() == 0, "\(errors)")
        #expect(try AttachedXDP.on(veth.local) == nil, "rss-count must detach when it ends")
        return try records.split(separator: "\n").enumerated().map { line, text in
            try LoadRecord(jsonLine: Array(text.utf8), lineNumber: line + 1)
        }
    }

    /// The program once iproute2 shows one on `interface`: polled, as attaching takes a moment.
    func waitUntilAttached(to interface: String) throws -> AttachedXDP {
        for _ in 0..<400 {
            if let attached = try AttachedXDP.on(interface) { return attached }
            usleep(25_000)
        }
        throw TestFailure("rss-count attached nothing to \(interface): \(errors)")
    }

    /// Waits until it wrote its first record (polled).
    func waitForRecord() throws {
        for _ in 0..<400 {
            if records.contains("\n") { return }
            usleep(25_000)
        }
        throw TestFailure("rss-count wrote no record: \(errors)")
    }

    /// Sends `signal` and waits for the end; the exit status.
    func end(with signal: Int32) -> Int32 {
        if status == nil { kill(pid, signal) }
        return waitForEnd()
    }

    /// The exit status, once it ended by itself.
    func waitForEnd() -> Int32 {
        if let status { return status }
        let ended = exitStatus(waitingFor: pid)
        status = ended
        return ended
    }
}
