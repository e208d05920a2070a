import Testing
import TestSupport

/// scripts/install into a temporary prefix, and everything it installed used from there as an
/// operator's host would: with the Swift toolchain and the source tree out of sight.
@Suite struct InstallTests {
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static let tools = ["rss-count", "rss-plan", "rss-apply", "rss-migrate", "rss-report", "rss-irq", "rss-dpdk", "rss-balance", "rsspp-sink"]
    /// The tools that link DPDK: rsspp-sink, and rss-dpdk for rss-count and rss-apply, so that a
    /// host without DPDK runs all others.
    static let linkingDPDK = ["rss-dpdk", "rsspp-sink"]
    /// The tools with completion scripts (rsspp-sink is C, without swift-argument-parser).
    static let completedTools = tools.filter { $0 != "rsspp-sink" }

    /// Runs scripts/install with `environment` (shell assignments) into `prefix`. The release
    /// build has a scratch directory of its own: `swift test` holds .build's lock while it runs.
    static func install(_ prefix: String, environment: String = "", in directory: TemporaryDirectory) throws -> ShellResult {
        try shell("""
            \(environment) SWIFT_BUILD_FLAGS='--scratch-path \(repository)/.build-install' \
                '\(repository)/scripts/install' '\(prefix)'
            """, in: directory)
    }

