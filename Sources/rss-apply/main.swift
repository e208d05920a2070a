import ArgumentParser
import DPDKProxy
import RSSRecords
import TableTargets
import ToolSupport

RSSApply.main()

extension StalePlanPolicy: ExpressibleByArgument {}

struct RSSApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-apply",
        abstract: "Write the tables of plan records (stdin) to their devices and re-emit each plan with \"applied\".",
        version: rssppVersion)

    @Argument(help: "Where every table goes (file:PATH, ethtool:IFACE, dpdk:PORT[@FILE_PREFIX]); default: each plan's \"device\".")
    var target: String?

    @Option(help: "The RSS context an ethtool: target writes (0: the device's main table).")
    var context: UInt32 = 0

    @Flag(help: "Put back the table found at start (a driver's default as `ethtool -X IFACE default` does) at end of input, on SIGINT/SIGTERM, on any exit.")
    var restoreOnExit = false

    @Flag(help: "Validate each plan against its target and re-emit it, without writing.")
    var dryRun = false

    @Option(help: "A plan made from a table the device no longer has: refuse (leave the table, pass the plan on without \"applied\") or rebase (write it, pass on the moves made).")
    var stalePlan = StalePlanPolicy.refuse

    @Flag(help: "Report a bad plan on stderr and go on with the next one (default: exit 65).")
    var skipInvalid = false

    @Option(help: "Longest input line accepted, in bytes.")
    var maxLineBytes = RecordContract.defaultMaxLineBytes

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes is \(maxLineBytes): it must be a positive number") }
    }

    func run() throws {
        let restorer = restoreOnExit ? TableRestorer() : nil
        if let restorer { restorer.restoreOnExit() } else { Termination.install() }
        var applier: PlanApplier
        do {
            applier = try PlanApplier(target: target, dryRun: dryRun, stalePlan: stalePlan,
                                      options: TargetOptions(context: context, extraKinds: [DPDKKinds.target]),
                                      restorer: restorer)
        } catch let failure as ToolFailure {
            diagnose(failure.description)
            throw ExitCode(failure.status)
        } catch {
            throw ValidationError("\(error)")
        }
        RecordOutput.prepare()
        let status = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes).run { line, number in
            RecordOutput.write(try applier.apply(line, number: number))
        }
        if status != 0 { throw ExitCode(status) }
    }
}
