#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

/// Two epochs on a three-queue device: the first plan moves queue 2's buckets away and leaves it
/// inactive, the second moves one more bucket. The first plan's model put queue 2 past one core.
private let firstEpoch = """
    {"type":"load","v":1,"device":"ethtool:eth0","queues":3,"reta":[0,1,2,2],"packets":[10,20,30,40],"load":[0.5,0.25,1]}
    {"type":"plan","v":1,"time":10,"device":"ethtool:eth0","queues":3,"reta":[0,1,0,1],"moves":[{"bucket":2,"from":2,"to":0},{"bucket":3,"from":2,"to":1}],"active":[0,1],"imbalance_before":0.8,"imbalance_after":0.05,"solve_us":1500,"applied":10.25,"load_before":[0.5,0.25,1.5]}
    {"type":"migrated","v":1,"seq":1,"owners":[{"socket":"/run/o.sock","acked":true,"latency_us":2500}]}

    """
private let secondEpoch = """
    {"type":"plan","v":1,"time":11,"device":"ethtool:eth0","queues":3,"reta":[1,1,0,1],"moves":[{"bucket":0,"from":0,"to":1}],"active":[0,1],"imbalance_before":0.5,"imbalance_after":0.25,"solve_us":2000,"applied":11.5,"load_before":[1,0.75,0]}

    """
/// Line 5: a plan without its table.
private let badLine = """
    {"type":"plan","v":1,"time":12,"device":"ethtool:eth0","queues":3}

    """

/// A bar of `filled` cells of load and `empty` cells without.
private func bar(_ filled: Int, _ empty: Int) -> String {
    "|" + String(repeating: "#", count: filled) + String(repeating: ".", count: empty) + "|"
}

/// After the first epoch, 80 columns: a bar of 80 - "q2 " - "||+ " - " 0.50" - " inactive" = 59
/// cells; 0.5 of it is 29.5, drawn as 30; 0.25 is 14.75, drawn as 15; 1.5 fills it and adds a +.
private let firstFrame = [
    "device ethtool:eth0  time 10",
    "plans 1 (1 applied)  moves 2  active 2/3",
    "imbalance before 0.800 after 0.050",
    "solve 1.500 ms  apply 250.000 ms",
    "q0 " + bar(30, 29) + "   0.50",
    "q1 " + bar(15, 44) + "   0.25",
    "q2 " + bar(59, 0) + "+  1.50 inactive",
    "last moves:",
    "  bucket 3  2 -> 1  time 10",
    "  bucket 2  2 -> 0  time 10",
    "owner /run/o.sock  acks 1  failures 0  2.500 ms",
]

/// After both: 0.75 of 59 cells is 44.25, drawn as 44.
private let finalFrame = [
    "device ethtool:eth0  time 11",
    "plans 2 (2 applied)  moves 3  active 2/3",
    "imbalance before 0.500 after 0.250",
    "solve 2.000 ms  apply 500.000 ms",
    "q0 " + bar(59, 0) + "   1.00",
    "q1 " + bar(44, 15) + "   0.75",
    "q2 " + bar(0, 59) + "   0.00 inactive",
    "last moves:",
    "  bucket 0  0 -> 1  time 11",
    "  bucket 3  2 -> 1  time 10",
    "  bucket 2  2 -> 0  time 10",
    "owner /run/o.sock  acks 1  failures 0  2.500 ms",
]

