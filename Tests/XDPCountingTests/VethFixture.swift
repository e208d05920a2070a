#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport

/// A veth pair with `queues` rx/tx queues: `local` in this namespace (where the counter
/// attaches), `peer` in a network namespace of its own (where the traffic comes from). The
/// peer's tx queue, which is `local`'s rx queue, is picked by the sender's flow hash. IPv6 is
/// off on both ends, so nothing but the test's own frames crosses. Deleting the namespace on
/// deinit removes the pair and whatever is attached to it, also when the test failed.
final class VethFixture {
    let namespace: NetworkNamespace
    let local: String
    let peer: String
    let queues: Int
    private let directory: TemporaryDirectory
    /// Fixtures made so far in this process, by suites that run in parallel: atomic, so that no
    /// two get the same interface names.
    private static let made = Atomic<Int>(0)

    init(queues: Int = 4) throws {
        let tag = "\(getpid() % 100_000)\(VethFixture.made.add(1, ordering: .relaxed).newValue)"
        namespace = try NetworkNamespace(area: "xdp")
        local = "xdp\(tag)a"
        peer = "xdp\(tag)b"
        self.queues = queues
        directory = try TemporaryDirectory()
        do {
            try make()
        } catch {
            removeAll()
            throw error
        }
    }

    deinit { removeAll() }

    /// Makes the pair; again after `remove()`, as a device that went away comes back.
    func make() throws {
        let script = """
            set -e
            ip link add \(local) numtxqueues \(queues) numrxqueues \(queues) type veth \
              peer name \(peer) numtxqueues \(queues) numrxqueues \(queues) netns \(namespace.name)
            sysctl -qw net.ipv6.conf.\(local).disable_ipv6=1
            ip netns exec \(namespace.name) sysctl -qw net.ipv6.conf.\(peer).disable_ipv6=1
            ip link set \(local) up
            ip -n \(namespace.name) link set \(peer) up
            """
        let result = try shell(script, in: directory)
        guard result.status == 0 else { throw TestFailure("setting up veth in \(namespace.name) failed: \(result.stderr)") }
    }

    /// Deletes the pair, as a NIC goes away (unplugged, its driver unloaded).
    func remove() throws {
        let result = try shell("ip link del \(local)", in: directory)
        guard result.status == 0 else { throw TestFailure("ip link del \(local): \(result.stderr)") }
    }

    /// The namespace goes with its own deinit, and the peer in it; the local end goes here.
    private func removeAll() {
        _ = try? shell("ip link del \(local) 2>/dev/null; true", in: directory)
    }

    /// What veth itself counted per rx queue of `local` (`ethtool -S`: rx_queue_N_xdp_packets),
    /// and its ring drops, which must stay 0 for the counts to add up.
    func queueStatistics() throws -> (packets: [Int], drops: Int) {
        let result = try shell("ethtool -S \(local)", in: directory)
        guard result.status == 0 else { throw TestFailure("ethtool -S \(local): \(result.stderr)") }
        var packets = [Int](repeating: 0, count: queues)
        var drops = 0
        for line in result.stdoutLines {
            let parts = line.split(separator: ":").map { $0.filter { $0 != " " } }
            guard parts.count == 2, let value = Int(parts[1]), parts[0].hasPrefix("rx_queue_") else { continue }
            let name = parts[0].dropFirst("rx_queue_".count)
            guard let queue = Int(name.prefix { $0.isNumber }), queue < queues else { continue }
            if name.hasSuffix("_xdp_packets") { packets[queue] = value }
            if name.hasSuffix("_drops") { drops += value }
        }
        return (packets, drops)
    }

    /// Sends `frames` from the peer, pausing now and then so that no veth ring overflows.
    func send(_ frames: [[UInt8]]) throws {
        try FrameSender(interface: peer, in: namespace).send(frames, burst: 32, pause: 0.000_5)
    }
}
