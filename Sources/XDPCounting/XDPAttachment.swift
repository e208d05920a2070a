#if canImport(Glibc)
import Glibc
#endif
import CBPF
import LoadSources

/// An XDP program rss-count attached to an interface. It never replaces a program it did not
/// attach, and detaches only its own (the kernel checks the program it expects to remove).
/// Attachments still in place when the process exits are detached then (`exit` from any path,
/// a closed pipe included), unless kept on purpose.
final class XDPAttachment {
    let interface: String
    let ifindex: UInt32
    let generic: Bool
    private(set) var programFD: Int32
    /// Left in place at exit (`--pin`).
    var keep = false
    private var attached = false

    private var modeFlags: UInt32 { UInt32(generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE) }

    /// Takes charge of `programFD`, which an earlier run left attached (`--pin`).
    init(adopting programFD: Int32, interface: String, ifindex: UInt32, generic: Bool) {
        self.interface = interface
        self.ifindex = ifindex
        self.generic = generic
        self.programFD = programFD
        attached = true
        XDPAttachment.live.append(Weak(self))
        XDPAttachment.detachAtExit()
    }

    /// Attaches `programFD`, native unless `generic`; fails naming the program already there.
    init(programFD: Int32, interface: String, ifindex: UInt32, generic: Bool) throws(SourceError) {
        self.interface = interface
        self.ifindex = ifindex
        self.generic = generic
        self.programFD = programFD
        if let present = XDPAttachment.attachedProgram(ifindex: ifindex) {
            throw SourceError(.unavailable, "\(interface) already has an XDP program attached (\(present)); rss-count "
                                  + "never replaces another program: detach it (ip link set dev \(interface) xdp off) "
                                  + "or chain both through a dispatcher such as libxdp's")
        }
        let flags = modeFlags | UInt32(XDP_FLAGS_UPDATE_IF_NOEXIST)
        let result = bpf_xdp_attach(Int32(ifindex), programFD, flags, nil)
        guard result >= 0 else {
            let error = -result
            let hint: String
            switch error {
            case EOPNOTSUPP where !generic:
                hint = " (the driver has no native XDP; --generic attaches in the slower generic mode)"
            case EINVAL where !generic:
                hint = " (native XDP refused: the MTU may exceed what the driver allows with XDP, or it has too few queues)"
            default: hint = ""
            }
            throw SourceError(.unavailable, "attaching XDP to \(interface): \(String(cString: strerror(error)))\(hint)")
        }
        attached = true
        XDPAttachment.live.append(Weak(self))
        XDPAttachment.detachAtExit()
    }

    deinit { detach() }

    /// Swaps in `newFD` atomically: the kernel replaces the program only if ours is still there.
    func replace(with newFD: Int32) throws(SourceError) {
        var options = bpf_xdp_attach_opts()
        options.sz = MemoryLayout<bpf_xdp_attach_opts>.stride
        options.old_prog_fd = programFD
        let result = bpf_xdp_attach(Int32(ifindex), newFD, modeFlags | UInt32(XDP_FLAGS_REPLACE), &options)
        guard result >= 0 else {
            throw SourceError(.unavailable, "replacing the XDP counter on \(interface): \(String(cString: strerror(-result)))")
        }
        programFD = newFD
    }

    /// Removes the program if it is still ours; silent when the interface or program is gone.
    func detach() {
        guard attached, !keep else { return }
        attached = false
        var options = bpf_xdp_attach_opts()
        options.sz = MemoryLayout<bpf_xdp_attach_opts>.stride
        options.old_prog_fd = programFD
        _ = bpf_xdp_detach(Int32(ifindex), modeFlags | UInt32(XDP_FLAGS_REPLACE), &options)
    }

    /// The program attached to `ifindex` in any mode, described for a person: name, id, mode.
    static func attachedProgram(ifindex: UInt32) -> String? {
        var query = bpf_xdp_query_opts()
        query.sz = MemoryLayout<bpf_xdp_query_opts>.stride
        guard bpf_xdp_query(Int32(ifindex), 0, &query) >= 0 else { return nil }
        let modes = [(query.drv_prog_id, "native"), (query.skb_prog_id, "generic"), (query.hw_prog_id, "offloaded")]
        guard let (id, mode) = modes.first(where: { $0.0 != 0 }) else { return nil }
        return "\"\(programName(id: id) ?? "?")\", id \(id), \(mode) mode"
    }

    private static func programName(id: UInt32) -> String? {
        let fd = bpf_prog_get_fd_by_id(id)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return XDPCounting.programName(fd: fd)
    }

    /// The id of the program attached to `ifindex` in the given mode, if any.
    static func attachedID(ifindex: UInt32, generic: Bool) -> UInt32? {
        var id: UInt32 = 0
        let mode = Int32(generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE)
        guard bpf_xdp_query_id(Int32(ifindex), mode, &id) >= 0, id != 0 else { return nil }
        return id
    }

    // MARK: detaching at exit

    private struct Weak { weak var attachment: XDPAttachment?; init(_ a: XDPAttachment) { attachment = a } }
    nonisolated(unsafe) private static var live: [Weak] = []
    nonisolated(unsafe) private static var exitHandlerInstalled = false

    private static func detachAtExit() {
        guard !exitHandlerInstalled else { return }
        exitHandlerInstalled = true
        atexit { XDPAttachment.live.forEach { $0.attachment?.detach() } }
    }
}
