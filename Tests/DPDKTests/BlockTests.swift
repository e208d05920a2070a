#if canImport(Glibc)
import Glibc
#endif
import RssppDPDK
import Testing
import TestSupport

/// The shared block as rsspp_dpdk.h documents it, laid out by hand here (not by the library's
/// writer), so that the reader's checks are held to the documented layout.
final class HandMadeBlock {
    let size: Int
    let memory: UnsafeMutableRawPointer
    var block: UnsafeMutablePointer<rsspp_block> { memory.assumingMemoryBound(to: rsspp_block.self) }

    init(queues: Int, tableSize: Int) {
        func align64(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }
        let tableOffset = align64(MemoryLayout<rsspp_block>.size)
        let mailboxOffset = tableOffset + align64(tableSize * 2)
        let queueOffset = mailboxOffset + align64(tableSize * 2)
        let stride = 64 + 64 + align64(tableSize * 16)
        size = queueOffset + queues * stride
        memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let entries = (memory + tableOffset).assumingMemoryBound(to: UInt16.self)
        for bucket in 0..<tableSize { entries[bucket] = UInt16(bucket % queues) }
        block.pointee.version = UInt32(RSSPP_LAYOUT_VERSION)
        block.pointee.header_size = UInt32(MemoryLayout<rsspp_block>.size)
        block.pointee.queues = UInt16(queues)
        block.pointee.table_size = UInt32(tableSize)
        block.pointee.table_offset = UInt64(tableOffset)
        block.pointee.mailbox_offset = UInt64(mailboxOffset)
        block.pointee.queue_offset = UInt64(queueOffset)
        // This process is the primary: alive for as long as the test runs.
        block.pointee.primary_pid = getpid()
        block.pointee.primary_start = HandMadeBlock.startTime(of: "self")
        block.pointee.queue_stride = UInt64(stride)
        block.pointee.zone_size = UInt64(size)
        block.pointee.magic = RSSPP_BLOCK_MAGIC
    }

    deinit { memory.deallocate() }

    /// Field 22 of /proc/PID/stat, counted after the command name's closing parenthesis.
    static func startTime(of process: String) -> UInt64 {
        let stat = String(decoding: (try? readFile("/proc/\(process)/stat")) ?? [], as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) ?? 0 : 0
    }

    /// Queue `queue`'s counters at their documented places.
    func setCounters(queue: Int, packets: [UInt64], bytes: [UInt64], busy: UInt64, idle: UInt64) {
        let start = memory + Int(block.pointee.queue_offset) + queue * Int(block.pointee.queue_stride)
        start.storeBytes(of: busy, as: UInt64.self)
        start.storeBytes(of: idle, toByteOffset: 8, as: UInt64.self)
        for bucket in packets.indices {
            start.storeBytes(of: packets[bucket], toByteOffset: 128 + bucket * 16, as: UInt64.self)
            start.storeBytes(of: bytes[bucket], toByteOffset: 128 + bucket * 16 + 8, as: UInt64.self)
        }
    }

    var table: [Int] {
        let entries = (memory + Int(block.pointee.table_offset)).assumingMemoryBound(to: UInt16.self)
        return (0..<Int(block.pointee.table_size)).map { Int(entries[$0]) }
    }

    func check(size: Int? = nil) -> String? {
        withErrorBuffer { rsspp_block_check(block, size ?? self.size, $0, $1) }
    }

    func write(_ table: [Int]) -> String? {
        withErrorBuffer { rsspp_block_write_table(block, table.map { UInt16($0) }, $0, $1) }
    }

    /// rsspp_block_read's failure, or nil when it read.
    func readFailure() -> String? {
        let buckets = Int(block.pointee.table_size), queues = Int(block.pointee.queues)
        var packets = [UInt64](repeating: 0, count: buckets), busy = [UInt64](repeating: 0, count: queues), idle = busy
        return withErrorBuffer { rsspp_block_read(block, &packets, nil, &busy, &idle, $0, $1) }
    }
}

@Suite struct BlockTests {
    @Test func readsSumPacketsAndBytesOverQueues() {
        let made = HandMadeBlock(queues: 3, tableSize: 100)
        #expect(made.check() == nil)
        for queue in 0..<3 {
            made.setCounters(queue: queue, packets: (0..<100).map { UInt64(queue * 1000 + $0) },
                             bytes: (0..<100).map { UInt64(queue * 64 + $0 * 2) }, busy: UInt64(10 + queue), idle: 7)
        }
        var packets = [UInt64](repeating: 0, count: 100), bytes = packets
        var busy = [UInt64](repeating: 0, count: 3), idle = busy
        #expect(withErrorBuffer { rsspp_block_read(made.block, &packets, &bytes, &busy, &idle, $0, $1) } == nil)
        #expect(packets == (0..<100).map { UInt64(3000 + 3 * $0) })
        #expect(bytes == (0..<100).map { UInt64(192 + 6 * $0) })
        #expect(busy == [10, 11, 12])
        #expect(idle == [7, 7, 7])
    }

