#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import ToolSupport

/// An open descriptor reading `contents` from an unlinked temporary file.
func descriptor(reading contents: [UInt8]) throws -> Int32 {
    var template = Array("/tmp/rsspp-lines-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    try #require(fd >= 0)
    unlink(template)
    _ = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    lseek(fd, 0, SEEK_SET)
    return fd
}

func lines(of text: String, maxLineBytes: Int = 1 << 20) throws -> [String] {
    let fd = try descriptor(reading: Array(text.utf8))
    defer { close(fd) }
    var reader = LineReader(fd: fd, maxLineBytes: maxLineBytes)
    var out: [String] = []
    while let line = try reader.next() {
        switch line {
        case .text(let bytes, let number): out.append("\(number):\(String(decoding: bytes, as: UTF8.self))")
        case .tooLong(let number, _): out.append("\(number):too long")
        }
    }
    return out
}

@Suite struct LineReaderTests {
    @Test func numbersLinesAndKeepsALastLineWithoutNewline() throws {
        #expect(try lines(of: "a\nbb\n\nccc") == ["1:a", "2:bb", "3:", "4:ccc"])
        #expect(try lines(of: "").isEmpty)
        #expect(try lines(of: "x\n") == ["1:x"])
    }

    @Test func linesLongerThanTheChunkSizeArriveWhole() throws {
        let long = String(repeating: "y", count: 200_000)
        #expect(try lines(of: "\(long)\nz\n") == ["1:\(long)", "2:z"])
    }

    @Test func overlongLinesAreReportedAndSkippedWithoutLosingTheNext() throws {
        let long = String(repeating: "q", count: 300_000)
        #expect(try lines(of: "ok\n\(long)\nafter\n\(long)", maxLineBytes: 1000)
                == ["1:ok", "2:too long", "3:after", "4:too long"])
    }
}

@Suite struct RecordLoopTests {
    func run(_ text: String, skipInvalid: Bool) throws -> (status: Int32, handled: [Int]) {
        let fd = try descriptor(reading: Array(text.utf8))
        defer { close(fd) }
        var handled: [Int] = []
        let status = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: 64).run(fd: fd) { line, number in
            if line.first == UInt8(ascii: "!") { throw RecordError(line: number, field: "x", "is bad") }
            handled.append(number)
        }
        return (status, handled)
    }

    @Test func aBadRecordStopsTheRunWithStatus65AfterEarlierLines() throws {
        let result = try run("a\nb\n!c\nd\n", skipInvalid: false)
        #expect(result.status == ExitStatus.dataError)
        #expect(result.handled == [1, 2])
    }

    @Test func skipInvalidGoesOn() throws {
        let result = try run("a\n!b\n\(String(repeating: "x", count: 100))\n  \nd\n", skipInvalid: true)
        #expect(result.status == 0)
        #expect(result.handled == [1, 5])
    }

    @Test func overlongLinesAreInvalidRecords() throws {
        let result = try run("a\n\(String(repeating: "x", count: 100))\nc\n", skipInvalid: false)
        #expect(result.status == ExitStatus.dataError)
        #expect(result.handled == [1])
    }

    @Test func toolFailuresEndTheRunWithTheirStatus() throws {
        let fd = try descriptor(reading: Array("a\nb\n".utf8))
        defer { close(fd) }
        let status = RecordLoop().run(fd: fd) { _, number in
            if number == 2 { throw ToolFailure("device gone", status: 69) }
        }
        #expect(status == 69)
    }
}

/// A pipe's read and write ends.
private func pipe() throws -> (read: Int32, write: Int32) {
    var ends: [Int32] = [0, 0]
    try #require(Glibc.pipe(&ends) == 0)
    return (ends[0], ends[1])
}

@Suite struct ReaderGoneTests {
    /// An input pipe holding one line and then its end, and an output pipe whose reader has
    /// gone or not.
    final class Pipes {
        let input: (read: Int32, write: Int32)
        let output: (read: Int32, write: Int32)

        init(outputReaderGone: Bool) throws {
            input = try pipe()
            output = try pipe()
            _ = Array("a line\n".utf8).withUnsafeBytes { write(input.write, $0.baseAddress, $0.count) }
            close(input.write)
            if outputReaderGone { close(output.read) }
        }

        deinit { [input.read, output.read, output.write].forEach { close($0) } }

        var reader: LineReader { LineReader(fd: input.read, endingWhenReaderOf: output.write) }
    }

    @Test func aReaderEndsWhenTheWatchedOutputsReaderHasGoneEvenWithInputWaiting() throws {
        let pipes = try Pipes(outputReaderGone: true)
        var reader = pipes.reader
        #expect(try reader.next() == nil)
        #expect(reader.outputClosed)
    }

    @Test func aReaderGoesOnWhileTheOutputIsRead() throws {
        let pipes = try Pipes(outputReaderGone: false)
        var reader = pipes.reader
        guard case .text(let text, 1) = try reader.next() else { Issue.record("no line"); return }
        #expect(Array(text) == Array("a line".utf8))
        #expect(try reader.next() == nil)
        #expect(!reader.outputClosed)
    }

    @Test func readerGoneIsSeenWithoutWriting() throws {
        let output = try pipe()
        defer { close(output.write) }
        #expect(!RecordOutput.readerGone(fd: output.write))
        close(output.read)
        #expect(RecordOutput.readerGone(fd: output.write))
    }
}
