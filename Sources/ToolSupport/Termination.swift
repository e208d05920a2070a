#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGINT and SIGTERM held off while a write is in progress, so that a signal never leaves a
/// temporary file behind or a device half-configured, and the process still ends by the signal.
public enum Termination {
    /// Blocks SIGINT and SIGTERM and starts the thread that takes them. On a signal it waits for
    /// the write in progress, runs `cleanup` and ends the process by the signal, or with the
    /// status `cleanup` returns. At `exit(3)`, `cleanup` runs too, after the write in progress.
    /// Either way no write starts after it. Call once, before any other thread starts, so that
    /// every thread inherits the blocked signals.
    public static func install(cleanup: @escaping () -> Int32? = { nil }) {
        precondition(gate.cleanup == nil, "Termination.install called twice")
        gate.cleanup = cleanup
        atexit { gate.end(by: nil) }
        var signals = terminationSignals
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in
            var signals = terminationSignals
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { return nil }
            gate.end(by: received)
            return nil
        }, nil)
        precondition(created == 0, "cannot start the signal thread")
    }

    /// Runs `body` with termination held off until it returns.
    public static func deferring<Result, Failure>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        gate.lock()
        defer { gate.unlock() }
        return try body()
    }
}

/// The lock every write holds, and what ends the process once it has it.
private final class Gate: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Set once by `install`, before the signal thread exists.
    var cleanup: (() -> Int32?)?

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        // A thread that exits from inside a write must not deadlock on its own lock at exit.
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ERRORCHECK))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Takes the lock for good, cleans up, and ends by `signal` (nil: the process is exiting).
    func end(by signal: Int32?) {
        lock()
        if let status = cleanup?() { _exit(status) }
        guard let signal else { return }
        // End with the signal itself, as the shell expects of an interrupted tool.
        Glibc.signal(signal, SIG_DFL)
        var signals = terminationSignals
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        raise(signal)
    }
}

private let gate = Gate()

private var terminationSignals: sigset_t {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    return signals
}
