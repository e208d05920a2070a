import RSSRecords

/// A kind of device from a module above this one (`dpdk:` in DPDKPort); it throws TargetErrors.
public typealias TargetKind = DeviceKind<TargetOptions, any TableTarget>

/// Settings of `rss-apply` that only some kinds of target take.
public struct TargetOptions: Sendable {
    /// The RSS context an `ethtool:` target writes (0: the device's main table).
    public var context: UInt32
    /// Kinds of device that modules above this one add (`dpdk:`), tried for a device this
    /// module does not know.
    public var extraKinds: [TargetKind]

    public init(context: UInt32 = 0, extraKinds: [TargetKind] = []) {
        self.context = context
        self.extraKinds = extraKinds
    }
}

/// The target a device string names, one case per kind of device.
public func tableTarget(device: String, options: TargetOptions = TargetOptions()) throws(TargetError)
    -> any TableTarget {
    let (kind, argument) = splitKind(device)
    switch kind {
    case "file" where argument?.isEmpty == false:
        guard options.context == 0 else { throw TargetError("\(device): --context applies to ethtool: targets") }
        return FileTarget(path: argument!)
    case "ethtool" where argument?.isEmpty == false:
        return EthtoolTarget(interface: argument!, context: options.context)
    default:
        if let extra = options.extraKinds.first(where: { $0.name == kind }) {
            do { return try extra.make(device, options) } catch let error as TargetError {
                throw error
            } catch {
                throw TargetError("\(device): \(error)")
            }
        }
        throw TargetError("unknown target \"\(device)\"; expected \(oneOf(["file:PATH", "ethtool:IFACE"] + options.extraKinds.map(\.usage)))")
    }
}
