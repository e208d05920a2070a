/// One table entry that a plan changes.
public struct Move: Sendable, Equatable, Hashable {
    public var bucket: Int
    public var from: Int
    public var to: Int

    public init(bucket: Int, from: Int, to: Int) {
        self.bucket = bucket
        self.from = from
        self.to = to
    }

    /// Exactly the entries where `new` differs from `old`, in bucket order.
    public static func between(_ old: [Int], _ new: [Int]) -> [Move] {
        zip(old, new).enumerated().compactMap { bucket, pair in
            pair.0 == pair.1 ? nil : Move(bucket: bucket, from: pair.0, to: pair.1)
        }
    }
}

/// A new table for a device: `rss-plan` writes it, `rss-apply` writes the table to the device
/// and re-emits the record with `applied`, `rss-migrate` reads the moves.
public struct PlanRecord: Sendable, Equatable {
    public var time: Double?
    public var device: String?
    public var source: String?
    public var queues: Int
    public var reta: [Int]
    public var moves: [Move]
    /// Queues that buckets may point to; the rest are switched off by autoscaling.
    public var active: [Int]
    public var loadBefore: [Double]
    /// Per-queue load the planner predicts under the new table.
    public var loadAfter: [Double]
    public var imbalanceBefore: Double
    public var imbalanceAfter: Double
    public var solveMicroseconds: Double
    /// Unix time the table was written to the device.
    public var applied: Double?

    public init(time: Double? = nil, device: String? = nil, source: String? = nil, queues: Int, reta: [Int],
                moves: [Move], active: [Int], loadBefore: [Double] = [], loadAfter: [Double] = [],
                imbalanceBefore: Double = 0, imbalanceAfter: Double = 0, solveMicroseconds: Double = 0,
                applied: Double? = nil) {
        self.time = time
        self.device = device
        self.source = source
        self.queues = queues
        self.reta = reta
        self.moves = moves
        self.active = active
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.imbalanceBefore = imbalanceBefore
        self.imbalanceAfter = imbalanceAfter
        self.solveMicroseconds = solveMicroseconds
        self.applied = applied
    }

    public var isNoOp: Bool { moves.isEmpty }

    public func jsonLine() -> [UInt8] {
        var line = JSONLine(capacity: 128 + reta.count * 3 + moves.count * 32)
        line.field("type", "plan")
        line.field("v", RecordContract.version)
        line.optionalField("time", time)
        line.optionalField("device", device)
        line.optionalField("source", source)
        line.field("queues", queues)
        line.field("reta", reta)
        line.field("moves", moves: moves)
        line.field("active", active)
        line.field("load_before", loadBefore)
        line.field("load_after", loadAfter)
        line.field("imbalance_before", imbalanceBefore)
        line.field("imbalance_after", imbalanceAfter)
        line.field("solve_us", solveMicroseconds)
        line.optionalField("applied", applied)
        return line.finish()
    }

    /// Reads and validates one plan record; `lineNumber` is only used in errors.
    public init(jsonLine: some Collection<UInt8>, lineNumber: Int) throws(RecordError) {
        var header = RecordHeader()
        var time, imbalanceBefore, imbalanceAfter, solve, applied: Double?
        var device, source: String?
        var queues: Int?
        var reta, active: [Int]?
        var loadBefore, loadAfter: [Double]?
        var moves: [Move]?
        try decodeObject(jsonLine, lineNumber: lineNumber) { scanner, key in
            switch key {
            case "type": header.type = try scanner.string()
            case "v": header.version = try scanner.integer()
            case "time": time = try scanner.double()
            case "device": device = try scanner.string()
            case "source": source = try scanner.string()
            case "queues": queues = try scanner.integer()
            case "reta": reta = try scanner.integerArray()
            case "moves": moves = try decodeMoves(&scanner)
            case "active": active = try scanner.integerArray()
            case "load_before": loadBefore = try scanner.doubleArray()
            case "load_after": loadAfter = try scanner.doubleArray()
            case "imbalance_before": imbalanceBefore = try scanner.double()
            case "imbalance_after": imbalanceAfter = try scanner.double()
            case "solve_us": solve = try scanner.double()
            case "applied": applied = try scanner.double()
            default: try scanner.skipValue()
            }
        }
        try header.validate(expecting: "plan", line: lineNumber)
        let check = TableChecks(line: lineNumber)
        let queueCount = try check.queues(queues)
        let table = try check.reta(reta, queues: queueCount)
        let moveList = try check.require(moves, "moves")
        for move in moveList {
            guard move.bucket >= 0, move.bucket < table.count, move.to == table[move.bucket],
                  move.from >= 0, move.from < queueCount, move.from != move.to else {
                throw RecordError(line: lineNumber, field: "moves",
                                  "entry for bucket \(move.bucket) does not match \"reta\"")
            }
        }
        // In bucket order and once each, so that the moves are exactly the change from one table.
        for (earlier, later) in zip(moveList, moveList.dropFirst()) where later.bucket <= earlier.bucket {
            throw RecordError(line: lineNumber, field: "moves", later.bucket == earlier.bucket
                              ? "name bucket \(later.bucket) more than once" : "are not in bucket order")
        }
        let activeQueues = active ?? Array(0..<queueCount)
        if let bad = activeQueues.first(where: { $0 < 0 || $0 >= queueCount }) {
            throw RecordError(line: lineNumber, field: "active", "names queue \(bad); queues are 0...\(queueCount - 1)")
        }
        try check.finite(time, "time")
        try check.finite(applied, "applied")
        // Infinity reads from 1e999 but has no JSON spelling: the record could not be written on.
        try check.finite(imbalanceBefore, "imbalance_before")
        try check.finite(imbalanceAfter, "imbalance_after")
        try check.finite(solve, "solve_us")
        try check.finite(loadBefore, "load_before")
        try check.finite(loadAfter, "load_after")
        self.init(time: time, device: device, source: source, queues: queueCount, reta: table, moves: moveList,
                  active: activeQueues, loadBefore: loadBefore ?? [], loadAfter: loadAfter ?? [],
                  imbalanceBefore: imbalanceBefore ?? 0, imbalanceAfter: imbalanceAfter ?? 0,
                  solveMicroseconds: solve ?? 0, applied: applied)
    }
}

