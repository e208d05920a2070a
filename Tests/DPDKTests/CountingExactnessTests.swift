import NICSim
import RSSHash
import RSSRecords
import Testing
import TestSupport

extension DPDKPath {
    /// Proof 2 of the DPDK path: rsspp-sink fed a known capture through net_pcap (no hardware
    /// hash), with a key of the test's choosing, counts exactly what the Toeplitz hash predicts:
    /// every bucket's packets and bytes, and every queue's share under the table in force.
    /// One process suffices, so it runs with --no-huge.
    @Suite struct CountingExactnessTests {
        struct Mode: Sendable, CustomTestStringConvertible {
            let name: String
            let workers: Int
            let tableSize: Int
            let options: [String]
            /// The table rsspp-sink starts with.
            let table: @Sendable (Int) -> Int

            var testDescription: String { name }

            /// One core receives and dispatches to 4 workers by the block's table; a table size
            /// that is not a power of two.
            static let softwareRSS = Mode(name: "software RSS, 4 workers, 100 buckets", workers: 4, tableSize: 100,
                                          options: ["--software-rss", "--queues", "4", "--table-size", "100"],
                                          table: { $0 % 4 })
            /// One queue, no flow table: rsspp_count_burst hashes every packet itself.
            static let countingHashes = Mode(name: "one queue, counting hashes", workers: 1, tableSize: 128,
                                             options: ["--queues", "1", "--flows-per-bucket", "0"], table: { _ in 0 })
        }

        /// A capture of flows of every type (some in a VLAN), repeated unevenly, with ARP frames.
        static func frames() -> [[UInt8]] {
            var random = SeededGenerator(seed: 21)
            var frames: [[UInt8]] = []
            for index in 0..<240 {
                let type = FlowType.allCases[index % FlowType.allCases.count]
                let v6 = [.tcp6, .udp6, .sctp6, .ip6].contains(type)
                let flow = FlowTuple(type: type, source: random.bytes(v6 ? 16 : 4), destination: random.bytes(v6 ? 16 : 4),
                                     sourcePort: UInt16(truncatingIfNeeded: random.next()),
                                     destinationPort: UInt16(truncatingIfNeeded: random.next()))
                let packet = TestPacket(flow, vlan: index % 5 == 0 ? 9 : nil, at: 0, payload: Int(random.next() % 200))
                frames += Array(repeating: packet.ethernetFrame(), count: 1 + Int(random.next() % 20))
                if index % 40 == 0 { frames.append(TestPacket(nil, at: 0).ethernetFrame()) }
            }
            return frames
        }

        @Test(arguments: [Mode.softwareRSS, Mode.countingHashes])
        func perBucketCountsEqualTheToeplitzPrediction(mode: Mode) throws {
            var random = SeededGenerator(seed: 5)
            let key = random.bytes(40)
            let frames = Self.frames()
            let hasher = RSSHasher(key: key)
            var packets = [Int](repeating: 0, count: mode.tableSize), bytes = packets
            for frame in frames {
                let bucket = Int(frame.withUnsafeBytes { hasher.hash(frame: $0) } % UInt32(mode.tableSize))
                packets[bucket] += 1
                bytes[bucket] += frame.count
            }
            let table = (0..<mode.tableSize).map(mode.table)

            let captures = try TemporaryDirectory(area: "dpdk")
            let capture = captures.file("known.pcap")
            try writeFile(capture, CaptureFormat.pcap.file(frames.map { (0, $0) }, linkType: .ethernet))
            let options = mode.options + ["--key", hexString(key), "--stop-after", "\(frames.count)",
                                          "--ring-size", "4096", "--yield"]
            let exit = try Primary.with(vdev: "net_pcap0,rx_pcap=\(capture)", workers: mode.workers, options: options,
                                        secondaries: false) { primary in try primary.exit(within: 30) }

            let load = try #require(exit.load)
            #expect(load.packets == packets, "packets per bucket")
            #expect(load.bytes == bytes, "bytes per bucket")
            #expect(load.reta == table)
            #expect(exit.queues.count == mode.workers)
            for (queue, line) in exit.queues.enumerated() {
                let predicted = zip(packets, table).filter { $0.1 == queue }.reduce(0) { $0 + $1.0 }
                #expect(try line.integer("packets") == predicted, "queue \(queue)")
            }
            #expect(try exit.total("dropped") == 0)
            if mode.workers == 1 { #expect(try exit.total("software_hashed") == frames.count) }
        }
    }
}
