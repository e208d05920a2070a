import ArgumentParser
import DPDKPort
import LoadSources
import NICSim
import RSSHash
import ToolSupport
import XDPCounting

RSSCount.main()

struct RSSCount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-count",
        abstract: "Count packets per RSS bucket and load per queue (simulated NIC, capture, a Linux NIC through XDP, a DPDK application); one load record per epoch.",
        discussion: "Scenarios of sim (default \(Scenarios.defaultName)):\n"
            + Scenarios.all.map { "  \($0.name): \($0.summary) (\($0.queues) queues, \($0.tableSize)-entry table)" }
                .joined(separator: "\n"),
        version: rssppVersion)

    @Argument(help: "sim[:SCENARIO] (synthetic traffic), pcap:FILE (a pcap or pcapng capture), xdp:IFACE (a Linux interface, counted by XDP) or dpdk:PORT[@FILE_PREFIX] (a DPDK application counting with librsspp_dpdk).")
    var source = "sim"

    @Option(help: "Seconds per epoch (trace time for a capture).")
    var interval = CounterOptions().interval

    @Option(help: "Stop after N records (default: run until the capture ends or a signal arrives).")
    var epochs: Int?

    @Option(help: "The simulated NIC's state file, created when missing.")
    var nic = CounterOptions.defaultNICPath

    @Option(help: "Queues of the NIC (when creating or reconfiguring it).")
    var queues: Int?

    @Option(name: .customLong("reta-size"), help: "Indirection table entries (when creating or reconfiguring the NIC).")
    var retaSize: Int?

    @Option(help: "Toeplitz key in hex (when creating or reconfiguring the NIC).")
    var key: String?

    @Option(help: "Seed of the synthetic traffic.")
    var seed = CounterOptions().seed

    @Option(help: "CPU nanoseconds per packet; one core per queue.")
    var cost = CounterOptions().costNanoseconds

    @Flag(help: "Run simulated epochs back to back instead of in real time.")
    var fast = false

    @Flag(help: "Replay a capture in real time instead of as fast as possible.")
    var pace = false

    @Option(help: "xdp: where the hash comes from: auto, kfunc (the NIC's, via the rx-hash kfunc) or soft (Toeplitz in the program).")
    var hash = XDPOptions.Hash.auto

    @Option(help: "xdp: CPU serving each rx queue, e.g. 0-3 (for queues without an interrupt of their own, like veth's).")
    var cpus: String?

    @Flag(help: "xdp: leave the counter attached and pinned when rss-count exits; later runs read it and leave it.")
    var pin = false

    @Flag(help: "xdp: detach the counter pinned on the interface, remove its pins and exit.")
    var unpin = false

    @Option(help: "xdp: the RSS context whose table records carry (0: the device's main table).")
    var context: UInt32 = 0

    @Flag(help: "xdp: attach in generic (skb) mode, for drivers without native XDP.")
    var generic = false

    func validate() throws {
        guard interval.isFinite, interval > 0 else { throw ValidationError("--interval must be a positive number of seconds") }
        guard cost.isFinite, cost > 0 else { throw ValidationError("--cost must be a positive number of nanoseconds") }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be 0 or more") }
        if let queues, queues < 1 { throw ValidationError("--queues must be 1 or more") }
        if let retaSize, retaSize < 1 { throw ValidationError("--reta-size must be 1 or more") }
        if let key { _ = try parsedKey(key) }
        if let cpus, parseCPUList(cpus) == nil { throw ValidationError("--cpus \"\(cpus)\" is not a CPU list such as 0-3 or 0,2,4") }
        if context != 0 && !source.hasPrefix("xdp:") { throw ValidationError("--context applies to xdp: sources") }
        if unpin && (!source.hasPrefix("xdp:") || source == "xdp:" || source.contains("/") || pin) {
            throw ValidationError("--unpin takes an interface, as in xdp:eth0, and no --pin")
        }
    }

    private func parsedKey(_ text: String) throws -> [UInt8] {
        do { return try parseHexKey(text) } catch { throw ValidationError("--key: \(error)") }
    }

    func run() throws {
        var options = CounterOptions()
        options.interval = interval
        options.epochs = epochs
        options.nicPath = nic
        options.queues = queues
        options.tableSize = retaSize
        options.key = try key.map(parsedKey)
        options.seed = seed
        options.costNanoseconds = cost
        options.fast = fast
        options.pace = pace
        var xdp = XDPOptions()
        xdp.hash = hash
        xdp.cpus = cpus.flatMap(parseCPUList)
        xdp.pin = pin
        xdp.generic = generic
        xdp.context = context
        options.extraKinds = [XDPKind.source(xdp), DPDKKinds.source]

        RecordOutput.prepare()
        do {
            if unpin { return try unpinCounter() }
            var records = try loadSource(source, options: options, stopSignals: .hold())
            while let record = try records.next() { RecordOutput.write(record.jsonLine()) }
        } catch let error as SourceError {
            if error.kind == .usage { throw ValidationError(error.description) }
            diagnose(error.description)
            throw ExitCode(error.kind == .badInput ? ExitStatus.dataError : ExitStatus.unavailable)
        }
    }
}

extension RSSCount {
    private func unpinCounter() throws(SourceError) {
        let pins = PinDirectory(interface: String(source.dropFirst("xdp:".count)))
        let removed = try pins.unpin()
        diagnose(removed ? "\(source): detached the pinned counter and removed \(pins.path)"
                         : "\(source): no counter is pinned (nothing in \(pins.path))")
    }
}

extension XDPOptions.Hash: ExpressibleByArgument {}
