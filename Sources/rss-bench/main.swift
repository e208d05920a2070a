import ArgumentParser
import Benchmarks
import Planning
import ToolSupport

@main
struct RSSBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-bench",
        abstract: "Compare the planners on the simulated NIC's scenarios; writes Markdown on stdout.",
        version: rssppVersion)

    @Option(help: "Seeds per scenario (1...N; with --held-out 1001...1000+N).") var seeds = 5
    @Option(help: "Epochs per run.") var epochs = 600
    @Option(name: .customLong("scenario"), help: "Only this workload or held-out workload (repeatable).")
    var onlyScenarios: [String] = []
    @Option(help: "Epochs per solve-time measurement; 0 skips them.") var solveEpochs = 300
    @Flag(help: "Compare on the held-out workloads (other NIC shapes, loads, mixes, seeds) instead; no solve times.")
    var heldOut = false
    @Flag(help: "Chart mean imbalance against traffic moved instead: adaptive over --move-cost, rsspp over --threshold.")
    var frontier = false
    @Option(help: "With --frontier, also write its points as CSV to this file.") var frontierCsv: String?
    @Option(help: "With --frontier, link this image (scripts/plot-frontier's chart) under the heading.")
    var frontierChart: String?

    func validate() throws {
        if !frontier && (frontierCsv != nil || frontierChart != nil) {
            throw ValidationError("--frontier-csv and --frontier-chart need --frontier")
        }
    }

    func run() throws {
        let available = heldOut ? Workload.heldOut : Workload.tuning
        for name in onlyScenarios where !available.contains(where: { $0.name == name }) {
            throw ValidationError("unknown \(heldOut ? "held-out workload" : "workload") \"\(name)\"; choices: "
                                  + available.map(\.name).joined(separator: ", "))
        }
        let workloads = onlyScenarios.isEmpty ? available : available.filter { onlyScenarios.contains($0.name) }
        let firstSeed: UInt64 = heldOut ? 1001 : 1
        let seedList = (0..<UInt64(max(seeds, 1))).map { firstSeed + $0 }
        if frontier {
            let frontier = try Frontier(workloads: workloads, seeds: seedList, epochs: epochs,
                                        progress: { diagnose($0) })
            if let frontierCsv { try writeOutput(Array(frontier.csv().utf8), to: frontierCsv) }
            print(frontier.markdown(level: heldOut ? "###" : "##", chart: frontierChart), terminator: "")
            return
        }
        let comparison = try PlannerComparison(workloads: workloads, seeds: seedList, epochs: epochs,
                                               progress: { diagnose($0) })
        var targets = comparison.targets()
        var timing = ""
        if solveEpochs > 0 && !heldOut {
            let contenders = [Contender(.rsspp), Contender(.standard)]
            let times = try SolveTimes(contenders: contenders, epochs: solveEpochs, progress: { diagnose($0) })
            targets += times.targets()
            timing = "## Solve time\n\nOn `steady` traffic, \(solveEpochs) epochs per cell.\n\n"
                + times.markdownTable(contenders: contenders) + "\n"
        }
        let level = heldOut ? "###" : "##"
        var report = "\(level) Setup\n\n" + comparison.markdownSetup() + "\n"
        report += "\(level) Targets (\(Algorithm.standard.rawValue) against rsspp)\n\n" + markdownTable(targets) + "\n"
        report += "\(level) Where \(Algorithm.standard.rawValue) is not ahead of rsspp (means over seeds)\n\n"
            + comparison.markdownShortfalls() + "\n"
        report += timing
        report += "\(level) Per \(heldOut ? "workload" : "scenario") (means over seeds)\n\n"
            + comparison.markdownTables(level: level + "#")
        print(report, terminator: "")
    }
}
