@testable import Planning
import RSSRecords
import Testing
import TestSupport
import ToolSupport

/// Records of a NIC with 8 queues and a 128-entry table whose traffic drifts bucket by bucket,
/// has heavy buckets that come and go, costs up to 3x more per packet in some buckets than in
/// others, and ramps from light to heavy and back every 40 records (so that autoscaling adds
/// and removes cores). Each record is measured under the table of the plan before it.
private struct Traffic {
    static let queues = 8, tableSize = 128
    private var random: UInt64 = 0x9e37_79b9_7f4a_7c15
    private var rates = [Double](repeating: 1, count: tableSize)

    private mutating func uniform() -> Double {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        return Double(random >> 11) / Double(1 << 53)
    }

    mutating func line(epoch: Int, table: [Int]) -> [UInt8] {
        let phase = Double(epoch % 40) / 20
        let level = 0.15 + 0.6 * (phase < 1 ? phase : 2 - phase)
        for bucket in rates.indices { rates[bucket] = max(0.05, rates[bucket] * (0.8 + 0.4 * uniform())) }
        var packets = rates.map { Int($0 * 1000 * (0.5 + uniform())) }
        if epoch % 15 < 8 { packets[epoch % Self.tableSize] *= 12 }
        let total = zip(packets.indices, packets).reduce(0.0) { $0 + Double($1.1 * (1 + $1.0 % 3)) }
        var load = [Double](repeating: 0, count: Self.queues)
        for (bucket, queue) in table.enumerated() {
            load[queue] += Double(packets[bucket] * (1 + bucket % 3)) / total * level * Double(Self.queues)
        }
        return LoadRecord(time: Double(epoch), queues: Self.queues, reta: table, packets: packets,
                          load: load.map { min($0, 1) }).jsonLine()
    }
}

struct Configuration: CustomTestStringConvertible, Sendable {
    let algorithm: Algorithm
    let options: PlannerOptions
    var testDescription: String { "\(algorithm.rawValue)\(options.autoscale ? " --autoscale" : "")" }
}

let configurations = [
    Configuration(algorithm: .adaptive, options: PlannerOptions()),
    Configuration(algorithm: .adaptive, options: PlannerOptions(autoscale: true)),
    Configuration(algorithm: .rsspp, options: PlannerOptions()),
    Configuration(algorithm: .rsspp, options: PlannerOptions(autoscale: true)),
]

