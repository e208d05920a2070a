#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import Testing
import TestSupport

/// rss-balance as built, over the built rss-count, rss-plan and rss-apply on a simulated NIC's
/// state file, read from outside as an operator would. `waitUntil` bounds are hang guards, not
/// measurements.
@Suite struct BalanceCommandTests {
    let nic: NICFixture
    /// Not the driver's default layout, so that a table put back is this one and no other.
    static let initial = NICState(queues: 8, reta: (0..<128).map { $0 / 16 })

    init() throws { nic = try NICFixture(BalanceCommandTests.initial) }

    var device: String { "file:nic.json" }

    /// rss-balance run to its end. `timeout` is a hang guard, not a measurement: a balancer that
    /// restarts instead of ending would otherwise hang the test (status 124 then).
    func run(_ arguments: String) throws -> ShellResult {
        try shell("timeout -k 5 120 rss-balance \(device) \(arguments)", in: nic.directory)
    }

    /// rss-balance started in the background in the fixture's directory; its stderr in `log`.
    func start(_ arguments: [String], log: String = "balance.log") throws -> pid_t {
        let directory = nic.directory.path
        let script = "cd '\(directory)' && exec '\(toolDirectory)/rss-balance' " + arguments.map { "'\($0)'" }.joined(separator: " ")
        return try spawn(["/bin/sh", "-c", script], stdout: nic.directory.file("balance.out"), stderr: nic.directory.file(log))
    }

    /// What rss-balance has written to stderr so far (also for the messages of failed expectations).
    func log(_ name: String = "balance.log") -> String {
        (try? readFile(nic.directory.file(name))).map { String(decoding: $0, as: UTF8.self) } ?? "(no log)"
    }

    /// The pids of `parent`'s children running `tool`, from /proc.
    func children(of parent: pid_t, named tool: String) throws -> [pid_t] {
        let result = try shell("""
            for stat in /proc/[0-9]*/stat; do
                read -r pid comm state ppid rest < "$stat" 2>/dev/null || continue
                [ "$ppid" = \(parent) ] && [ "$comm" = "(\(tool))" ] && echo "$pid"
            done
            """, in: nic.directory)
        return result.stdoutLines.compactMap { pid_t($0) }
    }

    /// Waits until the table on the NIC is no longer `than`'s generation: a pipeline wrote one.
    func waitForATableWrite(after generation: Int) throws -> Bool {
        try waitUntil(seconds: 30) { try nic.file.load().generation > generation }
    }

