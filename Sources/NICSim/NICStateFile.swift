#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// A state file that cannot be read, written or understood, naming the file and, for bad
/// content, the field.
public struct NICStateFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var field: String?
    public var message: String

    public init(path: String, field: String? = nil, _ message: String) {
        self.path = path
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(path): \"\(field)\" \(message)" }
        return "\(path): \(message)"
    }
}

/// The simulated NIC's state file: one `nic` record on one line. Every write replaces the file
/// whole (a temporary file in the same directory, fsync, rename, fsync of the directory), so a
/// reader sees the old table or the new one, never a mix of both.
public struct NICStateFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The device string that load and plan records name this NIC by.
    public var device: String { "file:" + path }

    public func load() throws(NICStateFileError) -> NICState {
        let contents = try readContents()
        guard contents.contains(where: { !isSpace($0) }) else { throw NICStateFileError(path: path, "is empty") }
        do {
            return try NICState(jsonLine: contents)
        } catch {
            throw NICStateFileError(path: path, field: error.field, error.message)
        }
    }

    /// The NIC the file describes; when there is no file, `fresh` becomes it. Two processes
    /// creating it at once agree on one of them: the file appears with a link(2), which never
    /// replaces an existing file.
    public func loadOrCreate(_ fresh: NICState) throws(NICStateFileError) -> (state: NICState, created: Bool) {
        if access(path, F_OK) == 0 { return (try load(), false) }
        let temporary = try writeTemporary(fresh)
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return (try load(), false) }
            throw failure("cannot create")
        }
        try syncDirectory()
        return (fresh, true)
    }

    /// Replaces the file's content with `state`, atomically.
    public func write(_ state: NICState) throws(NICStateFileError) {
        let temporary = try writeTemporary(state)
        guard rename(temporary, path) == 0 else {
            let failed = failure("cannot replace")
            unlink(temporary)
            throw failed
        }
        try syncDirectory()
    }

    /// Reads the NIC, lets `change` modify it, and writes it back with the generation bumped.
    /// An error from `change` leaves the file as it was.
    @discardableResult
    public func update(_ change: (inout NICState) throws -> Void) throws -> NICState {
        var state = try load()
        try change(&state)
        state.generation += 1
        try write(state)
        return state
    }

    private var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func failure(_ what: String, _ code: Int32 = errno) -> NICStateFileError {
        NICStateFileError(path: path, "\(what): \(String(cString: strerror(code)))")
    }

    private func readContents() throws(NICStateFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open") }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw failure("cannot read") }
            if got == 0 { return contents }
            contents += chunk[..<got]
            guard contents.count <= RecordContract.defaultMaxLineBytes else {
                throw NICStateFileError(path: path, "is larger than \(RecordContract.defaultMaxLineBytes) bytes")
            }
        }
    }

    /// Writes `state` to a new file next to `path` and returns its name; the file is on disk
    /// (fsync) before anyone can see it under `path`.
    private func writeTemporary(_ state: NICState) throws(NICStateFileError) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = "\(directory)/.\(base).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        let bytes = state.jsonLine()
        var written = 0
        while written < bytes.count {
            let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { try abandon(temporary, fd, failure("cannot write \(temporary)")) }
            written += wrote
        }
        guard fsync(fd) == 0 else { try abandon(temporary, fd, failure("cannot sync \(temporary)")) }
        guard close(fd) == 0 else { unlink(temporary); throw failure("cannot write \(temporary)") }
        return temporary
    }

    private func abandon(_ temporary: String, _ fd: Int32, _ error: NICStateFileError) throws(NICStateFileError) -> Never {
        close(fd)
        unlink(temporary)
        throw error
    }

    /// Makes a rename or link in the directory durable.
    private func syncDirectory() throws(NICStateFileError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open directory \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot sync directory \(directory)") }
    }
}

private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }
