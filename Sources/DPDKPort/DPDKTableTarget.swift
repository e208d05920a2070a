import TableTargets

/// `rss-apply dpdk:PORT[@FILE_PREFIX]`: writes the port's RETA with
/// `rte_eth_dev_rss_reta_update` from a secondary process, or the rsspp block's software
/// table when the application dispatches in software; reads it back to check.
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
