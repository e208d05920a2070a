import RSSRecords
import Testing

func scanDouble(_ text: String) throws -> Double {
    try Array(text.utf8).withUnsafeBufferPointer { buffer in
        var scanner = JSONScanner(buffer)
        return try scanner.double()
    }
}

@Suite struct JSONTests {
    @Test(arguments: ["0", "-0.5", "0.1", "1764318000.1", "1e-7", "2.5E+3", "123456789012345678901234",
                      "0.30000000000000004", "4.9406564584124654e-324", "1.7976931348623157e308"])
    func numbersReadAsTheStandardLibraryReadsThem(text: String) throws {
        #expect(try scanDouble(text) == Double(text)!)
    }

    @Test(arguments: [0.1, 1.0 / 3, 1764318000.123456, 1e-9, 123456.0, -2.5, 0.93])
    func writtenNumbersReadBackExactly(value: Double) throws {
        var line = JSONLine()
        line.field("x", value)
        let text = String(decoding: line.finish(), as: UTF8.self)
        let number = String(text.dropFirst(5).dropLast(2))
        #expect(try scanDouble(number) == value)
    }

    @Test(arguments: ["-", "1.", ".5", "1e", "--1", "+1"])
    func malformedNumbersAreRejected(text: String) {
        #expect(throws: JSONScanner.Failure.self) { _ = try scanDouble(text) }
    }

    @Test func stringsAreEscapedSoTheyReadBack() throws {
        var line = JSONLine()
        let tricky = "a\"b\\c\nd\u{1}é🙂"
        line.field("device", tricky)
        let bytes = line.finish()
        let record = try LoadRecord(jsonLine: Array("{\"type\":\"load\",\"v\":1,\"queues\":1,\"reta\":[0],\"packets\":[0],".utf8)
                                    + bytes.dropFirst().dropLast(), lineNumber: 1)
        #expect(record.device == tricky)
    }

    /// Strings without escapes are read as written, ASCII or not.
    @Test(arguments: ["eth0", "é🙂 ĳ", ""])
    func plainStringsReadAsWritten(text: String) throws {
        let record = try LoadRecord(jsonLine: Array("{\"type\":\"load\",\"v\":1,\"device\":\"\(text)\",\"queues\":1,\"reta\":[0],\"packets\":[0]}".utf8),
                                    lineNumber: 1)
        #expect(record.device == text)
    }
}
