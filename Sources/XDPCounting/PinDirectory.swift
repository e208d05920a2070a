#if canImport(Glibc)
import Glibc
#endif
import CBPF
import LoadSources

/// `/sys/fs/bpf/rsspp/IFACE`: where `--pin` leaves the counter (program and maps), so that it
/// keeps counting after rss-count exits and a later run takes up the same counters.
struct PinDirectory {
    static let root = "/sys/fs/bpf/rsspp"
    let path: String

    init(interface: String) { path = "\(Self.root)/\(interface)" }

    func pin(_ program: CounterProgram) throws(SourceError) {
        do {
            try mountBPFFileSystem()
            for directory in [Self.root, path] where mkdir(directory, 0o700) != 0 && errno != EEXIST {
                throw BPFError("creating \(directory)", errno: errno)
            }
            try program.pin(at: path)
        } catch {
            throw SourceError(.unavailable, "--pin: \(error)")
        }
    }

    /// Removes the pins (the program stays loaded while attached).
    func remove() {
        for name in ["program", "bucket_counters", "queue_counters", "state"] { unlink("\(path)/\(name)") }
        rmdir(path)
    }

    /// The counter an earlier `--pin` run left on `ifindex`, when it is still the program attached
    /// there; pins of a program no longer attached are removed.
    static func resume(interface: String, ifindex: UInt32, buckets: Int,
                       generic: Bool) throws(SourceError) -> (program: CounterProgram, attachment: XDPAttachment)? {
        let pins = PinDirectory(interface: interface)
        let pinnedFD = bpf_obj_get("\(pins.path)/program")
        guard pinnedFD >= 0 else { return nil }
        defer { close(pinnedFD) }
        guard let attached = XDPAttachment.attachedID(ifindex: ifindex, generic: generic),
              programID(fd: pinnedFD) == attached else {
            pins.remove()
            return nil
        }
        do {
            let program = try CounterProgram(pinnedAt: pins.path, buckets: buckets)
            return (program, XDPAttachment(adopting: program.programFD, interface: interface, ifindex: ifindex,
                                           generic: generic))
        } catch {
            throw SourceError(.unavailable, "xdp:\(interface): \(error)")
        }
    }

    /// Mounts the BPF file system on /sys/fs/bpf unless it is there already.
    private func mountBPFFileSystem() throws {
        let mounts = readText("/proc/self/mounts") ?? ""
        if mounts.split(separator: "\n").contains(where: { $0.split(separator: " ").dropFirst().prefix(2) == ["/sys/fs/bpf", "bpf"] }) {
            return
        }
        guard mount("bpf", "/sys/fs/bpf", "bpf", 0, nil) == 0 else {
            throw BPFError("mounting the BPF file system on /sys/fs/bpf", errno: errno)
        }
    }
}
