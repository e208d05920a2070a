/// A kernel CPU list ("0-3,8,10-11"), as /sys/devices/system/cpu/online and smp_affinity_list spell it.
public struct CPUList: Equatable, Sendable, CustomStringConvertible {
    /// The CPUs in the order given (rss-irq deals queues out to them in this order).
    public let cpus: [Int]

    public init(cpus: [Int]) { self.cpus = cpus }

    /// Nil when `text` is not a CPU list; ranges must go upwards and no CPU may appear twice.
    public init?(_ text: String) {
        var cpus: [Int] = []
        for part in text.trimmingWhitespace().split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let first = Int(bounds[0]), let last = Int(bounds[bounds.count - 1]),
                  first >= 0, first <= last else { return nil }
            cpus += first...last
        }
        guard !cpus.isEmpty, Set(cpus).count == cpus.count else { return nil }
        self.cpus = cpus
    }

    /// The kernel's spelling, with runs of consecutive CPUs as ranges.
    public var description: String {
        var parts: [String] = []
        var index = 0
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count && cpus[end + 1] == cpus[end] + 1 { end += 1 }
            parts.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let text = Substring(self)
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return text[first...last]
    }
}
