#if canImport(Glibc)
import Glibc
#endif

/// A file that readers must never see half-written: every write goes to a temporary file in the
/// same directory, is flushed to disk, and only then appears under `path` (rename, or link for a
/// first creation), after which the directory is flushed so the change survives a crash.
/// A replacement keeps the file's mode and owner, and through a symbolic link replaces the
/// link's target, never the link.
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

    /// The file a write through `path` changes: `path` with symbolic links resolved, or `path`
    /// itself when it does not exist (yet).
    public var resolved: DurableFile {
        guard let real = realpath(path, nil) else { return self }
        defer { free(real) }
        return DurableFile(path: String(cString: real))
    }

    /// `.NAME.SUFFIX` beside the file, for the lock files that go with it.
    public func companion(_ suffix: String) -> String { "\(directory)/.\(fileName(of: path)).\(suffix)" }

    /// Replaces the file's contents whole, keeping its mode and owner; through a symbolic link,
    /// replaces the link's target.
    public func replace(with contents: [UInt8]) throws(Failure) {
        let target = resolved
        var existing = stat()
        let kept = stat(target.path, &existing) == 0 ? existing : nil
        let temporary = try target.writeTemporary(contents, like: kept)
        guard rename(temporary, target.path) == 0 else {
            let failed = target.failure("cannot replace")
            unlink(temporary)
            throw failed
        }
        try target.syncDirectory()
    }

    /// Removes the temporary files that writers of this file left behind when they were killed
    /// (`.NAME.PID.RANDOM.tmp` whose PID names no live process).
    public func removeTemporariesOfDeadWriters() {
        guard let listing = opendir(directory) else { return }
        defer { closedir(listing) }
        let prefix = ".\(fileName(of: path)).", suffix = ".tmp"
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { continue }
            let parts = name.dropFirst(prefix.count).dropLast(suffix.count).split(separator: ".")
            guard parts.count == 2, let pid = pid_t(parts[0]), UInt32(parts[1]) != nil, !isAlive(pid) else { continue }
            unlink("\(directory)/\(name)")
        }
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

    /// A new file beside `path` holding `contents`, on disk before anyone can see it, with the
    /// mode and owner of `original` when there is one.
    private func writeTemporary(_ contents: [UInt8], like original: stat? = nil) throws(Failure) -> String {
        let temporary = companion("\(getpid()).\(UInt32.random(in: .min ... .max)).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        if let original {
            var created = stat()
            guard fstat(fd, &created) == 0 else { try abandon(temporary, fd, failure("cannot stat \(temporary)")) }
            if (created.st_uid, created.st_gid) != (original.st_uid, original.st_gid),
               fchown(fd, original.st_uid, original.st_gid) != 0 {
                try abandon(temporary, fd, failure("cannot give \(temporary) the owner of \(path)"))
            }
            // After fchown, which may clear set-user-ID bits.
            guard fchmod(fd, original.st_mode & 0o7777) == 0 else {
                try abandon(temporary, fd, failure("cannot give \(temporary) the mode of \(path)"))
            }
        }
        if let code = writeAll(contents, to: fd) { try abandon(temporary, fd, failure("cannot write \(temporary)", code)) }
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
