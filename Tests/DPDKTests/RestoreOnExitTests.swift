#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

extension DPDKPath {
    /// `rss-apply dpdk: --restore-on-exit` puts the table found at start back through its rss-dpdk,
    /// also when SIGTERM reaches every process of the pipeline at once, as a terminal's ^C or a
    /// service manager's stop does.
    @Suite struct RestoreOnExitTests {
        @Test func aSignalToEveryProcessStillRestoresTheTable() throws {
            try Primary.with(vdev: "net_null0", workers: 2, options: ["--software-rss", "--queues", "2", "--table-size", "8",
                                                                      "--rate", "400", "--yield"],
                             secondaries: true) { primary in
                let found = try primary.table()
                let written = found.map { 1 - $0 }
                let feed = try PlanFeed(primary, options: "--restore-on-exit")
                try feed.send(written, after: found, queues: 2)
                try #require(feed.passedOn(1), "\(feed.applier.errors())")
                try #require(try primary.table() == written)

                let helpers = try feed.applier.children()
                try #require(helpers.count == 1, "rss-apply runs one rss-dpdk: \(helpers)")
                for pid in helpers + [feed.applier.pid] { kill(pid, SIGTERM) }
                #expect(feed.applier.exitStatus(within: 30) == 128 + SIGTERM, "\(feed.applier.errors())")
                #expect(try primary.table() == found, "the table found at start is back")
            }
        }
    }
}
