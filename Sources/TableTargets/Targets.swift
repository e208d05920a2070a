/// The target a device string names, one case per kind of device.
public func tableTarget(device: String) throws(TargetError) -> any TableTarget {
    let (kind, argument) = splitDevice(device)
    switch kind {
    case "file" where !argument.isEmpty: return FileTarget(path: argument)
    default: throw TargetError("unknown target \"\(device)\"; expected file:PATH")
    }
}

/// `kind:argument`; the argument may itself contain colons.
private func splitDevice(_ device: String) -> (kind: Substring, argument: String) {
    guard let colon = device.firstIndex(of: ":") else { return (device[...], "") }
    return (device[..<colon], String(device[device.index(after: colon)...]))
}
