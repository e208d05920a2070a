#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// DPDK's multi-process tests need root: hugepages, a hugetlbfs mount, /var/run/dpdk. They run
/// when the other privileged tests do (`privilegedTestsRun`), always under CI=true.
enum Privilege {
    static let reason: Comment = "DPDK tests need root (hugepages, hugetlbfs, /var/run/dpdk); run as root or with CI=true"
}

/// The DPDK path end to end: each test starts a primary and its secondaries, so they run one
/// at a time, sparing the shared cores and keeping timings honest.
@Suite(.serialized, .enabled(if: privilegedTestsRun, Privilege.reason))
enum DPDKPath {}

/// The CPUs this process may run on, as EAL's `--lcores` wants them (`0-1`, `0,2-3`).
func allowedCPUs() throws -> String {
    let status = String(decoding: try readFile("/proc/self/status"), as: UTF8.self)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
        throw TestFailure("/proc/self/status has no Cpus_allowed_list")
    }
    return String(line.dropFirst("Cpus_allowed_list:".count)).trimmingWhitespace()
}
