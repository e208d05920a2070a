#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// The control socket's wire protocol (rss-migrate(1)): the constants the owner library's
/// header, rsspp_owner.h, defines as RSSPP_MIGRATE_VERSION and RSSPP_MIGRATE_MESSAGE_MAX.
public enum MigrateProtocol {
    public static let version = 1
    /// The longest message either side sends, in bytes.
    public static let maxMessageBytes = 65536
    /// The longest socket path a `sockaddr_un` holds, without its terminating zero.
    public static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Why `path` cannot name an owner's socket, or nil when it can.
    public static func problem(withSocket path: String) -> String? {
        if path.isEmpty { return "a socket path is empty" }
        if path.utf8.contains(0) { return "socket path \(path) contains a zero byte" }
        if path.utf8.count > maxPathBytes { return "socket path \(path) is \(path.utf8.count) bytes; at most \(maxPathBytes) fit" }
        return nil
    }
}

/// A written plan with moves, which the owners must hear about.
public struct MigrationRequest: Sendable, Equatable {
    public var device: String?
    /// When the table was written (the plan's `applied`).
    public var applied: Double
    public var moves: [Move]

    public init(device: String?, applied: Double, moves: [Move]) {
        self.device = device
        self.applied = applied
        self.moves = moves
    }

    /// The request record `line` makes: nil for a record that is not a plan, a plan without
    /// `applied` (not written) or without moves. A line that breaks the contract throws.
    public static func from(_ line: some Collection<UInt8>, number: Int) throws(RecordError) -> MigrationRequest? {
        guard let type = try RecordHeader.type(of: line, lineNumber: number) else {
            throw RecordError(line: number, field: "type", "is missing")
        }
        guard type == "plan" else { return nil }
        let plan = try PlanRecord(jsonLine: line, lineNumber: number)
        guard let applied = plan.applied, !plan.moves.isEmpty else { return nil }
        return MigrationRequest(device: plan.device, applied: applied, moves: plan.moves)
    }

    /// The migrate message numbered `seq`: one JSON object, no newline.
    func message(seq: Int) -> [UInt8] {
        var line = JSONLine(capacity: 96 + moves.count * 32)
        line.field("type", "migrate")
        line.field("v", MigrateProtocol.version)
        line.field("seq", seq)
        line.optionalField("device", device)
        line.field("applied", applied)
        line.field("moves", moves: moves)
        return line.finish().dropLast()
    }
}

/// What an owner sent back.
enum OwnerAnswer: Equatable {
    case ack(seq: Int)
    case error(seq: Int, message: String)

    /// The owner's reason when this is an error about `seq`, or about no message at all (seq 0:
    /// the owner refuses the peer, and that concerns whichever plan is waiting).
    func error(about seq: Int) -> String? {
        guard case .error(let answered, let message) = self, answered == seq || answered == 0 else { return nil }
        return message
    }

    /// Reads one answer datagram; throws why it is not one.
    init(datagram: some Collection<UInt8>) throws(RecordError) {
        var header = RecordHeader()
        var seq: Int?
        var message: String?
        try decodeObject(datagram, lineNumber: 0) { scanner, key in
            switch key {
            case "type": header.type = try scanner.string()
            case "v": header.version = try scanner.integer()
            case "seq": seq = try scanner.integer()
            case "error": message = try scanner.string()
            default: try scanner.skipValue()
            }
        }
        guard let type = header.type, type == "ack" || type == "error" else {
            throw RecordError(line: 0, field: "type", header.type.map { "is \"\($0)\"" } ?? "is missing")
        }
        guard header.version == MigrateProtocol.version else {
            throw RecordError(line: 0, field: "v", header.version.map { "is \($0)" } ?? "is missing")
        }
        guard let seq else { throw RecordError(line: 0, field: "seq", "is missing") }
        if type == "ack" {
            self = .ack(seq: seq)
            return
        }
        guard let message else { throw RecordError(line: 0, field: "error", "is missing") }
        self = .error(seq: seq, message: message)
    }
}
