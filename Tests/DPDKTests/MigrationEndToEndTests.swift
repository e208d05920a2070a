#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

extension DPDKPath {
    /// The fourth tool in the loop: `rss-count dpdk: | rss-plan | rss-apply | rss-migrate SOCKET`
    /// against rsspp-sink, which makes skewed traffic itself (every flow numbered) and spends
    /// work on each packet. The load gets balanced, the sink's owner acknowledges every plan's
    /// moves, and every flow's state ends exact.
    @Suite struct MigrationEndToEndTests {
        static let rate = 4000.0
        /// The queue flow 0 lands on carries this share of 256 flows at Zipf 1.1 under the first
        /// table (the generator's flows are fixed): the load starts skewed.
        static let hotShare = 0.57
        static let epochs = 12
        static let settlingEpochs = 6

        @Test func balancingWithMigrationsKeepsEveryFlowExact() throws {
            let sockets = try TemporaryDirectory(area: "dpdk")
            let socket = sockets.file("owner.sock")
            let options = ["--software-rss", "--queues", "4", "--generate-flows", "256:1.1", "--check-flows",
                           "--rate", "\(Int(Self.rate))", "--yield", "--owner-socket", socket,
                           "--work-cycles", "\(try workCycles(load: 0.6, packetsPerSecond: Self.rate * Self.hotShare))"]
            var loads: [LoadRecord] = [], plans: [PlanRecord] = [], migrated: [MigratedRecord] = []
            let exit = try Primary.with(vdev: "net_null0", workers: 4, options: options, secondaries: true) { primary in
                let result = try shell("rss-count \(primary.device) --interval 0.5 --epochs \(Self.epochs) | tee loads "
                                       + "| rss-plan | rss-apply | rss-migrate '\(socket)' > migrated", in: primary.directory)
                #expect(result.status == 0, "\(result.stderr)")
                let lines = try String(decoding: readFile(primary.directory.file("loads")), as: UTF8.self).split(separator: "\n")
                loads = try lines.enumerated().map { try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1) }
                for (number, line) in try String(decoding: readFile(primary.directory.file("migrated")), as: UTF8.self)
                    .split(separator: "\n").enumerated() {
                    if line.contains("\"type\":\"plan\"") {
                        plans.append(try PlanRecord(jsonLine: Array(line.utf8), lineNumber: number + 1))
                    } else {
                        migrated.append(try MigratedRecord(jsonLine: Array(line.utf8), lineNumber: number + 1))
                    }
                }
                return try primary.stop()
            }

            let imbalances = loads.map { imbalance($0.queueLoad, over: Array(0..<$0.queues)) }
            try #require(imbalances.count == Self.epochs && imbalances[0] > 0.6,
                         "the load must start skewed: \(loads.first.map(\.queueLoad) ?? [])")
            let settled = imbalances.dropFirst(Self.settlingEpochs)
            #expect(settled.allSatisfy { $0 < imbalances[0] / 2 }, "imbalance per epoch \(imbalances)")

            let written = plans.filter { $0.applied != nil && !$0.moves.isEmpty }
            #expect(!written.isEmpty, "rss-apply wrote tables that moved buckets")
            #expect(migrated.count == written.count, "one migrated record per written plan with moves")
            for record in migrated {
                #expect(record.owners.count == 1 && record.owners.allSatisfy(\.acked),
                        "migrate \(record.seq): \(record.owners.map { $0.error ?? "acked" })")
            }

            let owner = try #require(exit.owner)
            #expect(try owner.integer("handovers") >= written.reduce(0) { $0 + $1.moves.count },
                    "every move written was handed over")
            try exit.expectEveryFlowExact("imbalance per epoch \(imbalances)")
            #expect(access(socket, F_OK) != 0, "the sink removed its control socket")
        }
    }
}
