import ArgumentParser
import XDPCounting

XDPBench.main()

/// Prints the XDP counter's benchmark as a Markdown section for BENCHMARKS.md.
struct XDPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xdp-bench",
        abstract: "Measure the XDP counter (BPF_PROG_TEST_RUN) and the cost of reading it; needs root.")

    @Option(help: "Runs per BPF_PROG_TEST_RUN call.")
    var repetitions = 10_000_000

    @Option(help: "Calls per program and frame; the median is reported.")
    var rounds = 5

    @Option(help: "Readings of the 2048-bucket counter to time.")
    var reads = 500

    func run() throws {
        let costs = try CounterBenchmarks.programCosts(repetitions: repetitions, rounds: rounds)
        print("## XDP counter\n")
        print("BPF_PROG_TEST_RUN, \(repetitions) runs per call, median of \(rounds) calls, ns per packet:\n")
        print("| program | frame | ns/packet | over bare |")
        print("| --- | --- | ---: | ---: |")
        for cost in costs {
            let bare = costs.first { $0.frame == cost.frame && $0.name.hasPrefix("bare") }!.nanoseconds
            print("| \(cost.name) | \(cost.frame) | \(Int(cost.nanoseconds)) | +\(Int(cost.nanoseconds - bare)) |")
        }
        let read = try CounterBenchmarks.readCost(buckets: 2048, iterations: reads)
        print("\nReading \(read.buckets) buckets × \(read.cpus) CPUs and writing the load record: "
              + "median \(formatted(read.medianMicroseconds)) µs, p99 \(formatted(read.p99Microseconds)) µs "
              + "(\(reads) readings).\n")
        print("Targets: software hash within +15 ns of bare XDP_PASS, plain increment within +3 ns; "
              + "a reading under 1 ms.")
    }

    private func formatted(_ value: Double) -> String { String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) }
}
