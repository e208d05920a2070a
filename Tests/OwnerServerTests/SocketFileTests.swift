#if canImport(Glibc)
import Glibc
#endif
import RssppOwner
import Testing
import TestSupport

/// The control socket's file and who may steer through it, checked with stat and with peers
/// of other uids (setpriv) that the test starts.
@Suite struct SocketFileTests {
    static let repository: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Opens a control socket at `path` with the defaults; nil with the library's error.
    static func open(at path: String, owner: OpaquePointer) -> (server: OpaquePointer?, error: String) {
        var config = OwnerFixture.serverConfig()
        let server = path.withCString { path in
            config.path = path
            return rsspp_owner_server_open(owner, &config)
        }
        return (server, String(cString: rsspp_owner_error()))
    }

    /// A socket file at `path` as an owner that died leaves it; `listening` keeps it alive.
    static func unixSocket(at path: String, listening: Bool) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        guard withUnixAddress(path, { bind(fd, $0, $1) }) == 0, !listening || listen(fd, 1) == 0 else {
            throw TestFailure("binding \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    @Test func theSocketIsMode0600ByDefault() throws {
        let fixture = try OwnerFixture()
        let status = try fileStatus(fixture.socketPath)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o7777 == 0o600)
        #expect(status.st_uid == getuid())
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func aConfiguredModeAndGroup() throws {
        let fixture = try OwnerFixture { $0.mode = 0o660; $0.group = 65534 }
        let status = try fileStatus(fixture.socketPath)
        #expect(status.st_mode & 0o7777 == 0o660)
        #expect(status.st_gid == 65534)
    }

    @Test func aStaleSocketIsReplaced() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let path = directory.file("owner.sock")
        close(try Self.unixSocket(at: path, listening: false))
        let fixture = try OwnerFixture()
        let owner = fixture.owner
        let (server, error) = Self.open(at: path, owner: owner)
        #expect(server != nil, "\(error)")
        #expect(rsspp_owner_server_start(server) == 0)
        let peer = try Peer(path)
        try peer.send(migrate(seq: 1, moves: []))
        #expect(try peer.answer() == Answer("ack", seq: 1))
        rsspp_owner_server_close(server)
        #expect(access(path, F_OK) != 0, "close left the socket file")
    }

    @Test func aSocketSomeoneListensOnIsNotTaken() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let path = directory.file("owner.sock")
        let listener = try Self.unixSocket(at: path, listening: true)
        defer { close(listener) }
        let before = try fileStatus(path)
        let fixture = try OwnerFixture()
        let (server, error) = Self.open(at: path, owner: fixture.owner)
        #expect(server == nil)
        #expect(error.contains("another process serves it"), "\(error)")
        #expect(try fileStatus(path).st_ino == before.st_ino)
    }

    @Test func aRegularFileIsNeverReplaced() throws {
        let directory = try TemporaryDirectory(area: "owner")
        let path = directory.file("owner.sock")
        try writeFile(path, "keep me\n")
        let fixture = try OwnerFixture()
        let (server, error) = Self.open(at: path, owner: fixture.owner)
        #expect(server == nil)
        #expect(error == "control socket \(path): the path exists and is not a socket; not replacing it")
        #expect(try readFile(path) == Array("keep me\n".utf8))
    }

    @Test func closeHangsUpOnPeersAndRemovesTheSocket() throws {
        let directory = try TemporaryDirectory(area: "owner")
        var fixture: OwnerFixture? = try OwnerFixture(in: directory)
        let path = try #require(fixture).socketPath
        let peer = try Peer(path)
        try peer.send(migrate(seq: 1))
        #expect(try peer.answer() == Answer("ack", seq: 1), "the peer was not taken")
        fixture = nil
        var buffer = [UInt8](repeating: 0, count: 512)
        let got = buffer.withUnsafeMutableBytes { recv(peer.fd, $0.baseAddress, $0.count, 0) }
        #expect(got == 0, "the peer was not hung up on")
        #expect(access(path, F_OK) != 0 && errno == ENOENT, "close left \(path)")
    }

    // ---- peers of other uids (root: setpriv) ----

    /// Builds Support/peer.c into `directory` and opens the directory to every uid.
    static func peerProgram(in directory: TemporaryDirectory) throws -> String {
        let result = try shell("${CC:-cc} -O2 -o peer '\(repository)/Tests/OwnerServerTests/Support/peer.c'", in: directory)
        guard result.status == 0 else { throw TestFailure("building peer.c: \(result.stderr)") }
        chmod(directory.path, 0o755)
        return directory.file("peer")
    }

    /// What Support/peer.c printed, run as uid and gid 65534 (nobody) with no other group.
    static func asNobody(_ arguments: String, in directory: TemporaryDirectory) throws -> [String] {
        let peer = try peerProgram(in: directory)
        let result = try shell("setpriv --reuid=65534 --regid=65534 --clear-groups '\(peer)' \(arguments)", in: directory)
        return result.stdoutLines
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func aPeerOfAnotherUidIsToldWhyAndHungUpOn() throws {
        let fixture = try OwnerFixture { $0.mode = 0o666 }
        let lines = try Self.asNobody("'\(fixture.socketPath)' '\(migrate(seq: 3, moves: [(bucket: 1, from: 1, to: 0)]))' --until-closed",
                                      in: fixture.directory)
        let reply = try #require(lines.first { $0.hasPrefix("{") }, "\(lines)")
        let answer = try Answer(json: Array(reply.utf8))
        #expect(answer.type == "error" && answer.seq == 0, "\(answer)")
        #expect(answer.error?.hasPrefix("uid 65534 (gid 65534) may not steer this owner") == true, "\(answer)")
        #expect(lines.last == "closed")
        fixture.pollQueues()
        #expect(rsspp_owner_of(fixture.owner, 1) == 1)
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func mode0600KeepsOtherUidsFromConnecting() throws {
        let fixture = try OwnerFixture()
        #expect(try Self.asNobody("'\(fixture.socketPath)'", in: fixture.directory) == ["connect: Permission denied"])
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"),
          arguments: [(uid: uid_t(65534), gid: gid_t.max), (uid: uid_t.max, gid: gid_t(65534))])
    func theAllowedUidOrGroupMaySteer(uid: uid_t, gid: gid_t) throws {
        let fixture = try OwnerFixture { $0.mode = 0o666; $0.allowed_uid = uid; $0.group = gid }
        let lines = try Self.asNobody("'\(fixture.socketPath)' '\(migrate(seq: 8, moves: []))'", in: fixture.directory)
        #expect(try lines.map { try Answer(json: Array($0.utf8)) } == [Answer("ack", seq: 8)])
    }
}
