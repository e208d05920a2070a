import NICSim

/// A kind of source that a module above this one provides (`dpdk:` in DPDKPort), so that this
/// module, and the tools that do not need the kind, stay free of its libraries.
public struct SourceKind: Sendable {
    public typealias Make = @Sendable (_ spec: String, _ options: CounterOptions, _ stopSignals: StopSignals?)
        throws(SourceError) -> any LoadSource
    /// What comes before the colon: `dpdk`.
    public let name: String
    /// How the SOURCE argument is written, for messages: `dpdk:PORT[@FILE_PREFIX]`.
    public let usage: String
    public let make: Make

    public init(name: String, usage: String, make: @escaping Make) {
        self.name = name
        self.usage = usage
        self.make = make
    }
}

/// The source a SOURCE argument of `rss-count` names, one case per kind of source. `sim` paces
/// its epochs in real time unless `fast`; a capture runs as fast as it can unless `pace`.
public func loadSource(_ spec: String, options: CounterOptions, stopSignals: StopSignals? = nil,
                       extraKinds: [SourceKind] = []) throws(SourceError) -> any LoadSource {
    let (kind, argument) = splitSource(spec)
    switch kind {
    case "sim":
        return try SimulatedSource(scenario: argument ?? Scenarios.defaultName, options: options,
                                   pacer: Pacer(realTime: !options.fast, stopSignals: stopSignals))
    case "pcap" where argument?.isEmpty == false:
        return try CaptureSource(path: argument!, options: options,
                                 pacer: Pacer(realTime: options.pace, stopSignals: stopSignals))
    default:
        if let extra = extraKinds.first(where: { $0.name == kind }) { return try extra.make(spec, options, stopSignals) }
        let usages = ["sim[:SCENARIO]", "pcap:FILE"] + extraKinds.map(\.usage)
        throw SourceError(.usage, "unknown source \"\(spec)\"; expected \(usages.dropLast().joined(separator: ", ")) or \(usages.last!)")
    }
}

/// `kind[:argument]`; the argument may itself contain colons.
private func splitSource(_ spec: String) -> (kind: Substring, argument: String?) {
    guard let colon = spec.firstIndex(of: ":") else { return (spec[...], nil) }
    return (spec[..<colon], String(spec[spec.index(after: colon)...]))
}
