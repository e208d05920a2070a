@testable import Planning
import Foundation
import RSSRecords
import Testing

/// Packets per bucket per record, 60 records of 32 buckets: each bucket has a level of its own
/// (`scale` × 20 to `scale` × (19 + `spread`)) and rides a slow wave of amplitude `swing`
/// around it, a phase of its own, so that the queues' loads drift apart and back.
private func drifting(scale: Double, swing: Double, period: Double, spread: Int) -> [[Int]] {
    (0..<60).map { step in
        (0..<32).map { bucket in
            let level = scale * (20 + Double(bucket * 37 % spread))
            let wave = sin(2 * Double.pi * (Double(step) / period + Double(bucket * 7 % 32) / 32))
            return Int(level * (1 + swing * wave))
        }
    }
}

/// Traces of about 0.6 to 0.8 cores a queue on average on 4 queues.
private let traces = [
    drifting(scale: 2, swing: 0.6, period: 40, spread: 60), drifting(scale: 2, swing: 0.4, period: 30, spread: 60),
    drifting(scale: 1.8, swing: 0.6, period: 50, spread: 50), drifting(scale: 2.2, swing: 0.5, period: 35, spread: 40),
    drifting(scale: 2, swing: 0.6, period: 25, spread: 60), drifting(scale: 1.6, swing: 0.7, period: 45, spread: 70),
]
private let queues = 4
private func startingTable(_ trace: [[Int]]) -> [Int] { trace[0].indices.map { $0 % queues } }

private func queueLoads(_ table: [Int], _ packets: [Int]) -> [Int] {
    var load = [Int](repeating: 0, count: queues)
    for (bucket, queue) in table.enumerated() { load[queue] += packets[bucket] }
    return load
}

/// `trace` through the adaptive planner with each plan's table in force for the next record:
/// the packets of the buckets it moved, and the sum over records of the most loaded queue's
/// packets above the mean, under the table the traffic met.
private func replay(_ trace: [[Int]], moveCost: Double) -> (moved: Int, imbalance: Int) {
    var table = startingTable(trace)
    var session = PlanningSession<AdaptiveBalancer>(options: PlannerOptions(moveCost: moveCost))
    var moved = 0, excess = 0
    for packets in trace {
        let load = queueLoads(table, packets)
        excess += load.max()! * queues - load.reduce(0, +)
        let plan = session.plan(exact(table, packets, queues: queues))
        moved += plan.moves.reduce(0) { $0 + packets[$1.bucket] }
        table = plan.reta
    }
    return (moved, excess / queues)
}

@Test func adaptiveMoveCostTradesBalanceForTrafficMoved() {
    // Summed over the traces, over the move costs the frontier in BENCHMARKS.md sweeps and 0: a
    // dearer move moves less traffic and leaves more imbalance.
    let costs = [0, 0.25, 0.5, 1, 2, 4, 8]
    let points = costs.map { cost in
        traces.map { replay($0, moveCost: cost) }.reduce((moved: 0, imbalance: 0)) {
            (moved: $0.moved + $1.moved, imbalance: $0.imbalance + $1.imbalance)
        }
    }
    for (cheaper, dearer) in zip(points, points.dropFirst()) {
        #expect(dearer.moved < cheaper.moved, "\(points)")
        #expect(dearer.imbalance >= cheaper.imbalance, "\(points)")
    }
}
