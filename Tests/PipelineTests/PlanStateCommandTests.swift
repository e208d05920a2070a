import RSSRecords
import Testing
import TestSupport

/// `rss-plan --state FILE` as cron runs it: a run per sample, the history in between in FILE.
@Suite struct PlanStateCommandTests {
    let directory: TemporaryDirectory

    /// 80 epochs of the diurnal scenario (load ramping up and down, so autoscaling acts), split
    /// into the first 40 and the rest.
    init() throws {
        directory = try TemporaryDirectory()
        let counted = try shell("rss-count sim:diurnal --fast --epochs 80 --nic nic.json > loads"
                                + " && head -n 40 loads > first && tail -n +41 loads > rest", in: directory)
        try #require(counted.status == 0, "\(counted.stderr)")
    }

    /// The plans in `output`, without their solve times.
    func plans(_ output: String) throws -> [PlanRecord] {
        try output.split(separator: "\n").enumerated().map { index, line in
            var plan = try PlanRecord(jsonLine: Array(line.utf8), lineNumber: index + 1)
            plan.solveMicroseconds = 0
            return plan
        }
    }

    func entriesBesideState() -> [String] {
        directory.entries().filter { !["loads", "first", "rest", "nic.json", ".stdout", ".stderr"].contains($0) }.sorted()
    }

    @Test(arguments: ["--autoscale", "--algorithm rsspp --autoscale"])
    func twoRunsPlanAsOne(options: String) throws {
        let whole = try shell("rss-plan \(options) < loads", in: directory)
        let first = try shell("rss-plan \(options) --state eth0.plan < first", in: directory)
        let rest = try shell("rss-plan \(options) --state eth0.plan < rest", in: directory)
        #expect([whole.status, first.status, rest.status] == [0, 0, 0])
        #expect(first.stderr.isEmpty && rest.stderr.isEmpty, "\(first.stderr)\(rest.stderr)")
        #expect(try plans(first.stdout + rest.stdout) == plans(whole.stdout))
        #expect(entriesBesideState() == ["eth0.plan"], "no temporary file is left behind")
    }

    @Test func sigtermSavesTheHistoryOfThePlansWritten() throws {
        let whole = try shell("rss-plan --autoscale < loads", in: directory)
        // The input stays open after the first 40 records, as a counter's would.
        let stopped = try shell("""
            mkfifo input
            rss-plan --autoscale --state eth0.plan < input > planned & planner=$!
            exec 3> input
            cat first >&3
            tries=0
            while [ "$(wc -l < planned)" -lt 40 ] && [ $tries -lt 600 ]; do sleep 0.05; tries=$((tries + 1)); done
            kill -TERM $planner
            wait $planner
            echo $?
            """, in: directory)
        #expect(stopped.stdout == "143\n", "ended by SIGTERM: \(stopped.stderr)")
        let rest = try shell("rss-plan --autoscale --state eth0.plan < rest", in: directory)
        #expect(rest.status == 0 && rest.stderr.isEmpty, "\(rest.stderr)")
        let planned = String(decoding: try readFile(directory.file("planned")), as: UTF8.self)
        #expect(try plans(planned + rest.stdout) == plans(whole.stdout))
        #expect(entriesBesideState() == ["eth0.plan", "input", "planned"])
    }

    @Test func aHistoryOfAnotherShapeIsSetAsideWithOneLine() throws {
        _ = try shell("rss-plan --state eth0.plan < first", in: directory)
        let other = try shell("rss-count sim:steady --fast --epochs 3 --nic small.json --queues 4 --reta-size 64"
                              + " 2>/dev/null | rss-plan --state eth0.plan", in: directory)
        #expect(other.status == 0)
        #expect(other.stdoutLines.count == 3)
        #expect(other.stderr == "rss-plan: state file eth0.plan: saved for a 512-entry table and 16 queues, "
                + "the input has a 64-entry table and 4 queues; starting afresh\n")
        let saved = String(decoding: try readFile(directory.file("eth0.plan")), as: UTF8.self)
        #expect(saved.contains("\"queues\":4") && saved.contains("\"tableSize\":64"), "replaced by the new history")
    }

    @Test func aTornFileIsRefusedAndKept() throws {
        let torn = "{\"algorithm\":\"adaptive\",\"format\":\"rss-plan state\",\n\"history\":{\"active\":[tr"
        try writeFile(directory.file("eth0.plan"), torn)
        let result = try shell("rss-plan --state eth0.plan < first", in: directory)
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "rss-plan: state file eth0.plan: line 2, column 22: expected true or false; "
                + "not overwritten, remove it to start afresh\n")
        #expect(try readFile(directory.file("eth0.plan")) == Array(torn.utf8))
    }

    /// As nobody, in a directory only root may write: the plans are made, the old history stays.
    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func aStateFileThatCannotBeReplacedKeepsItsOldHistory() throws {
        _ = try shell("chmod 755 . && rss-plan --state eth0.plan < first > /dev/null", in: directory)
        let before = try readFile(directory.file("eth0.plan"))
        let result = try shell("setpriv --reuid=65534 --regid=65534 --clear-groups rss-plan --state eth0.plan < rest",
                               in: directory)
        #expect(result.status == 73)
        #expect(result.stdoutLines.count == 40, "every plan is written before the history is saved")
        #expect(result.stderr.hasPrefix("rss-plan: state file ") && result.stderr.hasSuffix(
                 "eth0.plan: cannot create a temporary file in \(directory.path): Permission denied\n"), "\(result.stderr)")
        #expect(try readFile(directory.file("eth0.plan")) == before)
        #expect(entriesBesideState() == ["eth0.plan"])
    }
}
