#if canImport(Glibc)
import Glibc
#endif
import RSSHash

/// What a scenario's traffic looks like, in terms of the flows that make it up. Every named
/// scenario is one of these; `FlowPopulation` turns it into per-epoch flow activity.
struct TrafficProfile: Sendable {
    /// Mean demand per core (in cores) over the whole scenario, everything included.
    var utilisation: Double
    /// Day-like swing of the offered load: `utilisation` scaled by a cosine from `low` to
    /// `high` times itself (mean 1) over `period` seconds.
    var daily: (low: Double, high: Double, period: Double)?
    /// Background flows per queue at any time.
    var flowsPerQueue: Int
    /// Shape of the heavy-tailed flow rates (bounded Pareto), smaller is heavier.
    var paretoAlpha = 1.1
    /// The largest a background flow can be, in cores.
    var largestFlow = 0.3
    /// Mean flow lifetime in seconds (exponential); departures are replaced by arrivals.
    var lifetime: Double
    /// Flows alternate between sending (`on` seconds on average) and silence (`off`), sending
    /// faster while on so that their mean rate is kept.
    var onOff: (on: Double, off: Double)?
    /// Large flows that arrive and leave: concurrent count per queue on average, size in cores
    /// of their own, mean lifetime in seconds.
    var elephants: (perQueue: Double, size: ClosedRange<Double>, lifetime: Double)?
    /// One flow that never leaves, sized as a multiple of the mean per-core load.
    var hotFlow: Double?
    /// Per-packet cost classes: (share of flows, cost relative to the mean packet).
    var costClasses: [(share: Double, cost: Double)] = [(1, 1)]
    /// Rate fluctuation of each flow: log-normal with this deviation, correlated over
    /// `fluctuationTime` seconds, so that one epoch only partly predicts the next.
    var fluctuation = 0.35
    var fluctuationTime = 2.0

    /// The offered-load multiplier at scenario time `time` (mean 1 over a day).
    func dailyFactor(at time: Double) -> Double {
        guard let daily else { return 1 }
        let phase = (1 - cos(2 * Double.pi * time / daily.period)) / 2
        let swing = daily.low + (daily.high - daily.low) * phase
        return swing / ((daily.low + daily.high) / 2)
    }

    /// Largest over smallest background flow rate, such that the largest flow is `largestFlow`
    /// cores when the smallest and all others follow the law around the mean flow's share.
    func rateSpread(queues: Int) -> Double {
        let perFlow = backgroundCores(queues: queues) / Double(flowsPerQueue * queues)
        let wanted = largestFlow / max(perFlow, .leastNonzeroMagnitude)
        // ceiling / mean grows with the ceiling, so bisection finds the one that fits.
        var low = 1.0, high = 1e9
        for _ in 0..<100 {
            let middle = (low * high).squareRoot()
            if middle / boundedParetoMean(alpha: paretoAlpha, ceiling: middle) < wanted { low = middle } else { high = middle }
        }
        return max(low, 1.0001)
    }

    /// Cores of load left to the background flows once elephants and the hot flow have theirs.
    func backgroundCores(queues: Int) -> Double {
        let queues = Double(queues)
        return max(0, utilisation * queues - elephantCoresPerQueue * queues - (hotFlow ?? 0) * utilisation)
    }

    var elephantCoresPerQueue: Double {
        guard let elephants else { return 0 }
        return elephants.perQueue * (elephants.size.lowerBound + elephants.size.upperBound) / 2
    }
}

/// One flow of a population.
private struct Flow {
    enum Kind { case background, elephant, hot }
    var kind: Kind
    var hash: UInt32
    /// Mean packets per second (background flows: in units the population scales).
    var rate: Double
    var cost: Double
    var bytesPerPacket: Int
    var arrival: Double
    var departure: Double
    /// Log of the rate fluctuation (an AR(1) process).
    var wander: Double
    var sending: Bool
}

