import Ethtool
import Testing
import TestSupport

/// `EthtoolDevice.feature` against ethtool(8)'s own `ethtool -k` listing of a veth, which names
/// some features by older names than the kernel's.
@Suite struct FeatureTests {
    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
    func featuresReadAsEthtoolShowsThem() throws {
        let namespace = try NetworkNamespace(area: "features")
        try #require(namespace.shell("ip link add fq0 type veth peer name fq1").status == 0)
        let names = [("rx-gro", "generic-receive-offload"), ("rx-hashing", "receive-hashing")]
        for gro in ["on", "off"] {
            let shown = try namespace.shell("ethtool -K fq0 gro \(gro) && ethtool -k fq0")
            try #require(shown.status == 0, "\(shown)")
            let read = try namespace.enter {
                let device = try EthtoolDevice(interface: "fq0")
                return try names.map { try device.feature($0.0) }
            }
            for ((name, shownName), state) in zip(names, read) {
                let line = try #require(shown.stdoutLines.first { $0.hasPrefix(shownName + ": ") },
                                        "no \(shownName) in ethtool -k: \(shown.stdout)")
                let value = line.dropFirst(shownName.count + 2)
                #expect(state?.active == value.hasPrefix("on") && state?.changeable == !value.contains("[fixed]"),
                        "\(name): read \(String(describing: state)); ethtool -k shows \"\(line)\"")
            }
            #expect(read[0]?.active == (gro == "on"), "rx-gro did not follow ethtool -K fq0 gro \(gro)")
        }
        let unknown = try namespace.enter { try EthtoolDevice(interface: "fq0").feature("rsspp-no-such-feature") }
        #expect(unknown == nil)
    }
}
