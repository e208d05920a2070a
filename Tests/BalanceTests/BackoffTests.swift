import Balancing
import Testing

@Suite struct BackoffTests {
    @Test func doublesUpToTheMaximumAndStartsAgainAfterALongRun() {
        var backoff = Backoff(min: 1, max: 10)
        let quickFailures = (0..<6).map { _ in backoff.delay(afterARunOf: 0.5) }
        #expect(quickFailures == [1, 2, 4, 8, 10, 10])
        // A run as long as the maximum is still a quick failure; a longer one resets.
        #expect(backoff.delay(afterARunOf: 10) == 10)
        #expect(backoff.delay(afterARunOf: 10.5) == 1)
        #expect(backoff.delay(afterARunOf: 0) == 2)
    }
}
