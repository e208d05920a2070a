#if canImport(Glibc)
import Glibc
#endif
@testable import DPDKProxy
import NICSim
import TableTargets
import Testing
import TestSupport

/// The table protocol between rss-apply (a TableLink asks) and rss-dpdk (a TableService
/// answers), both ends in the test around the simulated NIC's state file instead of a DPDK port:
/// what crosses the socket must be what the served target itself reads, writes and refuses.
@Suite struct TableProtocolTests {
    let nic: NICFixture
    let target: FileTarget

    init() throws {
        nic = try NICFixture()
        target = FileTarget(path: nic.file.path)
    }

    @Test func aReadReturnsTheServedTable() throws {
        #expect(try served { try $0.read() }.get() == DeviceTable(reta: [0, 1, 2, 3, 0, 1, 2, 3], queues: 4))
    }

    @Test func aWriteReachesTheServedTarget() throws {
        try served { try $0.write([3, 3, 2, 2, 1, 1, 0, 0]) }.get()
        #expect(try nic.file.load().reta == [3, 3, 2, 2, 1, 1, 0, 0])
    }

    @Test func theServedTargetsRefusalComesBackWordForWord() throws {
        let bad = [0, 1, 2, 3, 0, 1, 2, 4]
        let refusal = try #require(throws: TargetError.self) { try target.write(bad) }
        #expect(throws: refusal) { try served { try $0.write(bad) }.get() }
        let absent = FileTarget(path: nic.directory.file("absent.json"))
        let missing = try #require(throws: TargetError.self) { try absent.read() }
        #expect(throws: missing) { try served(absent) { try $0.read() }.get() }
        #expect(try nic.file.load() == nic.initial)
    }

    @Test func aServerThatEndedIsNamed() throws {
        var ends: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        // It takes the request and ends without answering.
        shutdown(ends[1], Int32(SHUT_WR))
        let link = TableLink(device: "dpdk:0@app", socket: ends[0], server: "rss-dpdk (pid 7)")
        #expect(throws: TargetError("dpdk:0@app: rss-dpdk (pid 7) ended without answering")) { try link.read() }
        close(ends[1])
        #expect(throws: TargetError("dpdk:0@app: rss-dpdk (pid 7) has ended: Broken pipe")) { try link.write([0, 1]) }
    }

    /// `client` run on a TableLink to a TableService of `served` across a socket pair, each end on
    /// a thread of its own as they would be in two processes; the server ends when the link does.
    private func served<Value>(_ served: (any TableTarget)? = nil,
                               _ client: @escaping (TableLink) throws -> Value) -> Result<Value, any Error> {
        let service = TableService(served ?? target)
        var ends: [Int32] = [-1, -1]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0, "socketpair")
        var result: Result<Value, any Error>?
        _ = onThreads(2) { index in
            if index == 0 {
                try? service.run(input: ends[0], output: ends[0])
                close(ends[0])
            } else {
                result = Result { try client(TableLink(device: "dpdk:0@test", socket: ends[1], server: "the test's server")) }
            }
            return 0
        }
        return result!
    }
}
