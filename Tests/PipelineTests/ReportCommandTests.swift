#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

private let twoRecords = """
    {"type":"load","v":1,"queues":2,"reta":[0,1],"packets":[1,1],"load":[0.75,0.25]}
    {"type":"load","v":1,"queues":2,"reta":[0,1],"packets":[1,1],"load":[0.5,0.5]}

    """

/// `rss-report` as a shell runs it: where the series go, and one case per documented exit status.
@Suite struct ReportCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try writeFile(directory.file("run.jsonl"), twoRecords)
    }

    @Test func summarisesARun() throws {
        let result = try shell("rss-report run.jsonl", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.first?.hasSuffix("run") == true)
        #expect(result.stdout.contains("epochs"))
    }

    /// Found by fuzzing: `--series` wrote FILE.tsv beside each input (as root, /dev/null.tsv).
    @Test func theSeriesGoWhereTheUserSaysAndNowhereElse() throws {
        try #require(mkdir(directory.file("plots"), 0o755) == 0)
        let result = try shell("rss-report --series plots/load.tsv run.jsonl", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("epochs"), "the summary is still written")
        #expect(directory.entries() == ["plots", "run.jsonl"])
        #expect(String(decoding: try readFile(directory.file("plots/load.tsv")), as: UTF8.self)
                == "run\tepoch\tqueue0\tqueue1\timbalance\nrun\t0\t0.75\t0.25\t0.5\nrun\t1\t0.5\t0.5\t0.0\n")
    }

    @Test func aSeriesToADeviceWritesTheDeviceAndCreatesNothingBesideIt() throws {
        defer { unlink("/dev/null.tsv") } // what the unfixed tool created
        let result = try shell("rss-report --series /dev/null run.jsonl", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/null is still a device")
        #expect(access("/dev/null.tsv", F_OK) != 0)
        #expect(directory.entries() == ["run.jsonl"])
    }

    @Test func seriesToStandardOutputReplaceTheSummary() throws {
        let result = try shell("rss-report --series - run.jsonl", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "run\tepoch\tqueue0\tqueue1\timbalance\nrun\t0\t0.75\t0.25\t0.5\nrun\t1\t0.5\t0.5\t0.0\n")
        #expect(directory.entries() == ["run.jsonl"], "no file named -.tsv")
    }

    /// One case per exit status that rss-report(1) documents besides 0.
    @Test(arguments: [
        ("rss-report --bogus run.jsonl", 64, "Unknown option '--bogus'"),
        ("rss-report bad.jsonl", 65, "rss-report: bad.jsonl: line 2: \"packets\" is missing"),
        ("rss-report --max-line-bytes 60 run.jsonl", 65, "rss-report: run.jsonl: line 1:"),
        ("rss-report --max-line-bytes 0 run.jsonl", 64, "--max-line-bytes is 0"),
        ("rss-report /nonexistent", 66, "rss-report: /nonexistent: No such file or directory"),
        ("rss-report --series absent/load.tsv run.jsonl", 69, "rss-report: absent/load.tsv: cannot open: No such file or directory"),
    ])
    func exitStatuses(command: String, status: Int32, message: String) throws {
        try writeFile(directory.file("bad.jsonl"), "{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[0],\"packets\":[1]}\n"
                      + "{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[0]}\n")
        let result = try shell(command, in: directory)
        #expect(result.status == status)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
