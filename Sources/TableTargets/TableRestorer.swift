import ToolSupport

/// `rss-apply --restore-on-exit`: remembers the table each target had when it was first read
/// and puts it back, if rss-apply wrote another, when the process ends: at end of input, on a
/// closed output, on an error, or on SIGINT/SIGTERM.
///
/// Reads and writes of its targets run inside `Termination.deferring` (PlanApplier does that),
/// so a restore triggered by a signal waits for a write in progress, and no write follows it.
public final class TableRestorer {
    private var originals: [RestoringTarget] = []
    private var restored = false

    public init() {}

    /// `target`, remembering its table on first use and putting it back on `restore()`.
    public func guarding(_ target: any TableTarget) -> any TableTarget {
        RestoringTarget(base: target, restorer: self)
    }

    /// Puts every remembered table back, once; returns what could not be restored.
    public func restore() -> [TargetError] {
        guard !restored else { return [] }
        restored = true
        return originals.compactMap { target -> TargetError? in
            guard target.wrote, let original = target.original else { return nil }
            do throws(TargetError) { try target.base.restore(original); return nil } catch { return error }
        }
    }

    /// Restores at process exit (`exit(3)`, also from deep inside a tool) and on SIGINT and
    /// SIGTERM, after which the process ends with that signal, or with status 69 when a table
    /// could not be restored. Call once, before any thread starts.
    public func restoreOnExit() {
        Termination.install { [self] in
            let failures = restore()
            for failure in failures { diagnose("restoring the table: \(failure.description)") }
            return failures.isEmpty ? nil : ExitStatus.unavailable
        }
    }

    fileprivate func remember(_ target: RestoringTarget) { originals.append(target) }

    fileprivate var isRestored: Bool { restored }
}

private final class RestoringTarget: TableTarget {
    let base: any TableTarget
    let restorer: TableRestorer
    /// The table found at the first read.
    private(set) var original: DeviceTable?
    private(set) var wrote = false

    init(base: any TableTarget, restorer: TableRestorer) {
        self.base = base
        self.restorer = restorer
    }

    var device: String { base.device }

    func read() throws(TargetError) -> DeviceTable {
        let table = try base.read()
        remember(table)
        return table
    }

    func write(_ reta: [Int]) throws(TargetError) { try write(reta, planTime: nil) }

    func write(_ reta: [Int], planTime: Double?) throws(TargetError) {
        guard !restorer.isRestored else {
            throw TargetError("\(device): the table found at start was restored; not writing another")
        }
        if original == nil { remember(try base.read()) }
        wrote = true
        try base.write(reta, planTime: planTime)
    }

    func claim() throws -> FileLock? { try base.claim() }

    private func remember(_ table: DeviceTable) {
        guard original == nil else { return }
        original = table
        restorer.remember(self)
    }
}
