#if canImport(Glibc)
import Glibc
#endif

/// A file that readers must never see half-written: every write goes to a temporary file in the
/// same directory, is flushed to disk, and only then appears under `path` (rename, or link for a
/// first creation), after which the directory is flushed so the change survives a crash.
public struct DurableFile: Sendable {
    /// A failed operation on the file, as "PATH: cannot WHAT: reason".
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let what: String
        public let errno: Int32

        /// What failed and the C library's reason, without the path.
        public var reason: String { "\(what): \(String(cString: strerror(errno)))" }
        public var description: String { "\(path): \(reason)" }
    }

    public let path: String

    public init(path: String) { self.path = path }

    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public var exists: Bool { access(path, F_OK) == 0 }

    /// The whole file; nil when it is larger than `limit` bytes.
    public func read(limit: Int) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open") }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw failure("cannot read") }
            if got == 0 { return contents }
            contents += chunk[..<got]
            if contents.count > limit { return nil }
        }
    }

    /// Replaces the file's contents whole.
    public func replace(with contents: [UInt8]) throws(Failure) {
        let temporary = try writeTemporary(contents)
        guard rename(temporary, path) == 0 else {
            let failed = failure("cannot replace")
            unlink(temporary)
            throw failed
        }
        try syncDirectory()
    }

    /// Creates the file with `contents` unless it exists; false when it did. Two processes
    /// creating it at once agree on one of them: link(2) never replaces an existing file.
    public func create(with contents: [UInt8]) throws(Failure) -> Bool {
        let temporary = try writeTemporary(contents)
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw failure("cannot create")
        }
        try syncDirectory()
        return true
    }

    private func failure(_ what: String, _ code: Int32 = errno) -> Failure {
        Failure(path: path, what: what, errno: code)
    }

    /// A new file beside `path` holding `contents`, on disk before anyone can see it.
    private func writeTemporary(_ contents: [UInt8]) throws(Failure) -> String {
        let temporary = "\(directory)/.\(fileName(of: path)).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var written = 0
        while written < contents.count {
            let wrote = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { try abandon(temporary, fd, failure("cannot write \(temporary)")) }
            written += wrote
        }
        guard fsync(fd) == 0 else { try abandon(temporary, fd, failure("cannot sync \(temporary)")) }
        guard close(fd) == 0 else { unlink(temporary); throw failure("cannot write \(temporary)") }
        return temporary
    }

    private func abandon(_ temporary: String, _ fd: Int32, _ error: Failure) throws(Failure) -> Never {
        close(fd)
        unlink(temporary)
        throw error
    }

    private func syncDirectory() throws(Failure) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open directory \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot sync directory \(directory)") }
    }
}
