#if canImport(Glibc)
import Glibc
#endif
import Ethtool
import LoadSources
import RSSHash
import RSSRecords
import ToolSupport

/// What `xdp:IFACE` takes beyond the options every source shares.
public struct XDPOptions: Sendable {
    /// Where the hash comes from: the NIC through the rx-hash kfunc, software Toeplitz, or the
    /// kfunc when the driver reports its hash and software otherwise.
    public enum Hash: String, CaseIterable, Sendable { case auto, kfunc, soft }

    public var hash = Hash.auto
    /// CPU serving each rx queue, for devices whose queues have no interrupt of their own (veth).
    public var cpus: [Int]?
    /// Leave the counter attached at exit, pinned, for later runs to read.
    public var pin = false
    /// The RSS context whose table is balanced (0: the device's main one).
    public var context: UInt32 = 0
    /// Attach in generic (skb) mode instead of native.
    public var generic = false
    /// Whether the counter runs in libxdp's multi-program dispatcher, beside programs loaded
    /// with xdp-loader: `auto` when the interface runs that dispatcher already, `libxdp` always
    /// (starting one), `never` (a bpf_link of its own, on an interface without XDP).
    public enum Dispatcher: String, CaseIterable, Sendable { case auto, libxdp, never }
    public var dispatcher = Dispatcher.auto

    public init() {}
}

/// `xdp:IFACE`: packets and bytes per RSS bucket counted by an XDP program on a Linux interface,
/// with the table in force and the busy fraction of the CPU serving each queue. One record per
/// interval; `"device":"ethtool:IFACE"`, where `rss-apply` writes the table.
public final class XDPSource: LoadSource {
    public let interface: String
    private let device: EthtoolDevice
    private let driver: DriverInfo?
    private let ifindex: UInt32
    private let tableSize: Int
    /// No RSS table on the device (veth): records carry `bucket mod queues`.
    private let nominalTable: Bool
    private var key: [UInt8]
    private var hashFields: HashConfiguration
    private let hashChoice: XDPOptions.Hash
    private let context: UInt32
    private var program: CounterProgram
    private let attachment: any CounterAttachment
    /// Whether this run attached the counter; one an earlier run pinned is only read (and its
    /// software hash follows a key change), never detached nor replaced.
    private let attachedHere: Bool
    private let cpusGiven: [Int]?
    private let interval: Double
    private let epochs: Int?
    private let pacer: Pacer
    private var intervalsWaited = 0
    private var emitted = 0
    private var previous: CounterReading
    private var warned: Set<String> = []
    /// Where this run pins its counter (`--pin`).
    private let pins: PinDirectory?
    /// Packets per rx queue during the last interval, as the program saw them (`ctx->rx_queue_index`).
    public private(set) var lastQueuePackets: [Int] = []

    /// The program counting now: `.rxHash` or `.softHash`.
    public var hashPath: CounterKind { program.kind }

