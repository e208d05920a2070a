#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSHash

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
                let generation = state.generation
                state = NICState(queues: queues ?? state.queues, tableSize: tableSize ?? state.reta.count,
                                 key: key ?? state.key)
                state.generation = generation
            }
            return (file, reconfigured)
        } catch {
            throw SourceError(.unavailable, "\(error)")
        }
    }
}

extension NICStateFile {
    /// The NIC as the file describes it now: read every epoch, so a table `rss-apply` wrote is in
    /// force from the next epoch on.
    func simulatedNIC() throws(SourceError) -> SimulatedNIC {
        do { return SimulatedNIC(state: try load()) } catch { throw SourceError(.unavailable, error.description) }
    }
}

/// `path` from the root, so that the `file:PATH` device in records names the same file from
/// any working directory.
func absolutePath(_ path: String) -> String {
    guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + path
}
