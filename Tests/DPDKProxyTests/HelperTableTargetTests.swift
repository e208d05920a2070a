#if canImport(Glibc)
import Glibc
#endif
@testable import DPDKProxy
import Testing
import TestSupport

/// rss-dpdk as the helper of a dpdk: target, here with no primary to attach to: once the target
/// is dropped its helper is gone, not a zombie of this process.
@Suite struct HelperTableTargetTests {
    @Test func aDroppedTargetLeavesNoHelperProcess() throws {
        do {
            let target = HelperTableTarget(DPDKDevice(port: 9, filePrefix: "rsspp-test-no-primary"))
            #expect(throws: (any Error).self) { try target.read() }
            #expect(!helpers().isEmpty, "the read started a helper")
        }
        #expect(helpers().isEmpty, "helpers left: \(helpers())")
    }

    /// This process's children named rss-dpdk, running or zombies, from /proc.
    func helpers() -> [String] {
        guard let proc = opendir("/proc") else { return [] }
        defer { closedir(proc) }
        var found: [String] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard Int(name) != nil, let bytes = try? readFile("/proc/\(name)/stat") else { continue }
            // pid (comm) state ppid ...
            let stat = String(decoding: bytes, as: UTF8.self)
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if stat.contains("(\(DPDKHelper.name))"), fields.count > 1, fields[1] == "\(getpid())" { found.append(stat) }
        }
        return found
    }
}
