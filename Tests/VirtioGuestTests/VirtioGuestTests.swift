import RSSHash
import Testing
import TestSupport

/// `rss-apply ethtool:` on a driver with a real indirection table: virtio-net in a QEMU guest
/// running Debian's 6.1 kernel, fed from the host through a multi-queue tap.
///
/// Facts of this setup the test relies on: the device does RSS only after the first table write
/// since boot, and changing the channel count or attaching XDP switches RSS off in QEMU while
/// the guest still shows its old table; so every phase writes its table before its traffic.
@Suite(.serialized) struct VirtioGuestTests {
    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .timeLimit(.minutes(10)))
    func ethtoolTargetOnVirtioNet() throws {
        try #require(toolExists("rss-apply"), "rss-apply was not built")
        let scratch = try TemporaryDirectory()
        let namespace = try NetworkNamespace(area: "qemu")
        let guest = try Guest(tools: [toolDirectory + "/rss-apply"], namespace: namespace, scratch: scratch)
        print("virtio guest: shell \(format(guest.bootSeconds)) s after QEMU started")

        let (bootTable, key) = try guest.rssTable()
        try #require(bootTable.count == 128 && key.count == 40, "\(bootTable.count) entries, \(key.count)-byte key")
        let fields = try guest.udp4HashFields()
        #expect(fields == .addressesAndPorts)
        let hasher = RSSHasher(key: key, configuration: HashConfiguration(fields: [.udp4: fields]))
        var generator = SplitMix(seed: 0x7155_0001)
        let sender = try FrameSender(interface: "tap0", in: namespace)

        try refusesWhatDoesNotFit(guest, table: bootTable)
        var current = bootTable
        for round in 1...2 {
            let reta = (0..<bootTable.count).map { _ in Int(generator.next() % UInt64(Guest.queues)) }
            let applied = try guest.apply(reta, from: current)
            #expect(applied.status == 0 && applied.output.contains(#""applied":"#), "\(applied)")
            #expect(try guest.rssTable().reta == reta, "round \(round): ethtool -x shows another table")
            current = reta

            let traffic = Traffic(flows: (0..<64).map { _ in Traffic.randomFlow(&generator) },
                                  packets: (0..<64).map { _ in 10 + Int(generator.next() % 110) })
            let received = try deliver(traffic, to: guest, with: sender, generator: &generator)
            let predicted = traffic.perQueue(hasher: hasher, reta: reta, queues: Guest.queues)
            print("virtio guest: round \(round): received per queue \(received), predicted \(predicted)")
            #expect(received == predicted, "round \(round): per-queue packets differ from the Toeplitz prediction")
        }

        try restoresTheTableItFound(guest, table: current)
        try reportsAnInterfaceThatIsGone(guest, table: current)
    }

    /// Tables that do not fit, a context the driver lacks, a user without CAP_NET_ADMIN, and a
    /// plan made for another channel count: each refused with its reason, the table untouched.
    func refusesWhatDoesNotFit(_ guest: Guest, table: [Int]) throws {
        var tooHigh = table
        tooHigh[5] = Guest.queues
        let refusals: [(result: Guest.Result, status: Int32, message: String)] = [
            // A plan made for 8 queues is a valid record; the device has 4.
            (try guest.apply(tooHigh, from: table, queues: 8), 65, "entry 5 is 4; ethtool:eth0 has 4 queues"),
            (try guest.apply(Array(table.prefix(64)), from: Array(table.prefix(64)).map { ($0 + 1) % 4 }), 65,
             "table has 64 entries; ethtool:eth0 has 128"),
            (try guest.apply(table.map { 3 - $0 }, from: table, arguments: "--context 1 ethtool:eth0"), 69,
             "ethtool:eth0: driver virtio_net does not support RSS contexts through ethtool"),
            (try guest.apply(table.map { 3 - $0 }, from: table,
                             prefix: "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups "), 69,
             "ethtool:eth0: ETHTOOL_SRSSH needs CAP_NET_ADMIN"),
        ]
        for refusal in refusals {
            #expect(refusal.result.status == refusal.status && refusal.result.output.contains(refusal.message),
                    "expected status \(refusal.status) and \"\(refusal.message)\", got \(refusal.result)")
        }
        #expect(try guest.rssTable().reta == table, "a refused plan changed the table")

        try #require(guest.run("ethtool -L eth0 combined 2").status == 0)
        let halved = try guest.apply(table.map { $0 % 2 }, from: table)
        #expect(halved.status == 65 && halved.output.contains(#""queues" is 4; ethtool:eth0 has 2 queues now"#),
                "\(halved)")
        try #require(guest.run("ethtool -L eth0 combined \(Guest.queues)").status == 0)
        #expect(try guest.rssTable().reta == table, "a refused plan changed the table")
    }

    /// `--restore-on-exit` puts back the table found at start once its input ends.
    func restoresTheTableItFound(_ guest: Guest, table: [Int]) throws {
        let result = try guest.apply(table.map { 3 - $0 }, from: table, arguments: "--restore-on-exit ethtool:eth0")
        #expect(result.status == 0 && result.output.contains(#""applied":"#), "\(result)")
        #expect(try guest.rssTable().reta == table, "--restore-on-exit left another table")
    }

    /// The NIC hot-unplugged while rss-apply runs: the next plan says the interface is gone.
    func reportsAnInterfaceThatIsGone(_ guest: Guest, table: [Int]) throws {
        let first = Guest.planLine(table.map { 3 - $0 }, from: table)
        let second = Guest.planLine(table, from: table.map { 3 - $0 })
        try guest.writeLine(first, to: "/tmp/first")
        try guest.writeLine(second, to: "/tmp/second")
        try #require(guest.run("mkfifo /tmp/plans && exec 3<>/tmp/plans").status == 0)
        try #require(guest.run("rss-apply ethtool:eth0 </tmp/plans >/tmp/applied 2>&1 & applier=$!").status == 0)
        try #require(guest.run("cat /tmp/first >&3; while ! grep -q applied /tmp/applied; do sleep 0.1; done").status == 0)
        try #require(guest.run("echo 1 >$(readlink -f /sys/class/net/eth0/device)/../remove").status == 0)
        try #require(guest.run("cat /tmp/second >&3").status == 0)
        let ended = try guest.run("wait $applier; echo \"status $?\"; cat /tmp/applied")
        #expect(ended.lines.first == "status 69"
                && ended.output.contains("ethtool:eth0: the interface is gone"), "\(ended)")
    }

    /// Sends `traffic` and returns the packets each queue received meanwhile, once they all arrived.
    func deliver(_ traffic: Traffic, to guest: Guest, with sender: FrameSender,
                 generator: inout SplitMix) throws -> [Int] {
        let before = try guest.queuePackets()
        try sender.send(traffic.frames(&generator))
        let deadline = monotonicSeconds() + 60
        var received: [Int] = []
        repeat {
            received = zip(try guest.queuePackets(), before).map { $0 - $1 }
        } while received.reduce(0, +) < traffic.total && monotonicSeconds() < deadline
        return received
    }
}

func format(_ seconds: Double) -> String {
    String(Double(Int(seconds * 10)) / 10)
}
