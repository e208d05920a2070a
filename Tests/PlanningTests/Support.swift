@testable import Planning
import RSSRecords

func record(reta: [Int], packets: [Int], load: [Double]?, queues: Int? = nil) -> LoadRecord {
    LoadRecord(queues: queues ?? (reta.max() ?? 0) + 1, reta: reta, packets: packets, load: load)
}

/// Per-packet cost 1/1024 everywhere, so that every load below is exact in binary.
func exact(_ reta: [Int], _ packets: [Int], queues: Int) -> LoadRecord {
    var load = [Double](repeating: 0, count: queues)
    for (bucket, queue) in reta.enumerated() { load[queue] += Double(packets[bucket]) / 1024 }
    return record(reta: reta, packets: packets, load: load, queues: queues)
}

/// The plan a fresh session of `Algorithm` makes for each record in turn.
func plans<Algorithm: Balancer>(_ algorithm: Algorithm.Type, _ records: [LoadRecord],
                                options: PlannerOptions = PlannerOptions()) -> [PlanRecord] {
    var session = PlanningSession<Algorithm>(options: options)
    return records.map { session.plan($0) }
}

/// The entries where `new` differs from `old`, in bucket order, worked out here rather than by
/// `Move.between`, the function under test.
func changedEntries(from old: [Int], to new: [Int]) -> [Move] {
    var moves: [Move] = []
    for bucket in old.indices where old[bucket] != new[bucket] {
        moves.append(Move(bucket: bucket, from: old[bucket], to: new[bucket]))
    }
    return moves
}
