#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

extension DPDKPath {
    /// A primary that ends, killed or stopped, is an error for its secondaries, never an idle
    /// port: `rss-count dpdk:` stops within two intervals with status 69 and a message naming the
    /// primary's end, and `rss-apply dpdk:` refuses to write.
    @Suite struct DeadPrimaryTests {
        static let interval = 0.2
        static let signals: [Int32] = [SIGKILL, SIGTERM]

        @Test(arguments: signals)
        func rssCountStopsWithinTwoIntervals(signal: Int32) throws {
            try Primary.with(vdev: "net_null0", workers: 2, options: ["--queues", "2", "--rate", "400", "--yield"],
                             secondaries: true) { primary in
                let counter = try Background([toolDirectory + "/rss-count", primary.device, "--interval", "\(Self.interval)"],
                                             in: primary.directory, name: "count")
                defer { counter.stop() }
                try #require(waitUntil(seconds: 30) { counter.lines().count >= 2 }, "rss-count emits: \(counter.errors())")
                let beforeTheEnd = counter.lines().count
                primary.end(with: signal)
                // A generous limit only so that a failing run ends; the bound is on the records.
                let status = counter.exitStatus(within: 100 * Self.interval)
                let after = counter.lines().count - beforeTheEnd
                #expect(after <= 2, "\(after) records after the primary ended")
                #expect(status == 69)
                #expect(counter.errors().hasPrefix("rss-count: \(primary.device): the DPDK primary"), "\(counter.errors())")
                #expect(counter.errors().contains("has ended"), "\(counter.errors())")
            }
        }

        @Test(arguments: signals)
        func rssApplyRefusesToWrite(signal: Int32) throws {
            try Primary.with(vdev: "net_null0", workers: 2, options: ["--software-rss", "--queues", "2", "--table-size", "8",
                                                                      "--rate", "400", "--yield"],
                             secondaries: true) { primary in
                let feed = try PlanFeed(primary)
                let first = [1, 0, 1, 0, 1, 0, 1, 0], second = [1, 1, 1, 1, 0, 0, 0, 0]
                try feed.send(first, after: try primary.table(), queues: 2)
                try #require(feed.passedOn(1), "\(feed.applier.errors())")
                let block = signal == SIGKILL ? try BlockInHugepages(primary: primary) : nil

                primary.end(with: signal)
                try feed.send(second, after: first, queues: 2)
                #expect(feed.applier.exitStatus(within: 30) == 69)
                #expect(feed.applier.lines().count == 1, "no plan passed on after the primary ended")
                #expect(feed.applier.errors().hasPrefix("rss-apply: \(primary.device): the DPDK primary"), "\(feed.applier.errors())")
                #expect(feed.applier.errors().contains("has ended"), "\(feed.applier.errors())")
                // After SIGKILL the block stays in the hugepage files, where the test reads it.
                if let block { #expect(block.table == first, "the dead primary's table is untouched") }
            }
        }
    }
}
