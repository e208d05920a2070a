#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import Testing
import TestSupport

/// `rss-apply` as a shell runs it: exit statuses, what reaches stdout and stderr, and the table
/// left in the state nic.file.
@Suite struct ApplyCommandTests {
    let nic: NICFixture

    init() throws { nic = try NICFixture() }

    /// A plan for `reta` made from the table `before` (by default the state file's first one).
    func plan(_ reta: [Int], from before: [Int]? = nil) -> String {
        let moves = Move.between(before ?? (reta.count == 8 ? nic.initial.reta : reta.map { ($0 + 1) % 4 }), reta)
        let record = PlanRecord(device: nic.file.device, queues: 4, reta: reta, moves: moves, active: [0, 1, 2, 3])
        return String(decoding: record.jsonLine(), as: UTF8.self)
    }

    func apply(_ lines: [String], arguments: String = "") throws -> ShellResult {
        try writeFile(nic.directory.file("plans"), lines.joined())
        return try shell("rss-apply \(arguments) < plans", in: nic.directory)
    }

    @Test func writesEachTableAndReEmitsThePlanWithApplied() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3]), plan([3, 3, 2, 3, 0, 1, 2, 3], from: [3, 1, 2, 3, 0, 1, 2, 3])])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let plans = try result.stdoutLines.enumerated().map { try PlanRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1) }
        #expect(plans.count == 2)
        #expect(plans.allSatisfy { $0.applied != nil })
        #expect(try nic.file.load() == NICState(queues: 4, reta: [3, 3, 2, 3, 0, 1, 2, 3], generation: 2))
    }

    @Test func aBadRecordEndsTheRunWithStatus65AfterTheEarlierOutput() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3]), plan([3, 1, 2, 3]), plan([0, 0, 0, 0, 0, 0, 0, 0])])
        #expect(result.status == 65)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "rss-apply: line 2: \"reta\" table has 4 entries; \(nic.file.device) has 8\n")
        #expect(try nic.file.load().reta == [3, 1, 2, 3, 0, 1, 2, 3])
    }

    @Test func skipInvalidReportsAndGoesOn() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3]), "{\"type\":\"plan\"\n",
                                plan([0, 0, 0, 0, 0, 0, 0, 0], from: [3, 1, 2, 3, 0, 1, 2, 3])],
                               arguments: "--skip-invalid")
        #expect(result.status == 0)
        #expect(result.stdoutLines.count == 2)
        #expect(result.stderr.hasPrefix("rss-apply: line 2: malformed JSON"), "\(result.stderr)")
        #expect(try nic.file.load() == NICState(queues: 4, reta: [0, 0, 0, 0, 0, 0, 0, 0], generation: 2))
    }

    @Test func aDryRunReEmitsWithoutWriting() throws {
        let line = plan([3, 1, 2, 3, 0, 1, 2, 3])
        let result = try apply([line], arguments: "--dry-run")
        #expect(result.status == 0)
        #expect(result.stdout == line)
        #expect(try nic.file.load() == nic.initial)
    }

    @Test func aTargetThatCannotBeWrittenExits69AndKeepsItsTable() throws {
        try writeFile(nic.directory.file("plans"), plan([3, 1, 2, 3, 0, 1, 2, 3]))
        // A name so long that the temporary file beside it cannot have one (even for root),
        // while its lock files (".NAME.writer") still can.
        let name = String(repeating: "n", count: 245)
        let result = try shell("cp nic.json \(name); rss-apply file:\(name) < plans", in: nic.directory)
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("rss-apply: \(nic.directory.file(name)): cannot create a temporary file"),
                "\(result.stderr)")
        #expect(try readFile(nic.directory.file(name)) == readFile(nic.file.path))
    }

    @Test func aMissingStateFileExits69NamingIt() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3])], arguments: "file:absent.json")
        #expect(result.status == 69)
        #expect(result.stderr == "rss-apply: absent.json: cannot open: No such file or directory\n")
    }

    @Test func anUnknownTargetIsAUsageError() throws {
        let result = try apply([], arguments: "eth0")
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown target \"eth0\""))
        #expect(result.stderr.contains("Usage: rss-apply"))
    }

    @Test func aClosedPipeEndsItQuietly() throws {
        try writeFile(nic.directory.file("plans"), Array(repeating: plan(nic.initial.reta), count: 20_000).joined())
        let result = try shell("{ rss-apply < plans; echo \"exit $?\" >&2; } | head -n 1", in: nic.directory)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "exit 0\n")
    }

    @Test func emptyInputGivesNoOutput() throws {
        let result = try apply([])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
    }

    // The two tables the tests below switch between, with their moves written out by hand.
    static let spread = "[0,1,2,3,0,1,2,3]", skewed = "[3,1,2,3,0,1,2,3]"
    static let toSkewed = #"{"type":"plan","v":1,"queues":4,"reta":[3,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":0,"to":3}]}"#
    static let toSpread = #"{"type":"plan","v":1,"queues":4,"reta":[0,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":3,"to":0}]}"#

    /// Shell functions: `feed` writes plans that switch the table back and forth, starting from the
    /// table the state file holds, until its reader goes; `generation` prints the file's generation;
    /// `temporaries` counts leftover files; `stop_while_writing SIGNAL` starts rss-apply on them,
    /// waits until it has written, sends it SIGNAL and returns its status.
    static let shellHelpers = """
        feed() {
            if grep -qF '"reta":\(skewed)' nic.json; then set -- '\(toSpread)' '\(toSkewed)'; else set -- '\(toSkewed)' '\(toSpread)'; fi
            while printf '%s\\n%s\\n' "$1" "$2"; do :; done 2>/dev/null
        }
        generation() { grep -o '"generation":[0-9]*' nic.json; }
        temporaries() { ls -A | grep -c '\\.tmp$'; }
        stop_while_writing() {
            before=$(generation)
            feed | rss-apply file:nic.json >/dev/null &
            pid=$!
            while [ "$(generation)" = "$before" ]; do sleep 0.01; done
            kill -$1 $pid
            wait $pid
        }
        """

    /// rss-apply stopped 20 times while it writes: SIGTERM leaves no temporary file behind;
    /// SIGKILL may, and the next start removes them.
    @Test(arguments: [("TERM", 143), ("KILL", 137)])
    func stoppedWhileWritingLeavesNoTemporaryFile(signal: String, status: Int) throws {
        let result = try shell("""
            \(Self.shellHelpers)
            for run in $(seq 20); do
                stop_while_writing \(signal)
                echo "status $? temporaries $(temporaries)"
            done
            rss-apply file:nic.json </dev/null
            echo "after a start: $(temporaries)"
            """, in: nic.directory)
        let runs = result.stdoutLines.dropLast()
        print("SIG\(signal): temporaries after each stop: \(runs.map { $0.split(separator: " ").last ?? "" })")
        #expect(runs.map { $0.hasPrefix("status \(status) ") } == Array(repeating: true, count: 20), "\(result)")
        if signal == "TERM" { #expect(runs.allSatisfy { $0.hasSuffix(" temporaries 0") }, "\(result)") }
        #expect(result.stdoutLines.last == "after a start: 0", "\(result)")
        #expect(try nic.file.load().generation > 20)
    }

    @Test func aSecondRssApplyOnOneStateFileIsRefusedNamingTheFirst() throws {
        let result = try shell("""
            mkfifo plans
            rss-apply file:nic.json <plans >applied &
            first=$!
            exec 3>plans
            echo '\(Self.toSkewed)' >&3
            while [ ! -s applied ]; do sleep 0.01; done
            echo '\(Self.toSpread)' | rss-apply file:nic.json
            echo "second: $? first: $first"
            exec 3>&-
            wait $first
            echo "first ended: $?"
            """, in: nic.directory)
        let first = try #require(result.stdoutLines.last { $0.hasPrefix("second:") }?.split(separator: " ").last)
        #expect(result.stdoutLines.suffix(2) == ["second: 75 first: \(first)", "first ended: 0"], "\(result)")
        #expect(result.stderr.contains("rss-apply: file:nic.json: pid \(first) (rss-apply file:nic.json) is "
                                       + "writing its tables"), "\(result)")
        #expect(try nic.file.load() == NICState(queues: 4, reta: [3, 1, 2, 3, 0, 1, 2, 3], generation: 1))
    }

    @Test func aStateFileKeepsItsModeAndOwnerAndItsSymbolicLink() throws {
        try #require(getuid() == 0 || !isCI, "chown needs root")
        let owner = getuid() == 0 ? "4321:4321" : "\(getuid()):\(getgid())"
        let result = try shell("""
            mkdir real && mv nic.json real/nic.json && ln -s real/nic.json nic.json
            chmod 600 real/nic.json && chown \(owner) real/nic.json
            echo '\(Self.toSkewed)' | rss-apply file:nic.json >/dev/null
            echo "status $?"
            stat -c '%F' nic.json
            stat -c '%a %u:%g %F' real/nic.json
            grep -o '"reta":\\[[0-9,]*\\]' real/nic.json
            ls -A real | grep -c '\\.tmp$'
            """, in: nic.directory)
        #expect(result.stdoutLines == ["status 0", "symbolic link", "600 \(owner) regular file",
                                       #""reta":[3,1,2,3,0,1,2,3]"#, "0"], "\(result)")
    }

    @Test(arguments: [
        // Made from a table with bucket 4 on queue 2.
        (#""reta":[3,1,2,3,2,1,2,3],"moves":[{"bucket":0,"from":0,"to":3}]"#,
         #"line 1: stale plan: made with bucket 4 on queue 2; file:nic.json has it on queue 0; table not written (--stale-plan refuse)"#),
        // Made from a table with bucket 1 on queue 0.
        (#""reta":[3,3,2,3,0,1,2,3],"moves":[{"bucket":0,"from":0,"to":3},{"bucket":1,"from":0,"to":3}]"#,
         #"line 1: stale plan: made with bucket 1 on queue 0; file:nic.json has it on queue 1; table not written (--stale-plan refuse)"#),
    ])
    func aStalePlanIsRefusedUnwrittenAndPassedOnWithoutApplied(members: String, message: String) throws {
        let line = #"{"type":"plan","v":1,"queues":4,"# + members + "}"
        let result = try apply([line + "\n"], arguments: "file:nic.json")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == line + "\n", "\(result)")
        #expect(result.stderr == "rss-apply: " + message + "\n", "\(result)")
        #expect(try nic.file.load() == nic.initial)
    }

    @Test func movesOutOfBucketOrderBreakTheContract() throws {
        let line = #"{"type":"plan","v":1,"queues":4,"reta":[3,3,2,3,0,1,2,3],"#
            + #""moves":[{"bucket":1,"from":1,"to":3},{"bucket":0,"from":0,"to":3}]}"#
        let result = try apply([line + "\n"], arguments: "file:nic.json")
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr == "rss-apply: line 1: \"moves\" are not in bucket order\n", "\(result)")
        #expect(try nic.file.load() == nic.initial)
    }

    /// Two plans made from the same table, as when the counter runs ahead of rss-apply: the
    /// first is written, the second, made from the table that write replaced, is stale.
    @Test func aPlanMadeFromTheTableTheLastWriteReplacedIsRefused() throws {
        let late = #"{"type":"plan","v":1,"queues":4,"reta":[0,2,2,3,0,1,2,3],"moves":[{"bucket":1,"from":1,"to":2}]}"#
        let result = try apply([Self.toSkewed + "\n", late + "\n"], arguments: "file:nic.json")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr == "rss-apply: line 2: stale plan: made with bucket 0 on queue 0; file:nic.json has it on "
                + "queue 3; table not written (--stale-plan refuse)\n", "\(result)")
        #expect(result.stdoutLines.count == 2 && result.stdoutLines[0].contains(#""applied":"#), "\(result)")
        #expect(result.stdoutLines.last == late, "\(result)")
        #expect(try nic.file.load() == NICState(queues: 4, reta: [3, 1, 2, 3, 0, 1, 2, 3], generation: 1))
    }

    /// rss-apply reads two plans from a pipe; between them, the state file is changed behind its
    /// back (bucket 6 moved from queue 2 to queue 1). The second plan, made from the table the
    /// first wrote, moves bucket 1 from queue 1 to queue 3.
    func applyWithAChangeBehindItsBack(_ arguments: String) throws -> ShellResult {
        let second = #"{"type":"plan","v":1,"queues":4,"reta":[3,3,2,3,0,1,2,3],"moves":[{"bucket":1,"from":1,"to":3}]}"#
        return try shell("""
            mkfifo plans
            rss-apply file:nic.json \(arguments) <plans >applied 2>errors &
            pid=$!
            exec 3<>plans
            echo '\(Self.toSkewed)' >&3
            while [ ! -s applied ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
            sed -i 's/"reta":\\[3,1,2,3,0,1,2,3\\]/"reta":[3,1,2,3,0,1,1,3]/' nic.json
            echo '\(second)' >&3
            exec 3>&-
            wait $pid
            echo "status $?" >>applied
            cat applied
            cat errors >&2
            """, in: nic.directory)
    }

    @Test func aStalePlanIsRefusedByDefault() throws {
        let result = try applyWithAChangeBehindItsBack("")
        #expect(result.stdoutLines.count == 3 && result.stdoutLines.last == "status 0", "\(result)")
        #expect(!result.stdoutLines[1].contains("applied"), "\(result)")
        #expect(result.stderr == "rss-apply: line 2: stale plan: made with bucket 6 on queue 2; file:nic.json has it on "
                + "queue 1; table not written (--stale-plan refuse)\n", "\(result)")
        #expect(try nic.file.load().reta == [3, 1, 2, 3, 0, 1, 1, 3])
    }

    @Test func aRebasedPlanCarriesTheMovesTheDeviceMade() throws {
        let result = try applyWithAChangeBehindItsBack("--stale-plan rebase")
        #expect(result.stdoutLines.count == 3 && result.stdoutLines.last == "status 0", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let rebased = try PlanRecord(jsonLine: Array(result.stdoutLines[1].utf8), lineNumber: 2)
        // From [3,1,2,3,0,1,1,3], found on the device, to [3,3,2,3,0,1,2,3].
        #expect(rebased.moves == [Move(bucket: 1, from: 1, to: 3), Move(bucket: 6, from: 1, to: 2)], "\(result)")
        #expect(rebased.applied != nil)
        #expect(result.stdoutLines[1].contains(#""rebased":true"#), "\(result)")
        #expect(try nic.file.load().reta == [3, 3, 2, 3, 0, 1, 2, 3])
    }

    @Test func aPlanOlderThanTheLastAppliedOneIsRefused() throws {
        let newer = #"{"type":"plan","v":1,"time":100,"queues":4,"reta":[3,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":0,"to":3}]}"#
        let older = #"{"type":"plan","v":1,"time":50,"queues":4,"reta":[0,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":3,"to":0}]}"#
        let message = #""time" is 50, older than the plan applied last (time 100); table not written"#
        // In one run, and in a later run: the state file remembers the time of the last plan.
        let oneRun = try apply([newer + "\n", older + "\n"], arguments: "file:nic.json")
        #expect(oneRun.status == 65, "\(oneRun)")
        #expect(oneRun.stderr == "rss-apply: line 2: \(message)\n", "\(oneRun)")
        let laterRun = try apply([older + "\n"], arguments: "file:nic.json")
        #expect(laterRun.status == 65, "\(laterRun)")
        #expect(laterRun.stderr == "rss-apply: line 1: \(message)\n", "\(laterRun)")
        #expect(try nic.file.load().reta == [3, 1, 2, 3, 0, 1, 2, 3])
    }

    @Test func theLongestLineIsAnOption() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3])], arguments: "--max-line-bytes 100")
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr == "rss-apply: line 1: is longer than 100 bytes\n", "\(result)")
        #expect(try nic.file.load() == nic.initial)
    }

    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
    func loopbackHasNoRSSTable() throws {
        let result = try apply([Self.toSkewed + "\n"], arguments: "ethtool:lo")
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.hasPrefix("rss-apply: ethtool:lo: the device has no RSS indirection table"), "\(result)")
        #expect(!result.stderr.contains("channel"), "\(result)")
    }
}
