#if canImport(Glibc)
import Glibc
#endif
import LoadSources

/// Loading BPF, attaching XDP and opening pins need CAP_BPF (or CAP_SYS_ADMIN) and
/// CAP_NET_ADMIN, and the verifier refuses both counters without CAP_PERFMON (or CAP_SYS_ADMIN):
/// the packet-length arithmetic and the kfunc's stack argument are for "perfmon-capable" loaders
/// only. Said first, before libbpf's own messages about what failed for want of them.
func requireXDPPrivileges(_ interface: String) throws(SourceError) {
    let missing = missingCapabilities(effective: effectiveCapabilities())
    guard missing.isEmpty else {
        throw SourceError(.unavailable, "xdp:\(interface): counting with XDP needs root, or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; "
                          + "this process lacks \(missing.joined(separator: " and "))")
    }
}

/// The names of the capabilities XDP counting needs that the mask `effective` lacks.
func missingCapabilities(effective: UInt64) -> [String] {
    let netAdmin: UInt64 = 1 << 12, sysAdmin: UInt64 = 1 << 21, perfmon: UInt64 = 1 << 38, bpf: UInt64 = 1 << 39 // linux/capability.h
    var missing: [String] = []
    if effective & (bpf | sysAdmin) == 0 { missing.append("CAP_BPF") }
    if effective & (perfmon | sysAdmin) == 0 { missing.append("CAP_PERFMON") }
    if effective & netAdmin == 0 { missing.append("CAP_NET_ADMIN") }
    return missing
}

/// This process's effective capabilities (`CapEff` of /proc/self/status); all of them when it
/// cannot be read, so that the kernel's own refusal is what the user sees then.
private func effectiveCapabilities() -> UInt64 {
    let status = readText("/proc/self/status") ?? ""
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
          let mask = UInt64(line.dropFirst("CapEff:".count).drop(while: \.isWhitespace), radix: 16) else {
        return .max
    }
    return mask
}
