import RSSRecords
import Testing
import TestSupport

/// `rss-count xdp:` beside another user's program in libxdp's dispatcher, on Linux 6.1. (The
/// host's kernel refuses the freplace extension programs a dispatcher runs, so this runs in the
/// guest, on virtio-net's native XDP.) What is attached is read from outside, with
/// `xdp-loader status`.
extension VirtioGuestTests {
    @Test(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .timeLimit(.minutes(10)))
    func runsBesideAnotherProgramInLibXDPsDispatcherOnLinux61() throws {
        try #require(toolExists("rss-count"), "rss-count was not built")
        let scratch = try TemporaryDirectory(area: "xdp")
        let foreign = try buildForeignXDPProgram(in: scratch)
        let guest = try Guest(kernel: .debian12, tools: [toolDirectory + "/rss-count", "/usr/sbin/xdp-loader", foreign],
                              namespace: try NetworkNamespace(area: "qemu"))
        let sender = try FrameSender(interface: "tap0", in: guest.namespace)
        let load = "xdp-loader load eth0 /lib/bpf/foreign_pass.o"
        let start = { (options: String) in
            "rss-count xdp:eth0 \(options) --interval 0.5 --cpus 0-3 >/tmp/counted 2>/tmp/counted.err & counter=$!"
        }

        // Loaded first with xdp-loader: rss-count joins it, counts, and leaves only it.
        try #require(guest.run(load).status == 0)
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: true, programs: [foreignXDPProgramName]))
        try #require(guest.run(start("--dispatcher auto")).status == 0)
        let joined = try waitForCounter(guest)
        #expect(joined.programs == ["rsspp_soft", foreignXDPProgramName], "the counter runs first: \(joined)")
        var generator = SplitMix(seed: 0x7155_d15b)
        let traffic = Traffic(flows: (0..<32).map { _ in Traffic.randomFlow(&generator) },
                              packets: (0..<32).map { _ in 5 + Int(generator.next() % 20) })
        try sender.send(traffic.frames(&generator), burst: 16, pause: 0.01)
        #expect(try countedPackets(guest, expecting: traffic.total) == traffic.total)
        try end(guest)
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: true, programs: [foreignXDPProgramName]),
                "the other program keeps running in its dispatcher")

        // rss-count first, asking for the dispatcher; xdp-loader adds its program beside it.
        try #require(guest.run("xdp-loader unload eth0 --all").status == 0)
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: false, programs: []))
        try #require(guest.run(start("--dispatcher libxdp")).status == 0)
        #expect(try waitForCounter(guest) == XDPLoaderStatus(dispatcher: true, programs: ["rsspp_soft"]))
        try #require(guest.run(load).status == 0)
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: true,
                                                              programs: ["rsspp_soft", foreignXDPProgramName]))
        try end(guest)
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: true, programs: [foreignXDPProgramName]),
                "the program loaded after rss-count stays")

        // Removed from the dispatcher by someone else, the counter stops with an error.
        try #require(guest.run("xdp-loader unload eth0 --all").status == 0)
        try #require(guest.run(start("--dispatcher libxdp")).status == 0)
        _ = try waitForCounter(guest)
        let removed = try guest.run("xdp-loader unload eth0 --id $(xdp-loader status eth0 | awk '/rsspp_soft/ "
                                    + "{ print $4 }'); wait $counter; echo \"counter $?\"; cat /tmp/counted.err")
        #expect(removed.lines.contains("counter 69") && removed.output.contains("the counter was detached"),
                "\(removed)")

        // SIGKILLed, a counter stays in the dispatcher (libxdp pins its link): the next run does not
        // add a second one beside it, but refuses, naming it and the command that removes it.
        try #require(guest.run(start("--dispatcher libxdp")).status == 0)
        _ = try waitForCounter(guest)
        _ = try guest.run("kill -KILL $counter; wait $counter")
        let leftover = try guest.run("xdp-loader status eth0 | awk '/rsspp_soft/ { print $4 }'").lines
        try #require(leftover.count == 1, "the killed counter stays: \(leftover)")
        let removal = "xdp-loader unload eth0 --id \(leftover[0])"
        let again = try guest.run("timeout 60 rss-count xdp:eth0 --dispatcher auto --interval 0.5 --cpus 0-3 "
                                  + "--epochs 1 >/dev/null 2>/tmp/again.err; echo \"again $?\"; cat /tmp/again.err")
        #expect(again.lines.contains("again 69") && again.output.contains(removal), "\(again)")
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: true, programs: ["rsspp_soft"]))
        try #require(guest.run(removal).status == 0, "the command the refusal names removes the leftover")

        // Alone in a dispatcher it started, the counter takes the dispatcher with it, also when
        // it ends because its reader went away (timeout only keeps a defect from hanging).
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: false, programs: []))
        let alone = try guest.run("timeout 60 rss-count xdp:eth0 --dispatcher libxdp --interval 0.5 --cpus 0-3 "
                                  + "2>/tmp/alone.err | head -n 1 >/dev/null; cat /tmp/alone.err")
        #expect(!alone.output.contains("libbpf"), "libbpf's chatter stays off stderr: \(alone)")
        #expect(try XDPLoaderStatus(guest) == XDPLoaderStatus(dispatcher: false, programs: []))
    }

    /// What `xdp-loader status eth0` shows once the counter is in (polled); a counter that ended
    /// first fails with its stderr.
    private func waitForCounter(_ guest: Guest) throws -> XDPLoaderStatus {
        let attached = try guest.run("(until xdp-loader status eth0 | grep -q rsspp_; do kill -0 $counter 2>/dev/null "
                                     + "|| { cat /tmp/counted.err; exit 1; }; sleep 0.2; done)", timeout: 60)
        try #require(attached.status == 0, "rss-count did not join the dispatcher: \(attached)")
        return try XDPLoaderStatus(guest)
    }

    /// The packets the records of /tmp/counted hold, once they reach `total` (or a deadline).
    private func countedPackets(_ guest: Guest, expecting total: Int) throws -> Int {
        var counted = 0
        let deadline = monotonicSeconds() + 30
        repeat {
            counted = try guest.run("cat /tmp/counted").lines.enumerated().reduce(0) { sum, line in
                sum + (try LoadRecord(jsonLine: Array(line.element.utf8), lineNumber: line.offset + 1)).packets
                    .reduce(0, +)
            }
        } while counted < total && monotonicSeconds() < deadline
        return counted
    }

    /// Stops the counter as an operator would (SIGINT); it must end with status 0.
    private func end(_ guest: Guest) throws {
        let ended = try guest.run("kill -INT $counter; wait $counter; echo \"counter $?\"; cat /tmp/counted.err")
        #expect(ended.lines.first == "counter 0", "\(ended)")
    }
}

