#if canImport(Glibc)
import Glibc
#endif
import NICSim
import Testing
import TestSupport

/// rss-balance counting with XDP on a veth that goes away and comes back: the pipeline fails and
/// is restarted with backoff until the interface is there again, then counts on it again, and
/// nothing stays attached once it stops. The table it drives is the simulated NIC's (veth has
/// none), read from outside after the fault. `waitUntil` bounds are hang guards.
@Suite(.enabled(if: privilegedTestsRun, Comment(rawValue: needsRoot)), .serialized)
struct BalanceOnVethTests {
    @Test func aVethThatGoesAwayIsCountedAgainWhenItComesBack() throws {
        let veth = try VethFixture(queues: 4)
        let directory = try TemporaryDirectory(area: "xdp")
        let nic = NICStateFile(path: directory.file("nic.json"))
        try nic.write(NICState(queues: 4, tableSize: 128))
        let command = "cd '\(directory.path)' && exec rss-balance file:nic.json --source 'xdp:\(veth.local) --hash soft "
            + "--cpus 0-3' --interval 0.1 --backoff-min 0.1 --backoff-max 0.4"
        let balancer = try spawn(["/bin/sh", "-c", "PATH='\(toolDirectory)':$PATH; " + command],
                                 stdout: directory.file("balance.out"), stderr: directory.file("balance.log"))
        var status: Int32?
        defer { if status == nil { kill(balancer, SIGKILL); _ = exitStatus(waitingFor: balancer) } }
        var log: String { String(decoding: (try? readFile(directory.file("balance.log"))) ?? [], as: UTF8.self) }

        let first = try #require(try waitUntilAttached(to: veth.local), "\(log)")
        try veth.remove()
        #expect(waitUntil(seconds: 30) { log.contains("no such network interface") && log.contains("restarting in") },
                "\(log)")
        try veth.make()
        let again = try #require(try waitUntilAttached(to: veth.local), "\(log)")
        #expect(again.name == first.name)

        kill(balancer, SIGTERM)
        status = exitStatus(waitingFor: balancer)
        #expect(status == 0, "\(log)")
        #expect(try AttachedXDP.on(veth.local) == nil, "nothing stays attached: \(log)")
        let table = try nic.load()
        #expect(table.reta.count == 128 && table.reta.allSatisfy { (0..<4).contains($0) })
    }

    /// The program iproute2 shows on `interface` once there is one (polled), nil if none came.
    func waitUntilAttached(to interface: String) throws -> AttachedXDP? {
        var attached: AttachedXDP?
        _ = try waitUntil(seconds: 30) {
            attached = try AttachedXDP.on(interface)
            return attached != nil
        }
        return attached
    }
}
