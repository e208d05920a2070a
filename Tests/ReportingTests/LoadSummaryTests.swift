import RSSRecords
import Reporting
import Testing

@Suite struct LoadSummaryTests {
    @Test func summarisesLoadImbalanceSaturationAndTableChanges() {
        var summary = LoadSummary()
        summary.add(LoadRecord(queues: 2, reta: [0, 1, 0, 1], packets: [1, 1, 1, 1], load: [1.0, 0.5]))
        summary.add(LoadRecord(queues: 2, reta: [0, 1, 1, 1], packets: [1, 1, 1, 1], load: [0.6, 0.6]))
        summary.add(LoadRecord(queues: 2, reta: [1, 1, 1, 0], packets: [1, 1, 1, 1], load: [0.2, 0.6]))
        #expect(summary.epochs == 3)
        #expect(summary.meanLoad.map { ($0 * 1000).rounded() } == [600, 567])
        // imbalances: 1/0.75-1 = 0.333, 0, 0.6/0.4-1 = 0.5
        #expect(abs(summary.meanImbalance - (1.0 / 3 + 0.5) / 3) < 1e-9)
        #expect(abs(summary.p95Imbalance - 0.5) < 1e-12)
        #expect(summary.saturatedEpochs == 1)
        #expect(summary.tableChanges == 2)
        #expect(summary.entriesMoved == 3)
    }

    @Test func packetsStandInForLoadWhenTheRecordHasNone() {
        let record = LoadRecord(queues: 2, reta: [0, 1, 1], packets: [30, 10, 20])
        #expect(record.queueLoad == [0.5, 0.5])
        let skewed = LoadRecord(queues: 2, reta: [0, 0, 1], packets: [30, 10, 20])
        #expect(abs(imbalance(skewed.queueLoad, over: skewed.queuesInUse) - 1.0 / 3) < 1e-12)
    }

    @Test func imbalanceCountsOnlyQueuesInUse() {
        let record = LoadRecord(queues: 3, reta: [0, 1, 0, 1], packets: [1, 1, 1, 1], load: [0.5, 0.5, 0])
        #expect(record.queuesInUse == [0, 1])
        #expect(imbalance(record.queueLoad, over: record.queuesInUse) == 0)
    }

    @Test func percentileIsNearestRank() {
        #expect(percentile([5, 1, 4, 2, 3], 0.95) == 5)
        #expect(percentile([5, 1, 4, 2, 3], 0.5) == 3)
        #expect(percentile([], 0.5) == 0)
    }

    @Test func comparisonHasAColumnPerRun() {
        var a = LoadSummary()
        a.add(LoadRecord(queues: 1, reta: [0], packets: [1], load: [0.25]))
        let text = renderComparison([("static", a), ("balanced", a)])
        #expect(text.contains("static  balanced"))
        #expect(text.contains("queue 0 mean load"))
        #expect(text.split(separator: "\n").allSatisfy { $0.hasSuffix("0.250") || !$0.contains("queue 0") })
    }
}
