import RSSRecords

/// What went wrong in the stream, as the `kind` label of `rsspp_errors_total`.
public enum StreamErrorKind: String, CaseIterable, Sendable {
    /// A line that broke the record contract, skipped under `--skip-invalid`.
    case invalidRecord = "invalid_record"
    /// A plan with moves passed on without `applied` by an `rss-apply` that writes plans: refused
    /// as stale, or left unwritten.
    case planNotApplied = "plan_not_applied"
    /// An owner of flow state that did not acknowledge a plan's moves.
    case migrateNotAcked = "migrate_not_acked"
}

/// The live record stream (load, plan and migrated records) as Prometheus metrics, in the text
/// format node_exporter's textfile collector reads. Every sample has a `device` label: the
/// record's `device`, or for a migrated record or a bad line, that of the load or plan before it.
public struct PrometheusExporter {
    private var devices: [String: DeviceMetrics] = [:]
    /// The device of the last load or plan record ("" when records name none).
    private var currentDevice = ""
    /// Set by the first plan with `applied`: an `rss-apply` that writes is upstream, so a plan
    /// with moves but no `applied` was not written. Without it every plan lacks `applied`.
    private var plansGetApplied = false

    public init() {}

    /// Reads one record line; records of other types pass by.
    public mutating func add(_ line: some Collection<UInt8>, number: Int) throws(RecordError) {
        switch try RecordHeader.type(of: line, lineNumber: number) {
        case "load": add(try LoadRecord(jsonLine: line, lineNumber: number))
        case "plan": add(try PlanRecord(jsonLine: line, lineNumber: number))
        case "migrated": add(try MigratedRecord(jsonLine: line, lineNumber: number))
        case nil: throw RecordError(line: number, field: "type", "is missing")
        default: break
        }
    }

    public mutating func add(_ record: LoadRecord) {
        currentDevice = record.device ?? ""
        devices[currentDevice, default: DeviceMetrics()].add(record)
    }

    public mutating func add(_ plan: PlanRecord) {
        currentDevice = plan.device ?? ""
        if plan.applied != nil { plansGetApplied = true }
        devices[currentDevice, default: DeviceMetrics()].add(plan, expectingApplied: plansGetApplied)
    }

    public mutating func add(_ record: MigratedRecord) {
        devices[currentDevice, default: DeviceMetrics()].add(record)
    }

    /// The device of the last load or plan record and what the stream said about it: what the
    /// live view shows.
    var current: (device: String, metrics: DeviceMetrics)? {
        devices[currentDevice].map { (currentDevice, $0) }
    }

    /// Counts an error the records themselves do not show, such as a line skipped as invalid.
    public mutating func count(_ kind: StreamErrorKind) {
        devices[currentDevice, default: DeviceMetrics()].errors[kind, default: 0] += 1
    }

    /// The metrics file: a HELP and a TYPE line per metric, even before it has samples, then its
    /// samples by device, queue and owner.
    public var text: String {
        let names = devices.keys.sorted()
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for name in names {
                for sample in family.samples(devices[name]!) {
                    let labels = ([("device", name)] + sample.labels).map { "\($0)=\"\(labelValue($1))\"" }
                    text += "\(family.name){\(labels.joined(separator: ","))} \(sample.value)\n"
                }
            }
        }
        return text
    }
}

/// What the stream said about one device so far.
struct DeviceMetrics {
    /// How many of the latest moves `recentMoves` keeps.
    static let recentMoveLimit = 5

    var queueLoad: [Double] = []
    var queuePackets: [Int] = []
    /// The device's queues in the last load or plan record.
    var queues = 0
    /// The queues the table in force uses.
    var activeQueues: [Int]?
    /// End of the interval the last plan was made from.
    var time: Double?
    /// The last moves applied plans made, oldest first, each with the `time` of its plan.
    var recentMoves: [(move: Move, time: Double?)] = []
    /// Packets per bucket in the last load record: what a plan made from it moves.
    var bucketPackets: [Int] = []
    var imbalanceBefore, imbalanceAfter, solveSeconds, applyLatency: Double?
    var plans = 0, plansApplied = 0, moves = 0, movedPackets = 0
    var owners: [String: OwnerMetrics] = [:]
    var errors: [StreamErrorKind: Int] = [:]

    mutating func add(_ record: LoadRecord) {
        queueLoad = record.queueLoad
        queues = record.queues
        if queuePackets.count < record.queues { queuePackets += repeatElement(0, count: record.queues - queuePackets.count) }
        for (bucket, queue) in record.reta.enumerated() { queuePackets[queue] += record.packets[bucket] }
        activeQueues = record.queuesInUse
        bucketPackets = record.packets
    }

