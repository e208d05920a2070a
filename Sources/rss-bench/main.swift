import ArgumentParser
import Benchmarks
import NICSim
import Planning
import ToolSupport

@main
struct RSSBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-bench",
        abstract: "Compare the planners on the simulated NIC's scenarios; writes Markdown on stdout.")

    @Option(help: "Seeds per scenario (1...N).") var seeds = 5
    @Option(help: "Epochs per run.") var epochs = 600
    @Option(name: .customLong("scenario"), help: "Only this scenario (repeatable).") var onlyScenarios: [String] = []
    @Option(help: "Epochs per solve-time measurement; 0 skips them.") var solveEpochs = 300

    func run() throws {
        let scenarios = onlyScenarios.isEmpty ? Scenarios.all.map(\.name) : onlyScenarios
        for name in scenarios where (try? Scenarios.info(name)) == nil {
            throw ValidationError("unknown scenario \"\(name)\"; scenarios: " + Scenarios.all.map(\.name).joined(separator: ", "))
        }
        let comparison = try PlannerComparison(scenarios: scenarios, seeds: (1...UInt64(max(seeds, 1))).map { $0 },
                                               epochs: epochs, progress: { diagnose($0) })
        var targets = comparison.targets()
        var timing = ""
        if solveEpochs > 0 {
            let contenders = [Contender(.rsspp), Contender(.standard)]
            let times = try SolveTimes(contenders: contenders, epochs: solveEpochs, progress: { diagnose($0) })
            targets += times.targets()
            timing = "## Solve time\n\nOn `steady` traffic, \(solveEpochs) epochs per cell.\n\n"
                + times.markdownTable(contenders: contenders) + "\n"
        }
        var report = "## Setup\n\n" + comparison.markdownSetup() + "\n"
        report += "## Targets (\(Algorithm.standard.rawValue) against rsspp)\n\n" + markdownTable(targets) + "\n"
        report += "## Where \(Algorithm.standard.rawValue) is not ahead of rsspp (means over seeds)\n\n"
            + comparison.markdownShortfalls() + "\n"
        report += timing
        report += "## Per scenario (means over seeds)\n\n" + comparison.markdownTables()
        print(report, terminator: "")
    }
}
