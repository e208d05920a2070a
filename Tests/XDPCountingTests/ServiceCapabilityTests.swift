#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// The tools run with what `rsspp@.service` gives them, read from the unit: root's uid with only
/// its capability bounding and ambient set, and no new privileges, as setpriv sets them up. They
/// count with XDP and write tables and locks with that, and without any one of those
/// capabilities rss-count stops with a message naming it.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct ServiceCapabilityTests {
    static let unitTemplate = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        + "/systemd/rsspp@.service.in"

    /// The capabilities the unit's `key=` line names, e.g. ["CAP_NET_ADMIN", "CAP_BPF"].
    static func unitCapabilities(_ key: String) throws -> [String] {
        let unit = String(decoding: try readFile(unitTemplate), as: UTF8.self)
        let lines = unit.split(separator: "\n").filter { $0.hasPrefix(key + "=") }
        guard lines.count == 1 else { throw TestFailure("\(unitTemplate): \(lines.count) lines of \(key)=, not 1") }
        return lines[0].dropFirst(key.count + 1).split(separator: " ").map(String.init)
    }

    static let granted = (try? unitCapabilities("AmbientCapabilities")) ?? []

    /// setpriv's command line for a process with exactly `capabilities` (as
    /// `CapabilityBoundingSet=` and `AmbientCapabilities=` give them) and no way to gain more.
    static func setpriv(_ capabilities: [String]) -> [String] {
        let list = (["-all"] + capabilities.map { "+" + $0.dropFirst("CAP_".count).lowercased() }).joined(separator: ",")
        return ["/usr/bin/setpriv", "--inh-caps=\(list)", "--ambient-caps=\(list)", "--bounding-set=\(list)",
                "--no-new-privs", "--"]
    }

    @Test func theUnitBoundsWhatItGrants() throws {
        let bounded = try Self.unitCapabilities("CapabilityBoundingSet")
        #expect(!Self.granted.isEmpty)
        #expect(Set(bounded) == Set(Self.granted))
        #expect(!bounded.contains("CAP_SYS_ADMIN"), "CAP_SYS_ADMIN is nearly root")
    }

    @Test func rssCountCountsOnVethAndDetaches() throws {
        let veth = try VethFixture(queues: 4)
        let counter = try BackgroundCount("xdp:\(veth.local) --cpus 0-3 --interval 0.3 --epochs 6",
                                          under: Self.setpriv(Self.granted))
        let attached = try counter.waitUntilAttached(to: veth.local)
        #expect(attached.name.hasPrefix("rsspp_"))
        let records = try counter.records(counting: VethCountingTests.traffic, from: veth)
        #expect(records.count == 6)
        #expect(records.flatMap(\.packets).reduce(0, +) == VethCountingTests.traffic.count, "\(counter.errors)")
    }

    @Test(arguments: granted)
    func withoutOneRssCountNamesIt(missing: String) throws {
        let veth = try VethFixture(queues: 4)
        let counter = try BackgroundCount("xdp:\(veth.local) --cpus 0-3 --interval 0.1 --epochs 1",
                                          under: Self.setpriv(Self.granted.filter { $0 != missing }))
        #expect(counter.waitForEnd() == 69)
        let first = counter.errors.split(separator: "\n").first ?? ""
        #expect(first.contains("lacks \(missing)"), "\(counter.errors)")
        #expect(try AttachedXDP.on(veth.local) == nil)
    }

    /// In a /run of its own, empty as after boot: rss-apply makes /run/rsspp for its lock, a second
    /// writer of the device is turned away naming the first, and the simulated NIC's loop applies
    /// every plan, by hand and under rss-balance (its lock handed to rss-apply).
    @Test func rssApplyAndRssBalanceTakeTheDevicesLockAndWriteTables() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "service")
        let setpriv = Self.setpriv(Self.granted).joined(separator: " ")
        try writeFile(directory.file("run.sh"), """
            set -e
            mount -t tmpfs none /run
            mkfifo plans
            \(setpriv) rss-apply ethtool:\(veth.local) < plans 2> first.err &
            exec 3> plans
            until grep -qs rss-apply /run/rsspp/*; do sleep 0.05; done
            status=0
            \(setpriv) rss-apply ethtool:\(veth.local) < /dev/null 2> second.err || status=$?
            echo "second $status"
            exec 3>&-
            wait $! && echo "first 0"
            \(setpriv) sh -c 'rss-count sim:elephants --fast --epochs 5 --nic nic.json | rss-plan |
                rss-apply file:nic.json --stale-plan rebase' | grep -c '"applied"'
            \(setpriv) rss-balance file:nic.json --scenario elephants --count-options '--fast --epochs 5' \\
                --apply-options '--stale-plan rebase' --records balanced 2> balance.err
            grep -c '"applied"' balanced
            """)
        let run = try shell("timeout 120 unshare --mount --propagation private sh run.sh", in: directory)
        let errors = ["first.err", "second.err", "balance.err"].map { String(decoding: (try? readFile(directory.file($0))) ?? [], as: UTF8.self) }
        #expect(run.status == 0, "\(run.stderr) \(errors)")
        #expect(run.stdoutLines == ["second 75", "first 0", "5", "5"], "\(run.stderr) \(errors)")
        #expect(errors[1].contains("ethtool:\(veth.local): pid ") && errors[1].contains("/run/rsspp/"), "\(errors[1])")
    }
}
