#if canImport(Glibc)
import Glibc
#endif

/// Seconds since the Unix epoch from the real-time clock: what `time` and `applied` hold.
public func unixTime() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Nanoseconds on the monotonic clock, for intervals and deadlines that wall-clock steps
/// (NTP, settimeofday) must not stretch or shrink.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
