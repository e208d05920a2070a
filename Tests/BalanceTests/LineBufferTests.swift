#if canImport(Glibc)
import Glibc
#endif
@testable import Balancing
import Testing

/// The lines rss-balance reads from a stage, arriving in pieces on a pipe.
@Suite struct LineBufferTests {
    @Test func linesComeWholeWhereverTheReadsCutThem() throws {
        let ends = try makePipe()
        setNonBlocking(ends.read)
        var buffer = LineBuffer(fd: ends.read)
        defer { close(ends.read) }
        func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(ends.write, $0.baseAddress, $0.count) } }
        func lines() -> [String] { buffer.read().map { String(decoding: $0, as: UTF8.self) } }
        let many = (0..<5000).map { "line \($0)" }
        send(many.joined(separator: "\n") + "\nhal")
        #expect(lines() == many)
        send("f\n\nlast")
        #expect(lines() == ["half", ""])
        close(ends.write)
        #expect(lines() == ["last"])
        #expect(buffer.ended)
    }
}
