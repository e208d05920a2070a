import ToolSupport

/// One run of rss-irq: finds the interface's receive queue interrupts, pins each to its CPU and,
/// when asked, bans them in irqbalance's defaults file. Everything that can be checked is checked
/// before the first write, so that bad input leaves the machine as it was.
public struct IRQPinning {
    public let tree: SystemTree
    public let interface: String
    /// The CPUs to deal the queues out to; nil for every online CPU.
    public let cpus: CPUList?
    public let dryRun: Bool
    public let irqbalanceConfig: String?

    public init(tree: SystemTree, interface: String, cpus: CPUList?, dryRun: Bool, irqbalanceConfig: String?) {
        self.tree = tree
        self.interface = interface
        self.cpus = cpus
        self.dryRun = dryRun
        self.irqbalanceConfig = irqbalanceConfig
    }

    /// What a run did: "PATH VALUE" for each write made (or, in a dry run, to be made), in order,
    /// notes for the operator, and the exit status.
    public struct Outcome: Equatable {
        public var writes: [String] = []
        public var notes: [String] = []
        public var status: Int32 = 0
    }

    public func run() -> Outcome {
        var outcome = Outcome()
        func stop(_ note: String, _ status: Int32) -> Outcome {
            outcome.notes.append(note)
            outcome.status = status
            return outcome
        }
        let queueIRQs: [QueueIRQ]
        let planned: [Pin]
        let configChange: (text: String, line: String)?
        do {
            queueIRQs = try QueueIRQFinder(tree: tree).queueIRQs(of: interface)
            planned = pins(for: queueIRQs, on: try chosenCPUs())
            configChange = try irqbalanceConfig.flatMap { path in
                let current = DurableFile(path: path).exists ? try readText(path) : ""
                return try IrqbalanceDefaults.banning(queueIRQs.map(\.irq), in: current, path: path)
            }
        } catch let error as QueueIRQFinder.NotFound {
            return stop(error.description, ExitStatus.unavailable)
        } catch let error as UnusableCPUs {
            return stop(error.description, ExitStatus.usage)
        } catch {
            return stop("\(error)", 1)
        }
        let writer = AffinityWriter(tree: tree)
        for pin in planned {
            if !dryRun {
                do {
                    if let note = try writer.apply(pin) { outcome.notes.append(note) }
                } catch {
                    return stop("irq \(pin.queueIRQ.irq) (\(pin.queueIRQ.name)): \(error); irqbalance's defaults left unchanged", 1)
                }
            }
            outcome.writes.append(writer.write(of: pin))
        }
        guard let path = irqbalanceConfig else {
            return stop("a running irqbalance will move these interrupts again: ban them with --irqbalance-config "
                + "/etc/default/irqbalance", 0)
        }
        guard let configChange else { return stop("\(path) already bans these interrupts from irqbalance", 0) }
        if !dryRun {
            do {
                try DurableFile(path: path).replace(with: Array(configChange.text.utf8))
            } catch {
                return stop("\(error)", 1)
            }
        }
        outcome.writes.append("\(path) \(configChange.line)")
        return stop("irqbalance reads \(path) only when it starts: once it is written, run `systemctl restart irqbalance`", 0)
    }

    struct UnusableCPUs: Error, CustomStringConvertible { let description: String }

    /// The CPUs asked for, all of which must be online, or the online ones.
    private func chosenCPUs() throws -> CPUList {
        let text = try readText(tree.onlineCPUs)
        guard let online = CPUList(text) else {
            throw UnusableCPUs(description: "\(tree.onlineCPUs): \"\(text.trimmingWhitespace())\" is not a CPU list")
        }
        guard let cpus else { return online }
        let offline = cpus.cpus.filter { !online.cpus.contains($0) }
        guard offline.isEmpty else {
            throw UnusableCPUs(description: "--cpus \(cpus): CPUs \(CPUList(cpus: offline)) are not online (online: \(online))")
        }
        return cpus
    }
}
