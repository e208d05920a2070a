import RSSRecords
import Testing

@Suite struct MigratedRecordTests {
    @Test func writesTheContractsMembers() throws {
        let record = MigratedRecord(seq: 3, owners: [
            OwnerOutcome(socket: "/run/a.sock", latencyMicroseconds: 120),
            OwnerOutcome(socket: "/run/b \"x\".sock", latencyMicroseconds: 1_000_000, error: "no answer within 1 s"),
        ])
        #expect(String(decoding: record.jsonLine(), as: UTF8.self) == #"{"type":"migrated","v":1,"seq":3,"owners":["#
                + #"{"socket":"/run/a.sock","acked":true,"latency_us":120},"#
                + #"{"socket":"/run/b \"x\".sock","acked":false,"latency_us":1000000,"error":"no answer within 1 s"}]}"#
                + "\n")
        #expect(try MigratedRecord(jsonLine: record.jsonLine(), lineNumber: 1) == record)
    }

    @Test func readsMembersItDoesNotKnowWithoutComplaint() throws {
        let line = #"{"type":"migrated","v":1,"seq":1,"x":[1],"owners":[{"socket":"s","acked":true,"latency_us":5,"y":{}}]}"#
        #expect(try MigratedRecord(jsonLine: Array(line.utf8), lineNumber: 1)
                == MigratedRecord(seq: 1, owners: [OwnerOutcome(socket: "s", latencyMicroseconds: 5)]))
    }

    @Test(arguments: [
        (#""type":"plan","v":1,"seq":1,"owners":[]"#, "type", #"is "plan", expected "migrated""#),
        (#""type":"migrated","v":2,"seq":1,"owners":[]"#, "v", "is 2"),
        (#""type":"migrated","v":1,"owners":[]"#, "seq", "is missing"),
        (#""type":"migrated","v":1,"seq":0,"owners":[]"#, "seq", "counts from 1"),
        (#""type":"migrated","v":1,"seq":1,"owners":[]"#, "owners", "is empty"),
        (#""type":"migrated","v":1,"seq":1,"owners":[{"socket":"s","acked":true}]"#, "owners", "needs"),
        (#""type":"migrated","v":1,"seq":1,"owners":[{"socket":"s","acked":true,"latency_us":-1}]"#, "owners", "negative"),
        (#""type":"migrated","v":1,"seq":1,"owners":[{"socket":"s","acked":false,"latency_us":1}]"#, "owners",
         #"is not acked and has no "error""#),
        (#""type":"migrated","v":1,"seq":1,"owners":[{"socket":"s","acked":true,"latency_us":1,"error":"e"}]"#, "owners",
         #"is acked but has an "error""#),
        (#""type":"migrated","v":1,"seq":1,"owners":[{"socket":"s","acked":"yes","latency_us":1}]"#, "owners", ""),
    ])
    func rejectsNamingTheField(members: String, field: String, message: String) throws {
        let error = try #require(throws: RecordError.self) {
            try MigratedRecord(jsonLine: Array("{\(members)}".utf8), lineNumber: 9)
        }
        #expect(error.line == 9 && error.field == field, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }
}
