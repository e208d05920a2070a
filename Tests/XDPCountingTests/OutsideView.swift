#if canImport(Glibc)
import Glibc
#endif
import CBPF
import RSSRecords
import Synchronization
import TestSupport

/// An XDP program on an interface as iproute2 reports it (`ip -j link show`): what the tests
/// check the counter's lifecycle against, never rss-count's own query.
struct AttachedXDP: Equatable {
    let id: Int
    let name: String

    /// The program attached to `interface` (of this network namespace), if any.
    static func on(_ interface: String) throws -> AttachedXDP? {
        let directory = try TemporaryDirectory(area: "xdp")
        let result = try shell("ip -j -d link show dev \(interface)", in: directory)
        guard result.status == 0 else { throw TestFailure("ip -j link show \(interface): \(result.stderr)") }
        var attached: AttachedXDP?
        let json = Array(result.stdout.utf8)
        try json.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            try scanner.array { link in
                try link.object { link, member in
                    guard member == "xdp" else { return try link.skipValue() }
                    attached = try program(in: &link)
                }
            }
        }
        return attached
    }

    /// `"xdp":{"mode":1,"prog":{"id":7,"name":"rsspp_soft",...}}`
    private static func program(in scanner: inout JSONScanner) throws -> AttachedXDP? {
        var id: Int?, name: String?
        try scanner.object { xdp, member in
            guard member == "prog" else { return try xdp.skipValue() }
            try xdp.object { prog, member in
                switch member {
                case "id": id = try prog.integer()
                case "name": name = try prog.string()
                default: try prog.skipValue()
                }
            }
        }
        guard let id else { return nil }
        return AttachedXDP(id: id, name: name ?? "")
    }
}

/// An XDP program of the test's own (`XDP_PASS`, loaded from raw instructions) attached to an
/// interface through netlink, as `ip link set dev IFACE xdp obj ...` would: another user's.
func attachForeignProgram(to interface: String) throws {
    var instructions = [libbpf_insn(), libbpf_insn()]
    instructions[0].code = UInt8(BPF_ALU64 | BPF_MOV | BPF_K) // r0 = XDP_PASS
    instructions[0].imm = Int32(XDP_PASS.rawValue)
    instructions[1].code = UInt8(BPF_JMP | BPF_EXIT)
    let fd = bpf_prog_load(BPF_PROG_TYPE_XDP, foreignProgramName, "GPL", &instructions, 2, nil)
    guard fd >= 0 else { throw TestFailure("loading the test's XDP program: \(String(cString: strerror(-fd)))") }
    defer { close(fd) }
    let result = bpf_xdp_attach(Int32(if_nametoindex(interface)), fd, UInt32(XDP_FLAGS_DRV_MODE), nil)
    guard result >= 0 else { throw TestFailure("attaching the test's XDP program: \(String(cString: strerror(-result)))") }
}

let foreignProgramName = "not_rsspp"

/// Runs `body`, which may have rss-count mount the BPF file system on /sys/fs/bpf and pin there
/// (or finds it mounted already, when `mounting`), and leaves no pins of `interface` behind, nor a
/// mount the test made, also when `body` fails. One such test at a time: another's unmount would
/// take this one's pins.
func withBPFFileSystem(removingPinsOf interface: String, mounting: Bool = false, _ body: () throws -> Void) throws {
    try bpfFileSystemUse.withLock { _ in
        let mountedBefore = (String(decoding: try readFile("/proc/self/mounts"), as: UTF8.self)).contains(" /sys/fs/bpf bpf ")
        if mounting && !mountedBefore && mount("bpf", "/sys/fs/bpf", "bpf", 0, nil) != 0 {
            throw TestFailure("mounting the BPF file system: \(String(cString: strerror(errno)))")
        }
        defer {
            removeTree("/sys/fs/bpf/rsspp/\(interface)")
            rmdir("/sys/fs/bpf/rsspp")
            if !mountedBefore { umount("/sys/fs/bpf") }
        }
        try body()
    }
}

private let bpfFileSystemUse = Mutex(())
