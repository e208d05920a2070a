import NICSim
import Planning

/// One planner setup of a comparison: an algorithm and the options it is run with (nil: the planner's own).
public struct Contender: Sendable, Hashable {
    public var algorithm: Algorithm
    public var autoscale: Bool
    public var threshold: Double?
    public var moveCost: Double?

    public init(_ algorithm: Algorithm, autoscale: Bool = false, threshold: Double? = nil, moveCost: Double? = nil) {
        self.algorithm = algorithm
        self.autoscale = autoscale
        self.threshold = threshold
        self.moveCost = moveCost
    }

    /// The algorithm and the rss-plan options that set this contender up.
    public var name: String {
        algorithm.rawValue + (autoscale ? " --autoscale" : "") + (threshold.map { " --threshold " + shortNumber($0) } ?? "")
            + (moveCost.map { " --move-cost " + shortNumber($0) } ?? "")
    }

    /// A fresh planner of this setup (`options` with this contender's own) replayed over `trace`.
    func replay(_ trace: TrafficTrace, options: PlannerOptions = PlannerOptions()) -> ReplayResult {
        var options = options
        options.autoscale = autoscale
        options.threshold = threshold ?? options.threshold
        options.moveCost = moveCost ?? options.moveCost
        var planner = algorithm.planner(options: options)
        return Benchmarks.replay(trace, with: &planner)
    }

    /// Static, RSS++ and the default, each with and without autoscale (static has nothing to scale).
    public static let standard: [Contender] = [
        Contender(.static), Contender(.rsspp), Contender(.standard),
        Contender(.rsspp, autoscale: true), Contender(.standard, autoscale: true),
    ]
}

/// The numbers kept of one replay.
public struct RunSummary: Sendable {
    public var meanImbalance: Double
    public var imbalanceFloor: Double
    public var p95Imbalance: Double
    public var overload: Double
    public var moves: Double
    public var movedShare: Double
    public var meanActive: Double
    /// Modelled packet latency over the run (µs): 95th and 99th percentile of packets.
    public var p95Latency: Double
    public var p99Latency: Double
    public var droppedPackets: Double
    public var droppedShare: Double
    /// CPU seconds of work dropped.
    public var droppedWork: Double

    init(_ result: ReplayResult) {
        meanImbalance = result.meanImbalance
        imbalanceFloor = result.meanImbalanceFloor
        p95Imbalance = result.p95Imbalance
        overload = result.meanOverload
        moves = Double(result.moves)
        movedShare = result.movedShare
        meanActive = result.meanActive
        p95Latency = result.queueModel.latency.percentile(0.95) * 1e6
        p99Latency = result.queueModel.latency.percentile(0.99) * 1e6
        droppedPackets = result.queueModel.droppedPackets
        droppedShare = result.droppedShare
        droppedWork = result.queueModel.droppedWork
    }
}

/// Every contender on every scenario and seed, replayed on identical traffic.
public struct PlannerComparison: Sendable {
    public struct Run: Sendable {
        public var scenario: String
        public var seed: UInt64
        public var contender: Contender
        public var summary: RunSummary
    }

    public let contenders: [Contender]
    public let workloads: [Workload]
    public var scenarios: [String] { workloads.map(\.name) }
    public let seeds: [UInt64]
    public let epochs: Int
    public private(set) var runs: [Run] = []

    /// The simulated NIC's scenarios as they are defined.
    public init(scenarios: [String] = Scenarios.all.map(\.name), seeds: [UInt64], epochs: Int,
                contenders: [Contender] = Contender.standard, options: PlannerOptions = PlannerOptions(),
                progress: (String) -> Void = { _ in }) throws {
        try self.init(workloads: scenarios.map { try Workload(scenario: $0) }, seeds: seeds, epochs: epochs,
                      contenders: contenders, options: options, progress: progress)
    }

    public init(workloads: [Workload], seeds: [UInt64], epochs: Int,
                contenders: [Contender] = Contender.standard, options: PlannerOptions = PlannerOptions(),
                progress: (String) -> Void = { _ in }) throws {
        self.contenders = contenders
        self.workloads = workloads
        self.seeds = seeds
        self.epochs = epochs
        for workload in workloads {
            for seed in seeds {
                progress("\(workload.name) seed \(seed)")
                let trace = try workload.trace(seed: seed, epochs: epochs)
                for contender in contenders {
                    let result = contender.replay(trace, options: options)
                    runs.append(Run(scenario: workload.name, seed: seed, contender: contender, summary: RunSummary(result)))
                }
            }
        }
    }

    public func runs(of contender: Contender, scenario: String? = nil) -> [Run] {
        runs.filter { $0.contender == contender && (scenario == nil || $0.scenario == scenario) }
    }

    /// The mean of `metric` over `contender`'s runs of `scenario`, one per seed.
    func average(_ contender: Contender, scenario: String, _ metric: (RunSummary) -> Double) -> Double {
        mean(runs(of: contender, scenario: scenario).map { metric($0.summary) })
    }

    /// Geometric mean over scenarios and seeds of `metric(contender) / metric(baseline)`. `floor`
    /// is added to both sides so that a zero does not decide the mean; pairs where both stay
    /// under `floor` say nothing about either and are left out (nil when none is left).
    public func ratio(_ contender: Contender, to baseline: Contender, scenario: String? = nil, floor: Double,
                      _ metric: (RunSummary) -> Double) -> Double? {
        var ratios: [Double] = []
        for (ours, theirs) in zip(runs(of: contender, scenario: scenario), runs(of: baseline, scenario: scenario)) {
            let (a, b) = (metric(ours.summary), metric(theirs.summary))
            if max(a, b) >= floor { ratios.append((a + floor) / (b + floor)) }
        }
        return ratios.isEmpty ? nil : geometricMean(ratios)
    }

    /// Σ of `metric` over all of `contender`'s runs over the same for `baseline`'s, for amounts
    /// that add up (drops), where the runs that lose most should weigh most; nil when both sums
    /// are zero, infinite when only the baseline's is.
    public func totalRatio(_ contender: Contender, to baseline: Contender, _ metric: (RunSummary) -> Double) -> Double? {
        let (ours, theirs) = (runs(of: contender).reduce(0) { $0 + metric($1.summary) },
                              runs(of: baseline).reduce(0) { $0 + metric($1.summary) })
        return ours == 0 && theirs == 0 ? nil : ours / theirs
    }
}

/// `value` as an option takes it on a command line: 2 rather than 2.0, 0.05 as it is.
func shortNumber(_ value: Double) -> String {
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}
