#if canImport(Glibc)
import Glibc
#endif
import RSSHash
import RSSRecords

/// The simulated NIC's configuration as its state file holds it: `rss-count` re-reads it every
/// epoch, `rss-apply file:PATH` replaces it atomically.
public struct NICState: Sendable, Equatable {
    public var queues: Int
    public var reta: [Int]
    public var key: [UInt8]
    /// Bumped by every table write, so a reader can tell a new table from an old one.
    public var generation: Int
    /// Members that other writers added, written back as they were read.
    public var otherMembers: [UnknownMember]
    /// The `time` of the last plan `rss-apply` wrote, which refuses older ones.
    public var planTime: Double?

    public init(queues: Int, reta: [Int], key: [UInt8] = Toeplitz.microsoftKey, generation: Int = 0,
                planTime: Double? = nil, otherMembers: [UnknownMember] = []) {
        self.queues = queues
        self.reta = reta
        self.key = key
        self.generation = generation
        self.otherMembers = otherMembers
        self.planTime = planTime
    }

    /// A fresh NIC with the table `bucket mod queues`, as drivers initialise it.
    public init(queues: Int, tableSize: Int, key: [UInt8] = Toeplitz.microsoftKey) {
        self.init(queues: queues, reta: (0..<tableSize).map { $0 % queues }, key: key)
    }

    public func jsonLine() -> [UInt8] {
        var line = JSONLine(capacity: 128 + reta.count * 3)
        line.field("type", "nic")
        line.field("v", RecordContract.version)
        line.field("queues", queues)
        line.field("reta", reta)
        line.field("key", hexString(key))
        line.field("generation", generation)
        line.optionalField("plan_time", planTime)
        for member in otherMembers { line.field(member) }
        return line.finish()
    }

    public init(jsonLine: some Collection<UInt8>, lineNumber: Int = 1) throws(RecordError) {
        var header = RecordHeader()
        var keyText: String?
        var queues, generation: Int?
        var planTime: Double?
        var reta: [Int]?
        var otherMembers: [UnknownMember] = []
        try decodeObject(jsonLine, lineNumber: lineNumber) { scanner, name in
            switch name {
            case "type": header.type = try scanner.string()
            case "v": header.version = try scanner.integer()
            case "queues": queues = try scanner.integer()
            case "reta": reta = try scanner.integerArray()
            case "key": keyText = try scanner.string()
            case "generation": generation = try scanner.integer()
            case "plan_time": planTime = try scanner.double()
            default: otherMembers.append(UnknownMember(name: name, json: try scanner.rawValue()))
            }
        }
        try header.validate(expecting: "nic", line: lineNumber)
        let check = TableChecks(line: lineNumber)
        let queueCount = try check.queues(queues)
        let table = try check.reta(reta, queues: queueCount)
        var key = Toeplitz.microsoftKey
        if let keyText {
            do { key = try parseHexKey(keyText) } catch { throw RecordError(line: lineNumber, field: "key", error.description) }
        }
        if let generation, generation < 0 {
            throw RecordError(line: lineNumber, field: "generation", "is negative (\(generation))")
        }
        try check.finite(planTime, "plan_time")
        self.init(queues: queueCount, reta: table, key: key, generation: generation ?? 0, planTime: planTime,
                  otherMembers: otherMembers)
    }
}
