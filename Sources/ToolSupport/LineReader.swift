#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RSSRecords

/// Reads `\n`-separated lines from a file descriptor in large chunks, numbering them from 1.
/// A line longer than `maxLineBytes` is reported as a `RecordError` and skipped to its end,
/// without ever holding more than the limit in memory.
///
/// Given an `output` to watch, it also ends when that output's reader goes away while it waits
/// for input: a filter with nothing to write would otherwise never learn that nobody reads it,
/// and a pipeline would not stop together.
public struct LineReader {
    public enum Line {
        case text(ArraySlice<UInt8>, number: Int)
        case tooLong(number: Int, limit: Int)
    }

    private let fd: Int32
    private var output: Int32?
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes from `start` already searched for a newline, so long lines are scanned once.
    private var scanned = 0
    private var endOfInput = false
    private var discarding = false
    /// The watched output's reader went away: no more lines, not even a partial one.
    public private(set) var outputClosed = false
    public private(set) var lineNumber = 0

    public init(fd: Int32 = STDIN_FILENO, maxLineBytes: Int = RecordContract.defaultMaxLineBytes,
                endingWhenReaderOf output: Int32? = nil) {
        self.fd = fd
        self.output = output
        self.maxLineBytes = maxLineBytes
    }

    /// The next line without its terminator, or nil at end of input.
    public mutating func next() throws(SystemError) -> Line? {
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: 0x0a) {
                let line = buffer[start..<newline]
                start = newline + 1
                scanned = 0
                lineNumber += 1
                if discarding || line.count > maxLineBytes { discarding = false; return .tooLong(number: lineNumber, limit: maxLineBytes) }
                return .text(line, number: lineNumber)
            }
            if outputClosed { return nil }
            scanned = buffer.count - start
            if scanned > maxLineBytes { discarding = true }
            if discarding { buffer.removeAll(keepingCapacity: true); start = 0; scanned = 0 }
            if endOfInput {
                guard start < buffer.count || discarding else { return nil }
                lineNumber += 1
                let line = buffer[start...]
                buffer.removeAll()
                start = 0
                scanned = 0
                if discarding || line.count > maxLineBytes { discarding = false; return .tooLong(number: lineNumber, limit: maxLineBytes) }
                return .text(line, number: lineNumber)
            }
            try fill()
        }
    }

    /// Whether `next()` has a line for the caller without waiting: one is buffered whole, or
    /// the input has more, or its end, ready to read.
    public var hasInputReady: Bool {
        if endOfInput || buffer[start...].contains(0x0a) { return true }
        var input = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&input, 1, 0) != 0
    }

    private mutating func fill() throws(SystemError) {
        guard waitForInput() else { outputClosed = true; return }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 16
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let got = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + oldCount, chunk)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                buffer.removeLast(chunk)
                throw SystemError(operation: "read", errno: errno)
            }
            buffer.removeLast(chunk - got)
            if got == 0 { endOfInput = true }
            return
        }
    }
}

extension LineReader {
    /// Waits until the input can be read; false when the watched output's reader went away first.
    private mutating func waitForInput() -> Bool {
        guard let output else { return true }
        var watched = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: output, events: 0, revents: 0)]
        while true {
            guard poll(&watched, nfds_t(watched.count), -1) >= 0 else {
                if errno == EINTR { continue }
                return true // the read reports what is wrong
            }
            if RecordOutput.hasLostItsReader(watched[1]) { return false }
            if watched[1].revents & Int16(POLLNVAL) != 0 { self.output = nil; return true } // nothing to watch
            if watched[0].revents != 0 { return true }
        }
    }
}

extension LineReader.Line {
    /// The line as a record's text with its number, as every reader of records takes lines: nil
    /// for a blank line, which the contract ignores; a `RecordError` for a line over the limit.
    public func recordText() throws(RecordError) -> (text: ArraySlice<UInt8>, number: Int)? {
        switch self {
        case .tooLong(let number, let limit):
            throw RecordError(line: number, "is longer than \(limit) bytes")
        case .text(let text, let number):
            return text.contains(where: { !isBlank($0) }) ? (text, number) : nil
        }
    }
}

private func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0d
}

/// A failed system call, with the C library's message.
public struct SystemError: Error, CustomStringConvertible {
    public let operation: String
    public let errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
}
