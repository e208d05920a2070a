#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

/// A recorded stream of two and a half epochs, with what a scrape must make of it worked out by
/// hand in `expectedSamples`.
private let stream = """
    {"type":"load","v":1,"device":"file:nic.json","queues":2,"reta":[0,1,0,1],"packets":[10,20,30,40],"load":[0.5,0.25]}
    {"type":"plan","v":1,"time":100,"device":"file:nic.json","queues":2,"reta":[1,1,0,1],"moves":[{"bucket":0,"from":0,"to":1}],"active":[0,1],"imbalance_before":0.3,"imbalance_after":0.1,"solve_us":25,"applied":100.5}
    {"type":"migrated","v":1,"seq":1,"owners":[{"socket":"/run/a.sock","acked":true,"latency_us":180},{"socket":"/run/b\\"x.sock","acked":false,"latency_us":1000,"error":"no answer within 1 s"}]}

    {"type":"load","v":1,"device":"file:nic.json","queues":2,"reta":[1,1,0,1],"packets":[1,2,3,4],"load":[0.125,0.75]}
    {"type":"plan","v":1,"time":150,"device":"file:nic.json","queues":2,"reta":[1,0,0,1],"moves":[{"bucket":1,"from":1,"to":0}],"active":[0,1],"imbalance_before":0.7,"imbalance_after":0,"solve_us":30}
    {"type":"load","v":1,"queues":2,"reta":[0,1]}
    {"type":"load","v":1,"device":"file:nic.json","queues":2,"reta":[1,0,0,1],"packets":[5,0,0,7]}
    {"type":"plan","v":1,"time":200,"device":"file:nic.json","queues":2,"reta":[0,0,0,0],"moves":[{"bucket":0,"from":1,"to":0},{"bucket":3,"from":1,"to":0}],"active":[0],"imbalance_before":1,"imbalance_after":0,"solve_us":40,"applied":200.25}
    {"type":"migrated","v":1,"seq":2,"owners":[{"socket":"/run/a.sock","acked":true,"latency_us":300},{"socket":"/run/b\\"x.sock","acked":true,"latency_us":2000}]}

    """

private let device = "device=file:nic.json"

/// Sample by "TYPE NAME{LABELS}", labels sorted, as `parse.py` prints them.
private let expectedSamples: [String: Double] = [
    // The last load record has no "load": queue 1 has all 12 packets, so it reads 1 (the mean
    // queue reads 0.5), queue 0 none.
    "gauge rsspp_queue_load{\(device),queue=0}": 0,
    "gauge rsspp_queue_load{\(device),queue=1}": 1,
    // Queue 0: 10+30, then bucket 2's 3, then 0; queue 1: 20+40, then 1+2+4, then 5+7.
    "counter rsspp_queue_packets_total{\(device),queue=0}": 43,
    "counter rsspp_queue_packets_total{\(device),queue=1}": 79,
    // The last applied plan's "active".
    "gauge rsspp_active_queues{\(device)}": 1,
    "gauge rsspp_imbalance_before{\(device)}": 1,
    "gauge rsspp_imbalance_after{\(device)}": 0,
    "counter rsspp_plans_total{\(device)}": 3,
    // The second plan carries no "applied": refused after a plan that was applied.
    "counter rsspp_plans_applied_total{\(device)}": 2,
    "counter rsspp_moves_total{\(device)}": 1 + 2,
    // Bucket 0 had 10 packets before the first plan; buckets 0 and 3 had 5 and 7 before the third.
    "counter rsspp_moved_packets_total{\(device)}": 10 + 5 + 7,
    "gauge rsspp_solve_seconds{\(device)}": 40e-6,
    "gauge rsspp_apply_latency_seconds{\(device)}": 200.25 - 200,
    "gauge rsspp_migration_latency_seconds{\(device),owner=/run/a.sock}": 300e-6,
    "gauge rsspp_migration_latency_seconds{\(device),owner=/run/b\"x.sock}": 2000e-6,
    "counter rsspp_migration_acks_total{\(device),owner=/run/a.sock}": 2,
    "counter rsspp_migration_acks_total{\(device),owner=/run/b\"x.sock}": 1,
    "counter rsspp_migration_failures_total{\(device),owner=/run/a.sock}": 0,
    "counter rsspp_migration_failures_total{\(device),owner=/run/b\"x.sock}": 1,
    // Line 7 has no "packets".
    "counter rsspp_errors_total{\(device),kind=invalid_record}": 1,
    "counter rsspp_errors_total{\(device),kind=plan_not_applied}": 1,
    "counter rsspp_errors_total{\(device),kind=migrate_not_acked}": 1,
]

