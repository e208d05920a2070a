#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import ToolSupport

/// The line reader every tool reads records with, on generated input (long lines, NULs, bytes
/// that are not UTF-8, no final newline) and line limits from 1 byte up: it hands back exactly
/// the input's lines, numbered, with those over the limit reported and nothing else lost.
@Suite struct LineReaderFuzzTests {
    @Test func linesComeBackAsWritten() throws {
        let directory = try TemporaryDirectory(area: "fuzz")
        let path = directory.file("input")
        var inputNumber = 0
        try fuzz("lines", splicing: ["load", "plan"], iterations: 300) { input, name in
            inputNumber += 1
            let limit = [1, 7, 64, 300, 4096, 70_000][inputNumber % 6]
            try writeFile(path, input)
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw TestFailure("\(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var reader = LineReader(fd: fd, maxLineBytes: limit)
            var lines: [ExpectedLine] = []
            while let line = try reader.next() {
                switch line {
                case .text(let text, let number): lines.append(.text(Array(text), number: number))
                case .tooLong(let number, let reported): lines.append(.tooLong(number: number, limit: reported))
                }
            }
            #expect(lines == expectedLines(input, limit: limit), "\(name), limit \(limit): \(printable(input))")
        }
    }
}

enum ExpectedLine: Equatable {
    case text([UInt8], number: Int)
    case tooLong(number: Int, limit: Int)
}

/// The lines of `input` worked out on the whole of it: split at every newline, the last line
/// counting when it has no newline of its own.
func expectedLines(_ input: [UInt8], limit: Int) -> [ExpectedLine] {
    var pieces = input.split(separator: 0x0a, omittingEmptySubsequences: false)
    if input.last == 0x0a || input.isEmpty { pieces.removeLast() }
    return pieces.enumerated().map { index, piece in
        piece.count > limit ? .tooLong(number: index + 1, limit: limit) : .text(Array(piece), number: index + 1)
    }
}