    public init(interface: String, options: CounterOptions, xdp: XDPOptions,
                stopSignals: StopSignals? = nil) throws(SourceError) {
        self.interface = interface
        try requireXDPPrivileges(interface)
        ifindex = if_nametoindex(interface)
        guard ifindex != 0 else { throw SourceError(.unavailable, "xdp:\(interface): no such network interface") }
        device = try Self.ethtool { () throws(EthtoolError) in try EthtoolDevice(interface: interface) }
        driver = try? device.driverInfo()
        interval = options.interval
        epochs = options.epochs
        hashChoice = xdp.hash
        cpusGiven = xdp.cpus
        context = xdp.context

        let setup = try Self.deviceRSS(device, context: context, interface: interface)
        if let setup {
            if let size = options.tableSize, size != setup.indirection.count {
                throw SourceError(.usage, "xdp:\(interface): --reta-size \(size), but the device's table has "
                                  + "\(setup.indirection.count) entries (--reta-size is for devices without a table)")
            }
            if let given = options.key, given != setup.key {
                throw SourceError(.usage, "xdp:\(interface): --key differs from the device's own key "
                                  + "(--key is for devices without one)")
            }
            tableSize = setup.indirection.count
            key = setup.key
            nominalTable = false
        } else {
            tableSize = options.tableSize ?? 128
            key = options.key ?? Toeplitz.microsoftKey
            nominalTable = true
        }
        hashFields = (try? device.hashConfiguration()) ?? .standard

        let pinned = PinDirectory(interface: interface)
        if let counter = try pinned.pinnedCounter(ifindex: ifindex, buckets: tableSize) {
            program = counter.program
            attachment = counter.link
            attachedHere = false
            pins = nil
            pacer = Pacer(realTime: true, stopSignals: stopSignals)
            previous = CounterReading.none
            previous = try read()
            diagnose("xdp:\(interface): reading the counter pinned in \(pinned.path) (\(program.kind.rawValue)); it stays "
                     + "attached when this run ends (rss-count xdp:\(interface) --unpin removes it)")
            return
        }
        let present = try ProgramsPresent.on(interface: interface, ifindex: ifindex)
        if let beside = try Self.programsToJoin(present, xdp, interface) {
            var slot: DispatcherSlot?
            program = try Self.softProgram(tableSize, key, hashFields, setup, interface) { [ifindex] object, selected in
                slot = try DispatcherSlot(loading: selected, of: object, interface: interface, ifindex: ifindex,
                                          generic: xdp.generic)
            }
            attachment = slot!
            attachedHere = true
            pins = nil
            diagnose("xdp:\(interface): counting in libxdp's dispatcher, first (run priority \(DispatcherSlot.runPriority))"
                     + (beside.isEmpty ? "" : ", beside \(beside.joined(separator: ", "))")
                     + (xdp.hash == .auto ? "; hashing in software, as the rx-hash kfunc needs a program bound to "
                        + "the device and the dispatcher's are not" : ""))
        } else {
            var chosen: CounterProgram
            // Drivers with a switchable rx-hashing answer the kfunc with ENODATA for every packet while
            // it is off (virtio_net's default), which would count them all in bucket 0. veth's is
            // fixed off and its kfunc answers anyway.
            let hashing = try? device.feature("rx-hashing")
            let hashingOff = hashing.map { $0.changeable && !$0.active } ?? false
            let hashingOffMessage = "receive hashing is off (ethtool -K \(interface) rxhash on)"
            switch (xdp.hash, xdp.generic) {
            case (.kfunc, true):
                throw SourceError(.usage, "xdp:\(interface): --hash kfunc needs native XDP: programs bound to a "
                                  + "device cannot attach in generic mode")
            case (.kfunc, false) where hashingOff:
                throw SourceError(.unavailable, "xdp:\(interface): --hash kfunc: \(hashingOffMessage), so the driver "
                                  + "has no hash to give XDP")
            case (.kfunc, false):
                chosen = try Self.rxHashProgram(tableSize, ifindex, interface)
            case (.auto, false) where hashingOff:
                diagnose("xdp:\(interface): \(hashingOffMessage); hashing in software")
                chosen = try Self.softProgram(tableSize, key, hashFields, setup, interface)
            case (.soft, _), (.auto, true):
                chosen = try Self.softProgram(tableSize, key, hashFields, setup, interface)
            case (.auto, false):
                do {
                    chosen = try Self.rxHashProgram(tableSize, ifindex, interface, probing: true)
                } catch {
                    diagnose("xdp:\(interface): no rx-hash kfunc (\(error.description)); hashing in software")
                    chosen = try Self.softProgram(tableSize, key, hashFields, setup, interface)
                }
            }
            program = chosen
            let link = try XDPLink(programFD: chosen.programFD, interface: interface, ifindex: ifindex, generic: xdp.generic)
            attachment = link
            attachedHere = true
            pins = xdp.pin ? pinned : nil
            try pins?.pin(chosen, link: link)
        }
        if nominalTable {
            diagnose("xdp:\(interface): \(Self.described(driver)) has no RSS table of its own; records carry the "
                     + "nominal table bucket mod queues over \(tableSize) buckets"
                     + (program.kind == .softHash ? ", hashed with key \(hexString(key))" : ""))
        }
        pacer = Pacer(realTime: true, stopSignals: stopSignals)
        previous = CounterReading.none
        previous = try read()
    }

