#if canImport(Glibc)
import Glibc
#endif
import CBPF
import LoadSources

/// `/sys/fs/bpf/rsspp/IFACE`: where `--pin` leaves the counter (its link, program and maps), so
/// that it keeps counting after rss-count exits and later runs read the same counters without
/// attaching anything. Only `--unpin` removes a counter pinned there.
public struct PinDirectory {
    static let root = "/sys/fs/bpf/rsspp"
    let interface: String
    public let path: String
    private var linkPath: String { "\(path)/link" }

    public init(interface: String) {
        self.interface = interface
        path = "\(Self.root)/\(interface)"
    }

    /// Pins `program` and `link`, the link last: a run killed halfway leaves no pinned link, and
    /// the next run removes the rest; a run that fails to pin removes what it pinned.
    func pin(_ program: CounterProgram, link: XDPLink) throws(SourceError) {
        do {
            try mountBPFFileSystem()
            for directory in [Self.root, path] where mkdir(directory, 0o700) != 0 && errno != EEXIST {
                throw BPFError("creating \(directory)", errno: errno)
            }
            try program.pin(at: path)
            try check("pinning \(linkPath)", bpf_obj_pin(link.fd, linkPath))
        } catch {
            var cleanup = ""
            do { try removeAll() } catch { cleanup = "; removing what was pinned: \(error)" }
            throw SourceError(.unavailable, "--pin: \(error)\(cleanup)")
        }
    }

    /// Pins `program` in place of the one pinned (same link, another program).
    func repin(_ program: CounterProgram) throws(SourceError) {
        try removePins(CounterProgram.pinNames)
        do { try program.pin(at: path) } catch { throw SourceError(.unavailable, "--pin: \(error)") }
    }

    /// The counter pinned here for `ifindex`, to read; nil when there is none. Leftovers of a
    /// counter that no longer counts (its interface went away, or the run that pinned it was
    /// killed while pinning) are removed.
    func pinnedCounter(ifindex: UInt32, buckets: Int) throws(SourceError) -> (program: CounterProgram, link: XDPLink)? {
        guard access(path, F_OK) == 0 else { return nil }
        let linkFD = bpf_obj_get(linkPath)
        guard linkFD >= 0 else {
            guard -linkFD == ENOENT else { throw failure("opening \(linkPath)", errno: -linkFD) }
            try removeAll()
            return nil
        }
        let link = XDPLink(pinned: linkFD, interface: interface)
        do {
            let attachedTo = try XDPLink.interfaceIndex(linkFD: linkFD)
            if attachedTo == 0 {
                try removeAll()
                return nil
            }
            guard attachedTo == ifindex else {
                throw BPFError("\(path) holds a counter attached to another interface (index \(attachedTo)); "
                               + "rss-count xdp:\(interface) --unpin removes it", errno: EEXIST)
            }
            return (try CounterProgram(pinnedAt: path, buckets: buckets), link)
        } catch {
            throw SourceError(.unavailable, "xdp:\(interface): \(error)")
        }
    }

    /// `--unpin`: detaches the counter pinned here and removes its pins; false when nothing is
    /// pinned. A run still reading it stops counting.
    public func unpin() throws(SourceError) -> Bool {
        try requireXDPPrivileges(interface)
        guard access(path, F_OK) == 0 else { return false }
        let linkFD = bpf_obj_get(linkPath)
        if linkFD >= 0 {
            defer { close(linkFD) }
            try XDPLink.detach(linkFD: linkFD, interface: interface)
        } else if -linkFD != ENOENT {
            throw failure("opening \(linkPath)", errno: -linkFD)
        }
        try removeAll()
        return true
    }

    private func removeAll() throws(SourceError) {
        try removePins(CounterProgram.pinNames + ["link"])
        guard rmdir(path) == 0 || errno == ENOENT else { throw failure("removing \(path)", errno: errno) }
        _ = rmdir(Self.root) // goes once empty; other interfaces' pins keep it
    }

    private func removePins(_ names: [String]) throws(SourceError) {
        for name in names where unlink("\(path)/\(name)") != 0 && errno != ENOENT {
            throw failure("removing \(path)/\(name)", errno: errno)
        }
    }

    private func failure(_ operation: String, errno: Int32) -> SourceError {
        SourceError(.unavailable, "xdp:\(interface): \(BPFError(operation, errno: errno))")
    }
}

/// Mounts the BPF file system on /sys/fs/bpf unless it is there already.
func mountBPFFileSystem() throws {
    guard !bpfFileSystemMounted() else { return }
    guard mount("bpf", "/sys/fs/bpf", "bpf", 0, nil) == 0 else {
        throw BPFError("mounting the BPF file system on /sys/fs/bpf", errno: errno)
    }
}

func bpfFileSystemMounted() -> Bool {
    let mounts = readText("/proc/self/mounts") ?? ""
    return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().prefix(2) == ["/sys/fs/bpf", "bpf"] }
}
