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
    public var migrate: [String]?
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
        BalanceOptions.texts.values.forEach(take)
        BalanceOptions.wordLists.values.forEach(take)
        BalanceOptions.durations.values.forEach(take)
        return merged
    }

    /// The config file's keys, by the kind of value they take. Each is also an option:
    /// `COUNT_OPTIONS` is `--count-options`.
    static var texts: [String: WritableKeyPath<BalanceOptions, String?>] {
        ["SOURCE": \.source, "SCENARIO": \.scenario, "STATE": \.state, "PROMETHEUS": \.prometheus,
         "RECORDS": \.records, "TOOLS_DIR": \.toolsDir]
    }
    /// Split into words as a shell would.
    static var wordLists: [String: WritableKeyPath<BalanceOptions, [String]?>] {
        ["COUNT_OPTIONS": \.countOptions, "PLAN_OPTIONS": \.planOptions, "APPLY_OPTIONS": \.applyOptions,
         "MIGRATE_OPTIONS": \.migrateOptions, "MIGRATE": \.migrate]
    }
    /// Positive numbers of seconds.
    static var durations: [String: WritableKeyPath<BalanceOptions, Double?>] {
        ["INTERVAL": \.interval, "BACKOFF_MIN": \.backoffMin, "BACKOFF_MAX": \.backoffMax,
         "STALL_TIMEOUT": \.stallTimeout, "SUMMARY_EVERY": \.summaryEvery]
    }

    static var keys: [String] { Array(texts.keys) + Array(wordLists.keys) + Array(durations.keys) }

    /// A config file key's setting, by the kind of value it takes.
    enum Field {
        case text(WritableKeyPath<BalanceOptions, String?>)
        case words(WritableKeyPath<BalanceOptions, [String]?>)
        case seconds(WritableKeyPath<BalanceOptions, Double?>)
    }

    static func field(_ key: String) -> Field? {
        texts[key].map(Field.text) ?? wordLists[key].map(Field.words) ?? durations[key].map(Field.seconds)
    }

    /// Sets `field`, the config file's `key`, from its `value`.
    mutating func set(_ field: Field, key: String, to value: String) throws(ConfigError) {
        switch field {
        case .text(let path): self[keyPath: path] = value
        case .words(let path): self[keyPath: path] = try BalanceOptions.words(value, key)
        case .seconds(let path): self[keyPath: path] = try BalanceOptions.seconds(value, key)
        }
    }

    /// A number of seconds as a setting named `name` takes it: positive and finite.
    static func seconds(_ text: String, _ name: String) throws(ConfigError) -> Double? {
        guard let value = Double(text) else { throw ConfigError("\(name) is \"\(text)\": expected a number of seconds") }
        return try checkedSeconds(value, name)
    }

    public static func checkedSeconds(_ value: Double?, _ name: String) throws(ConfigError) -> Double? {
        guard let value else { return nil }
        guard value > 0, value.isFinite else { throw ConfigError("\(name) is \(value): it must be a positive number of seconds") }
        return value
    }

    /// The words of the setting `name`'s `text`, split as a shell would.
    public static func words(_ text: String?, _ name: String) throws(ConfigError) -> [String]? {
        guard let text else { return nil }
        do { return try ShellWords.split(text) } catch { throw ConfigError("\(name): \(error)") }
    }
}