/// `rss-report --follow` without `--prometheus`, its standard output a file: plain frames.
@Suite struct FollowViewTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(area: "follow-view")
        try writeFile(directory.file("first.jsonl"), firstEpoch)
        try writeFile(directory.file("second.jsonl"), secondEpoch)
        try writeFile(directory.file("bad.jsonl"), badLine)
    }

    /// The plain frames in `stdout`, split at the blank lines between them.
    func frames(_ stdout: String) -> [[String]] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).split(separator: "").map { $0.map(String.init) }
    }

    @Test func drawsWhatTheStreamSaysOnceItHasCaughtUp() throws {
        let result = try shell("cat first.jsonl second.jsonl | env -u COLUMNS rss-report --follow", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let frames = frames(result.stdout)
        #expect(frames.count == 1, "input read at once is drawn once")
        let frame = try #require(frames.last)
        #expect(frame.count == finalFrame.count, "\(frame)")
        for (line, expected) in zip(frame, finalFrame) { #expect(line == expected) }
    }

    /// The second epoch comes a second after the first: by then the view has drawn the first.
    /// The input ends a second after the second: nothing new, so no frame again.
    @Test func drawsAFramePerEpoch() throws {
        let result = try shell("(cat first.jsonl; sleep 1; cat second.jsonl; sleep 1) | env -u COLUMNS rss-report --follow", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(frames(result.stdout) == [firstFrame, finalFrame])
        #expect(!result.stdout.contains("\u{1B}"), "no escape codes when standard output is not a terminal")
    }

    /// The pipeline the README shows, on the simulated NIC: the view sees plans only, and takes
    /// each queue's load from the last one.
    @Test func followsTheRealPipeline() throws {
        let result = try shell("rss-count sim:overload --fast --epochs 40 --seed 3 --nic nic.json | rss-plan | rss-apply 2>/dev/null"
                               + " | tee stream | env -u COLUMNS rss-report --follow", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let plans = try readFile(directory.file("stream")).split(separator: 0x0a).enumerated().map {
            try PlanRecord(jsonLine: $1, lineNumber: $0 + 1)
        }
        let last = try #require(plans.last)
        let frame = try #require(frames(result.stdout).last)
        #expect(frame.contains("plans 40 (\(plans.filter { $0.applied != nil }.count) applied)"
                               + "  moves \(plans.compactMap { $0.applied == nil ? nil : $0.moves.count }.reduce(0, +))"
                               + "  active \(last.active.count)/\(last.queues)"), "\(frame)")
        let shown = frame.filter { $0.hasPrefix("q") }.map { Double($0.split(separator: " ").last!)! }
        try #require(shown.count == last.queues)
        for (value, load) in zip(shown, last.loadBefore) { #expect(abs(value - load) <= 0.005) }
    }

    /// 40 columns leave bars of 40 - 21 = 19 cells: 1 fills them, 0.75 is 14.25, drawn as 14.
    /// Longer lines are cut at 40 characters.
    @Test func fitsTheWidthColumnsGives() throws {
        let result = try shell("cat first.jsonl second.jsonl | COLUMNS=40 rss-report --follow --plain", in: directory)
        #expect(result.status == 0)
        let frame = try #require(frames(result.stdout).last)
        #expect(frame.filter { $0.hasPrefix("q") } == [
            "q0 " + bar(19, 0) + "   1.00",
            "q1 " + bar(14, 5) + "   0.75",
            "q2 " + bar(0, 19) + "   0.00 inactive",
        ])
        #expect(frame.last == "owner /run/o.sock  acks 1  failures 0  2")
    }

    /// On a terminal (script(1)'s) of 50 columns, bars have 50 - 21 = 29 cells: 0.5 of them is
    /// 14.5, drawn as 15; 0.25 is 7.25, drawn as 7. The frame is drawn from the top left, each
    /// line cleared first, the rest of the screen after it.
    @Test func drawsOverTheLastFrameOnATerminal() throws {
        try #require(access("/usr/bin/script", X_OK) == 0, "script(1) from util-linux gives the view a terminal")
        let result = try shell("script -qc 'stty cols 50; env -u COLUMNS rss-report --follow < first.jsonl' /dev/null", in: directory)
        #expect(result.status == 0)
        var lines = firstFrame
        lines[4...6] = ["q0 " + bar(15, 14) + "   0.50", "q1 " + bar(7, 22) + "   0.25", "q2 " + bar(29, 0) + "+  1.50 inactive"]
        // The terminal turns each newline into a carriage return and a newline.
        #expect(result.stdout == "\u{1B}[H" + lines.map { "\u{1B}[K" + $0 + "\r\n" }.joined() + "\u{1B}[J")
    }

    @Test func aBadRecordEndsTheRunAfterDrawingEveryLineBefore() throws {
        let result = try shell("cat first.jsonl second.jsonl bad.jsonl | env -u COLUMNS rss-report --follow", in: directory)
        #expect(result.status == 65)
        #expect(result.stderr == "rss-report: line 5: \"reta\" is missing\n")
        #expect(frames(result.stdout).last == finalFrame)
    }

    @Test func aBadRecordSkippedIsCountedOnScreen() throws {
        let result = try shell("cat first.jsonl second.jsonl bad.jsonl | env -u COLUMNS rss-report --follow --skip-invalid", in: directory)
        #expect(result.status == 0)
        #expect(result.stderr == "rss-report: line 5: \"reta\" is missing\n")
        #expect(frames(result.stdout).last == finalFrame + ["errors: invalid_record 1"])
    }

    @Test func plainIsForTheViewOnly() throws {
        let result = try shell("rss-report --follow --plain --prometheus m.prom < first.jsonl", in: directory)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--plain goes with --follow alone"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
