#if canImport(Glibc)
import Glibc
#endif

/// Replaces `path` with `contents` so that a reader sees the old file or the new one, never a
/// mix: the bytes go to a temporary file in the same directory, which is flushed to disk and
/// renamed over `path`; the directory is flushed so the rename survives a crash.
public func replaceFileAtomically(_ path: String, _ contents: [UInt8]) throws(SystemError) {
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    var template = Array("\(path).tmp-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw SystemError(operation: "create a temporary file beside \(path)", errno: errno) }
    let temporary = String(cString: template)
    do throws(SystemError) {
        let failure = contents.withUnsafeBytes { raw -> Int32? in
            var done = 0
            while done < raw.count {
                let wrote = write(fd, raw.baseAddress! + done, raw.count - done)
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { return errno }
                done += wrote
            }
            return nil
        }
        if let failure { throw SystemError(operation: "write \(temporary)", errno: failure) }
        guard fchmod(fd, 0o644) == 0, fsync(fd) == 0 else { throw SystemError(operation: "fsync \(temporary)", errno: errno) }
        guard close(fd) == 0 else { throw SystemError(operation: "close \(temporary)", errno: errno) }
        guard rename(temporary, path) == 0 else { throw SystemError(operation: "rename to \(path)", errno: errno) }
    } catch {
        close(fd)
        unlink(temporary)
        throw error
    }
    let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryFD >= 0 {
        fsync(directoryFD)
        close(directoryFD)
    }
}
