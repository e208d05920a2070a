#if canImport(Glibc)
import Glibc
#endif
import CBPF
import CXDP
import LoadSources
import RSSRecords
import Synchronization

/// How the counter is attached, for the source that reads it: on a bpf_link of its own
/// (`XDPLink`) or as one program in libxdp's dispatcher (`DispatcherSlot`).
protocol CounterAttachment: AnyObject {
    /// False once something else removed the counter (--unpin, xdp-loader unload, the interface went away).
    func isAttached(to ifindex: UInt32) throws(SourceError) -> Bool
    /// Removes the counter, and nothing else, from the interface.
    func detach() throws(SourceError)
}

/// What an interface runs at XDP before rss-count attaches, as libxdp tells them apart.
enum ProgramsPresent {
    case none
    /// libxdp's multi-program dispatcher and the programs it runs.
    case dispatcher(DispatcherPrograms)
    /// A program attached without libxdp, described as `XDPLink.attachedProgram` does.
    case foreign(String)

    /// libxdp finds its dispatcher's programs through their links pinned on the BPF file system:
    /// without one mounted, whatever program is there is no working dispatcher.
    static func on(interface: String, ifindex: UInt32) throws(SourceError) -> ProgramsPresent {
        guard let described = try XDPLink.attachedProgram(interface: interface, ifindex: ifindex) else { return .none }
        guard bpfFileSystemMounted(), let found = try DispatcherPrograms(interface: interface, ifindex: ifindex) else {
            return .foreign(described)
        }
        return .dispatcher(found)
    }
}

/// The programs libxdp's dispatcher on an interface runs, in their order.
struct DispatcherPrograms {
    let generic: Bool
    let programs: [(name: String, id: UInt32)]

    /// Nil when the interface runs no dispatcher: no XDP program, or one libxdp does not manage.
    init?(interface: String, ifindex: UInt32) throws(SourceError) {
        let found = xdp_multiprog__get_from_ifindex(Int32(ifindex))
        let error = libxdp_get_error(UnsafeRawPointer(found))
        guard error == 0, let found else {
            guard error == -Int(ENOENT) else { throw libXDPFailure(interface, "reading the XDP programs", error) }
            return nil
        }
        defer { xdp_multiprog__close(found) }
        guard !xdp_multiprog__is_legacy(found) else { return nil }
        generic = xdp_multiprog__attach_mode(found) == XDP_MODE_SKB
        var programs: [(name: String, id: UInt32)] = []
        var program = xdp_multiprog__next_prog(nil, found)
        while let current = program {
            programs.append((String(cString: xdp_program__name(current)), xdp_program__id(current)))
            program = xdp_multiprog__next_prog(current, found)
        }
        self.programs = programs
    }

    /// Each program as messages name it: `"name" (id N)`.
    var described: [String] { programs.map(Self.described) }

    static func described(_ program: (name: String, id: UInt32)) -> String { "\"\(program.name)\" (id \(program.id))" }

    /// A counter of rss-count's already in the dispatcher: another run's, live or killed.
    var counter: (name: String, id: UInt32)? { programs.first { CounterKind(rawValue: $0.name) != nil } }
}

/// The counter as one program of libxdp's dispatcher on an interface: libxdp builds a new
/// dispatcher with it added (or a first one) and swaps it in atomically, and on `detach` one
/// without it, so that the other programs keep running throughout; the dispatcher goes with its
/// last program. libxdp pins each program's link under /sys/fs/bpf/xdp, so the kernel does not
/// remove it when the process ends: a slot still attached is detached at exit(3), and one whose
/// run was SIGKILLed stays in the dispatcher until removed (`xdp-loader unload IFACE --id ID`).
/// Sendable for that exit handler only; the source uses it from one thread.
final class DispatcherSlot: CounterAttachment, @unchecked Sendable {
    /// Before every xdp-loader program (whose default priority is 50): the counter sees each
    /// frame the NIC delivered, also those a firewall after it drops or redirects.
    static let runPriority: UInt32 = 1

    private let interface: String
    private let ifindex: UInt32
    private let mode: xdp_attach_mode
    /// libxdp's handle on the counter; keeps the program's id, by which `detach` finds it.
    private let program: OpaquePointer
    private var recheck = DispatcherRecheck()

