#if canImport(Glibc)
import Glibc
#endif
import RssppDPDK
import Testing
import TestSupport

extension DPDKPath {
    /// The table mailbox of rsspp-dpdk(3) on a PMD with a RETA (net_null, 4 queues): rss-apply
    /// posts a table, the primary applies it in rsspp_port_poll and answers; what the PMD then
    /// holds is read by DPDK itself in a separate secondary (reta-query), never through rsspp.
    @Suite struct MailboxTests {
        static let size = 128
        static let options = ["--queues", "4", "--rate", "400", "--yield"]

        @Test func aPostedTableIsAppliedByThePrimary() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.options, secondaries: true) { primary in
                let before = try PMDTable.query(primary)
                let reta = (0..<Self.size).map { ($0 * 7 + 1) % 4 }
                try #require(reta != before)
                let feed = try PlanFeed(primary)
                try feed.send(reta, after: before, queues: 4)
                try #require(feed.passedOn(1), "\(feed.applier.errors())")

                #expect(try PMDTable.query(primary) == reta, "the PMD holds the posted table")
                let block = try BlockInHugepages(primary: primary)
                #expect(block.table == reta, "the primary mirrored it into its block")
                #expect(block.block.pointee.mailbox_state == RSSPP_MAILBOX_EMPTY.rawValue, "rss-apply took the answer")
            }
        }

        @Test func aTableThePrimaryRefusesIsReportedWithItsReason() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.options, secondaries: true) { primary in
                let before = try PMDTable.query(primary)
                // Posted from the test's own mapping of the block: rss-apply would refuse this table
                // itself, before it reached the primary.
                let block = try BlockInHugepages(primary: primary)
                let bad = (0..<Self.size).map { UInt16($0 == 5 ? 4 : $0 % 4) }
                let message = withErrorBuffer { rsspp_block_post_table(block.block, bad, 10_000, $0, $1) }
                #expect(message == "the DPDK primary refused the table: entry 5 is 4; the block has 4 queues")
                #expect(try PMDTable.query(primary) == before, "the PMD's table is untouched")
                #expect(try primary.errors().contains("rsspp-sink: refused a table: entry 5 is 4; the block has 4 queues"))
            }
        }

        /// A primary that stops polling (here: stopped with SIGSTOP after rss-apply attached) does
        /// not take the table; rss-apply withdraws it at the timeout and says why, and the
        /// primary, once it runs again, never applies it.
        @Test func aPrimaryThatDoesNotPollTimesOut() throws {
            try Primary.with(vdev: "net_null0", workers: 4, options: Self.options, secondaries: true) { primary in
                let first = (0..<Self.size).map { 3 - $0 % 4 }, second = (0..<Self.size).map { $0 % 2 }
                let feed = try PlanFeed(primary)
                try feed.send(first, after: try PMDTable.query(primary), queues: 4)
                try #require(feed.passedOn(1), "\(feed.applier.errors())")

                primary.signal(SIGSTOP)
                try feed.send(second, after: first, queues: 4)
                let status = feed.applier.exitStatus(within: 60)
                primary.signal(SIGCONT)
                #expect(status == 69)
                #expect(feed.applier.errors() == "rss-apply: \(primary.device): the DPDK primary did not take the table "
                        + "within \(RSSPP_MAILBOX_TIMEOUT_MS) ms: its control loop does not call rsspp_port_poll "
                        + "(rsspp-dpdk(3)); the table was withdrawn\n")
                // The primary's report comes from its control loop, after the poll of the same turn.
                #expect(try primary.table() == first)
                #expect(try PMDTable.query(primary) == first, "the withdrawn table never reached the PMD")
            }
        }
    }
}

/// Runs a C call that reports failure as non-zero with a message in a buffer; the message.
func withErrorBuffer(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: 512)
    guard buffer.withUnsafeMutableBufferPointer({ call($0.baseAddress!, $0.count) }) != 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
