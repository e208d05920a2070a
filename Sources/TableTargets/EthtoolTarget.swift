#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Ethtool
import ToolSupport

/// A Linux interface's RSS indirection table, written through the `SIOCETHTOOL` ioctl
/// (`ethtool:IFACE`). Only the table changes: the key and hash function stay as they are.
/// One process at a time writes it: the lock is a file under `/run/rsspp`.
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
        var table = try current().table
        table.isDriverDefault = isDriverDefault(table.reta)
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

    /// The table is read first, so that a device without one says so before anything else.
    /// Whether it is the driver's default is left to `read()`: the checks around a write need not know.
    private func current() throws(TargetError) -> (table: DeviceTable, setup: RSSSetup) {
        let ethtool = try ethtool()
        do {
            let setup = try ethtool.rssSetup(context: context)
            guard !setup.indirection.isEmpty else {
                throw TargetError("\(device): the device has no RSS indirection table (\(driver) reports "
                    + "a table of 0 entries)")
            }
            let channels = try ethtool.channels()
            return (DeviceTable(reta: setup.indirection.map { Int($0) }, queues: channels.receiveQueues), setup)
        } catch let error as TargetError {
            throw error
        } catch let error as EthtoolError {
            throw explained(error)
        } catch {
            throw TargetError("\(device): \(error)")
        }
    }

    /// Whether `reta` is the driver's default table now. Only a table of the default's shape
    /// costs the `ETHTOOL_GRXRINGS` call that says which ring count is in force: every plan reads
    /// the table, and a planned table rarely has that shape.
    private func isDriverDefault(_ reta: [Int]) -> Bool {
        // Only the main table has a default the kernel can put back.
        guard context == 0, EthtoolTarget.hasDefaultShape(reta), let rings = try? ethtool().receiveRings() else {
            return false
        }
        return EthtoolTarget.isDriverDefault(reta, receiveRings: rings)
    }

    /// Whether `reta` is the driver's default for some ring count. Its entries would go round the
    /// rings: the first entry after 0 that is 0 again comes at the ring count, unless there are
    /// as many rings as entries or more.
    static func hasDefaultShape(_ reta: [Int]) -> Bool {
        let period = reta.indices.dropFirst().first { reta[$0] == 0 } ?? reta.count
        return isDriverDefault(reta, receiveRings: period)
    }

    /// Whether `reta` is the table the kernel makes for `ethtool -X IFACE default`: entry `i`
    /// on ring `i mod rings` (`ethtool_rxfh_indir_default`). The kernel does not say whether a
    /// table was set by hand, so one set by hand to exactly this counts as the default.
    public static func isDriverDefault(_ reta: [Int], receiveRings rings: Int) -> Bool {
        rings > 0 && reta.indices.allSatisfy { reta[$0] == $0 % rings }
    }

    /// The driver's default table goes back as `ethtool -X IFACE default` puts it (so that a
    /// later `ethtool -L` spreads it again); any other table is written back as it was.
    public func restore(_ found: DeviceTable) throws(TargetError) {
        guard found.isDriverDefault else { return try write(found.reta) }
        let (_, setup) = try current()
        let ethtool = try ethtool()
        do {
            try ethtool.resetIndirection(context: context, inputTransform: setup.inputTransform)
        } catch {
            throw explained(error)
        }
        guard try isDriverDefault(current().table.reta) else {
            throw TargetError("\(device): the driver's default table did not come back after ETHTOOL_SRSSH")
        }
    }

    public func claim() throws -> FileLock? {
        guard mkdir(lockDirectory, 0o755) == 0 || errno == EEXIST else {
            throw TargetError("cannot create \(lockDirectory) for its lock: \(String(cString: strerror(errno)))")
        }
        return try FileLock.claim("\(lockDirectory)/\(lockName)")
    }

    /// Names the interface in its network namespace (the same name in another one is another
    /// device) and the context written.
    private var lockName: String {
        var namespace = stat()
        let netns = stat("/proc/self/ns/net", &namespace) == 0 ? "\(namespace.st_ino)" : "unknown"
        return "ethtool-\(interface)-netns\(netns)" + (context == 0 ? "" : "-context\(context)") + ".lock"
    }

    private var driver: String {
        (try? opened?.driverInfo().driver).map { "driver \($0)" } ?? "its driver"
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
        case EOPNOTSUPP where context == 0 && error.operation.hasSuffix("RSSH"):
            return TargetError("\(device): the device has no RSS indirection table (\(driver): "
                + "\(error.operation): operation not supported)")
        case EOPNOTSUPP:
            let what = error.operation == "ETHTOOL_GCHANNELS" ? "reporting its channel count" : "RSS contexts"
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

/// Where the locks of `ethtool:` targets live: `/run`, cleared at boot like the locks.
let lockDirectory = "/run/rsspp"
