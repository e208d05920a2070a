import ToolSupport

/// One receive queue's interrupt: its number, the name the driver gave it in /proc/interrupts,
/// and the queue number read from that name.
public struct QueueIRQ: Equatable, Sendable {
    public let irq: Int
    public let name: String
    public let queue: Int

    public init(irq: Int, name: String, queue: Int) {
        self.irq = irq
        self.name = name
        self.queue = queue
    }
}

/// An interrupt line of /proc/interrupts: "  40:  12  0  PCI-MSIX-0000:00:03.0  1-edge  virtio2-input.0".
struct InterruptLine: Equatable {
    let irq: Int
    /// The last field: the action name the driver chose (for a shared line, the last action's).
    let name: String

    /// Nil for the header and the per-CPU counter lines (NMI:, LOC:, ...).
    init?(_ line: Substring) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, fields[0].hasSuffix(":"), let irq = Int(fields[0].dropLast()) else { return nil }
        self.irq = irq
        name = String(fields[fields.count - 1])
    }
}

/// The words drivers put before a receive (or combined) queue's number: virtio-net's
/// "virtio0-input.3", mlx5's "mlx5_comp3@pci:...", Intel's "eth0-TxRx-3" and "i40e-eth0-TxRx-3",
/// "eth0-rx-3", bnx2x's "eth0-fp-3", iwlwifi's "iwlwifi:queue_3". Transmit-only ("-output.3",
/// "-tx-3") and control interrupts ("-config", "-control") name none of them.
private let receiveQueueWords = ["input", "rx", "txrx", "rxtx", "comp", "fp", "queue", "combined"]

/// The queue number in a receive queue interrupt's name, nil when the name is not one.
public func receiveQueueNumber(inName name: String) -> Int? {
    let base = name.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)[0]
    let digits = base.reversed().prefix(while: \.isASCIIDigit)
    guard !digits.isEmpty, let queue = Int(String(digits.reversed())) else { return nil }
    let label = base.dropLast(digits.count).lowercased().droppingTrailingSeparators()
    return receiveQueueWords.contains(where: { label.hasSuffix($0) }) ? queue : nil
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    fileprivate func droppingTrailingSeparators() -> Substring {
        var text = Substring(self)
        while let last = text.last, "-._:".contains(last) { text = text.dropLast() }
        return text
    }
}

/// Finds an interface's receive queue interrupts in a system tree.
public struct QueueIRQFinder {
    public let tree: SystemTree

    public init(tree: SystemTree) { self.tree = tree }

    /// Why an interface has no queue interrupts to pin.
    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    /// The interface's receive queue interrupts ordered by queue number. An interrupt counts when
    /// its name is a receive queue's and it belongs to the interface: listed in the PCI function's
    /// msi_irqs, or named after the interface ("i40e-eth0-TxRx-3").
    public func queueIRQs(of interface: String) throws -> [QueueIRQ] {
        guard DurableFile(path: tree.interfaceDirectory(interface)).exists else {
            throw NotFound(description: "\(interface): no such network interface (\(tree.interfaceDirectory(interface)) is missing)")
        }
        let owned = Set(messageSignalledIRQs(of: interface))
        let lines = try readText(tree.interrupts).split(separator: "\n").compactMap(InterruptLine.init)
        let queues = lines.compactMap { line -> QueueIRQ? in
            guard owned.contains(line.irq) || line.name.split(separator: "-").contains(Substring(interface)),
                  let queue = receiveQueueNumber(inName: line.name) else { return nil }
            return QueueIRQ(irq: line.irq, name: line.name, queue: queue)
        }
        guard !queues.isEmpty else {
            throw NotFound(description: "\(interface): no receive queue interrupts found (no MSI-X queue vectors in "
                + "\(tree.interfaceDevice(interface))/msi_irqs and no queue named after \(interface) in "
                + "\(tree.interrupts)); virtual devices such as veth and lo have none")
        }
        return queues.sorted { ($0.queue, $0.irq) < ($1.queue, $1.irq) }
    }

    /// The interrupts of the interface's PCI function: device/msi_irqs, or for a virtio device
    /// (device is virtioN under the PCI function) its parent's.
    private func messageSignalledIRQs(of interface: String) -> [Int] {
        let device = tree.interfaceDevice(interface)
        let listing = directoryEntries(device + "/msi_irqs") ?? directoryEntries(device + "/../msi_irqs") ?? []
        return listing.compactMap { Int($0) }
    }
}
