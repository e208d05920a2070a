#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// The checked-in seed inputs of one reader: every file of Tests/FuzzTests/Corpus/<reader>/,
/// also what scripts/fuzz hands libFuzzer.
func corpus(_ reader: String) throws -> [[UInt8]] {
    let directory = corpusDirectory + "/" + reader
    let names = listDirectory(directory)
    guard !names.isEmpty else { throw TestFailure("\(directory) has no inputs") }
    return try names.map { try readFile(directory + "/" + $0) }
}

private let corpusDirectory: String = {
    let file = #filePath
    let support = file[..<file.lastIndex(of: "/")!]
    return support[..<support.lastIndex(of: "/")!] + "/Corpus"
}()

/// Generated inputs per test: `RSSPP_FUZZ_ITERATIONS` when set (a long run), else `default`,
/// which keeps the whole suite within CI's minute.
func fuzzIterations(default fixed: Int) -> Int {
    guard let text = getenv("RSSPP_FUZZ_ITERATIONS").map({ String(cString: $0) }) else { return fixed }
    guard let count = Int(text), count > 0 else { preconditionFailure("RSSPP_FUZZ_ITERATIONS=\(text) is not a positive integer") }
    return count
}

/// Feeds `check` the corpus of `reader` as it is, then `iterations` inputs mutated from it
/// (and from the entries of `spliced`), with the seed and input number for its messages.
func fuzz(_ reader: String, splicing spliced: [String] = [], iterations: Int,
          _ check: (_ input: [UInt8], _ name: String) throws -> Void) throws {
    let entries = try corpus(reader)
    for (index, entry) in entries.enumerated() { try check(entry, "\(reader) corpus entry \(index)") }
    let seed = testSeed(default: 0xf022_0001)
    var mutator = Mutator(seed: seed, corpus: try spliced.reduce(entries) { $0 + (try corpus($1)) })
    for index in 0..<fuzzIterations(default: iterations) {
        try check(mutator.next(), "\(reader) input \(index) of seed \(seed)")
    }
}

/// `bytes` for a failure message: printable ASCII as it is, the rest as \xHH, cut at 300 bytes.
func printable(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes.prefix(300) {
        text += (0x20..<0x7f).contains(byte) && byte != UInt8(ascii: "\\") ? String(UnicodeScalar(byte))
            : "\\x" + String(byte, radix: 16)
    }
    return bytes.count > 300 ? text + "... (\(bytes.count) bytes)" : text
}
