#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

/// A run of rsspp-sink, the reference primary, with what it needs made for it alone: a
/// temporary directory, a unique EAL file prefix, and hugepages when secondaries attach
/// (else `--no-huge`, one process). `with` removes all of it, also when the test fails.
final class Primary {
    let directory: TemporaryDirectory
    /// Unique per run: the temporary directory's name (area, pid, random suffix).
    let prefix: String
    private let hugepages: Hugepages?
    private var pid: pid_t = 0
    private var running = false

    var device: String { "dpdk:0@\(prefix)" }
    var hugepageDirectory: String? { hugepages?.mountPoint }
    var stdoutPath: String { directory.file("sink.out") }
    var stderrPath: String { directory.file("sink.err") }

    /// Starts rsspp-sink on `vdev` with `workers` worker lcores and waits until it is ready.
    static func with<T>(vdev: String, workers: Int, options: [String], secondaries: Bool,
                        _ body: (Primary) throws -> T) throws -> T {
        let primary = try Primary(secondaries: secondaries)
        defer { primary.cleanUp() }
        try primary.start(vdev: vdev, workers: workers, options: options)
        return try body(primary)
    }

    private init(secondaries: Bool) throws {
        directory = try TemporaryDirectory(area: "dpdk")
        prefix = String(directory.path.split(separator: "/").last!)
        hugepages = secondaries ? try Hugepages(pages: 64, in: directory) : nil
    }

    private func start(vdev: String, workers: Int, options: [String]) throws {
        var eal = ["--file-prefix=\(prefix)", "--no-pci", "--no-telemetry", "--log-level=warning",
                   "--lcores=(0-\(workers))@(\(try allowedCPUs()))", "--vdev=\(vdev)"]
        if let hugepages {
            eal += ["--huge-dir=\(hugepages.mountPoint)", "--socket-mem=96"]
        } else {
            eal += ["--no-huge", "-m", "128", "--no-shconf"]
        }
        let arguments = [toolDirectory + "/rsspp-sink"] + eal + ["--"] + options
        pid = try spawn(arguments, stdout: stdoutPath, stderr: stderrPath)
        running = true
        let ready = try waitUntil(seconds: 30) { try !lines(ofType: "ready").isEmpty || !isRunning() }
        guard ready, running else {
            throw TestFailure("rsspp-sink did not get ready: \(try errors())")
        }
    }

    /// The lines of `type` rsspp-sink printed so far, parsed.
    func lines(ofType type: String) throws -> [SinkLine] {
        let text = String(decoding: try readFile(stdoutPath), as: UTF8.self)
        return try text.split(separator: "\n").filter { $0.contains("\"type\":\"\(type)\"") }
            .map { try SinkLine(Array($0.utf8)) }
    }

    func errors() throws -> String {
        String(decoding: try readFile(stderrPath), as: UTF8.self)
    }

    /// The table the primary has in force, as it reports it on SIGUSR1.
    func table() throws -> [Int] {
        let before = try lines(ofType: "table").count
        kill(pid, SIGUSR1)
        guard try waitUntil(seconds: 10, { try lines(ofType: "table").count > before }) else {
            throw TestFailure("rsspp-sink printed no table: \(try errors())")
        }
        return try lines(ofType: "table").last!.integers("reta")
    }

    /// Sends `signal` to the primary (SIGSTOP, SIGCONT: a primary that stops polling).
    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Ends the primary with `signal` and waits until it is gone, as an operator's `kill` or an
    /// OOM kill would.
    func end(with signal: Int32) {
        kill(pid, signal)
        _ = waitUntil(seconds: 20) { !isRunning() }
    }

    /// Stops the primary (SIGTERM) and returns what it printed on exit.
    func stop() throws -> SinkExit {
        kill(pid, SIGTERM)
        return try exit(within: 20)
    }

    /// Waits for the primary to end by itself (`--stop-after`, `--duration`) and returns what
    /// it printed on exit.
    func exit(within seconds: Double) throws -> SinkExit {
        guard waitUntil(seconds: seconds, { !isRunning() }) else {
            throw TestFailure("rsspp-sink still runs after \(seconds) s: \(try errors())")
        }
        let loads = try String(decoding: readFile(stdoutPath), as: UTF8.self).split(separator: "\n")
            .filter { $0.contains("\"type\":\"load\"") }
        return SinkExit(queues: try lines(ofType: "queue"), port: try lines(ofType: "port").last,
                        owner: try lines(ofType: "owner").last, flows: try lines(ofType: "flows").last,
                        load: try loads.last.map { try LoadRecord(jsonLine: Array($0.utf8), lineNumber: 1) })
    }

