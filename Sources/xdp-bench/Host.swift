#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import XDPCounting

/// What moves the figures besides the program: the CPU, the kernel, how an indirect call into a
/// BPF program is protected against Spectre v2 (a retpoline costs a mispredicted return on every
/// run, which the bare program pays too), constant blinding in the JIT, and per-program run-time
/// statistics (a clock read before and after every run).
enum Host {
    static func description() -> String {
        let cpuModel = readText("/proc/cpuinfo").flatMap { info in
            info.split(separator: "\n").first { $0.hasPrefix("model name") }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingWhitespace() } }
        } ?? "unknown CPU"
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        func setting(_ path: String) -> String { readText(path)?.trimmingWhitespace() ?? "?" }
        return "\(cpuModel), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs, Linux \(release); "
            + "Spectre v2: \(setting("/sys/devices/system/cpu/vulnerabilities/spectre_v2")); "
            + "net.core.bpf_jit_harden \(setting("/proc/sys/net/core/bpf_jit_harden")), "
            + "kernel.bpf_stats_enabled \(setting("/proc/sys/kernel/bpf_stats_enabled"))"
    }

    /// The CPUs this process may run on (scripts/bench-xdp pins it to one with taskset).
    static func allowedCPUs() -> [Int] {
        let status = readText("/proc/self/status") ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        return line.flatMap { parseCPUList(String($0.dropFirst("Cpus_allowed_list:".count)).trimmingWhitespace()) } ?? []
    }

    /// How the process is scheduled: scripts/bench-xdp runs it at SCHED_FIFO (chrt), so that other
    /// processes cannot take its CPU in the middle of a timed call (on a kernel with full
    /// preemption the kernel's clock keeps running while another task has the CPU).
    static func schedulingPolicy() -> String {
        sched_getscheduler(0) == SCHED_FIFO ? "SCHED_FIFO" : "normal priority"
    }
}
