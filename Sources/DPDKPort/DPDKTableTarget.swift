import TableTargets

/// `rss-apply dpdk:PORT[@FILE_PREFIX]`: writes the port's RETA with
/// `rte_eth_dev_rss_reta_update` from a secondary process, or the rsspp block's software
/// table when the application dispatches in software; reads it back to check.
public struct DPDKTableTarget: TableTarget {
    private let table: PortTable

    public init(_ device: DPDKDevice) throws(DPDKError) {
        table = try PortTable(device)
    }

    public var device: String { table.device.description }

    public func read() throws(TargetError) -> DeviceTable {
        do { return try table.read() } catch { throw TargetError(error.description) }
    }

    public func write(_ reta: [Int]) throws(TargetError) {
        // Refused here, before anything reaches the PMD or the block.
        if let problem = problem(with: reta, on: try read()) { throw TargetError(problem) }
        do { try table.write(reta) } catch { throw TargetError(error.description) }
    }
}
