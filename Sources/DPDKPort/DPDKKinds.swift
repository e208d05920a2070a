import LoadSources
import TableTargets

/// `dpdk:PORT[@FILE_PREFIX]` for the source and target factories of rss-count and rss-apply.
public enum DPDKKinds {
    public static let usage = "dpdk:PORT[@FILE_PREFIX]"

    public static let source = SourceKind(name: "dpdk", usage: usage) { spec, options, stopSignals throws(SourceError) in
        let device: DPDKDevice
        do throws(DPDKError) { device = try DPDKDevice(parsing: spec) } catch { throw SourceError(.usage, error.description) }
        do throws(DPDKError) {
            return try DPDKLoadSource(device, interval: options.interval, epochs: options.epochs,
                                      stopSignals: stopSignals)
        } catch {
            throw SourceError(.unavailable, error.description)
        }
    }

    public static let target = TargetKind(name: "dpdk", usage: usage) { text throws(TargetError) in
        do throws(DPDKError) { return DPDKTableTarget(try DPDKDevice(parsing: text)) } catch { throw TargetError(error.description) }
    }
}
