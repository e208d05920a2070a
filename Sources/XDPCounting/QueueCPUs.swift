#if canImport(Glibc)
import Glibc
#endif
import IRQAffinity

/// Parses a Linux CPU list (`0-3,8,10-11`, as in `effective_affinity_list` or `--cpus`), in the
/// order written; nil when it is not one.
public func parseCPUList(_ text: String) -> [Int]? {
    var cpus: [Int] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(bounds.count), let first = Int(bounds[0]), first >= 0,
              let last = Int(bounds[bounds.count - 1]), last >= first else { return nil }
        cpus += first...last
    }
    return cpus.isEmpty ? nil : cpus
}

/// Which CPU serves each rx queue of a device: the CPU its interrupt is steered to.
///
/// Drivers name queue interrupts in `/proc/interrupts` after the interface, the device or its
/// bus address, with the queue number last: `virtio0-input.3`, `eth0-TxRx-3`,
/// `i40e-eth0-TxRx-3`, `mlx5_comp3@pci:0000:03:00.0`, `ice-eth0-TxRx-3`.
enum QueueInterrupts {
    /// The interrupt number of each rx queue below `queues` whose interrupt could be found.
    static func find(in interrupts: String, identifiers: [String], queues: Int) -> [Int: Int] {
        var found: [Int: Int] = [:]
        for line in interrupts.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let label = fields.first, label.hasSuffix(":"), let irq = Int(label.dropLast()),
                  let name = fields.last, identifiers.contains(where: { !$0.isEmpty && name.contains($0) }),
                  let queue = receiveQueueNumber(inName: String(name)), queue < queues, found[queue] == nil else { continue }
            found[queue] = irq
        }
        return found
    }

    /// The names a device's interrupts may carry: the interface, the device (`virtio0`) and
    /// its bus address (`0000:03:00.0`).
    static func identifiers(interface: String, busInfo: String?) -> [String] {
        var names = [interface]
        var target = [CChar](repeating: 0, count: Int(PATH_MAX))
        let length = readlink("/sys/class/net/\(interface)/device", &target, target.count - 1)
        if length > 0 {
            let path = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let device = path.split(separator: "/").last { names.append(String(device)) }
        }
        if let busInfo, !busInfo.isEmpty { names.append(busInfo) }
        return names
    }

    /// The CPU of each queue from its interrupt's effective affinity (the first CPU when the
    /// interrupt may go to several); nil where no interrupt was found.
    static func cpus(interface: String, busInfo: String?, queues: Int) -> [Int?] {
        let irqs = find(in: readText("/proc/interrupts") ?? "",
                        identifiers: identifiers(interface: interface, busInfo: busInfo), queues: queues)
        return (0..<queues).map { queue in
            guard let irq = irqs[queue] else { return nil }
            let affinity = readText("/proc/irq/\(irq)/effective_affinity_list")
                ?? readText("/proc/irq/\(irq)/smp_affinity_list")
            return affinity.flatMap { parseCPUList($0.trimmingWhitespace()) }?.first
        }
    }
}

/// A whole small file (/proc, /sys) as text; nil when it cannot be read.
package func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
        bytes += chunk[..<count]
    }
}

extension String {
    package func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
