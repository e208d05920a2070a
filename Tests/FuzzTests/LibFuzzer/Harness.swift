// libFuzzer's entry point for one reader of the Swift tools (scripts/fuzz builds it once per
// reader with -D and the reader's name). A reader must return a value or its typed error; any
// other outcome, or a value that does not read back once written, stops the fuzzer with the input.
#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
#if NIC_STATE
import NICSim
#endif
#if PLANNER_STATE
import Planning
#endif
#if PLANNER_STATE || LINES
import ToolSupport
#endif
#if OWNER_ANSWER
@testable import Migration
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    #if LOAD
    roundTrip(input, decode: { try LoadRecord(jsonLine: $0, lineNumber: 1) }, encode: { $0.jsonLine() })
    #elseif PLAN
    if let plan = roundTrip(input, decode: { try PlanRecord(jsonLine: $0, lineNumber: 1) }, encode: { $0.jsonLine() }) {
        var applied = plan
        applied.applied = 1.5
        require((try? PlanRecord(jsonLine: PlanRecord.markingApplied(input, at: 1.5), lineNumber: 1)) == applied, input)
    }
    #elseif MIGRATED
    roundTrip(input, decode: { try MigratedRecord(jsonLine: $0, lineNumber: 1) }, encode: { $0.jsonLine() })
    _ = try? RecordHeader.type(of: input, lineNumber: 1)
    #elseif NIC_STATE
    roundTrip(input, decode: { try NICState(jsonLine: $0, lineNumber: 1) }, encode: { $0.jsonLine() })
    #elseif PLANNER_STATE
    plannerState(input)
    #elseif OWNER_ANSWER
    do { _ = try OwnerAnswer(datagram: input) } catch { require(error.line == 0, input) }
    #elseif LINES
    lines(input)
    #endif
    return 0
}

func require(_ holds: Bool, _ input: [UInt8]) {
    guard holds else { fatalError("contract broken by \(input.count) bytes: \(String(decoding: input.prefix(300), as: UTF8.self))") }
}

@discardableResult
func roundTrip<Record: Equatable>(_ input: [UInt8], decode: ([UInt8]) throws -> Record,
                                  encode: (Record) -> [UInt8]) -> Record? {
    do {
        let record = try decode(input)
        require((try? decode(encode(record))) == record, input)
        return record
    } catch {
        require(error is RecordError, input)
        return nil
    }
}

#if PLANNER_STATE || LINES
/// `input` in a file of its own, as the readers of files take it.
func withFile(_ input: [UInt8], _ body: (String) -> Void) {
    let path = "/tmp/rsspp-libfuzzer-\(getpid())"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0 && input.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == input.count)
    close(fd)
    body(path)
}
#endif

#if PLANNER_STATE
func plannerState(_ input: [UInt8]) {
    withFile(input) { path in
        for algorithm in Algorithm.allCases {
            do {
                guard let saved = try PlannerStateFile(path: path).load(algorithm, options: PlannerOptions()).saved else { continue }
                var planner = PlanFilter(algorithm: algorithm, options: PlannerOptions(), restoring: saved)
                for epoch in 0..<3 {
                    let record = LoadRecord(queues: 4, reta: (0..<16).map { $0 % 4 }, packets: (0..<16).map { $0 * 37 % 100 + epoch },
                                            load: epoch == 1 ? nil : [0.9, 0.1, 0.5, 0.3])
                    _ = try planner.process(record.jsonLine(), lineNumber: epoch + 1)
                }
            } catch {
                require((error as? ToolFailure)?.status == ExitStatus.dataError, input)
            }
        }
    }
}
#endif

#if LINES
func lines(_ input: [UInt8]) {
    withFile(input) { path in
        let limit = Int(input.first ?? 0) + 1
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var reader = LineReader(fd: fd, maxLineBytes: limit)
        var pieces = input.split(separator: 0x0a, omittingEmptySubsequences: false)
        if input.last == 0x0a || input.isEmpty { pieces.removeLast() }
        for (index, piece) in pieces.enumerated() {
            switch try? reader.next() {
            case .text(let text, let number): require(number == index + 1 && text.elementsEqual(piece) && piece.count <= limit, input)
            case .tooLong(let number, _): require(number == index + 1 && piece.count > limit, input)
            case nil: require(false, input)
            }
        }
        require((try? reader.next()) == nil, input)
    }
}
#endif
