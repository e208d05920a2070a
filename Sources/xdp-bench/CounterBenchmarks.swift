#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RSSHash
import RSSRecords
import Statistics
import XDPCounting

/// The least, median and greatest of repeated measurements.
struct Spread {
    let min: Double
    let median: Double
    let max: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        min = sorted[0]
        median = percentile(sorted, 0.5)
        max = sorted[sorted.count - 1]
    }
}

/// The XDP counter's costs, measured on this machine: nanoseconds per packet through
/// BPF_PROG_TEST_RUN for each program against a bare XDP_PASS, and the time to turn one reading
/// of the counters into a load record. Needs root.
enum CounterBenchmarks {
    struct ProgramCost {
        let name: String
        let frame: String
        /// The kernel's mean ns per run of each call (whole ns).
        let nanoseconds: Spread
        /// Each round's cost minus bare XDP_PASS's in the same round; nil for bare XDP_PASS.
        let overBare: Spread?
        /// The most `overBare` may be.
        let target: Double?
    }

    struct ReadCost {
        let buckets: Int
        let cpus: Int
        let microseconds: Spread
        let p99Microseconds: Double
    }

    static let programs: [(name: String, kind: CounterKind, target: Double?)] = [
        ("bare XDP_PASS", .bare, nil),
        ("counter, plain increment", .plain, 3),
        ("counter, software Toeplitz", .softHash, 15),
    ]

    /// IPv4 TCP and IPv6 UDP frames of the Microsoft verification flows.
    static let frames: [(name: String, bytes: [UInt8])] = [
        ("IPv4 TCP", frame(ipv6: false)), ("IPv6 UDP", frame(ipv6: true))]

    /// `rounds` rounds; each runs every program once on every frame, `repetitions` times per call.
    /// The order of the programs rotates from round to round, so that a disturbance (the other
    /// CPU busy, the hypervisor taking the CPU) lands on all of them alike, and each program is
    /// compared with the bare XDP_PASS of its own round rather than with a median taken at
    /// another time.
    static func programCosts(repetitions: Int, rounds: Int) throws -> [ProgramCost] {
        let soft = try SoftHashState(key: Toeplitz.microsoftKey, configuration: .standard)
        let loaded = try programs.map {
            try CounterProgram(kind: $0.kind, buckets: 128, softHash: $0.kind == .softHash ? soft : nil)
        }
        var samples = frames.map { _ in programs.map { _ in [Double]() } }
        for round in 0..<rounds {
            for frame in frames.indices {
                for offset in programs.indices {
                    let index = (round + offset) % programs.count
                    let run = try loaded[index].testRun(frame: frames[frame].bytes, repeat: repetitions)
                    samples[frame][index].append(Double(run.nanoseconds))
                }
            }
        }
        return frames.indices.flatMap { frame in
            programs.indices.map { index in
                let bare = samples[frame][0]
                return ProgramCost(
                    name: programs[index].name, frame: frames[frame].name,
                    nanoseconds: Spread(samples[frame][index]),
                    overBare: index == 0 ? nil : Spread(zip(samples[frame][index], bare).map { $0 - $1 }),
                    target: programs[index].target)
            }
        }
    }

    /// Reading `buckets` counters on every CPU, the difference from the last reading, and the
    /// record's JSON line, as `xdp:` does each interval.
    static func readCost(buckets: Int, iterations: Int) throws -> ReadCost {
        let program = try CounterProgram(kind: .plain, buckets: buckets)
        let table = (0..<buckets).map { $0 % 16 }
        var previous = try CounterReading(program)
        var samples: [Double] = []
        var written = 0
        for _ in 0..<iterations {
            let start = monotonicNanoseconds()
            let now = try CounterReading(program)
            let record = now.record(since: previous, interface: "bench0", reta: table, queues: 16,
                                    cpus: Array(0..<16))
            written += record.jsonLine().count
            samples.append(Double(monotonicNanoseconds() - start) / 1000)
            previous = now
        }
        precondition(written > 0)
        return ReadCost(buckets: buckets, cpus: program.cpuCount, microseconds: Spread(samples),
                        p99Microseconds: percentile(samples, 0.99))
    }

    private static func frame(ipv6: Bool) -> [UInt8] {
        let source: [UInt8] = ipv6 ? [0x3f, 0xfe, 0x25, 0x01, 0x02, 0, 0x1f, 0xff] + [UInt8](repeating: 0, count: 7) + [7]
                                   : [66, 9, 149, 187]
        let destination: [UInt8] = ipv6 ? [0x3f, 0xfe, 0x25, 0x01, 0x02, 0, 0, 3] + [UInt8](repeating: 0, count: 7) + [1]
                                        : [161, 142, 100, 80]
        let ports: [UInt8] = [0x0a, 0xea, 0x06, 0xe6] // 2794 → 1766
        let transport = ipv6 ? ports + [0, 8, 0, 0] : ports + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0]
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2] + (ipv6 ? [0x86, 0xdd] : [0x08, 0x00])
        let length = transport.count + 18 // 18 bytes of payload: a 64-byte IPv4 frame
        let ip: [UInt8] = ipv6
            ? [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff), 17, 64] + source + destination
            : [0x45, 0, 0, UInt8(20 + length), 0, 1, 0x40, 0, 64, 6, 0, 0] + source + destination
        return ethernet + ip + transport + [UInt8](repeating: 0xab, count: 18)
    }
}
