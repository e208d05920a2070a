import Testing
import TestSupport

/// The handover under load: thousands of migrations while a dispatcher keeps steering packets
/// of many flows to four worker threads (StressRun). Nothing may be lost, repeated or
/// reordered within a flow, and no two workers may be inside one bucket's state at once.
@Suite struct ConcurrentHandoverTests {
    @Test(arguments: [StressMode.stamps, .countsAndEmptyQueues])
    func flowsComeThroughThousandsOfMigrationsIntact(mode: StressMode) throws {
        let seed = testSeed(default: 8)
        let run = try StressRun(mode: mode, rewrites: 1500, seed: seed)
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
    }
}
