#if canImport(Glibc)
import Glibc
#endif
import CBPF
import LoadSources
import RSSHash
import RSSRecords
import Testing
import TestSupport
@testable import XDPCounting

/// `xdp:IFACE` on a 4-queue veth whose peer sends from a test namespace: every frame sent is
/// counted, in its bucket, and on the rx queue the sender chose (as veth's own statistics say).
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct VethCountingTests {
    /// UDP frames from 1200 source ports: the sender's flow hash spreads them over the queues.
    static let traffic: [[UInt8]] = (0..<1200).map { index in
        let flow = FlowTuple(type: .udp4, source: [10, 0, UInt8(index / 200), UInt8(index % 200)],
                             destination: [10, 1, 0, UInt8(index % 7)],
                             sourcePort: UInt16(10_000 + index), destinationPort: UInt16(5000 + index % 11))
        return TestPacket(flow, at: 0, payload: index % 40).ethernetFrame()
    }

    /// Records until every frame sent has been counted (and one more interval, which must add
    /// nothing), summed; with the per-queue counts the program saw.
    func countedRecords(_ source: XDPSource, expecting total: Int) throws -> (records: [LoadRecord], queuePackets: [Int]) {
        var records: [LoadRecord] = []
        var queuePackets = [Int](repeating: 0, count: 4)
        var settled = 0
        while settled < 2, records.count < 25, let record = try source.next() {
            records.append(record)
            queuePackets = zip(queuePackets, source.lastQueuePackets).map(+)
            if records.flatMap(\.packets).reduce(0, +) >= total { settled += 1 }
        }
        return (records, queuePackets)
    }

    @Test(arguments: [XDPOptions.Hash.kfunc, .soft])
    func everyFrameIsCountedInItsBucketAndOnItsQueue(hash: XDPOptions.Hash) throws {
        let veth = try VethFixture(queues: 4)
        var options = CounterOptions()
        options.interval = 0.2
        options.tableSize = 128
        var xdp = XDPOptions()
        xdp.hash = hash
        xdp.cpus = [0, 1, 0, 1]
        let source = try XDPSource(interface: veth.local, options: options, xdp: xdp)
        defer { try? source.stop() }
        #expect(source.hashPath == (hash == .kfunc ? .rxHash : .softHash))

        let frames = Self.traffic
        let vethBefore = try veth.queueStatistics()
        try veth.send(frames)
        let (records, queuePackets) = try countedRecords(source, expecting: frames.count)
        let vethAfter = try veth.queueStatistics()

        var packets = [Int](repeating: 0, count: 128)
        var bytes = 0
        for record in records {
            #expect(record.queues == 4 && record.reta == (0..<128).map { $0 % 4 })
            #expect(record.device == "ethtool:\(veth.local)" && record.source == "xdp:\(veth.local)")
            #expect(record.cpus == [0, 1, 0, 1] && record.load?.count == 4)
            packets = zip(packets, record.packets).map(+)
            bytes += record.bytes?.reduce(0, +) ?? 0
        }
        #expect(packets.reduce(0, +) == frames.count)
        #expect(bytes == frames.map(\.count).reduce(0, +))
        #expect(vethAfter.drops == vethBefore.drops)
        #expect(queuePackets == zip(vethAfter.packets, vethBefore.packets).map(-))
        #expect(queuePackets.allSatisfy { $0 > 0 }, "the sender's hash should use every queue: \(queuePackets)")
        if hash == .soft {
            var expected = [Int](repeating: 0, count: 128)
            let hasher = RSSHasher()
            for frame in frames { expected[frame.withUnsafeBytes { Int(hasher.hash(frame: $0)) % 128 }] += 1 }
            #expect(packets == expected)
        }
    }

    @Test func anotherProgramIsNeverReplaced() throws {
        let veth = try VethFixture(queues: 4)
        var xdp = XDPOptions()
        xdp.cpus = [0, 1, 0, 1]
        let first = try XDPSource(interface: veth.local, options: CounterOptions(), xdp: xdp)
        defer { try? first.stop() }
        let refusal = #expect(throws: SourceError.self) {
            _ = try XDPSource(interface: veth.local, options: CounterOptions(), xdp: xdp)
        }
        #expect(refusal?.description.contains("already has an XDP program attached (\"rsspp_rxhash\"") == true)
        try first.stop()
        #expect(try AttachedXDP.on(veth.local) == nil)
    }
}

extension VethCountingTests {
    /// `--pin` leaves the counter attached and pinned; the next run reads the same counters and
    /// leaves it attached.
    @Test func aPinnedCounterOutlivesItsRunAndIsRead() throws {
        let veth = try VethFixture(queues: 4)
        try withBPFFileSystem(removingPinsOf: veth.local) {
            var options = CounterOptions()
            options.interval = 0.2
            var xdp = XDPOptions()
            xdp.hash = .soft
            xdp.cpus = [0, 1, 0, 1]
            xdp.pin = true
            let first = try XDPSource(interface: veth.local, options: options, xdp: xdp)
            try veth.send(Array(Self.traffic[..<100]))
            _ = try countedRecords(first, expecting: 100)
            try first.stop()
            let pinned = try #require(try AttachedXDP.on(veth.local), "a pinned counter stays attached")

            xdp.pin = false
            let second = try XDPSource(interface: veth.local, options: options, xdp: xdp)
            #expect(second.hashPath == .softHash)
            try veth.send(Array(Self.traffic[..<50]))
            let (records, _) = try countedRecords(second, expecting: 50)
            #expect(records.flatMap(\.packets).reduce(0, +) == 50)
            try second.stop()
            #expect(try AttachedXDP.on(veth.local) == pinned, "a reader leaves the pinned counter attached")
        }
    }
}

/// The same through the built `rss-count`, as a pipeline would run it.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct VethCountCommandTests {
    @Test func rssCountEmitsEveryFrameSentInItsBucket() throws {
        #expect(toolExists("rss-count"), "rss-count must be built next to the tests")
        let veth = try VethFixture(queues: 4)
        let counter = try BackgroundCount("xdp:\(veth.local) --hash soft --cpus 0-3 --interval 0.3 --epochs 6")
        let records = try counter.records(counting: VethCountingTests.traffic, from: veth)
        #expect(records.count == 6)
        var packets = [Int](repeating: 0, count: 128)
        for record in records { packets = zip(packets, record.packets).map(+) }
        var expected = [Int](repeating: 0, count: 128)
        let hasher = RSSHasher()
        for frame in VethCountingTests.traffic { expected[frame.withUnsafeBytes { Int(hasher.hash(frame: $0)) % 128 }] += 1 }
        #expect(packets == expected)
        #expect(counter.errors.contains("no RSS table of its own"), "the nominal table is announced once: \(counter.errors)")
    }
}
