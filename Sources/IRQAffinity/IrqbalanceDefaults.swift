/// Debian's /etc/default/irqbalance, which irqbalance.service reads as an EnvironmentFile and passes
/// $IRQBALANCE_ARGS to the daemon. irqbalance 1.9 takes banned interrupts only as --banirq=N
/// arguments (IRQBALANCE_BANNED_IRQS is gone); a banned interrupt's affinity it never changes.
public enum IrqbalanceDefaults {
    public static let variable = "IRQBALANCE_ARGS"

    /// An IRQBALANCE_ARGS value this editor cannot rewrite without changing its meaning.
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let line: Int
        public var description: String {
            "\(path):\(line): \(IrqbalanceDefaults.variable) is not a plain quoted or unquoted list of arguments "
                + "(it holds quotes, $, \\ or a comment): add the --banirq=N arguments by hand"
        }
    }

    /// The file's text with IRQBALANCE_ARGS banning `irqs` as well as all it held, and the new
    /// assignment line; nil when it already bans them all. Every other line is kept as it was.
    public static func banning(_ irqs: [Int], in text: String, path: String) throws(Unreadable) -> (text: String, line: String)? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let assignment = lines.lastIndex(where: { assignedValue(in: $0) != nil })
        var existing: [String] = []
        if let assignment {
            guard let parsed = arguments(in: assignedValue(in: lines[assignment])!) else {
                throw Unreadable(path: path, line: assignment + 1)
            }
            existing = parsed
        }
        let banned = bannedIRQs(in: existing)
        let missing = irqs.filter { !banned.contains($0) }
        guard !missing.isEmpty else { return nil }
        let line = "\(variable)=\"\((existing + missing.map { "--banirq=\($0)" }).joined(separator: " "))\""
        if let assignment { lines[assignment] = line } else { lines.append(line) }
        return (lines.joined(separator: "\n") + "\n", line)
    }

    /// What follows "IRQBALANCE_ARGS=" (or "export IRQBALANCE_ARGS=") on an assignment line.
    private static func assignedValue(in line: String) -> Substring? {
        var rest = line.trimmingWhitespace()
        if rest.hasPrefix("export ") { rest = rest.dropFirst("export ".count).trimmingWhitespace() }
        guard rest.hasPrefix(variable + "=") else { return nil }
        return rest.dropFirst(variable.count + 1)
    }

    /// The arguments of a value in double or single quotes, or unquoted; nil when quoting or
    /// expansion inside would make splitting on spaces wrong.
    private static func arguments(in value: Substring) -> [String]? {
        var inner = value
        if let quote = value.first, quote == "\"" || quote == "'" {
            guard value.count >= 2, value.last == quote else { return nil }
            inner = value.dropFirst().dropLast()
        } else if value.contains(where: { $0 == " " || $0 == "\t" }) {
            return nil
        }
        guard !inner.contains(where: { "\"'$\\`#".contains($0) }) else { return nil }
        return inner.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The interrupts already banned: --banirq=N, --banirq N, -iN and -i N.
    private static func bannedIRQs(in arguments: [String]) -> Set<Int> {
        var banned: Set<Int> = []
        for (index, argument) in arguments.enumerated() {
            let next = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch argument {
            case "--banirq", "-i": if let irq = Int(next) { banned.insert(irq) }
            case let joined where joined.hasPrefix("--banirq="): if let irq = Int(joined.dropFirst("--banirq=".count)) { banned.insert(irq) }
            case let short where short.hasPrefix("-i"): if let irq = Int(short.dropFirst(2)) { banned.insert(irq) }
            default: break
            }
        }
        return banned
    }
}
