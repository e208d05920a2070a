import ArgumentParser
import IRQAffinity
import ToolSupport
#if canImport(Glibc)
import Glibc
#endif

@main
struct RSSIrq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-irq",
        abstract: "Pin each receive queue's interrupt of a network interface to a CPU of its own, and ban those "
            + "interrupts from irqbalance.",
        discussion: "RSS_IRQ_ROOT, for testing only, puts a directory in front of every /proc and /sys path.",
        version: rssppVersion)

    @Argument(help: "The network interface, e.g. eth0.")
    var interface: String

    @Option(help: "CPUs to deal the queues out to in order, e.g. 2-5,8 (default: every online CPU).")
    var cpus: String?

    @Flag(help: "Print each file and value it would write, and write nothing.")
    var dryRun = false

    @Option(help: "irqbalance's defaults file (/etc/default/irqbalance) to add --banirq=N to IRQBALANCE_ARGS in.")
    var irqbalanceConfig: String?

    func validate() throws {
        if let cpus, CPUList(cpus) == nil {
            throw ValidationError("--cpus \"\(cpus)\" is not a CPU list such as 0-3,8")
        }
    }

    func run() throws {
        let root = getenv("RSS_IRQ_ROOT").map { String(cString: $0) } ?? ""
        let outcome = IRQPinning(tree: SystemTree(root: root), interface: interface, cpus: cpus.flatMap(CPUList.init),
                                 dryRun: dryRun, irqbalanceConfig: irqbalanceConfig).run()
        for write in outcome.writes { print(write) }
        for note in outcome.notes { diagnose(note) }
        if outcome.status != 0 { throw ExitCode(outcome.status) }
    }
}
