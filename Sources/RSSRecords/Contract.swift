/// Version 1 of the JSON-lines record contract (man/rsspp-records.5). A reader accepts the
/// versions listed in `readableVersions`; a record of any other version is rejected by name,
/// never half-understood.
public enum RecordContract {
    public static let version = 1
    public static let readableVersions: ClosedRange<Int> = 1...1
    /// Longest line a tool reads; a 2048-bucket record with byte counters is about 40 KB.
    public static let defaultMaxLineBytes = 4 << 20
    /// Most queues a record may have: twice the logical CPUs of the largest servers sold today,
    /// one queue per CPU being what drivers set up. Anything more is a corrupt record, whose
    /// per-queue arrays a reader must not allocate.
    public static let maxQueues = 1024
    /// Longest indirection table a record may carry. NICs have 64 (ixgbe) to 2048 (E810) entries,
    /// mlx5 at most a few thousand; a 65536-entry record with byte counters stays within
    /// `defaultMaxLineBytes`.
    public static let maxTableSize = 65536
    /// Deepest nesting of objects and arrays in a line, the record itself counting as one:
    /// records nest two levels, and every level costs the reader stack.
    public static let maxNesting = 64
}

/// The members every record has, read from one line; the rest is left to the record type.
public struct RecordHeader {
    public var type: String?
    public var version: Int?

    public init() {}

    public func validate(expecting expected: String, line: Int) throws(RecordError) {
        guard let type else { throw RecordError(line: line, field: "type", "is missing") }
        guard type == expected else {
            throw RecordError(line: line, field: "type", "is \"\(type)\", expected \"\(expected)\"")
        }
        guard let version else { throw RecordError(line: line, field: "v", "is missing") }
        guard RecordContract.readableVersions.contains(version) else {
            throw RecordError(line: line, field: "v",
                              "is \(version); this tool reads version \(RecordContract.version) records")
        }
    }
}

extension RecordHeader {
    /// The `type` of the record on `line`, read without decoding its other members: for tools
    /// that pass some record types through and read others; nil when the record has none.
    public static func type(of line: some Collection<UInt8>, lineNumber: Int) throws(RecordError) -> String? {
        var header = RecordHeader()
        try decodeObject(line, lineNumber: lineNumber) { scanner, key in
            if key == "type" { header.type = try scanner.string() } else { try scanner.skipValue() }
        }
        return header.type
    }
}

/// Parses one line as a JSON object, handing each member to `member`, and maps syntax and type
/// errors to `RecordError`s naming the line and the member.
public func decodeObject(_ line: some Collection<UInt8>, lineNumber: Int,
                  member: (inout JSONScanner, String) throws -> Void) throws(RecordError) {
    try withoutActuallyEscaping(member) { member throws(RecordError) in
        let scan = { (buffer: UnsafeBufferPointer<UInt8>) in
            Result { () throws(RecordError) in try scanObject(buffer, lineNumber: lineNumber, member: member) }
        }
        let result = line.withContiguousStorageIfAvailable(scan) ?? Array(line).withUnsafeBufferPointer(scan)
        try result.get()
    }
}

private func scanObject(_ buffer: UnsafeBufferPointer<UInt8>, lineNumber: Int,
                        member: (inout JSONScanner, String) throws -> Void) throws(RecordError) {
    var currentKey: String?
    do {
        var scanner = JSONScanner(buffer)
        guard try scanner.kind() == .object else {
            throw JSONScanner.Failure(message: "is not a JSON object", offset: 0)
        }
        try scanner.object { scanner, key in
            currentKey = key
            try member(&scanner, key)
            currentKey = nil
        }
        try scanner.end()
    } catch let failure as JSONScanner.Failure {
        if let currentKey { throw RecordError(line: lineNumber, field: currentKey, failure.message) }
        throw RecordError(line: lineNumber, "malformed JSON at byte \(failure.offset + 1): \(failure.message)")
    } catch let error as RecordError {
        throw error
    } catch {
        throw RecordError(line: lineNumber, field: currentKey, "\(error)")
    }
}

/// Checks shared by every record that carries a table.
public struct TableChecks {
    public let line: Int

    public init(line: Int) { self.line = line }

    public func require<T>(_ value: T?, _ field: String) throws(RecordError) -> T {
        guard let value else { throw RecordError(line: line, field: field, "is missing") }
        return value
    }

    public func queues(_ queues: Int?) throws(RecordError) -> Int {
        let queues = try require(queues, "queues")
        guard queues >= 1 else { throw RecordError(line: line, field: "queues", "is \(queues); at least 1 queue is needed") }
        guard queues <= RecordContract.maxQueues else {
            throw RecordError(line: line, field: "queues", "is \(queues); a device has at most \(RecordContract.maxQueues)")
        }
        return queues
    }

    public func reta(_ reta: [Int]?, queues: Int) throws(RecordError) -> [Int] {
        let reta = try require(reta, "reta")
        guard !reta.isEmpty else { throw RecordError(line: line, field: "reta", "is empty") }
        guard reta.count <= RecordContract.maxTableSize else {
            throw RecordError(line: line, field: "reta",
                              "has \(reta.count) entries; tables have at most \(RecordContract.maxTableSize)")
        }
        if let bad = reta.firstIndex(where: { $0 < 0 || $0 >= queues }) {
            throw RecordError(line: line, field: "reta",
                              "entry \(bad) is \(reta[bad]); queues are 0...\(queues - 1)")
        }
        return reta
    }

    public func length<T>(_ values: [T]?, _ field: String, _ expected: Int, _ of: String) throws(RecordError) {
        guard let values, values.count != expected else { return }
        throw RecordError(line: line, field: field, "has \(values.count) entries, \"\(of)\" has \(expected)")
    }

    /// Non-negative counts whose sum a 64-bit integer holds, so that no reader's totals overflow.
    public func counts(_ values: [Int]?, _ field: String) throws(RecordError) {
        guard let values else { return }
        var sum = 0
        for (index, value) in values.enumerated() {
            guard value >= 0 else { throw RecordError(line: line, field: field, "entry \(index) is negative (\(value))") }
            let (next, overflow) = sum.addingReportingOverflow(value)
            guard !overflow else { throw RecordError(line: line, field: field, "entries add up to more than \(Int.max)") }
            sum = next
        }
    }

    public func fractions(_ values: [Double]?, _ field: String) throws(RecordError) {
        guard let values, let bad = values.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) else { return }
        throw RecordError(line: line, field: field, "entry \(bad) is \(values[bad]); loads are in [0, 1]")
    }

    public func finite(_ values: [Double]?, _ field: String) throws(RecordError) {
        guard let values, let bad = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw RecordError(line: line, field: field, "entry \(bad) is \(values[bad]); expected a finite number")
    }

    public func finite(_ value: Double?, _ field: String, positive: Bool = false) throws(RecordError) {
        guard let value else { return }
        guard value.isFinite, !positive || value > 0 else {
            throw RecordError(line: line, field: field, "is \(value); expected a finite\(positive ? " positive" : "") number")
        }
    }
}
