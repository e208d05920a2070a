import Statistics
import Testing

@Suite struct PercentileTests {
    /// The nearest-rank examples of the textbook: 15, 20, 35, 40, 50.
    @Test(arguments: [(0.0, 15.0), (0.05, 15), (0.3, 20), (0.4, 20), (0.5, 35), (0.8, 40), (0.81, 50), (1, 50)])
    func nearestRankOfFiveValues(fraction: Double, expected: Double) {
        #expect(percentile([50, 20, 40, 15, 35], fraction) == expected)
    }

    @Test func ranksOfFractionsThatBinaryCannotHoldExactly() {
        let hundred = (1...100).map(Double.init)
        // 0.07 × 100 and 0.29 × 100 are a hair above 7 and 29 in binary: still ranks 7 and 29.
        #expect(percentile(hundred, 0.07) == 7)
        #expect(percentile(hundred, 0.29) == 29)
        #expect(percentile(hundred, 0.95) == 95)
        #expect(percentile(hundred, 0.951) == 96)
    }

    @Test func aSingleValueIsEveryPercentileAndNoValuesGiveZero() {
        #expect(percentile([3], 0) == 3 && percentile([3], 0.5) == 3 && percentile([3], 1) == 3)
        #expect(percentile([], 0.5) == 0)
    }
}
