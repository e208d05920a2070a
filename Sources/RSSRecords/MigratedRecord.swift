/// How one owner of flow state answered a migrate message: acknowledged, or why not.
public struct OwnerOutcome: Sendable, Equatable {
    /// The owner's control socket, as `rss-migrate` was given it.
    public var socket: String
    /// Microseconds from sending the message (or trying to) to the answer or the failure.
    public var latencyMicroseconds: Int
    /// Why the owner did not acknowledge; nil when it did.
    public var error: String?

    public var acked: Bool { error == nil }

    public init(socket: String, latencyMicroseconds: Int, error: String? = nil) {
        self.socket = socket
        self.latencyMicroseconds = latencyMicroseconds
        self.error = error
    }
}

/// What the owners said about one plan's moves: `rss-migrate` writes it after the plan.
public struct MigratedRecord: Sendable, Equatable {
    /// The `seq` of the migrate message, counted from 1 in each `rss-migrate` run.
    public var seq: Int
    /// One per socket, in the order `rss-migrate` was given them.
    public var owners: [OwnerOutcome]

    public init(seq: Int, owners: [OwnerOutcome]) {
        self.seq = seq
        self.owners = owners
    }

    public func jsonLine() -> [UInt8] {
        var line = JSONLine(capacity: 64 + owners.count * 96)
        line.field("type", "migrated")
        line.field("v", RecordContract.version)
        line.field("seq", seq)
        line.field("owners", objects: owners) { object, owner in
            object.field("socket", owner.socket)
            object.field("acked", owner.acked)
            object.field("latency_us", owner.latencyMicroseconds)
            if let error = owner.error { object.field("error", error) }
        }
        return line.finish()
    }

    /// Reads and validates one migrated record; `lineNumber` is only used in errors.
    public init(jsonLine: some Collection<UInt8>, lineNumber: Int) throws(RecordError) {
        var header = RecordHeader()
        var seq: Int?
        var owners: [OwnerOutcome]?
        try decodeObject(jsonLine, lineNumber: lineNumber) { scanner, key in
            switch key {
            case "type": header.type = try scanner.string()
            case "v": header.version = try scanner.integer()
            case "seq": seq = try scanner.integer()
            case "owners": owners = try decodeOwners(&scanner)
            default: try scanner.skipValue()
            }
        }
        try header.validate(expecting: "migrated", line: lineNumber)
        let check = TableChecks(line: lineNumber)
        let number = try check.require(seq, "seq")
        guard number >= 1 else { throw RecordError(line: lineNumber, field: "seq", "is \(number); it counts from 1") }
        let outcomes = try check.require(owners, "owners")
        guard !outcomes.isEmpty else { throw RecordError(line: lineNumber, field: "owners", "is empty") }
        self.init(seq: number, owners: outcomes)
    }
}

private func decodeOwners(_ scanner: inout JSONScanner) throws -> [OwnerOutcome] {
    var owners: [OwnerOutcome] = []
    try scanner.array { scanner in
        var socket, error: String?
        var acked: Bool?
        var latency: Int?
        try scanner.object { scanner, key in
            switch key {
            case "socket": socket = try scanner.string()
            case "acked": acked = try scanner.bool()
            case "latency_us": latency = try scanner.integer()
            case "error": error = try scanner.string()
            default: try scanner.skipValue()
            }
        }
        guard let socket, let acked, let latency else {
            throw JSONScanner.Failure(message: "entry needs \"socket\", \"acked\" and \"latency_us\"", offset: scanner.offset)
        }
        guard latency >= 0 else {
            throw JSONScanner.Failure(message: "entry for \(socket) has a negative \"latency_us\"", offset: scanner.offset)
        }
        guard acked == (error == nil) else {
            throw JSONScanner.Failure(message: "entry for \(socket) " + (acked ? "is acked but has an \"error\"" : "is not acked and has no \"error\""),
                                      offset: scanner.offset)
        }
        owners.append(OwnerOutcome(socket: socket, latencyMicroseconds: latency, error: error))
    }
    return owners
}