private func decodeMoves(_ scanner: inout JSONScanner) throws -> [Move] {
    var moves: [Move] = []
    try scanner.array { scanner in
        var bucket, from, to: Int?
        try scanner.object { scanner, key in
            switch key {
            case "bucket": bucket = try scanner.integer()
            case "from": from = try scanner.integer()
            case "to": to = try scanner.integer()
            default: try scanner.skipValue()
            }
        }
        guard let bucket, let from, let to else {
            throw JSONScanner.Failure(message: "entry needs \"bucket\", \"from\" and \"to\"", offset: scanner.offset)
        }
        moves.append(Move(bucket: bucket, from: from, to: to))
    }
    return moves
}

extension JSONLine {
    /// Moves as every record and message writes them: `[{"bucket":B,"from":F,"to":T},...]`.
    public mutating func field(_ name: StaticString, moves: [Move]) {
        field(name, objects: moves, Self.moveMembers)
    }

    private static func moveMembers(_ object: inout JSONLine, _ move: Move) {
        object.field("bucket", move.bucket)
        object.field("from", move.from)
        object.field("to", move.to)
    }

    /// The moves array alone, as `field(_:moves:)` writes it.
    static func movesValue(_ moves: [Move]) -> [UInt8] {
        value(capacity: 2 + moves.count * 32) { $0.appendObjects(moves, moveMembers) }
    }
}

extension PlanRecord {
    /// `line` (a plan record's text) with `"applied":time` added, every other member kept as it
    /// was, including members this version does not know.
    public static func markingApplied(_ line: some Collection<UInt8>, at time: Double) -> [UInt8] {
        var member = JSONLine(capacity: 32)
        member.field("applied", time)
        return appending(member, to: line)
    }

    /// `line` (a plan record's text) with its `moves` replaced by `moves` and `"rebased":true`
    /// added, every other member kept as it was: what `rss-apply --stale-plan rebase` passes on
    /// for a plan made from a table the device no longer has.
    public static func rebasing(_ line: some Collection<UInt8>, moves: [Move]) throws(RecordError) -> [UInt8] {
        let text = Array(line)
        var span: Range<Int>?
        try decodeObject(text, lineNumber: 0) { scanner, key in
            let start = scanner.offset
            try scanner.skipValue()
            // The last "moves" is the one readers take.
            if key == "moves" { span = start..<scanner.offset }
        }
        guard let span else { throw RecordError(line: 0, field: "moves", "is missing") }
        let value = JSONLine.movesValue(moves)
        var member = JSONLine(capacity: 24)
        member.field("rebased", true)
        return appending(member, to: text[..<span.lowerBound] + value + text[span.upperBound...])
    }

    /// `line` with the members of `member` (a one-member JSONLine) added at its end.
    private static func appending(_ member: consuming JSONLine, to line: some Collection<UInt8>) -> [UInt8] {
        var text = Array(line)
        while let last = text.last, last == 0x0a || last == 0x0d || last == 0x20 || last == 0x09 { text.removeLast() }
        precondition(text.last == UInt8(ascii: "}"), "a member can only be added to a validated record")
        text.removeLast()
        text += [UInt8(ascii: ",")] + member.members + [UInt8(ascii: "}"), 0x0a]
        return text
    }
}
