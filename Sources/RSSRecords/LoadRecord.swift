/// What a counter saw during one interval: `rss-count` writes it, `rss-plan` reads it.
public struct LoadRecord: Sendable, Equatable {
    /// Unix time at the end of the interval.
    public var time: Double?
    /// Length of the interval in seconds.
    public var interval: Double?
    /// Where the table lives (`file:PATH`, `ethtool:IFACE`, `dpdk:PORT@PREFIX`).
    public var device: String?
    /// What produced the counts (`sim:steady`, `pcap:FILE`, `xdp:IFACE`, ...).
    public var source: String?
    public var queues: Int
    /// The table in force during the interval: queue index per bucket.
    public var reta: [Int]
    /// Packets per bucket during the interval.
    public var packets: [Int]
    public var bytes: [Int]?
    /// Busy fraction of the core serving each queue; a saturated core reads 1.
    public var load: [Double]?
    /// CPU serving each queue.
    public var cpus: [Int]?

    public init(time: Double? = nil, interval: Double? = nil, device: String? = nil, source: String? = nil,
                queues: Int, reta: [Int], packets: [Int], bytes: [Int]? = nil, load: [Double]? = nil,
                cpus: [Int]? = nil) {
        self.time = time
        self.interval = interval
        self.device = device
        self.source = source
        self.queues = queues
        self.reta = reta
        self.packets = packets
        self.bytes = bytes
        self.load = load
        self.cpus = cpus
    }

    public func jsonLine() -> [UInt8] {
        var line = JSONLine(capacity: 64 + reta.count * 12)
        line.field("type", "load")
        line.field("v", RecordContract.version)
        line.optionalField("time", time)
        line.optionalField("interval", interval)
        line.optionalField("device", device)
        line.optionalField("source", source)
        line.field("queues", queues)
        line.field("reta", reta)
        line.field("packets", packets)
        line.optionalField("bytes", bytes)
        line.optionalField("load", load)
        line.optionalField("cpus", cpus)
        return line.finish()
    }

    /// Reads and validates one load record; `lineNumber` is only used in errors.
    public init(jsonLine: some Collection<UInt8>, lineNumber: Int) throws(RecordError) {
        var header = RecordHeader()
        var time, interval: Double?
        var device, source: String?
        var queues: Int?
        var reta, packets, bytes, cpus: [Int]?
        var load: [Double]?
        try decodeObject(jsonLine, lineNumber: lineNumber) { scanner, key in
            switch key {
            case "type": header.type = try scanner.string()
            case "v": header.version = try scanner.integer()
            case "time": time = try scanner.double()
            case "interval": interval = try scanner.double()
            case "device": device = try scanner.string()
            case "source": source = try scanner.string()
            case "queues": queues = try scanner.integer()
            case "reta": reta = try scanner.integerArray()
            case "packets": packets = try scanner.integerArray()
            case "bytes": bytes = try scanner.integerArray()
            case "load": load = try scanner.doubleArray()
            case "cpus": cpus = try scanner.integerArray()
            default: try scanner.skipValue()
            }
        }
        try header.validate(expecting: "load", line: lineNumber)
        let check = TableChecks(line: lineNumber)
        let queueCount = try check.queues(queues)
        let table = try check.reta(reta, queues: queueCount)
        let counts = try check.require(packets, "packets")
        try check.length(counts, "packets", table.count, "reta")
        try check.counts(counts, "packets")
        try check.length(bytes, "bytes", table.count, "reta")
        try check.counts(bytes, "bytes")
        try check.length(load, "load", queueCount, "queues")
        try check.fractions(load, "load")
        try check.length(cpus, "cpus", queueCount, "queues")
        try check.counts(cpus, "cpus")
        try check.finite(time, "time")
        try check.finite(interval, "interval", positive: true)
        self.init(time: time, interval: interval, device: device, source: source, queues: queueCount,
                  reta: table, packets: counts, bytes: bytes, load: load, cpus: cpus)
    }
}
