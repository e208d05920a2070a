import Planning

/// Mean imbalance against traffic moved as each planner's knob turns: the default planner over
/// `--move-cost`, RSS++ over `--threshold`, all replayed on the same traffic. Each point is a mean
/// over the workloads of each workload's mean over its seeds, so that every workload weighs the same.
public struct Frontier: Sendable {
    /// The default planner's move costs charted besides its own default.
    public static let moveCosts: [Double] = [0.25, 0.5, 2, 4, 8]
    /// RSS++'s thresholds charted; its own default (`RSSPlusPlus.threshold`) is among them.
    public static let thresholds: [Double] = [0.01, 0.02, 0.05, 0.1]

    /// Every setup charted, the default planner's first.
    public static let contenders: [Contender] = moveCosts.map { Contender(.standard, moveCost: $0) }
        + [Contender(.standard)] + thresholds.map { Contender(.rsspp, threshold: $0) }
    /// What `rss-plan` runs when no knob is given, marked on the chart.
    static let defaults = [Contender(.standard), Contender(.rsspp, threshold: RSSPlusPlus.threshold)]

    public struct Point: Sendable, Equatable {
        public var contender: Contender
        public var meanImbalance: Double
        /// Packets of moved buckets over all packets (a share, not a percentage).
        public var trafficMoved: Double

        public init(_ contender: Contender, meanImbalance: Double, trafficMoved: Double) {
            self.contender = contender
            self.meanImbalance = meanImbalance
            self.trafficMoved = trafficMoved
        }

        public var isDefault: Bool { Frontier.defaults.contains(contender) }
        /// The option this point's planner is swept over, and its value here (nil: the planner's own).
        public var knob: String { contender.algorithm == .rsspp ? "--threshold" : "--move-cost" }
        public var knobValue: Double? { contender.algorithm == .rsspp ? contender.threshold : contender.moveCost }
    }

    /// A point of one planner against the other's curve at the same traffic moved.
    public struct Check: Sendable, Equatable {
        public var point: Point
        /// The other planner's curve at the point's traffic moved; nil for an RSS++ point that
        /// moves less traffic than any of the default planner's, where its curve says nothing.
        public var curveImbalance: Double?
        /// Whether the default planner balances better here.
        public var isBelow: Bool {
            guard let curve = curveImbalance else { return false }
            return point.contender.algorithm == .rsspp ? curve < point.meanImbalance : point.meanImbalance < curve
        }
    }

    public let scenarios: [String]
    public let seeds: [UInt64]
    public let epochs: Int
    public let points: [Point]

    public init(workloads: [Workload], seeds: [UInt64], epochs: Int, progress: (String) -> Void = { _ in }) throws {
        let comparison = try PlannerComparison(workloads: workloads, seeds: seeds, epochs: epochs,
                                               contenders: Self.contenders, progress: progress)
        scenarios = comparison.scenarios
        self.seeds = seeds
        self.epochs = epochs
        points = Self.contenders.map { contender in
            func average(_ metric: (RunSummary) -> Double) -> Double {
                mean(comparison.scenarios.map { comparison.average(contender, scenario: $0, metric) })
            }
            return Point(contender, meanImbalance: average(\.meanImbalance), trafficMoved: average(\.movedShare))
        }
    }

    public var checks: [Check] {
        Self.checks(adaptive: points.filter { $0.contender.algorithm == .standard },
                    rsspp: points.filter { $0.contender.algorithm == .rsspp })
    }

    /// Both ways, so that a bulge of either curve shows: every rsspp point against `adaptive`'s
    /// curve, then every adaptive point that rsspp's traffic range covers against rsspp's curve.
    public static func checks(adaptive: [Point], rsspp: [Point]) -> [Check] {
        check(rsspp, against: adaptive) + adaptive.compactMap { point in
            imbalance(of: rsspp, at: point.trafficMoved).map { Check(point: point, curveImbalance: $0) }
        }
    }

