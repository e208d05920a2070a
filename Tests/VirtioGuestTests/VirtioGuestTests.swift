import RSSHash
import RSSRecords
import Testing
import TestSupport

/// rsspp on a driver with a real indirection table: virtio-net in a QEMU guest, fed from the
/// host through a multi-queue tap, under two kernels. Debian 12's 6.1 goes through every phase
/// of `rss-apply ethtool:` and the kernel pipeline; Debian 13's 6.12, whose virtio-net answers
/// the XDP rx-hash kfunc with the hash the device computed, proves that hash is our Toeplitz.
///
/// Facts of this setup the tests rely on: the device does RSS only after the first table write
/// since boot, and changing the channel count or attaching XDP switches RSS off in QEMU while
/// the guest still shows its old table; so every phase writes its table before its traffic.
@Suite(.serialized) struct VirtioGuestTests {
    /// One guest (booting takes most of the time) through every phase: plans refused before the
    /// device is touched, fixed tables whose per-queue counts must equal the Toeplitz prediction
    /// exactly, `rss-count xdp:eth0 --hash soft` whose per-bucket counts must equal it too,
    /// --restore-on-exit, `rss-count xdp:eth0 | rss-plan | rss-apply` balancing skewed traffic,
    /// and the NIC unplugged under rss-apply.
    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .timeLimit(.minutes(10)))
    func tableWritesAndTheKernelPipelineOnLinux61() throws {
        let setup = try BootedGuest(.debian12, tools: ["rss-count", "rss-plan", "rss-apply"])
        let (guest, bootTable, sender, hasher) = (setup.guest, setup.bootTable, setup.sender, setup.hasher)
        var generator = SplitMix(seed: 0x7155_0001)

        try restoresTheDriverDefault(guest, table: bootTable)
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

        try countsEveryBucket(guest, hash: "soft", table: current, sender: sender, hasher: hasher,
                              generator: &generator)
        try restoresTheTableItFound(guest, table: current)
        current = try balancesSkewedTraffic(guest, table: current, sender: sender, hasher: hasher,
                                            generator: &generator)
        try reportsAnInterfaceThatIsGone(guest, table: current)
    }

    /// `rss-count xdp:eth0 --hash kfunc` on Linux 6.12's virtio-net, which reads the hash the
    /// device computed: every bucket's and every queue's packets equal the Toeplitz prediction
    /// from the device's key. While the device's receive hashing is off (virtio_net's default),
    /// the kfunc has no hash to give: `--hash kfunc` is refused and `--hash auto` hashes in
    /// software, instead of counting every packet in bucket 0.
    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .timeLimit(.minutes(5)))
    func countsWithTheDevicesOwnHashOnLinux612() throws {
        let setup = try BootedGuest(.debian13, tools: ["rss-count", "rss-apply"])
        let guest = setup.guest
        var generator = SplitMix(seed: 0x7155_0612)
        let table = (0..<setup.bootTable.count).map { _ in Int(generator.next() % UInt64(Guest.queues)) }

        try #require(guest.run("ethtool -K eth0 rxhash off").status == 0)
        let refused = try guest.run("rss-count xdp:eth0 --hash kfunc --epochs 1 >/dev/null; echo \"status $?\"")
        #expect(refused.lines.last == "status 69"
                && refused.output.contains("receive hashing is off (ethtool -K eth0 rxhash on)"), "\(refused)")
        try countsEveryBucket(guest, hash: "auto", table: table, sender: setup.sender, hasher: setup.hasher,
                              generator: &generator)

        try #require(guest.run("ethtool -K eth0 rxhash on").status == 0)
        try countsEveryBucket(guest, hash: "kfunc", table: table, sender: setup.sender, hasher: setup.hasher,
                              generator: &generator)
    }

    /// The whole kernel pipeline, `rss-count xdp:eth0 | rss-plan | rss-apply`, on traffic whose
    /// heavy flows all start on queue 0: afterwards the table differs and the same traffic
    /// spreads over the queues measurably more evenly. Returns the table it leaves.
    func balancesSkewedTraffic(_ guest: Guest, table: [Int], sender: FrameSender, hasher: RSSHasher,
                               generator: inout SplitMix) throws -> [Int] {
        let start = table.indices.map { $0 % Guest.queues }
        var heavy: [FlowTuple] = []
        var heavyBuckets = Set<Int>()
        while heavy.count < 4 {
            let flow = Traffic.randomFlow(&generator)
            let bucket = Int(hasher.hash(flow) % UInt32(start.count))
            if start[bucket] == 0 && heavyBuckets.insert(bucket).inserted { heavy.append(flow) }
        }
        let traffic = Traffic.skewed(heavy: heavy, heavyPackets: 300, lightFlows: 60, lightPackets: 20,
                                     generator: &generator)
        try write(start, over: table, on: guest)
        let before = try deliver(traffic, to: guest, with: sender, generator: &generator)
        #expect(before == traffic.perQueue(hasher: hasher, reta: start, queues: Guest.queues))

        // The planner balances packets: under TCG, at the few thousand packets per second this
        // machine feeds the guest, a vCPU's busy time is noise (0 to 10 %, unrelated to its
        // packets), while the per-queue packet counts are exact.
        try #require(guest.run("mkfifo /tmp/loads; rss-count xdp:eth0 --interval 1 >/tmp/loads 2>/tmp/count.err & "
                               + "counter=$!; rss-plan --ignore-load </tmp/loads 2>/tmp/plan.err "
                               + "| rss-apply >/tmp/applied 2>/tmp/apply.err & pipeline=$!").status == 0)
        try waitUntilAttached(guest, errors: "/tmp/count.err")
        // Attaching XDP switched RSS off in QEMU; a table write switches it on again.
        try write(start, over: start, on: guest)
        // Ten one-second epochs of steady traffic, slower than `deliver`: the counter and the
        // planner share the guest's vCPUs with it.
        let frames = traffic.frames(&generator)
        let end = monotonicSeconds() + 10
        while monotonicSeconds() < end { try sender.send(frames, burst: 16) }
        let ended = try guest.run("kill -INT $counter; wait $counter; echo \"counter $?\"; wait $pipeline; "
                                  + "echo \"pipeline $?\"; cat /tmp/count.err /tmp/plan.err /tmp/apply.err; "
                                  + "echo \"$(grep -c applied /tmp/applied) plans applied\"")
        print("virtio guest: pipeline ended: " + ended.lines.joined(separator: " | "))
        #expect(ended.lines.prefix(2) == ["counter 0", "pipeline 0"], "\(ended)")

        let balanced = try guest.rssTable().reta
        #expect(balanced != start, "the pipeline left the table as it was")
        // rss-count detached XDP on exit, which switched RSS off again.
        try write(balanced, over: balanced, on: guest)
        let after = try deliver(traffic, to: guest, with: sender, generator: &generator)
        #expect(after == traffic.perQueue(hasher: hasher, reta: balanced, queues: Guest.queues))
        print("virtio guest: skewed traffic per queue: \(before) before, \(after) after the pipeline; imbalance "
              + "\(format(imbalance(before))) -> \(format(imbalance(after)))")
        #expect(imbalance(after) < imbalance(before) / 2, "per-queue packets did not get measurably more even")
        return balanced
    }

    /// `rss-count xdp:eth0 --hash HASH` counts every packet of random traffic in the bucket its
    /// Toeplitz hash under the device's key names, and the queues receive what `table` predicts.
    /// Writes `table` first.
    func countsEveryBucket(_ guest: Guest, hash: String, table: [Int], sender: FrameSender, hasher: RSSHasher,
                           generator: inout SplitMix) throws {
        try #require(guest.run("rss-count xdp:eth0 --hash \(hash) --interval 1 >/tmp/counted 2>/tmp/counted.err & "
                               + "counter=$!").status == 0)
        try waitUntilAttached(guest, errors: "/tmp/counted.err")
        // Attaching XDP switched RSS off in QEMU; a table write switches it on again.
        try write(table, over: try guest.rssTable().reta, on: guest)
        let traffic = Traffic(flows: (0..<64).map { _ in Traffic.randomFlow(&generator) },
                              packets: (0..<64).map { _ in 10 + Int(generator.next() % 110) })
        let received = try deliver(traffic, to: guest, with: sender, generator: &generator)
        #expect(received == traffic.perQueue(hasher: hasher, reta: table, queues: Guest.queues))

        // The records of whole intervals: wait until they hold every packet sent (or a deadline).
        var counted: [Int] = []
        let deadline = monotonicSeconds() + 30
        repeat {
            let records = try guest.run("cat /tmp/counted").lines.enumerated().map {
                try LoadRecord(jsonLine: Array($1.utf8), lineNumber: $0 + 1)
            }
            counted = records.reduce(into: [Int](repeating: 0, count: table.count)) { sums, record in
                for (bucket, packets) in record.packets.enumerated() { sums[bucket] += packets }
            }
        } while counted.reduce(0, +) < traffic.total && monotonicSeconds() < deadline
        let ended = try guest.run("kill -INT $counter; wait $counter; echo \"counter $?\"; cat /tmp/counted.err")
        #expect(ended.lines.first == "counter 0", "\(ended)")
        let predicted = traffic.perBucket(hasher: hasher, buckets: table.count)
        print("virtio guest \(guest.kernel.rawValue): --hash \(hash): \(counted.reduce(0, +)) packets counted, "
              + "\(zip(counted, predicted).filter { $0 != $1 }.count) of \(table.count) buckets off the prediction")
        #expect(counted == predicted, "--hash \(hash): per-bucket packets differ from the Toeplitz prediction")
    }

    /// Waits until the rss-count the guest's shell started as `$counter` has attached XDP to
    /// eth0, as iproute2 shows it; a counter that ends first fails with its stderr (`errors`).
    func waitUntilAttached(_ guest: Guest, errors: String) throws {
        // (A subshell: the guest's commands run in its init shell, which must not exit.)
        let attached = try guest.run("(until /usr/sbin/ip link show eth0 | grep -q xdp; do "
                                     + "kill -0 $counter 2>/dev/null || { cat \(errors); exit 1; }; sleep 0.1; done)",
                                     timeout: 30)
        try #require(attached.status == 0, "rss-count xdp:eth0 did not attach: \(attached.lines.joined(separator: " | "))")
    }

    /// Writes `reta` through rss-apply even where the guest shows it already (a plan that
    /// changes nothing is not written): first another table, then `reta`.
    func write(_ reta: [Int], over current: [Int], on guest: Guest) throws {
        let other = reta.map { ($0 + 1) % Guest.queues }
        for (table, previous) in [(other, current), (reta, other)] {
            let result = try guest.apply(table, from: previous)
            try #require(result.status == 0, "writing a table: \(result)")
        }
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

    /// `--restore-on-exit` on the table the driver made at boot puts the driver's default back,
    /// as `ethtool -X eth0 default` does: the kernel then lets `ethtool -L` shrink the channels
    /// below the queues the table names, which it refuses for a table set by hand.
    func restoresTheDriverDefault(_ guest: Guest, table: [Int]) throws {
        try #require(table == table.indices.map { $0 % Guest.queues }, "the boot table is not the default spread")
        let result = try guest.apply(table.map { 3 - $0 }, from: table, arguments: "--restore-on-exit ethtool:eth0")
        #expect(result.status == 0 && result.output.contains(#""applied":"#), "\(result)")
        #expect(try guest.rssTable().reta == table, "--restore-on-exit left another table")
        let shrunk = try guest.run("ethtool -L eth0 combined 2")
        #expect(shrunk.status == 0, "the kernel counts the restored table as set by hand: \(shrunk)")
        try #require(guest.run("ethtool -L eth0 combined \(Guest.queues)").status == 0)
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
        // Paced well below what an idle TCG guest takes: on a busy host (the rest of the suite
        // runs beside it) faster bursts overflowed its rings and a third of the packets were lost.
        try sender.send(traffic.frames(&generator), burst: 16, pause: 0.01)
        let deadline = monotonicSeconds() + 60
        var received: [Int] = []
        repeat {
            received = zip(try guest.queuePackets(), before).map { $0 - $1 }
        } while received.reduce(0, +) < traffic.total && monotonicSeconds() < deadline
        return received
    }
}