    mutating func add(_ plan: PlanRecord, expectingApplied: Bool) {
        plans += 1
        time = plan.time
        queues = plan.queues
        // rss-plan does not pass load records on: after it, the plans' own are all there is.
        if plan.loadBefore.count == plan.queues { queueLoad = plan.loadBefore }
        imbalanceBefore = plan.imbalanceBefore
        imbalanceAfter = plan.imbalanceAfter
        solveSeconds = plan.solveMicroseconds / 1e6
        guard let applied = plan.applied else {
            if expectingApplied && !plan.moves.isEmpty { errors[.planNotApplied, default: 0] += 1 }
            return
        }
        plansApplied += 1
        moves += plan.moves.count
        recentMoves = Array((recentMoves + plan.moves.map { ($0, plan.time) }).suffix(Self.recentMoveLimit))
        // Only a load record of the plan's table size can have been the one the plan was made from.
        if bucketPackets.count == plan.reta.count { movedPackets += plan.moves.reduce(0) { $0 + bucketPackets[$1.bucket] } }
        activeQueues = plan.active
        if let time = plan.time { applyLatency = applied - time }
    }

    mutating func add(_ record: MigratedRecord) {
        for outcome in record.owners {
            owners[outcome.socket, default: OwnerMetrics()].add(outcome)
            if !outcome.acked { errors[.migrateNotAcked, default: 0] += 1 }
        }
    }
}

struct OwnerMetrics {
    var latencySeconds = 0.0
    var acks = 0, failures = 0

    mutating func add(_ outcome: OwnerOutcome) {
        latencySeconds = Double(outcome.latencyMicroseconds) / 1e6
        if outcome.acked { acks += 1 } else { failures += 1 }
    }
}

private struct Sample {
    var labels: [(String, String)] = []
    var value: String
}

private struct Family: Sendable {
    var name, type, help: String
    var samples: @Sendable (DeviceMetrics) -> [Sample]
}

private func gauge(_ name: String, _ help: String, _ value: @escaping @Sendable (DeviceMetrics) -> Double?) -> Family {
    Family(name: name, type: "gauge", help: help) { metrics in value(metrics).map { [Sample(value: recordNumber($0))] } ?? [] }
}

private func counter(_ name: String, _ help: String, _ value: @escaping @Sendable (DeviceMetrics) -> Int) -> Family {
    Family(name: name, type: "counter", help: help) { [Sample(value: String(value($0)))] }
}

private func perOwner(_ name: String, _ type: String, _ help: String, _ value: @escaping @Sendable (OwnerMetrics) -> String) -> Family {
    Family(name: name, type: type, help: help) { metrics in
        metrics.owners.keys.sorted().map { Sample(labels: [("owner", $0)], value: value(metrics.owners[$0]!)) }
    }
}

private let families: [Family] = [
    Family(name: "rsspp_queue_load", type: "gauge",
           help: "Busy fraction of the core serving each queue in the last load record or plan (without one, the queue's share of packets, the mean queue at 0.5).") { metrics in
        metrics.queueLoad.enumerated().map { Sample(labels: [("queue", String($0))], value: recordNumber($1)) }
    },
    Family(name: "rsspp_queue_packets_total", type: "counter", help: "Packets received per queue, summed over the load records in the stream.") { metrics in
        metrics.queuePackets.enumerated().map { Sample(labels: [("queue", String($0))], value: String($1)) }
    },
    gauge("rsspp_active_queues", "Queues the table in force uses (the last load record's, or the last applied plan's active queues).") {
        $0.activeQueues.map { Double($0.count) }
    },
    gauge("rsspp_imbalance_before", "Imbalance (max / mean - 1 of per-queue load) the last plan was made from.") { $0.imbalanceBefore },
    gauge("rsspp_imbalance_after", "Imbalance the last plan predicts under its table.") { $0.imbalanceAfter },
    counter("rsspp_plans_total", "Plan records read.") { $0.plans },
    counter("rsspp_plans_applied_total", "Plans written to the device (carrying applied).") { $0.plansApplied },
    counter("rsspp_moves_total", "Table entries moved by applied plans.") { $0.moves },
    counter("rsspp_moved_packets_total",
            "Packets of the buckets each applied plan moved, in the load record before the plan: the traffic moved, approximately.") {
        $0.movedPackets
    },
    gauge("rsspp_solve_seconds", "Time the planner took to make the last plan.") { $0.solveSeconds },
    gauge("rsspp_apply_latency_seconds", "From the end of the interval the last applied plan was made from to its write to the device.") {
        $0.applyLatency
    },
    perOwner("rsspp_migration_latency_seconds", "gauge", "From sending the last migrate message to the owner's answer or failure.") {
        recordNumber($0.latencySeconds)
    },
    perOwner("rsspp_migration_acks_total", "counter", "Plans whose moves the owner acknowledged.") { String($0.acks) },
    perOwner("rsspp_migration_failures_total", "counter", "Plans whose moves the owner did not acknowledge.") { String($0.failures) },
    Family(name: "rsspp_errors_total", type: "counter", help: "Errors by kind: invalid_record, plan_not_applied, migrate_not_acked.") { metrics in
        StreamErrorKind.allCases.map { Sample(labels: [("kind", $0.rawValue)], value: String(metrics.errors[$0] ?? 0)) }
    },
]

/// A label value in the text format: backslash, double quote and newline escaped.
private func labelValue(_ value: String) -> String {
    var escaped = String.UnicodeScalarView()
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": escaped += "\\\\".unicodeScalars
        case "\"": escaped += "\\\"".unicodeScalars
        case "\n": escaped += "\\n".unicodeScalars
        default: escaped.append(scalar)
        }
    }
    return String(escaped)
}
