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
    products: [
        .executable(name: "rss-count", targets: ["rss-count"]),
        .executable(name: "rss-plan", targets: ["rss-plan"]),
        .executable(name: "rss-apply", targets: ["rss-apply"]),
        .executable(name: "rss-report", targets: ["rss-report"]),
        .executable(name: "rss-migrate", targets: ["rss-migrate"]),
        .executable(name: "rsspp-sink", targets: ["rsspp-sink"]),
        .executable(name: "rss-irq", targets: ["rss-irq"]),
        .executable(name: "rss-dpdk", targets: ["rss-dpdk"]),
        .executable(name: "rss-balance", targets: ["rss-balance"]),
        // The DPDK application library for Swift applications (C ones use rsspp-dpdk.pc).
        .library(name: "RssppDPDK", targets: ["RssppDPDK"]),
        // Per-bucket ownership of flow state, for C applications and Swift ones.
        .library(name: "RssppOwner", targets: ["RssppOwner"]),
        .library(name: "BucketOwnership", targets: ["BucketOwnership"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The v1 JSON-lines record contract every tool speaks (man/rsspp-records.5).
        .target(name: "RSSRecords"),
        // Toeplitz hashing and the packet fields it hashes.
        .target(name: "RSSHash"),
        // The release number, in a C header so that C tools and the Swift tools print the same one.
        .target(name: "RssppVersion"),
        // The project's one percentile (nearest rank), for reports and benchmarks.
        .target(name: "Statistics"),
        // Line I/O, exit codes and signal handling shared by the command-line tools.
        .target(name: "ToolSupport", dependencies: ["RSSRecords", "RssppVersion"]),
        // The simulated NIC: its state file, traffic scenarios and cost model.
        .target(name: "NICSim", dependencies: ["RSSRecords", "RSSHash", "ToolSupport"]),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"])]),
        // Where load records come from (rss-count).
        .target(name: "LoadSources", dependencies: ["RSSRecords", "RSSHash", "NICSim", "CPcap", "ToolSupport"]),
        .systemLibrary(name: "CBPF", pkgConfig: "libbpf",
                       providers: [.apt(["libbpf-dev"])]),
        // libxdp's multi-program dispatcher, which the counter joins beside programs of xdp-loader.
        .systemLibrary(name: "CXDP", pkgConfig: "libxdp",
                       providers: [.apt(["libxdp-dev"])]),
        // Builds bpf/rss_count.bpf.c (clang -target bpf) and embeds the object in XDPCounting.
        .executableTarget(name: "bpf-embed"),
        .plugin(name: "BPFObjectPlugin", capability: .buildTool(), dependencies: ["bpf-embed"],
                path: "Sources/BPFObjectPlugin"),
        // The XDP per-bucket counter and the `xdp:IFACE` load source (libbpf kept out of the others).
        .target(name: "XDPCounting", dependencies: ["CBPF", "CXDP", "Ethtool", "IRQAffinity", "LoadSources", "RSSHash", "RSSRecords",
                                                   "ToolSupport"],
                plugins: ["BPFObjectPlugin"]),
        // Bucket -> queue assignment algorithms (rss-plan).
        .target(name: "Planning", dependencies: ["RSSRecords", "ToolSupport"]),
        // Planners replayed side by side on the scenarios (rss-bench).
        .target(name: "Benchmarks", dependencies: ["Planning", "NICSim", "RSSHash", "RSSRecords", "Statistics"]),
        // The SIOCETHTOOL ioctl and the kernel's ethtool structs (a tiny C shim).
        .target(name: "CEthtool"),
        // A Linux interface's RSS table, key, hash fields and channels, typed for Swift.
        .target(name: "Ethtool", dependencies: ["CEthtool", "RSSHash"]),
        // Where tables are written (rss-apply).
        .target(name: "TableTargets", dependencies: ["RSSRecords", "NICSim", "Ethtool", "ToolSupport"]),

        // The Toeplitz hash once for the C libraries (a static-inline header they compile in).
        .target(name: "CToeplitz"),
        // The DPDK application library: per-bucket counters in a memzone, software RSS
        // (include/rsspp_dpdk.h, man/rsspp-dpdk.3).
        .target(name: "RssppDPDK", dependencies: ["CToeplitz"], exclude: ["rsspp-dpdk.pc.in"],
                cSettings: dpdkCFlags + [.unsafeFlags(["-fvisibility=hidden"])], linkerSettings: dpdkLibraries),
        // The owner library: per-bucket ownership of flow state, parking, handover and replay
        // (include/rsspp_owner.h), plain C for C, DPDK and Swift applications.
        // JSON through jansson (the control socket), Toeplitz from CToeplitz.
        .target(name: "RssppOwner", dependencies: ["CToeplitz"], exclude: ["rsspp-owner.pc.in"],
                cSettings: [.unsafeFlags(["-fvisibility=hidden"])],
                linkerSettings: [.linkedLibrary("jansson"), .linkedLibrary("pthread")]),
        // The owner library for Swift applications: typed packets over RssppOwner.
        .target(name: "BucketOwnership", dependencies: ["RssppOwner"]),
        // How the tools attach to a DPDK primary as a secondary process (plain C for Swift).
        .target(name: "CDPDKSecondary", dependencies: ["RssppDPDK"], cSettings: dpdkCFlags,
                linkerSettings: dpdkLibraries),
        // dpdk:PORT[@FILE_PREFIX] for rss-count and rss-apply without DPDK in them: the device
        // string, and the source and target kinds that hand the device to rss-dpdk.
        .target(name: "DPDKProxy", dependencies: ["LoadSources", "TableTargets", "RSSRecords", "ToolSupport"]),
        // dpdk:PORT[@FILE_PREFIX] as a DPDK secondary: the load source and table target rss-dpdk serves.
        .target(name: "DPDKPort", dependencies: [
            "CDPDKSecondary", "RssppDPDK", "DPDKProxy", "LoadSources", "TableTargets", "RSSRecords"]),
        // The reference DPDK primary: counts with RssppDPDK, owns its per-bucket flow tables with
        // RssppOwner (or shares one rte_hash, --shared-table), the test peer and the template.
        .executableTarget(name: "rsspp-sink", dependencies: ["RssppDPDK", "RssppOwner", "RssppVersion"], cSettings: dpdkCFlags,
                          linkerSettings: dpdkLibraries + [.linkedLibrary("rte_hash"), .linkedLibrary("m")]),

        // The library's costs: counting a burst, reading a block (scripts/bench-dpdk).
        .executableTarget(name: "rsspp-dpdk-bench", dependencies: ["RssppDPDK"], cSettings: dpdkCFlags,
                          linkerSettings: dpdkLibraries),

        // Telling the owners of flow state each written plan's moves (rss-migrate, man/rss-migrate.1).
        .target(name: "Migration", dependencies: ["RSSRecords", "ToolSupport"]),

        // Receive queue interrupts pinned to CPUs and banned from irqbalance (rss-irq, man/rss-irq.1).
        .target(name: "IRQAffinity", dependencies: ["ToolSupport"]),

        // The pipeline run as a service per device: restarts, locks, restore (rss-balance, man/rss-balance.1).
        .target(name: "Balancing", dependencies: ["RSSRecords", "TableTargets", "ToolSupport"]),

        // Summaries of runs of load records (rss-report, the demo).
        .target(name: "Reporting", dependencies: ["RSSRecords", "Statistics", "ToolSupport"]),

        .executableTarget(name: "rss-count", dependencies: [
            "LoadSources", "NICSim", "XDPCounting", "DPDKProxy", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-plan", dependencies: [
            "Planning", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-apply", dependencies: [
            "TableTargets", "DPDKProxy", "ToolSupport", "RSSRecords",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The one tool that links DPDK: rss-count and rss-apply run it when a dpdk: device is named.
        .executableTarget(name: "rss-dpdk", dependencies: [
            "DPDKPort", "DPDKProxy", "LoadSources", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-migrate", dependencies: [
            "Migration", "RSSRecords", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The XDP counter's benchmark (scripts/bench-xdp).
        .executableTarget(name: "xdp-bench", dependencies: [
            "Statistics", "XDPCounting", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-irq", dependencies: [
            "IRQAffinity", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-report", dependencies: [
            "Reporting", "RSSRecords", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-balance", dependencies: [
            "Balancing", "DPDKProxy", "TableTargets", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rss-bench", dependencies: [
            "Benchmarks", "ToolSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "RSSRecordsTests", dependencies: ["RSSRecords"]),
        .testTarget(name: "RSSHashTests", dependencies: ["NICSim", "RSSHash", "TestSupport"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["ToolSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "RSSRecords", "TestSupport", "ToolSupport"]),
        // The comparisons' arithmetic, and rss-bench run as built.
        .testTarget(name: "BenchmarksTests", dependencies: [
            "Benchmarks", "Planning", "RSSRecords", "TestSupport", "rss-bench"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        // rss-migrate's side of the wire protocol, against owners written in the tests.
        .testTarget(name: "MigrationTests", dependencies: ["Migration", "RSSRecords", "TestSupport"]),
        // The parsers, and rss-irq run on fake /proc and /sys trees.
        .testTarget(name: "IRQAffinityTests", dependencies: ["IRQAffinity", "TestSupport", "rss-irq"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"]),
        .testTarget(name: "NICSimTests", dependencies: ["NICSim", "RSSHash", "RSSRecords", "TestSupport"]),
        .testTarget(name: "TableTargetsTests", dependencies: ["TableTargets", "NICSim", "RSSRecords", "TestSupport"]),
        // rss-dpdk's table protocol, both ends over a socket pair in one process.
        .testTarget(name: "DPDKProxyTests", dependencies: ["DPDKProxy", "TableTargets", "NICSim", "TestSupport"]),
        .testTarget(name: "LoadSourcesTests", dependencies: ["LoadSources", "NICSim", "RSSHash", "RSSRecords", "TestSupport"]),
        // Runs the built tools end to end, alone and in pipelines.
        .testTarget(name: "PipelineTests", dependencies: [
            "NICSim", "RSSRecords", "TestSupport", "rss-count", "rss-plan", "rss-apply", "rss-report", "rss-migrate",
            "rss-irq", "rsspp-sink", "rss-dpdk", "rss-balance"]),
        // The config file's parser, and rss-balance run as built over the other tools: restarts,
        // stalls, locks and the table put back.
        .testTarget(name: "BalanceTests", dependencies: [
            "Balancing", "NICSim", "RSSRecords", "TestSupport", "rss-balance", "rss-count", "rss-plan", "rss-apply"]),
        // scripts/install into a temporary prefix, and the installed tools and libraries used from there.
        .testTarget(name: "InstallTests", dependencies: ["TestSupport"]),
        // The owner library's rules one by one (C API) and its handover under concurrent load.
        .testTarget(name: "OwnerTests", dependencies: ["RssppOwner", "BucketOwnership", "NICSim", "TestSupport"]),
        .testTarget(name: "EthtoolTests", dependencies: ["Ethtool", "TableTargets", "TestSupport"]),
        // The ethtool: target and the kernel pipeline on a real RSS driver: virtio-net in a QEMU guest.
        .testTarget(name: "VirtioGuestTests", dependencies: ["RSSHash", "RSSRecords", "TestSupport"]),
        // Temporary directories, a shell runner, capture files and Microsoft's RSS verification
        // vectors for the tests above.
        .target(name: "TestSupport", dependencies: ["NICSim", "RSSHash", "RSSRecords", "CNetNamespace"], path: "Tests/TestSupport",
                // Built by the tests with clang's BPF target: another user's XDP program.
                exclude: ["Support/foreign_pass.bpf.c"]),
        // The XDP counter through BPF_PROG_TEST_RUN and on veth in a network namespace.
        .testTarget(name: "XDPCountingTests", dependencies: ["XDPCounting", "Ethtool", "IRQAffinity", "NICSim", "RSSHash", "CBPF",
                                                           "TestSupport"]),
        // Packet sockets and setns for TestSupport's network namespaces.
        .target(name: "CNetNamespace", path: "Tests/CNetNamespace"),
        // The owner library's control socket seen from its peers (raw sockets, other uids), its Toeplitz and
        // the installed library with its C example.
        .testTarget(name: "OwnerServerTests", dependencies: ["RssppOwner", "BucketOwnership", "NICSim", "RSSHash", "RSSRecords", "TestSupport",
                                                            "rss-migrate"],
                    // Built by the tests with cc: a peer of another uid, and programs on the installed library.
                    exclude: ["Support/peer.c", "Support/lifecycle.c", "Support/descriptors.c", "Support/small_owner.h"]),
        // Generated inputs for every record, state and config file reader, the line reader and the owner's
        // control socket, mutated from the checked-in seeds in Corpus/ (also scripts/fuzz's).
        .testTarget(name: "FuzzTests", dependencies: [
            "RSSRecords", "NICSim", "Planning", "Migration", "ToolSupport", "RssppOwner", "Balancing", "TestSupport"],
            exclude: ["Corpus", "LibFuzzer"]),
        // The DPDK library's hash and block, and the DPDK path end to end (root, hugepages).
        .testTarget(name: "DPDKTests", dependencies: [
            "RssppDPDK", "CDPDKSecondary", "DPDKProxy", "NICSim", "RSSHash", "RSSRecords", "Statistics", "TestSupport",
            "rsspp-sink", "rss-count", "rss-plan", "rss-apply", "rss-migrate", "rss-dpdk"],
            // Built by the tests with cc: an outside view of a PMD's RETA (Support/PMDTable.swift).
            exclude: ["Support/reta-query.c"]),
    ]
)
