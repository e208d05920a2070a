import RSSRecords
import Testing

@Suite struct PlanRecordTests {
    let plan = PlanRecord(time: 12.5, device: "file:/tmp/nic.json", source: "sim:steady", queues: 3,
                          reta: [0, 2, 2, 1], moves: [Move(bucket: 1, from: 1, to: 2), Move(bucket: 3, from: 0, to: 1)],
                          active: [0, 1, 2], loadBefore: [0.9, 0.1, 0.2], loadAfter: [0.4, 0.4, 0.4],
                          imbalanceBefore: 1.25, imbalanceAfter: 0, solveMicroseconds: 8.1)

    @Test func roundTripsThroughJSON() throws {
        #expect(try PlanRecord(jsonLine: plan.jsonLine(), lineNumber: 1) == plan)
    }

    @Test func movesAreExactlyTheChangedEntries() {
        #expect(Move.between([0, 1, 2, 0], [0, 2, 2, 1]) == [Move(bucket: 1, from: 1, to: 2), Move(bucket: 3, from: 0, to: 1)])
        #expect(Move.between([0, 1], [0, 1]).isEmpty)
    }

    @Test func markingAppliedKeepsEveryMemberAndAddsTheTime() throws {
        let original = Array("{\"type\":\"plan\",\"v\":1,\"queues\":1,\"reta\":[0],\"moves\":[],\"x-owner\":{\"k\":[1]}}  \n".utf8)
        let marked = PlanRecord.markingApplied(original, at: 1764318000.25)
        let text = String(decoding: marked, as: UTF8.self)
        #expect(text == "{\"type\":\"plan\",\"v\":1,\"queues\":1,\"reta\":[0],\"moves\":[],\"x-owner\":{\"k\":[1]},\"applied\":1764318000.25}\n")
        #expect(try PlanRecord(jsonLine: marked, lineNumber: 1).applied == 1764318000.25)
    }

    @Test func rebasingReplacesTheMovesAndKeepsEveryOtherMember() throws {
        let original = Array(#"{"type":"plan","v":1,"queues":2,"reta":[1,1,0],"moves" : [ {"bucket":0,"from":0,"to":1} ],"x":{"moves":1}}"#.utf8)
        let rebased = try PlanRecord.rebasing(original, moves: [Move(bucket: 0, from: 0, to: 1), Move(bucket: 2, from: 1, to: 0)])
        #expect(String(decoding: rebased, as: UTF8.self) == #"{"type":"plan","v":1,"queues":2,"reta":[1,1,0],"moves" :"#
                + #"[{"bucket":0,"from":0,"to":1},{"bucket":2,"from":1,"to":0}],"x":{"moves":1},"rebased":true}"# + "\n")
    }

    @Test(arguments: [
        ("\"queues\":2,\"reta\":[0,1]", "moves", "is missing"),
        ("\"queues\":2,\"reta\":[0,2],\"moves\":[]", "reta", "entry 1 is 2"),
        ("\"queues\":2,\"reta\":[0,1],\"moves\":[{\"bucket\":1,\"from\":0,\"to\":0}]", "moves", "does not match"),
        ("\"queues\":2,\"reta\":[0,1],\"moves\":[{\"bucket\":5,\"from\":0,\"to\":1}]", "moves", "does not match"),
        ("\"queues\":2,\"reta\":[0,1],\"moves\":[{\"bucket\":1}]", "moves", "needs"),
        ("\"queues\":2,\"reta\":[0,1],\"moves\":[],\"active\":[0,3]", "active", "names queue 3"),
        ("\"queues\":2,\"reta\":[1,0],\"moves\":[{\"bucket\":1,\"from\":1,\"to\":0},{\"bucket\":0,\"from\":0,\"to\":1}]", "moves",
         "are not in bucket order"),
        ("\"queues\":2,\"reta\":[1,0],\"moves\":[{\"bucket\":0,\"from\":0,\"to\":1},{\"bucket\":0,\"from\":0,\"to\":1}]", "moves",
         "name bucket 0 more than once"),
    ])
    func rejectsNamingTheField(members: String, field: String, message: String) throws {
        let text = Array("{\"type\":\"plan\",\"v\":1,\(members)}".utf8)
        let error = try #require(throws: RecordError.self) { try PlanRecord(jsonLine: text, lineNumber: 4) }
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error)")
    }
}
