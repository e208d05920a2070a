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
        let result = try shell("rss-count sim --fast --epochs 1 --nic nic.json --queues 3 --reta-size 12 --key \(key)",
                               in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try NICStateFile(path: directory.file("nic.json")).load()
                == NICState(queues: 3, tableSize: 12, key: try parseHexKey(key)))
        #expect(try loadRecords(result).first?.reta.count == 12)
    }

    @Test func aClosedPipeEndsItQuietly() throws {
        let result = try shell("{ rss-count sim --fast --nic nic.json; echo \"exit $?\" >&2; } | head -n 1", in: directory)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr == "exit 0\n")
    }

    /// Waits (a hang guard of 20 s, not a measurement) for two paced records, then stops the
    /// counter with SIGTERM: it ends with status 0 and every record it wrote is whole.
    @Test func aTermSignalEndsItBetweenRecords() throws {
        let result = try shell("""
            : > records # before the background job opens it, so that the first wc finds it
            rss-count sim --interval 0.05 --nic nic.json > records & pid=$!
            tries=0
            while [ "$(wc -l < records)" -lt 2 ] && [ $tries -lt 400 ]; do sleep 0.05; tries=$((tries + 1)); done
            kill -TERM $pid; wait $pid; echo "exit $?"; cat records
            """, in: directory)
        #expect(result.stdoutLines.first == "exit 0")
        #expect(result.stdout.hasSuffix("\n"), "the last record is whole")
        let records = try result.stdoutLines.dropFirst().enumerated().map {
            try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1)
        }
        #expect(records.count >= 2)
    }

    /// Paced epochs come no faster than the interval: a lower bound, which a slow machine
    /// cannot break.
    @Test func simulatedEpochsArePacedInRealTime() throws {
        let result = try shell("""
            start=$(date +%s%N); rss-count sim --interval 0.1 --epochs 5 --nic nic.json > records
            echo $(( ($(date +%s%N) - start) / 1000000 ))
            """, in: directory)
        let milliseconds = try #require(Int(result.stdout.split(separator: "\n").first ?? ""))
        #expect(milliseconds >= 500, "5 epochs of 100 ms took \(milliseconds) ms")
        #expect(try readFile(directory.file("records")).filter { $0 == 0x0a }.count == 5)
    }

    /// Without a source, rss-count counts the simulated NIC, and says so: a pipeline typed on a
    /// production host must not quietly balance a simulation.
    @Test func withoutASourceItSaysItCountsTheSimulatedNIC() throws {
        let implicit = try shell("rss-count --fast --epochs 1 --nic nic.json", in: directory)
        #expect(implicit.status == 0)
        #expect(implicit.stderr == "rss-count: no source given: counting the simulated NIC (sim:steady); "
                + "name a device, e.g. xdp:eth0\n")
        #expect(try loadRecords(implicit).first?.source == "sim:steady")
        let explicit = try shell("rss-count sim --fast --epochs 1 --nic nic.json", in: directory)
        #expect(explicit.status == 0 && explicit.stderr.isEmpty, "\(explicit.stderr)")
    }

    /// A counter that would write its next record only in a minute stops as soon as its reader
    /// goes away. The 20 s `timeout` is a hang guard.
    @Test func aSlowCounterStopsWhenItsReaderLeaves() throws {
        let result = try shell("""
            timeout -k 5 20 sh -c '{ rss-count sim --interval 60 --nic nic.json; echo "count $?" >&2; } | true'
            echo "guard $?"
            """, in: directory)
        #expect(result.stdout == "guard 0\n", "rss-count was still running after 20 s")
        #expect(result.stderr == "count 0\n")
    }

    /// The largest NIC the options allow is written, and read back by the next run.
    @Test func theLargestNICItWritesItReadsAgain() throws {
        let shape = "--queues 1024 --reta-size 65536"
        let first = try shell("rss-count sim --fast --epochs 1 --nic nic.json \(shape) > /dev/null", in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try shell("rss-count sim --fast --epochs 1 --nic nic.json", in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try loadRecords(again).first?.reta.count == 65536)
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

    /// One case or more per exit status that rss-count(1) documents.
    @Test(arguments: [
        ("rss-count pcap:absent.pcap --nic nic.json", 66, "rss-count: absent.pcap: cannot open: No such file or directory"),
        ("rss-count pcap:nic.json --nic nic.json", 65, "rss-count: nic.json: not a pcap or pcapng capture"),
        ("rss-count sim:nope --nic nic.json", 64, "unknown scenario \"nope\""),
        ("rss-count tap:eth0 --nic nic.json", 64, "unknown source \"tap:eth0\""),
        ("rss-count sim --interval 0 --nic nic.json", 64, "--interval is 0: it must be a positive number, from 0.001 to 3600 seconds"),
        ("rss-count sim --queues 0 --nic nic.json", 64, "--queues is 0: it must be a positive number, from 1 to 1024"),
        ("rss-count sim --key 12zz --nic nic.json", 64, "--key: RSS key \"12zz\""),
        // Found by fuzzing: traps in the scenario's Poisson draw, and NICs no host has.
        ("rss-count sim --epochs 1 --cost 1e-20 --nic nic.json", 64, "--cost is 1e-20: it must be a positive number, from 1 to 1000000000 nanoseconds"),
        ("rss-count sim --epochs 1 --cost 1e-300 --nic nic.json", 64, "--cost is 1e-300"),
        ("rss-count sim --epochs 1 --interval 1e300 --nic nic.json", 64, "--interval is 1e+300"),
        ("rss-count sim --epochs 1 --reta-size 3000000 --nic new.json", 64, "--reta-size is 3000000: it must be a positive number, from 1 to 65536"),
        ("rss-count sim --epochs 1 --queues 100000 --nic new.json", 64, "--queues is 100000"),
        ("rss-count sim --queues -4 --nic nic.json", 64, "--queues is -4: it must be a positive number"),
        ("rss-count sim --interval -1 --nic nic.json", 64, "--interval is -1: it must be a positive number"),
        ("rss-count sim --nic nic.json", 65, "/nic.json: \"reta\" is missing"),
        ("rss-count sim --nic absent/nic.json", 69, "/absent/nic.json: cannot create a temporary file"),
    ])
    func errorsNameWhatIsWrong(command: String, status: Int32, message: String) throws {
        try writeFile(directory.file("nic.json"), "{\"type\":\"nic\",\"v\":1,\"queues\":2}\n")
        let result = try shell(command, in: directory)
        #expect(result.status == status)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
        #expect(!directory.entries().contains("new.json"), "a refused NIC is not written")
    }

    /// Found by fuzzing: a state file nested 110,000 levels deep overflowed the stack.
    @Test func aDeeplyNestedStateFileIsBadData() throws {
        try writeFile(directory.file("nic.json"), "{\"type\":\"nic\",\"v\":1,\"x\":" + String(repeating: "[", count: 110_000)
                      + String(repeating: "]", count: 110_000) + ",\"queues\":1,\"reta\":[0]}\n")
        let result = try shell("rss-count sim --fast --epochs 1 --nic nic.json", in: directory)
        #expect(result.status == 65)
        #expect(result.stderr.contains("nic.json: \"x\" is nested deeper than 64 levels"), "\(result.stderr)")
    }
}
