import RSSRecords

/// A kind of device from a module above this one (`dpdk:` in DPDKPort); it throws TargetErrors.
public typealias TargetKind = DeviceKind<Void, any TableTarget>

/// The target a device string names, one case per kind of device.
public func tableTarget(device: String, extraKinds: [TargetKind] = []) throws(TargetError) -> any TableTarget {
    let (kind, argument) = splitDevice(device)
    switch kind {
    case "file" where !argument.isEmpty: return FileTarget(path: argument)
    default:
        if let extra = extraKinds.first(where: { $0.name == kind }) {
            do { return try extra.make(device, ()) } catch let error as TargetError {
                throw error
            } catch {
                throw TargetError("\(device): \(error)")
            }
        }
        throw TargetError("unknown target \"\(device)\"; expected \(oneOf(["file:PATH"] + extraKinds.map(\.usage)))")
    }
}

/// `kind:argument`; the argument may itself contain colons.
private func splitDevice(_ device: String) -> (kind: Substring, argument: String) {
    guard let colon = device.firstIndex(of: ":") else { return (device[...], "") }
    return (device[..<colon], String(device[device.index(after: colon)...]))
}
