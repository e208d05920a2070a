import Testing
import TestSupport

/// `rsspp-sink --help` prints the sink's own options, every one rsspp-sink(1) documents, without
/// starting EAL (which would print its own usage, or want hugepages and root).
@Suite struct SinkHelpTests {
    @Test(arguments: ["--help", "-- --help", "--no-huge --help"])
    func helpListsTheSinksOptionsWithoutEAL(arguments: String) throws {
        let result = try shell("rsspp-sink \(arguments)", in: try TemporaryDirectory(area: "dpdk"))
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "EAL said: \(result.stderr)")
        #expect(result.stdout.hasPrefix("usage: rsspp-sink [EAL options] -- "))
        let manual = String(decoding: try readFile(DPDKPath.TemplateBuildTests.repository + "/man/rsspp-sink.1"), as: UTF8.self)
        let options = manual.split(separator: "\n").filter { $0.hasPrefix(".It Fl -") }
            .map { "--" + $0.dropFirst(".It Fl -".count).split(separator: " ")[0] }
        #expect(options.count >= 16, "the manual's options: \(options)")
        for option in options { #expect(result.stdout.contains("  \(option) "), "\(option) in --help") }
    }
}
