#if canImport(Glibc)
import Glibc
#endif
import Ethtool
import TableTargets
import Testing
import TestSupport

/// The ethtool: target on this machine's kernel. Devices with a real RSS table are exercised
/// in VirtioGuestTests; here, what every kernel can show: interfaces that are missing or whose
/// driver has no table.
@Suite struct EthtoolTargetTests {
    @Test func aMissingInterfaceIsNamed() throws {
        let target = try tableTarget(device: "ethtool:rsspp-absent0")
        #expect(target.device == "ethtool:rsspp-absent0")
        let error = try #require(throws: TargetError.self) { try target.read() }
        #expect(error.description.hasPrefix(#"ethtool:rsspp-absent0: no network interface "rsspp-absent0" here"#),
                "\(error)")
    }

    @Test func theContextOptionIsRefusedForAStateFile() throws {
        let error = try #require(throws: TargetError.self) {
            try tableTarget(device: "file:/tmp/nic.json", options: TargetOptions(context: 1))
        }
        #expect(error.description.contains("--context applies to ethtool: targets"))
    }

    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
    func aDriverWithoutAnRSSTableIsNamed() throws {
        let namespace = try NetworkNamespace(area: "ethtool")
        let result = try namespace.shell("""
            ip link add rq0 numrxqueues 4 numtxqueues 4 type veth peer name rq1 &&
            printf '%s\\n' '{"type":"plan","v":1,"queues":4,"reta":[1,0],"moves":[{"bucket":0,"from":0,"to":1}]}' |
            rss-apply ethtool:rq0
            """)
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("ethtool:rq0: driver veth does not support RSS indirection tables "
                                       + "through ethtool (ETHTOOL_GRSSH: operation not supported)"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
    func readsTheDriverAndChannelsOfVeth() throws {
        let namespace = try NetworkNamespace(area: "ethtool")
        let created = try namespace.shell("ip link add rq0 numrxqueues 3 numtxqueues 2 type veth peer name rq1")
        try #require(created.status == 0, "\(created)")
        try namespace.enter {
            let device = try EthtoolDevice(interface: "rq0")
            #expect(try device.driverInfo().driver == "veth")
            let channels = try device.channels()
            #expect(channels.maxReceive == 3 && channels.maxTransmit == 2, "\(channels)")
            #expect(channels.receiveQueues == channels.receive + channels.combined)
            let error = try #require(throws: EthtoolError.self) { try device.rssSetup() }
            #expect(error.operation == "ETHTOOL_GRSSH" && error.errno == EOPNOTSUPP, "\(error)")
        }
    }

    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)))
    func anInterfaceThatGoesAwayIsNamed() throws {
        let namespace = try NetworkNamespace(area: "ethtool")
        let created = try namespace.shell("ip link add rq0 type veth peer name rq1")
        try #require(created.status == 0, "\(created)")
        try namespace.enter {
            let device = try EthtoolDevice(interface: "rq0")
            _ = try device.channels()
            let deleted = try namespace.shell("ip link delete rq0")
            try #require(deleted.status == 0, "\(deleted)")
            let error = try #require(throws: EthtoolError.self) { try device.channels() }
            #expect(error.errno == ENODEV, "\(error)")
        }
    }
}
