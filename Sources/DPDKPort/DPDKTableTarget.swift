import DPDKProxy
import TableTargets

/// `rss-apply dpdk:PORT[@FILE_PREFIX]`: hands the table to the primary through its rsspp
/// block's mailbox when it answers one, else writes the block's software table or the port's
/// RETA from this secondary process (PortTable); reads it back to check.
///
/// Making one only parses the device; the process attaches to the primary on the first read
/// or write, so that an absent primary is a device that cannot be written (exit 69), not a
/// malformed command line.
public struct DPDKTableTarget: TableTarget {
    public let dpdkDevice: DPDKDevice

    public init(_ device: DPDKDevice) {
        dpdkDevice = device
    }

    public var device: String { dpdkDevice.description }

    public func read() throws(TargetError) -> DeviceTable {
        do throws(DPDKError) { return try PortTable(dpdkDevice).read() } catch { throw TargetError(error.description) }
    }

    public func write(_ reta: [Int]) throws(TargetError) {
        // Refused here, before anything reaches the PMD or the block.
        if let problem = problem(with: reta, on: try read()) { throw TargetError(problem) }
        do throws(DPDKError) { try PortTable(dpdkDevice).write(reta) } catch { throw TargetError(error.description) }
    }
}