/// `lines` planned by `filter`, solve times left out (they are the one thing that may differ).
private func plans(_ lines: ArraySlice<[UInt8]>, by filter: inout PlanFilter) throws -> [PlanRecord] {
    try lines.map { line in
        var plan = try PlanRecord(jsonLine: try #require(try filter.process(line, lineNumber: 1)), lineNumber: 1)
        plan.solveMicroseconds = 0
        return plan
    }
}

/// 120 records planned in one run, each measured under the table the plan before it made.
private func closedLoop(_ configuration: Configuration) throws -> (lines: [[UInt8]], plans: [PlanRecord]) {
    var filter = PlanFilter(algorithm: configuration.algorithm, options: configuration.options)
    var traffic = Traffic()
    var table = (0..<Traffic.tableSize).map { $0 % Traffic.queues }
    var lines: [[UInt8]] = [], planned: [PlanRecord] = []
    for epoch in 0..<120 {
        lines.append(traffic.line(epoch: epoch, table: table))
        planned += try plans(lines[epoch...], by: &filter)
        table = planned[epoch].reta
    }
    return (lines, planned)
}

@Suite struct StateFileTests {
    let directory: TemporaryDirectory
    let file: PlannerStateFile

    init() throws {
        directory = try TemporaryDirectory()
        file = PlannerStateFile(path: directory.file("eth0.plan"))
    }

    @Test(arguments: configurations)
    func twoRunsWithTheStateFilePlanAsOne(configuration: Configuration) throws {
        let (lines, whole) = try closedLoop(configuration)
        let (algorithm, options) = (configuration.algorithm, configuration.options)
        for split in [1, 30, 61, 119] {
            var first = PlanFilter(algorithm: algorithm, options: options)
            let before = try plans(lines[..<split], by: &first)
            try first.save(to: file)
            var second = PlanFilter(algorithm: algorithm, options: options,
                                    restoring: try file.load(algorithm, options: options).saved)
            let after = try plans(lines[split...], by: &second)
            #expect(before + after == whole, "split after \(split)")

            // Without the history the second run plans otherwise: the records exercise it.
            var fresh = PlanFilter(algorithm: algorithm, options: options)
            #expect(try plans(lines[split...], by: &fresh) != Array(whole[split...]), "split after \(split)")
        }
    }

    @Test func aHistoryOfAnotherShapeIsSetAside() throws {
        let (lines, _) = try closedLoop(configurations[0])
        var first = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
        _ = try plans(lines[..<50], by: &first)
        try first.save(to: file)
        let smaller = (0..<20).map { epoch in
            LoadRecord(time: Double(epoch), queues: 4, reta: (0..<64).map { $0 % 4 },
                       packets: (0..<64).map { ($0 * 37 + epoch * 11) % 100 }, load: [0.9, 0.2, 0.4, 0.3]).jsonLine()
        }
        var restored = PlanFilter(algorithm: .adaptive, options: PlannerOptions(),
                                  restoring: try file.load(.adaptive, options: PlannerOptions()).saved)
        var fresh = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
        #expect(try plans(smaller[...], by: &restored) == plans(smaller[...], by: &fresh))
    }

    @Test func aHistoryOfAnotherAlgorithmOrVersionIsNotRead() throws {
        var first = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
        _ = try plans(try closedLoop(configurations[0]).lines[..<10], by: &first)
        try first.save(to: file)
        #expect(try file.load(.adaptive, options: PlannerOptions()).saved != nil)
        guard case .setAside(let why) = try file.load(.rsspp, options: PlannerOptions()) else {
            Issue.record("a history of another algorithm was not set aside")
            return
        }
        #expect(why.contains("saved by algorithm adaptive"), "\(why)")
        let saved = String(decoding: try readFile(file.path), as: UTF8.self)
        try writeFile(file.path, saved.replacing("\"version\":1", with: "\"version\":2"))
        guard case .setAside(let newer) = try file.load(.adaptive, options: PlannerOptions()) else {
            Issue.record("a history of another version was not set aside")
            return
        }
        #expect(newer.contains("version 2"), "\(newer)")
    }

    @Test func noFileOrAnEmptyOneIsNoHistory() throws {
        guard case .none = try file.load(.adaptive, options: PlannerOptions()) else {
            Issue.record("no file read as a history")
            return
        }
        try writeFile(file.path, "\n")
        guard case .none = try file.load(.adaptive, options: PlannerOptions()) else {
            Issue.record("an empty file read as a history")
            return
        }
    }

    /// Each text, and what the refusal must name.
    static let unreadable: [(text: String, message: String)] = [
        ("{\"format\":\"rss-plan state\",\n\"version\":1,\"algorithm\":\"adaptive\",\"tableSize\":", "line 2, column"),
        ("[1, 2]\n", "is not a JSON object"),
        ("{\"format\":\"nic\",\"version\":1,\"algorithm\":\"adaptive\"}", "\"format\" is \"nic\""),
        ("{\"format\":\"rss-plan state\",\"version\":1,\"algorithm\":\"rsspp\",\"tableSize\":4,\"queues\":2,"
            + "\"history\":{\"used\":[0,1],\"spare\":[]}}", "\"history.receivedLastRound\" is missing"),
        ("{\"format\":\"rss-plan state\",\"version\":1,\"algorithm\":\"rsspp\",\"tableSize\":4,\"queues\":2,"
            + "\"history\":{\"used\":[0,2],\"spare\":[],\"receivedLastRound\":[false,false]}}", "\"history.spare\""),
        ("{\"format\":\"rss-plan state\",\"version\":1,\"algorithm\":\"rsspp\",\"tableSize\":4,\"queues\":2,"
            + "\"history\":{\"used\":[0,1],\"spare\":[1],\"receivedLastRound\":[false,false]}}", "\"history.spare\""),
    ]

    @Test(arguments: unreadable)
    func aFileThatIsNotAStateFileIsRefusedAndLeftAsItIs(text: String, message: String) throws {
        try writeFile(file.path, text)
        #expect {
            try file.load(.rsspp, options: PlannerOptions())
        } throws: { error in
            let failure = error as? ToolFailure
            return failure?.status == ExitStatus.dataError && failure?.description.contains(message) == true
                && failure?.description.contains(file.path) == true
        }
        #expect(try readFile(file.path) == Array(text.utf8))
    }

    @Test func anAdaptiveHistoryThatDoesNotAddUpIsRefused() throws {
        var first = PlanFilter(algorithm: .adaptive, options: PlannerOptions())
        _ = try plans(try closedLoop(configurations[0]).lines[..<10], by: &first)
        try first.save(to: file)
        let saved = String(decoding: try readFile(file.path), as: UTF8.self)
        for (from, to, field) in [("\"cameFrom\":[", "\"cameFrom\":[0,", "history.cameFrom"),
                                  ("\"recordCount\":10", "\"recordCount\":-1", "history.recordCount"),
                                  ("\"best\":", "\"best\":7", "history.forecast"),
                                  ("\"movedAt\":[", "\"movedAt\":[11,", "history.movedAt")] {
            try writeFile(file.path, saved.replacing(from, with: to))
            #expect("\(field)") {
                try file.load(.adaptive, options: PlannerOptions())
            } throws: { error in
                let failure = error as? ToolFailure
                return failure?.status == ExitStatus.dataError && failure?.description.contains("\"\(field)\"") == true
            }
        }
    }

    @Test func aFileThatCannotBeReadSaysWhy() throws {
        let notAFile = PlannerStateFile(path: directory.path)
        #expect {
            try notAFile.load(.adaptive, options: PlannerOptions())
        } throws: { error in
            let failure = error as? ToolFailure
            return failure?.status == ExitStatus.noInput && failure?.description == "state file \(directory.path): cannot read: Is a directory"
        }
    }

    @Test func nothingPlannedWritesNothing() throws {
        try PlanFilter(algorithm: .adaptive, options: PlannerOptions()).save(to: file)
        #expect(directory.entries().isEmpty)
    }

    @Test func aFileThatCannotBeWrittenSaysWhereAndWhy() throws {
        var filter = PlanFilter(algorithm: .rsspp, options: PlannerOptions())
        _ = try plans(try closedLoop(configurations[2]).lines[..<3], by: &filter)
        let missing = PlannerStateFile(path: directory.file("gone/eth0.plan"))
        #expect {
            try filter.save(to: missing)
        } throws: { error in
            let failure = error as? ToolFailure
            return failure?.status == ExitStatus.cannotCreate && failure?.description.contains(directory.file("gone")) == true
        }
    }
}
