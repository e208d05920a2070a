import NICSim
import RSSRecords

/// A kind of source from a module above this one (`xdp:` in XDPCounting, `dpdk:` in DPDKPort);
/// it throws SourceErrors.
public typealias SourceKind = DeviceKind<(options: CounterOptions, stopSignals: StopSignals?), any LoadSource>

/// The source a SOURCE argument of `rss-count` names, one case per kind of source. `sim` paces
/// its epochs in real time unless `fast`; a capture runs as fast as it can unless `pace`.
public func loadSource(_ spec: String, options: CounterOptions, stopSignals: StopSignals? = nil)
    throws(SourceError) -> any LoadSource {
    let (kind, argument) = splitKind(spec)
    switch kind {
    case "sim":
        return try SimulatedSource(scenario: argument ?? Scenarios.defaultName, options: options,
                                   pacer: Pacer(realTime: !options.fast, stopSignals: stopSignals))
    case "pcap" where argument?.isEmpty == false:
        return try CaptureSource(path: argument!, options: options,
                                 pacer: Pacer(realTime: options.pace, stopSignals: stopSignals))
    default:
        if let extra = options.extraKinds.first(where: { $0.name == kind }) {
            do { return try extra.make(spec, (options, stopSignals)) } catch let error as SourceError {
                throw error
            } catch {
                throw SourceError(.unavailable, "\(error)")
            }
        }
        let usages = ["sim[:SCENARIO]", "pcap:FILE"] + options.extraKinds.map(\.usage)
        throw SourceError(.usage, "unknown source \"\(spec)\"; expected \(oneOf(usages))")
    }
}
