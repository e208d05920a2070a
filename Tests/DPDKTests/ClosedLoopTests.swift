import NICSim
import RSSHash
import RSSRecords
import Statistics
import Testing
import TestSupport

extension DPDKPath {
    /// Proof 3 of the DPDK path: rsspp-sink in software RSS mode (net_pcap has no RSS) replays a
    /// skewed capture with per-packet work; `rss-count dpdk: | rss-plan | rss-apply` makes
    /// per-queue load measurably more even within a bounded number of epochs, and the table
    /// changes lose no packet.
    @Suite struct ClosedLoopTests {
        static let rate = 2000.0
        static let interval = 0.5
        /// What the balanced table must reach after the first `settlingEpochs`: imbalance
        /// (max/mean - 1) under half the skewed one in every epoch, and under this in the median
        /// epoch. Loads are measured on worker threads that share this host's two cores with the
        /// rest of the suite, so one epoch may stray above it.
        static let balancedImbalance = 0.35
        static let settlingEpochs = 4

        @Test func balancingEvensTheLoadAndLosesNoPacket() throws {
            let captures = try TemporaryDirectory(area: "dpdk")
            let capture = captures.file("skewed.pcap")
            let traffic = SkewedTraffic(tableSize: 128, queues: 4)
            try writeFile(capture, CaptureFormat.pcap.file(traffic.frames().map { (0, $0) }, linkType: .ethernet))
            let options = ["--software-rss", "--queues", "4", "--rate", "\(Int(Self.rate))", "--yield",
                           "--work-cycles", "\(try workCycles(load: 0.45, packetsPerSecond: Self.rate * traffic.hotShare))"]

            let exit = try Primary.with(vdev: "net_pcap0,rx_pcap=\(capture),infinite_rx=1", workers: 4, options: options,
                                        secondaries: true) { primary in
                let records = try balance(primary)
                let imbalances = records.map(Self.imbalanceOf)
                try #require(imbalances.count == 8 && imbalances[0] > 0.6,
                             "the capture must start skewed: \(records.first.map(\.queueLoad) ?? [])")
                let settled = imbalances.dropFirst(Self.settlingEpochs)
                #expect(settled.allSatisfy { $0 < imbalances[0] / 2 } && percentile(Array(settled), 0.5) < Self.balancedImbalance,
                        "imbalance per epoch \(imbalances); loads \(records.map(\.queueLoad))")
                #expect(records.last!.reta != records.first!.reta, "the table changed")
                return try primary.stop()
            }
            let port = try #require(exit.port)
            #expect(try exit.total("dropped") == 0)
            #expect(try exit.total("packets") == port.integer("dispatcher_received"), "every packet received was processed")
            for (queue, line) in exit.queues.enumerated() {
                #expect(try line.integer("packets") == line.integer("dispatched"), "queue \(queue)")
            }
        }

        static func imbalanceOf(_ record: LoadRecord) -> Double {
            imbalance(record.queueLoad, over: Array(0..<record.queues))
        }

        /// `rss-count | rss-plan | rss-apply` for 8 epochs, the load records kept with tee.
        func balance(_ primary: Primary) throws -> [LoadRecord] {
            let result = try shell("rss-count \(primary.device) --interval \(Self.interval) --epochs 8 | tee loads "
                                   + "| rss-plan | rss-apply > applied", in: primary.directory)
            #expect(result.status == 0, "\(result.stderr)")
            return try loadRecords(in: primary.directory.file("loads"))
        }

        func loadRecords(in path: String) throws -> [LoadRecord] {
            try String(decoding: readFile(path), as: UTF8.self).split(separator: "\n").enumerated()
                .map { try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1) }
        }
    }
}

/// Flows chosen by their bucket: 8 heavy flows in buckets of queue 0 under the table
/// `bucket mod queues`, and light flows spread evenly, so that queue 0 carries most of the
/// load and moving heavy buckets can even it out.
struct SkewedTraffic {
    let tableSize: Int
    let queues: Int
    static let heavyWeight = 6
    static let heavyFlows = 8
    static let lightFlowsPerQueue = 12

    var hotShare: Double {
        let heavy = Double(Self.heavyFlows * Self.heavyWeight), light = Double(Self.lightFlowsPerQueue)
        return (heavy + light) / (heavy + light * Double(queues))
    }

    func frames() -> [[UInt8]] {
        var random = SeededGenerator(seed: 33)
        let hasher = RSSHasher()
        var used = Set<Int>()
        var heavy: [[UInt8]] = [], light = [[[UInt8]]](repeating: [], count: queues)
        while heavy.count < Self.heavyFlows || light.contains(where: { $0.count < Self.lightFlowsPerQueue }) {
            let flow = FlowTuple(type: .udp4, source: random.bytes(4), destination: random.bytes(4),
                                 sourcePort: UInt16(truncatingIfNeeded: random.next()), destinationPort: 4789)
            let bucket = Int(hasher.hash(flow) % UInt32(tableSize))
            guard used.insert(bucket).inserted else { continue }
            let frame = TestPacket(flow, at: 0).ethernetFrame()
            let queue = bucket % queues
            if queue == 0 && heavy.count < Self.heavyFlows {
                heavy.append(frame)
            } else if light[queue].count < Self.lightFlowsPerQueue {
                light[queue].append(frame)
            }
        }
        let round = heavy.flatMap { Array(repeating: $0, count: Self.heavyWeight) } + light.flatMap { $0 }
        return (0..<4).flatMap { _ in round.shuffled(using: &random) }
    }
}