/// Parses each file named with prometheus_client's text-format parser (Debian's
/// python3-prometheus-client) and prints one line per sample, "TYPE NAME{LABELS} VALUE" with the
/// labels sorted, then "families N" per file. A file the parser rejects makes it exit non-zero.
private let parser = """
    import sys
    from prometheus_client.parser import text_string_to_metric_families
    for path in sys.argv[1:]:
        text = open(path).read()
        if not text.endswith("\\n"):
            sys.exit(path + ": does not end with a newline")
        families = list(text_string_to_metric_families(text))
        for family in families:
            for sample in family.samples:
                labels = ",".join(k + "=" + v for k, v in sorted(sample.labels.items()))
                print(family.type, sample.name + "{" + labels + "}", repr(sample.value))
        print("families", len(families))

    """

/// The metric families rss-report(1) lists.
private let familyCount = 15

/// `rss-report --follow --prometheus FILE` as it sits at the end of a pipeline, its file read
/// by a real Prometheus text-format parser.
@Suite struct FollowPrometheusTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(area: "prometheus")
        try writeFile(directory.file("stream.jsonl"), stream)
        try writeFile(directory.file("parse.py"), parser)
    }

    /// Each file's samples and its number of metric families.
    func parse(_ files: [String]) throws -> [(samples: [String: Double], families: Int)] {
        let result = try shell("/usr/bin/python3 parse.py \(files.joined(separator: " "))", in: directory)
        try #require(result.status == 0, "\(result.stderr)")
        var parsed: [(samples: [String: Double], families: Int)] = []
        var samples: [String: Double] = [:]
        for line in result.stdoutLines {
            let words = line.split(separator: " ")
            if words.first == "families" {
                parsed.append((samples, Int(words[1])!))
                samples = [:]
                continue
            }
            let key = words.dropLast().joined(separator: " ")
            #expect(samples[key] == nil, "\(key) twice")
            samples[key] = Double(words.last!)
        }
        try #require(parsed.count == files.count)
        return parsed
    }

    @Test func passesTheStreamOnAndWritesWhatItSaysAsMetrics() throws {
        let result = try shell("rss-report --follow --prometheus rsspp.prom --skip-invalid < stream.jsonl", in: directory)
        #expect(result.status == 0)
        #expect(result.stdout == stream, "every line passed on unchanged, blank and invalid ones too")
        #expect(result.stderr == "rss-report: line 7: \"packets\" is missing\n")
        let parsed = try parse(["rsspp.prom"])[0]
        #expect(parsed.families == familyCount)
        #expect(Set(parsed.samples.keys) == Set(expectedSamples.keys))
        for (key, expected) in expectedSamples {
            let value = parsed.samples[key] ?? .nan
            #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(key) is \(value), expected \(expected)")
        }
        #expect(directory.entries() == ["parse.py", "rsspp.prom", "stream.jsonl"], "no temporary file left behind")
    }

    /// The pipeline the README shows, on the simulated NIC: rss-report sees plans only (rss-plan
    /// does not pass load records on). The expected values are taken from the plans it was given.
    @Test func followsTheRealPipeline() throws {
        let result = try shell("rss-count sim:overload --fast --epochs 40 --seed 3 --nic nic.json | rss-plan | rss-apply"
                               + " | tee stream | rss-report --follow --prometheus rsspp.prom > passed", in: directory)
        #expect(result.status == 0)
        let passed = try readFile(directory.file("passed"))
        #expect(passed == (try readFile(directory.file("stream"))))
        let plans = try passed.split(separator: 0x0a).enumerated().map { try PlanRecord(jsonLine: $1, lineNumber: $0 + 1) }
        let written = plans.filter { $0.applied != nil }
        let last = try #require(plans.last)
        #expect(plans.count == 40 && !written.isEmpty)
        try #require(last.loadBefore.count == last.queues)
        let label = "device=" + (try #require(last.device))
        let samples = try parse(["rsspp.prom"])[0].samples
        for queue in 0..<last.queues {
            #expect(samples["gauge rsspp_queue_load{\(label),queue=\(queue)}"] == last.loadBefore[queue])
        }
        #expect(!samples.keys.contains { $0.contains("rsspp_queue_packets_total") }, "no load record, no packet counts")
        #expect(samples["counter rsspp_plans_total{\(label)}"] == 40)
        #expect(samples["counter rsspp_plans_applied_total{\(label)}"] == Double(written.count))
        #expect(samples["counter rsspp_moves_total{\(label)}"] == Double(written.map(\.moves.count).reduce(0, +)))
        // Plans that wanted moves and were refused, from the first one written on.
        let firstWritten = try #require(plans.firstIndex { $0.applied != nil })
        let refused = plans[firstWritten...].filter { $0.applied == nil && !$0.moves.isEmpty }.count
        #expect(samples["counter rsspp_errors_total{\(label),kind=plan_not_applied}"] == Double(refused))
        #expect(samples["gauge rsspp_imbalance_after{\(label)}"] == last.imbalanceAfter)
    }

    /// A reader polling the file while the records come one by one never sees it half-written.
    @Test func theFileIsNeverSeenTorn() throws {
        let epochs = 60
        var records = ""
        for epoch in 0..<epochs {
            let table = epoch % 2 == 0 ? "[0,1,0,1]" : "[1,0,0,1]"
            records += #"{"type":"load","v":1,"device":"file:nic.json","queues":2,"reta":\#(table),"packets":[1,2,3,\#(epoch)]}"# + "\n"
            records += #"{"type":"plan","v":1,"device":"file:nic.json","queues":2,"reta":\#(table),"moves":[]}"# + "\n"
        }
        try writeFile(directory.file("records.jsonl"), records)
        let script = "cd '\(directory.path)' && while IFS= read -r line; do printf '%s\\n' \"$line\"; sleep 0.01; done < records.jsonl"
            + " | '\(toolDirectory)/rss-report' --follow --prometheus rsspp.prom"
        let pid = try spawn(["/bin/sh", "-c", script], stdout: directory.file("passed.jsonl"), stderr: directory.file("stderr"))
        var seen = Set<[UInt8]>()
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if let contents = try? readFile(directory.file("rsspp.prom")) { seen.insert(contents) }
        }
        let stderr = String(decoding: try readFile(directory.file("stderr")), as: UTF8.self)
        #expect(status == 0, "\(stderr)")
        #expect(try readFile(directory.file("passed.jsonl")) == Array(records.utf8))
        #expect(seen.count > 2, "the reader saw the file change during the run")
        let snapshots = try seen.enumerated().map { index, contents in
            let name = "seen-\(index).prom"
            try writeFile(directory.file(name), contents)
            return name
        }
        #expect(try parse(snapshots).map(\.families) == Array(repeating: familyCount, count: snapshots.count),
                "every snapshot is whole")
        let final = try parse(["rsspp.prom"])[0]
        #expect(final.samples["counter rsspp_plans_total{\(device)}"] == Double(epochs))
    }

    @Test func aBadRecordEndsTheRunWithTheFileHoldingEveryLineBefore() throws {
        let result = try shell("head -n 7 stream.jsonl | rss-report --follow --prometheus rsspp.prom", in: directory)
        #expect(result.status == 65)
        #expect(result.stderr == "rss-report: line 7: \"packets\" is missing\n")
        let parsed = try parse(["rsspp.prom"])[0]
        #expect(parsed.samples["counter rsspp_plans_total{\(device)}"] == 2)
        #expect(parsed.samples["counter rsspp_errors_total{\(device),kind=invalid_record}"] == 0)
    }

    @Test(arguments: [
        ("rss-report --prometheus m.prom < stream.jsonl", 64, "--prometheus <file> goes with --follow"),
        ("rss-report --skip-invalid stream.jsonl", 64, "--skip-invalid goes with --follow"),
        ("rss-report --follow --prometheus m.prom stream.jsonl", 64, "--follow reads standard input only"),
        ("rss-report --follow --prometheus absent/m.prom < stream.jsonl", 73,
         "rss-report: absent/m.prom: cannot create a temporary file in absent: No such file or directory"),
    ])
    func exitStatuses(command: String, status: Int32, message: String) throws {
        let result = try shell(command, in: directory)
        #expect(result.status == status)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "nothing passed on before the file is known to be writable")
    }
}
