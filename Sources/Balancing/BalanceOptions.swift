/// rss-balance's settings as given, on its command line or in its config file: nil (empty) where
/// not given. `BalanceSettings` fills in the defaults.
public struct BalanceOptions: Equatable, Sendable {
    public var interval: Double?
    public var source: String?
    public var scenario: String?
    public var countOptions: [String]?
    public var planOptions: [String]?
    public var applyOptions: [String]?
    public var migrateOptions: [String]?
    public var migrate: [String] = []
    public var state: String?
    public var prometheus: String?
    public var records: String?
    public var toolsDir: String?
    public var backoffMin: Double?
    public var backoffMax: Double?
    public var stallTimeout: Double?
    public var summaryEvery: Double?

    public init() {}

    /// These options, with every one `winner` sets taken from it (the command line over the file).
    public func overridden(by winner: BalanceOptions) -> BalanceOptions {
        var merged = self
        func take<Value>(_ field: WritableKeyPath<BalanceOptions, Value?>) {
            if let value = winner[keyPath: field] { merged[keyPath: field] = value }
        }
        take(\.interval); take(\.source); take(\.scenario)
        take(\.countOptions); take(\.planOptions); take(\.applyOptions); take(\.migrateOptions)
        take(\.state); take(\.prometheus); take(\.records); take(\.toolsDir)
        take(\.backoffMin); take(\.backoffMax); take(\.stallTimeout); take(\.summaryEvery)
        if !winner.migrate.isEmpty { merged.migrate = winner.migrate }
        return merged
    }

    /// The config file's keys, each with how its value is read. Each is also an option:
    /// `COUNT_OPTIONS` is `--count-options`.
    static let keys: [String: @Sendable (inout BalanceOptions, String) throws -> Void] = [
        "INTERVAL": { $0.interval = try seconds($1, "INTERVAL") },
        "SOURCE": { $0.source = $1 },
        "SCENARIO": { $0.scenario = $1 },
        "COUNT_OPTIONS": { $0.countOptions = try ShellWords.split($1) },
        "PLAN_OPTIONS": { $0.planOptions = try ShellWords.split($1) },
        "APPLY_OPTIONS": { $0.applyOptions = try ShellWords.split($1) },
        "MIGRATE_OPTIONS": { $0.migrateOptions = try ShellWords.split($1) },
        "MIGRATE": { $0.migrate = try ShellWords.split($1) },
        "STATE": { $0.state = $1 },
        "PROMETHEUS": { $0.prometheus = $1 },
        "RECORDS": { $0.records = $1 },
        "TOOLS_DIR": { $0.toolsDir = $1 },
        "BACKOFF_MIN": { $0.backoffMin = try seconds($1, "BACKOFF_MIN") },
        "BACKOFF_MAX": { $0.backoffMax = try seconds($1, "BACKOFF_MAX") },
        "STALL_TIMEOUT": { $0.stallTimeout = try seconds($1, "STALL_TIMEOUT") },
        "SUMMARY_EVERY": { $0.summaryEvery = try seconds($1, "SUMMARY_EVERY") },
    ]

    /// A number of seconds as a setting takes it: positive and finite.
    static func seconds(_ text: String, _ name: String) throws(ShellWords.Problem) -> Double {
        guard let value = Double(text) else { throw ShellWords.Problem("\(name) is \"\(text)\": expected a number of seconds") }
        return try checkedSeconds(value, name)
    }

    public static func checkedSeconds(_ value: Double, _ name: String) throws(ShellWords.Problem) -> Double {
        guard value > 0, value.isFinite else { throw ShellWords.Problem("\(name) is \(value): it must be a positive number of seconds") }
        return value
    }
}
