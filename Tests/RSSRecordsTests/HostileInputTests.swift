import RSSRecords
import Testing

/// Inputs found by fuzzing the readers (issue 7): each is rejected with the line and the field,
/// never trapped on, never half-read.
@Suite struct HostileInputTests {
    func rejection(_ bytes: [UInt8]) -> RecordError? {
        do { _ = try LoadRecord(jsonLine: bytes, lineNumber: 5); return nil } catch { return error }
    }

    @Test func invalidUTF8InAStringIsRejectedNotReplaced() throws {
        let line = Array("{\"type\":\"load\",\"v\":1,\"device\":\"file:/tmp/a".utf8) + [0xff]
            + Array("\",\"queues\":1,\"reta\":[0],\"packets\":[1]}".utf8)
        let error = try #require(rejection(line))
        #expect(error.line == 5)
        #expect(error.field == "device")
        #expect(error.message.contains("UTF-8"), "\(error)")
    }

    @Test func invalidUTF8BesideAnEscapeIsRejectedToo() throws {
        let line = Array("{\"type\":\"load\",\"v\":1,\"source\":\"a\\n".utf8) + [0xc3, 0x28]
            + Array("\",\"queues\":1,\"reta\":[0],\"packets\":[1]}".utf8)
        let error = try #require(rejection(line))
        #expect(error.field == "source")
        #expect(error.message.contains("UTF-8"), "\(error)")
    }

    @Test func aLoneSurrogateEscapeIsRejected() throws {
        let error = try #require(rejection(loadLine("\"device\":\"a\\ud800b\",\"queues\":1,\"reta\":[0],\"packets\":[1]")))
        #expect(error.field == "device")
        #expect(error.message.contains("surrogate"), "\(error)")
    }

    @Test func deepNestingInAnUnknownMemberIsRejectedWithoutExhaustingTheStack() throws {
        let levels = 110_000
        let line = loadLine("\"x\":" + String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
                            + ",\"queues\":1,\"reta\":[0],\"packets\":[1]")
        #expect(line.count > 220_000)
        let error = try #require(rejection(line))
        #expect(error.field == "x")
        #expect(error.message.contains("nested deeper than \(RecordContract.maxNesting)"), "\(error)")
    }

    @Test func nestingWithinTheBoundIsRead() throws {
        let depth = RecordContract.maxNesting - 1 // the record itself is the first level
        let record = try decodeLoad("\"x\":" + String(repeating: "{\"a\":", count: depth - 1) + "[]"
                                    + String(repeating: "}", count: depth - 1) + ",\"queues\":1,\"reta\":[0],\"packets\":[1]")
        #expect(record.packets == [1])
    }

    @Test(arguments: ["9223372036854775807", "1e10", "1e7", "1025"])
    func queuesAreBounded(queues: String) throws {
        let error = try #require(rejection(loadLine("\"queues\":\(queues),\"reta\":[0],\"packets\":[1]")))
        #expect(error.field == "queues")
        #expect(error.message.contains("at most \(RecordContract.maxQueues)"), "\(error)")
    }

    @Test func theLargestQueueCountIsRead() throws {
        let record = try decodeLoad("\"queues\":\(RecordContract.maxQueues),\"reta\":[0],\"packets\":[1]")
        #expect(record.queues == 1024)
    }

    @Test func tablesAreBounded() throws {
        let size = RecordContract.maxTableSize + 1
        let zeros = "[" + Array(repeating: "0", count: size).joined(separator: ",") + "]"
        let error = try #require(rejection(loadLine("\"queues\":1,\"reta\":\(zeros),\"packets\":\(zeros)")))
        #expect(error.field == "reta")
        #expect(error.message.contains("has 65537 entries; tables have at most 65536"), "\(error)")
    }

