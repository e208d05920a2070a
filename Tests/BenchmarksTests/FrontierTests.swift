import Benchmarks
import Planning
import Testing
import TestSupport

private func adaptive(_ trafficMoved: Double, _ meanImbalance: Double) -> Frontier.Point {
    Frontier.Point(Contender(.adaptive, moveCost: trafficMoved), meanImbalance: meanImbalance, trafficMoved: trafficMoved)
}

private func rsspp(_ trafficMoved: Double, _ meanImbalance: Double) -> Frontier.Point {
    Frontier.Point(Contender(.rsspp, threshold: trafficMoved), meanImbalance: meanImbalance, trafficMoved: trafficMoved)
}

/// Out of order on purpose: the curve joins its points by traffic moved. Dyadic numbers, so that
/// the interpolations below are exact.
private let curve = [adaptive(1.0, 0.25), adaptive(0.25, 0.75), adaptive(0.5, 0.5)]

@Suite struct FrontierCheckTests {
    @Test func aCurveBelowEveryPoint() {
        let checks = Frontier.check([rsspp(0.3125, 0.75), rsspp(0.625, 0.5)], against: curve)
        #expect(checks.map(\.curveImbalance) == [0.6875, 0.4375])
        #expect(checks.map(\.isBelow) == [true, true])
    }

    @Test func aCrossingCurveIsBelowOnOneSideOnly() {
        let checks = Frontier.check([rsspp(0.3125, 0.625), rsspp(0.625, 0.5)], against: curve)
        #expect(checks.map(\.curveImbalance) == [0.6875, 0.4375])
        #expect(checks.map(\.isBelow) == [false, true])
    }

    @Test func equalIsNotBelow() {
        #expect(Frontier.check([rsspp(0.5, 0.5)], against: curve).map(\.isBelow) == [false])
    }

    @Test func shortOfTheCurvesLeastTrafficNothingIsBelow() {
        let checks = Frontier.check([rsspp(0.125, 2)], against: curve)
        #expect(checks.map(\.curveImbalance) == [nil])
        #expect(checks.map(\.isBelow) == [false])
    }

    @Test func pastTheCurvesMostTrafficItsLowestPointCounts() {
        // The curve rises to 0.5 at its most traffic, 1.0; its point at 0.5 moves less and balances better.
        let rising = [adaptive(0.25, 0.75), adaptive(0.5, 0.125), adaptive(1.0, 0.5)]
        let checks = Frontier.check([rsspp(4, 0.25), rsspp(4, 0.0625)], against: rising)
        #expect(checks.map(\.curveImbalance) == [0.125, 0.125])
        #expect(checks.map(\.isBelow) == [true, false])
    }

    /// The reviewer's case: adaptive bulges above rsspp's line between rsspp's two points, which
    /// both lie above adaptive's curve. rsspp's line at 3% is 0.12 + (0.08 - 0.12) / 2 = 0.10,
    /// under adaptive's 0.20 there.
    @Test func anAdaptivePointAboveRssppsCurveIsNotBelow() {
        let checks = Frontier.checks(adaptive: [adaptive(0.01, 0.10), adaptive(0.03, 0.20), adaptive(0.05, 0.05)],
                                     rsspp: [rsspp(0.01, 0.12), rsspp(0.05, 0.08)])
        #expect(checks.map(\.point.trafficMoved) == [0.01, 0.05, 0.01, 0.03, 0.05])
        let lines = checks.map { $0.curveImbalance.map { ($0 * 1e6).rounded() / 1e6 } }
        #expect(lines == [0.10, 0.05, 0.12, 0.10, 0.08])
        #expect(checks.map(\.isBelow) == [true, true, true, false, true])
    }

    /// rsspp's one point at 3% moves more than adaptive's most (2%): adaptive's lowest point, 0.10
    /// at 1%, dominates it, though its last (0.15 at 2%) would not; no adaptive point is within
    /// rsspp's range, so none is checked the other way.
    @Test func beyondAdaptivesTrafficItsBestPointDominates() {
        let checks = Frontier.checks(adaptive: [adaptive(0.01, 0.10), adaptive(0.02, 0.15)], rsspp: [rsspp(0.03, 0.12)])
        #expect(checks.map(\.curveImbalance) == [0.10])
        #expect(checks.map(\.isBelow) == [true])
    }

