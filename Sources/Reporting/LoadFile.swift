#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import ToolSupport

/// A file of load records that cannot be opened or broke the contract: names the file as well
/// as the line.
public struct LoadFileError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The file does not exist or cannot be read (exit 66).
        case unreadable
        /// A line cannot be read or breaks the contract (exit 65).
        case badRecord
    }

    public let kind: Kind
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Reads every load record of `path` ("-" for standard input), handing each to `body` with its
/// epoch number. Records of other types (plans in a mixed log) are skipped.
public func readLoadRecords(_ path: String, maxLineBytes: Int = RecordContract.defaultMaxLineBytes,
                            _ body: (Int, LoadRecord) -> Void) throws(LoadFileError) {
    let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw LoadFileError(kind: .unreadable, path: path, reason: String(cString: strerror(errno))) }
    defer { if fd != STDIN_FILENO { close(fd) } }
    var reader = LineReader(fd: fd, maxLineBytes: maxLineBytes)
    var epoch = 0
    do {
        while let line = try reader.next() {
            guard let record = try line.recordText(),
                  !isPlan(record.text) else { continue }
            body(epoch, try LoadRecord(jsonLine: record.text, lineNumber: record.number))
            epoch += 1
        }
    } catch let error as RecordError {
        throw LoadFileError(kind: .badRecord, path: path, reason: error.description)
    } catch {
        throw LoadFileError(kind: .unreadable, path: path, reason: "\(error)")
    }
}

private func isPlan(_ line: ArraySlice<UInt8>) -> Bool {
    (try? RecordHeader.type(of: line, lineNumber: 0)) == "plan"
}
