#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import Testing
import TableTargets
import TestSupport

@Suite struct PlanApplierTests {
    let nic: NICFixture

    init() throws { nic = try NICFixture() }

    /// A plan for this test's NIC moving bucket 0 to queue 3, or one for `reta`: its moves are
    /// the changes from the NIC's table, or for a table of another length, from a rotated one.
    func plan(reta: [Int] = [3, 1, 2, 3, 0, 1, 2, 3], queues: Int = 4, device: String? = nil,
              extra: String = "") -> ArraySlice<UInt8> {
        let before = reta.count == nic.initial.reta.count ? nic.initial.reta : reta.map { ($0 + 1) % queues }
        let record = PlanRecord(device: device ?? nic.file.device, queues: queues, reta: reta,
                                moves: Move.between(before, reta), active: Array(0..<queues))
        var line = record.jsonLine().dropLast()
        if !extra.isEmpty { line = line.dropLast() + Array(",\(extra)}".utf8) }
        return line
    }

    func applier(target: String? = nil, dryRun: Bool = false, stalePlan: StalePlanPolicy = .refuse,
                 report: @escaping (String) -> Void = { Issue.record("unexpected report: \($0)") }) throws -> PlanApplier {
        try PlanApplier(target: target, dryRun: dryRun, stalePlan: stalePlan, clock: { 1764318000.5 }, report: report)
    }

    @Test func writesTheTableAndAddsApplied() throws {
        var applier = try applier()
        let line = plan()
        let output = try applier.apply(line, number: 1)
        #expect(output == Array(line.dropLast()) + Array(#","applied":1764318000.5}"#.utf8) + [0x0a])
        #expect(try PlanRecord(jsonLine: output, lineNumber: 1).applied == 1764318000.5)
        #expect(try nic.file.load() == NICState(queues: 4, reta: [3, 1, 2, 3, 0, 1, 2, 3], generation: 1))
    }

