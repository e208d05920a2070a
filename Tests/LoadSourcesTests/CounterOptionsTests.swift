import LoadSources
import NICSim
import RSSRecords
import Testing
import TestSupport

/// The same flows every epoch, so that what reaches the records can be predicted exactly.
extension CounterOptions {
    /// The defaults, with the NIC's state file in `directory`.
    init(nicIn directory: TemporaryDirectory) {
        self.init()
        nicPath = directory.file("nic.json")
    }
}

struct FixedScenario: TrafficScenario {
    var flows: [FlowActivity]
    var epochs = 0

    mutating func nextEpoch(interval: Double) -> [FlowActivity] {
        epochs += 1
        return flows
    }
}

@Suite struct CounterOptionsTests {
    let directory: TemporaryDirectory
    let options: CounterOptions

    init() throws {
        directory = try TemporaryDirectory()
        options = CounterOptions(nicIn: directory)
        try writeFile(directory.file("empty.pcap"), CaptureFormat.pcap.file([], linkType: .ethernet))
    }

    func openCapture(_ options: CounterOptions) throws -> NICState {
        _ = try loadSource("pcap:" + directory.file("empty.pcap"), options: options)
        return try NICStateFile(path: options.nicPath).load()
    }

    @Test func aMissingNICIsCreatedWithTheSourcesShapeUnlessTold() throws {
        let created = try openCapture(options)
        #expect(created == NICState(queues: CaptureSource.defaultShape.queues, tableSize: CaptureSource.defaultShape.tableSize))

        var told = options
        told.nicPath = directory.file("told.json")
        told.queues = 3
        told.tableSize = 10
        #expect(try openCapture(told) == NICState(queues: 3, tableSize: 10))
    }

    @Test func anExistingNICIsKeptUnlessTheOptionsAskForAnotherShape() throws {
        let file = NICStateFile(path: options.nicPath)
        let balanced = NICState(queues: 2, reta: [1, 1, 0, 0], generation: 6)
        try file.write(balanced)
        #expect(try openCapture(options) == balanced)

        var same = options
        same.queues = 2
        same.tableSize = 4
        #expect(try openCapture(same) == balanced)

        var wider = options
        wider.queues = 3
        #expect(try openCapture(wider) == NICState(queues: 3, reta: [0, 1, 2, 0], generation: 7))
    }

    @Test(arguments: ["nope", "pcap:", "pcap", "xdp:eth0", ""])
    func anUnknownSourceIsAUsageError(spec: String) throws {
        let error = try #require(throws: SourceError.self) { try loadSource(spec, options: options) }
        #expect(error.kind == .usage)
        #expect(error.description.contains("unknown source \"\(spec)\""))
    }

    @Test func aSimulatedSourceCountsItsScenarioOnTheCurrentTable() throws {
        let file = NICStateFile(path: options.nicPath)
        try file.write(NICState(queues: 2, tableSize: 4))
        var options = self.options
        options.epochs = 3
        options.interval = 0.5
        options.fast = true
        let flows = [FlowActivity(hash: 5, packets: 10, bytes: 1000, work: 1e8),
                     FlowActivity(hash: 2, packets: 4, bytes: 400, work: 2e8)]
        var source = SimulatedSource(nic: file, scenario: FixedScenario(flows: flows), name: "fixed",
                                     options: options, pacer: Pacer(realTime: false), start: 1000)
        let first = try #require(try source.next())
        #expect(first.packets == [0, 10, 4, 0])
        #expect(first.bytes == [0, 1000, 400, 0])
        #expect(first.load == [0.4, 0.2])
        #expect(first.time == 1000.5)
        #expect(first.source == "sim:fixed")
        #expect(first.device == file.device)

        try file.update { $0.reta = [1, 1, 1, 1] }
        let second = try #require(try source.next())
        #expect(second.reta == [1, 1, 1, 1])
        #expect(second.load == [0, 0.6000000000000001])
        #expect(second.time == 1001)
        #expect(try source.next() != nil)
        #expect(try source.next() == nil, "--epochs 3 stops after three records")
    }
}

/// The bounds `rss-count` puts on its options, the same constants the records' readers check.
@Suite struct CounterOptionBoundsTests {
    func refusal(_ change: (inout CounterOptions) -> Void) -> SourceError? {
        var options = CounterOptions()
        change(&options)
        do { try options.validate(); return nil } catch { return error }
    }

    @Test func theDefaultsAndTheBoundsThemselvesAreAccepted() {
        #expect(refusal { _ in } == nil)
        #expect(refusal {
            $0.interval = 3600
            $0.costNanoseconds = 1
            $0.queues = RecordContract.maxQueues
            $0.tableSize = RecordContract.maxTableSize
        } == nil)
        #expect(refusal { $0.interval = 0.001; $0.costNanoseconds = 1e9; $0.queues = 1; $0.tableSize = 1 } == nil)
    }

    @Test func valuesBeyondTheBoundsAreUsageErrorsNamingTheOption() {
        let cases: [(String, (inout CounterOptions) -> Void)] = [
            ("--interval is 1e+300", { $0.interval = 1e300 }),
            ("--interval is nan", { $0.interval = .nan }),
            ("--cost is 1e-20", { $0.costNanoseconds = 1e-20 }),
            ("--queues is 1025", { $0.queues = RecordContract.maxQueues + 1 }),
            ("--queues is -4: it must be a positive number, from 1 to 1024", { $0.queues = -4 }),
            ("--reta-size is 3000000", { $0.tableSize = 3_000_000 }),
            ("--epochs is -1", { $0.epochs = -1 }),
        ]
        for (message, change) in cases {
            let error = refusal(change)
            #expect(error?.kind == .usage)
            #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
        }
    }

    @Test func reconfiguringTheNICKeepsMembersOtherWritersAdded() throws {
        let directory = try TemporaryDirectory()
        var options = CounterOptions(nicIn: directory)
        try writeFile(options.nicPath, #"{"type":"nic","v":1,"queues":2,"reta":[0,1],"site":"lab"}"# + "\n")
        options.queues = 3
        _ = try loadSource("sim", options: options)
        let state = try NICStateFile(path: options.nicPath).load()
        #expect(state.queues == 3)
        #expect(state.otherMembers == [UnknownMember(name: "site", json: Array(#""lab""#.utf8))])
    }

    /// A --fast run's clock runs ahead of real time and the NIC keeps its last plan's time; a
    /// later run (rss-balance restarting its pipeline) must count on from there, or rss-apply
    /// refuses every plan as older than the one applied last.
    @Test func aSimulatedClockGoesOnFromTheLastPlanTheNICHolds() throws {
        let directory = try TemporaryDirectory()
        var options = CounterOptions(nicIn: directory)
        options.fast = true
        let ahead = unixTime() + 86_400
        try writeFile(options.nicPath, #"{"type":"nic","v":1,"queues":2,"reta":[0,1],"plan_time":\#(ahead)}"# + "\n")
        var source = try loadSource("sim", options: options)
        let record = try #require(try source.next())
        #expect(try #require(record.time) > ahead)
    }

    @Test func aStateFileThatBreaksTheContractIsBadInput() throws {
        let directory = try TemporaryDirectory()
        let options = CounterOptions(nicIn: directory)
        try writeFile(options.nicPath, #"{"type":"nic","v":1,"queues":2}"#)
        let error = try #require(throws: SourceError.self) { try loadSource("sim", options: options) }
        #expect(error.kind == .badInput)
    }
}