/// A guest booted for a test, with what every test reads first: the table it booted with and
/// the Toeplitz hasher of its key and UDP over IPv4 hash fields (as ethtool reports them).
struct BootedGuest {
    let guest: Guest
    let bootTable: [Int]
    let hasher: RSSHasher
    /// Sends frames into the guest's tap.
    let sender: FrameSender

    init(_ kernel: GuestKernel, tools: [String]) throws {
        for tool in tools { try #require(toolExists(tool), "\(tool) was not built") }
        guest = try Guest(kernel: kernel, tools: tools.map { toolDirectory + "/" + $0 },
                          namespace: try NetworkNamespace(area: "qemu"))
        print("virtio guest \(kernel.rawValue): shell \(format(guest.bootSeconds)) s after QEMU started")
        let key: [UInt8]
        (bootTable, key) = try guest.rssTable()
        try #require(bootTable.count == 128 && key.count == 40, "\(bootTable.count) entries, \(key.count)-byte key")
        let fields = try guest.udp4HashFields()
        #expect(fields == .addressesAndPorts)
        hasher = RSSHasher(key: key, configuration: HashConfiguration(fields: [.udp4: fields]))
        sender = try FrameSender(interface: "tap0", in: guest.namespace)
    }
}

/// max/mean - 1 of per-queue packets.
func imbalance(_ perQueue: [Int]) -> Double {
    let mean = Double(perQueue.reduce(0, +)) / Double(perQueue.count)
    return Double(perQueue.max() ?? 0) / mean - 1
}

func format(_ value: Double) -> String {
    String(Double(Int(value * 100)) / 100)
}