    /// Has libxdp load `program` of `object` (opened, configured, not loaded) as an extension of
    /// the dispatcher on `ifindex` and attach it there.
    init(loading program: OpaquePointer, of object: OpaquePointer, interface: String, ifindex: UInt32,
         generic: Bool) throws(SourceError) {
        self.interface = interface
        self.ifindex = ifindex
        mode = generic ? XDP_MODE_SKB : XDP_MODE_NATIVE
        try mountBPFFileSystemForLibXDP(interface)
        let created = withLibbpfOptions(\xdp_program_opts.sz) { options in
            options.pointee.obj = object
            options.pointee.prog_name = bpf_program__name(program)
            return xdp_program__create(options)
        }
        guard let created else {
            throw libXDPFailure(interface, "preparing the counter for libxdp", -Int(errno))
        }
        // From here on, deinit closes `created` when the initialiser throws.
        self.program = created
        try check(xdp_program__set_run_prio(created, Self.runPriority), "setting the counter's run priority")
        try check(withLibbpfWarningsOnly { xdp_program__attach(created, Int32(ifindex), mode, 0) },
                  "attaching through libxdp's dispatcher")
        // libxdp falls back to attaching a lone program directly when the kernel refuses its
        // dispatcher; that program would not share the interface, so it is not kept.
        guard (try? isAttached(to: ifindex)) == true else {
            _ = xdp_program__detach(created, Int32(ifindex), mode, 0)
            throw SourceError(.unavailable, "xdp:\(interface): the kernel refused libxdp's dispatcher (see libxdp's "
                              + "messages above; it needs freplace extension programs), so the counter cannot run "
                              + "beside other programs here")
        }
        Self.detachAtExit(self)
    }

    deinit { xdp_program__close(program) }

    func isAttached(to ifindex: UInt32) throws(SourceError) -> Bool {
        guard recheck.isDue(now: monotonicNanoseconds()) else { return true }
        let id = xdp_program__id(program)
        return try DispatcherPrograms(interface: interface, ifindex: ifindex)?.programs.contains { $0.id == id } ?? false
    }

    func detach() throws(SourceError) {
        try check(withLibbpfWarningsOnly { xdp_program__detach(program, Int32(ifindex), mode, 0) },
                  "removing the counter from libxdp's dispatcher")
        Self.attached.withLock { $0.removeAll { $0 === self } }
    }

    /// Slots to detach at exit(3), however the process gets there (a reader gone, an error).
    private static let attached = Mutex<[DispatcherSlot]>([])

    private static let detachingAtExit: Void = {
        atexit { for slot in attached.withLock({ $0 }) { try? slot.detach() } }
    }()

    private static func detachAtExit(_ slot: DispatcherSlot) {
        detachingAtExit
        attached.withLock { $0.append(slot) }
    }

    private func check(_ result: Int32, _ operation: String) throws(SourceError) {
        guard result < 0 else { return }
        throw libXDPFailure(interface, operation, Int(result))
    }
}

/// libxdp loads a new dispatcher on every change, and libbpf says each time what it skips in
/// its object: only libbpf's warnings (a verifier's refusal among them) reach stderr meanwhile.
private func withLibbpfWarningsOnly(_ body: () -> Int32) -> Int32 {
    let previous = libbpf_set_print { level, format, arguments in
        guard level == LIBBPF_WARN, let format, let arguments else { return 0 }
        return vdprintf(STDERR_FILENO, format, arguments)
    }
    defer { libbpf_set_print(previous) }
    return body()
}

/// libxdp keeps its dispatchers' links pinned on the BPF file system, so it must be mounted.
private func mountBPFFileSystemForLibXDP(_ interface: String) throws(SourceError) {
    do { try mountBPFFileSystem() } catch { throw SourceError(.unavailable, "xdp:\(interface): \(error)") }
}

private func libXDPFailure(_ interface: String, _ operation: String, _ error: Int) -> SourceError {
    var message = [CChar](repeating: 0, count: 256)
    _ = libxdp_strerror(Int32(error), &message, message.count)
    let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return SourceError(.unavailable, "xdp:\(interface): \(operation): \(reason)")
}

/// When a slot reads the dispatcher back to see whether its counter is still in it: libxdp
/// answers by opening the dispatcher and every program in it and reading their BTF and pinned
/// links, far more work than an interval's counting at --interval 0.001, so the slot asks at most
/// once a second; a counter removed from outside still ends its run within that second.
struct DispatcherRecheck {
    private static let spacing: UInt64 = 1_000_000_000
    private var nextDue: UInt64 = 0

    /// True on the first call and then once `spacing` has passed since the last true (`now` in
    /// monotonic nanoseconds).
    mutating func isDue(now: UInt64) -> Bool {
        guard now >= nextDue else { return false }
        nextDue = now + Self.spacing
        return true
    }
}
