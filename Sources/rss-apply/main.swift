import ArgumentParser
import TableTargets
import ToolSupport

RSSApply.main()

struct RSSApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-apply",
        abstract: "Write the tables of plan records (stdin) to their devices and re-emit each plan with \"applied\".")

    @Argument(help: "Where every table goes (file:PATH); default: each plan's \"device\".")
    var target: String?

    @Flag(help: "Validate each plan against its target and re-emit it, without writing.")
    var dryRun = false

    @Flag(help: "Report a bad plan on stderr and go on with the next one (default: exit 65).")
    var skipInvalid = false

    func run() throws {
        var applier: PlanApplier
        do { applier = try PlanApplier(target: target, dryRun: dryRun) } catch { throw ValidationError(error.description) }
        RecordOutput.prepare()
        let status = RecordLoop(skipInvalid: skipInvalid).run { line, number in
            RecordOutput.write(try applier.apply(line, number: number))
        }
        if status != 0 { throw ExitCode(status) }
    }
}
