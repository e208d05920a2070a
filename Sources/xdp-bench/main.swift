#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import XDPCounting

XDPBench.main()

/// Prints the XDP counter's benchmark as a Markdown section for BENCHMARKS.md.
struct XDPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xdp-bench",
        abstract: "Measure the XDP counter (BPF_PROG_TEST_RUN) and the cost of reading it; needs root.")

    @Option(help: "Runs per BPF_PROG_TEST_RUN call.")
    var repetitions = 500_000

    @Option(help: "Rounds; each calls every program once per frame. Min, median and max are reported.")
    var rounds = 31

    @Option(help: "Readings of the 2048-bucket counter to time.")
    var reads = 500

    func validate() throws {
        guard repetitions >= 1, rounds >= 1, reads >= 1 else {
            throw ValidationError("--repetitions, --rounds and --reads must be at least 1")
        }
    }

    func run() throws {
        let cpus = Host.allowedCPUs()
        let before = CPUTimes.read()
        let costs = try CounterBenchmarks.programCosts(repetitions: repetitions, rounds: rounds)
        let after = CPUTimes.read()
        let others = (0..<sysconf(Int32(_SC_NPROCESSORS_ONLN))).filter { !cpus.contains($0) }
        func mean(_ fractions: [Double]) -> String { percent(fractions.reduce(0, +) / Double(max(fractions.count, 1))) }
        print("## XDP counter\n")
        print("Host: \(Host.description()).\n")
        print("BPF_PROG_TEST_RUN on CPU \(cpus.map(String.init).joined(separator: ",")) at \(Host.schedulingPolicy()), "
              + "\(repetitions) runs per call, \(rounds) rounds; each round calls every program once per frame, in an "
              + "order that rotates from round to round. ns/packet is the kernel's mean over one call; over bare is "
              + "each round's difference from bare XDP_PASS in the same round. While it ran, the hypervisor took "
              + "\(mean(cpus.map { after.stealFraction(of: $0, since: before) })) of the measuring CPU (steal) and "
              + "the other CPUs were \(mean(others.map { after.busyFraction(of: $0, since: before) })) busy.\n")
        print("| program | frame | ns/packet (min / median / max) | over bare (min / median / max) | target | met (median) |")
        print("| --- | --- | ---: | ---: | ---: | --- |")
        for cost in costs {
            let spread = cost.overBare.map { "\(signed($0.min)) / \(signed($0.median)) / \(signed($0.max))" } ?? ""
            let target = cost.target.map { "≤ \(signed($0))" } ?? ""
            let met = cost.overBare.flatMap { over in cost.target.map { over.median <= $0 ? "yes" : "**no**" } } ?? ""
            print("| \(cost.name) | \(cost.frame) | \(Int(cost.nanoseconds.min)) / \(Int(cost.nanoseconds.median)) / "
                  + "\(Int(cost.nanoseconds.max)) | \(spread) | \(target) | \(met) |")
        }
        let read = try CounterBenchmarks.readCost(buckets: 2048, iterations: reads)
        let limit = 1000.0
        print("\nReading \(read.buckets) buckets × \(read.cpus) CPUs and writing the load record, \(reads) readings:\n")
        print("| measure | min / median / max (µs) | p99 (µs) | target | met (p99) |")
        print("| --- | ---: | ---: | ---: | --- |")
        print("| one reading | \(tenths(read.microseconds.min)) / \(tenths(read.microseconds.median)) / "
              + "\(tenths(read.microseconds.max)) | \(tenths(read.p99Microseconds)) | < \(Int(limit)) | "
              + "\(read.p99Microseconds < limit ? "yes" : "**no**") |")
    }

    private func signed(_ value: Double) -> String { (value < 0 ? "" : "+") + String(Int(value.rounded())) }
    private func percent(_ fraction: Double) -> String { String(Int((fraction * 100).rounded())) + "%" }
    private func tenths(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return String(tenths / 10) + "." + String(tenths % 10)
    }
}
