import CDPDKSecondary
import DPDKProxy
import LoadSources
import RSSRecords
import RssppDPDK
import TableTargets
#if canImport(Glibc)
import Glibc
#endif

/// `rss-count dpdk:PORT[@FILE_PREFIX]`: every `interval` seconds, the differences of the
/// port's rsspp block counters as a load record: packets and bytes per bucket summed over
/// queues, per-queue load busy/(busy+idle) cycles, and the table in force.
public struct DPDKLoadSource: LoadSource {
    private let table: PortTable
    private let block: UnsafeMutablePointer<rsspp_block>
    private let interval: Double
    private let epochs: Int?
    private let pacer: Pacer
    private var emitted = 0
    private var previous: Counters

    /// Attaches (once per process) and takes the first reading; the first record covers the
    /// `interval` after it. A stop signal ends the run between two records.
    public init(_ device: DPDKDevice, interval: Double, epochs: Int? = nil,
                stopSignals: StopSignals? = nil) throws(DPDKError) {
        table = try PortTable(device, requiringBlock: true)
        block = table.block!
        self.interval = interval
        self.epochs = epochs
        previous = try Counters(block, of: device)
        pacer = Pacer(realTime: true, stopSignals: stopSignals)
    }

    public mutating func next() throws -> LoadRecord? {
        if let epochs, emitted >= epochs { return nil }
        guard pacer.wait(untilElapsed: Double(emitted + 1) * interval) else { return nil }
        let current: Counters, reta: DeviceTable
        do throws(DPDKError) {
            current = try Counters(block, of: table.device)
            reta = try table.read()
        } catch {
            throw SourceError(.unavailable, error.description)
        }
        let buckets = current.packets.count
        guard reta.reta.count == buckets else {
            throw SourceError(.unavailable, "\(table.device): the rsspp block counts \(buckets) buckets, but the table in force has \(reta.reta.count) entries")
        }
        let record = LoadRecord(
            time: unixTime(), interval: Double(current.nanoseconds - previous.nanoseconds) / 1e9, device: table.device.description,
            source: table.device.description, queues: reta.queues, reta: reta.reta,
            packets: difference(current.packets, previous.packets),
            bytes: difference(current.bytes, previous.bytes),
            load: loads(current, previous, queues: reta.queues))
        previous = current
        emitted += 1
        return record
    }

    /// Busy fraction per queue. A queue that accounted no cycles during the interval is
    /// stuck in one long iteration (busy) if it ever ran, or not polled at all (idle).
    private func loads(_ current: Counters, _ previous: Counters, queues: Int) -> [Double]? {
        guard current.busy.count == queues else { return nil }
        return (0..<queues).map { q in
            let busy = Double(current.busy[q] &- previous.busy[q])
            let idle = Double(current.idle[q] &- previous.idle[q])
            if busy + idle == 0 { return current.busy[q] > 0 ? 1 : 0 }
            return busy / (busy + idle)
        }
    }
}

/// One read of every counter of a block, and when it was taken (monotonic nanoseconds).
struct Counters {
    var packets, bytes, busy, idle: [UInt64]
    var nanoseconds: UInt64

    /// Fails once the primary has ended: its counters are frozen, not idle.
    init(_ block: UnsafeMutablePointer<rsspp_block>, of device: DPDKDevice) throws(DPDKError) {
        let buckets = Int(block.pointee.table_size), queues = Int(block.pointee.queues)
        var packets = [UInt64](repeating: 0, count: buckets), bytes = packets
        var busy = [UInt64](repeating: 0, count: queues), idle = busy
        let failure = withErrorBuffer { rsspp_block_read(block, &packets, &bytes, &busy, &idle, $0, $1) }
        if let failure { throw DPDKError("\(device): \(failure)") }
        (self.packets, self.bytes, self.busy, self.idle) = (packets, bytes, busy, idle)
        nanoseconds = monotonicNanoseconds()
    }
}

/// Counters only grow; wrapping subtraction also survives a 64-bit wrap.
private func difference(_ current: [UInt64], _ previous: [UInt64]) -> [Int] {
    zip(current, previous).map { Int(truncatingIfNeeded: $0 &- $1) }
}
