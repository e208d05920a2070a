import Synchronization

/// A packet of the stress test: its flow, its place in the flow, its place in the dispatch.
struct FlowPacket {
    var flow: Int32 = 0
    var sequence: UInt32 = 0
    var stamp: UInt64 = 0
}

/// A single-producer single-consumer ring: the dispatcher pushes, one worker pops, as a NIC
/// queue would be filled and drained.
final class SPSCRing: @unchecked Sendable {
    let capacity: Int
    private let slots: UnsafeMutablePointer<FlowPacket>
    private let head = Atomic<Int>(0) // the next slot to pop, the consumer's
    private let tail = Atomic<Int>(0) // the next slot to push, the producer's

    init(capacity: Int) {
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: FlowPacket(), count: capacity)
    }

    deinit { slots.deallocate() }

    /// False when the ring is full.
    func push(_ packet: FlowPacket) -> Bool {
        let end = tail.load(ordering: .relaxed)
        guard end - head.load(ordering: .acquiring) < capacity else { return false }
        slots[end % capacity] = packet
        tail.store(end + 1, ordering: .releasing)
        return true
    }

    /// Pops up to `burst.count` packets into `burst`; how many.
    func pop(into burst: UnsafeMutableBufferPointer<FlowPacket>) -> Int {
        let start = head.load(ordering: .relaxed)
        let count = min(tail.load(ordering: .acquiring) - start, burst.count)
        for i in 0..<count { burst[i] = slots[(start + i) % capacity] }
        head.store(start + count, ordering: .releasing)
        return count
    }

    /// Packets waiting now (exact from the consumer's thread, the backlog a NIC would report).
    var count: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
}
