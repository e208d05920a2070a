import ToolSupport

/// One queue interrupt and the CPU it is to be pinned to.
public struct Pin: Equatable, Sendable {
    public let queueIRQ: QueueIRQ
    public let cpu: Int

    public init(queueIRQ: QueueIRQ, cpu: Int) {
        self.queueIRQ = queueIRQ
        self.cpu = cpu
    }
}

/// Deals the queue interrupts out to the CPUs in turn: the i-th queue's to cpus[i % cpus.count].
public func pins(for queueIRQs: [QueueIRQ], on cpus: CPUList) -> [Pin] {
    queueIRQs.enumerated().map { Pin(queueIRQ: $0.element, cpu: cpus.cpus[$0.offset % cpus.cpus.count]) }
}

/// Writes pins into /proc/irq/N/smp_affinity_list and reads back what the kernel made of them.
public struct AffinityWriter {
    public let tree: SystemTree

    public init(tree: SystemTree) { self.tree = tree }

    /// The "PATH VALUE" line a pin writes, which a dry run prints.
    public func write(of pin: Pin) -> String { "\(tree.affinityList(irq: pin.queueIRQ.irq)) \(pin.cpu)" }

    /// Writes the pin; the returned note, when there is one, says that the kernel's effective
    /// affinity differs from it (it may keep a managed interrupt's own choice, or apply it only at
    /// the next interrupt).
    public func apply(_ pin: Pin) throws -> String? {
        let irq = pin.queueIRQ.irq
        try writeSetting("\(pin.cpu)\n", to: tree.affinityList(irq: irq))
        let effectivePath = tree.effectiveAffinityList(irq: irq)
        guard DurableFile(path: effectivePath).exists else { return nil }
        let effective = try readText(effectivePath).trimmingWhitespace()
        guard CPUList(String(effective)) != CPUList(cpus: [pin.cpu]) else { return nil }
        return "irq \(irq) (\(pin.queueIRQ.name)): asked for CPU \(pin.cpu), the kernel runs it on CPUs \"\(effective)\" "
            + "(\(effectivePath))"
    }
}