/// A population of flows following a `TrafficProfile`: real 5-tuples hashed with the NIC's
/// hash, heavy-tailed rates, arrivals and departures, Poisson packet counts around rates that
/// fluctuate from one epoch to the next.
struct FlowPopulation: TrafficScenario {
    private let profile: TrafficProfile
    private let settings: ScenarioSettings
    private var random: SeededGenerator
    private var flows: [Flow] = []
    private var clock = 0.0
    private let servers: [[UInt8]] = (0..<16).map { [192, 0, 2, UInt8(10 + $0)] }
    private let rateSpread: Double
    /// Per-packet cost averaged over packets (the harmonic mean over flows, since costlier flows
    /// send fewer packets for the same work), so that the mean packet costs `costNanoseconds`.
    private let packetMeanCost: Double

    init(profile: TrafficProfile, settings: ScenarioSettings) {
        self.profile = profile
        self.settings = settings
        random = SeededGenerator(seed: settings.seed)
        rateSpread = profile.rateSpread(queues: settings.queues)
        let shares = profile.costClasses.reduce(0) { $0 + $1.share }
        packetMeanCost = shares / profile.costClasses.reduce(0) { $0 + $1.share / $1.cost }
        for _ in 0..<backgroundTarget { flows.append(newBackgroundFlow(startingAt: 0, inProgress: true)) }
        if let elephants = profile.elephants {
            let count = random.poisson(mean: elephants.perQueue * Double(settings.queues))
            for _ in 0..<count { flows.append(newElephant(startingAt: 0, inProgress: true)) }
        }
        if profile.hotFlow != nil { flows.append(newHotFlow()) }
    }

    private var backgroundTarget: Int { profile.flowsPerQueue * settings.queues }

    /// Packets per second of one core's capacity at the mean packet cost.
    private var corePacketRate: Double { 1e9 / settings.costNanoseconds }

    mutating func nextEpoch(interval: Double) -> [FlowActivity] {
        let start = clock
        clock += interval
        flows.removeAll { $0.departure <= start }
        arrive(between: start, and: clock)
        // Background flows are scaled as a whole to the designed load, so that a few draws from
        // the heavy tail do not decide the offered load of a run.
        var backgroundWork = 0.0
        for flow in flows where flow.kind == .background {
            backgroundWork += flow.rate * flow.cost * (min(clock, flow.departure) - max(start, flow.arrival))
        }

        let daily = profile.dailyFactor(at: start + interval / 2)
        let backgroundCores = profile.backgroundCores(queues: settings.queues)
        let backgroundScale = backgroundCores * corePacketRate * interval / max(backgroundWork, .leastNonzeroMagnitude)
        let correlation = exp(-interval / profile.fluctuationTime)
        let innovation = profile.fluctuation * (1 - correlation * correlation).squareRoot()
        let bias = profile.fluctuation * profile.fluctuation / 2
        let onOff = profile.onOff
        // On/off flows send faster while on, so that their mean rate is kept.
        let burst = onOff.map { ($0.on + $0.off) / $0.on } ?? 1

        var activity: [FlowActivity] = []
        activity.reserveCapacity(flows.count)
        for index in flows.indices {
            var flow = flows[index]
            flow.wander = correlation * flow.wander + innovation * random.normal()
            if let onOff {
                let stayChance = exp(-interval / (flow.sending ? onOff.on : onOff.off))
                if !random.chance(stayChance) { flow.sending.toggle() }
            }
            flows[index] = flow
            guard flow.sending else { continue }
            let scale = flow.kind == .background ? backgroundScale : 1
            let present = min(clock, flow.departure) - max(start, flow.arrival)
            let mean = flow.rate * scale * daily * burst * exp(flow.wander - bias) * present
            let packets = random.poisson(mean: mean)
            guard packets > 0 else { continue }
            activity.append(FlowActivity(hash: flow.hash, packets: packets, bytes: packets * flow.bytesPerPacket,
                                         work: Double(packets) * flow.cost * settings.costNanoseconds))
        }
        return activity
    }

