#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

extension DPDKPath {
    /// The C route: scripts/install-dpdk-lib installs the library, its header and
    /// rsspp-dpdk.pc, and the owner library beside it; rsspp-sink's sources, the template users
    /// copy, build with nothing but `pkg-config --cflags --libs rsspp-dpdk rsspp-owner` and count.
    @Suite struct TemplateBuildTests {
        static let repository: String = {
            var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
            parts.removeLast(3)
            return parts.joined(separator: "/")
        }()

        @Test func aCApplicationBuildsWithPkgConfigAndCounts() throws {
            let directory = try TemporaryDirectory(area: "dpdk")
            let prefix = directory.file("usr"), repository = Self.repository
            let runtime = String(directory.path.split(separator: "/").last!)
            let result = try shell("""
                set -e
                '\(repository)/scripts/install-dpdk-lib' '\(prefix)' 2> install.log
                export PKG_CONFIG_PATH='\(prefix)/lib/pkgconfig'
                ${CC:-cc} -O2 -o sink '\(repository)'/Sources/rsspp-sink/*.c \
                    $(pkg-config --cflags --libs rsspp-dpdk rsspp-owner) -lm \
                    -Wl,-rpath,'\(prefix)/lib'
                ./sink --no-huge -m 128 --no-shconf --no-pci --no-telemetry --log-level=error \
                    --file-prefix \(runtime) --lcores='(0-1)@(\(try allowedCPUs()))' --vdev=net_null0 \
                    -- --queues 1 --duration 0.3 --rate 10000
                """, in: directory)
            removeTree("/var/run/dpdk/\(runtime)")
            #expect(result.status == 0, "\(result.stderr)")
            let record = try #require(result.stdoutLines.last)
            let load = try LoadRecord(jsonLine: Array(record.utf8), lineNumber: 1)
            #expect(load.packets.reduce(0, +) > 0)
            #expect(load.device == "dpdk:0@\(runtime)")
        }
    }
}
