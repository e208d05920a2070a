@testable import Planning
import RSSRecords

func record(reta: [Int], packets: [Int], load: [Double]?, queues: Int? = nil) -> LoadRecord {
    LoadRecord(queues: queues ?? (reta.max() ?? 0) + 1, reta: reta, packets: packets, load: load)
}

func options(autoscale: Bool = false, maxMoves: Int? = nil, threshold: Double? = nil,
             minQueues: Int = 1, maxQueues: Int? = nil) -> PlannerOptions {
    var options = PlannerOptions()
    options.autoscale = autoscale
    options.maxMoves = maxMoves
    options.threshold = threshold
    options.minQueues = minQueues
    options.maxQueues = maxQueues
    return options
}

/// The plan a fresh session of `Algorithm` makes for each record in turn.
func plans<Algorithm: Balancer>(_ algorithm: Algorithm.Type, _ records: [LoadRecord],
                                options: PlannerOptions = PlannerOptions()) -> [PlanRecord] {
    var session = PlanningSession<Algorithm>(options: options)
    return records.map { session.plan($0) }
}
