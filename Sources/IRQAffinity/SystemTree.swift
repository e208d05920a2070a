#if canImport(Glibc)
import Glibc
#endif
import ToolSupport

/// The /proc and /sys files rss-irq reads and writes, under `root` so that tests can point it at a
/// fake tree ("" is the real machine).
public struct SystemTree: Sendable {
    public let root: String

    public init(root: String = "") { self.root = root }

    public var interrupts: String { root + "/proc/interrupts" }
    public var onlineCPUs: String { root + "/sys/devices/system/cpu/online" }
    public func interfaceDevice(_ interface: String) -> String { root + "/sys/class/net/\(interface)/device" }
    public func interfaceDirectory(_ interface: String) -> String { root + "/sys/class/net/\(interface)" }
    public func affinityList(irq: Int) -> String { root + "/proc/irq/\(irq)/smp_affinity_list" }
    public func effectiveAffinityList(irq: Int) -> String { root + "/proc/irq/\(irq)/effective_affinity_list" }
}

/// A failed read or write of a system file, as "PATH: cannot WHAT: reason".
public struct SystemFileError: Error, CustomStringConvertible {
    public let path: String
    public let what: String
    public let code: Int32

    public var description: String { "\(path): cannot \(what): \(String(cString: strerror(code)))" }
}

/// The whole text of a system file (/proc/interrupts of a large machine runs to megabytes).
func readText(_ path: String) throws -> String {
    guard let contents = try DurableFile(path: path).read(limit: 1 << 26) else {
        throw SystemFileError(path: path, what: "read more than 64 MiB", code: EFBIG)
    }
    return String(decoding: contents, as: UTF8.self)
}

/// Writes `text` to a /proc file in one write(2), as the kernel wants its settings.
func writeSetting(_ text: String, to path: String) throws(SystemFileError) {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
    guard fd >= 0 else { throw SystemFileError(path: path, what: "open for writing", code: errno) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw SystemFileError(path: path, what: "write \"\(text)\"", code: written < 0 ? errno : EIO) }
}

/// Names in a directory, without `.` and `..`; nil when it cannot be opened.
func directoryEntries(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
