#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import Testing
import TestSupport

/// rss-count and rss-apply link no DPDK library, so that a host without DPDK runs them; for a
/// dpdk: device they run rss-dpdk, found beside them or on PATH, and say so when it is in neither.
@Suite struct DPDKHelperTests {
    @Test func onlyTheHelperLinksDPDK() throws {
        let directory = try TemporaryDirectory(area: "pipeline")
        for tool in ["rss-count", "rss-apply", "rss-dpdk"] {
            let libraries = try shell("ldd '\(toolDirectory)/\(tool)'", in: directory)
            #expect(libraries.status == 0, "\(tool): \(libraries.stderr)")
            #expect(libraries.stdout.contains("librte_") == (tool == "rss-dpdk"), "\(tool): \(libraries.stdout)")
        }
    }

    @Test func aMissingHelperIsNamed() throws {
        let directory = try TemporaryDirectory(area: "pipeline")
        let copied = try shell("cp '\(toolDirectory)/rss-count' '\(toolDirectory)/rss-apply' .", in: directory)
        try #require(copied.status == 0, "\(copied.stderr)")
        let device = "dpdk:0@rsspp-absent-\(getpid())"
        let plan = PlanRecord(device: device, queues: 2, reta: [1, 0], moves: Move.between([0, 1], [1, 0]), active: [0, 1])
        try writeFile(directory.file("plan"), plan.jsonLine())
        let missing = "\(device): rss-dpdk, which serves DPDK devices, is neither in \(directory.path) nor on PATH\n"

        let count = try shell("PATH=/usr/bin:/bin ./rss-count \(device) --epochs 1", in: directory)
        #expect(count.status == 69)
        #expect(count.stderr == "rss-count: " + missing)
        let apply = try shell("PATH=/usr/bin:/bin ./rss-apply < plan", in: directory)
        #expect(apply.status == 69)
        #expect(apply.stderr == "rss-apply: " + missing)

        // On PATH it is found: the device is then reached, and has no primary.
        let found = try shell("./rss-count \(device) --epochs 1", in: directory)
        #expect(found.status == 69)
        #expect(found.stderr.hasPrefix("rss-count: \(device): no DPDK primary"), "\(found.stderr)")
    }
}