    /// `script` run by bash in a mount namespace where the Swift toolchain (the directory above
    /// swift's bin/, unless that is /usr) and the source tree (with every build in it) are empty directories, with
    /// nothing in the environment but PATH = PREFIX/bin and the system's.
    static func outsideTheTree(_ script: String, prefix: String, in directory: TemporaryDirectory) throws -> ShellResult {
        let quoted = script.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''")
        return try shell("""
            toolchain=$(dirname "$(dirname "$(command -v swift)")") || exit 98
            [ "$toolchain" != /usr ] || toolchain=
            unshare --mount --propagation private sh -c \
                '{ [ -z "$2" ] || mount -t tmpfs none "$2"; } && mount -t tmpfs none "$0" && \
                 exec env -i PATH=\(prefix)/bin:/usr/bin:/bin bash -c "$1"' \
                '\(repository)' 'set -e; cd \(directory.path)
            \(quoted)' "$toolchain"
            """, in: directory)
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func theInstalledPrefixRunsOnItsOwn() throws {
        let directory = try TemporaryDirectory(area: "install")
        let prefix = directory.file("usr")
        let installed = try Self.install(prefix, in: directory)
        try #require(installed.status == 0, "\(installed.stderr)")

        // The list it prints and keeps is every file under the prefix, no more, no less.
        let manifest = try shell("cat '\(prefix)/share/rsspp/installed-files'", in: directory).stdoutLines
        let found = try shell("find '\(prefix)' ! -type d | sort", in: directory).stdoutLines
        #expect(manifest == found)
        #expect(installed.stdoutLines == manifest)
        let expected = Self.tools.map { "\(prefix)/bin/\($0)" }
            + ["rss-plan.1", "rsspp-sink.1"].map { "\(prefix)/share/man/man1/\($0)" }
            + ["rsspp-dpdk.3", "rsspp-owner.3"].map { "\(prefix)/share/man/man3/\($0)" }
            + ["\(prefix)/share/man/man5/rsspp-records.5"]
            + Self.completedTools.flatMap { ["\(prefix)/share/bash-completion/completions/\($0)",
                                             "\(prefix)/share/zsh/site-functions/_\($0)",
                                             "\(prefix)/share/fish/vendor_completions.d/\($0).fish"] }
            + ["include/rsspp_dpdk.h", "include/rsspp_owner.h", "lib/librsspp_dpdk.so", "lib/librsspp_owner.a",
               "lib/pkgconfig/rsspp-dpdk.pc", "lib/pkgconfig/rsspp-owner.pc", "lib/systemd/system/rsspp@.service"]
                .map { "\(prefix)/\($0)" }
        #expect(expected.filter { !manifest.contains($0) } == [], "missing from \(manifest)")

        // The Swift runtime is inside the binaries: no libswift*, nothing of the toolchain's; DPDK
        // only where it is needed.
        for tool in Self.tools {
            let libraries = try shell("ldd '\(prefix)/bin/\(tool)'", in: directory)
            #expect(libraries.status == 0, "\(tool): \(libraries.stderr)")
            #expect(!libraries.stdout.contains("libswift") && !libraries.stdout.contains("/opt/swift")
                    && !libraries.stdout.contains("not found"), "\(tool): \(libraries.stdout)")
            #expect(libraries.stdout.contains("librte_") == Self.linkingDPDK.contains(tool), "\(tool): \(libraries.stdout)")
        }

        let version = try shell("sed -n 's/^#define RSSPP_VERSION \"\\(.*\\)\"$/\\1/p' '\(Self.repository)/Sources/RssppVersion/include/rsspp_version.h'",
                                in: directory).stdout
        #expect(!version.isEmpty)
        let versions = try Self.outsideTheTree(Self.tools.map { "\($0) --version" }.joined(separator: "\n"),
                                               prefix: prefix, in: directory)
        #expect(versions.status == 0, "\(versions.stderr)")
        #expect(versions.stdout == String(repeating: version, count: Self.tools.count))

        // A dpdk: device is reached through the installed rss-dpdk, which finds no primary here.
        let dpdk = try Self.outsideTheTree("rss-count dpdk:0@rsspp-absent --epochs 1", prefix: prefix, in: directory)
        #expect(dpdk.status == 69)
        #expect(dpdk.stderr.hasPrefix("rss-count: dpdk:0@rsspp-absent: no DPDK primary"), "\(dpdk.stderr)")

        // The loop on the simulated NIC, from the installed tools alone (the counter runs ahead of
        // the planner with --fast, so plans are rebased rather than refused as stale).
        // rss-balance finds the stages beside itself.
        let pipeline = try Self.outsideTheTree("""
            rss-count sim:elephants --fast --epochs 5 --nic nic.json | rss-plan | rss-apply file:nic.json --stale-plan rebase > applied
            grep -c '"applied"' applied
            rss-balance file:nic.json --scenario elephants --count-options '--fast --epochs 5' \
                --apply-options '--stale-plan rebase' --records balanced
            grep -c '"applied"' balanced
            """, prefix: prefix, in: directory)
        #expect(pipeline.status == 0, "\(pipeline.stderr)")
        #expect(pipeline.stdoutLines == ["5", "5"])

        // The service runs the installed rss-balance, and systemd finds nothing to object to in it.
        let unit = "\(prefix)/lib/systemd/system/rsspp@.service"
        let command = try shell("sed -n 's/^ExecStart=//p' '\(unit)'", in: directory)
        #expect(command.stdoutLines == ["\(prefix)/bin/rss-balance ethtool:%i --config /etc/rsspp/%i.conf"])
        let verified = try shell("systemd-analyze verify --man=no '\(prefix)/lib/systemd/system/rsspp@eth0.service'",
                                 in: directory)
        #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified.stderr)")

        let extras = try Self.outsideTheTree("""
            mandoc -Tutf8 '\(prefix)/share/man/man1/rss-plan.1' | sed 's/.\\x08//g' | grep -qx SYNOPSIS
            for tool in \(Self.completedTools.joined(separator: " ")); do
                bash -n '\(prefix)/share/bash-completion/completions/'$tool
                (source '\(prefix)/share/bash-completion/completions/'$tool && complete -p $tool > /dev/null)
                grep -q "^#compdef $tool" '\(prefix)/share/zsh/site-functions/_'$tool
                grep -q "complete -c '*$tool'* " '\(prefix)/share/fish/vendor_completions.d/'$tool.fish
            done
            export PKG_CONFIG_PATH='\(prefix)/lib/pkgconfig'
            printf '#include <rsspp_owner.h>\\n#include <rsspp_dpdk.h>\\n' > headers.c
            cc -c headers.c -o headers.o $(pkg-config --cflags rsspp-owner rsspp-dpdk)
            pkg-config --libs rsspp-owner
            """, prefix: prefix, in: directory)
        #expect(extras.status == 0, "\(extras.stderr)")
        #expect(extras.stdoutLines.first?.hasPrefix("-L\(prefix)/lib -lrsspp_owner") == true, "\(extras.stdout)")

        // Again over the first install, and staged for a package: the same files, naming the prefix.
        let again = try Self.install(prefix, in: directory)
        #expect(again.status == 0 && again.stdoutLines == manifest, "\(again.stderr)")
        let stage = directory.file("stage")
        let staged = try Self.install(prefix, environment: "DESTDIR='\(stage)'", in: directory)
        #expect(staged.status == 0 && staged.stdoutLines == manifest, "\(staged.stderr)")
        let stagedFiles = try shell("cd '\(stage)' && find . ! -type d | sed 's/^\\.//' | sort", in: directory).stdoutLines
        #expect(stagedFiles == manifest)
        let stagedPrefix = try shell("sed -n 's/^prefix=//p' '\(stage)\(prefix)/lib/pkgconfig/rsspp-owner.pc'", in: directory)
        #expect(stagedPrefix.stdoutLines == [prefix])

        // Uninstalling is removing the listed files.
        let removed = try shell("xargs -d '\\n' rm -f < '\(prefix)/share/rsspp/installed-files' && find '\(prefix)' ! -type d",
                                in: directory)
        #expect(removed.status == 0 && removed.stdout.isEmpty, "\(removed.stdout)\(removed.stderr)")
    }
}
