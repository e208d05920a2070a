import ToolSupport

/// The table a device has now, and how many queues its entries may name.
public struct DeviceTable: Equatable, Sendable {
    public var reta: [Int]
    public var queues: Int
    /// The `time` of the last plan written, where the device keeps one (the state file).
    public var planTime: Double?
    /// Whether this is the table the driver sets up itself (`ethtool -X IFACE default`), which it
    /// spreads again over the queues when the channel count changes.
    public var isDriverDefault: Bool

    public init(reta: [Int], queues: Int, planTime: Double? = nil, isDriverDefault: Bool = false) {
        self.reta = reta
        self.queues = queues
        self.planTime = planTime
        self.isDriverDefault = isDriverDefault
    }
}

/// Something that holds an RSS indirection table: a NIC through ethtool or DPDK, or the
/// simulated NIC's state file. `rss-apply` validates a plan against `read()` before `write`.
public protocol TableTarget {
    /// The device string plans name it by (`file:PATH`, `ethtool:IFACE`, `dpdk:PORT`).
    var device: String { get }
    func read() throws(TargetError) -> DeviceTable
    /// Writes `reta` whole; on return the device uses it (read back and checked where the
    /// device allows). On failure the old table stays in force.
    func write(_ reta: [Int]) throws(TargetError)
    /// `write`, and where the device keeps it, the `time` of the plan `reta` comes from.
    func write(_ reta: [Int], planTime: Double?) throws(TargetError)
    /// Makes this process the device's only table writer while it holds the lock returned;
    /// throws `FileLock.Held` naming the writer there is. Nil where the device needs no lock.
    func claim() throws -> FileLock?
    /// Puts back `found`, the table a first `read()` returned (`--restore-on-exit`).
    func restore(_ found: DeviceTable) throws(TargetError)
}

public struct TargetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TableTarget {
    public func write(_ reta: [Int], planTime: Double?) throws(TargetError) { try write(reta) }
    public func claim() throws -> FileLock? { nil }
    public func restore(_ found: DeviceTable) throws(TargetError) { try write(found.reta) }

    /// Why `reta` cannot be written to this device, or nil when it can.
    public func problem(with reta: [Int], on table: DeviceTable) -> String? {
        if reta.count != table.reta.count {
            return "table has \(reta.count) entries; \(device) has \(table.reta.count)"
        }
        if let bad = reta.firstIndex(where: { $0 < 0 || $0 >= table.queues }) {
            return "entry \(bad) is \(reta[bad]); \(device) has \(table.queues) queues"
        }
        return nil
    }
}
