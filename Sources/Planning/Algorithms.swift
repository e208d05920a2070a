import RSSRecords

/// Something that turns each load record into its plan: a `PlanningSession` of one algorithm.
public protocol RecordPlanner {
    mutating func plan(_ record: LoadRecord) -> PlanRecord
    /// The state file's contents (`PlannerStateFile`) for the history so far; nil before the
    /// first record.
    func encodedHistory(as algorithm: Algorithm) throws -> [UInt8]?
}

extension PlanningSession: RecordPlanner {}

/// The algorithms `rss-plan --algorithm` offers.
public enum Algorithm: String, CaseIterable, Sendable {
    case adaptive
    case rsspp
    case `static`

    public static let standard = Algorithm.adaptive

    public var summary: String {
        switch self {
        case .adaptive: "forecasts bucket loads and, beyond their noise, moves buckets where the balance bought is worth the traffic moved (--move-cost)"
        case .rsspp: "RSS++ as published (CoNEXT 2019), dead band, sit-out and all"
        case .static: "never changes the table (a baseline)"
        }
    }

    public func planner(options: PlannerOptions) -> any RecordPlanner {
        switch self {
        case .adaptive: PlanningSession<AdaptiveBalancer>(options: options)
        case .rsspp: PlanningSession<RSSPlusPlus>(options: options)
        case .static: PlanningSession<StaticTable>(options: options)
        }
    }
}
