import LoadSources
import NICSim
import RSSHash
import RSSRecords
import Testing
import TestSupport

func address(_ bytes: UInt8...) -> [UInt8] { bytes }
func ipv6(_ groups: UInt16...) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

/// One of every kind of packet a capture holds: IPv4 and IPv6, TCP, UDP and neither, a VLAN tag,
/// and a frame that is not IP at all.
let mixedTraffic: [TestPacket] = {
    let tcp4 = FlowTuple(type: .tcp4, source: address(66, 9, 149, 187), destination: address(161, 142, 100, 80),
                         sourcePort: 2794, destinationPort: 1766)
    let udp4 = FlowTuple(type: .udp4, source: address(199, 92, 111, 2), destination: address(65, 69, 140, 83),
                         sourcePort: 14230, destinationPort: 4739)
    let icmp4 = FlowTuple(type: .ip4, source: address(24, 19, 198, 95), destination: address(12, 22, 207, 184))
    let tcp6 = FlowTuple(type: .tcp6, source: ipv6(0x3ffe, 0x2501, 0x200, 0x1fff, 0, 0, 0, 7),
                         destination: ipv6(0x3ffe, 0x2501, 0x200, 3, 0, 0, 0, 1), sourcePort: 2794, destinationPort: 1766)
    let udp6 = FlowTuple(type: .udp6, source: ipv6(0x3ffe, 0x501, 8, 0, 0x260, 0x97ff, 0xfe40, 0xefab),
                         destination: ipv6(0xff02, 0, 0, 0, 0, 0, 0, 1), sourcePort: 14230, destinationPort: 4739)
    let vlanTCP = FlowTuple(type: .tcp4, source: address(38, 27, 205, 30), destination: address(209, 142, 163, 6),
                            sourcePort: 48228, destinationPort: 2217)
    let start: UInt64 = 1_764_318_000_000_000_000
    let ms: UInt64 = 1_000_000
    return [
        TestPacket(tcp4, at: start), TestPacket(udp4, at: start + 10 * ms, payload: 100),
        TestPacket(tcp6, at: start + 40 * ms), TestPacket(nil, at: start + 60 * ms),
        TestPacket(tcp4, at: start + 99_999_000), TestPacket(udp6, at: start + 120 * ms, payload: 3),
        TestPacket(vlanTCP, vlan: 42, at: start + 150 * ms), TestPacket(icmp4, at: start + 180 * ms),
        // 200-300 ms: nothing; then one more epoch.
        TestPacket(tcp4, at: start + 310 * ms), TestPacket(vlanTCP, vlan: 7, at: start + 399 * ms),
    ]
}()

/// What a NIC with `state` reports for `packets` cut into `interval`-second epochs: computed
/// packet by packet from the Toeplitz hash, independently of the source.
func predictedRecords(_ packets: [TestPacket], frames: [[UInt8]], state: NICState, interval: Double,
                      cost: Double) -> [(time: Double, packets: [Int], bytes: [Int], load: [Double])] {
    let hasher = RSSHasher(key: state.key)
    let start = Double(packets[0].nanoseconds) / 1e9
    var epochs: [(time: Double, packets: [Int], bytes: [Int], load: [Double])] = []
    for (packet, frame) in zip(packets, frames) {
        let epoch = Int((Double(packet.nanoseconds) / 1e9 - start) / interval)
        while epochs.count <= epoch {
            epochs.append((start + Double(epochs.count + 1) * interval, Array(repeating: 0, count: state.reta.count),
                           Array(repeating: 0, count: state.reta.count), Array(repeating: 0, count: state.queues)))
        }
        let bucket = Int((packet.flow.map { hasher.hash($0) } ?? 0) % UInt32(state.reta.count))
        epochs[epoch].packets[bucket] += 1
        epochs[epoch].bytes[bucket] += frame.count
        epochs[epoch].load[state.reta[bucket]] += cost / (interval * 1e9)
    }
    return epochs.map { ($0.time, $0.packets, $0.bytes, $0.load.map { min($0, 1) }) }
}

@Suite struct CaptureSourceTests {
    let directory: TemporaryDirectory
    var options: CounterOptions

    init() throws {
        directory = try TemporaryDirectory()
        options = CounterOptions(nicIn: directory)
        options.interval = 0.1
        options.queues = 4
        options.tableSize = 16
    }

    func capture(_ frames: [[UInt8]], of packets: [TestPacket], format: CaptureFormat = .pcap,
                 linkType: LinkType = .ethernet) throws -> String {
        let path = directory.file("trace.\(format)")
        try writeFile(path, format.file(zip(packets, frames).map { ($0.nanoseconds, $1) }, linkType: linkType))
        return path
    }

    func replay(_ path: String, options: CounterOptions? = nil) throws -> [LoadRecord] {
        var source = try loadSource("pcap:" + path, options: options ?? self.options)
        var records: [LoadRecord] = []
        while let record = try source.next() { records.append(record) }
        return records
    }

    func expectMatches(_ records: [LoadRecord], _ packets: [TestPacket], frames: [[UInt8]], path: String,
                       options: CounterOptions? = nil) throws {
        let options = options ?? self.options
        let state = try NICStateFile(path: options.nicPath).load()
        let predicted = predictedRecords(packets, frames: frames, state: state, interval: options.interval,
                                         cost: options.costNanoseconds)
        #expect(records.count == predicted.count)
        for (record, expected) in zip(records, predicted) {
            #expect(record.packets == expected.packets)
            #expect(record.bytes == expected.bytes)
            #expect(zip(record.load!, expected.load).allSatisfy { abs($0 - $1) < 1e-9 }, "\(record.load!) \(expected.load)")
            #expect(abs(record.time! - expected.time) < 1e-6)
            #expect(record.reta == state.reta)
            #expect(record.queues == state.queues)
            #expect(record.interval == options.interval)
            #expect(record.device == "file:" + options.nicPath)
            #expect(record.source == "pcap:" + path)
        }
    }

