#if canImport(Glibc)
import Glibc
#endif
import CPcap
import NICSim
import RSSHash
import RSSRecords

/// `pcap:FILE`: a capture (pcap or pcapng, read by libpcap) replayed through the simulated NIC.
/// Epochs are cut by the packets' timestamps, `interval` seconds of trace time each, starting at
/// the first packet; the run ends with the file. Each packet is hashed with the NIC's key as the
/// NIC would (0 for what it does not hash), lands in bucket hash mod R and costs its queue's core
/// `costNanoseconds`.
public final class CaptureSource: LoadSource {
    /// NIC shape when `rss-count` creates the state file for a capture and no option says otherwise.
    public static let defaultShape = (queues: 4, tableSize: 128)

    private struct Packet {
        var time: Double
        var flow: FlowTuple?
        var length: Int
    }

    private let path: String
    private let capture: OpaquePointer
    private let linkLayer: LinkLayer
    private let nic: NICStateFile
    private let interval: Double
    private let epochs: Int?
    private let costNanoseconds: Double
    private let pacer: Pacer
    private var hasher: RSSHasher?
    /// The packet that ended the last epoch: the first of the next one.
    private var pending: Packet?
    private var traceStart: Double?
    private var emitted = 0

    public init(path: String, options: CounterOptions, pacer: Pacer) throws(SourceError) {
        guard access(path, R_OK) == 0 else {
            throw SourceError(.noInput, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        var message = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let capture = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &message)
        else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SourceError(.badInput, "\(path): not a pcap or pcapng capture (\(reason))")
        }
        let linkType = pcap_datalink(capture)
        guard let linkLayer = LinkLayer(linkType) else {
            pcap_close(capture)
            let name = pcap_datalink_val_to_name(linkType).map { String(cString: $0) } ?? "unknown"
            throw SourceError(.badInput, "\(path): link type \(name) (\(linkType)) is not supported; "
                              + "captures of Ethernet, raw IP and Linux cooked frames are")
        }
        let nic: NICStateFile
        do { nic = try options.openNIC(suggested: CaptureSource.defaultShape).file } catch { pcap_close(capture); throw error }
        self.path = path
        self.capture = capture
        self.linkLayer = linkLayer
        self.nic = nic
        interval = options.interval
        epochs = options.epochs
        costNanoseconds = options.costNanoseconds
        self.pacer = pacer
    }

    deinit { pcap_close(capture) }

    public func next() throws -> LoadRecord? {
        if let epochs, emitted >= epochs { return nil }
        guard let first = try pending ?? readPacket() else { return nil }
        pending = first
        let traceStart = self.traceStart ?? first.time
        self.traceStart = traceStart
        let elapsed = Double(emitted + 1) * interval
        guard pacer.wait(untilElapsed: elapsed) else { return nil }

        let simulated = try nic.simulatedNIC()
        let hasher = hasher(keyed: simulated.state.key)
        let epochEnd = traceStart + elapsed
        var flows: [UInt32: FlowActivity] = [:]
        while let packet = try pending ?? readPacket() {
            guard packet.time < epochEnd else { pending = packet; break }
            pending = nil
            let hash = packet.flow.map(hasher.hash) ?? 0
            flows[hash, default: FlowActivity(hash: hash, packets: 0, bytes: 0, work: 0)].add(
                packets: 1, bytes: packet.length, work: costNanoseconds)
        }
        emitted += 1
        let counts = simulated.count(Array(flows.values), interval: interval)
        return simulated.record(counts, interval: interval, time: epochEnd, device: nic.device, source: "pcap:\(path)")
    }

    /// The hasher for `key`, kept from epoch to epoch while the NIC's key stays the same.
    private func hasher(keyed key: [UInt8]) -> RSSHasher {
        if let hasher, hasher.toeplitz.key == key { return hasher }
        let keyed = RSSHasher(key: key)
        hasher = keyed
        return keyed
    }

    private func readPacket() throws(SourceError) -> Packet? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(capture, &header, &data) {
        case 1:
            guard let header = header?.pointee, let data else { return nil }
            let frame = UnsafeRawBufferPointer(start: data, count: Int(header.caplen))
            // Opened with nanosecond precision: tv_usec holds nanoseconds.
            return Packet(time: Double(header.ts.tv_sec) + Double(header.ts.tv_usec) * 1e-9,
                          flow: linkLayer.flow(frame), length: Int(header.len))
        case PCAP_ERROR_BREAK:
            return nil
        default:
            throw SourceError(.badInput, "\(path): \(String(cString: pcap_geterr(capture)))")
        }
    }
}

extension FlowActivity {
    mutating func add(packets: Int, bytes: Int, work: Double) {
        self.packets += packets
        self.bytes += bytes
        self.work += work
    }
}

/// The frame formats a capture may hold, and where their IP header starts.
enum LinkLayer {
    case ethernet, rawIP
    /// Linux "cooked" headers (`tcpdump -i any`): version 1 has the protocol at byte 14 of 16,
    /// version 2 at byte 0 of 20.
    case linuxCooked, linuxCooked2

    init?(_ linkType: Int32) {
        switch linkType {
        case DLT_EN10MB: self = .ethernet
        case DLT_RAW, DLT_IPV4, DLT_IPV6: self = .rawIP
        case DLT_LINUX_SLL: self = .linuxCooked
        case DLT_LINUX_SLL2: self = .linuxCooked2
        default: return nil
        }
    }

    func flow(_ frame: UnsafeRawBufferPointer) -> FlowTuple? {
        switch self {
        case .ethernet: return parseFlow(frame: frame)
        case .rawIP: return parseFlow(ipPacket: frame)
        case .linuxCooked: return cookedFlow(frame, protocolAt: 14, headerLength: 16)
        case .linuxCooked2: return cookedFlow(frame, protocolAt: 0, headerLength: 20)
        }
    }

    private func cookedFlow(_ frame: UnsafeRawBufferPointer, protocolAt offset: Int, headerLength: Int) -> FlowTuple? {
        guard frame.count > headerLength else { return nil }
        let etherType = UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1])
        guard etherType == 0x0800 || etherType == 0x86dd else { return nil }
        return parseFlow(ipPacket: UnsafeRawBufferPointer(rebasing: frame[headerLength...]))
    }
}
