/// Settings of `rss-apply` that only some kinds of target take.
public struct TargetOptions: Sendable {
    /// The RSS context an `ethtool:` target writes (0: the device's main table).
    public var context: UInt32

    public init(context: UInt32 = 0) { self.context = context }
}

/// The target a device string names, one case per kind of device.
public func tableTarget(device: String, options: TargetOptions = TargetOptions()) throws(TargetError)
    -> any TableTarget {
    let (kind, argument) = splitDevice(device)
    switch kind {
    case "file" where !argument.isEmpty:
        guard options.context == 0 else { throw TargetError("\(device): --context applies to ethtool: targets") }
        return FileTarget(path: argument)
    case "ethtool" where !argument.isEmpty:
        return EthtoolTarget(interface: argument, context: options.context)
    default: throw TargetError("unknown target \"\(device)\"; expected file:PATH or ethtool:IFACE")
    }
}

/// `kind:argument`; the argument may itself contain colons.
private func splitDevice(_ device: String) -> (kind: Substring, argument: String) {
    guard let colon = device.firstIndex(of: ":") else { return (device[...], "") }
    return (device[..<colon], String(device[device.index(after: colon)...]))
}