    @Test func aFiniteSourceEndsWithStatus0AndTheTableFoundAtStartPutBack() throws {
        try writeFile(nic.directory.file("balance.conf"), """
            # the simulated NIC, fast
            SCENARIO=overload
            COUNT_OPTIONS="--fast --epochs 300 --seed 3"   # 300 plans
            RECORDS=records
            """)
        let result = try run("--config balance.conf")
        #expect(result.status == 0, "\(result.stderr)")
        let plans = try readFile(nic.directory.file("records")).split(separator: 0x0a).enumerated()
            .map { try PlanRecord(jsonLine: $1, lineNumber: $0 + 1) }
        #expect(plans.count == 300)
        let written = plans.filter { $0.applied != nil }
        #expect(!written.isEmpty, "the pipeline must have changed the table")
        #expect(written.allSatisfy { $0.reta != BalanceCommandTests.initial.reta })
        let final = try nic.file.load()
        #expect(final.reta == BalanceCommandTests.initial.reta, "the table found at start must be back")
        #expect(final.generation == written.count + 1, "every plan written, then the restore")
        #expect(result.stderr.contains("rss-balance \(device): table restored"), "\(result.stderr)")
        // One line per event, not per plan: rss-apply refuses hundreds of stale plans here.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("rss-balance \(device): ") }, "\(result.stderr)")
        #expect(lines.count < 25, "\(lines.count) lines for \(plans.count) plans:\n\(result.stderr)")
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aSignalStopsTheStagesAndPutsTheTableBack(signal: Int32) throws {
        let pid = try start([device, "--scenario", "overload", "--interval", "0.02", "--summary-every", "0.2"])
        #expect(try waitForATableWrite(after: 0), "no table written: \(log())")
        // A summary comes every --summary-every seconds, not only at the end.
        #expect(waitUntil(seconds: 30) { log().contains("rss-balance \(device): summary: ") }, "\(log())")
        kill(pid, signal)
        #expect(exitStatus(waitingFor: pid) == 0, "\(log())")
        #expect(try nic.file.load().reta == BalanceCommandTests.initial.reta, "\(log())")
        let events = log()
        #expect(events.contains("table restored"), "\(events)")
        #expect(events.hasSuffix("stopped (exit status 0)\n"), "\(events)")
    }

    @Test func aSecondBalancerAndAPlainRssApplyAreRefusedNamingTheFirst() throws {
        let pid = try start([device, "--scenario", "overload", "--interval", "0.05"])
        defer { kill(pid, SIGTERM); _ = exitStatus(waitingFor: pid) }
        #expect(waitUntil(seconds: 30) { log().contains("pipeline 1 started") }, "\(log())")
        let second = try run("--scenario overload")
        #expect(second.status == 75)
        #expect(second.stderr.contains("lock held by pid \(pid) "), "\(second.stderr)")
        #expect(second.stderr.hasSuffix("rss-balance \(device): stopped (exit status 75)\n"), "\(second.stderr)")
        let apply = try shell("rss-apply \(device) < /dev/null", in: nic.directory)
        #expect(apply.status == 75)
        #expect(apply.stderr.contains("pid \(pid) "), "\(apply.stderr)")
        #expect(!(log()).contains("exited"), "the first balancer's stages run on: \(log())")
    }

    /// The hand-over on its own: a shell holds the writer lock on descriptor 7 and starts
    /// rss-apply, which inherits it; named in RSSPP_HELD_LOCKS it is taken over, and the lock
    /// file keeps naming the shell.
    @Test func rssApplyTakesOverTheLockItIsHandedAndOnlyThat() throws {
        let result = try shell("""
            echo "pid $$ (the holder)" > .nic.json.writer
            exec 7< .nic.json.writer
            flock -n 7 || exit 99
            RSSPP_HELD_LOCKS="$PWD/.nic.json.writer=7" rss-apply \(device) < /dev/null; echo "handed $?"
            RSSPP_HELD_LOCKS="$PWD/.nic.json.writer=6" rss-apply \(device) < /dev/null; echo "elsewhere $?"
            rss-apply \(device) < /dev/null; echo "not handed $?"
            cat .nic.json.writer
            echo "pid $$"
            """, in: nic.directory)
        let lines = result.stdoutLines
        try #require(lines.count == 5, "\(result.stdout)\(result.stderr)")
        #expect(lines[0...2] == ["handed 0", "elsewhere 75", "not handed 75"], "\(result.stderr)")
        #expect(lines[3] == lines[4] + " (the holder)", "the lock file names the holder still")
        #expect(result.stderr.contains("\(lines[4]) (the holder) is writing its tables"), "\(result.stderr)")
    }

    /// Each stage in turn, rss-report (PROMETHEUS) included, SIGKILLed mid-run; the NIC's table
    /// read from outside is whole before and after.
    @Test(arguments: ["rss-count", "rss-plan", "rss-apply", "rss-report"])
    func aStageKilledFromOutsideRestartsThePipelineAndTheRunGoesOn(stage: String) throws {
        let pid = try start([device, "--scenario", "overload", "--interval", "0.02", "--backoff-min", "0.1",
                             "--prometheus", nic.directory.file("metrics.prom")])
        defer { kill(pid, SIGTERM); _ = exitStatus(waitingFor: pid) }
        var found: pid_t?
        #expect(try waitUntil(seconds: 30) { found = try children(of: pid, named: stage).first; return found != nil })
        let killed = try #require(found)
        kill(killed, SIGKILL)
        #expect(waitUntil(seconds: 30) { log().contains("pipeline 2 started") }, "\(log())")
        let restarted = try nic.file.load().generation
        #expect(try waitForATableWrite(after: restarted), "the restarted pipeline writes tables: \(log())")
        let events = log()
        #expect(events.contains("rss-balance \(device): \(stage)[\(killed)] was killed by signal 9"), "\(events)")
        #expect(events.contains("rss-balance \(device): restarting in 0.1 s"), "\(events)")
    }

    /// A `tools` directory of the built tools, but `tool` a shell script running `script`, then
    /// the built tool when the script gets that far (`$TOOL`). The shell writes the script: a
    /// descriptor of it open in this process could leak into a process another test starts
    /// meanwhile, and the script could not be executed (ETXTBSY).
    func makeTools(replacing tool: String, with script: String) throws {
        let made = try shell("""
            mkdir tools && for tool in rss-count rss-plan rss-apply; do ln -s '\(toolDirectory)'/$tool tools/; done &&
            rm tools/\(tool) && { echo '#!/bin/sh'; echo 'TOOL=\(toolDirectory)/\(tool)'; cat; } > tools/\(tool) <<'EOF'
            \(script)
            EOF
            chmod +x tools/\(tool)
            """, in: nic.directory)
        try #require(made.status == 0, "\(made.stderr)")
    }

    @Test func aStageThatHangsIsFoundStalledAndRestarted() throws {
        // rss-plan hangs the first time it is started, and runs the second time.
        try makeTools(replacing: "rss-plan", with: #"[ -e hung ] || { touch hung; exec sleep 1000; }; exec "$TOOL" "$@""#)
        let result = try run("--scenario overload --interval 0.02 --count-options '--epochs 100' "
            + "--tools-dir tools --stall-timeout 1 --backoff-min 0.1")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("rss-balance \(device): stalled: no record for 1 s; stopping pipeline 1"), "\(result.stderr)")
        #expect(result.stderr.contains("pipeline 2 started"), "\(result.stderr)")
        #expect(try nic.file.load().reta == BalanceCommandTests.initial.reta)
    }

    /// The line that says why a stage ended is shown even when the stage said too much before it.
    @Test func aFailedStagesLastLineIsShownPastTheLimit() throws {
        // rss-plan says 30 lines, the last one why it gives up, the first time; then runs.
        try makeTools(replacing: "rss-plan", with: """
            [ -e failed ] || { touch failed; for i in $(seq 29); do echo "rss-plan: chatter $i" >&2; done
                               echo "rss-plan: the reason it ended" >&2; exit 70; }
            exec "$TOOL" "$@"
            """)
        let result = try run("--scenario overload --count-options '--fast --epochs 20' --tools-dir tools --backoff-min 0.1")
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stderr.split(separator: "\n")
        #expect(events.contains { $0.hasSuffix(": rss-plan: the reason it ended (its last line before it ended)") },
                "\(result.stderr)")
        #expect(!events.contains { $0.contains("chatter 29") }, "the limit still holds: \(result.stderr)")
    }

