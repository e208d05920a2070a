import ArgumentParser
import DPDKProxy
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

    @Argument(help: "sim[:SCENARIO] (synthetic traffic; the default, said on stderr), pcap:FILE (a pcap or pcapng capture), xdp:IFACE (a Linux interface, counted by XDP) or dpdk:PORT[@FILE_PREFIX] (a DPDK application counting with librsspp_dpdk).")
    var source: String?

    // Numeric options take the next argument whatever it looks like, so that `--queues -4` is
    // refused for its value rather than taken for a missing one.
    @Option(parsing: .unconditional, help: "Seconds per epoch (trace time for a capture), 0.001 to 3600.")
    var interval = CounterOptions().interval

    @Option(parsing: .unconditional, help: "Stop after N records (default: run until the capture ends or a signal arrives).")
    var epochs: Int?

    @Option(help: "The simulated NIC's state file, created when missing.")
    var nic = CounterOptions.defaultNICPath

    @Option(parsing: .unconditional, help: "Queues of the NIC (when creating or reconfiguring it), 1 to \(CounterOptions.queueCounts.upperBound).")
    var queues: Int?

    @Option(name: .customLong("reta-size"), parsing: .unconditional,
            help: "Indirection table entries (when creating or reconfiguring the NIC), 1 to \(CounterOptions.tableSizes.upperBound).")
    var retaSize: Int?

    @Option(help: "Toeplitz key in hex (when creating or reconfiguring the NIC).")
    var key: String?

    @Option(parsing: .unconditional, help: "Seed of the synthetic traffic.")
    var seed = CounterOptions().seed

    @Option(parsing: .unconditional, help: "CPU nanoseconds per packet; one core per queue. 1 to 1e9.")
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

    @Option(help: "xdp: run in libxdp's multi-program dispatcher, beside programs loaded with xdp-loader: auto (when the interface runs one already), libxdp (always, starting one) or never (a link of its own). In the dispatcher the hash is computed in software and --pin is refused.")
    var dispatcher = XDPOptions.Dispatcher.auto

    /// The source named, or the simulated NIC when none is.
    private var chosenSource: String { source ?? "sim" }

    func validate() throws {
        let source = chosenSource
        let options = try counterOptions()
        do { try options.validate() } catch { throw ValidationError(error.description) }
        if let cpus, parseCPUList(cpus) == nil { throw ValidationError("--cpus \"\(cpus)\" is not a CPU list such as 0-3 or 0,2,4") }
        if context != 0 && !source.hasPrefix("xdp:") { throw ValidationError("--context applies to xdp: sources") }
        if dispatcher != .auto && !source.hasPrefix("xdp:") { throw ValidationError("--dispatcher applies to xdp: sources") }
        if dispatcher == .libxdp && (pin || hash == .kfunc) {
            throw ValidationError("--dispatcher libxdp counts with the software hash and keeps nothing pinned: "
                                  + "it takes neither --hash kfunc nor --pin")
        }
        if unpin && (!source.hasPrefix("xdp:") || source == "xdp:" || source.contains("/") || pin) {
            throw ValidationError("--unpin takes an interface, as in xdp:eth0, and no --pin")
        }
    }

    private func parsedKey(_ text: String) throws -> [UInt8] {
        do { return try parseHexKey(text) } catch { throw ValidationError("--key: \(error)") }
    }

    private func counterOptions() throws -> CounterOptions {
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
        return options
    }

    func run() throws {
        var options = try counterOptions()
        var xdp = XDPOptions()
        xdp.hash = hash
        xdp.cpus = cpus.flatMap(parseCPUList)
        xdp.pin = pin
        xdp.generic = generic
        xdp.context = context
        xdp.dispatcher = dispatcher
        options.extraKinds = [XDPKind.source(xdp), DPDKKinds.source]

        if self.source == nil {
            diagnose("no source given: counting the simulated NIC (sim:\(Scenarios.defaultName)); name a device, e.g. xdp:eth0")
        }
        RecordOutput.prepare()
        do {
            if unpin { return try unpinCounter() }
            var records = try loadSource(chosenSource, options: options, stopSignals: .hold())
            while let record = try records.next() { RecordOutput.write(record.jsonLine()) }
        } catch let error as SourceError {
            let status: Int32
            switch error.kind {
            case .usage: throw ValidationError(error.description)
            case .badInput: status = ExitStatus.dataError
            case .noInput: status = ExitStatus.noInput
            case .unavailable: status = ExitStatus.unavailable
            }
            diagnose(error.description)
            throw ExitCode(status)
        }
    }
}

extension RSSCount {
    private func unpinCounter() throws(SourceError) {
        let source = chosenSource
        let pins = PinDirectory(interface: String(source.dropFirst("xdp:".count)))
        let removed = try pins.unpin()
        diagnose(removed ? "\(source): detached the pinned counter and removed \(pins.path)"
                         : "\(source): no counter is pinned (nothing in \(pins.path))")
    }
}

extension XDPOptions.Hash: ExpressibleByArgument {}
extension XDPOptions.Dispatcher: ExpressibleByArgument {}
