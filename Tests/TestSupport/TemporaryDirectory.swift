#if canImport(Glibc)
import Glibc
#endif

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed with everything in it when the value goes away. Its
/// name holds the test area and the process id, so that concurrent runs do not collide.
public final class TemporaryDirectory {
    public let path: String

    public init(area: String = "sim") throws {
        var template = Array("/tmp/rsspp-\(area)-\(getpid())-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp: \(String(cString: strerror(errno)))") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { removeTree(path) }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the directory, without `.` and `..`.
    public func entries() -> [String] { listDirectory(path) }
}

/// Names of the entries in `path`, without `.` and `..`, sorted; none when it cannot be read.
public func listDirectory(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Removes `path` and everything under it; symbolic links are removed, never followed.
public func removeTree(_ path: String) {
    for name in listDirectory(path) {
        let child = path + "/" + name
        if unlink(child) != 0 && errno == EISDIR { removeTree(child) }
    }
    rmdir(path)
}

public func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw TestFailure("\(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard got > 0 else { return contents }
        contents += chunk[..<got]
    }
}

public func writeFile(_ path: String, _ contents: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw TestFailure("\(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let wrote = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard wrote == contents.count else { throw TestFailure("\(path): short write") }
}

public func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }
