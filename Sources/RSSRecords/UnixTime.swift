#if canImport(Glibc)
import Glibc
#endif

/// Seconds since the Unix epoch from the real-time clock: what `time` and `applied` hold.
public func unixTime() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
