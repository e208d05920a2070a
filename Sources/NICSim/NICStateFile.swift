import RSSRecords
import ToolSupport

/// A state file that cannot be read, written or understood, naming the file and, for bad
/// content, the field.
public struct NICStateFileError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable {
        /// The file cannot be read or written (exit 69).
        case unavailable
        /// The file was read, and breaks the contract (exit 65).
        case badContent
    }

    public var kind: Kind
    public var path: String
    public var field: String?
    public var message: String

    public init(_ kind: Kind, path: String, field: String? = nil, _ message: String) {
        self.kind = kind
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
        let read: [UInt8]?
        do throws(DurableFile.Failure) {
            read = try file.read(limit: RecordContract.defaultMaxLineBytes)
        } catch {
            throw NICStateFileError(error)
        }
        guard let contents = read else {
            throw NICStateFileError(.badContent, path: path, "is larger than \(RecordContract.defaultMaxLineBytes) bytes")
        }
        guard contents.contains(where: { !isSpace($0) }) else { throw NICStateFileError(.badContent, path: path, "is empty") }
        do {
            return try NICState(jsonLine: contents)
        } catch {
            throw NICStateFileError(.badContent, path: path, field: error.field, error.message)
        }
    }

    /// The NIC the file describes; when there is no file, `fresh` becomes it. Two processes
    /// creating it at once agree on one of them.
    public func loadOrCreate(_ fresh: NICState) throws(NICStateFileError) -> (state: NICState, created: Bool) {
        if file.exists { return (try load(), false) }
        let created: Bool
        do throws(DurableFile.Failure) {
            created = try file.create(with: fresh.jsonLine())
        } catch {
            throw NICStateFileError(error)
        }
        return created ? (fresh, true) : (try load(), false)
    }

    /// Replaces the file's content with `state`, atomically.
    public func write(_ state: NICState) throws(NICStateFileError) {
        do throws(DurableFile.Failure) {
            try file.replace(with: state.jsonLine())
        } catch {
            throw NICStateFileError(error)
        }
    }

    /// Reads the NIC, lets `change` modify it, and writes it back with the generation bumped.
    /// An error from `change` leaves the file as it was. Updates of one file by any number of
    /// processes follow one another (a lock file beside it), so none is lost.
    @discardableResult
    public func update(_ change: (inout NICState) throws -> Void) throws -> NICState {
        let lock = try updateLock()
        defer { withExtendedLifetime(lock) {} }
        var state = try load()
        try change(&state)
        guard state.generation < Int.max else {
            throw NICStateFileError(.badContent, path: path, field: "generation", "is \(Int.max) and cannot grow: no table can be written")
        }
        state.generation += 1
        try write(state)
        return state
    }

    /// Makes this process the only one that writes tables to the file until it ends, and
    /// removes what writers killed before left behind. Throws `FileLock.Held` naming the
    /// process that is the writer.
    public func claimWriter() throws -> FileLock {
        let claim = try FileLock.claim(file.resolved.companion("writer"))
        let lock = try updateLock()
        withExtendedLifetime(lock) { file.resolved.removeTemporariesOfDeadWriters() }
        return claim
    }

    /// Held around every read-modify-write; beside the file a symbolic link leads to, so that
    /// writers through the link and through the file's own name share it.
    private func updateLock() throws(NICStateFileError) -> FileLock {
        do throws(DurableFile.Failure) {
            return try FileLock(waitingFor: file.resolved.companion("lock"))
        } catch {
            throw NICStateFileError(error)
        }
    }

    private var file: DurableFile { DurableFile(path: path) }
}

extension NICStateFileError {
    init(_ failure: DurableFile.Failure) {
        self.init(.unavailable, path: failure.path, failure.reason)
    }
}

private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }
