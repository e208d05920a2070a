import NICSim
import RSSRecords
import Testing
import TableTargets
import TestSupport

/// `--restore-on-exit` and the checks rss-apply makes for a device whose channels changed.
@Suite struct TableRestorerTests {
    let directory: TemporaryDirectory
    let file: NICStateFile
    let initial = NICState(queues: 4, tableSize: 8)
    let balanced = [3, 1, 2, 3, 0, 1, 2, 3]

    init() throws {
        directory = try TemporaryDirectory()
        file = NICStateFile(path: directory.file("nic.json"))
        try file.write(initial)
    }

    func planLine(_ reta: [Int], queues: Int = 4) -> String {
        let record = PlanRecord(device: file.device, queues: queues, reta: reta,
                                moves: Move.between(initial.reta, reta), active: Array(0..<queues))
        return String(decoding: record.jsonLine().dropLast(), as: UTF8.self)
    }

    @Test func writesBackTheTableFoundAtStartOnce() throws {
        let restorer = TableRestorer()
        let target = restorer.guarding(FileTarget(path: file.path))
        _ = try target.read()
        try target.write(balanced)
        try target.write([0, 0, 1, 1, 2, 2, 3, 3])
        #expect(restorer.restore().isEmpty)
        #expect(try file.load().reta == initial.reta)
        let generation = try file.load().generation
        #expect(restorer.restore().isEmpty)
        #expect(try file.load().generation == generation)
    }

    @Test func aTargetOnlyReadIsLeftAlone() throws {
        let restorer = TableRestorer()
        let target = restorer.guarding(FileTarget(path: file.path))
        _ = try target.read()
        #expect(restorer.restore().isEmpty)
        #expect(try file.load() == initial)
    }

    @Test func noTableIsWrittenAfterTheRestore() throws {
        let restorer = TableRestorer()
        let target = restorer.guarding(FileTarget(path: file.path))
        try target.write(balanced)
        _ = restorer.restore()
        let error = try #require(throws: TargetError.self) { try target.write(balanced) }
        #expect(error.description.contains("was restored"), "\(error)")
        #expect(try file.load().reta == initial.reta)
    }

    @Test func aPlanMadeForAnotherChannelCountIsRefused() throws {
        var applier = try PlanApplier()
        try file.write(NICState(queues: 6, tableSize: 8))
        let line = Array(planLine(balanced).utf8)[...]
        let error = try #require(throws: RecordError.self) { try applier.apply(line, number: 4) }
        #expect(error.line == 4 && error.field == "queues", "\(error)")
        #expect(error.message.contains("has 6 queues now (its channel count changed)"), "\(error)")
        #expect(try file.load().generation == 0)
    }

    @Test(arguments: ["end of input", "a bad record", "SIGTERM", "SIGINT"])
    func rssApplyRestoresAtTheEnd(ending: String) throws {
        try #require(toolExists("rss-apply"), "rss-apply was not built")
        let plan = planLine(balanced)
        let stop = switch ending {
        case "end of input": "exec 3>&-"
        case "a bad record": "echo '{\"type\":\"plan\"}' >&3"
        default: "kill -\(ending.dropFirst(3)) $pid"
        }
        // The plan is applied (its output line appears) before rss-apply is stopped.
        let result = try shell("""
            mkfifo plans
            rss-apply --restore-on-exit \(file.device) <plans >applied &
            pid=$!
            exec 3>plans
            printf '%s\\n' '\(plan)' >&3
            while [ ! -s applied ]; do sleep 0.02; done
            grep -o '"reta":\\[[0-9,]*\\]' \(file.path)
            \(stop)
            wait $pid
            echo "status $?"
            grep -o '"reta":\\[[0-9,]*\\]' \(file.path)
            """, in: directory)
        let status = ["SIGTERM": 128 + 15, "SIGINT": 128 + 2, "a bad record": 65][ending] ?? 0
        #expect(result.stdoutLines == [#""reta":[3,1,2,3,0,1,2,3]"#, "status \(status)", #""reta":[0,1,2,3,0,1,2,3]"#],
                "\(result)")
        #expect(!result.stderr.contains("restoring"), "\(result)")
    }

    /// The reader of its output is gone before the plan arrives: rss-apply notices while it
    /// waits for input, ends quietly, and never writes a table nobody would hear of.
    @Test func rssApplyEndsUnwrittenWhenItsReaderIsGone() throws {
        try #require(toolExists("rss-apply"), "rss-apply was not built")
        // The status is rss-apply's own, not the pipeline's (sh has no pipefail).
        let result = try shell("""
            { sleep 0.5; printf '%s\\n' '\(planLine(balanced))'; } |
                { rss-apply --restore-on-exit \(file.device); echo "status $?" >&2; } | true
            """, in: directory)
        #expect(result.stderr == "status 0\n", "\(result)")
        #expect(try file.load() == initial, "the table was written, or restored")
    }

    /// The reader leaves after the first plan: rss-apply wrote that table, notices the reader
    /// gone while it waits for the next plan, ends quietly, and puts the table it found back.
    @Test func rssApplyRestoresWhenItsReaderLeavesAfterAPlan() throws {
        try #require(toolExists("rss-apply"), "rss-apply was not built")
        let result = try shell("""
            { printf '%s\\n' '\(planLine(balanced))'; sleep 2; } |
                { rss-apply --restore-on-exit \(file.device); echo "status $?" >&2; } | head -n 1 > /dev/null
            """, in: directory)
        #expect(result.stderr == "status 0\n", "\(result)")
        #expect(try file.load().reta == initial.reta)
        #expect(try file.load().generation == 2, "the table was not written and restored")
    }

    /// SIGTERM while plans stream in, 40 times: every run ends by the signal (143), with the
    /// table found at start back in place, never with the status of a write refused after the
    /// restore.
    @Test func sigtermWhilePlansStreamInAlwaysEndsByTheSignal() throws {
        try #require(toolExists("rss-apply"), "rss-apply was not built")
        let away = planLine(balanced), back = String(decoding: PlanRecord(
            device: file.device, queues: 4, reta: initial.reta,
            moves: [Move(bucket: 0, from: 3, to: 0)], active: [0, 1, 2, 3]).jsonLine().dropLast(), as: UTF8.self)
        let result = try shell("""
            generation() { grep -o '"generation":[0-9]*' \(file.path); }
            for run in $(seq 40); do
                before=$(generation)
                { while printf '%s\\n%s\\n' '\(away)' '\(back)'; do :; done 2>/dev/null; } |
                    rss-apply --restore-on-exit \(file.device) >/dev/null &
                pid=$!
                while [ "$(generation)" = "$before" ]; do sleep 0.01; done
                kill -TERM $pid
                wait $pid
                echo "status $? $(grep -o '"reta":\\[[0-9,]*\\]' \(file.path))"
            done
            """, in: directory)
        #expect(result.stdoutLines == Array(repeating: #"status 143 "reta":[0,1,2,3,0,1,2,3]"#, count: 40), "\(result)")
    }
}
