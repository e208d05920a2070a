import Reporting
import Testing

@Suite struct LiveViewTests {
    func view(_ lines: [String]) throws -> LiveView {
        var view = LiveView()
        for (index, line) in lines.enumerated() { try view.add(Array(line.utf8), number: index + 1) }
        return view
    }

    func plan(time: Int, moves: [(bucket: Int, from: Int, to: Int)], applied: Bool = true) -> String {
        var reta = [0, 1, 0, 1, 0, 1, 0, 1]
        for move in moves { reta[move.bucket] = move.to }
        let moves = moves.map { #"{"bucket":\#($0.bucket),"from":\#($0.from),"to":\#($0.to)}"# }.joined(separator: ",")
        return #"{"type":"plan","v":1,"time":\#(time),"queues":2,"reta":\#(reta),"moves":[\#(moves)],"active":[0,1]"#
            + #","imbalance_before":0.5,"imbalance_after":0.25,"load_before":[0.4,0.6]\#(applied ? ",\"applied\":\(time)" : "")}"#
    }

    @Test func beforeAnyRecordItSaysItIsWaiting() {
        #expect(LiveView().frame(width: 80) == ["waiting for records"])
    }

    /// Five moves are kept, newest first; those of a plan that was not applied never happened.
    @Test func theLastMovesAreThoseOfAppliedPlansNewestFirst() throws {
        let frame = try view([
            plan(time: 1, moves: [(0, 0, 1), (1, 1, 0), (2, 0, 1), (3, 1, 0)]),
            plan(time: 2, moves: [(4, 0, 1)], applied: false),
            plan(time: 3, moves: [(5, 1, 0), (6, 0, 1), (7, 1, 0)]),
        ]).frame(width: 80)
        let moves = try #require(frame.firstIndex(of: "last moves:"))
        #expect(Array(frame[(moves + 1)...]) == [
            "  bucket 7  1 -> 0  time 3",
            "  bucket 6  0 -> 1  time 3",
            "  bucket 5  1 -> 0  time 3",
            "  bucket 3  1 -> 0  time 1",
            "  bucket 2  0 -> 1  time 1",
            "errors: plan_not_applied 1",
        ])
        #expect(frame[0] == "device -  time 3", "the records name no device")
        #expect(frame[1] == "plans 3 (2 applied)  moves 7  active 2/2")
    }

    /// Narrower than 40 columns the frame is drawn 40 wide, every line cut there. A bar has the
    /// width less "q0 ", "||+ ", " 0.40" and " inactive": 19 cells at 40 columns, 0.4 of which is
    /// 7.6; 36 at 57 columns, 14.4.
    @Test(arguments: [(10, 8, 11), (40, 8, 11), (57, 14, 22)])
    func noLineIsWiderThanAskedDownToTheMinimum(width: Int, filled: Int, empty: Int) throws {
        let frame = try view([plan(time: 1, moves: [(0, 0, 1)])]).frame(width: width)
        #expect(frame.allSatisfy { $0.count <= max(width, 40) })
        #expect(frame.contains("q0 |" + String(repeating: "#", count: filled) + String(repeating: ".", count: empty) + "|   0.40"))
    }
}
