import Testing
import TestSupport

/// What librsspp_dpdk.so exports is its documented interface: every symbol it exports is named
/// in rsspp-dpdk(3), and every name there is declared in rsspp_dpdk.h. Internal functions stay
/// hidden.
@Suite struct LibraryInterfaceTests {
    static let repository = DPDKPath.TemplateBuildTests.repository

    @Test func everyExportedSymbolIsDocumented() throws {
        let directory = try TemporaryDirectory(area: "dpdk")
        let installed = try shell("'\(Self.repository)/scripts/install-dpdk-lib' '\(directory.file("usr"))' >/dev/null 2>&1 "
                                  + "&& nm -D --defined-only --extern-only usr/lib/librsspp_dpdk.so | awk '{print $3}'",
                                  in: directory)
        try #require(installed.status == 0, "\(installed.stderr)")
        let exported = Set(installed.stdoutLines.filter { !$0.isEmpty })
        let manual = String(decoding: try readFile(Self.repository + "/man/rsspp-dpdk.3"), as: UTF8.self)
        let documented = Set(manual.split(separator: "\n").filter { $0.hasPrefix(".Nm ") }
            .map { String($0.dropFirst(4).split(separator: " ")[0]) })
        let header = String(decoding: try readFile(Self.repository + "/Sources/RssppDPDK/include/rsspp_dpdk.h"), as: UTF8.self)

        #expect(exported.contains("rsspp_port_create"), "the library was read: \(exported.sorted())")
        #expect(exported.subtracting(documented).isEmpty, "exported, not in rsspp-dpdk(3): \(exported.subtracting(documented).sorted())")
        let undeclared = documented.filter { !Self.declares(header, $0) }
        #expect(undeclared.isEmpty, "in rsspp-dpdk(3), not in rsspp_dpdk.h: \(undeclared.sorted())")
    }

    /// Whether `header` declares `name`: a function or an array, after a space, a `*` or a line break.
    static func declares(_ header: String, _ name: String) -> Bool {
        let uses: [String] = [" ", "*", "\n"].flatMap { before in ["(", "["].map { before + name + $0 } }
        return uses.contains { header.contains($0) }
    }
}
