#if canImport(Glibc)
import Glibc
#endif
import Planning
import Statistics

/// Solve time of each contender per table size and queue count, on steady heavy-tailed traffic.
public struct SolveTimes: Sendable {
    public struct Cell: Sendable {
        public var tableSize: Int
        public var queues: Int
        public var contender: Contender
        public var median: Double
        public var p99: Double
    }

    public private(set) var cells: [Cell] = []

    public init(tableSizes: [Int] = [128, 512, 2048], queueCounts: [Int] = [4, 16, 64],
                contenders: [Contender], epochs: Int, seed: UInt64 = 1, progress: (String) -> Void = { _ in }) throws {
        for tableSize in tableSizes {
            for queues in queueCounts {
                progress("solve time R=\(tableSize) Q=\(queues)")
                let trace = try TrafficTrace(scenario: "steady", seed: seed, queues: queues, tableSize: tableSize,
                                             epochs: epochs)
                for contender in contenders {
                    let times = contender.replay(trace).solveMicroseconds
                    cells.append(Cell(tableSize: tableSize, queues: queues, contender: contender,
                                      median: percentile(times, 0.5), p99: percentile(times, 0.99)))
                }
            }
        }
    }

    public func cell(_ contender: Contender, tableSize: Int, queues: Int) -> Cell? {
        cells.first { $0.contender == contender && $0.tableSize == tableSize && $0.queues == queues }
    }

    /// Geometric mean over the grid of `contender`'s median solve time over `baseline`'s.
    public func medianRatio(_ contender: Contender, to baseline: Contender) -> Double {
        let ratios = cells.filter { $0.contender == contender }.compactMap { ours in
            cell(baseline, tableSize: ours.tableSize, queues: ours.queues).map { ours.median / max($0.median, 1e-3) }
        }
        return geometricMean(ratios)
    }
}

func geometricMean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : exp(values.reduce(0) { $0 + log($1) } / Double(values.count))
}
