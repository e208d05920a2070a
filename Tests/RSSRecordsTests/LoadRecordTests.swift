import RSSRecords
import Testing

func loadLine(_ members: String) -> [UInt8] {
    Array("{\"type\":\"load\",\"v\":1,\(members)}".utf8)
}

func decodeLoad(_ members: String, line: Int = 7) throws(RecordError) -> LoadRecord {
    try LoadRecord(jsonLine: loadLine(members), lineNumber: line)
}

func rejection(_ members: String) -> RecordError? {
    do { _ = try decodeLoad(members); return nil } catch { return error }
}

@Suite struct LoadRecordTests {
    let sample = LoadRecord(time: 1764318000.1, interval: 0.1, device: "file:/tmp/nic.json", source: "sim:steady",
                            queues: 2, reta: [0, 1, 0, 1], packets: [12, 0, 7, 3], bytes: [1200, 0, 700, 300],
                            load: [0.93, 0.41], cpus: [0, 1])

    @Test func roundTripsThroughJSON() throws {
        let line = sample.jsonLine()
        #expect(line.last == 0x0a)
        #expect(line.filter { $0 == 0x0a }.count == 1)
        #expect(try LoadRecord(jsonLine: line.dropLast(), lineNumber: 1) == sample)
    }

    @Test func onlyTheRequiredMembersAreNeeded() throws {
        let record = try decodeLoad("\"queues\":2,\"reta\":[0,1],\"packets\":[5,6]")
        #expect(record == LoadRecord(queues: 2, reta: [0, 1], packets: [5, 6]))
    }

    @Test func unknownMembersAreIgnoredWhateverTheirShape() throws {
        let record = try decodeLoad(
            "\"future\":{\"a\":[1,{\"b\":null}],\"c\":\"x\\\"y\"},\"queues\":1,\"flag\":true,\"reta\":[0],\"packets\":[1]")
        #expect(record.packets == [1])
    }

    @Test func integralNumbersWrittenAsRealsAreAccepted() throws {
        let record = try decodeLoad("\"queues\":2.0,\"reta\":[0,1e0],\"packets\":[5.0,6]")
        #expect(record.reta == [0, 1] && record.packets == [5, 6])
    }

    @Test func stringsWithEscapesDecode() throws {
        let record = try decodeLoad("\"device\":\"file:/tmp/a\\u0020b\\\\c\\n\",\"queues\":1,\"reta\":[0],\"packets\":[0]")
        #expect(record.device == "file:/tmp/a b\\c\n")
    }

    @Test(arguments: [
        ("\"queues\":2,\"reta\":[0,1]", "packets", "is missing"),
        ("\"reta\":[0,1],\"packets\":[1,1]", "queues", "is missing"),
        ("\"queues\":2,\"packets\":[1,1]", "reta", "is missing"),
        ("\"queues\":0,\"reta\":[0],\"packets\":[1]", "queues", "at least 1"),
        ("\"queues\":2,\"reta\":[],\"packets\":[]", "reta", "is empty"),
        ("\"queues\":2,\"reta\":[0,2],\"packets\":[1,1]", "reta", "entry 1 is 2"),
        ("\"queues\":2,\"reta\":[0,-1],\"packets\":[1,1]", "reta", "entry 1 is -1"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1]", "packets", "has 1 entries, \"reta\" has 2"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,-4]", "packets", "entry 1 is negative"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"bytes\":[1]", "bytes", "has 1 entries"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"bytes\":[1,-1]", "bytes", "negative"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"load\":[0.5]", "load", "has 1 entries, \"queues\" has 2"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"load\":[0.5,1.2]", "load", "entry 1 is 1.2"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"load\":[-0.1,0.2]", "load", "entry 0 is -0.1"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"load\":[NaN,0.2]", "load", "unexpected character"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"cpus\":[1]", "cpus", "has 1 entries"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"interval\":0", "interval", "positive"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"time\":1e999", "time", "finite"),
        ("\"queues\":\"2\",\"reta\":[0,1],\"packets\":[1,2]", "queues", "expected an integer"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2.5]", "packets", "expected an integer"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,99999999999999999999]", "packets", "out of range"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":\"many\"", "packets", "expected '['"),
        ("\"queues\":2,\"reta\":[0,1],\"packets\":[1,2],\"device\":3", "device", "expected a string"),
    ])
    func rejectsNamingTheField(members: String, field: String, message: String) throws {
        let error = try #require(rejection(members))
        #expect(error.line == 7)
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func theMessageReadsLikeTheContractSays() {
        let error = rejection("\"queues\":2,\"reta\":[0,1],\"packets\":[1]")
        #expect(error?.description == "line 7: \"packets\" has 1 entries, \"reta\" has 2")
    }

    @Test(arguments: [
        ("{\"type\":\"load\",\"v\":1,", "unexpected end of line"),
        ("{\"type\" \"load\"}", "expected ':'"),
        ("{\"type\":\"load\" \"v\":1}", "expected ',' or '}'"),
        ("[1,2]", "is not a JSON object"),
        ("{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[0],\"packets\":[0]} x", "unexpected text"),
        ("{\"type\":\"lo\u{01}ad\"}", "control character"),
        ("{\"a\":01}", "leading zero"),
        ("", "unexpected end of line"),
    ])
    func rejectsMalformedJSON(text: String, message: String) throws {
        let error = try #require(throws: RecordError.self) { try LoadRecord(jsonLine: Array(text.utf8), lineNumber: 3) }
        #expect(error.line == 3)
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func rejectsOtherTypesAndVersions() {
        let plan = try? LoadRecord(jsonLine: Array("{\"type\":\"plan\",\"v\":1}".utf8), lineNumber: 1)
        #expect(plan == nil)
        let error = rejectionOf("{\"type\":\"load\",\"v\":2,\"queues\":1,\"reta\":[0],\"packets\":[0]}")
        #expect(error?.field == "v")
        #expect(error?.message.contains("reads version 1") == true)
        #expect(rejectionOf("{\"v\":1,\"queues\":1,\"reta\":[0],\"packets\":[0]}")?.field == "type")
        #expect(rejectionOf("{\"type\":\"load\",\"queues\":1,\"reta\":[0],\"packets\":[0]}")?.field == "v")
    }

    func rejectionOf(_ text: String) -> RecordError? {
        do { _ = try LoadRecord(jsonLine: Array(text.utf8), lineNumber: 1); return nil } catch { return error }
    }
}
