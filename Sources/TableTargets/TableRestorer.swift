#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ToolSupport

/// `rss-apply --restore-on-exit`: remembers the table each target had when it was first read
/// and writes it back, if rss-apply wrote another, when the process ends: at end of input, on a
/// closed output, on an error, or on SIGINT/SIGTERM.
///
/// Every read and write of a wrapped target goes through one lock, so a restore triggered by a
/// signal waits for a write in progress, and no write follows it.
public final class TableRestorer: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var originals: [RestoringTarget] = []
    private var restored = false

    public init() { pthread_mutex_init(&mutex, nil) }

    /// `target`, remembering its table on first use and writing it back on `restore()`.
    public func guarding(_ target: any TableTarget) -> any TableTarget {
        RestoringTarget(base: target, restorer: self)
    }

    /// Writes every remembered table back, once; returns what could not be restored.
    public func restore() -> [TargetError] {
        locked { () -> [TargetError] in
            guard !restored else { return [] }
            restored = true
            return originals.compactMap { target -> TargetError? in
                guard target.wrote, let original = target.original else { return nil }
                do throws(TargetError) { try target.base.write(original); return nil } catch { return error }
            }
        }
    }

    /// Restores at process exit (`exit(3)`, also from deep inside a tool) and on SIGINT and
    /// SIGTERM, after which the process ends with that signal. Call once, before any thread
    /// starts, so every thread inherits the blocked signals.
    public func restoreOnExit() {
        precondition(TableRestorer.atExit == nil, "one restorer per process")
        TableRestorer.atExit = self
        atexit {
            guard let restorer = TableRestorer.atExit else { return }
            if reportFailures(restorer.restore()) { _exit(ExitStatus.unavailable) }
        }
        var signals = terminationSignals
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in
            var signals = terminationSignals
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0, let restorer = TableRestorer.atExit else { return nil }
            if reportFailures(restorer.restore()) { _exit(ExitStatus.unavailable) }
            // End with the signal itself, as the shell expects of an interrupted tool.
            signal(received, SIG_DFL)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            raise(received)
            return nil
        }, nil)
        precondition(created == 0, "cannot start the signal thread")
    }

    nonisolated(unsafe) private static var atExit: TableRestorer?

    fileprivate func remember(_ target: RestoringTarget) { originals.append(target) }

    fileprivate func locked<Result, Failure>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    fileprivate var isRestored: Bool { restored }
}

private var terminationSignals: sigset_t {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    return signals
}

/// Reports each failed restore on stderr; true when there was one.
private func reportFailures(_ failures: [TargetError]) -> Bool {
    for failure in failures { diagnose("restoring the table: \(failure.description)") }
    return !failures.isEmpty
}

private final class RestoringTarget: TableTarget {
    let base: any TableTarget
    let restorer: TableRestorer
    /// The table found at the first read; only the restorer's lock guards these.
    private(set) var original: [Int]?
    private(set) var wrote = false

    init(base: any TableTarget, restorer: TableRestorer) {
        self.base = base
        self.restorer = restorer
    }

    var device: String { base.device }

    func read() throws(TargetError) -> DeviceTable {
        try restorer.locked { () throws(TargetError) in
            let table = try base.read()
            remember(table.reta)
            return table
        }
    }

    func write(_ reta: [Int]) throws(TargetError) {
        try restorer.locked { () throws(TargetError) in
            guard !restorer.isRestored else {
                throw TargetError("\(device): the table found at start was restored; not writing another")
            }
            if original == nil { remember(try base.read().reta) }
            wrote = true
            try base.write(reta)
        }
    }

    private func remember(_ reta: [Int]) {
        guard original == nil else { return }
        original = reta
        restorer.remember(self)
    }
}
