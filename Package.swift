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
        // SIOCETHTOOL requests (RSS table and key, hash fields, channels) for the kernel path.
        .target(name: "CEthtool"),
        .target(name: "Ethtool", dependencies: ["CEthtool", "RSSHash"]),
        .systemLibrary(name: "CBPF", pkgConfig: "libbpf",
                       providers: [.apt(["libbpf-dev"])]),
        // Builds bpf/rss_count.bpf.c (clang -target bpf) and embeds the object in XDPCounting.
        .executableTarget(name: "bpf-embed"),
        .plugin(name: "BPFObjectPlugin", capability: .buildTool(), dependencies: ["bpf-embed"],
                path: "Sources/BPFObjectPlugin"),
        // The XDP per-bucket counter and the `xdp:IFACE` load source (libbpf kept out of the others).
        .target(name: "XDPCounting", dependencies: ["CBPF", "Ethtool", "LoadSources", "RSSHash", "RSSRecords"],
                plugins: ["BPFObjectPlugin"]),
        // Bucket -> queue assignment algorithms (rss-plan).
        .target(name: "Planning", dependencies: ["RSSRecords"]),
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
            "Planning", "NICSim", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "RSSRecordsTests", dependencies: ["RSSRecords"]),
        // Microsoft's RSS verification vectors, shared by the Swift and the BPF Toeplitz tests.
        .target(name: "RSSTestVectors", path: "Tests/RSSTestVectors"),
        .testTarget(name: "RSSHashTests", dependencies: ["RSSHash", "RSSTestVectors"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport"]),
        .testTarget(name: "XDPCountingTests", dependencies: ["XDPCounting", "Ethtool", "RSSHash", "RSSTestVectors", "CBPF"]),
    ]
)