    @Test(arguments: [CaptureFormat.pcap, .pcapng])
    func ethernetCountsFollowTheToeplitzHash(format: CaptureFormat) throws {
        let frames = mixedTraffic.map { $0.ethernetFrame() }
        let path = try capture(frames, of: mixedTraffic, format: format)
        let records = try replay(path)
        #expect(records.count == 4)
        #expect(records[2].packets.allSatisfy { $0 == 0 }, "an epoch without packets is still reported")
        #expect(records.map { $0.packets.reduce(0, +) } == [5, 3, 0, 2])
        try expectMatches(records, mixedTraffic, frames: frames, path: path)
    }

    @Test func rawIPCapturesHashTheSame() throws {
        let packets = mixedTraffic.filter { $0.flow != nil }
        let frames = packets.map { $0.ipPacket() }
        let path = try capture(frames, of: packets, format: .pcapng, linkType: .raw)
        try expectMatches(try replay(path), packets, frames: frames, path: path)
    }

    @Test func linuxCookedCapturesHashTheSame() throws {
        let frames = mixedTraffic.map { $0.linuxCookedFrame() }
        let path = try capture(frames, of: mixedTraffic, linkType: .linuxCooked)
        try expectMatches(try replay(path), mixedTraffic, frames: frames, path: path)
    }

    @Test func packetsAreHashedWithTheNICsKey() throws {
        var options = self.options
        options.key = try parseHexKey("3c2f5ab1e46d0c9887f2a13b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80112233445566778899")
        let frames = mixedTraffic.map { $0.ethernetFrame() }
        let path = try capture(frames, of: mixedTraffic)
        let records = try replay(path, options: options)
        #expect(try NICStateFile(path: options.nicPath).load().key == options.key)
        try expectMatches(records, mixedTraffic, frames: frames, path: path, options: options)
        let withMicrosoftKey = predictedRecords(mixedTraffic, frames: frames, state: NICState(queues: 4, tableSize: 16),
                                                interval: 0.1, cost: options.costNanoseconds)
        #expect(records.map(\.packets) != withMicrosoftKey.map(\.packets), "the two keys should spread packets differently")
    }

    @Test func theTableIsReadAgainEveryEpoch() throws {
        let path = try capture(mixedTraffic.map { $0.ethernetFrame() }, of: mixedTraffic)
        var source = try loadSource("pcap:" + path, options: options)
        let first = try #require(try source.next())
        #expect(first.reta == (0..<16).map { $0 % 4 })
        let everythingOnQueue3 = [Int](repeating: 3, count: 16)
        try NICStateFile(path: options.nicPath).update { $0.reta = everythingOnQueue3 }
        let second = try #require(try source.next())
        #expect(second.reta == everythingOnQueue3)
        let load = try #require(second.load)
        #expect(load[0..<3].allSatisfy { $0 == 0 } && load[3] > 0)
    }

    @Test func aSaturatedCoreReadsOne() throws {
        var options = self.options
        options.costNanoseconds = 40_000_000 // 40 ms a packet: three packets overfill a 100 ms epoch
        let path = try capture(mixedTraffic.map { $0.ethernetFrame() }, of: mixedTraffic)
        let first = try #require(try replay(path, options: options).first)
        #expect(first.load!.contains(1))
        #expect(first.load!.allSatisfy { $0 <= 1 })
    }

    @Test func epochsLimitTheRecords() throws {
        var options = self.options
        options.epochs = 2
        let path = try capture(mixedTraffic.map { $0.ethernetFrame() }, of: mixedTraffic)
        #expect(try replay(path, options: options).count == 2)
    }

    @Test func anEmptyCaptureGivesNoRecords() throws {
        let path = try capture([], of: [], format: .pcapng)
        #expect(try replay(path).isEmpty)
    }

    @Test func aMissingCaptureIsNamed() throws {
        let path = directory.file("absent.pcap")
        let error = try #require(throws: SourceError.self) { try replay(path) }
        #expect(error.kind == .noInput)
        #expect(error.description == "\(path): cannot open: No such file or directory")
    }

    @Test func aFileThatIsNotACaptureIsNamed() throws {
        let path = directory.file("notes.txt")
        try writeFile(path, "not a capture at all, just some text\n")
        let error = try #require(throws: SourceError.self) { try replay(path) }
        #expect(error.kind == .badInput)
        #expect(error.description.hasPrefix("\(path): not a pcap or pcapng capture"), "\(error)")
    }

    @Test func anUnsupportedLinkTypeIsNamed() throws {
        let path = try capture([[0, 1, 2, 3]], of: [mixedTraffic[0]], linkType: .ieee80211)
        let error = try #require(throws: SourceError.self) { try replay(path) }
        #expect(error.kind == .badInput)
        #expect(error.description.hasPrefix("\(path): link type IEEE802_11 (105) is not supported"), "\(error)")
    }

    @Test func aTruncatedCaptureIsNamedAfterTheRecordsBeforeIt() throws {
        let frames = mixedTraffic.map { $0.ethernetFrame() }
        let path = try capture(frames, of: mixedTraffic)
        try writeFile(path, Array(try readFile(path).dropLast(5)))
        var source = try loadSource("pcap:" + path, options: options)
        #expect(try source.next() != nil)
        let error = try #require(throws: SourceError.self) { while try source.next() != nil {} }
        #expect(error.kind == .badInput)
        #expect(error.description.hasPrefix(path + ": "), "\(error)")
    }
}
