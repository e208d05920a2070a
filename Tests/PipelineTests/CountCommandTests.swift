import NICSim
import RSSHash
import RSSRecords
import Testing
import TestSupport

func loadRecords(_ result: ShellResult) throws -> [LoadRecord] {
    try result.stdoutLines.enumerated().map { try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1) }
}

/// `rss-count` as a shell runs it.
@Suite struct CountCommandTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    @Test func simulatesEpochsOnANewStateFile() throws {
        let result = try shell("rss-count sim:hot-bucket --fast --epochs 3 --nic nic.json --seed 5", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let records = try loadRecords(result)
        let state = try NICStateFile(path: directory.file("nic.json")).load()
        let suggested = try Scenarios.info("hot-bucket")
        #expect(state == NICState(queues: suggested.queues, tableSize: suggested.tableSize))
        #expect(records.count == 3)
        for record in records {
            #expect(record.device == "file:" + directory.file("nic.json"))
            #expect(record.source == "sim:hot-bucket")
            #expect(record.reta == state.reta)
            #expect(record.packets.reduce(0, +) > 0)
            #expect(record.load?.count == state.queues)
        }
        let again = try shell("rss-count sim:hot-bucket --fast --epochs 3 --nic nic.json --seed 5", in: directory)
        #expect(try loadRecords(again).map(\.packets) == records.map(\.packets), "a seed repeats its traffic")
    }

    @Test func theOptionsShapeTheNIC() throws {
        let key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        let result = try shell("rss-count --fast --epochs 1 --nic nic.json --queues 3 --reta-size 12 --key \(key)",
                               in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try NICStateFile(path: directory.file("nic.json")).load()
                == NICState(queues: 3, tableSize: 12, key: try parseHexKey(key)))
        #expect(try loadRecords(result).first?.reta.count == 12)
    }

    @Test func aClosedPipeEndsItQuietly() throws {
        let result = try shell("{ rss-count --fast --nic nic.json; echo \"exit $?\" >&2; } | head -n 1", in: directory)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "exit 0\n")
    }

    @Test func aTermSignalEndsItBetweenRecords() throws {
        let result = try shell("""
            rss-count --interval 0.05 --nic nic.json > records & pid=$!
            sleep 0.4; kill -TERM $pid; wait $pid; echo "exit $?"; cat records
            """, in: directory)
        #expect(result.stdoutLines.first == "exit 0")
        let records = try result.stdoutLines.dropFirst().enumerated().map {
            try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1)
        }
        #expect(records.count >= 2, "paced at 50 ms, 400 ms should give several records")
        #expect(records.count < 40, "\(records.count) records in 400 ms: epochs are not paced")
    }

    /// 20 DNS queries over 0.6 s of trace time.
    func writeTrace() throws {
        let start: UInt64 = 1_764_318_000_000_000_000
        let packets = (0..<20).map { index in
            TestPacket(FlowTuple(type: .udp4, source: [10, 0, 0, UInt8(index)], destination: [10, 0, 1, 1],
                                 sourcePort: UInt16(1000 + index), destinationPort: 53),
                       at: start + UInt64(index) * 30_000_000)
        }
        try writeFile(directory.file("trace.pcapng"),
                      CaptureFormat.pcapng.file(packets.map { ($0.nanoseconds, $0.ethernetFrame()) }, linkType: .ethernet))
    }

    @Test func aCaptureIsReplayedUntilItEnds() throws {
        try writeTrace()
        let result = try shell("rss-count pcap:trace.pcapng --nic nic.json --interval 0.1", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let records = try loadRecords(result)
        #expect(records.count == 6)
        #expect(records.map { $0.packets.reduce(0, +) } == [4, 3, 3, 4, 3, 3])
        #expect(records.allSatisfy { $0.source == "pcap:trace.pcapng" })
    }

    @Test func paceReplaysACaptureNoFasterThanItWasRecorded() throws {
        try writeTrace()
        let result = try shell("""
            start=$(date +%s%N); rss-count pcap:trace.pcapng --pace --nic nic.json --interval 0.1 > records
            echo $(( ($(date +%s%N) - start) / 1000000 ))
            """, in: directory)
        let milliseconds = try #require(Int(result.stdout.split(separator: "\n").first ?? ""))
        #expect(milliseconds >= 550, "6 epochs of 100 ms took \(milliseconds) ms")
        #expect(try readFile(directory.file("records")).filter { $0 == 0x0a }.count == 6)
    }

    @Test(arguments: [
        ("rss-count pcap:absent.pcap --nic nic.json", 69, "rss-count: absent.pcap: cannot open: No such file or directory"),
        ("rss-count pcap:nic.json --nic nic.json", 65, "rss-count: nic.json: not a pcap or pcapng capture"),
        ("rss-count sim:nope --nic nic.json", 64, "unknown scenario \"nope\""),
        ("rss-count tap:eth0 --nic nic.json", 64, "unknown source \"tap:eth0\""),
        ("rss-count --interval 0 --nic nic.json", 64, "--interval must be a positive number"),
        ("rss-count --queues 0 --nic nic.json", 64, "--queues must be 1 or more"),
        ("rss-count --key 12zz --nic nic.json", 64, "--key: RSS key \"12zz\""),
        ("rss-count --nic nic.json", 69, "/nic.json: \"reta\" is missing"),
    ])
    func errorsNameWhatIsWrong(command: String, status: Int32, message: String) throws {
        try writeFile(directory.file("nic.json"), "{\"type\":\"nic\",\"v\":1,\"queues\":2}\n")
        let result = try shell(command, in: directory)
        #expect(result.status == status)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
