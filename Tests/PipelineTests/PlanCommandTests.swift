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
    // Found by fuzzing, each of them once a trap, an overflowed stack, an allocation that failed
    // or a name read as another.
    ("{\"type\":\"load\",\"v\":1,\"queues\":2,\"reta\":[0,1],\"packets\":[4611686018427387904,4611686018427387904]}\n",
     "rss-plan: line 17: \"packets\" entries add up to more than 9223372036854775807"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":2,\"reta\":[0,1],\"packets\":[9223372036854775807,1]}\n",
     "rss-plan: line 17: \"packets\" entries add up to more than 9223372036854775807"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":9223372036854775807,\"reta\":[0],\"packets\":[1]}\n",
     "rss-plan: line 17: \"queues\" is 9223372036854775807; a device has at most 1024"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":1e10,\"reta\":[0],\"packets\":[1]}\n",
     "rss-plan: line 17: \"queues\" is 10000000000; a device has at most 1024"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":1e7,\"reta\":[0],\"packets\":[1]}\n",
     "rss-plan: line 17: \"queues\" is 10000000; a device has at most 1024"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[0],\"packets\":[1.0000000000000001]}\n",
     "rss-plan: line 17: \"packets\" expected an integer"),
    ("{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[1e-400],\"packets\":[1]}\n",
     "rss-plan: line 17: \"reta\" expected an integer"),
    ("{\"type\":\"load\",\"v\":1,\"x\":" + String(repeating: "[", count: 110_000) + String(repeating: "]", count: 110_000)
     + ",\"queues\":1,\"reta\":[0],\"packets\":[1]}\n",
     "rss-plan: line 17: \"x\" is nested deeper than 64 levels"),
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

    /// Found by fuzzing: a device name with a byte that is not UTF-8 was read as U+FFFD, so a
    /// plan could name another device than its record did.
    @Test func rejectsInvalidUTF8NamingTheField() throws {
        let bad = Array("{\"type\":\"load\",\"v\":1,\"device\":\"file:/tmp/nic".utf8) + [0xff]
            + Array(".json\",\"queues\":2,\"reta\":[0,1],\"packets\":[1,1]}\n".utf8)
        try writeFile(directory.file("loads"), Array(loadLine().utf8) + bad)
        let result = try shell("rss-plan < loads", in: directory)
        #expect(result.status == 65)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "rss-plan: line 2: \"device\" is not valid UTF-8\n")
    }

    /// Found by fuzzing: an ordinary record, then one whose loads are tiny but legal, trapped the
    /// autoscaler on an infinite core count.
    @Test func autoscalingPlansTinyLoadsAfterAnOrdinaryRecord() throws {
        let tiny = loadLine(packets: [100, 100, 100, 100], load: "[1e-200,1e-200]", reta: [0, 1, 0, 1])
        let result = try plan(balanced + tiny + balanced, "--autoscale")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.count == 3)
    }

    @Test func oneHugeCountIsPlanned() throws {
        let result = try plan("{\"type\":\"load\",\"v\":1,\"queues\":2,\"reta\":[0,1],\"packets\":[9223372036854775807,0]}\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.count == 1)
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
                      "--algorithm nope", "--bogus", "--autoscale --target-load 1e-50"])
    func usageErrorsExit64(arguments: String) throws {
        let result = try plan(loadLine(), arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Usage: rss-plan"))
    }

    /// A negative value (or not a number) is refused for what it is, not taken for a missing one.
    @Test(arguments: [("--min-queues -4", "--min-queues is -4: it must be a positive number"),
                      ("--max-moves -1", "--max-moves is -1: it must be 0 or more"),
                      ("--threshold -0.5", "--threshold must be 0 or more"),
                      ("--move-cost -1", "--move-cost is -1.0: it must be 0 or more"),
                      ("--move-cost nan", "--move-cost is nan: it must be 0 or more"),
                      ("--target-load -1", "--target-load is -1.0: it must be from 0.01 to 1.0")])
    func negativeValuesAreNamed(arguments: String, message: String) throws {
        let result = try plan(loadLine(), arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
    }

    /// A move cost is a finite price, and only the adaptive planner weighs moves.
    @Test(arguments: [("--move-cost inf", "--move-cost is inf: it must be 0 or more"),
                      ("--algorithm rsspp --move-cost 0.5", "--move-cost is for the adaptive algorithm"),
                      ("--algorithm static --move-cost 0", "--move-cost is for the adaptive algorithm")])
    func moveCostOutOfPlaceIsRefused(arguments: String, message: String) throws {
        let result = try plan(loadLine(), arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test(arguments: ["--move-cost 0", "--move-cost 1", "--algorithm adaptive --move-cost 8"])
    func moveCostBoundsAreAccepted(arguments: String) throws {
        let result = try plan(loadLine(), arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.count == 1)
    }
}
