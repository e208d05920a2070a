import RSSRecords

/// The counters and CPU times at one instant; two of them make an interval's load record.
/// `package` for xdp-bench, which times taking one.
package struct CounterReading {
    var buckets: CounterTotals
    var queues: CounterTotals
    var cpu: CPUTimes
    var nanoseconds: UInt64

    /// A placeholder before the first reading.
    static let none = CounterReading(buckets: CounterTotals(packets: [], bytes: []),
                                     queues: CounterTotals(packets: [], bytes: []),
                                     cpu: CPUTimes(procStat: ""), nanoseconds: 0)

    init(buckets: CounterTotals, queues: CounterTotals, cpu: CPUTimes, nanoseconds: UInt64) {
        self.buckets = buckets
        self.queues = queues
        self.cpu = cpu
        self.nanoseconds = nanoseconds
    }

    package init(_ program: CounterProgram) throws {
        self.init(buckets: try program.readBuckets(), queues: try program.readQueues(), cpu: CPUTimes.read(),
                  nanoseconds: monotonicNanoseconds())
    }

    /// The load record of the interval from `earlier` to this reading.
    package func record(since earlier: CounterReading, interface: String, reta: [Int], queues: Int, cpus: [Int]?) -> LoadRecord {
        let (packets, bytes) = buckets.since(earlier.buckets)
        return LoadRecord(time: unixTime(), interval: Double(nanoseconds - earlier.nanoseconds) / 1e9,
                          device: "ethtool:\(interface)", source: "xdp:\(interface)", queues: queues, reta: reta,
                          packets: packets, bytes: bytes, load: cpus?.map { cpu.busyFraction(of: $0, since: earlier.cpu) },
                          cpus: cpus)
    }
}