    @Test func whereTheCurveIsVerticalItsLowestPointCounts() {
        let vertical = [adaptive(0.5, 0.5), adaptive(0.5, 0.125), adaptive(0.25, 0.75)]
        #expect(Frontier.check([rsspp(0.5, 0.25), rsspp(2, 0.25)], against: vertical).map(\.curveImbalance)
                == [0.125, 0.125])
    }

    @Test func aCurveOfOnePointIsThatPoint() {
        let checks = Frontier.check([rsspp(0.5, 1), rsspp(0.25, 1)], against: [adaptive(0.5, 0.5)])
        #expect(checks.map(\.curveImbalance) == [0.5, nil])
    }
}

@Suite struct ContenderTests {
    @Test func namesShowTheOptions() {
        #expect(Contender(.adaptive, moveCost: 2).name == "adaptive --move-cost 2")
        #expect(Contender(.adaptive, moveCost: 0.25).name == "adaptive --move-cost 0.25")
        #expect(Contender(.rsspp, threshold: 0.05).name == "rsspp --threshold 0.05")
        #expect(Contender(.rsspp, autoscale: true, threshold: 0.1).name == "rsspp --autoscale --threshold 0.1")
    }

    @Test func theStandardContendersKeepTheirNames() {
        #expect(Contender.standard.map(\.name)
                == ["static", "rsspp", "adaptive", "rsspp --autoscale", "adaptive --autoscale"])
    }

    /// A dead band five times the default leaves RSS++ fewer cores to fix.
    @Test func aContendersThresholdReachesItsPlanner() throws {
        let (own, wide) = (Contender(.rsspp), Contender(.rsspp, threshold: 0.1))
        let comparison = try PlannerComparison(scenarios: ["steady"], seeds: [1], epochs: 60, contenders: [own, wide])
        let moves = [own, wide].map { comparison.runs(of: $0)[0].summary.moves }
        #expect(moves[1] < moves[0], "\(moves)")
    }
}

/// `rss-bench --frontier` as scripts/bench runs it.
@Suite struct FrontierCommandTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(area: "bench") }

    @Test func writesOneCSVRowPerPointAndTheCheck() throws {
        let result = try shell("rss-bench --frontier --seeds 1 --epochs 30 --scenario steady --frontier-csv points.csv"
                               + " --frontier-chart docs/frontier.png", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: try readFile(directory.file("points.csv")), as: UTF8.self)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.first == ["planner", "knob", "value", "mean_imbalance", "traffic_moved_percent", "default"])
        let rows = lines.dropFirst()
        #expect(rows.count == Frontier.moveCosts.count + 1 + 4)
        #expect(rows.allSatisfy { $0.count == 6 && Double($0[3]) != nil && Double($0[4]) != nil })
        let rssppRows = rows.filter { $0[0] == "rsspp" }
        #expect(rssppRows.map { $0[1...2] } == [["--threshold", "0.01"], ["--threshold", "0.02"],
                                                ["--threshold", "0.05"], ["--threshold", "0.1"]])
        #expect(rows.filter { $0[5] == "yes" }.map { $0[0...2] } == [["adaptive", "--move-cost", ""],
                                                                    ["rsspp", "--threshold", "0.02"]])
        #expect(result.stdout.hasPrefix("## Frontier\n\n![mean imbalance against traffic moved](docs/frontier.png)\n"))
        for threshold in ["0.01", "0.02", "0.05", "0.1"] {
            #expect(result.stdout.contains("\n| rsspp --threshold \(threshold) | "))
        }
    }

    @Test func theFrontiersOptionsNeedIt() throws {
        let result = try shell("rss-bench --frontier-csv points.csv", in: directory)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--frontier-csv and --frontier-chart need --frontier"))
        #expect(directory.entries().isEmpty)
    }
}
