import ArgumentParser
import Planning
import RSSRecords
import ToolSupport

extension Algorithm: ExpressibleByArgument {}

@main
struct RSSPlan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-plan",
        abstract: "Read load records on stdin, write one plan record per load record on stdout.",
        discussion: "Algorithms: " + Algorithm.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; "),
        version: rssppVersion)

    @Option(help: "Balancing algorithm: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
    var algorithm = Algorithm.standard
    // Numeric options take the next argument whatever it looks like, so that `--min-queues -4`
    // is refused for its value rather than taken for a missing one.
    @Option(parsing: .unconditional,
            help: "Distance from the mean load (in cores) before buckets move (default: rsspp 0.02, adaptive the traffic's noise × --move-cost).")
    var threshold: Double?
    @Option(parsing: .unconditional, help: "Load each core should run at when autoscaling, 0.01 to 1.")
    var targetLoad = PlannerOptions().targetLoad
    @Flag(help: "Switch queues off and on with the load.")
    var autoscale = false
    @Option(parsing: .unconditional, help: "Fewest queues to keep in use when autoscaling.")
    var minQueues = PlannerOptions().minQueues
    @Option(parsing: .unconditional, help: "Most queues to use when autoscaling (default: all).")
    var maxQueues: Int?
    @Option(parsing: .unconditional, help: "Most table entries one plan may change.")
    var maxMoves: Int?
    @Option(parsing: .unconditional,
            help: """
                adaptive: the price of a move, 0 or more (default: \(AdaptiveBalancer.defaultMoveCost)); \
                0 balances most, larger values move less traffic.
                """)
    var moveCost: Double?
    @Flag(help: "Write only plans that change the table.")
    var changesOnly = false
    @Flag(help: "Balance packets even when records carry CPU load (cores whose busy time does not follow their packets).")
    var ignoreLoad = false
    @Flag(help: "Report and skip invalid records instead of stopping.")
    var skipInvalid = false
    @Option(parsing: .unconditional, help: "Longest input line accepted, in bytes.")
    var maxLineBytes = RecordContract.defaultMaxLineBytes
    @Option(help: ArgumentHelp("Keep the planner's history in this file between runs (read at start, replaced at the end).",
                               valueName: "file"))
    var state: String?

    func validate() throws {
        if let threshold, !(threshold >= 0 && threshold.isFinite) { throw ValidationError("--threshold must be 0 or more") }
        let loads = PlannerOptions.targetLoads
        guard loads.contains(targetLoad) else {
            throw ValidationError("--target-load is \(targetLoad): it must be from \(loads.lowerBound) to \(loads.upperBound)")
        }
        guard minQueues >= 1 else { throw ValidationError("--min-queues is \(minQueues): it must be a positive number") }
        if let maxQueues, maxQueues < minQueues { throw ValidationError("--max-queues must be at least --min-queues") }
        if let maxMoves, maxMoves < 0 { throw ValidationError("--max-moves is \(maxMoves): it must be 0 or more") }
        if let moveCost {
            guard algorithm == .adaptive else { throw ValidationError("--move-cost is for the adaptive algorithm") }
            guard moveCost >= 0 && moveCost.isFinite else {
                throw ValidationError("--move-cost is \(moveCost): it must be 0 or more")
            }
        }
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes is \(maxLineBytes): it must be a positive number") }
    }

    func run() throws {
        let options = PlannerOptions(threshold: threshold, targetLoad: targetLoad, autoscale: autoscale,
                                     minQueues: minQueues, maxQueues: maxQueues, maxMoves: maxMoves,
                                     moveCost: moveCost)
        let stateFile = state.map(PlannerStateFile.init(path:))
        var filter: PlanFilter
        do {
            let restoration = try stateFile?.load(algorithm, options: options)
            if case .setAside(let why)? = restoration { diagnose(why) }
            filter = PlanFilter(algorithm: algorithm, options: options, changesOnly: changesOnly, ignoreLoad: ignoreLoad,
                                restoring: restoration?.saved)
        } catch {
            diagnose(error.description)
            throw ExitCode(error.status)
        }
        if let stateFile {
            // The history is saved however the run ends: end of input, a bad record, a closed
            // output, SIGINT or SIGTERM (after the record being planned).
            Termination.install {
                do throws(ToolFailure) {
                    try filter.save(to: stateFile)
                    return nil
                } catch {
                    diagnose(error.description)
                    return error.status
                }
            }
        }
        RecordOutput.prepare()
        let status = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes).run { line, number in
            let plan = try Termination.deferring { try filter.process(line, lineNumber: number) }
            if let notice = filter.takeNotice() { diagnose(notice) }
            if let plan { RecordOutput.write(plan) }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
