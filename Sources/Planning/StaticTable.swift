/// The table as the driver set it, never changed: the baseline every balancer is measured
/// against.
public struct StaticTable: Balancer {
    public init(options: PlannerOptions) {}

    public func balance(_ observation: Observation) -> Assignment {
        Assignment(reta: observation.record.reta, active: Array(0..<observation.queues),
                   predictedLoad: observation.queueLoad)
    }
}