    private func isRunning() -> Bool {
        guard running else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { running = false }
        return running
    }

    private func cleanUp() {
        if isRunning() {
            kill(pid, SIGKILL)
            while waitpid(pid, nil, 0) < 0 && errno == EINTR {}
            running = false
        }
        hugepages?.release()
        removeTree("/var/run/dpdk/\(prefix)")
    }
}

/// What rsspp-sink printed on exit: a line per queue, the port's line, the owner's handovers (per-bucket
/// tables), the flow check (--check-flows), the cumulative load record.
struct SinkExit {
    let queues: [SinkLine]
    let port: SinkLine?
    let owner: SinkLine?
    let flows: SinkLine?
    let load: LoadRecord?

    func total(_ field: String) throws -> Int { try queues.reduce(0) { try $0 + $1.integer(field) } }
}

extension SinkExit {
    /// What an exact run of generated traffic with --check-flows and per-bucket tables shows:
    /// nothing reordered, lost, dropped, expired or touched by two workers at once, every packet
    /// generated processed, each flow's state equal to what was sent. `context` goes into every
    /// failure (a seed).
    func expectEveryFlowExact(_ context: String) throws {
        let port = try #require(self.port), owner = try #require(self.owner), flows = try #require(self.flows)
        let counters = try ["reordered", "gaps", "overlaps", "untracked"].map { ("flows \($0)", try flows.integer($0)) }
            + ["expired", "overflows", "late"].map { ("owner \($0)", try owner.integer($0)) }
            + ["dropped", "park_drops", "expired_freed", "flow_overflows"].map { ("queues' \($0)", try total($0)) }
        for (name, value) in counters {
            #expect(value == 0, "\(name): \(value) (\(context))")
        }
        #expect(try owner.integer("replayed") == owner.integer("parked"), "every parked packet replayed")
        let generated = try port.integer("dispatcher_received")
        #expect(generated > 0)
        #expect(try total("packets") == generated, "every packet generated was processed (\(context))")
        for (queue, line) in queues.enumerated() {
            #expect(try line.integer("packets") == line.integer("dispatched"), "queue \(queue) (\(context))")
        }
        let sent = try flows.integers("sent")
        #expect(sent.reduce(0, +) == generated, "the generator's per-flow counts add up to what it dispatched")
        #expect(try flows.integers("next_sequence") == sent, "each flow's state expects the next packet sent (\(context))")
        #expect(try flows.integers("state_packets") == sent, "each flow's state counted every packet sent (\(context))")
    }
}

/// One JSON line of rsspp-sink: numbers, strings and integer arrays by member name.
struct SinkLine {
    private var numbers: [String: Double] = [:]
    private var strings: [String: String] = [:]
    private var arrays: [String: [Int]] = [:]

    init(_ line: [UInt8]) throws {
        try decodeObject(line, lineNumber: 1) { scanner, key in
            switch try scanner.kind() {
            case .number: numbers[key] = try scanner.double()
            case .string: strings[key] = try scanner.string()
            case .array: arrays[key] = try scanner.integerArray()
            default: try scanner.skipValue()
            }
        }
    }

    func number(_ key: String) throws -> Double {
        guard let value = numbers[key] else { throw TestFailure("rsspp-sink line without \"\(key)\"") }
        return value
    }

    func integer(_ key: String) throws -> Int { Int(try number(key)) }

    func integers(_ key: String) throws -> [Int] {
        guard let value = arrays[key] else { throw TestFailure("rsspp-sink line without \"\(key)\"") }
        return value
    }

    func string(_ key: String) -> String? { strings[key] }
}

/// TSC cycles of work per packet (rsspp-sink's --work-cycles) that load a queue receiving
/// `packetsPerSecond` to about `load`, from the TSC frequency the kernel measured.
func workCycles(load: Double, packetsPerSecond: Double) throws -> Int {
    let cpuinfo = String(decoding: try readFile("/proc/cpuinfo"), as: UTF8.self)
    guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("cpu MHz") }),
          let megahertz = Double(String(line.split(separator: ":").last!).trimmingWhitespace()) else {
        throw TestFailure("/proc/cpuinfo has no \"cpu MHz\" line")
    }
    return Int(load / packetsPerSecond * megahertz * 1e6)
}
