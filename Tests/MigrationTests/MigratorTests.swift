#if canImport(Glibc)
import Glibc
#endif
import Migration
import RSSRecords
import Testing
import TestSupport

/// rss-migrate's side of the wire protocol, against owners the tests write with raw socket calls
/// (TestSupport's FakeOwner), which see exactly the bytes sent.
@Suite struct MigratorTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(area: "migrate") }

    static let request = MigrationRequest(device: "file:/tmp/nic.json", applied: 1764318000.5,
                                          moves: [Move(bucket: 1, from: 0, to: 2), Move(bucket: 6, from: 3, to: 1)])
    /// The message for `request` as the protocol spells it, written out by hand.
    static func expectedMessage(seq: Int) -> String {
        #"{"type":"migrate","v":1,"seq":\#(seq),"device":"file:/tmp/nic.json","applied":1764318000.5,"#
            + #""moves":[{"bucket":1,"from":0,"to":2},{"bucket":6,"from":3,"to":1}]}"#
    }

    /// A migrator whose reports are kept in `reports`.
    func makeMigrator(_ sockets: [String], timeout: Double = 2, reports: Reports = Reports()) -> Migrator {
        Migrator(sockets: sockets, timeout: timeout, report: { reports.lines.append($0) })
    }

    final class Reports { var lines: [String] = [] }

    @Test func anAckingOwnerGetsEachPlansMovesWithSeqCountingFromOne() throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        let reports = Reports()
        let migrator = makeMigrator([owner.path], reports: reports)
        let first = migrator.migrate(Self.request)
        let second = migrator.migrate(Self.request)
        #expect(owner.received.map { String(decoding: $0, as: UTF8.self) } == [Self.expectedMessage(seq: 1), Self.expectedMessage(seq: 2)])
        #expect(first.seq == 1 && second.seq == 2)
        #expect(first.owners.map(\.socket) == [owner.path] && first.owners.map(\.acked) == [true])
        #expect(second.owners.map(\.acked) == [true])
        #expect(owner.connections == 1, "one connection for the whole run")
        #expect(reports.lines.isEmpty)
    }

    @Test func aPlanWithoutADeviceSendsNoDevice() throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        _ = makeMigrator([owner.path]).migrate(MigrationRequest(device: nil, applied: 7, moves: [Move(bucket: 0, from: 1, to: 0)]))
        #expect(owner.received.map { String(decoding: $0, as: UTF8.self) }
                == [#"{"type":"migrate","v":1,"seq":1,"applied":7,"moves":[{"bucket":0,"from":1,"to":0}]}"#])
    }

    @Test func anErrorAnswerIsReportedWithTheOwnersReason() throws {
        let owner = try FakeOwner(path: directory.file("owner.sock")) { message, _ in
            [reply("error", to: message, error: "bucket 6 is not in 0...3")]
        }
        defer { owner.stop() }
        let reports = Reports()
        let record = makeMigrator([owner.path], reports: reports).migrate(Self.request)
        #expect(record.owners.map(\.error) == ["answered an error: bucket 6 is not in 0...3"])
        #expect(reports.lines == ["\(owner.path): seq 1: answered an error: bucket 6 is not in 0...3"])
    }

    @Test func anAbsentOwnerIsReportedAndTheOthersServed() throws {
        let present = try FakeOwner.acking(path: directory.file("present.sock"))
        defer { present.stop() }
        let absent = directory.file("absent.sock")
        let reports = Reports()
        let record = makeMigrator([absent, present.path], reports: reports).migrate(Self.request)
        #expect(record.owners.map(\.socket) == [absent, present.path])
        #expect(record.owners.map(\.error) == ["cannot connect: No such file or directory", nil])
        #expect(reports.lines == ["\(absent): seq 1: cannot connect: No such file or directory"])
    }

    @Test func aMuteOwnerCostsNoMoreThanTheTimeout() throws {
        let mute = try FakeOwner(path: directory.file("mute.sock")) { _, _ in [] }
        defer { mute.stop() }
        let reports = Reports()
        let start = monotonicNanoseconds()
        let record = makeMigrator([mute.path], timeout: 0.3, reports: reports).migrate(Self.request)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        #expect(record.owners.map(\.error) == ["no answer within 0.3 s"])
        #expect(record.owners[0].latencyMicroseconds >= 300_000)
        #expect(reports.lines == ["\(mute.path): seq 1: no answer within 0.3 s"])
        #expect(mute.received.count == 1)
        // Ten times the timeout: never reached unless the wait ignores it.
        #expect(seconds < 3, "took \(seconds) s")
    }

    /// An owner that answers with a stream of answers to another plan, sent faster than they
    /// are read (each is a copy to send, and 30,000 numbers to scan to read), and then the ack:
    /// the reading stops at the timeout, before the ack.
    @Test func anOwnerThatKeepsSendingCostsNoMoreThanTheTimeout() throws {
        let flooding = try FakeOwner(path: directory.file("flooding.sock")) { message, _ in
            let late = #"{"type":"ack","v":1,"seq":999999,"x-padding":["# + String(repeating: "0,", count: 30_000) + "0]}"
            return Array(repeating: late, count: 20_000) + [reply("ack", to: message)]
        }
        defer { flooding.stop() }
        var migrator: Migrator? = makeMigrator([flooding.path], timeout: 0.2)
        let start = monotonicNanoseconds()
        let record = migrator?.migrate(Self.request)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        migrator = nil  // hangs up, so that the owner's remaining sends fail at once
        #expect(record?.owners.map(\.error) == ["no answer within 0.2 s"])
        // Fifteen times the timeout: never reached unless the reading ignores it.
        #expect(seconds < 3, "took \(seconds) s")
    }

    @Test func anOwnerKilledMidMigrationAndRestartedIsServedAtTheNextPlan() throws {
        let path = directory.file("owner.sock")
        let dying = try FakeOwner(path: path) { _, _ in nil }
        let migrator = makeMigrator([path])
        let first = migrator.migrate(Self.request)
        dying.stop()
        #expect(first.owners.map(\.error) == ["closed the connection without answering"])
        let restarted = try FakeOwner.acking(path: path)
        defer { restarted.stop() }
        let second = migrator.migrate(Self.request)
        #expect(second.owners.map(\.acked) == [true])
        #expect(restarted.received.map { String(decoding: $0, as: UTF8.self) } == [Self.expectedMessage(seq: 2)])
    }

    /// The owner restarts between two plans: the connection rss-migrate kept is dead, and the
    /// send on it fails; the message goes again on a fresh connection, in the same plan.
    @Test func anOwnerRestartedBetweenPlansIsServedOnAFreshConnection() throws {
        let path = directory.file("owner.sock")
        let first = try FakeOwner.acking(path: path)
        let reports = Reports()
        let migrator = makeMigrator([path], reports: reports)
        #expect(migrator.migrate(Self.request).owners.map(\.acked) == [true])
        first.stop()
        let restarted = try FakeOwner.acking(path: path)
        defer { restarted.stop() }
        let record = migrator.migrate(Self.request)
        #expect(record.owners.map(\.error) == [nil])
        #expect(restarted.connections == 1)
        #expect(reports.lines.isEmpty)
    }

    @Test func aLateAnswerToAnEarlierPlanIsDiscarded() throws {
        // Silent on the first plan; on the second, acks the first, then refuses the second.
        let owner = try FakeOwner(path: directory.file("owner.sock")) { message, count in
            count == 0 ? [] : [reply("ack", to: message, seq: 1), reply("error", to: message, error: "refused")]
        }
        defer { owner.stop() }
        // Long enough for the second plan's answers on a loaded machine; the first one waits it out.
        let migrator = makeMigrator([owner.path], timeout: 1.5)
        #expect(migrator.migrate(Self.request).owners.map(\.error) == ["no answer within 1.5 s"])
        #expect(migrator.migrate(Self.request).owners.map(\.error) == ["answered an error: refused"])
    }

    /// What an owner does with a peer whose uid it does not take (SO_PEERCRED): an error with
    /// seq 0, then the hang-up.
    @Test func anErrorWithSeq0IsTheAnswerToThePlanWaiting() throws {
        let owner = try FakeOwner(path: directory.file("owner.sock")) { message, _ in
            [reply("error", to: message, seq: 0, error: "uid 1000 (gid 1000) may not steer this owner")]
        }
        defer { owner.stop() }
        let record = makeMigrator([owner.path]).migrate(Self.request)
        #expect(record.owners.map(\.error) == ["answered an error: uid 1000 (gid 1000) may not steer this owner"])
    }

    @Test func severalOwnersAnswerInOneRecordInTheOrderGiven() throws {
        let acking = try FakeOwner.acking(path: directory.file("a.sock"))
        let refusing = try FakeOwner(path: directory.file("b.sock")) { message, _ in [reply("error", to: message, error: "no")] }
        let late = try FakeOwner.acking(path: directory.file("c.sock"))
        defer { [acking, refusing, late].forEach { $0.stop() } }
        let sockets = [late.path, refusing.path, directory.file("gone.sock"), acking.path]
        let record = makeMigrator(sockets).migrate(Self.request)
        #expect(record.owners.map(\.socket) == sockets)
        #expect(record.owners.map(\.error) == [nil, "answered an error: no", "cannot connect: No such file or directory", nil])
        for owner in [acking, refusing, late] {
            #expect(owner.received.map { String(decoding: $0, as: UTF8.self) } == [Self.expectedMessage(seq: 1)])
        }
    }

    @Test(arguments: [
        (#"{"type":"ack","v":1}"#, #"answered a malformed message: "seq" is missing"#),
        (#"{"type":"ok","v":1,"seq":1}"#, #"answered a malformed message: "type" is "ok""#),
        (#"{"type":"ack","v":2,"seq":1}"#, #"answered a malformed message: "v" is 2"#),
        (#"{"type":"error","v":1,"seq":1}"#, #"answered a malformed message: "error" is missing"#),
        ("[1]", "answered a malformed message: malformed JSON at byte 1: is not a JSON object"),
    ])
    func aMalformedAnswerIsAnError(answer: String, error: String) throws {
        let owner = try FakeOwner(path: directory.file("owner.sock")) { _, _ in [answer] }
        defer { owner.stop() }
        #expect(makeMigrator([owner.path]).migrate(Self.request).owners.map(\.error) == [error])
    }

    @Test(arguments: [
        #"{"type":"load","v":1,"queues":1,"reta":[0],"packets":[1]}"#,
        #"{"type":"plan","v":1,"queues":2,"reta":[1,1],"moves":[{"bucket":0,"from":0,"to":1}]}"#,
        #"{"type":"plan","v":1,"queues":2,"reta":[0,1],"moves":[],"applied":5}"#,
        #"{"type":"migrated","v":1,"seq":1,"owners":[]}"#,
    ])
    func recordsThatAskNothingOfTheOwners(line: String) throws {
        #expect(try MigrationRequest.from(Array(line.utf8), number: 1) == nil)
    }

    @Test func aWrittenPlanWithMovesIsARequest() throws {
        let line = #"{"type":"plan","v":1,"device":"d","queues":2,"reta":[1,1],"moves":[{"bucket":0,"from":0,"to":1}],"applied":5}"#
        #expect(try MigrationRequest.from(Array(line.utf8), number: 1)
                == MigrationRequest(device: "d", applied: 5, moves: [Move(bucket: 0, from: 0, to: 1)]))
    }

    @Test(arguments: [
        (#"{"v":1}"#, "type", "is missing"),
        (#"{"type":"plan","v":1"#, nil, "malformed JSON"),
        (#"{"type":"plan","v":1,"queues":2,"reta":[1,1],"moves":[{"bucket":0,"from":1,"to":1}],"applied":5}"#,
         "moves", "does not match"),
    ] as [(String, String?, String)])
    func aBadRecordIsRejectedNamingLineAndField(line: String, field: String?, message: String) throws {
        let error = try #require(throws: RecordError.self) { try MigrationRequest.from(Array(line.utf8), number: 4) }
        #expect(error.line == 4 && error.field == field)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aSocketPathTooLongForSockaddrIsNamed() {
        let path = "/" + String(repeating: "s", count: 120)
        #expect(MigrateProtocol.problem(withSocket: path) == "socket path \(path) is 121 bytes; at most 107 fit")
        #expect(MigrateProtocol.problem(withSocket: directory.file("owner.sock")) == nil)
    }
}
