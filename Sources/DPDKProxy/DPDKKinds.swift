import LoadSources
import TableTargets

/// `dpdk:PORT[@FILE_PREFIX]` for the source and target factories of rss-count and rss-apply.
/// The device is reached through rss-dpdk (DPDKHelper), so that these tools link no DPDK
/// library and a host without DPDK runs them for every other kind of device.
public enum DPDKKinds {
    public static let usage = "dpdk:PORT[@FILE_PREFIX]"

    /// rss-count becomes `rss-dpdk count` (same process, standard streams and held signals),
    /// which writes the records and ends as rss-count would; making the source returns only
    /// when that cannot start.
    public static let source = SourceKind(name: "dpdk", usage: usage) { spec, context in
        do throws(DPDKError) { _ = try DPDKDevice(parsing: spec) } catch { throw SourceError(.usage, error.description) }
        var arguments = ["count", spec, "--interval", "\(context.options.interval)"]
        if let epochs = context.options.epochs { arguments += ["--epochs", "\(epochs)"] }
        let failure = DPDKHelper.replaceProcess(arguments)
        throw SourceError(.unavailable, "\(spec): \(failure)")
    }

    public static let target = TargetKind(name: "dpdk", usage: usage) { device, _ in
        do throws(DPDKError) { return HelperTableTarget(try DPDKDevice(parsing: device)) } catch { throw TargetError(error.description) }
    }
}
