import RSSHash
import RSSRecords

/// The XDP counter's costs, measured on this machine: nanoseconds per packet through
/// BPF_PROG_TEST_RUN for each program against a bare XDP_PASS, and the time to turn one reading
/// of the counters into a load record. Needs root.
public enum CounterBenchmarks {
    public struct ProgramCost: Sendable {
        public let name: String
        public let frame: String
        /// Median over rounds of the kernel's mean ns per run.
        public let nanoseconds: Double
    }

    public struct ReadCost: Sendable {
        public let buckets: Int
        public let cpus: Int
        public let medianMicroseconds: Double
        public let p99Microseconds: Double
    }

    /// IPv4 TCP and IPv6 UDP frames of the Microsoft verification flows.
    static let frames: [(name: String, bytes: [UInt8])] = [
        ("IPv4 TCP", frame(ipv6: false)), ("IPv6 UDP", frame(ipv6: true))]

    public static func programCosts(repetitions: Int, rounds: Int) throws -> [ProgramCost] {
        let soft = try SoftHashState(key: Toeplitz.microsoftKey, configuration: .standard)
        let programs: [(String, CounterProgram)] = [
            ("bare XDP_PASS", try CounterProgram(kind: .bare, buckets: 128)),
            ("counter, plain increment", try CounterProgram(kind: .plain, buckets: 128)),
            ("counter, software Toeplitz", try CounterProgram(kind: .softHash, buckets: 128, softHash: soft)),
        ]
        var costs: [ProgramCost] = []
        for (frameName, bytes) in frames {
            for (name, program) in programs {
                // Rounds interleave nothing else; the median drops a round a neighbour disturbed.
                var samples: [Double] = []
                for _ in 0..<rounds {
                    samples.append(Double(try program.testRun(frame: bytes, repeat: repetitions).nanoseconds))
                }
                costs.append(ProgramCost(name: name, frame: frameName, nanoseconds: samples.sorted()[rounds / 2]))
            }
        }
        return costs
    }

    /// Reading `buckets` counters on every CPU, the difference from the last reading, and the
    /// record's JSON line, as `xdp:` does each interval.
    public static func readCost(buckets: Int, iterations: Int) throws -> ReadCost {
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
        samples.sort()
        return ReadCost(buckets: buckets, cpus: program.bucketCounters.cpus,
                        medianMicroseconds: samples[samples.count / 2],
                        p99Microseconds: samples[min(samples.count - 1, samples.count * 99 / 100)])
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
