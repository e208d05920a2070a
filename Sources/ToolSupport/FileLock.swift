#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock (flock(2)) on a lock file, held until the value goes away or the process
/// ends: the kernel drops it with its holder, so a killed process never leaves it taken.
/// Lock files are never removed: a process that removed one could leave a waiter holding a lock
/// on a file that no longer has a name.
public final class FileLock {
    /// A lock another process holds: `holder` names it ("pid 1234 (rss-apply file:/tmp/nic.json)")
    /// when it said who it is.
    public struct Held: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let holder: String?
        public var description: String { "\(path) is held by \(holder ?? "another process")" }
    }

    public let path: String
    private let fd: Int32

    /// Waits until the lock is free and takes it, for a short read-modify-write.
    public convenience init(waitingFor path: String) throws(DurableFile.Failure) {
        let fd = try FileLock.open(path)
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let failed = DurableFile.Failure(path: path, what: "cannot lock", errno: errno)
                close(fd)
                throw failed
            }
        }
        self.init(path: path, fd: fd)
    }

    /// The environment variable through which a process hands the locks it holds to a child:
    /// `PATH=FD[:PATH=FD…]`, each FD an inherited descriptor of the lock file, open on the same
    /// open file description as the parent's, so that the child's flock(2) finds it already
    /// held by itself (rss-balance and its rss-apply).
    public static let heldLocksVariable = "RSSPP_HELD_LOCKS"

    /// Takes the lock for as long as the process needs it, and writes who holds it into the
    /// file; throws `Held` naming the holder when another process has it. A lock handed over in
    /// `RSSPP_HELD_LOCKS` is taken through the inherited descriptor, and keeps naming the
    /// parent: the parent is the one another claimant has to wait for.
    public static func claim(_ path: String) throws -> FileLock {
        if let handed = handedOver(path) { return handed }
        let fd = try open(path)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else { throw DurableFile.Failure(path: path, what: "cannot lock", errno: code) }
            throw Held(path: path, holder: holder(in: fd))
        }
        // Opened read-only (a lock file another user made), it holds the lock but cannot say who.
        let me = Array("pid \(getpid()) (\(commandLine()))\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = me.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        return FileLock(path: path, fd: fd)
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// This lock's entry in `RSSPP_HELD_LOCKS`, for a child that inherits `descriptor`.
    public var handOverEntry: String { "\(path)=\(fd)" }

    /// The descriptor a child must inherit, at the same number, to take the lock over.
    public var descriptor: Int32 { fd }

    /// The lock on `path` named in `RSSPP_HELD_LOCKS`, when this process inherited one: the
    /// entry's descriptor is open on the file `path` names (compared by device and inode, so
    /// that a relative and an absolute name agree) and flock(2) through it succeeds.
    private static func handedOver(_ path: String) -> FileLock? {
        guard let variable = getenv(heldLocksVariable) else { return nil }
        var named = stat()
        guard stat(path, &named) == 0 else { return nil }
        for entry in String(cString: variable).split(separator: ":") {
            guard let equals = entry.lastIndex(of: "="), let fd = Int32(entry[entry.index(after: equals)...]) else { continue }
            var inherited = stat()
            guard fstat(fd, &inherited) == 0, inherited.st_dev == named.st_dev, inherited.st_ino == named.st_ino,
                  flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return FileLock(path: path, fd: fd)
        }
        return nil
    }

    /// flock(2) needs no write access: a lock file someone else made is opened read-only.
    private static func open(_ path: String) throws(DurableFile.Failure) -> Int32 {
        var fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 && errno == EACCES { fd = Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw DurableFile.Failure(path: path, what: "cannot open", errno: errno) }
        return fd
    }

    /// What the holder wrote, when it is a live process (its pid still names a process).
    private static func holder(in fd: Int32) -> String? {
        var bytes = [UInt8](repeating: 0, count: 512)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard got > 0 else { return nil }
        let text = String(decoding: bytes[..<got], as: UTF8.self).split(separator: "\n").first.map(String.init)
        guard let text, let pid = text.split(separator: " ").dropFirst().first.flatMap({ pid_t($0) }),
              isAlive(pid) else { return nil }
        return text
    }
}

/// Whether `pid` names a process (one we may not signal counts).
func isAlive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

/// This process's command line as /proc shows it, arguments separated by spaces.
private func commandLine() -> String {
    guard let bytes = try? DurableFile(path: "/proc/self/cmdline").read(limit: 4096) else { return toolName }
    return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
}