    /// Detaches the counter this run attached, unless it pinned it; a pinned counter stays.
    /// The source yields no more records.
    public func stop() throws(SourceError) {
        guard attachedHere, pins == nil else { return }
        try attachment.detach()
    }

    public func next() throws -> LoadRecord? {
        while true {
            if let epochs, emitted >= epochs { try stop(); return nil }
            intervalsWaited += 1
            guard pacer.wait(untilElapsed: Double(intervalsWaited) * interval) else { try stop(); return nil }
            let reading = try read()
            if try switchedToSoftHash() { continue }
            let record = try record(since: previous, to: reading)
            previous = reading
            emitted += 1
            return record
        }
    }

    // MARK: one interval

    private func read() throws(SourceError) -> CounterReading {
        guard try attachment.isAttached(to: ifindex) else {
            throw SourceError(.unavailable, "xdp:\(interface): the counter was detached (--unpin, xdp-loader unload, "
                              + "or the interface went away)")
        }
        do { return try CounterReading(program) } catch { throw SourceError(.unavailable, "xdp:\(interface): \(error)") }
    }

    private func record(since earlier: CounterReading, to now: CounterReading) throws(SourceError) -> LoadRecord {
        let queues = receiveQueueCount()
        let table = try tableInForce(queues: queues)
        let record = now.record(since: earlier, interface: interface, reta: table, queues: queues,
                                cpus: queueCPUs(queues: queues))
        lastQueuePackets = Array(now.queues.since(earlier.queues).packets.prefix(queues))
        if !nominalTable { checkTableIsFollowed(table: table, packets: record.packets) }
        return record
    }

    /// The device's table now, or the nominal one; the soft hash follows a key change.
    private func tableInForce(queues: Int) throws(SourceError) -> [Int] {
        if nominalTable { return (0..<tableSize).map { $0 % queues } }
        guard let setup = try Self.deviceRSS(device, context: context, interface: interface) else {
            throw SourceError(.unavailable, "xdp:\(interface): the device no longer reports an RSS table")
        }
        guard setup.indirection.count == tableSize else {
            throw SourceError(.unavailable, "xdp:\(interface): the RSS table changed from \(tableSize) to "
                              + "\(setup.indirection.count) entries; start rss-count again")
        }
        if program.kind == .softHash && setup.key != key {
            key = setup.key
            do {
                try program.update(softHash: try SoftHashState(key: key, configuration: hashFields))
            } catch {
                throw SourceError(.unavailable, "xdp:\(interface): following the new RSS key: \(error)")
            }
            warnOnce("key", "the RSS key changed; the software hash follows it from now on")
        }
        return setup.indirection.map(Int.init)
    }

    /// Receive queues: combined plus receive-only channels, or the rx queues sysfs lists.
    private func receiveQueueCount() -> Int {
        if let channels = try? device.channels(), channels.receiveQueues > 0 { return channels.receiveQueues }
        guard let directory = opendir("/sys/class/net/\(interface)/queues") else { return 1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("rx-") { count += 1 }
        }
        return max(count, 1)
    }

    private func queueCPUs(queues: Int) -> [Int]? {
        if let cpusGiven {
            guard cpusGiven.count == queues else {
                warnOnce("cpus", "--cpus names \(cpusGiven.count) CPUs for \(queues) queues; records carry no load")
                return nil
            }
            return cpusGiven
        }
        let found = QueueInterrupts.cpus(interface: interface, busInfo: driver?.busInfo, queues: queues)
        guard found.allSatisfy({ $0 != nil }) else {
            warnOnce("irq", "no interrupt found for some rx queues (a virtual device?); records carry no load "
                     + "(--cpus LIST names the CPU of each queue)")
            return nil
        }
        return found.map { $0! }
    }

    /// Per-queue counts the table predicts against those the program saw on each rx queue: a
    /// device that does not apply the table it reports (virtio-net after XDP attach until the
    /// table is written again) shows here.
    private func checkTableIsFollowed(table: [Int], packets: [Int]) {
        var predicted = [Int](repeating: 0, count: lastQueuePackets.count)
        for (bucket, count) in packets.enumerated() where table[bucket] < predicted.count {
            predicted[table[bucket]] += count
        }
        let total = packets.reduce(0, +)
        let misplaced = zip(predicted, lastQueuePackets).map { abs($0 - $1) }.reduce(0, +) / 2
        if total >= 1000 && misplaced * 20 > total {
            warnOnce("table", "\(misplaced) of \(total) packets arrived on another queue than the table says: "
                     + "the device may not apply its table, or hashes other fields than it reports")
        }
    }

