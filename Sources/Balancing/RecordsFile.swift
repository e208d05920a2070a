#if canImport(Glibc)
import Glibc
#endif
import ToolSupport

/// RECORDS (`--records`): every record out of the last stage, appended. It is a copy for the
/// operator, so a file that cannot be written (a full disk) does not stop the balancing: records
/// are dropped, said once when it starts and once when writing works again, and a record that
/// went in part way is cut off again, so that the file holds whole lines only.
struct RecordsFile {
    let path: String
    private let fd: Int32
    /// Records dropped since writing last failed, and why it failed; nil while writing works.
    private var dropping: (count: Int, errno: Int32)?

    /// Opens `path` for appending, created when missing.
    init(path: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(operation: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// Appends `line` and a newline; the event to log when writing stopped or started working.
    mutating func append(_ line: ArraySlice<UInt8>) -> String? {
        let end = lseek(fd, 0, SEEK_END)
        let failure = writeWhole(Array(line) + [0x0a], to: fd)
        if failure == 0 {
            guard let dropped = dropping else { return nil }
            dropping = nil
            return "RECORDS (--records) \(path): written again; \(dropped.count) records were dropped"
        }
        if end >= 0 { _ = ftruncate(fd, end) }
        if dropping != nil {
            dropping!.count += 1
            return nil
        }
        dropping = (1, failure)
        return "RECORDS (--records) \(SystemError(operation: path, errno: failure)); dropping records until it can be written"
    }

    /// The event for records still being dropped when the run ends.
    var droppedAtEnd: String? {
        dropping.map { "RECORDS (--records) \(path): \($0.count) records were dropped (\(String(cString: strerror($0.errno))))" }
    }
}

/// Writes all of `bytes`, through short writes and interruptions; 0, or the errno of the failure.
private func writeWhole(_ bytes: [UInt8], to fd: Int32) -> Int32 {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let wrote = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return wrote < 0 ? errno : EIO }
            offset += wrote
        }
        return 0
    }
}
