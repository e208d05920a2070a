#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import Testing
import TestSupport

/// `rss-migrate` as a shell runs it, against owners of flow state served by this test process
/// (TestSupport's FakeOwner), which see exactly the bytes the tool sends.
@Suite struct MigrateCommandTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(area: "migrate") }

    static let load = #"{"type":"load","v":1,"queues":2,"reta":[0,1],"packets":[5,9]}"#
    static let unwritten = #"{"type":"plan","v":1,"queues":2,"reta":[1,1],"moves":[{"bucket":0,"from":0,"to":1}]}"#
    static let unchanged = #"{"type":"plan","v":1,"queues":2,"reta":[0,1],"moves":[],"applied":10}"#
    static let written = #"{"type":"plan","v":1,"device":"file:nic.json","queues":2,"reta":[1,1],"#
        + #""moves":[{"bucket":0,"from":0,"to":1}],"x-note":"kept","applied":11.25}"#
    static let writtenAgain = #"{"type":"plan","v":1,"device":"file:nic.json","queues":2,"reta":[1,0],"#
        + #""moves":[{"bucket":1,"from":1,"to":0}],"applied":12}"#

    func migrate(_ lines: [String], arguments: String) throws -> ShellResult {
        try writeFile(directory.file("records"), lines.map { $0 + "\n" }.joined())
        return try shell("rss-migrate \(arguments) < records", in: directory)
    }

    @Test func passesEveryRecordOnAndAMigratedRecordAfterEachWrittenPlanWithMoves() throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        let result = try migrate([Self.load, Self.unwritten, Self.unchanged, Self.written, Self.load, Self.writtenAgain],
                                 arguments: owner.path)
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
        let lines = result.stdoutLines
        #expect(lines.count == 8, "\(result)")
        guard lines.count == 8 else { return }
        #expect(Array(lines[0..<4]) == [Self.load, Self.unwritten, Self.unchanged, Self.written])
        #expect(lines[5...6] == [Self.load, Self.writtenAgain])
        let first = try MigratedRecord(jsonLine: Array(lines[4].utf8), lineNumber: 5)
        let second = try MigratedRecord(jsonLine: Array(lines[7].utf8), lineNumber: 8)
        #expect(first.seq == 1 && second.seq == 2)
        #expect(first.owners.map(\.socket) == [owner.path] && first.owners.map(\.acked) == [true])
        #expect(lines[4].hasPrefix(#"{"type":"migrated","v":1,"seq":1,"owners":[{"socket":"\#(owner.path)","acked":true,"latency_us":"#))
        #expect(owner.received.map { String(decoding: $0, as: UTF8.self) } == [
            #"{"type":"migrate","v":1,"seq":1,"device":"file:nic.json","applied":11.25,"moves":[{"bucket":0,"from":0,"to":1}]}"#,
            #"{"type":"migrate","v":1,"seq":2,"device":"file:nic.json","applied":12,"moves":[{"bucket":1,"from":1,"to":0}]}"#,
        ])
    }

    @Test func ownerTroubleIsReportedAndTheRunGoesOnWithStatus0() throws {
        let mute = try FakeOwner(path: directory.file("mute.sock")) { _, _ in [] }
        let refusing = try FakeOwner(path: directory.file("refusing.sock")) { message, _ in
            [reply("error", to: message, error: "queue 1 is unknown")]
        }
        defer { mute.stop(); refusing.stop() }
        let absent = directory.file("absent.sock")
        // Long enough for the refusing owner on a loaded machine; the mute one waits it out.
        let result = try migrate([Self.written, Self.load],
                                 arguments: "--timeout 2 \(absent) \(mute.path) \(refusing.path)")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutLines.count == 3 && result.stdoutLines.last == Self.load, "\(result)")
        let record = try MigratedRecord(jsonLine: Array(result.stdoutLines[1].utf8), lineNumber: 2)
        #expect(record.owners.map(\.socket) == [absent, mute.path, refusing.path])
        #expect(record.owners.map(\.error) == ["cannot connect: No such file or directory", "no answer within 2 s",
                                               "answered an error: queue 1 is unknown"])
        #expect(result.stderr.split(separator: "\n").sorted() == [
            "rss-migrate: \(absent): seq 1: cannot connect: No such file or directory",
            "rss-migrate: \(mute.path): seq 1: no answer within 2 s",
            "rss-migrate: \(refusing.path): seq 1: answered an error: queue 1 is unknown",
        ], "\(result)")
    }

    /// Three plans to an owner that never answers: the run takes three timeouts, not more.
    @Test func aMuteOwnerHoldsEachPlanNoLongerThanTheTimeout() throws {
        let mute = try FakeOwner(path: directory.file("mute.sock")) { _, _ in [] }
        defer { mute.stop() }
        let start = monotonicNanoseconds()
        let result = try migrate([Self.written, Self.written, Self.written], arguments: "--timeout 0.2 \(mute.path)")
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutLines.count == 6, "\(result)")
        #expect(mute.received.count == 3)
        // Eight times the three timeouts, start-up included: never reached unless a wait ignores
        // the timeout.
        #expect(seconds < 5, "took \(seconds) s")
    }

    @Test func aBadRecordEndsTheRunWithStatus65NamingTheLine() throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        let bad = #"{"type":"plan","v":1,"queues":2,"reta":[1,1],"moves":[{"bucket":0,"from":1,"to":1}],"applied":1}"#
        let stopped = try migrate([Self.load, bad, Self.written], arguments: owner.path)
        #expect(stopped.status == 65, "\(stopped)")
        #expect(stopped.stdoutLines == [Self.load], "\(stopped)")
        #expect(stopped.stderr == "rss-migrate: line 2: \"moves\" entry for bucket 0 does not match \"reta\"\n", "\(stopped)")
        let skipped = try migrate([Self.load, "{\"type\"", Self.written], arguments: "--skip-invalid \(owner.path)")
        #expect(skipped.status == 0, "\(skipped)")
        #expect(skipped.stdoutLines.count == 3 && skipped.stdoutLines[1] == Self.written, "\(skipped)")
        #expect(skipped.stderr.hasPrefix("rss-migrate: line 2: malformed JSON"), "\(skipped)")
    }

    @Test func aClosedPipeEndsItQuietly() throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        try writeFile(directory.file("records"), Array(repeating: Self.written + "\n", count: 20_000).joined())
        let result = try shell("{ rss-migrate \(owner.path) < records; echo \"exit $?\" >&2; } | head -n 1", in: directory)
        #expect(result.stdoutLines == [Self.written], "\(result)")
        #expect(result.stderr == "exit 0\n", "\(result)")
    }

    @Test(arguments: [
        ("", "Missing expected argument '<sockets> ...'"),
        ("--timeout 0 s.sock", "--timeout is 0.0"),
        ("/" + String(repeating: "s", count: 120), "is 121 bytes; at most 107 fit"),
    ])
    func aBadArgumentIsAUsageError(arguments: String, message: String) throws {
        let result = try migrate([], arguments: arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message) && result.stderr.lowercased().contains("usage: rss-migrate"), "\(result)")
    }

    /// A counter that ran to its end before planning began, so that every plan is made from the
    /// first table and those after the first one written are stale: the owner, told every move
    /// in seq order, must be able to follow the table from the first one to the one left in the
    /// state file, each move leaving the queue the bucket was on.
    @Test(arguments: ["refuse", "rebase"])
    func theOwnerIsToldExactlyTheMovesTheDeviceMade(stalePlan: String) throws {
        let owner = try FakeOwner.acking(path: directory.file("owner.sock"))
        defer { owner.stop() }
        let result = try shell("""
            rss-count sim:overload --fast --epochs 40 --seed 3 --nic nic.json > loads \
                && rss-plan < loads | rss-apply --stale-plan \(stalePlan) 2>applying | rss-migrate \(owner.path) > out
            echo "status $?"
            """, in: directory)
        #expect(result.stdout == "status 0\n", "\(result)")
        let applying = try readFile(directory.file("applying"))
        let out = String(decoding: try readFile(directory.file("out")), as: UTF8.self)
        if stalePlan == "refuse" {
            #expect(String(decoding: applying, as: UTF8.self).contains("stale plan: made with bucket"), "no plan was refused")
        } else {
            #expect(applying.isEmpty && out.contains(#""rebased":true"#), "no plan was rebased")
        }
        let first = try LoadRecord(jsonLine: try readFile(directory.file("loads")).split(separator: 0x0a)[0], lineNumber: 1)
        var table = first.reta
        for message in owner.received {
            for move in movesIn(String(decoding: message, as: UTF8.self)) {
                #expect(table[move.bucket] == move.from, "bucket \(move.bucket) is on \(table[move.bucket]), not \(move.from)")
                table[move.bucket] = move.to
            }
        }
        #expect(!owner.received.isEmpty)
        #expect(try NICStateFile(path: directory.file("nic.json")).load().reta == table)
        let migrated = try readFile(directory.file("out")).split(separator: 0x0a).filter {
            String(decoding: $0, as: UTF8.self).hasPrefix(#"{"type":"migrated""#)
        }
        #expect(migrated.count == owner.received.count)
    }
}

/// The moves of a migrate message, read with a plain text search (not the code under test).
private func movesIn(_ message: String) -> [Move] {
    guard let list = message.firstRange(of: #""moves":["#) else { return [] }
    let numbers = message[list.upperBound...].prefix { $0 != "]" }
        .split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    return stride(from: 0, to: numbers.count - 2, by: 3).map { Move(bucket: numbers[$0], from: numbers[$0 + 1], to: numbers[$0 + 2]) }
}
