@testable import Planning
import RSSRecords
import Testing

// What a move costs in the adaptive planner: loads are in packets at 1/1024 of a core each, so
// 20.48 packets are the least tolerance (0.02 cores), and at the default move cost (1) a move
// of s packets that lowers the peak by v is worth v − 0.8 × s.

/// Queue 0 holds 50 + 2 × `big` packets, queue 1 2 × `big` − 50: bucket 0 (50) is the one move
/// that evens them out. The tables after it hold bucket 0 on queue 1, whose bucket 4 then grows
/// by 100: queue 1 is 100 above queue 0, and bucket 0 back would even them out again.
private func swingBack(big: Int) -> (first: LoadRecord, after: LoadRecord) {
    (exact([0, 0, 0, 1, 1], [50, big, big, big, big - 50], queues: 2),
     exact([1, 0, 0, 1, 1], [50, big, big, big, big + 50], queues: 2))
}

@Test func adaptiveDoesNotMoveABucketStraightBack() {
    // Queue 1 at 500 packets against 400 after the first move.
    let (first, after) = swingBack(big: 200)
    // Records 2 to `settling` are within the settling records of a move in record 1.
    let made = plans(AdaptiveBalancer.self, [first] + Array(repeating: after, count: AdaptiveBalancer.settling - 1))
    #expect(made[0].moves == [Move(bucket: 0, from: 0, to: 1)])
    // Bucket 0 may not go back yet; buckets 3 and 4 (200, 250) overshoot the 50 to close, and
    // the only swap (250 for 200) moves 450 packets to buy 50: nothing moves.
    for plan in made.dropFirst() { #expect(plan.moves.isEmpty) }
    // The record after them, bucket 0 goes back (worth 50 − 0.8 × 50 > 0).
    let settled = plans(AdaptiveBalancer.self, [first] + Array(repeating: after, count: AdaptiveBalancer.settling))
    #expect(settled.last!.moves == [Move(bucket: 0, from: 1, to: 0)])
}

@Test func adaptiveMovesABucketStraightBackOffAnOverloadedCore() {
    // Queue 1 at 1000 packets (0.977 cores, overloaded) against 900 after the first move: it
    // sheds bucket 0 back at once, the only bucket that lowers it (to 950).
    let (first, after) = swingBack(big: 450)
    let made = plans(AdaptiveBalancer.self, [first, after])
    #expect(made[0].moves == [Move(bucket: 0, from: 0, to: 1)])
    #expect(made[1].moves == [Move(bucket: 0, from: 1, to: 0)])
}

@Test func adaptiveClosesAGapWithLightBucketsRatherThanAHeavyOne() {
    // Queue 0: 300, 290, 110, 60, 25 (785); queue 1: 300, 285 (585); half the gap is 100. The
    // old rule, the bucket closest to half the gap, took the 110 (10 off, the 60 is 40 off).
    // Worth at the default price 0.8: the 110 lowers the peak by 90 (785 → 695) for 0.8 × 110: 2; the 60
    // and the 25 lower it by 85 for 0.8 × 85: 17. The lights go.
    let gap = exact([0, 0, 0, 0, 0, 1, 1], [300, 290, 110, 60, 25, 300, 285], queues: 2)
    let plan = plans(AdaptiveBalancer.self, [gap])[0]
    #expect(plan.moves == [Move(bucket: 3, from: 0, to: 1), Move(bucket: 4, from: 0, to: 1)])
    #expect(plan.loadAfter == [700.0 / 1024, 670.0 / 1024])
    // Where traffic is nearly free (move cost 0.1, a price of 0.08) the 110's 90 − 8.8 beats the
    // lights' 85 − 6.8: the price is what chose them.
    let cheap = plans(AdaptiveBalancer.self, [gap], options: PlannerOptions(moveCost: 0.1))[0]
    #expect(cheap.moves == [Move(bucket: 2, from: 0, to: 1)])
}

@Test func adaptiveFillsAGapWithASetOfBucketsLargestFirst() {
    // Queue 0: 320, 250, 200, 100, 50 (920); queue 1: 160, 160 (320); both 300 from the mean.
    // Filled largest first within 300: the 320 does not fit, 250 does, 200 and 100 no longer
    // do, 50 does: {250, 50} closes the gap exactly. The best single bucket, even at move cost
    // 0, is the 320 (the peak 920 → 640); taking one bucket at a time would stop there.
    let gap = exact([0, 0, 0, 0, 0, 1, 1], [320, 250, 200, 100, 50, 160, 160], queues: 2)
    let plan = plans(AdaptiveBalancer.self, [gap], options: PlannerOptions(moveCost: 0))[0]
    #expect(plan.moves == [Move(bucket: 1, from: 0, to: 1), Move(bucket: 4, from: 0, to: 1)])
    #expect(plan.loadAfter == [620.0 / 1024, 620.0 / 1024])
}

@Test func adaptiveShedsOffAnOverloadedCoreWhatABusyOneKeeps() {
    // Queue 0: 500, 400, 100 (1000 packets, 0.977 cores); queue 1: 480, 380 (860). Half the
    // gap is 70: the 100 lowers the peak by only 40 (1000 → 960), worth 40 − 0.8 × 100 < 0,
    // but an overloaded core has no traffic to save and sheds it, even at a move cost of 8 (the
    // highest price, 0.95, and a tolerance of 0.16 cores held to the 0.042 left below 0.95).
    let overloaded = exact([0, 0, 0, 1, 1], [500, 400, 100, 480, 380], queues: 2)
    for moveCost in [AdaptiveBalancer.defaultMoveCost, 8] {
        let plan = plans(AdaptiveBalancer.self, [overloaded], options: PlannerOptions(moveCost: moveCost))[0]
        #expect(plan.moves == [Move(bucket: 2, from: 0, to: 1)], "move cost \(moveCost)")
    }
    // 50 packets less on each queue (950, 0.928 cores) and the same 70 to close: the 100 stays,
    // and the best swap (450 for 380) moves 830 packets to buy 70.
    let busy = exact([0, 0, 0, 1, 1], [450, 400, 100, 430, 380], queues: 2)
    #expect(plans(AdaptiveBalancer.self, [busy])[0].moves.isEmpty)
}


@Test func adaptiveDoesNotSwapABucketStraightBack() {
    // Record 1: queue 0 holds 50 + 192 + 64 (306), queue 1 206; bucket 0 (50) closes half the
    // gap exactly. Record 2: buckets 0 and 1 grow to 256 each, queue 1 at 512 against 256.
    // Either 256 alone only moves the peak; the best swaps trade a 256 for the 192 (peak 448),
    // worth 64 at move cost 0. Bucket 0 left queue 0 a record ago: the swap must send bucket 1.
    let first = exact([0, 1, 0, 0], [50, 206, 192, 64], queues: 2)
    let after = exact([1, 1, 0, 0], [256, 256, 192, 64], queues: 2)
    let made = plans(AdaptiveBalancer.self, [first, after], options: PlannerOptions(moveCost: 0))
    #expect(made[0].moves == [Move(bucket: 0, from: 0, to: 1)])
    #expect(!made[1].moves.contains(Move(bucket: 0, from: 1, to: 0)), "\(made[1].moves)")
}
