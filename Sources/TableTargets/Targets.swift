/// A kind of device that a module above this one provides (`dpdk:` in DPDKPort), so that this
/// module, and the tools that do not need the kind, stay free of its libraries.
public struct TargetKind: Sendable {
    public typealias Make = @Sendable (_ device: String) throws(TargetError) -> any TableTarget
    /// What comes before the colon: `dpdk`.
    public let name: String
    /// How the device is written, for messages: `dpdk:PORT[@FILE_PREFIX]`.
    public let usage: String
    public let make: Make

    public init(name: String, usage: String, make: @escaping Make) {
        self.name = name
        self.usage = usage
        self.make = make
    }
}

/// The target a device string names, one case per kind of device.
public func tableTarget(device: String, extraKinds: [TargetKind] = []) throws(TargetError) -> any TableTarget {
    let (kind, argument) = splitDevice(device)
    switch kind {
    case "file" where !argument.isEmpty: return FileTarget(path: argument)
    default:
        if let extra = extraKinds.first(where: { $0.name == kind }) { return try extra.make(device) }
        let usages = ["file:PATH"] + extraKinds.map(\.usage)
        throw TargetError("unknown target \"\(device)\"; expected \(usages.dropLast().joined(separator: ", "))"
            + (usages.count > 1 ? " or " : "") + usages.last!)
    }
}

/// `kind:argument`; the argument may itself contain colons.
private func splitDevice(_ device: String) -> (kind: Substring, argument: String) {
    guard let colon = device.firstIndex(of: ":") else { return (device[...], "") }
    return (device[..<colon], String(device[device.index(after: colon)...]))
}
