import Foundation
import PackagePlugin

/// Compiles bpf/rss_count.bpf.c with clang's BPF target and embeds the object in the target that
/// uses this plugin, so the built tool carries its XDP program and no compiled object is committed.
@main
struct BPFObjectPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let bpf = context.package.directoryURL.appending(path: "bpf")
        let source = bpf.appending(path: "rss_count.bpf.c")
        let object = context.pluginWorkDirectoryURL.appending(path: "rss_count.bpf.o")
        let embedded = context.pluginWorkDirectoryURL.appending(path: "EmbeddedCounterObject.swift")
        return [
            .buildCommand(
                displayName: "Compiling and embedding XDP counter \(source.lastPathComponent)",
                executable: try context.tool(named: "bpf-embed").url,
                arguments: [embedded.path, object.path, try clang(context).path,
                            "-target", "bpf", "-O2", "-g", "-Wall",
                            "-I", bpf.path, "-I", "/usr/include/\(multiarchDirectory)",
                            "-c", source.path],
                inputFiles: [source, bpf.appending(path: "rss_count.shared.h")],
                outputFiles: [embedded]),
        ]
    }

    /// Swift's own clang has the BPF target; Debian's clang-14 as well.
    private func clang(_ context: PluginContext) throws -> URL {
        if let toolchainClang = try? context.tool(named: "clang").url { return toolchainClang }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for directory in path.split(separator: ":") {
            for name in ["clang", "clang-14"] {
                let candidate = URL(fileURLWithPath: String(directory)).appending(path: name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        throw PluginError("no clang found to build bpf/rss_count.bpf.c (install clang, e.g. apt-get install clang-14)")
    }

    /// Where the C library keeps <asm/types.h>, which the BPF target's default paths miss.
    private var multiarchDirectory: String {
        #if arch(arm64)
        return "aarch64-linux-gnu"
        #else
        return "x86_64-linux-gnu"
        #endif
    }
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
