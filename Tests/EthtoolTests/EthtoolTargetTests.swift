#if canImport(Glibc)
import Glibc
#endif
@testable import Ethtool
@testable import TableTargets
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
        #expect(result.stderr.contains("ethtool:rq0: the device has no RSS indirection table "
                                       + "(driver veth: ETHTOOL_GRSSH: operation not supported)"), "\(result)")
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
            // veth reports its queues as receive-only channels: the 3 of numrxqueues.
            #expect(channels.receiveQueues == 3, "\(channels)")
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

    /// `ethtool -X IFACE default` is entry i on ring i mod rings (the kernel's
    /// ethtool_rxfh_indir_default); any other table was set by hand.
    @Test(arguments: [
        ([0, 1, 2, 3, 0, 1, 2, 3], 4, true),
        ([0, 1, 0, 1, 0, 1, 0, 1], 2, true),
        ([0, 1, 2, 3, 0, 1, 2, 3], 2, false),
        ([3, 1, 2, 3, 0, 1, 2, 3], 4, false),
        ([0, 1, 2, 3], 0, false),
    ])
    func theDriverDefaultIsTheSpreadOverTheRings(reta: [Int], rings: Int, isDefault: Bool) {
        #expect(EthtoolTarget.isDriverDefault(reta, receiveRings: rings) == isDefault)
    }

    /// A table is checked against the ring count only when it is the default for some count: every
    /// spread over 1 to more rings than entries is, and a table that starts elsewhere, repeats
    /// with a gap or counts down is not.
    @Test func onlyATableOfTheDefaultShapeIsCheckedAgainstTheRings() {
        for rings in 1...10 {
            let spread = (0..<8).map { $0 % rings }
            #expect(EthtoolTarget.hasDefaultShape(spread), "the spread over \(rings) rings: \(spread)")
        }
        for reta in [[1, 2, 3, 0, 1, 2, 3, 0], [0, 1, 2, 0, 1, 2, 3, 0], [0, 3, 2, 1, 0, 3, 2, 1], [0, 1, 1, 0]] {
            #expect(!EthtoolTarget.hasDefaultShape(reta), "\(reta)")
        }
    }

    /// The request `resetIndirection` sends, against struct ethtool_rxfh in the kernel's uapi:
    /// cmd 0x47 (ETHTOOL_SRSSH), rss_context, indir_size 0 (the default table), key_size 0 and
    /// hfunc 0 (both kept), input_xfrm as read, and no table after the 24-byte header.
    @Test func theResetRequestAsksForTheDefaultTable() {
        let request = EthtoolDevice.setIndirectionRequest([], context: 0, inputTransform: 0x80)
        #expect(request == [0x47, 0, 0, 0, /* rss_context */ 0, 0, 0, 0, /* indir_size */ 0, 0, 0, 0,
                            /* key_size */ 0, 0, 0, 0, /* hfunc */ 0, /* input_xfrm */ 0x80, 0, 0, 0, 0, 0, 0])
        let table = EthtoolDevice.setIndirectionRequest([3, 1], context: 2, inputTransform: 0)
        #expect(table == [0x47, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                          3, 0, 0, 0, 1, 0, 0, 0])
    }
}
