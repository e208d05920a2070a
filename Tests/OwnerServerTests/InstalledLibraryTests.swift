#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// The C route: scripts/install-owner-lib installs librsspp_owner, rsspp_owner.h and
/// rsspp-owner.pc; examples/owner-c builds with nothing but pkg-config and runs as a real
/// socket application steered through its control socket.
@Suite struct InstalledLibraryTests {
    /// Installs the library under `directory`/usr; the shell lines that point pkg-config there.
    static func install(in directory: TemporaryDirectory) throws -> String {
        let prefix = directory.file("usr")
        let result = try shell("'\(SocketFileTests.repository)/scripts/install-owner-lib' '\(prefix)'", in: directory)
        guard result.status == 0 else { throw TestFailure("install-owner-lib: \(result.stderr)") }
        return "set -e; export PKG_CONFIG_PATH='\(prefix)/lib/pkgconfig'; rpath='-Wl,-rpath,\(prefix)/lib'\n"
    }

    /// Support/`name`.c built against the installed static library (a process of its own), run
    /// with the path of a control socket in `directory`.
    static func runSupportProgram(_ name: String, in directory: TemporaryDirectory) throws -> ShellResult {
        try shell(try install(in: directory) + """
            ${CC:-cc} -O2 -o \(name) '\(SocketFileTests.repository)/Tests/OwnerServerTests/Support/\(name).c' \
                "$(pkg-config --variable=libdir rsspp-owner)/librsspp_owner.a" $(pkg-config --static --cflags --libs rsspp-owner)
            ./\(name) '\(directory.file("owner.sock"))'
            """, in: directory)
    }

    @Test func theExampleBuildsWithPkgConfigAndFollowsAMigrate() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let built = try shell(try Self.install(in: directory) + """
            ${CC:-cc} -O2 -Wall -Werror -o udp-flows '\(SocketFileTests.repository)/examples/owner-c/udp-flows.c' \
                $(pkg-config --cflags --libs rsspp-owner) -pthread $rpath
            """, in: directory)
        #expect(built.status == 0, "\(built.stderr)")
        let port = try freeUDPPort(), control = directory.file("control.sock")
        let pid = try spawn([directory.file("udp-flows"), "\(port)", "2", control],
                            stdout: directory.file("out"), stderr: directory.file("err"))
        defer { kill(pid, SIGKILL); _ = exitStatus(waitingFor: pid) }
        try waitForFile(control)
        try sendDatagrams(120, to: port)
        let peer = try Peer(control)
        try peer.send(migrate(seq: 9, moves: [(bucket: 5, from: 1, to: 0), (bucket: 6, from: 0, to: 1)],
                              applied: "\(realtimeSeconds())"))
        #expect(try peer.answer() == Answer("ack", seq: 9))
        try sendDatagrams(60, to: port)
        kill(pid, SIGTERM)
        let status = exitStatus(waitingFor: pid)
        let errors = String(decoding: try readFile(directory.file("err")), as: UTF8.self)
        #expect(status == 0, "\(errors)")
        let words = String(decoding: try readFile(directory.file("out")), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        #expect(words.count == 6 && words[0] == "processed" && words[2] == "expired" && words[4] == "dropped", "\(words)")
        let counts = [1, 3, 5].compactMap { words.count > $0 ? Int(words[$0]) : nil }
        #expect(counts.reduce(0, +) == 180, "every datagram processed, expired or dropped: \(words)")
        #expect(counts.first ?? 0 > 0)
    }

    @Test func startAndCloseLeaveNoThreadAndNoSocket() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let result = try Self.runSupportProgram("lifecycle", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == ["started: threads 2", "started: threads 2", "started: threads 2",
                                       "closed: threads 1, socket gone"])
    }

    /// A peer that connects while the process has no descriptor left (accept fails with
    /// EMFILE) waits in the backlog: the polls go on returning 0, and once a descriptor is
    /// back the peer is taken and answered.
    @Test func runningOutOfDescriptorsDelaysAPeerAndEndsNothing() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let result = try Self.runSupportProgram("descriptors", in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == ["no descriptor left: poll 0", "no descriptor left: poll 0",
                                       "one descriptor back: poll 0",
                                       "answer: {\"type\":\"ack\",\"v\":1,\"seq\":4}"])
    }
}

/// A UDP port on 127.0.0.1 nobody uses now (the kernel's pick for port 0).
func freeUDPPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port: 0)
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) == 0 && getsockname(fd, $0, &size) == 0 }
    }
    guard bound else { throw TestFailure("binding a UDP port: \(String(cString: strerror(errno)))") }
    return UInt16(bigEndian: address.sin_port)
}

func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

/// `count` datagrams to 127.0.0.1:`port`, each from a socket of its own (a flow of its own).
func sendDatagrams(_ count: Int, to port: UInt16) throws {
    var destination = loopback(port: port)
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        let sent = withUnsafePointer(to: &destination) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, "x", 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == 1 else { throw TestFailure("sendto: \(String(cString: strerror(errno)))") }
    }
}

func waitForFile(_ path: String) throws {
    let deadline = monotonicSeconds() + 20
    while access(path, F_OK) != 0 {
        guard monotonicSeconds() < deadline else { throw TestFailure("\(path) did not appear within 20 s") }
        usleep(10_000)
    }
}

func realtimeSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
