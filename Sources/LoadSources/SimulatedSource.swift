import NICSim
import RSSHash
import RSSRecords

/// `sim[:SCENARIO]`: a traffic scenario pushed through the simulated NIC one epoch at a time.
/// The state file is read again every epoch, so a table `rss-apply` wrote is in force from the
/// next epoch on.
public struct SimulatedSource: LoadSource {
    private let nic: NICStateFile
    private var scenario: any TrafficScenario
    private let name: String
    private let interval: Double
    private let epochs: Int?
    private let pacer: Pacer
    /// Unix time the run's clock starts from; epoch k ends at `start + k * interval`.
    private let start: Double
    private var emitted = 0

    public init(nic: NICStateFile, scenario: any TrafficScenario, name: String, options: CounterOptions,
                pacer: Pacer, start: Double = unixTime()) {
        self.nic = nic
        self.scenario = scenario
        self.name = name
        interval = options.interval
        epochs = options.epochs
        self.pacer = pacer
        self.start = start
    }

    /// The named scenario (`Scenarios.all`) on the NIC of `options`, created in the shape the
    /// scenario suggests unless the options say otherwise.
    public init(scenario name: String, options: CounterOptions, pacer: Pacer) throws(SourceError) {
        let info: ScenarioInfo
        do { info = try Scenarios.info(name) } catch { throw SourceError(.usage, error.description) }
        let (nic, state) = try options.openNIC(suggested: (info.queues, info.tableSize))
        let settings = ScenarioSettings(seed: options.seed, costNanoseconds: options.costNanoseconds,
                                        hasher: RSSHasher(key: state.key), queues: state.queues)
        let scenario: any TrafficScenario
        do { scenario = try Scenarios.make(name, settings: settings) } catch { throw SourceError(.usage, error.description) }
        // A --fast clock runs ahead of real time, and the NIC keeps the time of the last plan
        // written to it: a later run (a restarted pipeline) counts on from there, or every plan
        // it makes would be older than the one applied last, and refused.
        self.init(nic: nic, scenario: scenario, name: name, options: options, pacer: pacer,
                  start: max(unixTime(), state.planTime ?? 0))
    }

    public mutating func next() throws -> LoadRecord? {
        if let epochs, emitted >= epochs { return nil }
        let elapsed = Double(emitted + 1) * interval
        guard pacer.wait(untilElapsed: elapsed) else { return nil }
        let simulated = try nic.simulatedNIC()
        let counts = simulated.count(scenario.nextEpoch(interval: interval), interval: interval)
        emitted += 1
        return simulated.record(counts, interval: interval, time: start + elapsed, device: nic.device,
                                source: "sim:\(name)")
    }
}
