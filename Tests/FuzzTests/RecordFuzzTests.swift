@testable import Migration
import RSSRecords
import Testing

/// The v1 record readers (man/rsspp-records.5) and the reader of the owners' answers, fed
/// generated lines: each returns a record that reads back the same once written, or a
/// `RecordError` naming the line, never anything else, and never traps.
@Suite struct RecordFuzzTests {
    @Test func loadRecords() throws {
        try fuzz("load", splicing: ["plan"], iterations: 3000) { input, name in
            checkReader(input, name, decode: { try LoadRecord(jsonLine: $0, lineNumber: $1) }, encode: { $0.jsonLine() })
        }
    }

    @Test func planRecords() throws {
        try fuzz("plan", splicing: ["load", "migrated"], iterations: 3000) { input, name in
            let plan = checkReader(input, name, decode: { try PlanRecord(jsonLine: $0, lineNumber: $1) },
                                   encode: { $0.jsonLine() })
            guard let plan else { return }
            let request = try MigrationRequest.from(input, number: 1)
            #expect(request?.moves == (plan.applied == nil || plan.moves.isEmpty ? nil : plan.moves), "\(name): \(printable(input))")
            // What rss-apply writes on: the line as read, with `applied`, or with the moves rebased.
            var applied = plan
            applied.applied = 1_796_329_144.5734577
            let marked = try PlanRecord(jsonLine: PlanRecord.markingApplied(input, at: 1_796_329_144.5734577), lineNumber: 1)
            #expect(marked == applied, "\(name): \(printable(input))")
            let rebased = try PlanRecord(jsonLine: PlanRecord.rebasing(input, moves: plan.moves), lineNumber: 1)
            #expect(rebased.moves == plan.moves, "\(name): \(printable(input))")
        }
    }

    @Test func migratedRecords() throws {
        try fuzz("migrated", splicing: ["plan"], iterations: 2000) { input, name in
            checkReader(input, name, decode: { try MigratedRecord(jsonLine: $0, lineNumber: $1) }, encode: { $0.jsonLine() })
        }
    }

    /// rss-migrate and rss-report pass records on by their type alone.
    @Test func recordTypes() throws {
        try fuzz("migrated", splicing: ["plan", "load"], iterations: 2000) { input, name in
            checkReader(input, name, decode: { line, number in try RecordHeader.type(of: line, lineNumber: number) ?? "" },
                        encode: { type in
                            var line = JSONLine()
                            line.field("type", type)
                            return line.finish()
                        })
            do {
                _ = try MigrationRequest.from(input, number: 9)
            } catch let error as RecordError {
                #expect(error.line == 9, "\(name): \(error)")
            }
        }
    }

    @Test func ownerAnswers() throws {
        try fuzz("owner-answer", iterations: 2000) { input, name in
            do {
                let answer = try OwnerAnswer(datagram: input)
                let again: OwnerAnswer
                switch answer {
                case .ack(let seq): again = try OwnerAnswer(datagram: Array("{\"type\":\"ack\",\"v\":1,\"seq\":\(seq)}".utf8))
                case .error(let seq, let message):
                    var line = JSONLine()
                    line.field("type", "error")
                    line.field("v", 1)
                    line.field("seq", seq)
                    line.field("error", message)
                    again = try OwnerAnswer(datagram: line.finish())
                }
                #expect(again == answer, "\(name): \(printable(input))")
            } catch let error as RecordError {
                #expect(!error.message.isEmpty, "\(name): \(printable(input))")
            }
        }
    }
}

/// Checks one reader on one input: a record that, written and read again, is the same record;
/// or a `RecordError` for the line it was given. The record, when there was one.
@discardableResult
func checkReader<Record: Equatable>(_ input: [UInt8], _ name: String,
                                    decode: ([UInt8], Int) throws -> Record,
                                    encode: (Record) -> [UInt8]) -> Record? {
    let lineNumber = 1 + input.count % 997
    do {
        let record = try decode(input, lineNumber)
        let written = encode(record)
        do {
            let again = try decode(written, 1)
            #expect(again == record, "\(name) reads back otherwise once written: \(printable(written))")
        } catch {
            Issue.record("\(name) was read, and once written cannot be: \(error) in \(printable(written)) from \(printable(input))")
        }
        return record
    } catch let error as RecordError {
        #expect(error.line == lineNumber && !error.message.isEmpty, "\(name): \(error)")
    } catch {
        Issue.record("\(name) threw \(error), not a RecordError, for \(printable(input))")
    }
    return nil
}
