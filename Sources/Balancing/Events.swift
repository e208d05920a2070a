#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// rss-balance's log: one stderr line per event, `rss-balance DEVICE: what happened`, never one
/// per plan (a journal fed a line per plan grows by gigabytes a day).
struct EventLog {
    let prefix: String

    init(device: String) { prefix = "rss-balance \(device): " }

    func event(_ message: String) {
        let line = Array((prefix + message + "\n").utf8)
        line.withUnsafeBytes { raw in _ = write(STDERR_FILENO, raw.baseAddress!, raw.count) }
    }
}

/// How many of a stage's stderr lines are passed on: `burst` per `window` seconds, the rest
/// counted and said in one line. rss-apply reports each stale plan it refuses; passed on whole,
/// that would be a line per plan again.
struct ForwardingLimit {
    static let burst = 10
    static let window = 60.0

    private var windowStart: Double
    private var shown = 0
    private(set) var suppressed = 0

    init(now: Double) { windowStart = now }

    /// Whether a line arriving at `now` is shown, and how many were held back in the window that
    /// just ended (to be said first), if any.
    mutating func admit(at now: Double) -> (show: Bool, heldBack: Int) {
        var heldBack = 0
        if now - windowStart >= ForwardingLimit.window {
            heldBack = takeSuppressed()
            windowStart = now
            shown = 0
        }
        guard shown < ForwardingLimit.burst else { suppressed += 1; return (false, heldBack) }
        shown += 1
        return (true, heldBack)
    }

    /// The lines held back so far, counted as said.
    mutating func takeSuppressed() -> Int {
        defer { suppressed = 0 }
        return suppressed
    }
}

/// What the plans that came out of the pipeline since the last summary did.
struct PlanTally {
    private(set) var plans = 0
    private var written = 0
    private var moved = 0
    private var last: PlanRecord?

    /// Counts `line` when it is a plan record (other lines, such as a later stage's own
    /// records, are passed over).
    mutating func count(_ line: ArraySlice<UInt8>) {
        guard let plan = try? PlanRecord(jsonLine: line, lineNumber: plans + 1) else { return }
        plans += 1
        if plan.applied != nil {
            written += 1
            moved += plan.moves.count
        }
        last = plan
    }

    var summary: String {
        var text = "summary: \(plans) plans, \(written) written, \(moved) entries moved"
        if let last {
            text += ", imbalance \(rounded(last.imbalanceBefore)) before the last plan, \(rounded(last.imbalanceAfter)) planned after"
        }
        return text
    }
}

/// Three decimals: enough to compare imbalances in a log.
private func rounded(_ value: Double) -> String { recordNumber((value * 1000).rounded() / 1000) }
