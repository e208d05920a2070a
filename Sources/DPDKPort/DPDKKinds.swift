import LoadSources
import TableTargets

/// `dpdk:PORT[@FILE_PREFIX]` for the source and target factories of rss-count and rss-apply.
public enum DPDKKinds {
    public static let usage = "dpdk:PORT[@FILE_PREFIX]"

    public static let source = SourceKind(name: "dpdk", usage: usage) { spec, context in
        let device: DPDKDevice
        do throws(DPDKError) { device = try DPDKDevice(parsing: spec) } catch { throw SourceError(.usage, error.description) }
        do throws(DPDKError) {
            return try DPDKLoadSource(device, interval: context.options.interval, epochs: context.options.epochs,
                                      stopSignals: context.stopSignals)
        } catch {
            throw SourceError(.unavailable, error.description)
        }
    }

    public static let target = TargetKind(name: "dpdk", usage: usage) { device, _ in
        do throws(DPDKError) { return DPDKTableTarget(try DPDKDevice(parsing: device)) } catch { throw TargetError(error.description) }
    }
}
