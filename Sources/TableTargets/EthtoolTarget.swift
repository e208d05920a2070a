#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Ethtool

/// A Linux interface's RSS indirection table, written through the `SIOCETHTOOL` ioctl
/// (`ethtool:IFACE`). Only the table changes: the key and hash function stay as they are.
public final class EthtoolTarget: TableTarget {
    public let device: String
    /// The RSS context written (0: the device's main table).
    public let context: UInt32
    public let interface: String
    /// Opened on first use, so that a missing interface is a device error, not a usage error.
    private var opened: EthtoolDevice?
    /// Receive queues at the last `read()`: a plan checked against that count must not be
    /// written if the channels changed since.
    private var queuesWhenRead: Int?

    public init(interface: String, context: UInt32 = 0) {
        device = "ethtool:\(interface)"
        self.interface = interface
        self.context = context
    }

    public func read() throws(TargetError) -> DeviceTable {
        let table = try current().table
        queuesWhenRead = table.queues
        return table
    }

    /// Checks `reta` against the device as it is now, writes it, reads it back and compares.
    public func write(_ reta: [Int]) throws(TargetError) {
        let (table, setup) = try current()
        if let expected = queuesWhenRead, expected != table.queues {
            queuesWhenRead = nil
            throw TargetError("\(device): channel count changed under rss-apply: \(expected) receive "
                + "queues when the table was checked, \(table.queues) now; table not written")
        }
        if let problem = problem(with: reta, on: table) { throw TargetError("\(problem); table not written") }
        let ethtool = try ethtool()
        do {
            try ethtool.setIndirection(reta.map { UInt32($0) }, context: context,
                                       inputTransform: setup.inputTransform)
        } catch {
            throw explained(error)
        }
        let written = try current().table.reta
        guard written.count == reta.count else {
            throw TargetError("\(device): read back \(written.count) entries after writing \(reta.count)")
        }
        if let bucket = reta.indices.first(where: { written[$0] != reta[$0] }) {
            throw TargetError("\(device): read back entry \(bucket) as \(written[bucket]) after writing "
                + "\(reta[bucket]): the driver did not take the table")
        }
    }

    private func current() throws(TargetError) -> (table: DeviceTable, setup: RSSSetup) {
        let ethtool = try ethtool()
        do {
            let channels = try ethtool.channels()
            let setup = try ethtool.rssSetup(context: context)
            return (DeviceTable(reta: setup.indirection.map { Int($0) }, queues: channels.receiveQueues), setup)
        } catch {
            throw explained(error)
        }
    }

    private func ethtool() throws(TargetError) -> EthtoolDevice {
        if let opened { return opened }
        do {
            let ethtool = try EthtoolDevice(interface: interface)
            opened = ethtool
            return ethtool
        } catch {
            throw TargetError("\(device): no network interface \"\(interface)\" here (\(error.description))")
        }
    }

    /// The errors a user can act on, said in their terms.
    private func explained(_ error: EthtoolError) -> TargetError {
        switch error.errno {
        case EOPNOTSUPP:
            let driver = (try? opened?.driverInfo().driver).map { "driver \($0)" } ?? "its driver"
            let what = switch error.operation {
            case "ETHTOOL_GCHANNELS": "reporting its channel count"
            case _ where context != 0: "RSS contexts"
            default: "RSS indirection tables"
            }
            return TargetError("\(device): \(driver) does not support \(what) through ethtool "
                + "(\(error.operation): operation not supported)")
        case EPERM, EACCES:
            return TargetError("\(device): \(error.operation) needs CAP_NET_ADMIN in the interface's "
                + "network namespace (run as root)")
        case ENODEV:
            return TargetError("\(device): the interface is gone (\(error.operation): no such device)")
        case ENOENT where context != 0:
            return TargetError("\(device): RSS context \(context) does not exist (\(error.operation))")
        case EINVAL where error.operation == "ETHTOOL_SRSSH":
            return TargetError("\(device): the driver refused the table (ETHTOOL_SRSSH: invalid "
                + "argument); its channel count or table size may have changed; table not written")
        default:
            return TargetError("\(device): \(error.description)")
        }
    }
}
