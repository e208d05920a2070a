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

    @Test func seriesHasALinePerRecordAndEmptyCellsForQueuesARunLacks() {
        var series = Series()
        series.add(run: "a", epoch: 0, LoadRecord(queues: 2, reta: [0, 1], packets: [1, 1], load: [0.75, 0.25]))
        series.add(run: "b", epoch: 0, LoadRecord(queues: 1, reta: [0], packets: [1], load: [0.75]))
        // imbalance of a: 0.75 / 0.5 - 1; of b, one queue: 0.
        #expect(series.text == "run\tepoch\tqueue0\tqueue1\timbalance\n"
                + "a\t0\t0.75\t0.25\t0.5\n" + "b\t0\t0.75\t\t0.0\n")
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
