import FoundationEssentials
import RSSRecords
import ToolSupport

/// `rss-plan --state FILE`: the planner's history kept between runs, so that runs of a few
/// records each (a cron job) plan as one long run would: the same smoothing, sit-out and
/// autoscaling.
///
/// The file is one JSON object: `format`, `version`, `algorithm`, the `tableSize` and `queues`
/// of the records the history comes from, and the algorithm's `history`. Options are not in
/// it: each run takes them from its command line. The file is replaced whole (DurableFile), so
/// a run killed while saving leaves the old history, never a torn one.
public struct PlannerStateFile {
    public static let format = "rss-plan state"
    public static let version = 1
    /// The history of the largest table (65536 buckets) is a few megabytes; more is not a state file.
    static let sizeLimit = 64 << 20

    public let path: String

    public init(path: String) { self.path = path }

    /// What the file holds for `algorithm` planning with `options`: nothing (no file, or an empty
    /// one), a history set aside (saved by another algorithm or format version: the run starts
    /// afresh and replaces it), or the saved planner. A file that is not a state file, or is torn,
    /// throws (status 65) and is left as it is.
    public func load(_ algorithm: Algorithm, options: PlannerOptions) throws(ToolFailure) -> Restoration {
        let file = DurableFile(path: path)
        guard file.exists else { return .none }
        let read: [UInt8]?
        do throws(DurableFile.Failure) {
            read = try file.read(limit: Self.sizeLimit)
        } catch {
            throw ToolFailure("state file \(error.description)", status: ExitStatus.noInput)
        }
        guard let read else { throw refusal("larger than \(Self.sizeLimit) bytes") }
        // An empty file is one made ready for the first run (touch, install -m).
        guard read.contains(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }) else { return .none }
        if let syntax = syntaxError(in: read) { throw refusal(syntax) }
        let contents = Data(read)
        let decoder = Self.decoder(options: options)
        do {
            let identity = try decoder.decode(Identity.self, from: contents)
            guard identity.format == Self.format else {
                throw refusal("\"format\" is \"\(identity.format)\", not \"\(Self.format)\"")
            }
            if identity.version != Self.version {
                return .setAside("state file \(path): version \(identity.version), this rss-plan reads version \(Self.version); starting afresh")
            }
            if identity.algorithm != algorithm.rawValue {
                return .setAside("state file \(path): saved by algorithm \(identity.algorithm), this run plans with \(algorithm.rawValue); starting afresh")
            }
            return .restored(try algorithm.restored(from: contents, by: decoder, path: path, options: options))
        } catch let error as DecodingError {
            throw refusal(describe(error))
        } catch let failure as ToolFailure {
            throw failure
        } catch {
            throw refusal("\(error)")
        }
    }

    /// A file that is not a state file: never overwritten, as it may be another file named by mistake.
    private func refusal(_ what: String) -> ToolFailure {
        ToolFailure("state file \(path): \(what); not overwritten, remove it to start afresh", status: ExitStatus.dataError)
    }

    /// Replaces the file with `planner`'s history; does nothing when it has planned no record.
    /// A file that cannot be written throws (status 73) and the old one stays as it was.
    public func save(_ planner: any RecordPlanner, as algorithm: Algorithm) throws(ToolFailure) {
        let contents: [UInt8]
        do {
            guard let encoded = try planner.encodedHistory(as: algorithm) else { return }
            contents = encoded
        } catch {
            throw ToolFailure("state file \(path): cannot encode the history: \(error)", status: ExitStatus.softwareError)
        }
        do throws(DurableFile.Failure) {
            try DurableFile(path: path).replace(with: contents)
        } catch {
            throw ToolFailure("state file \(error.description)", status: ExitStatus.cannotCreate)
        }
    }

    /// What a file must say before its history is read.
    private struct Identity: Decodable {
        var format: String
        var version: Int
        var algorithm: String
    }

    fileprivate struct Contents<History: Balancer>: Codable {
        var format = PlannerStateFile.format
        var version = PlannerStateFile.version
        var algorithm: String
        var tableSize: Int
        var queues: Int
        var history: History
    }

    /// Forecast scores start as NaN, which JSON has no number for.
    private static let nonConforming = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    fileprivate static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonConforming.positiveInfinity, negativeInfinity: nonConforming.negativeInfinity,
            nan: nonConforming.nan)
        return encoder
    }

    private static func decoder(options: PlannerOptions) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.plannerOptions] = options
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonConforming.positiveInfinity, negativeInfinity: nonConforming.negativeInfinity,
            nan: nonConforming.nan)
        return decoder
    }

    /// Where `text` stops being JSON, as "line L, column C: what"; nil when it is JSON. The
    /// decoder says only that it is not.
    private func syntaxError(in text: [UInt8]) -> String? {
        text.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            do {
                try scanner.skipValue()
                try scanner.end()
                return nil
            } catch let failure as JSONScanner.Failure {
                let before = bytes[..<min(failure.offset, bytes.count)]
                let line = before.count { $0 == 0x0a } + 1
                let column = before.count - (before.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0) + 1
                return "line \(line), column \(column): \(failure.message)"
            } catch {
                return "\(error)"
            }
        }
    }

    /// The decoder's complaint as "\"FIELD.PATH\": what".
    private func describe(_ error: DecodingError) -> String {
        func located(_ context: DecodingError.Context) -> String {
            let field = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            let what = context.debugDescription.hasSuffix(".") ? String(context.debugDescription.dropLast()) : context.debugDescription
            return field.isEmpty ? what : "\"\(field)\": \(what)"
        }
        switch error {
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "is not a JSON object"
        case .keyNotFound(let key, let context):
            let field = (context.codingPath + [key]).map { $0.intValue.map(String.init) ?? $0.stringValue }
            return "\"\(field.joined(separator: "."))\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return located(context)
        @unknown default:
            return "\(error)"
        }
    }
}

