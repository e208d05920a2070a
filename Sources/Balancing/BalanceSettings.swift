#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// One tool of the pipeline and its arguments (the tool found in the tools directory).
public struct Stage: Equatable, Sendable {
    public let tool: String
    public let arguments: [String]
    /// rss-apply: it takes over the device's writer lock that rss-balance holds.
    public let takesTheLock: Bool

    init(_ tool: String, _ arguments: [String], takesTheLock: Bool = false) {
        self.tool = tool
        self.arguments = arguments
        self.takesTheLock = takesTheLock
    }
}

/// Everything rss-balance runs by, defaults filled in: the pipeline for `device` and how it is
/// watched and restarted.
public struct BalanceSettings: Sendable {
    public let device: String
    public let stages: [Stage]
    public let toolsDirectory: String
    public let records: String?
    /// STATE: rss-plan's history file.
    public let state: String?
    public let backoffMin: Double
    public let backoffMax: Double
    public let stallTimeout: Double
    public let summaryEvery: Double
    /// The RSS context rss-apply writes and rss-balance locks and restores (0: the main table).
    public let context: UInt32

    /// rss-count's own default, and RSS++'s: the table follows the load within a tenth of a second.
    public static let defaultInterval = 0.1

    /// `ownDirectory`: where rss-balance itself is, the tools' directory unless TOOLS_DIR says.
    public init(device: String, options: BalanceOptions, ownDirectory: String) throws(ConfigError) {
        self.device = device
        let interval = options.interval ?? BalanceSettings.defaultInterval
        var stages = [Stage("rss-count", try BalanceSettings.source(for: device, options)
                            + ["--interval", recordNumber(interval)] + (options.countOptions ?? [])),
                      Stage("rss-plan", (options.state.map { ["--state", $0] } ?? []) + (options.planOptions ?? [])),
                      Stage("rss-apply", [device] + (options.context.map { ["--context", String($0)] } ?? [])
                            + (try BalanceSettings.applyOptions(options)), takesTheLock: true)]
        if let sockets = options.migrate, !sockets.isEmpty { stages.append(Stage("rss-migrate", sockets + (options.migrateOptions ?? []))) }
        if let prometheus = options.prometheus { stages.append(Stage("rss-report", ["--follow", "--prometheus", prometheus])) }
        self.stages = stages
        toolsDirectory = options.toolsDir ?? ownDirectory
        records = options.records
        state = options.state
        backoffMin = options.backoffMin ?? 1
        backoffMax = options.backoffMax ?? 60
        guard backoffMin <= backoffMax else {
            throw ConfigError("BACKOFF_MIN (--backoff-min) is \(recordNumber(backoffMin)), more than BACKOFF_MAX (--backoff-max) \(recordNumber(backoffMax))")
        }
        stallTimeout = options.stallTimeout ?? max(5, 20 * interval)
        summaryEvery = options.summaryEvery ?? 300
        context = options.context ?? 0
    }

    /// APPLY_OPTIONS, which must not name a context: rss-balance would lock and restore another
    /// table than the one rss-apply writes.
    private static func applyOptions(_ options: BalanceOptions) throws(ConfigError) -> [String] {
        let words = options.applyOptions ?? []
        guard !words.contains(where: { $0 == "--context" || $0.hasPrefix("--context=") }) else {
            throw ConfigError("APPLY_OPTIONS (--apply-options): give the RSS context as CONTEXT (--context), "
                + "so that rss-balance locks and restores the table rss-apply writes")
        }
        return words
    }

    /// rss-count's source words: SOURCE as given, or the one the device's kind counts with.
    private static func source(for device: String, _ options: BalanceOptions) throws(ConfigError) -> [String] {
        let (kind, argument) = splitKind(device)
        guard let argument, !argument.isEmpty, ["ethtool", "dpdk", "file"].contains(kind) else {
            throw ConfigError("unknown device \"\(device)\"; expected ethtool:IFACE, dpdk:PORT[@PREFIX] or file:PATH")
        }
        if let scenario = options.scenario {
            guard kind == "file" else { throw ConfigError("SCENARIO (--scenario) applies to file: devices, not \(device)") }
            guard options.source == nil else { throw ConfigError("SCENARIO (--scenario) and SOURCE (--source) are both set; give one") }
            return ["sim:\(scenario)", "--nic", argument]
        }
        if let words = try BalanceOptions.words(options.source, "SOURCE (--source)") { return words }
        switch kind {
        case "ethtool": return ["xdp:\(argument)"]
        case "dpdk": return [device]
        default: return ["sim", "--nic", argument]
        }
    }
}
