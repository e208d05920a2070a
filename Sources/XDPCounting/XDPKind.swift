import LoadSources

/// `xdp:IFACE` as a kind of source for `rss-count`'s factory, which stays free of libbpf.
public enum XDPKind {
    public static func source(_ xdp: XDPOptions) -> SourceKind {
        SourceKind(name: "xdp", usage: "xdp:IFACE") { spec, context in
            let interface = String(spec.dropFirst("xdp:".count))
            guard !interface.isEmpty else { throw SourceError(.usage, "xdp: needs an interface, as in xdp:eth0") }
            return try XDPSource(interface: interface, options: context.options, xdp: xdp,
                                 stopSignals: context.stopSignals)
        }
    }
}
