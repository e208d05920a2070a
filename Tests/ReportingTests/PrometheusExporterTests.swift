import RSSRecords
import Reporting
import Testing

@Suite struct PrometheusExporterTests {
    static let plan = PlanRecord(device: "ethtool:eth0", queues: 2, reta: [1, 1], moves: [Move(bucket: 0, from: 0, to: 1)],
                                 active: [0, 1])

    /// Without an rss-apply that writes upstream, no plan carries "applied": none is an error.
    @Test func plansAreNotCalledUnappliedUntilTheStreamShowsOneApplied() {
        var exporter = PrometheusExporter()
        exporter.add(Self.plan)
        #expect(exporter.text.contains("rsspp_errors_total{device=\"ethtool:eth0\",kind=\"plan_not_applied\"} 0\n"))
        var applied = Self.plan
        applied.applied = 5
        exporter.add(applied)
        exporter.add(Self.plan)
        #expect(exporter.text.contains("rsspp_errors_total{device=\"ethtool:eth0\",kind=\"plan_not_applied\"} 1\n"))
    }

    /// A migrated record names no device: it counts for the device of the plan before it.
    @Test func eachDeviceHasItsOwnSamplesAndLabelsAreEscaped() {
        var exporter = PrometheusExporter()
        exporter.add(LoadRecord(device: "file:/tmp/a\"b\\c\nd", queues: 1, reta: [0], packets: [7]))
        exporter.add(Self.plan)
        exporter.add(MigratedRecord(seq: 1, owners: [OwnerOutcome(socket: "/run/o.sock", latencyMicroseconds: 5, error: "no")]))
        let text = exporter.text
        #expect(text.contains("rsspp_queue_packets_total{device=\"file:/tmp/a\\\"b\\\\c\\nd\",queue=\"0\"} 7\n"))
        #expect(text.contains("rsspp_plans_total{device=\"ethtool:eth0\"} 1\n"))
        #expect(text.contains("rsspp_plans_total{device=\"file:/tmp/a\\\"b\\\\c\\nd\"} 0\n"))
        #expect(text.contains("rsspp_migration_failures_total{device=\"ethtool:eth0\",owner=\"/run/o.sock\"} 1\n"))
        #expect(text.contains("rsspp_errors_total{device=\"ethtool:eth0\",kind=\"migrate_not_acked\"} 1\n"))
        #expect(text.contains("rsspp_errors_total{device=\"file:/tmp/a\\\"b\\\\c\\nd\",kind=\"migrate_not_acked\"} 0\n"))
    }
}