    /// Each of `rsspp` against `curve` (its points joined in order of traffic moved) at the same
    /// traffic moved. Past the curve's most traffic its lowest point counts, since a planner that
    /// moves less and balances better dominates; short of its least traffic nothing does.
    public static func check(_ rsspp: [Point], against curve: [Point]) -> [Check] {
        rsspp.map { point in
            let beyond = curve.allSatisfy { $0.trafficMoved < point.trafficMoved } && !curve.isEmpty
            return Check(point: point, curveImbalance: beyond ? curve.map(\.meanImbalance).min()
                                                              : imbalance(of: curve, at: point.trafficMoved))
        }
    }

    /// `curve`'s points joined in order of traffic moved, at traffic `x`; nil outside their range.
    static func imbalance(of curve: [Point], at x: Double) -> Double? {
        let sorted = curve.sorted { ($0.trafficMoved, $0.meanImbalance) < ($1.trafficMoved, $1.meanImbalance) }
        guard let first = sorted.first, let last = sorted.last, first.trafficMoved <= x, x <= last.trafficMoved else {
            return nil
        }
        // Where points share a traffic moved the curve is vertical: the lowest of them counts.
        var lowest = sorted.count == 1 ? first.meanImbalance : Double.infinity
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.trafficMoved <= x && x <= b.trafficMoved {
            let width = b.trafficMoved - a.trafficMoved
            let share = width > 0 ? (x - a.trafficMoved) / width : 0
            lowest = min(lowest, a.meanImbalance + share * (b.meanImbalance - a.meanImbalance))
        }
        return lowest
    }

    /// The points, one line each: planner, knob, value (empty for the planner's own), mean
    /// imbalance, traffic moved in percent of packets, and whether it is what rss-plan runs by default.
    public func csv() -> String {
        var text = "planner,knob,value,mean_imbalance,traffic_moved_percent,default\n"
        for point in points {
            text += "\(point.contender.algorithm.rawValue),\(point.knob),\(point.knobValue.map(shortNumber) ?? "")"
                + ",\(format(point.meanImbalance, 4)),\(format(100 * point.trafficMoved, 4)),\(point.isDefault ? "yes" : "no")\n"
        }
        return text
    }

    /// The points and the check as Markdown, headed at `level`, with the image at `chart` (a path
    /// relative to the document) under the heading.
    public func markdown(level: String = "##", chart: String? = nil) -> String {
        let adaptive = Algorithm.standard.rawValue
        var text = "\(level) Frontier\n\n" + (chart.map { "![mean imbalance against traffic moved](\($0))\n\n" } ?? "")
        text += """
            Mean imbalance against traffic moved, \(adaptive) over `--move-cost` and rsspp over `--threshold`, \
            on \(scenarios.count) workloads × \(seeds.count) seeds × \(epochs) epochs, the same traffic for all: each \
            number is the mean over the workloads of each workload's mean over its seeds. Marked: what `rss-plan` \
            runs without the option (\(adaptive)'s own move cost; rsspp's threshold \(shortNumber(RSSPlusPlus.threshold))).

            | planner | mean imbalance | traffic moved | default |
            |---|---:|---:|---|

            """
        for point in points {
            text += "| \(point.contender.name) | \(format(point.meanImbalance, 4)) | "
                + "\(format(100 * point.trafficMoved, 3))% | \(point.isDefault ? "yes" : "") |\n"
        }
        text += """

            Each rsspp point against \(adaptive)'s curve (its points joined in order of traffic moved; past its \
            most traffic its lowest point counts, since moving less and balancing better dominates; short of its \
            least traffic nothing does), then each \(adaptive) point within rsspp's range of traffic against \
            rsspp's curve:

            | point | traffic moved | mean imbalance | other planner's curve there | \(adaptive) below |
            |---|---:|---:|---:|---|

            """
        let checks = checks
        for check in checks {
            let curve = check.curveImbalance.map { format($0, 4) } ?? "none: rsspp moves less"
            text += "| \(check.point.contender.name) | \(format(100 * check.point.trafficMoved, 3))% | "
                + "\(format(check.point.meanImbalance, 4)) | \(curve) | \(check.isBelow ? "yes" : "**no**") |\n"
        }
        let above = checks.filter { !$0.isBelow }.map { "`\($0.point.contender.name)`" }
        text += "\n" + (above.isEmpty ? "\(adaptive)'s curve lies below rsspp's everywhere.\n"
                                       : "\(adaptive)'s curve is not below rsspp's at " + above.joined(separator: ", ") + ".\n")
        return text
    }
}
