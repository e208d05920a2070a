import RssppDPDK
import Testing

/// The shared block as rsspp_dpdk.h documents it, laid out by hand here (not by the library's
/// writer), so that the reader's checks are held to the documented layout.
final class HandMadeBlock {
    let size: Int
    let memory: UnsafeMutableRawPointer
    var block: UnsafeMutablePointer<rsspp_block> { memory.assumingMemoryBound(to: rsspp_block.self) }

    init(queues: Int, tableSize: Int) {
        func align64(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }
        let tableOffset = align64(MemoryLayout<rsspp_block>.size)
        let queueOffset = tableOffset + align64(tableSize * 2)
        let stride = 64 + 64 + align64(tableSize * 16)
        size = queueOffset + queues * stride
        memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        block.pointee.version = UInt32(RSSPP_LAYOUT_VERSION)
        block.pointee.header_size = UInt32(MemoryLayout<rsspp_block>.size)
        block.pointee.queues = UInt16(queues)
        block.pointee.table_size = UInt32(tableSize)
        block.pointee.table_offset = UInt64(tableOffset)
        block.pointee.queue_offset = UInt64(queueOffset)
        block.pointee.queue_stride = UInt64(stride)
        block.pointee.zone_size = UInt64(size)
        block.pointee.magic = RSSPP_BLOCK_MAGIC
    }

    deinit { memory.deallocate() }

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
}

private func withErrorBuffer(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: 256)
    guard buffer.withUnsafeMutableBufferPointer({ call($0.baseAddress!, $0.count) }) != 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
        rsspp_block_read(made.block, &packets, &bytes, &busy, &idle)
        #expect(packets == (0..<100).map { UInt64(3000 + 3 * $0) })
        #expect(bytes == (0..<100).map { UInt64(192 + 6 * $0) })
        #expect(busy == [10, 11, 12])
        #expect(idle == [7, 7, 7])
    }

    @Test func aBlockOfAnotherKindOrVersionIsRefusedByName() {
        let made = HandMadeBlock(queues: 2, tableSize: 8)
        made.block.pointee.version = 2
        #expect(made.check() == "has layout version 2; this program reads layout version 1")
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
}
