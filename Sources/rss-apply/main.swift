import ArgumentParser
import DPDKPort
import TableTargets
import ToolSupport

RSSApply.main()

struct RSSApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-apply",
        abstract: "Write the tables of plan records (stdin) to their devices and re-emit each plan with \"applied\".",
        version: rssppVersion)

    @Argument(help: "Where every table goes (file:PATH, ethtool:IFACE, dpdk:PORT[@FILE_PREFIX]); default: each plan's \"device\".")
    var target: String?

    @Option(help: "The RSS context an ethtool: target writes (0: the device's main table).")
    var context: UInt32 = 0

    @Flag(help: "Write back the table found at start at end of input, on SIGINT/SIGTERM, on any exit.")
    var restoreOnExit = false

    @Flag(help: "Validate each plan against its target and re-emit it, without writing.")
    var dryRun = false

    @Flag(help: "Report a bad plan on stderr and go on with the next one (default: exit 65).")
    var skipInvalid = false

    func run() throws {
        let restorer = restoreOnExit ? TableRestorer() : nil
        restorer?.restoreOnExit()
        var applier: PlanApplier
        do {
            applier = try PlanApplier(target: target, dryRun: dryRun, options: TargetOptions(context: context, extraKinds: [DPDKKinds.target]),
                                      restorer: restorer)
        } catch {
            throw ValidationError(error.description)
        }
        RecordOutput.prepare()
        let status = RecordLoop(skipInvalid: skipInvalid).run { line, number in
            RecordOutput.write(try applier.apply(line, number: number))
        }
        if status != 0 { throw ExitCode(status) }
    }
}
