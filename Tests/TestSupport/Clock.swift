#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// Seconds on the monotonic clock, for deadlines that wall-clock steps must not move.
public func monotonicSeconds() -> Double { Double(monotonicNanoseconds()) / 1e9 }

/// Polls `condition` every 20 ms for up to `seconds`; true once it holds.
public func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}
