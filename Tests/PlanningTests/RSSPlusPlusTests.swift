@testable import Planning
import RSSRecords
import Testing

/// Two cores: queue 0 at 0.8 with buckets of 0.6 and 0.2, queue 1 at 0.2.
private let lopsided = record(reta: [0, 0, 1, 1], packets: [300, 100, 100, 100], load: [0.8, 0.2])

@Test func rssppMovesTheBucketThatFitsTheReceiver() {
    let plan = plans(RSSPlusPlus.self, [lopsided])[0]
    // The 0.6 bucket is larger than the 0.3 queue 1 may take; the 0.2 one fits.
    #expect(plan.moves == [Move(bucket: 1, from: 0, to: 1)])
    #expect(plan.reta == [0, 1, 1, 1])
    #expect(plan.active == [0, 1])
    #expect(abs(plan.loadAfter[0] - 0.6) < 1e-9)
    #expect(abs(plan.loadAfter[1] - 0.4) < 1e-9)
}

@Test func rssppReceiverSitsOutTheNextRound() {
    // The same record three times, as if the table had not been written yet.
    let result = plans(RSSPlusPlus.self, [lopsided, lopsided, lopsided])
    #expect(result[0].moves.count == 1)
    #expect(result[1].moves.isEmpty, "queue 1 received last round, so nobody can receive")
    #expect(!result[2].moves.isEmpty)
}

@Test func rssppLeavesCoresWithinTheThresholdAlone() {
    // 0.06 off the mean: a move with the default threshold (0.02), none with 0.08. The small
    // bucket (0.0137) is the one that fits.
    let off = record(reta: [0, 0, 0, 0, 0, 1, 1], packets: [100, 100, 100, 100, 10, 100, 100], load: [0.56, 0.44])
    #expect(plans(RSSPlusPlus.self, [off])[0].moves == [Move(bucket: 4, from: 0, to: 1)])
    #expect(plans(RSSPlusPlus.self, [off], options: PlannerOptions(threshold: 0.08))[0].moves.isEmpty)
}

@Test func rssppNeverTakesACoresOnlyBusyBucket() {
    // Queue 0 is overloaded but all its packets are in one bucket (the other is empty).
    let single = record(reta: [0, 0, 1, 1], packets: [400, 0, 50, 50], load: [0.9, 0.1])
    #expect(plans(RSSPlusPlus.self, [single])[0].moves.isEmpty)
}

@Test func rssppMovesOnlyBucketsWithPackets() {
    let withEmpty = record(reta: [0, 0, 0, 1, 1, 1], packets: [0, 100, 100, 0, 50, 50], load: [0.9, 0.1])
    let plan = plans(RSSPlusPlus.self, [withEmpty])[0]
    #expect(!plan.moves.isEmpty)
    #expect(plan.moves.allSatisfy { withEmpty.packets[$0.bucket] > 0 })
}

@Test func rssppBalancesPacketsWithoutLoad() {
    // Without load, each queue's share of packets scaled to a mean of 0.5: 0.8 and 0.2.
    let packetsOnly = record(reta: [0, 0, 1, 1], packets: [300, 100, 50, 50], load: nil)
    let plan = plans(RSSPlusPlus.self, [packetsOnly])[0]
    #expect(plan.moves == [Move(bucket: 1, from: 0, to: 1)])
}

@Test func rssppAutoscaleRemovesTheLeastLoadedCoreAndDealsOutItsBuckets() {
    // Σ(0.8 - load) = 2.85 > 1 + 0.2 + 5 · 0.05: core 3 goes; its buckets (3, 7) are dealt
    // smallest first to the core dealt the least so far: bucket 3 to queue 0, bucket 7 to queue 1.
    let idle = record(reta: [0, 1, 2, 3, 0, 1, 2, 3], packets: [50, 50, 50, 10, 50, 50, 50, 30],
                      load: [0.1, 0.1, 0.1, 0.05])
    let plan = plans(RSSPlusPlus.self, [idle], options: PlannerOptions(autoscale: true))[0]
    #expect(plan.active == [0, 1, 2])
    #expect(plan.moves == [Move(bucket: 3, from: 3, to: 0), Move(bucket: 7, from: 3, to: 1)])
}

@Test func rssppAutoscaleKeepsTheMinimum() {
    let idle = record(reta: [0, 1, 2, 3, 0, 1, 2, 3], packets: [50, 50, 50, 10, 50, 50, 50, 30],
                      load: [0.1, 0.1, 0.1, 0.05])
    let plan = plans(RSSPlusPlus.self, [idle], options: PlannerOptions(autoscale: true, minQueues: 4))[0]
    #expect(plan.active == [0, 1, 2, 3])
}

@Test func rssppAutoscaleAddsACoreThatTakesBuckets() {
    // Two of four queues in use, both above the target load: Σ(0.8 - load) = -0.25 < -0.1.
    let busy = record(reta: [0, 1, 0, 1, 0, 1, 0, 1], packets: [100, 100, 100, 100, 100, 100, 100, 100],
                      load: [0.95, 0.9, 0, 0], queues: 4)
    let plan = plans(RSSPlusPlus.self, [busy], options: PlannerOptions(autoscale: true))[0]
    #expect(plan.active == [0, 1, 2])
    #expect(plan.reta.contains(2))
    #expect(!plan.reta.contains(3))
}

@Test func rssppHonoursMaxMoves() {
    let skewed = record(reta: [0, 0, 0, 0, 0, 0, 1, 1], packets: [100, 100, 100, 100, 100, 100, 10, 10],
                        load: [0.9, 0.1])
    #expect(plans(RSSPlusPlus.self, [skewed])[0].moves.count > 1)
    #expect(plans(RSSPlusPlus.self, [skewed], options: PlannerOptions(maxMoves: 1))[0].moves.count == 1)
}