/// eth0's XDP programs as `xdp-loader status eth0` lists them: whether libxdp's dispatcher is
/// attached, and the programs it runs in their order (or the one program attached without it).
struct XDPLoaderStatus: Equatable, CustomStringConvertible {
    var dispatcher: Bool
    var programs: [String]

    init(dispatcher: Bool, programs: [String]) {
        self.dispatcher = dispatcher
        self.programs = programs
    }

    /// `eth0  xdp_dispatcher  native  10  TAG` then ` =>  50  foreign_pass  19  TAG  XDP_PASS`;
    /// `eth0  <No XDP program loaded!>` without.
    init(_ guest: Guest) throws {
        let status = try guest.run("xdp-loader status eth0")
        guard status.status == 0 else { throw TestFailure("xdp-loader status eth0: \(status)") }
        dispatcher = false
        programs = []
        for line in status.lines {
            let words = line.split(separator: " ").map(String.init)
            if words.first == "eth0", words.count > 2, !words[1].hasPrefix("<") {
                if words[1] == "xdp_dispatcher" { dispatcher = true } else { programs.append(words[1]) }
            } else if words.first == "=>", words.count > 2 {
                programs.append(words[2])
            }
        }
    }

    var description: String { (dispatcher ? "dispatcher running " : "no dispatcher, ") + "\(programs)" }
}
