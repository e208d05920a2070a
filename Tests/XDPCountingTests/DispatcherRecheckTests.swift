import Testing
@testable import XDPCounting

/// How often a dispatcher counter reads libxdp's dispatcher back to see whether it is still in it:
/// at most once a second, however short the interval, and always on its first interval.
struct DispatcherRecheckTests {
    static let second: UInt64 = 1_000_000_000

    @Test func asksOnTheFirstIntervalThenOnlyOnceTheSpacingHasPassed() {
        var recheck = DispatcherRecheck()
        let start: UInt64 = 5 * Self.second
        let first = recheck.isDue(now: start)
        // 1000 intervals of 0.9 ms: none asks again.
        var askedEarly = 0
        for interval in UInt64(1)...1000 where recheck.isDue(now: start + interval * 900_000) { askedEarly += 1 }
        let aSecondLater = recheck.isDue(now: start + Self.second)
        let rightAfter = recheck.isDue(now: start + Self.second + 1)
        let anotherSecondLater = recheck.isDue(now: start + 2 * Self.second + 1)
        #expect(first)
        #expect(askedEarly == 0)
        #expect(aSecondLater)
        #expect(!rightAfter)
        #expect(anotherSecondLater)
    }
}
