/// The table a device has now, and how many queues its entries may name.
public struct DeviceTable: Equatable, Sendable {
    public var reta: [Int]
    public var queues: Int

    public init(reta: [Int], queues: Int) {
        self.reta = reta
        self.queues = queues
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
}

public struct TargetError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TableTarget {
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
