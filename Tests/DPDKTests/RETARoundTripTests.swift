#if canImport(Glibc)
import Glibc
#endif
import NICSim
import RSSRecords
import RssppDPDK
import Testing
import TestSupport

extension DPDKPath {
    /// Proof 1 of the DPDK path: on a real PMD (net_null: RETA update and query, 128 entries) with
    /// 4 queues, `rss-apply dpdk:` gets tables of every shape into the RETA, through the primary's
    /// mailbox or written from its own process when the primary has none (--no-mailbox), and
    /// DPDK's own query from another secondary, `rss-count dpdk:` and the primary itself read each
    /// one back; tables that do not fit are refused before they reach the PMD.
    @Suite struct RETARoundTripTests {
        static let size = 128

        static var shapes: [(name: String, reta: [Int])] {
            var random = SeededGenerator(seed: 4)
            return [
                ("every bucket on queue 2", Array(repeating: 2, count: size)),
                ("round robin", (0..<size).map { $0 % 4 }),
                ("reversed round robin", (0..<size).map { 3 - $0 % 4 }),
                ("contiguous quarters", (0..<size).map { $0 * 4 / size }),
                ("queues 1 and 3 only", (0..<size).map { $0 % 2 == 0 ? 1 : 3 }),
                ("the edges of both 64-entry groups", (0..<size).map { [0: 3, 63: 1, 64: 2, 127: 1][$0] ?? 0 }),
                ("seeded random", (0..<size).map { _ in Int(random.next() % 4) }),
            ]
        }

        static let primaryOptions = ["--queues", "4", "--rate", "400", "--yield"]

        func plan(_ reta: [Int], after previous: [Int], device: String, queues: Int = 4) -> String {
            let record = PlanRecord(device: device, queues: queues, reta: reta, moves: Move.between(previous, reta),
                                    active: Array(0..<queues))
            return String(decoding: record.jsonLine(), as: UTF8.self)
        }

        func counted(_ primary: Primary) throws -> LoadRecord {
            let result = try shell("rss-count \(primary.device) --epochs 1 --interval 0.05", in: primary.directory)
            #expect(result.status == 0, "\(result.stderr)")
            return try LoadRecord(jsonLine: Array(result.stdout.utf8), lineNumber: 1)
        }

        @Test(arguments: [[], ["--no-mailbox"]])
        func tablesOfEveryShapeReadBackEqual(mailbox: [String]) throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.primaryOptions + mailbox, secondaries: true) { primary in
                var previous = try primary.table()
                for (index, shape) in Self.shapes.enumerated() {
                    try writeFile(primary.directory.file("plan"), plan(shape.reta, after: previous, device: primary.device))
                    // Every other plan names no target: rss-apply writes to the plan's device.
                    let target = index % 2 == 0 ? primary.device : ""
                    let applied = try shell("rss-apply \(target) < plan", in: primary.directory)
                    #expect(applied.status == 0, "\(shape.name): \(applied.stderr)")
                    #expect(try PlanRecord(jsonLine: Array(applied.stdout.utf8), lineNumber: 1).applied != nil, "\(shape.name)")

                    #expect(try PMDTable.query(primary) == shape.reta, "\(shape.name): the PMD holds it")
                    let record = try counted(primary)
                    #expect(record.reta == shape.reta, "\(shape.name): rss-count reads it back")
                    #expect(record.queues == 4)
                    #expect(record.device == primary.device)
                    #expect(try primary.table() == shape.reta, "\(shape.name): the primary reads it back")
                    previous = shape.reta
                }
            }
        }

        @Test func tablesThatDoNotFitAreRefusedBeforeThePMD() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.primaryOptions, secondaries: true) { primary in
                let before = try primary.table()
                let wrongQueue = (0..<Self.size).map { $0 == 77 ? 6 : $0 % 4 }
                let cases: [(plan: String, message: String)] = [
                    (plan(wrongQueue, after: before, device: primary.device, queues: 8),
                     "\"reta\" entry 77 is 6; \(primary.device) has 4 queues"),
                    (plan((0..<64).map { $0 % 4 }, after: Array(before.prefix(64)), device: primary.device),
                     "\"reta\" table has 64 entries; \(primary.device) has 128"),
                ]
                for refused in cases {
                    try writeFile(primary.directory.file("plan"), refused.plan)
                    let result = try shell("rss-apply < plan", in: primary.directory)
                    #expect(result.status == 65)
                    #expect(result.stderr == "rss-apply: line 1: \(refused.message)\n")
                    #expect(result.stdout.isEmpty)
                }
                #expect(try PMDTable.query(primary) == before, "the PMD's table is untouched")
                #expect(try counted(primary).reta == before)
            }
        }

        @Test func anAbsentPortOrPrimaryIsNamed() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.primaryOptions, secondaries: true) { primary in
                let absent = "dpdk:3@\(primary.prefix)"
                let count = try shell("rss-count \(absent) --epochs 1", in: primary.directory)
                #expect(count.status == 69)
                #expect(count.stderr == "rss-count: \(absent): port 3 is absent; the primary has port 0 (net_null0)\n")
                try writeFile(primary.directory.file("plan"), plan(Array(repeating: 1, count: Self.size),
                                                                   after: try primary.table(), device: absent))
                let apply = try shell("rss-apply < plan", in: primary.directory)
                #expect(apply.status == 69)
                #expect(apply.stderr.contains("port 3 is absent"), "\(apply.stderr)")
            }
            let gone = "rsspp-dpdk-\(getpid())-gone"
            let result = try shell("rss-count dpdk:0@\(gone) --epochs 1", in: try TemporaryDirectory(area: "dpdk"))
            #expect(result.status == 69)
            #expect(result.stderr.contains("no DPDK primary with file prefix \"\(gone)\" is running"), "\(result.stderr)")
        }

        @Test func aBlockOfAnotherLayoutVersionIsRefused() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.primaryOptions, secondaries: true) { primary in
                let block = try BlockInHugepages(primary: primary)
                block.setVersion(UInt32(RSSPP_LAYOUT_VERSION) + 1)
                let result = try shell("rss-count \(primary.device) --epochs 1", in: primary.directory)
                block.setVersion(UInt32(RSSPP_LAYOUT_VERSION))
                #expect(result.status == 69)
                #expect(result.stderr == "rss-count: \(primary.device): memzone rsspp_port_0 has layout version "
                        + "\(RSSPP_LAYOUT_VERSION + 1); this program reads layout version \(RSSPP_LAYOUT_VERSION)\n")
                #expect(try shell("rss-count \(primary.device) --epochs 1 --interval 0.05", in: primary.directory).status == 0)
            }
        }
    }
}
