import RSSRecords
import Testing
import TestSupport

private func loadLine(packets: [Int] = [300, 100, 100, 100], load: String = "[0.8,0.2]", reta: [Int] = [0, 0, 1, 1],
                      time: Int? = nil) -> String {
    let timeMember = time.map { "\"time\":\($0)," } ?? ""
    return "{\"type\":\"load\",\"v\":1,\(timeMember)\"queues\":2,\"reta\":\(reta),\"packets\":\(packets),\"load\":\(load)}\n"
}

private let balanced = loadLine(packets: [100, 100, 100, 100], load: "[0.5,0.5]", reta: [0, 1, 0, 1])

/// Each bad line, placed as line 17 after sixteen good ones, and what must be said about it.
private let rejections: [(line: String, message: String)] = [
    ("{\"type\":\"load\",\"v\":1,\"queues\":2,\n", "rss-plan: line 17: malformed JSON"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":2,\"reta\":[0,1]}\n", "rss-plan: line 17: \"packets\" is missing"),
    (loadLine(packets: Array(repeating: 1, count: 127), reta: Array(repeating: 0, count: 128)),
     "rss-plan: line 17: \"packets\" has 127 entries, \"reta\" has 128"),
    (loadLine(reta: [0, 0, 1, 2]), "rss-plan: line 17: \"reta\" entry 3 is 2; queues are 0...1"),
    (loadLine(packets: [300, 100, -1, 100]), "rss-plan: line 17: \"packets\" entry 2 is negative (-1)"),
    (loadLine(load: "[0.8,1.5]"), "rss-plan: line 17: \"load\" entry 1 is 1.5; loads are in [0, 1]"),
    (loadLine(load: "[NaN,0.2]"), "rss-plan: line 17: \"load\""),
    (loadLine(load: "[1e999,0.2]"), "rss-plan: line 17: \"load\" entry 0 is inf"),
]

/// `rss-plan` as a shell runs it: one plan per record, exit statuses, diagnostics.
@Suite struct PlanCommandTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func plan(_ input: String, _ arguments: String = "") throws -> ShellResult {
        try writeFile(directory.file("loads"), input)
        return try shell("rss-plan \(arguments) < loads", in: directory)
    }

    @Test func writesOnePlanPerRecordInOrder() throws {
        let result = try plan((1...20).map { loadLine(time: $0) }.joined())
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let plans = try result.stdoutLines.enumerated().map { try PlanRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1) }
        #expect(plans.map(\.time) == (1...20).map { Double($0) })
    }

    @Test(arguments: ["rsspp", "adaptive", "static"])
    func everyAlgorithmRuns(algorithm: String) throws {
        let result = try plan(loadLine() + balanced, "--algorithm \(algorithm)")
        #expect(result.status == 0)
        #expect(result.stdoutLines.count == 2)
    }

    @Test func changesOnlyDropsPlansThatMoveNothing() throws {
        let result = try plan(loadLine() + balanced + balanced, "--changes-only")
        #expect(result.status == 0)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stdoutLines.first?.contains("\"moves\":[{") == true)
    }

    @Test func emptyInputWritesNothing() throws {
        let result = try plan("")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
    }

    @Test(arguments: rejections.indices)
    func rejectsBadRecordsAfterWritingEarlierPlans(index: Int) throws {
        let (bad, message) = rejections[index]
        let result = try plan(String(repeating: loadLine(), count: 16) + bad + loadLine())
        #expect(result.status == 65)
        #expect(result.stdoutLines.count == 16, "every earlier line's plan is written")
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func rejectsOverlongLines() throws {
        let long = loadLine(packets: Array(repeating: 1, count: 100), reta: Array(repeating: 0, count: 100))
        let result = try plan(loadLine() + long, "--max-line-bytes 200")
        #expect(result.status == 65)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "rss-plan: line 2: is longer than 200 bytes\n")
    }

    @Test func skipInvalidReportsAndGoesOn() throws {
        let result = try plan(loadLine() + "not json\n" + loadLine(load: "[2,0]") + loadLine(), "--skip-invalid")
        #expect(result.status == 0)
        #expect(result.stdoutLines.count == 2)
        let errors = result.stderr.split(separator: "\n")
        #expect(errors.count == 2)
        #expect(errors.first?.hasPrefix("rss-plan: line 2: malformed JSON") == true)
        #expect(errors.last?.hasPrefix("rss-plan: line 3: \"load\"") == true)
    }

    @Test func aClosedPipeEndsItQuietly() throws {
        try writeFile(directory.file("loads"), String(repeating: loadLine(), count: 20_000))
        let result = try shell("{ rss-plan < loads; echo \"exit $?\" >&2; } | head -n 1", in: directory)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "exit 0\n")
    }

    @Test(arguments: ["--target-load 1.5", "--min-queues 0", "--max-queues 1 --min-queues 2", "--threshold -1",
                      "--algorithm nope", "--bogus"])
    func usageErrorsExit64(arguments: String) throws {
        let result = try plan(loadLine(), arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Usage: rss-plan"))
    }
}