    /// In `auto`, a driver without the rx-hash kfunc answers EOPNOTSUPP for every packet: swap in
    /// the software hash (atomically) and start the interval again.
    private func switchedToSoftHash() throws(SourceError) -> Bool {
        // A counter this run attached with --hash kfunc stays on the kfunc: no need to ask. The
        // rx-hash counter always has a link of its own (never the dispatcher).
        guard program.kind == .rxHash, let link = attachment as? XDPLink, !attachedHere || hashChoice == .auto,
              (try? program.rxHashUnsupported()) == true else { return false }
        guard attachedHere else {
            throw SourceError(.unavailable, "xdp:\(interface): the pinned counter hashes with the rx-hash kfunc, which "
                              + "\(Self.described(driver)) does not implement; remove it (rss-count "
                              + "xdp:\(interface) --unpin) and pin one with --hash soft")
        }
        let soft = try Self.softProgram(tableSize, key, hashFields,
                                        try Self.deviceRSS(device, context: context, interface: interface), interface)
        try link.replace(program.programFD, with: soft.programFD)
        program = soft
        try pins?.repin(soft)
        diagnose("xdp:\(interface): \(Self.described(driver)) does not report its RSS hash to XDP; "
                 + "hashing in software from now on")
        previous = try read()
        return true
    }

    /// The driver as messages name it.
    private static func described(_ driver: DriverInfo?) -> String {
        driver.map { "driver \($0.driver)" } ?? "the device (no driver information)"
    }

    private func warnOnce(_ topic: String, _ message: String) {
        guard warned.insert(topic).inserted else { return }
        diagnose("xdp:\(interface): \(message)")
    }

    // MARK: setting up

    private static func ethtool<T>(_ body: () throws(EthtoolError) -> T) throws(SourceError) -> T {
        do { return try body() } catch { throw SourceError(.unavailable, "xdp:\(error.description)") }
    }

    /// The table and key of RSS context `context`; nil when the device has no table
    /// (EOPNOTSUPP: veth, most virtual devices), which only context 0 may lack.
    private static func deviceRSS(_ device: EthtoolDevice, context: UInt32,
                                  interface: String) throws(SourceError) -> RSSSetup? {
        let setup: RSSSetup
        do {
            setup = try device.rssSetup(context: context)
        } catch where error.errno == EOPNOTSUPP && context == 0 {
            return nil
        } catch where context != 0 {
            throw SourceError(.unavailable, "xdp:\(interface): reading RSS context \(context): "
                              + "\(String(cString: strerror(error.errno))) (the device has no such context, "
                              + "or no RSS contexts at all)")
        } catch {
            throw SourceError(.unavailable, "xdp:\(error.description)")
        }
        if setup.indirection.isEmpty && context != 0 {
            throw SourceError(.unavailable, "xdp:\(interface): RSS context \(context) has no table")
        }
        return setup.indirection.isEmpty ? nil : setup
    }

