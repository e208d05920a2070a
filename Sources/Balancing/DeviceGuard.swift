#if canImport(Glibc)
import Glibc
#endif
import TableTargets
import ToolSupport

/// What rss-balance holds on its device while it runs: the device's writer lock (handed to each
/// rss-apply it starts), a lock of its own so that a device without a writer lock still has one
/// balancer, and the table found at start, put back when it stops.
final class DeviceGuard {
    let target: any TableTarget
    let writerLock: FileLock?
    private let balancerLock: FileLock
    private let found: DeviceTable

    /// Throws a `ToolFailure`: status 75 when another process holds a lock (naming it), 69 when
    /// the device cannot be read.
    init(device: String, options: TargetOptions) throws(ToolFailure) {
        do {
            target = try tableTarget(device: device, options: options)
        } catch {
            throw ToolFailure(error.description, status: ExitStatus.configuration)
        }
        do {
            writerLock = try target.claim()
            balancerLock = try FileLock.claim(writerLock.map { $0.path + ".balancer" } ?? DeviceGuard.balancerLockPath(device))
        } catch let held as FileLock.Held {
            throw ToolFailure("lock held by \(held.holder ?? "another process") (\(held.path)); one rss-balance "
                + "or rss-apply per device", status: ExitStatus.temporaryFailure)
        } catch {
            throw ToolFailure("cannot lock the device: \(error)")
        }
        do {
            found = try target.read()
        } catch {
            throw ToolFailure("cannot read the table to restore at the end: \(error.description)")
        }
    }

    /// Puts the table found at start back when the device holds another; whether it did.
    func restore() throws(TargetError) -> Bool {
        let now = try target.read()
        guard now.reta != found.reta || (found.isDriverDefault && !now.isDriverDefault) else { return false }
        try target.restore(found)
        return true
    }

    /// A device whose kind has no writer lock (dpdk:) gets its balancer lock under /run/rsspp.
    private static func balancerLockPath(_ device: String) throws -> String {
        let directory = "/run/rsspp"
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw SystemError(operation: "cannot create \(directory) for its lock", errno: errno)
        }
        return "\(directory)/balance-\(String(device.map { $0 == "/" ? "_" : $0 })).lock"
    }
}
