import NICSim
import RSSRecords
import Testing
import TestSupport

/// `rss-apply` as a shell runs it: exit statuses, what reaches stdout and stderr, and the table
/// left in the state nic.file.
@Suite struct ApplyCommandTests {
    let nic: NICFixture

    init() throws { nic = try NICFixture() }

    func plan(_ reta: [Int]) -> String {
        let moves = Move.between(reta.count == 8 ? nic.initial.reta : reta.map { ($0 + 1) % 4 }, reta)
        let record = PlanRecord(device: nic.file.device, queues: 4, reta: reta, moves: moves, active: [0, 1, 2, 3])
        return String(decoding: record.jsonLine(), as: UTF8.self)
    }

    func apply(_ lines: [String], arguments: String = "") throws -> ShellResult {
        try writeFile(nic.directory.file("plans"), lines.joined())
        return try shell("rss-apply \(arguments) < plans", in: nic.directory)
    }

    @Test func writesEachTableAndReEmitsThePlanWithApplied() throws {
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3]), plan([3, 3, 2, 3, 0, 1, 2, 3])])
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
        let result = try apply([plan([3, 1, 2, 3, 0, 1, 2, 3]), "{\"type\":\"plan\"\n", plan([0, 0, 0, 0, 0, 0, 0, 0])],
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
        // The state file seen through /proc/self/fd: readable, but no file can be created there.
        let result = try shell("exec 7< nic.json; rss-apply file:/proc/self/fd/7 < plans", in: nic.directory)
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("rss-apply: /proc/self/fd/7: cannot create a temporary file"), "\(result.stderr)")
        #expect(try nic.file.load() == nic.initial)
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
}
