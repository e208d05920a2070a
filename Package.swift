// swift-tools-version:6.0
import PackageDescription

// DPDK (the dpdk: source and target, the application library). SwiftPM cannot parse
// libdpdk.pc and would drop its -include and -march flags, so they are spelled out here.
let dpdkCFlags: [CSetting] = [.unsafeFlags([
    "-I/usr/include/dpdk", "-I/usr/include/x86_64-linux-gnu/dpdk",
    "-include", "rte_config.h", "-march=corei7"])]
let dpdkLibraries: [LinkerSetting] = ["rte_ethdev", "rte_mbuf", "rte_mempool", "rte_ring", "rte_eal"]
    .map { .linkedLibrary($0) }

let package = Package(
    name: "rsspp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rss-count", targets: ["rss-count"]),
        .executable(name: "rss-plan", targets: ["rss-plan"]),
        .executable(name: "rss-apply", targets: ["rss-apply"]),
        .executable(name: "rss-report", targets: ["rss-report"]),
        .executable(name: "rsspp-sink", targets: ["rsspp-sink"]),
        // The DPDK application library for Swift applications (C ones use rsspp-dpdk.pc).
        .library(name: "RssppDPDK", targets: ["RssppDPDK"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The v1 JSON-lines record contract every tool speaks (man/rsspp-records.5).
        .target(name: "RSSRecords"),
        // Toeplitz hashing and the packet fields it hashes.
        .target(name: "RSSHash"),
        // Line I/O, exit codes and signal handling shared by the command-line tools.
        .target(name: "ToolSupport", dependencies: ["RSSRecords"]),
        // The simulated NIC: its state file, traffic scenarios and cost model.
        .target(name: "NICSim", dependencies: ["RSSRecords", "RSSHash"]),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"])]),
        // Where load records come from (rss-count).
        .target(name: "LoadSources", dependencies: ["RSSRecords", "RSSHash", "NICSim", "CPcap"]),
        // Bucket -> queue assignment algorithms (rss-plan).
        .target(name: "Planning", dependencies: ["RSSRecords"]),
        // Where tables are written (rss-apply).
        .target(name: "TableTargets", dependencies: ["RSSRecords", "NICSim"]),

        // The DPDK application library: per-bucket counters in a memzone, software RSS
        // (include/rsspp_dpdk.h, man/rsspp-dpdk.3).
        .target(name: "RssppDPDK", exclude: ["rsspp-dpdk.pc.in"],
                cSettings: dpdkCFlags, linkerSettings: dpdkLibraries),
        // How the tools attach to a DPDK primary as a secondary process (plain C for Swift).
        .target(name: "CDPDKSecondary", dependencies: ["RssppDPDK"], cSettings: dpdkCFlags,
                linkerSettings: dpdkLibraries),
        // dpdk:PORT[@FILE_PREFIX]: the load source of rss-count and the table target of rss-apply.
        .target(name: "DPDKPort", dependencies: [
            "CDPDKSecondary", "RssppDPDK", "LoadSources", "TableTargets", "RSSRecords"]),
        // The reference DPDK primary: counts with RssppDPDK, the test peer and the template.
        .executableTarget(name: "rsspp-sink", dependencies: ["RssppDPDK"], cSettings: dpdkCFlags,
                          linkerSettings: dpdkLibraries),

        // The library's costs: counting a burst, reading a block (scripts/bench-dpdk).
        .executableTarget(name: "rsspp-dpdk-bench", dependencies: ["RssppDPDK"], cSettings: dpdkCFlags,
                          linkerSettings: dpdkLibraries),

        // Summaries of runs of load records (rss-report, the demo).
        .target(name: "Reporting", dependencies: ["RSSRecords", "ToolSupport"]),

        .executableTarget(name: "rss-count", dependencies: [
            "LoadSources", "DPDKPort", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-plan", dependencies: [
            "Planning", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-apply", dependencies: [
            "TableTargets", "DPDKPort", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-report", dependencies: [
            "Reporting", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-bench", dependencies: [
            "Planning", "NICSim", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "RSSRecordsTests", dependencies: ["RSSRecords"]),
        .testTarget(name: "RSSHashTests", dependencies: ["RSSHash"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport"]),
        .testTarget(name: "NICSimTests", dependencies: ["NICSim", "RSSHash", "TestSupport"]),
        .testTarget(name: "TableTargetsTests", dependencies: ["TableTargets", "NICSim", "RSSRecords", "TestSupport"]),
        .testTarget(name: "LoadSourcesTests", dependencies: ["LoadSources", "NICSim", "RSSHash", "RSSRecords", "TestSupport"]),
        // Runs the built tools end to end, alone and in pipelines.
        .testTarget(name: "PipelineTests", dependencies: ["NICSim", "RSSRecords", "TestSupport"]),
        // Temporary directories, a shell runner and capture files for the tests above.
        .target(name: "TestSupport", dependencies: ["NICSim", "RSSHash"], path: "Tests/TestSupport"),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        // The DPDK library's hash and block, and the DPDK path end to end (root, hugepages).
        .testTarget(name: "DPDKTests", dependencies: [
            "RssppDPDK", "CDPDKSecondary", "DPDKPort", "NICSim", "RSSHash", "RSSRecords", "TestSupport"]),
    ]
)