    @Test func aBlockOfAnotherKindOrVersionIsRefusedByName() {
        let made = HandMadeBlock(queues: 2, tableSize: 8)
        made.block.pointee.version = 1
        #expect(made.check() == "has layout version 1; this program reads layout version 2")
        made.block.pointee.version = UInt32(RSSPP_LAYOUT_VERSION)
        #expect(made.check(size: made.size - 64)?.hasPrefix("is inconsistent (2 queues, 8 buckets") == true)
        made.block.pointee.magic = 0
        #expect(made.check() == "is not an rsspp block (magic 0000000000000000)")
    }

    @Test func theSoftwareTableIsWrittenWholeOrNotAtAll() {
        let made = HandMadeBlock(queues: 4, tableSize: 8)
        #expect(made.write([3, 2, 1, 0, 3, 2, 1, 0]) == nil)
        #expect(made.table == [3, 2, 1, 0, 3, 2, 1, 0])
        #expect(made.block.pointee.table_generation == 1)
        #expect(made.write([0, 0, 0, 0, 0, 4, 0, 0]) == "entry 5 is 4; the block has 4 queues")
        #expect(made.table == [3, 2, 1, 0, 3, 2, 1, 0])
        #expect(made.block.pointee.table_generation == 1)
    }

    /// A block whose zone is shorter than its header, placed against an unmapped page: the check
    /// must refuse it from the zone size alone, reading nothing past the zone.
    @Test func aZoneTooSmallForTheHeaderIsRefusedBeforeItIsRead() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(pages, 2 * page) }
        try #require(mprotect(pages + page, page, PROT_NONE) == 0)
        let zone = 16
        let start = pages + page - zone
        start.storeBytes(of: RSSPP_BLOCK_MAGIC, as: UInt64.self)
        start.storeBytes(of: UInt32(RSSPP_LAYOUT_VERSION), toByteOffset: 8, as: UInt32.self)
        let message = withErrorBuffer { rsspp_block_check(start.assumingMemoryBound(to: rsspp_block.self), zone, $0, $1) }
        #expect(message == "is 16 bytes; the header of layout version 2 has \(MemoryLayout<rsspp_block>.size)")
        #expect(withErrorBuffer { rsspp_block_check(start.assumingMemoryBound(to: rsspp_block.self), 4, $0, $1) }
                == "is 4 bytes, too small for an rsspp block")
    }

    /// A primary that ended leaves its counters frozen: reading them is an error that says so,
    /// whether it freed the block, died, or its pid now belongs to a process started later.
    @Test func aBlockWhosePrimaryEndedIsNotRead() throws {
        let made = HandMadeBlock(queues: 2, tableSize: 8)
        #expect(made.readFailure() == nil)
        made.block.pointee.primary_start += 1
        #expect(made.readFailure() == "the DPDK primary (pid \(getpid())) has ended", "a reused pid")
        #expect(made.write([0, 1, 0, 1, 0, 1, 0, 1]) == "the DPDK primary (pid \(getpid())) has ended")

        let exited = fork()
        if exited == 0 { _exit(0) }
        _ = exitStatus(waitingFor: exited)
        made.block.pointee.primary_pid = exited
        #expect(made.readFailure() == "the DPDK primary (pid \(exited)) has ended")

        made.block.pointee.magic = 0
        #expect(made.readFailure() == "the DPDK primary has ended (it freed the port's rsspp block)")
    }

    /// A table posted to a mailbox nobody answers is withdrawn at the timeout, so that a primary
    /// polling later never applies a table its poster reported as failed.
    @Test func aTableNobodyTakesIsWithdrawn() {
        let made = HandMadeBlock(queues: 2, tableSize: 8)
        made.block.pointee.flags = RSSPP_FLAG_MAILBOX
        let message = withErrorBuffer { rsspp_block_post_table(made.block, [1, 1, 1, 1, 0, 0, 0, 0], 50, $0, $1) }
        #expect(message == "the DPDK primary did not take the table within 50 ms: its control loop does not call "
                + "rsspp_port_poll (rsspp-dpdk(3)); the table was withdrawn")
        #expect(made.block.pointee.mailbox_state == RSSPP_MAILBOX_EMPTY.rawValue)
        #expect(made.block.pointee.table_lock == 0)
        #expect(made.table == [0, 1, 0, 1, 0, 1, 0, 1], "the table in force is the one the block started with")
    }
}
