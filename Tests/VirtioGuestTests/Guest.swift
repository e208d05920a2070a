#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// The package root, for its scripts.
let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// The guest kernels `scripts/guest-image` boots, by its RELEASE names.
enum GuestKernel: String {
    /// Debian 12's: virtio_net has an RSS table but no XDP rx-hash kfunc.
    case debian12 = "6.1"
    /// Debian 13's: virtio_net also answers the rx-hash kfunc with the hash the device computed.
    case debian13 = "6.12"

    /// The `ethtool -S` counter of the packets `queue` received. Linux 6.12's virtio_net moved
    /// its per-queue packet counts to netlink queue statistics, which ethtool does not read; its
    /// per-queue XDP counter counts the same packets, but only while an XDP program is attached.
    func receivedPacketsStatistic(queue: Int) -> String {
        switch self {
        case .debian12: "rx_queue_\(queue)_packets"
        case .debian13: "rx\(queue)_xdp_packets"
        }
    }
}

/// A QEMU guest with one of Debian's kernels and a virtio-net NIC with RSS and hash reports (4
/// queue pairs, 4 vCPUs, TCG), its tap `tap0` in `namespace` (`scripts/guest-image boot`). The
/// guest's console runs the shell commands `run` sends. QEMU is killed when the value goes away,
/// or when the test process dies, and the guest powers itself off after `deadline` seconds
/// whatever happens.
final class Guest {
    /// As scripts/guest-image gives it.
    static let mac: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
    static let queues = 4

    let kernel: GuestKernel
    let namespace: NetworkNamespace
    /// Holds the initramfs and QEMU's stderr.
    private let scratch: TemporaryDirectory
    private let pid: pid_t
    private let console: Int32
    private let commands: Int32
    private var pending: [UInt8] = []
    /// Every console line so far, for failure messages.
    private(set) var transcript: [String] = []
    /// Seconds from QEMU's start to the guest's shell.
    private(set) var bootSeconds = 0.0

    /// Builds the initramfs with `tools` (paths of executables), starts QEMU and waits for the
    /// guest's shell.
    init(kernel: GuestKernel, tools: [String], namespace: NetworkNamespace, deadline: Int = 420) throws {
        self.kernel = kernel
        self.namespace = namespace
        scratch = try TemporaryDirectory()
        let image = "'\(packageRoot)/scripts/guest-image'"
        let prepared = try shell("\(image) prepare \(kernel.rawValue)", in: scratch)
        guard prepared.status == 0 else { throw TestFailure("scripts/guest-image prepare: \(prepared.stderr)") }
        let initramfs = scratch.file("initramfs.cpio")
        let packed = try shell("\(image) initramfs \(kernel.rawValue) '\(initramfs)' "
                               + tools.map { "'\($0)'" }.joined(separator: " "), in: scratch)
        guard packed.status == 0 else { throw TestFailure("scripts/guest-image initramfs: \(packed.stderr)") }
        (pid, commands, console) = try spawn([packageRoot + "/scripts/guest-image", "boot", kernel.rawValue,
                                              namespace.name, initramfs, "\(deadline)"],
                                             stderr: scratch.file("qemu.stderr"))
        let start = monotonicSeconds()
        do {
            _ = try line(timeout: 180) { $0 == "@@ready" }
        } catch {
            stop()
            throw error
        }
        bootSeconds = monotonicSeconds() - start
    }

    deinit { stop() }

    private func stop() {
        guard kill(pid, SIGKILL) == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(console)
        close(commands)
    }

    struct Result: CustomStringConvertible {
        let status: Int32
        let lines: [String]
        var output: String { lines.joined(separator: "\n") }
        var description: String { "status \(status):\n\(output)" }
    }

    /// Runs one shell command line in the guest (stderr folded into stdout).
    @discardableResult
    func run(_ command: String, timeout: Double = 60) throws -> Result {
        // The console's line discipline takes lines of up to 4095 bytes.
        guard !command.contains("\n") && command.utf8.count < 4000 else {
            throw TestFailure("not one short console line: \(command.prefix(100))...")
        }
        let text = Array("{ \(command); } 2>&1\n".utf8)
        let wrote = text.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
        guard wrote == text.count else { throw TestFailure("writing to the guest's console failed") }
        var lines: [String] = []
        while true {
            let line = try self.line(timeout: timeout) { _ in true }
            if line.hasPrefix("@@rc ") { return Result(status: Int32(line.dropFirst(5)) ?? -1, lines: lines) }
            lines.append(line)
        }
    }

    /// Writes `line` (no single quotes) and a newline to `path` in the guest, in pieces that
    /// fit the console's lines.
    func writeLine(_ line: String, to path: String) throws {
        var rest = Substring(line)
        var redirect = ">"
        repeat {
            let piece = rest.prefix(3000)
            rest = rest.dropFirst(piece.count)
            let format = rest.isEmpty ? "%s\\n" : "%s"
            let result = try run("printf '\(format)' '\(piece)' \(redirect)\(path)")
            guard result.status == 0 else { throw TestFailure("writing \(path) in the guest: \(result)") }
            redirect = ">>"
        } while !rest.isEmpty
    }

    /// The next console line for which `accept` holds; lines before it are only logged.
    private func line(timeout: Double, where accept: (String) -> Bool) throws -> String {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let newline = pending.firstIndex(of: 0x0a) {
                let line = String(decoding: pending[..<newline].filter { $0 != 0x0d }, as: UTF8.self)
                pending.removeSubrange(...newline)
                transcript.append(line)
                if line == "@@deadline" { throw TestFailure("the guest hit its deadline") }
                if accept(line) { return line }
                continue
            }
            let left = deadline - monotonicSeconds()
            var poller = pollfd(fd: console, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&poller, 1, Int32(left * 1000)) > 0 else {
                throw TestFailure("no answer from the guest within \(timeout) s; console:\n"
                                  + transcript.suffix(30).joined(separator: "\n"))
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 14)
            let got = chunk.withUnsafeMutableBytes { read(console, $0.baseAddress, $0.count) }
            guard got > 0 else {
                throw TestFailure("QEMU exited; console:\n" + transcript.suffix(30).joined(separator: "\n"))
            }
            pending += chunk[..<got]
        }
    }
}

/// Starts `arguments` with pipes on stdin and stdout; returns its pid, stdin and stdout.
private func spawn(_ arguments: [String], stderr: String) throws -> (pid_t, Int32, Int32) {
    var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
    guard pipe(&input) == 0, pipe(&output) == 0 else {
        throw TestFailure("pipe: \(String(cString: strerror(errno)))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    for end in input + output { posix_spawn_file_actions_addclose(&actions, end) }
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    close(input[0])
    close(output[1])
    // Later children of the test process must not hold QEMU's console open.
    _ = fcntl(input[1], F_SETFD, FD_CLOEXEC)
    _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
    guard spawned == 0 else {
        close(input[1])
        close(output[0])
        throw TestFailure("starting \(arguments[0]): \(String(cString: strerror(spawned)))")
    }
    return (pid, input[1], output[0])
}