    @Test(arguments: ["[4611686018427387904,4611686018427387904]", "[9223372036854775807,1]"])
    func packetsThatAddUpBeyondA64BitCountAreRejected(packets: String) throws {
        let error = try #require(rejection(loadLine("\"queues\":2,\"reta\":[0,1],\"packets\":\(packets)")))
        #expect(error.field == "packets")
        #expect(error.message.contains("add up to more than 9223372036854775807"), "\(error)")
    }

    @Test func bytesThatAddUpBeyondA64BitCountAreRejected() throws {
        let error = try #require(rejection(loadLine(
            "\"queues\":2,\"reta\":[0,1],\"packets\":[1,1],\"bytes\":[9223372036854775807,1]")))
        #expect(error.field == "bytes")
    }

    @Test func oneHugeCountIsRead() throws {
        let record = try decodeLoad("\"queues\":2,\"reta\":[0,1],\"packets\":[9223372036854775807,0]")
        #expect(record.packets == [Int.max, 0])
    }

    @Test(arguments: [("packets", "[1.0000000000000001]"), ("packets", "[1e-400]"), ("reta", "[1e-400]"),
                      ("queues", "1.0000000000000001"), ("packets", "[0.5e0]"), ("packets", "[12.000000000000000000001]"),
                      ("packets", "[1e-9999999999999999999]")])
    func numbersThatAreNotExactIntegersAreRejected(field: String, value: String) throws {
        var members = ["queues": "1", "reta": "[0]", "packets": "[1]"]
        members[field] = value
        let error = try #require(rejection(loadLine(
            "\"queues\":\(members["queues"]!),\"reta\":\(members["reta"]!),\"packets\":\(members["packets"]!)")))
        #expect(error.field == field)
        #expect(error.message.contains("expected an integer"), "\(error)")
    }

    @Test(arguments: [("12.0", 12), ("1e3", 1000), ("1.5e1", 15), ("120e-1", 12), ("0.0", 0), ("-0", 0),
                      ("9.223372036854775807e18", Int.max), ("-9223372036854775808", Int.min)])
    func integersWrittenWithAFractionOrExponentAreReadExactly(text: String, value: Int) throws {
        let read = try Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            return try scanner.integer()
        }
        #expect(read == value)
    }

    @Test(arguments: ["9223372036854775808", "9.223372036854775808e18", "1e19", "-9223372036854775809", "1e400",
                      "1e9999999999999999999"])
    func integersBeyondSixtyFourBitsAreOutOfRange(text: String) throws {
        let failure = try #require(throws: JSONScanner.Failure.self) {
            try Array(text.utf8).withUnsafeBufferPointer { buffer in
                var scanner = JSONScanner(buffer)
                return try scanner.integer()
            }
        }
        #expect(failure.message == "integer out of range")
    }

    /// Found by fuzzing: rss-apply trapped on a plan with a huge `queues`.
    @Test func aPlanWithAHugeQueueCountIsRejected() throws {
        let line = #"{"type":"plan","v":1,"queues":9223372036854775807,"reta":[0],"moves":[]}"#
        let error = try #require(throws: RecordError.self) { try PlanRecord(jsonLine: Array(line.utf8), lineNumber: 2) }
        #expect(error.line == 2 && error.field == "queues")
    }

    /// Found by fuzzing (issue 10): a plan's loads and imbalances read as infinity from 1e999,
    /// which the record then wrote as null, a line no reader takes.
    @Test(arguments: ["\"imbalance_before\":1e999", "\"imbalance_after\":-1e999", "\"solve_us\":1e999",
                      "\"load_before\":[0.5,1e999]", "\"load_after\":[-1e999]"])
    func aPlanWithAnInfiniteNumberIsRejected(member: String) throws {
        let line = #"{"type":"plan","v":1,"queues":2,"reta":[0,1],"moves":[],"# + member + "}"
        let error = try #require(throws: RecordError.self) { try PlanRecord(jsonLine: Array(line.utf8), lineNumber: 3) }
        #expect(error.line == 3 && member.hasPrefix("\"\(error.field ?? "-")\""), "\(error)")
        #expect(error.message.contains("finite"), "\(error)")
    }
}
