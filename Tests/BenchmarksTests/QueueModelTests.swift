import Benchmarks
import RSSRecords
import Testing

private func close(_ value: Double, _ expected: Double, within relative: Double = 1e-9) -> Bool {
    abs(value - expected) <= relative * abs(expected)
}

@Test func anOverloadedCoreBuildsBacklogUntilItsRingIsFullThenDrops() {
    // 1.5 cores offered as 5120 packets per 0.1 s epoch: 29.3 µs a packet, so the 4096-packet ring
    // holds 4096 × 1.5 / 5120 = 1.2 epochs of work.
    var model = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    var backlogs: [Double] = []
    for _ in 0..<4 {
        model.serve(demand: [1.5], packets: [5120], moves: [], bucketPackets: [5120])
        backlogs.append(model.backlog[0])
    }
    for (backlog, expected) in zip(backlogs, [0.5, 1.0, 1.2, 1.2]) { #expect(close(backlog, expected), "\(backlogs)") }
    // Epoch 3 overflows by 0.3 epochs, epoch 4 by the whole 0.5 the core cannot serve: 0.8 epochs
    // of 0.1 s, at 5120 / 1.5 packets per epoch of work.
    #expect(close(model.droppedWork, 0.08))
    #expect(close(model.droppedPackets, 0.8 * 5120 / 1.5))
}

@Test func aLightlyLoadedCoreDelaysAPacketByItsServiceTime() {
    // 10 packets of 1 µs in 0.1 s: utilisation 1e-4, whose M/D/1 wait (5e-5 µs) is below the 1% read.
    var idle = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    idle.serve(demand: [1e-4], packets: [10], moves: [], bucketPackets: [10])
    #expect(close(idle.latency.percentile(0.99), 1e-6, within: 0.01))
    // Half loaded with 1 µs packets: the M/D/1 wait 0.5 × 1 / (2 × 0.5) = 0.5 µs on top of service.
    var half = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    half.serve(demand: [0.5], packets: [50000], moves: [], bucketPackets: [50000])
    #expect(close(half.latency.percentile(0.5), 1.5e-6, within: 0.01))
    #expect(half.backlog == [0] && half.droppedPackets == 0)
}

@Test func aMovedBucketWaitsForItsOldCoreToDrain() {
    // Epoch 1: queue 0 is offered 1.5 cores in 5120 packets and keeps 0.5 epochs (50 ms) of work;
    // queue 1 is half loaded with 1 µs packets. Epoch 2: bucket 2 with 1000 of queue 1's 50000
    // packets has just moved there from queue 0.
    func run(moving: Bool) -> QueueModel {
        var model = QueueModel(queues: 2, interval: 0.1, meanCostNanoseconds: 400)
        model.serve(demand: [1.5, 0.5], packets: [5120, 50000], moves: [], bucketPackets: [5120, 50000, 0])
        model.serve(demand: [0, 0.5], packets: [0, 50000], moves: moving ? [Move(bucket: 2, from: 0, to: 1)] : [],
                    bucketPackets: [0, 49000, 1000])
        return model
    }
    let (moved, stayed) = (run(moving: true), run(moving: false))
    // Without the move the slowest packets are queue 0's in epoch 1: a mean backlog of 25 ms, then
    // the M/D/1 wait at the 0.999 cap with 29.3 µs packets.
    let cost = 1.5 * 0.1 / 5120
    let overloaded = 0.025 + 0.999 * cost / (2 * 0.001) + cost
    #expect(close(stayed.latency.percentile(1), overloaded, within: 0.01))
    // With it the moved 1000 of 105120 packets wait 50 ms for queue 0, then 1.5 µs on queue 1.
    #expect(close(moved.latency.percentile(1), 0.05 + 1.5e-6, within: 0.01))
    #expect(close(moved.latency.percentile(1 - 500.0 / 105120), 0.05 + 1.5e-6, within: 0.01))
    #expect(close(moved.latency.percentile(1 - 1500.0 / 105120), overloaded, within: 0.01))
    #expect(moved.backlog == [0, 0])
}

@Test func nothingServedHasNoLatency() {
    let model = QueueModel(queues: 2, interval: 0.1, meanCostNanoseconds: 400)
    #expect(model.latency.percentile(0.99) == 0)
}
