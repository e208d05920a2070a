/// Per-CPU time counters from `/proc/stat`, in clock ticks: time busy (user, nice, system, irq,
/// softirq), time taken by the hypervisor (steal) and time accounted at all (those plus idle and
/// iowait). `package` for xdp-bench, which reports how disturbed its CPU was.
package struct CPUTimes: Equatable {
    var busy: [Int: UInt64] = [:]
    var steal: [Int: UInt64] = [:]
    var total: [Int: UInt64] = [:]

    init(procStat: String) {
        for line in procStat.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard let cpu = Int(fields[0].dropFirst(3)), fields.count >= 9 else { continue }
            let ticks = fields[1...8].map { UInt64($0) ?? 0 }
            let (user, nice, system, idle, iowait, irq, softirq, steal) =
                (ticks[0], ticks[1], ticks[2], ticks[3], ticks[4], ticks[5], ticks[6], ticks[7])
            busy[cpu] = user + nice + system + irq + softirq
            self.steal[cpu] = steal
            total[cpu] = busy[cpu]! + idle + iowait + steal
        }
    }

    package static func read() -> CPUTimes { CPUTimes(procStat: readText("/proc/stat") ?? "") }

    /// The busy fraction of `cpu` between `earlier` and now, in [0, 1]; 0 when no time was
    /// accounted (an interval shorter than a clock tick) or the CPU is unknown.
    package func busyFraction(of cpu: Int, since earlier: CPUTimes) -> Double {
        fraction(busy, of: cpu, since: earlier, earlier.busy)
    }

    /// The fraction of `cpu`'s time the hypervisor gave to others between `earlier` and now.
    package func stealFraction(of cpu: Int, since earlier: CPUTimes) -> Double {
        fraction(steal, of: cpu, since: earlier, earlier.steal)
    }

    private func fraction(_ part: [Int: UInt64], of cpu: Int, since earlier: CPUTimes,
                          _ partBefore: [Int: UInt64]) -> Double {
        guard let part = part[cpu], let total = total[cpu], let partBefore = partBefore[cpu],
              let totalBefore = earlier.total[cpu], total > totalBefore, part >= partBefore else { return 0 }
        return min(1, Double(part - partBefore) / Double(total - totalBefore))
    }
}
