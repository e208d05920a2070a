import Benchmarks
import RSSRecords
import Testing

private func close(_ value: Double, _ expected: Double, within relative: Double = 1e-9) -> Bool {
    abs(value - expected) <= relative * abs(expected)
}

/// Within `slack` seconds (a slice's step of the wait) and the histogram's 1% read.
private func near(_ value: Double, _ expected: Double, slack: Double) -> Bool {
    abs(value - expected) <= slack + 0.01 * expected
}

@Test func anOverloadedCoreBuildsBacklogUntilItsRingIsFullThenDrops() {
    // 1.5 cores offered as 5120 packets per 0.1 s epoch: 29.3 µs a packet, so the core keeps 0.05 s
    // = 5120 / 3 packets a epoch, and the 4096-packet ring holds 0.12 s.
    var model = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    var backlogs: [Double] = []
    for _ in 0..<4 {
        model.serve(demand: [1.5], packets: [5120], moves: [], bucketPackets: [5120])
        backlogs.append(model.backlog[0])
    }
    for (backlog, expected) in zip(backlogs, [5120.0 / 3, 10240.0 / 3, 4096, 4096]) {
        #expect(close(backlog, expected), "\(backlogs)")
    }
    // Epoch 3 overflows by 0.03 s of work, epoch 4 by the whole 0.05 s the core cannot serve:
    // 0.08 s at 29.3 µs a packet.
    #expect(close(model.droppedWork, 0.08))
    #expect(close(model.droppedPackets, 0.08 * 5120 / 0.15))
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

/// One packet at 1.1 cores in 0.1 s leaves 0.01 s of work (1/11 of a 0.11 s packet) and weighs
/// 1 among the tens of thousands below.
private func backlogOf10Milliseconds(_ model: inout QueueModel, others: [Double] = [], otherPackets: [Int] = []) {
    model.serve(demand: [1.1] + others, packets: [1] + otherPackets, moves: [], bucketPackets: [1] + otherPackets)
}

@Test func aDrainingCoreDelaysOnlyTheEarlyPackets() {
    var model = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    backlogOf10Milliseconds(&model)
    // Half loaded with 50000 packets of 1 µs: the 10 ms drain at 0.5 s a second, empty at 20 ms.
    // The 40000 packets after that wait 1.5 µs; the 10000 before it wait 10 ms down to 0, evenly.
    model.serve(demand: [0.5], packets: [50000], moves: [], bucketPackets: [50000])
    #expect(close(model.latency.percentile(0.75), 1.5e-6, within: 0.01))
    // Rank 45001 of 50001 is the middle of the 10000: 5 ms, to within a slice (20 ms / 32 of
    // arrivals, 0.3125 ms of backlog).
    #expect(near(model.latency.percentile(0.9), 0.005 + 1.5e-6, slack: 0.0003125))
    #expect(model.backlog == [0])
}

@Test func aFillingCoreDelaysLaterPacketsMore() {
    // 1.5 cores in 5120 packets of 29.3 µs: the backlog grows 0.5 s a second, 0 to 50 ms, and each
    // packet also waits the M/D/1 wait at the 0.999 cap (499.5 packets) and its own service.
    var model = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    model.serve(demand: [1.5], packets: [5120], moves: [], bucketPackets: [5120])
    let queueing = 500.5 * 0.15 / 5120
    // The 10th and 90th percentile packets arrive at 10 and 90 ms: 5 and 45 ms of backlog, to
    // within a slice (3.125 ms of arrivals, 1.5625 ms of backlog).
    #expect(near(model.latency.percentile(0.1), 0.005 + queueing, slack: 0.0015625))
    #expect(near(model.latency.percentile(0.9), 0.045 + queueing, slack: 0.0015625))
}

@Test func packetsDroppedAtAFullRingAreNotCounted() {
    // 2 cores in 16384 packets per 10 s epoch: 1.22 ms a packet, a 5 s ring, full at 5 s. The
    // first 8192 packets wait their backlog (0 to 5 s) + 500.5 packets (0.611 s); of the 8192
    // after, half are dropped (5 s of work) and half wait the ring and their service, 5.001 s.
    var model = QueueModel(queues: 1, interval: 10, meanCostNanoseconds: 400)
    model.serve(demand: [2], packets: [16384], moves: [], bucketPackets: [16384])
    #expect(close(model.droppedWork, 5))
    #expect(close(model.droppedPackets, 4096))
    // Of the 12288 served, the median (rank 6144) is among the first 8192: 3.75 s of backlog, to
    // within a slice (0.15625 s). Counting the dropped too, it would be the ring's 5.001 s.
    let cost = 20.0 / 16384
    #expect(near(model.latency.percentile(0.5), 3.75 + 500.5 * cost, slack: 0.15625))
}

@Test func aCostChangeKeepsTheBacklogsPackets() {
    // 0.05 s of work in 5120 / 3 packets of 29.3 µs, then an epoch of 100 ns packets at 0.9
    // cores: the backlog drains by 0.01 s to 0.04 s, four fifths of its packets, and nothing
    // is dropped. Then 1.5 cores again: 0.04 + 0.05 = 0.09 s, 3072 packets, within the ring.
    var model = QueueModel(queues: 1, interval: 0.1, meanCostNanoseconds: 400)
    model.serve(demand: [1.5], packets: [5120], moves: [], bucketPackets: [5120])
    model.serve(demand: [0.9], packets: [900_000], moves: [], bucketPackets: [900_000])
    #expect(close(model.backlog[0], 0.8 * 5120 / 3))
    model.serve(demand: [1.5], packets: [5120], moves: [], bucketPackets: [5120])
    #expect(close(model.backlog[0], 3072))
    #expect(model.droppedWork == 0)
}

@Test func aMovedBucketWaitsForItsOldCoreToDrain() {
    // Epoch 1: queue 0 keeps 10 ms of work; queue 1 is half loaded with 50000 packets of 1 µs
    // (1.5 µs each). Epoch 2: bucket 2 with 10000 of queue 1's 50000 packets has just moved there
    // from queue 0, which is offered nothing and has served its 10 ms at 10 ms.
    func run(moving: Bool) -> QueueModel {
        var model = QueueModel(queues: 2, interval: 0.1, meanCostNanoseconds: 400)
        backlogOf10Milliseconds(&model, others: [0.5], otherPackets: [50000])
        model.serve(demand: [0, 0.5], packets: [0, 50000], moves: moving ? [Move(bucket: 2, from: 0, to: 1)] : [],
                    bucketPackets: [0, 40000, 10000])
        return model
    }
    let (moved, stayed) = (run(moving: true), run(moving: false))
    #expect(close(stayed.latency.percentile(0.995), 1.5e-6, within: 0.01))
    // The moved bucket's first 10 ms, 1000 packets, wait 10 ms down to 0 more; the other 9000 do
    // not: 99000 of the 100001 packets wait 1.5 µs.
    #expect(close(moved.latency.percentile(0.985), 1.5e-6, within: 0.01))
    // Rank 99501 is the middle of the 1000: 5 ms, to within a slice (0.3125 ms).
    #expect(near(moved.latency.percentile(0.995), 0.005 + 1.5e-6, slack: 0.0003125))
    #expect(moved.backlog == [0, 0])
}

@Test func nothingServedHasNoLatency() {
    let model = QueueModel(queues: 2, interval: 0.1, meanCostNanoseconds: 400)
    #expect(model.latency.percentile(0.99) == 0)
}
