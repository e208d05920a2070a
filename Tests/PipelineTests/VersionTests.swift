import Testing
import TestSupport

/// The release as the header spells it, read as text so that the tools' answer is not compared
/// with itself.
private func headerVersion() throws -> String {
    let header = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
    let text = try shell("sed -n 's/^#define RSSPP_VERSION \"\\(.*\\)\"$/\\1/p' '/\(header)/Sources/RssppVersion/include/rsspp_version.h'",
                         in: TemporaryDirectory())
    let version = text.stdoutLines.first ?? ""
    #expect(!version.isEmpty, "no RSSPP_VERSION in the header")
    return version
}

@Suite struct VersionTests {
    @Test(arguments: ["rss-count", "rss-plan", "rss-apply", "rss-report", "rss-migrate", "rss-irq", "rsspp-sink", "rss-balance"])
    func everyToolPrintsTheRelease(tool: String) throws {
        let result = try shell("\(tool) --version", in: TemporaryDirectory())
        #expect(result.status == 0)
        #expect(result.stdout == "\(try headerVersion())\n")
    }
}