    @Test func keepsMembersItDoesNotKnow() throws {
        var applier = try applier()
        let output = String(decoding: try applier.apply(plan(extra: #""x-note":{"why":[1,2]}"#), number: 1), as: UTF8.self)
        #expect(output.hasSuffix(#","x-note":{"why":[1,2]},"applied":1764318000.5}"# + "\n"))
    }

    @Test func aNoOpPlanPassesThroughWithoutAWrite() throws {
        var applier = try applier()
        let line = plan(reta: nic.initial.reta)
        #expect(try applier.apply(line, number: 1) == Array(line) + [0x0a])
        #expect(try nic.file.load().generation == 0)
        // Even one naming a device that cannot be opened: there is nothing to write.
        let elsewhere = plan(reta: nic.initial.reta, device: "file:" + nic.directory.file("absent.json"))
        #expect(try applier.apply(elsewhere, number: 2) == Array(elsewhere) + [0x0a])
    }

    @Test func aDryRunValidatesButNeitherWritesNorMarks() throws {
        var applier = try applier(dryRun: true)
        let line = plan()
        #expect(try applier.apply(line, number: 1) == Array(line) + [0x0a])
        #expect(try nic.file.load() == nic.initial)
        let error = try #require(throws: RecordError.self) { try applier.apply(plan(reta: [0, 1, 2, 3]), number: 2) }
        #expect(error.field == "reta")
    }

    @Test func theTargetArgumentOverridesEachPlansDevice() throws {
        let other = NICStateFile(path: nic.directory.file("other.json"))
        try other.write(nic.initial)
        var applier = try applier(target: other.device)
        _ = try applier.apply(plan(), number: 1)
        #expect(try other.load().generation == 1)
        #expect(try nic.file.load() == nic.initial)
    }

    @Test(arguments: [
        ([0, 1, 2, 3], 4, "table has 4 entries"),
        ([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], 4, "table has 10 entries"),
        ([7, 1, 2, 3, 0, 1, 2, 3], 8, "entry 0 is 7; file:"),
    ])
    func aPlanThatDoesNotFitTheTargetIsRejectedUnwritten(reta: [Int], queues: Int, problem: String) throws {
        var applier = try applier()
        let error = try #require(throws: RecordError.self) { try applier.apply(plan(reta: reta, queues: queues), number: 6) }
        #expect(error.line == 6)
        #expect(error.field == "reta")
        #expect(error.message.hasPrefix(problem), "\(error)")
        #expect(try nic.file.load() == nic.initial)
    }

    @Test(arguments: [
        (#"{"type":"plan","v":1,"queues":4"#, nil, "malformed JSON"),
        (#"{"type":"plan","v":1,"reta":[0],"moves":[]}"#, "queues", "is missing"),
        (#"{"type":"plan","v":1,"queues":4,"reta":[1,1,2,3,0,1,2,3]}"#, "moves", "is missing"),
        (#"{"type":"load","v":1,"queues":4,"reta":[0],"packets":[1]}"#, "type", "expected \"plan\""),
        (#"{"type":"plan","v":1,"queues":4,"reta":[1,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":0,"to":1}]}"#,
         "device", "is missing and no TARGET was given"),
        (#"{"type":"plan","v":1,"device":"nic0","queues":4,"reta":[1,1,2,3,0,1,2,3],"moves":[{"bucket":0,"from":0,"to":1}]}"#,
         "device", "unknown target \"nic0\""),
    ] as [(String, String?, String)])
    func aBadRecordIsRejectedNamingLineAndField(text: String, field: String?, message: String) throws {
        var applier = try applier()
        let error = try #require(throws: RecordError.self) { try applier.apply(Array(text.utf8)[...], number: 3) }
        #expect(error.line == 3)
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error)")
        #expect(try nic.file.load() == nic.initial)
    }

    @Test func anUnknownTargetArgumentIsRefusedUpFront() throws {
        let error = try #require(throws: TargetError.self) { try PlanApplier(target: "ethernet:eth0") }
        #expect(error.description.contains("unknown target"))
    }

    /// A target whose table can be read but not written: a state file whose name is so long
    /// that the temporary file beside it cannot have one (even for root).
    @Test func aTargetThatCannotBeWrittenKeepsItsTable() throws {
        let path = nic.directory.file(String(repeating: "n", count: 245))
        try writeFile(path, nic.initial.jsonLine())
        var applier = try applier(target: "file:" + path)
        let error = try #require(throws: TargetError.self) { try applier.apply(plan(), number: 1) }
        #expect(error.description.hasPrefix("\(path): cannot create a temporary file"), "\(error)")
        #expect(try NICStateFile(path: path).load() == nic.initial)
    }

    // The state file changed behind the applier's back: bucket 6 went from queue 2 to queue 1.
    // A plan made from the table before that change moves bucket 1 from queue 1 to queue 3.
    static let behindTheBack = [0, 1, 2, 3, 0, 1, 1, 3]
    var staleLine: ArraySlice<UInt8> {
        Array((#"{"type":"plan","v":1,"device":"\#(nic.file.device)","queues":4,"reta":[0,3,2,3,0,1,2,3],"#
            + #""moves":[{"bucket":1,"from":1,"to":3}],"x-note":"kept"}"#).utf8)[...]
    }

    func changeBehindTheBack() throws {
        try nic.file.write(NICState(queues: 4, reta: Self.behindTheBack, generation: 7))
    }

    @Test func aStalePlanIsRefusedByDefaultNamingTheBucket() throws {
        var reports: [String] = []
        var applier = try PlanApplier(clock: { 1764318000.5 }, report: { reports.append($0) })
        _ = try applier.apply(plan(), number: 1)
        try changeBehindTheBack()
        #expect(try applier.apply(staleLine, number: 2) == Array(staleLine) + [0x0a])
        #expect(reports == ["line 2: stale plan: made with bucket 6 on queue 2; \(nic.file.device) has it on queue 1; "
                            + "table not written (--stale-plan refuse)"])
        #expect(try nic.file.load() == NICState(queues: 4, reta: Self.behindTheBack, generation: 7))
    }

    @Test func aRebasedPlanIsWrittenWithTheMovesTheDeviceMade() throws {
        var applier = try applier(stalePlan: .rebase)
        _ = try applier.apply(plan(), number: 1)
        try changeBehindTheBack()
        let output = String(decoding: try applier.apply(staleLine, number: 2), as: UTF8.self)
        // From [0,1,2,3,0,1,1,3] to [0,3,2,3,0,1,2,3]: bucket 1 (1 to 3) and bucket 6 (1 back to 2).
        #expect(output.contains(#""moves":[{"bucket":1,"from":1,"to":3},{"bucket":6,"from":1,"to":2}]"#), "\(output)")
        #expect(output.hasSuffix(#","x-note":"kept","rebased":true,"applied":1764318000.5}"# + "\n"), "\(output)")
        #expect(output.ranges(of: #""moves""#).count == 1, "\(output)")
        #expect(try nic.file.load() == NICState(queues: 4, reta: [0, 3, 2, 3, 0, 1, 2, 3], generation: 8))
    }

    @Test func aRebasedPlanTheDeviceAlreadyHasIsNotWritten() throws {
        try nic.file.write(NICState(queues: 4, reta: [0, 3, 2, 3, 0, 1, 2, 3], generation: 3))
        var applier = try applier(stalePlan: .rebase)
        let output = String(decoding: try applier.apply(staleLine, number: 1), as: UTF8.self)
        #expect(output.contains(#""moves":[],"#), "\(output)")
        #expect(output.hasSuffix(#","rebased":true}"# + "\n"), "\(output)")
        #expect(try nic.file.load().generation == 3)
    }

    /// A plan without moves made from a table the device no longer has: the planner's table
    /// wins, as for any stale plan; one made from the table in force is still not written.
    @Test func aStalePlanWithoutMovesIsRebasedAndWritten() throws {
        var applier = try applier(stalePlan: .rebase)
        let unchanged = plan(reta: nic.initial.reta)
        #expect(try applier.apply(unchanged, number: 1) == Array(unchanged) + [0x0a])
        #expect(try nic.file.load().generation == 0)
        try changeBehindTheBack()
        let output = String(decoding: try applier.apply(unchanged, number: 2), as: UTF8.self)
        #expect(output.contains(#""moves":[{"bucket":6,"from":1,"to":2}],"#), "\(output)")
        #expect(output.hasSuffix(#","rebased":true,"applied":1764318000.5}"# + "\n"), "\(output)")
        #expect(try nic.file.load() == NICState(queues: 4, reta: nic.initial.reta, generation: 8))
    }

    @Test func refusingPassesAStalePlanWithoutMovesOnUnreported() throws {
        try changeBehindTheBack()
        var applier = try applier()
        let unchanged = plan(reta: nic.initial.reta)
        #expect(try applier.apply(unchanged, number: 1) == Array(unchanged) + [0x0a])
        #expect(try nic.file.load().generation == 7)
    }

    @Test func aDryRunRebasesWithoutWriting() throws {
        try changeBehindTheBack()
        var applier = try applier(dryRun: true, stalePlan: .rebase)
        let output = String(decoding: try applier.apply(staleLine, number: 1), as: UTF8.self)
        #expect(output.contains(#""moves":[{"bucket":1,"from":1,"to":3},{"bucket":6,"from":1,"to":2}]"#), "\(output)")
        #expect(!output.contains("applied"), "\(output)")
        #expect(try nic.file.load().generation == 7)
    }
}
