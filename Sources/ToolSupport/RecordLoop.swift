#if canImport(Glibc)
import Glibc
#endif
import RSSRecords

/// A failure that ends a tool with a message and an exit status (a device that cannot be
/// written, a state file that cannot be read).
public struct ToolFailure: Error, CustomStringConvertible {
    public let description: String
    public let status: Int32

    public init(_ description: String, status: Int32 = ExitStatus.unavailable) {
        self.description = description
        self.status = status
    }
}

/// The read-validate-act loop of a filter tool. Blank lines are ignored. A line that breaks the
/// contract is reported on stderr with its number and field; it ends the run with status 65, after
/// every earlier line's output was written, unless `skipInvalid` is set, in which case the run
/// goes on with the next line. The run also ends, with status 0, when the reader of standard
/// output goes away, whether or not the tool had something to write.
public struct RecordLoop {
    public var skipInvalid: Bool
    public var maxLineBytes: Int

    /// Every line as read, blank and bad ones included, before it is checked: for a tool that
    /// passes its input on whole (a line over `maxLineBytes` is never held, so never seen here).
    public var eachLine: (ArraySlice<UInt8>) -> Void = { _ in }
    /// Each line skipped under `skipInvalid`, after it was reported.
    public var skipped: (RecordError) -> Void = { _ in }
    /// Called once every line read so far is handled and no more input is ready (before the
    /// loop waits), and when the run ends: for a tool that publishes a state per batch of lines
    /// rather than per line. A throw ends the run as one from the handler does.
    public var caughtUp: (() throws -> Void)?

    public init(skipInvalid: Bool = false, maxLineBytes: Int = RecordContract.defaultMaxLineBytes) {
        self.skipInvalid = skipInvalid
        self.maxLineBytes = maxLineBytes
    }

    /// Returns the exit status.
    public func run(fd: Int32 = 0, _ handle: (ArraySlice<UInt8>, Int) throws -> Void) -> Int32 {
        var reader = LineReader(fd: fd, maxLineBytes: maxLineBytes, endingWhenReaderOf: STDOUT_FILENO)
        do {
            while let line = try reader.next() {
                do {
                    if case .text(let text, _) = line { eachLine(text) }
                    if let record = try line.recordText() { try handle(record.text, record.number) }
                } catch let error as RecordError {
                    diagnose(error.description)
                    if !skipInvalid {
                        try caughtUp?()
                        return ExitStatus.dataError
                    }
                    skipped(error)
                }
                if let caughtUp, !reader.hasInputReady { try caughtUp() }
            }
            try caughtUp?()
        } catch let failure as ToolFailure {
            diagnose(failure.description)
            return failure.status
        } catch {
            diagnose("\(error)")
            return ExitStatus.unavailable
        }
        return 0
    }
}