    /// The programs of libxdp's dispatcher the counter is to run beside (none when it starts the
    /// dispatcher), or nil when it attaches on a link of its own. Refuses, saying what to do,
    /// where either way would replace a program or cannot work.
    private static func programsToJoin(_ present: ProgramsPresent, _ xdp: XDPOptions,
                                       _ interface: String) throws(SourceError) -> [String]? {
        let beside: [String]
        switch (present, xdp.dispatcher) {
        case (.none, .libxdp): beside = []
        case (.none, _): return nil
        case (.foreign(let program), .never):
            throw SourceError(.unavailable, "xdp:\(interface) already has an XDP program attached (\(program)); rss-count "
                              + "never replaces another program: detach it (ip link set dev \(interface) xdp off), or "
                              + "load it with xdp-loader and run rss-count beside it in libxdp's dispatcher")
        case (.foreign(let program), _):
            throw SourceError(.unavailable, "xdp:\(interface) already has an XDP program attached (\(program)) that "
                              + "libxdp does not manage, so rss-count cannot run beside it: detach it (ip link set "
                              + "dev \(interface) xdp off), load it again through libxdp's dispatcher (xdp-loader "
                              + "load \(interface) ITS_OBJECT.o) and start rss-count again")
        case (.dispatcher(let found), .never):
            throw SourceError(.unavailable, "xdp:\(interface) runs libxdp's dispatcher "
                              + "(\(found.described.joined(separator: ", "))) and --dispatcher never would replace "
                              + "it: run beside them with --dispatcher auto")
        case (.dispatcher(let found), _):
            // libxdp pins the counter's link, so a SIGKILLed run leaves its counter in the
            // dispatcher; a second one would count every frame again, and each restart would add
            // one more until libxdp's limit of programs.
            if let counter = found.counter {
                throw SourceError(.unavailable, "xdp:\(interface): libxdp's dispatcher already runs an rss-count "
                                  + "counter, \(DispatcherPrograms.described(counter)), and rss-count adds no second "
                                  + "one: if no rss-count still counts on \(interface) (a run killed with SIGKILL "
                                  + "leaves its counter behind), remove it (xdp-loader unload \(interface) --id "
                                  + "\(counter.id)) and start rss-count again")
            }
            guard found.generic == xdp.generic else {
                throw SourceError(.usage, "xdp:\(interface): libxdp's dispatcher there runs in "
                                  + (xdp.generic ? "native mode: drop --generic" : "generic mode: add --generic"))
            }
            beside = found.described
        }
        if xdp.hash == .kfunc {
            throw SourceError(.usage, "xdp:\(interface): --hash kfunc cannot count in libxdp's dispatcher: the rx-hash "
                              + "kfunc needs a program bound to the device, and the dispatcher's are not "
                              + "(--hash soft or auto hash in software)")
        }
        if xdp.pin {
            throw SourceError(.usage, "xdp:\(interface): --pin cannot keep a counter in libxdp's dispatcher (only one on "
                              + "a link of its own, on an interface without other XDP programs)")
        }
        return beside
    }

    /// When `probing`, a driver without the kfunc is an expected answer, so libbpf's verifier
    /// dump stays off stderr; the caller says what happened in one line.
    private static func rxHashProgram(_ buckets: Int, _ ifindex: UInt32, _ interface: String,
                                      probing: Bool = false) throws(SourceError) -> CounterProgram {
        do {
            return try CounterProgram(kind: .rxHash, buckets: buckets, device: ifindex, quiet: probing)
        } catch {
            throw SourceError(.unavailable, "xdp:\(interface): loading the rx-hash counter: \(error)")
        }
    }

    /// `load` as CounterProgram takes it; by default the object is loaded as it is.
    private static func softProgram(_ buckets: Int, _ key: [UInt8], _ fields: HashConfiguration, _ setup: RSSSetup?,
                                     _ interface: String,
                                     load: ((OpaquePointer, OpaquePointer) throws -> Void)? = nil) throws(SourceError)
        -> CounterProgram {
        let toeplitzBit: UInt8 = 1 // ETH_RSS_HASH_TOP, a function-like macro Swift cannot import
        if let setup, setup.hashFunction != 0 && setup.hashFunction != toeplitzBit {
            throw SourceError(.unavailable, "xdp:\(interface): the device hashes with function bit "
                              + "\(setup.hashFunction), not Toeplitz; the software hash cannot follow it")
        }
        if let setup, setup.inputTransform != 0 {
            throw SourceError(.unavailable, "xdp:\(interface): the device transforms the hash input "
                              + "(symmetric-xor); the software hash cannot follow it")
        }
        do {
            let state = try SoftHashState(key: key, configuration: fields)
            guard let load else { return try CounterProgram(kind: .softHash, buckets: buckets, softHash: state) }
            return try CounterProgram(kind: .softHash, buckets: buckets, softHash: state, load: load)
        } catch let error as SourceError {
            throw error
        } catch {
            throw SourceError(.unavailable, "xdp:\(interface): loading the software-hash counter: \(error)")
        }
    }
}
