import RSSHash
import RSSRecords
import TestSupport

/// The guest's eth0 as the ethtool program (not rsspp's code) reports it, so that what rsspp
/// writes is checked by an independent reader.
extension Guest {
    /// `ethtool -x eth0`: the indirection table and the hash key.
    func rssTable() throws -> (reta: [Int], key: [UInt8]) {
        let result = try run("ethtool -x eth0")
        guard result.status == 0 else { throw TestFailure("ethtool -x eth0: \(result)") }
        var reta: [Int] = []
        var key: [UInt8]?
        var keyFollows = false
        for line in result.lines {
            if keyFollows { key = try parseHexKey(String(line.trimmed)); keyFollows = false; continue }
            if line.hasPrefix("RSS hash key:") { keyFollows = true; continue }
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, Int(parts[0].trimmed) != nil {
                reta += parts[1].split(separator: " ").compactMap { Int($0) }
            }
        }
        guard let key, !reta.isEmpty else { throw TestFailure("no table or key in ethtool -x eth0: \(result)") }
        return (reta, key)
    }

    /// `ethtool -S eth0`: packets received so far on each queue (on Linux 6.12, only those an
    /// XDP program saw).
    func queuePackets() throws -> [Int] {
        let result = try run("ethtool -S eth0")
        guard result.status == 0 else { throw TestFailure("ethtool -S eth0: \(result)") }
        return try (0..<Guest.queues).map { queue in
            let name = kernel.receivedPacketsStatistic(queue: queue) + ":"
            guard let line = result.lines.first(where: { $0.trimmed.hasPrefix(name) }),
                  let count = Int(line.trimmed.dropFirst(name.count).trimmed) else {
                throw TestFailure("no \(name) in ethtool -S eth0: \(result)")
            }
            return count
        }
    }

    /// `ethtool -n eth0 rx-flow-hash udp4`: the header fields hashed for UDP over IPv4.
    func udp4HashFields() throws -> HashFields {
        let result = try run("ethtool -n eth0 rx-flow-hash udp4")
        guard result.status == 0 else { throw TestFailure("ethtool -n eth0 rx-flow-hash udp4: \(result)") }
        let names: [(String, HashFields)] = [("IP SA", .sourceAddress), ("IP DA", .destinationAddress),
                                             ("L4 bytes 0 & 1", .sourcePort), ("L4 bytes 2 & 3", .destinationPort)]
        return HashFields(names.filter { name in result.lines.contains { $0.hasPrefix(name.0) } }.map(\.1))
    }

    /// Runs `rss-apply ARGUMENTS` in the guest with one plan for `reta` on its stdin.
    func apply(_ reta: [Int], from current: [Int], queues: Int = Guest.queues,
               arguments: String = "ethtool:eth0", prefix: String = "") throws -> Result {
        try writeLine(Guest.planLine(reta, from: current, queues: queues), to: "/tmp/plan")
        return try run("\(prefix)rss-apply \(arguments) </tmp/plan")
    }

    /// A plan record replacing `current` with `reta` on the guest's eth0, made for `queues`.
    static func planLine(_ reta: [Int], from current: [Int], queues: Int = Guest.queues) -> String {
        let plan = PlanRecord(device: "ethtool:eth0", queues: queues, reta: reta,
                              moves: Move.between(current, reta), active: Array(0..<queues))
        return String(decoding: plan.jsonLine().dropLast(), as: UTF8.self)
    }
}

extension StringProtocol {
    var trimmed: Substring {
        let text = Substring(self)
        guard let first = text.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = text.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return text[first...last]
    }
}
