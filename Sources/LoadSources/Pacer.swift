#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import ToolSupport

/// SIGINT and SIGTERM held pending instead of killing the process, so that a counter stops
/// between two records rather than in the middle of writing one.
public struct StopSignals: Sendable {
    private let signals: sigset_t
    /// Longest stretch a wait goes without checking whether standard output is still read.
    private static let readerCheckNanoseconds: UInt64 = 100_000_000

    /// Blocks the signals for the process; call before any thread starts.
    public static func hold() -> StopSignals {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        return StopSignals(signals: signals)
    }

    private init(signals: sigset_t) { self.signals = signals }

    public var arrived: Bool {
        var pending = sigset_t()
        sigpending(&pending)
        return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1
    }

    /// Sleeps until `deadline` (monotonic nanoseconds); true when a stop signal came first, or
    /// the reader of standard output went away: a counter whose records nobody reads stops
    /// then, not at its next write, which may be an interval away.
    func sleep(until deadline: UInt64) -> Bool {
        var signals = self.signals
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { return arrived }
            if RecordOutput.readerGone() { return true }
            let remaining = min(deadline - now, Self.readerCheckNanoseconds)
            var timeout = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
            if sigtimedwait(&signals, nil, &timeout) > 0 { return true }
            guard errno == EAGAIN || errno == EINTR else { return arrived }
        }
    }
}

/// When a source may produce its next epoch: at its time on the wall clock (real time), or at
/// once; either way never after a stop signal.
public struct Pacer: Sendable {
    public let realTime: Bool
    private let stopSignals: StopSignals?
    private let start = monotonicNanoseconds()

    public init(realTime: Bool, stopSignals: StopSignals? = nil) {
        self.realTime = realTime
        self.stopSignals = stopSignals
    }

    /// Waits until `seconds` after the pacer was made (in real time only); false when the run
    /// should stop instead.
    public func wait(untilElapsed seconds: Double) -> Bool {
        guard realTime else { return stopSignals?.arrived != true }
        let deadline = start + UInt64(max(0, seconds) * 1e9)
        if let stopSignals { return !stopSignals.sleep(until: deadline) }
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
        return true
    }
}
