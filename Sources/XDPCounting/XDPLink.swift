#if canImport(Glibc)
import Glibc
#endif
import CBPF
import LoadSources

/// rss-count's counter attached to an interface through a bpf_link. The kernel detaches a link
/// when its last holder goes: this process, however it ends (SIGKILL and the OOM killer
/// included), unless the link is pinned. It never replaces a program it did not attach, and no
/// other program can replace it while it is attached.
final class XDPLink: CounterAttachment {
    let interface: String
    let fd: Int32

    /// Attaches `programFD`, native unless `generic`; never in place of a program already there.
    init(programFD: Int32, interface: String, ifindex: UInt32, generic: Bool) throws(SourceError) {
        self.interface = interface
        fd = withLibbpfOptions(\bpf_link_create_opts.sz) { options in
            options.pointee.flags = UInt32(generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE)
            return bpf_link_create(programFD, Int32(ifindex), BPF_XDP, options)
        }
        guard fd >= 0 else {
            let error = -fd
            let hint = switch error {
            case EOPNOTSUPP where !generic:
                " (the driver has no native XDP; --generic attaches in the slower generic mode)"
            case EINVAL where !generic:
                " (native XDP refused: the MTU may exceed what the driver allows with XDP, or it has too few queues)"
            case EBUSY: " (another XDP program was attached meanwhile)"
            default: ""
            }
            throw SourceError(.unavailable, "attaching XDP to \(interface): \(String(cString: strerror(error)))\(hint)")
        }
    }

    /// Holds `fd`, a link an earlier run pinned.
    init(pinned fd: Int32, interface: String) {
        self.interface = interface
        self.fd = fd
    }

    deinit { close(fd) }

    /// Whether the link is still attached to `ifindex`: an interface that went away, or
    /// `--unpin`, detaches it while its maps live on.
    func isAttached(to ifindex: UInt32) throws(SourceError) -> Bool {
        do { return try Self.interfaceIndex(linkFD: fd) == ifindex } catch {
            throw SourceError(.unavailable, "xdp:\(interface): \(error)")
        }
    }

    /// Swaps in `newFD` atomically; the kernel replaces the program only if `oldFD` is still the one attached.
    func replace(_ oldFD: Int32, with newFD: Int32) throws(SourceError) {
        let result = withLibbpfOptions(\bpf_link_update_opts.sz) { options in
            options.pointee.flags = UInt32(BPF_F_REPLACE)
            options.pointee.old_prog_fd = UInt32(oldFD)
            return bpf_link_update(fd, newFD, options)
        }
        guard result >= 0 else {
            throw SourceError(.unavailable, "replacing the XDP counter on \(interface): \(String(cString: strerror(-result)))")
        }
    }

    /// Detaches now rather than when the process ends, pinned or not.
    func detach() throws(SourceError) {
        try Self.detach(linkFD: fd, interface: interface)
    }

    static func detach(linkFD: Int32, interface: String) throws(SourceError) {
        let result = bpf_link_detach(linkFD)
        guard result >= 0 else {
            throw SourceError(.unavailable, "detaching the XDP counter from \(interface): \(String(cString: strerror(-result)))")
        }
    }

    /// The program attached to `ifindex` in any mode, described for a person: name, id, mode.
    static func attachedProgram(interface: String, ifindex: UInt32) throws(SourceError) -> String? {
        let (result, modes) = withLibbpfOptions(\bpf_xdp_query_opts.sz) { query in
            (bpf_xdp_query(Int32(ifindex), 0, query),
             [(query.pointee.drv_prog_id, "native"), (query.pointee.skb_prog_id, "generic"),
              (query.pointee.hw_prog_id, "offloaded")])
        }
        guard result >= 0 else {
            throw SourceError(.unavailable, "asking which XDP program \(interface) has: \(String(cString: strerror(-result)))")
        }
        guard let (id, mode) = modes.first(where: { $0.0 != 0 }) else { return nil }
        return "\"\(programName(id: id) ?? "?")\", id \(id), \(mode) mode"
    }

    private static func programName(id: UInt32) -> String? {
        let fd = bpf_prog_get_fd_by_id(id)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return XDPCounting.programName(fd: fd)
    }

    /// The index of the interface the link `linkFD` is attached to; 0 once detached.
    static func interfaceIndex(linkFD: Int32) throws -> UInt32 {
        try withZeroedStruct(bpf_link_info.self) { info in
            var length = UInt32(MemoryLayout<bpf_link_info>.stride)
            try check("reading a pinned link's information", bpf_obj_get_info_by_fd(linkFD, info, &length))
            guard info.pointee.type == BPF_LINK_TYPE_XDP.rawValue else {
                throw BPFError("the pinned link is not an XDP link (type \(info.pointee.type))", errno: EINVAL)
            }
            return info.pointee.xdp.ifindex
        }
    }
}