extension PlanningSession {
    public func encodedHistory(as algorithm: Planning.Algorithm) throws -> [UInt8]? {
        guard let saved else { return nil }
        let contents = PlannerStateFile.Contents(algorithm: algorithm.rawValue, tableSize: saved.shape.tableSize,
                                                 queues: saved.shape.queues, history: saved.history)
        return Array(try PlannerStateFile.encoder().encode(contents)) + [0x0a]
    }
}

/// A history read from a state file, used when the first record has the shape it was saved for.
/// What `PlannerStateFile.load` found.
public enum Restoration {
    /// No history: no file, or an empty one.
    case none
    /// A history this run cannot go on from, and why (for stderr); it is replaced at the end.
    case setAside(String)
    case restored(SavedPlanner)

    public var saved: SavedPlanner? {
        if case .restored(let saved) = self { saved } else { nil }
    }
}

public struct SavedPlanner {
    let path: String
    let tableSize: Int
    let queues: Int
    let planner: any RecordPlanner

    /// Why the history cannot go on with `record`, or nil when it can.
    func mismatch(_ tableSize: Int, _ queues: Int) -> String? {
        guard (tableSize, queues) != (self.tableSize, self.queues) else { return nil }
        return "state file \(path): saved for a \(self.tableSize)-entry table and \(self.queues) queues, "
            + "the input has a \(tableSize)-entry table and \(queues) queues; starting afresh"
    }
}

extension Algorithm {
    fileprivate func restored(from contents: Data, by decoder: JSONDecoder, path: String,
                              options: PlannerOptions) throws -> SavedPlanner {
        switch self {
        case .adaptive: try restored(AdaptiveBalancer.self, from: contents, by: decoder, path: path, options: options)
        case .rsspp: try restored(RSSPlusPlus.self, from: contents, by: decoder, path: path, options: options)
        case .static: try restored(StaticTable.self, from: contents, by: decoder, path: path, options: options)
        }
    }

    private func restored<History: Balancer>(_: History.Type, from contents: Data, by decoder: JSONDecoder,
                                             path: String, options: PlannerOptions) throws -> SavedPlanner {
        let saved = try decoder.decode(PlannerStateFile.Contents<History>.self, from: contents)
        let session = PlanningSession(options: options, restoring: saved.history,
                                      shape: (saved.tableSize, saved.queues))
        return SavedPlanner(path: path, tableSize: saved.tableSize, queues: saved.queues, planner: session)
    }
}
