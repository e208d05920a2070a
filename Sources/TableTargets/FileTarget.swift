import NICSim
import ToolSupport

/// The simulated NIC's state file as a table target (`file:PATH`): a write replaces the file
/// atomically and bumps its generation, so `rss-count` picks the table up on its next epoch.
public struct FileTarget: TableTarget {
    public let file: NICStateFile

    public init(path: String) { file = NICStateFile(path: path) }

    public var device: String { file.device }

    public func read() throws(TargetError) -> DeviceTable {
        do {
            let state = try file.load()
            return DeviceTable(reta: state.reta, queues: state.queues, planTime: state.planTime)
        } catch {
            throw TargetError(error.description)
        }
    }

    public func write(_ reta: [Int]) throws(TargetError) { try write(reta, planTime: nil) }

    /// Writes `reta`, and `planTime` for later runs to refuse older plans by.
    public func write(_ reta: [Int], planTime: Double?) throws(TargetError) {
        do {
            try file.update { state in
                // Checked again under the write: the NIC may have been reconfigured since `read()`.
                if let problem = problem(with: reta, on: DeviceTable(reta: state.reta, queues: state.queues)) {
                    throw TargetError(problem)
                }
                state.reta = reta
                if let planTime { state.planTime = planTime }
            }
        } catch let error as TargetError {
            throw error
        } catch {
            throw TargetError("\(error)")
        }
    }

    public func claim() throws -> FileLock? { try file.claimWriter() }
}
