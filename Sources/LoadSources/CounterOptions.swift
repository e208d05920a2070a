#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSHash
import RSSRecords

/// What `rss-count` was asked for, shared by every source that drives the simulated NIC.
public struct CounterOptions: Sendable {
    /// Seconds per epoch: wall-clock time for `sim`, trace time for `pcap`.
    public var interval = 0.1
    /// Records to emit before stopping; nil to run until the source ends or a signal arrives.
    public var epochs: Int?
    public var nicPath = CounterOptions.defaultNICPath
    /// NIC shape when the state file is created; when given and different from an existing
    /// file's, the NIC is reconfigured (new shape, table `bucket mod queues`).
    public var queues: Int?
    public var tableSize: Int?
    public var key: [UInt8]?
    public var seed: UInt64 = 1
    /// CPU nanoseconds per packet (the cost model: one core per queue).
    public var costNanoseconds = 1000.0
    /// `sim` epochs back to back instead of in real time.
    public var fast = false
    /// Capture epochs in real time instead of as fast as possible.
    public var pace = false
    /// Kinds of source that modules above this one add (`xdp:`, `dpdk:`), tried for a SOURCE this
    /// module does not know.
    public var extraKinds: [SourceKind] = []

    public init() {}

    /// Epoch lengths a counter loop can keep: below a millisecond reading the counters takes a
    /// good part of the epoch; a planner hearing from the NIC less than hourly is not balancing
    /// load any more.
    public static let intervals: ClosedRange<Double> = 0.001...3600
    /// Per-packet CPU costs of real packet processing: from a nanosecond (a core forwarding
    /// without touching the payload) to a second. Cheaper packets would mean more packets per
    /// epoch than the simulation counts.
    public static let costs: ClosedRange<Double> = 1...1e9
    /// The NIC shapes the simulated NIC takes: those a record may have.
    public static let queueCounts = 1...RecordContract.maxQueues
    public static let tableSizes = 1...RecordContract.maxTableSize

    /// Refuses options outside those bounds with a usage error naming the option and its bounds.
    public func validate() throws(SourceError) {
        try require(interval, in: Self.intervals, "--interval", unit: " seconds")
        try require(costNanoseconds, in: Self.costs, "--cost", unit: " nanoseconds")
        if let queues { try require(queues, in: Self.queueCounts, "--queues") }
        if let tableSize { try require(tableSize, in: Self.tableSizes, "--reta-size") }
        if let epochs, epochs < 0 { throw SourceError(.usage, "--epochs is \(epochs): it must be 0 or more") }
    }

    private func require<Value: Comparable>(_ value: Value, in range: ClosedRange<Value>, _ option: String,
                                            unit: String = "") throws(SourceError) {
        guard !range.contains(value) else { return }
        throw SourceError(.usage, "\(option) is \(shown(value)): it must be a positive number, from "
                          + "\(shown(range.lowerBound)) to \(shown(range.upperBound))\(unit)")
    }

    public static var defaultNICPath: String {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return (directory.isEmpty ? "/tmp" : directory) + "/rsspp-nic.json"
    }

    /// The NIC's state file and what it holds, created with `suggested` (queues, table size)
    /// unless the options say otherwise, and reconfigured when the options name a shape or key
    /// it does not have.
    func openNIC(suggested: (queues: Int, tableSize: Int)) throws(SourceError) -> (file: NICStateFile, state: NICState) {
        let file = NICStateFile(path: absolutePath(nicPath))
        do {
            let fresh = NICState(queues: queues ?? suggested.queues, tableSize: tableSize ?? suggested.tableSize,
                                 key: key ?? Toeplitz.microsoftKey)
            let (state, created) = try file.loadOrCreate(fresh)
            let differs = queues.map { $0 != state.queues } == true || tableSize.map { $0 != state.reta.count } == true
                || key.map { $0 != state.key } == true
            guard !created && differs else { return (file, state) }
            let reconfigured = try file.update { state in
                let fresh = NICState(queues: queues ?? state.queues, tableSize: tableSize ?? state.reta.count,
                                     key: key ?? state.key)
                (state.queues, state.reta, state.key) = (fresh.queues, fresh.reta, fresh.key)
            }
            return (file, reconfigured)
        } catch {
            throw SourceError(stateFile: error)
        }
    }
}

extension NICStateFile {
    /// The NIC as the file describes it now: read every epoch, so a table `rss-apply` wrote is in
    /// force from the next epoch on.
    func simulatedNIC() throws(SourceError) -> SimulatedNIC {
        do { return SimulatedNIC(state: try load()) } catch { throw SourceError(stateFile: error) }
    }
}

extension SourceError {
    /// A state file that breaks the contract is bad input; one that cannot be read is unavailable.
    init(stateFile error: any Error) {
        let badContent = (error as? NICStateFileError)?.kind == .badContent
        self.init(badContent ? .badInput : .unavailable, "\(error)")
    }
}

/// `path` from the root, so that the `file:PATH` device in records names the same file from
/// any working directory.
func absolutePath(_ path: String) -> String {
    guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + path
}

/// 3600 rather than 3600.0, for messages.
private func shown(_ value: some Comparable) -> String {
    (value as? Double).map(recordNumber) ?? "\(value)"
}
