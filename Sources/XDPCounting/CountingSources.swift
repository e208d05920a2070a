import LoadSources

/// Every source `rss-count` can read: `xdp:IFACE` here, the others (`sim`, `pcap`) from
/// LoadSources, which stays free of libbpf.
public func countingSource(_ spec: String, options: CounterOptions, xdp: XDPOptions,
                           stopSignals: StopSignals? = nil) throws(SourceError) -> any LoadSource {
    guard spec.hasPrefix("xdp:") else { return try loadSource(spec, options: options, stopSignals: stopSignals) }
    let interface = String(spec.dropFirst("xdp:".count))
    guard !interface.isEmpty else { throw SourceError(.usage, "xdp: needs an interface, as in xdp:eth0") }
    return try XDPSource(interface: interface, options: options, xdp: xdp, stopSignals: stopSignals)
}
