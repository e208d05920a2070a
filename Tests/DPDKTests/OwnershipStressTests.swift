import NICSim
import RSSRecords
import Testing
import TestSupport

extension DPDKPath {
    /// Per-bucket ownership under load: rsspp-sink in software RSS makes skewed traffic itself
    /// (every flow numbered), 4 workers keep each flow's state, and rss-apply rewrites the table
    /// every few milliseconds for about 10 s. Whatever moved, every flow's state must end equal
    /// to what was sent, with no packet reordered, lost or dropped, and no two workers ever
    /// inside one bucket's table.
    @Suite struct OwnershipStressTests {
        static let queues = 4
        static let tableSize = 128
        /// At rss-apply's pace through the mailbox (a few milliseconds each), about 10 s.
        static let plans = 3000
        static let movesPerPlan = 8
        /// Bucket handovers the sink must report: thousands, though a move of a bucket no packet
        /// reaches before it moves again hands nothing over.
        static let minimumHandovers = 3000
        static let options = ["--software-rss", "--queues", "\(queues)", "--generate-flows", "256:1.1",
                              "--check-flows", "--yield", "--mbufs", "16383"]

        @Test func thousandsOfMigrationsKeepEveryFlowExact() throws {
            let seed = testSeed(default: 8)
            var lastTable: [Int] = []
            let exit = try Primary.with(vdev: "net_null0", workers: Self.queues, options: Self.options,
                                        secondaries: true) { primary in
                let plans = Self.plans(device: primary.device, seed: seed)
                lastTable = plans.last!.reta
                try writeFile(primary.directory.file("plans"),
                              plans.map { String(decoding: $0.jsonLine(), as: UTF8.self) + "\n" }.joined())
                let applied = try shell("rss-apply < plans > applied", in: primary.directory)
                #expect(applied.status == 0, "rss-apply: \(applied.stderr)")
                let written = try String(decoding: readFile(primary.directory.file("applied")), as: UTF8.self)
                    .split(separator: "\n").filter { $0.contains("\"applied\":") }.count
                #expect(written == Self.plans, "rss-apply wrote \(written) of \(Self.plans) tables (seed \(seed))")
                return try primary.stop()
            }
            let owner = try #require(exit.owner)
            #expect(exit.load?.reta == lastTable, "the last table written is the one in force")
            let handovers = try owner.integer("handovers")
            #expect(handovers >= Self.minimumHandovers, "\(handovers) handovers (seed \(seed))")
            try exit.expectEveryFlowExact("seed \(seed)")
            // The figures behind the verdict, for the CI log.
            print("ownership stress (seed \(seed)): \(Self.plans) tables, \(handovers) handovers, "
                + "\(try exit.port?.integer("dispatcher_received") ?? 0) packets, "
                + "\(try owner.integer("parked")) parked and replayed, "
                + "\(try exit.flows?.integer("reordered") ?? -1) reordered")
        }

        /// Plans chained from the table the sink starts with (bucket mod queues), each moving
        /// `movesPerPlan` random buckets to another queue.
        static func plans(device: String, seed: UInt64) -> [PlanRecord] {
            var random = SeededGenerator(seed: seed)
            var table = (0..<tableSize).map { $0 % queues }
            return (0..<plans).map { _ in
                var next = table
                for bucket in (0..<tableSize).shuffled(using: &random).prefix(movesPerPlan) {
                    next[bucket] = (next[bucket] + Int.random(in: 1..<queues, using: &random)) % queues
                }
                defer { table = next }
                return PlanRecord(device: device, queues: queues, reta: next, moves: Move.between(table, next),
                                  active: Array(0..<queues))
            }
        }
    }
}