    @Test func aStageRefusingItsArgumentsStopsWith78WithoutRestarting() throws {
        let result = try run("--plan-options '--no-such-option' --backoff-min 0.1")
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("rss-plan[") && result.stderr.contains("] exited with status 64"), "\(result.stderr)")
        #expect(!result.stderr.contains("pipeline 2"), "\(result.stderr)")
        #expect(try nic.file.load() == BalanceCommandTests.initial)
    }

    @Test func toolsMissingFromTheToolsDirectoryStop78() throws {
        let result = try run("--tools-dir \(nic.directory.path)")
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("rss-balance \(device): cannot start pipeline 1: cannot start \(nic.directory.path)/rss-count: "
            + "No such file or directory"), "\(result.stderr)")
        #expect(try nic.file.load() == BalanceCommandTests.initial)
    }

    @Test func aBadConfigFileStopsWith78NamingFileAndLine() throws {
        try writeFile(nic.directory.file("bad.conf"), "INTERVAL=1\n\nPLAN_OPTION=--threshold\n")
        let result = try run("--config bad.conf")
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("rss-balance: bad.conf:3: unknown key \"PLAN_OPTION\""), "\(result.stderr)")
    }

    /// RECORDS is the operator's copy: a disk that cannot take it costs the copy, said, not the balancing.
    @Test func aRecordsFileThatCannotBeWrittenIsSaidAndTheBalancingGoesOn() throws {
        let before = try nic.file.load().generation
        let result = try run("--scenario overload --count-options '--fast --epochs 50' --records /dev/full")
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stderr.split(separator: "\n")
        #expect(events.filter { $0.contains("/dev/full: No space left on device; dropping records until it can be written") }
                    .count == 1, "\(result.stderr)")
        #expect(events.contains { $0.hasSuffix("RECORDS (--records) /dev/full: 50 records were dropped (No space left on device)") },
                "\(result.stderr)")
        #expect(!result.stderr.contains("pipeline 2"), "\(result.stderr)")
        let after = try nic.file.load()
        #expect(after.generation > before + 1, "tables were written, then the one found at start")
        #expect(after.reta == BalanceCommandTests.initial.reta, "\(result.stderr)")
    }

    @Test(arguments: ["--source ''", "--state ''", "--plan-options ''"])
    func anEmptyOptionIsRefused(option: String) throws {
        let result = try run("--count-options '--fast --epochs 5' " + option)
        #expect(result.status == 78, "\(result.stderr)")
        let name = option.split(separator: " ")[0]
        #expect(result.stderr == "rss-balance: \(name) is empty\n", "\(result.stderr)")
        #expect(try nic.file.load() == BalanceCommandTests.initial)
    }

    /// rss-apply's --context would be another table than the one rss-balance locks and restores.
    @Test func aContextIsGivenByCONTEXTNotInAPPLY_OPTIONS() throws {
        let inOptions = try run("--scenario overload --apply-options '--context 1'")
        #expect(inOptions.status == 78, "\(inOptions.stderr)")
        #expect(inOptions.stderr.contains("APPLY_OPTIONS (--apply-options): give the RSS context as CONTEXT (--context)"),
                "\(inOptions.stderr)")
        // The context reaches the device's target: a file: device has none.
        let given = try run("--scenario overload --context 1")
        #expect(given.status == 78, "\(given.stderr)")
        #expect(given.stderr.contains("--context applies to ethtool: targets"), "\(given.stderr)")
        #expect(given.stderr.hasSuffix("stopped (exit status 78)\n"), "\(given.stderr)")
        #expect(try nic.file.load() == BalanceCommandTests.initial)
    }

    /// dpdk:0 and dpdk:0@rte are one port: one balancer lock, named after the canonical name.
    @Test func aDPDKBalancerLockIsNamedAfterTheCanonicalDevice() throws {
        let result = try shell("""
            mkdir -p /run/rsspp && exec 7> /run/rsspp/balance-dpdk:0@rte.lock && echo "pid $$ (the test)" >&7 &&
            flock -n 7 || exit 99
            timeout -k 5 60 rss-balance dpdk:0
            """, in: nic.directory)
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("lock held by pid "), "\(result.stderr)")
    }

    /// rss-count's SIGPIPE may be reaped before rss-plan's 64: the 64 still stops rss-balance.
    @Test func aStatus64StopsWith78WhicheverStageIsReapedFirst() throws {
        // rss-plan kills rss-count (the leader of the stages' process group) with SIGPIPE, and
        // exits 64 later, even when told to stop.
        try makeTools(replacing: "rss-plan", with: """
            trap '' TERM; read -r pid comm state ppid group rest < /proc/$$/stat; kill -PIPE $group; sleep 1; exit 64
            """)
        let result = try shell("timeout -k 5 30 rss-balance \(device) --scenario overload --interval 0.02 "
            + "--tools-dir tools --backoff-min 0.1", in: nic.directory)
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("exited with status 64"), "\(result.stderr)")
        #expect(!result.stderr.contains("pipeline 2"), "\(result.stderr)")
    }

    /// RSSPP_HELD_LOCKS in rss-balance's own environment names nothing its stages hold.
    @Test func anInheritedHeldLocksVariableReachesNoStage() throws {
        try makeTools(replacing: "rss-plan", with: #"echo "${RSSPP_HELD_LOCKS-unset}" > plan.env; exec "$TOOL" "$@""#)
        let result = try shell("RSSPP_HELD_LOCKS=/elsewhere.lock=9 timeout -k 5 60 rss-balance \(device) --scenario overload "
            + "--count-options '--fast --epochs 5' --tools-dir tools", in: nic.directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(decoding: readFile(nic.directory.file("plan.env")), as: UTF8.self) == "unset\n")
    }

    /// A line over the record limit out of the last stage is dropped whole, never cut into
    /// records, and said in an event.
    @Test func anOverlongRecordIsDiscardedWhole() throws {
        try makeTools(replacing: "rss-apply", with: """
            head -c 5000000 /dev/zero | tr '\\0' x; echo; echo after; exec cat > /dev/null
            """)
        let result = try run("--scenario overload --count-options '--fast --epochs 5' --tools-dir tools --records records")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try readFile(nic.directory.file("records")) == Array("after\n".utf8))
        #expect(result.stderr.contains("rss-balance \(device): rss-apply: 1 line longer than 4194304 bytes discarded"),
                "\(result.stderr)")
    }

    /// A SIGTERM before the first pipeline (here while rss-balance waits to open a FIFO as its
    /// records file) stops it before any pipeline starts.
    @Test func aStopSignalBeforeTheFirstPipelineStartsNone() throws {
        #expect(mkfifo(nic.directory.file("records"), 0o600) == 0)
        let pid = try start([device, "--scenario", "overload", "--records", "records"])
        // The writer lock names rss-balance once it holds it: its signal handlers are in place.
        #expect(waitUntil(seconds: 30) {
            (try? readFile(nic.directory.file(".nic.json.writer"))).map { String(decoding: $0, as: UTF8.self) }?
                .hasPrefix("pid \(pid) ") == true
        }, "\(log())")
        kill(pid, SIGTERM)
        let reader = try shell("timeout 60 cat records", in: nic.directory)
        #expect(reader.status == 0)
        #expect(exitStatus(waitingFor: pid) == 0, "\(log())")
        #expect(!log().contains("pipeline 1 started"), "\(log())")
        #expect(log().hasSuffix("stopped (exit status 0)\n"), "\(log())")
        #expect(try nic.file.load() == BalanceCommandTests.initial)
    }
}
