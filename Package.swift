// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rsspp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rss-count", targets: ["rss-count"]),
        .executable(name: "rss-plan", targets: ["rss-plan"]),
        .executable(name: "rss-apply", targets: ["rss-apply"]),
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
        // Planners replayed side by side on the scenarios (rss-bench).
        .target(name: "Benchmarks", dependencies: ["Planning", "NICSim", "RSSHash", "RSSRecords"]),
        // Where tables are written (rss-apply).
        .target(name: "TableTargets", dependencies: ["RSSRecords", "NICSim"]),

        .executableTarget(name: "rss-count", dependencies: [
            "LoadSources", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-plan", dependencies: [
            "Planning", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-apply", dependencies: [
            "TableTargets", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-bench", dependencies: [
            "Benchmarks", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "RSSRecordsTests", dependencies: ["RSSRecords"]),
        .testTarget(name: "RSSHashTests", dependencies: ["RSSHash"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "RSSRecords"]),
        // rss-plan end to end: runs the built binary.
        .testTarget(name: "RSSPlanTests", dependencies: ["Planning", "RSSRecords", "rss-plan"]),
        .testTarget(name: "NICSimTests", dependencies: ["NICSim", "RSSHash", "TestSupport"]),
        .testTarget(name: "TableTargetsTests", dependencies: ["TableTargets", "NICSim", "RSSRecords", "TestSupport"]),
        .testTarget(name: "LoadSourcesTests", dependencies: ["LoadSources", "NICSim", "RSSHash", "RSSRecords", "TestSupport"]),
        // Runs the built tools end to end, alone and in pipelines.
        .testTarget(name: "PipelineTests", dependencies: [
            "NICSim", "RSSRecords", "TestSupport", "rss-count", "rss-plan", "rss-apply"]),
        // Temporary directories, a shell runner and capture files for the tests above.
        .target(name: "TestSupport", dependencies: ["NICSim", "RSSHash"], path: "Tests/TestSupport"),
    ]
)
