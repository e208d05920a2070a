#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Balancing
import TableTargets
import ToolSupport

RSSBalance.main()

struct RSSBalance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-balance",
        abstract: "Run rss-count | rss-plan | rss-apply for one device as a service: restart it when a stage fails, "
            + "log one line per event, put the table found at start back on stop.",
        discussion: "Each option is also a key of the --config file (--count-options is COUNT_OPTIONS); the command line wins.",
        version: rssppVersion)

    @Argument(help: "The device balanced: ethtool:IFACE, dpdk:PORT[@PREFIX] or file:PATH (the simulated NIC).")
    var device: String

    @Option(help: "A config file of KEY=VALUE lines (e.g. /etc/rsspp/eth0.conf).")
    var config: String?

    @Option(help: "Seconds per epoch (INTERVAL; default 1).")
    var interval: Double?

    @Option(parsing: .unconditional, help: "rss-count's source, split as a shell would (SOURCE; default xdp:IFACE, dpdk:PORT, or sim --nic PATH).")
    var source: String?

    @Option(help: "file: only: the simulated traffic's scenario (SCENARIO).")
    var scenario: String?

    @Option(parsing: .unconditional, help: "More rss-count options, split as a shell would (COUNT_OPTIONS).")
    var countOptions: String?

    @Option(parsing: .unconditional, help: "rss-plan options (PLAN_OPTIONS).")
    var planOptions: String?

    @Option(parsing: .unconditional, help: "rss-apply options (APPLY_OPTIONS).")
    var applyOptions: String?

    @Option(parsing: .unconditional, help: "rss-migrate options (MIGRATE_OPTIONS).")
    var migrateOptions: String?

    @Option(help: "An owner's control socket for rss-migrate; repeatable (MIGRATE, space separated).")
    var migrate: [String] = []

    @Option(help: "rss-plan's state file, kept between runs (STATE).")
    var state: String?

    @Option(help: "node_exporter textfile kept up to date by rss-report --follow (PROMETHEUS).")
    var prometheus: String?

    @Option(help: "Append the pipeline's final records to this file (RECORDS; default: discarded).")
    var records: String?

    @Option(help: "Where rss-count and the other tools are (TOOLS_DIR; default: rss-balance's own directory).")
    var toolsDir: String?

    @Option(help: "Seconds before the first restart (BACKOFF_MIN; default 1).")
    var backoffMin: Double?

    @Option(help: "Longest wait between restarts, doubling from --backoff-min (BACKOFF_MAX; default 60).")
    var backoffMax: Double?

    @Option(help: "Restart the pipeline when no record came for this long (STALL_TIMEOUT; default max(5, 20 × interval)).")
    var stallTimeout: Double?

    @Option(help: "Seconds between summary lines (SUMMARY_EVERY; default 300).")
    var summaryEvery: Double?

    func run() throws {
        let settings: BalanceSettings
        do {
            let file = try config.map(ConfigFile.load) ?? BalanceOptions()
            settings = try BalanceSettings(device: device, options: file.overridden(by: try commandLine()),
                                           ownDirectory: executableDirectory())
        } catch {
            diagnose(error.description)
            throw ExitCode(ExitStatus.configuration)
        }
        // The lead adds DPDKProxy.DPDKKinds.target here when DPDK moves behind its proxy.
        let status = Supervisor(settings: settings, targetOptions: TargetOptions(extraKinds: [])).run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The options given here, checked as the config file's are.
    private func commandLine() throws(ConfigError) -> BalanceOptions {
        var options = BalanceOptions()
        options.interval = try BalanceOptions.checkedSeconds(interval, "--interval")
        options.backoffMin = try BalanceOptions.checkedSeconds(backoffMin, "--backoff-min")
        options.backoffMax = try BalanceOptions.checkedSeconds(backoffMax, "--backoff-max")
        options.stallTimeout = try BalanceOptions.checkedSeconds(stallTimeout, "--stall-timeout")
        options.summaryEvery = try BalanceOptions.checkedSeconds(summaryEvery, "--summary-every")
        options.countOptions = try BalanceOptions.words(countOptions, "--count-options")
        options.planOptions = try BalanceOptions.words(planOptions, "--plan-options")
        options.applyOptions = try BalanceOptions.words(applyOptions, "--apply-options")
        options.migrateOptions = try BalanceOptions.words(migrateOptions, "--migrate-options")
        options.source = source
        options.scenario = scenario
        options.migrate = migrate.isEmpty ? nil : migrate
        options.state = state
        options.prometheus = prometheus
        options.records = records
        options.toolsDir = toolsDir
        return options
    }
}