    /// Replaces departed background flows and lets new elephants in.
    private mutating func arrive(between start: Double, and end: Double) {
        let interval = end - start
        let arrivals = random.poisson(mean: Double(backgroundTarget) * interval / profile.lifetime)
        // Departures and arrivals balance on average; the pull back keeps the count from drifting.
        let present = flows.reduce(0) { $0 + ($1.kind == .background ? 1 : 0) }
        let deficit = Double(backgroundTarget - present) * min(1, interval / profile.lifetime)
        let count = max(0, arrivals + Int(deficit.rounded()))
        for _ in 0..<count {
            flows.append(newBackgroundFlow(startingAt: random.uniform(start...end), inProgress: false))
        }
        if let elephants = profile.elephants {
            let rate = elephants.perQueue * Double(settings.queues) / elephants.lifetime
            for _ in 0..<random.poisson(mean: rate * interval) {
                flows.append(newElephant(startingAt: random.uniform(start...end), inProgress: false))
            }
        }
    }

    private mutating func newBackgroundFlow(startingAt time: Double, inProgress: Bool) -> Flow {
        var cost = profile.costClasses[0].cost
        var pick = random.unit() * profile.costClasses.reduce(0) { $0 + $1.share }
        for costClass in profile.costClasses {
            pick -= costClass.share
            cost = costClass.cost
            if pick <= 0 { break }
        }
        cost /= packetMeanCost
        // Work is what is heavy-tailed; costlier packets mean fewer of them for the same work.
        let rate = random.boundedPareto(alpha: profile.paretoAlpha, ceiling: rateSpread) / cost
        return newFlow(kind: .background, rate: rate, cost: cost, startingAt: time,
                       lifetime: profile.lifetime, inProgress: inProgress)
    }

    private mutating func newElephant(startingAt time: Double, inProgress: Bool) -> Flow {
        guard let elephants = profile.elephants else { preconditionFailure("profile has no elephants") }
        let rate = random.uniform(elephants.size) * corePacketRate
        return newFlow(kind: .elephant, rate: rate, cost: 1, startingAt: time, lifetime: elephants.lifetime,
                       inProgress: inProgress)
    }

    private mutating func newHotFlow() -> Flow {
        let rate = (profile.hotFlow ?? 0) * profile.utilisation * corePacketRate
        return newFlow(kind: .hot, rate: rate, cost: 1, startingAt: 0, lifetime: .infinity, inProgress: true)
    }

    /// A flow with a fresh 5-tuple: a client of the 10/8 network talking to one of a few
    /// servers, mostly TCP over IPv4, some UDP and IPv6. `inProgress` flows existed before the
    /// scenario started, so their remaining lifetime is what is drawn (the same law, memoryless).
    private mutating func newFlow(kind: Flow.Kind, rate: Double, cost: Double, startingAt time: Double,
                                  lifetime: Double, inProgress: Bool) -> Flow {
        let server = servers[Int(random.next() % UInt64(servers.count))]
        let client: [UInt8] = [10, UInt8(truncatingIfNeeded: random.next()), UInt8(truncatingIfNeeded: random.next()),
                               UInt8(truncatingIfNeeded: random.next())]
        let clientPort = UInt16(32768 + random.next() % 28232)
        let draw = random.unit()
        let tuple: FlowTuple
        if draw < 0.8 {
            tuple = FlowTuple(type: .tcp4, source: client, destination: server, sourcePort: clientPort,
                              destinationPort: [443, 443, 80, 8080][Int(random.next() % 4)])
        } else if draw < 0.95 {
            tuple = FlowTuple(type: .udp4, source: client, destination: server, sourcePort: clientPort,
                              destinationPort: [53, 443, 4789][Int(random.next() % 3)])
        } else {
            tuple = FlowTuple(type: .tcp6, source: [0x20, 0x01, 0x0d, 0xb8] + (0..<12).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                              destination: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + server[3...],
                              sourcePort: clientPort, destinationPort: 443)
        }
        let bytesPerPacket = [64, 128, 576, 1500, 1500][Int(random.next() % 5)]
        let remaining = lifetime.isFinite ? random.exponential(mean: lifetime) : .infinity
        let sending = profile.onOff.map { random.chance($0.on / ($0.on + $0.off)) } ?? true
        return Flow(kind: kind, hash: settings.hasher.hash(tuple), rate: rate, cost: cost,
                    bytesPerPacket: bytesPerPacket, arrival: time, departure: (inProgress ? 0 : time) + remaining,
                    wander: profile.fluctuation * random.normal(), sending: sending)
    }
}
