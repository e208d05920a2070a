import Testing
import TestSupport

/// The handover under load: thousands of migrations while a dispatcher keeps steering packets
/// of many flows to four worker threads (StressRun). Nothing may be lost, repeated or
/// reordered within a flow, and no two workers may be inside one bucket's state at once.
@Suite struct ConcurrentHandoverTests {
    @Test(arguments: [StressMode.stamps, .countsAndEmptyQueues])
    func flowsComeThroughThousandsOfMigrationsIntact(mode: StressMode) throws {
        let seed = testSeed(default: 8)
        let run = try StressRun(mode: mode, rewrites: 1000, seed: seed)
        let outcome = run.run()
        let context = Comment(rawValue: "seed \(seed), \(outcome)")
        #expect(!outcome.timedOut, context)
        #expect(outcome.movesRequested >= 2000, context)
        #expect(outcome.handovers >= 2000, context)
        #expect(outcome.dispatched >= 50_000, context)
        #expect(outcome.processed == outcome.dispatched, context)
        #expect(outcome.dropped == 0 && outcome.expired == 0, context)
        #expect(outcome.outOfSequence == 0, context)
        #expect(outcome.flowsWrong == 0, context)
        #expect(outcome.overlaps == 0, context)
        #expect(outcome.processedByNonOwner == 0, context)
        print("handover stress, \(mode): \(context)")  // the figures behind the verdict, for the CI log
    }

    /// A backlog that lies low: the old owner releases before it has drained, so late packets
    /// may come after newer ones of their flow (the lie's price), but none is lost or
    /// duplicated, and the buckets still have one thread at a time.
    @Test func aLyingBacklogUnderLoadLosesNothing() throws {
        let seed = testSeed(default: 8)
        let outcome = try StressRun(mode: .lyingCounts, rewrites: 1000, seed: seed).run()
        let context = Comment(rawValue: "seed \(seed), \(outcome)")
        #expect(!outcome.timedOut, context)
        #expect(outcome.handovers >= 2000, context)
        #expect(outcome.late > 0, context)
        #expect(outcome.processed == outcome.dispatched, context)
        #expect(outcome.dropped == 0 && outcome.expired == 0, context)
        #expect(outcome.flowsWrong == 0, context)
        #expect(outcome.overlaps == 0, context)
        #expect(outcome.processedByNonOwner == 0, context)
        print("handover stress, lying backlog: \(context)")
    }
}
