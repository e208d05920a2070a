import NICSim

/// The source a SOURCE argument of `rss-count` names, one case per kind of source. `sim` paces
/// its epochs in real time unless `fast`; a capture runs as fast as it can unless `pace`.
public func loadSource(_ spec: String, options: CounterOptions, stopSignals: StopSignals? = nil)
    throws(SourceError) -> any LoadSource {
    let (kind, argument) = splitSource(spec)
    switch kind {
    case "sim":
        return try SimulatedSource(scenario: argument ?? Scenarios.defaultName, options: options,
                                   pacer: Pacer(realTime: !options.fast, stopSignals: stopSignals))
    case "pcap" where argument?.isEmpty == false:
        return try CaptureSource(path: argument!, options: options,
                                 pacer: Pacer(realTime: options.pace, stopSignals: stopSignals))
    default:
        throw SourceError(.usage, "unknown source \"\(spec)\"; expected sim[:SCENARIO], pcap:FILE or xdp:IFACE")
    }
}

/// `kind[:argument]`; the argument may itself contain colons.
private func splitSource(_ spec: String) -> (kind: Substring, argument: String?) {
    guard let colon = spec.firstIndex(of: ":") else { return (spec[...], nil) }
    return (spec[..<colon], String(spec[spec.index(after: colon)...]))
}
