#if canImport(Glibc)
import Glibc
#endif
import CNetNamespace

/// Whether tests that need root (network namespaces, veth, taps, QEMU) run. They always run
/// under CI (`CI=true`), so there a missing privilege fails them instead of skipping them.
public let privilegedTestsRun: Bool = getuid() == 0 || isCI

/// CI services set `CI` to `true`, `1` or their own name; only empty, `false` and `0` mean "not CI".
public let isCI: Bool = getenv("CI").map { !["", "false", "0"].contains(String(cString: $0).lowercased()) } ?? false

/// The message a privileged test is skipped with outside root.
public let needsRoot = "needs root (network namespaces, CAP_NET_ADMIN): run the tests as root, as CI does"

/// A network namespace for one test, named after the test's area and the process id so that
/// runs side by side do not collide; deleted, with every interface in it, when the value goes.
public final class NetworkNamespace {
    public let name: String
    private let scratch: TemporaryDirectory

    public init(area: String) throws {
        name = "rsspp-\(area)-\(getpid())-\(UInt16.random(in: 1...UInt16.max))"
        scratch = try TemporaryDirectory()
        try NetworkNamespace.removeLeftovers(area: area, scratch: scratch)
        let result = try TestSupport.shell("ip netns add \(name)", in: scratch)
        guard result.status == 0 else { throw TestFailure("ip netns add \(name): \(result.stderr)") }
    }

    deinit { _ = try? TestSupport.shell("ip netns delete \(name)", in: scratch) }

    /// Namespaces of this area left by a test process that crashed (its pid is gone).
    private static func removeLeftovers(area: String, scratch: TemporaryDirectory) throws {
        let prefix = "rsspp-\(area)-"
        for name in try TestSupport.shell("ls /run/netns 2>/dev/null", in: scratch).stdoutLines
        where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            _ = try TestSupport.shell("ip netns delete \(name)", in: scratch)
        }
    }

    /// Runs `script` with /bin/sh inside the namespace (the built tools first on PATH).
    public func shell(_ script: String) throws -> ShellResult {
        let quoted = script.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''")
        return try TestSupport.shell("ip netns exec \(name) /bin/sh -c '\(quoted)'", in: scratch)
    }
}

extension NetworkNamespace {
    /// Runs `body` with the calling thread inside the namespace (sockets it opens stay there),
    /// and puts the thread back where it was. `body` must not suspend.
    public func enter<Result>(_ body: () throws -> Result) throws -> Result {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let namespace = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        defer { close(original); close(namespace) }
        guard original >= 0, namespace >= 0, rsspp_enter_network_namespace(namespace) == 0 else {
            throw TestFailure("entering network namespace \(name): \(String(cString: strerror(errno)))")
        }
        defer { precondition(rsspp_enter_network_namespace(original) == 0, "cannot leave network namespace \(name)") }
        return try body()
    }

    /// A raw packet socket on `interface` in the namespace, for writing frames into it; it
    /// stays bound there while the calling thread comes back.
    func packetSocket(on interface: String) throws -> Int32 {
        let fd = try enter { rsspp_packet_socket(interface) }
        guard fd >= 0 else {
            throw TestFailure("packet socket on \(interface) in \(name): \(String(cString: strerror(-fd)))")
        }
        return fd
    }
}
