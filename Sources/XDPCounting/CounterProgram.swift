#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBPF

/// A libbpf or kernel call that failed.
public struct BPFError: Error, CustomStringConvertible {
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        switch errno {
        case EPERM, EACCES: return "\(operation): \(reason) (loading BPF needs root, or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)"
        default: return "\(operation): \(reason)"
        }
    }
}

/// Which program of bpf/rss_count.bpf.c to load.
public enum CounterKind: String, CaseIterable, Sendable {
    /// Hash from the NIC through the rx-hash kfunc; loaded bound to one device.
    case rxHash = "rsspp_rxhash"
    /// Toeplitz hash computed in the program from the device's key and hash fields.
    case softHash = "rsspp_soft"
    /// Counts every frame in bucket 0: the cost of counting alone (a benchmark baseline).
    case plain = "rsspp_plain"
    /// Returns XDP_PASS and nothing else (a benchmark baseline).
    case bare = "rsspp_pass"
}

/// Packets and bytes per slot (bucket or rx queue), summed over CPUs. Counters only grow: an
/// interval's counts are the difference of two readings.
public struct CounterTotals: Equatable, Sendable {
    public var packets: [UInt64]
    public var bytes: [UInt64]

    public init(packets: [UInt64], bytes: [UInt64]) {
        self.packets = packets
        self.bytes = bytes
    }

    /// What was counted since `earlier`; wrapping, so a 64-bit counter that rolls over still
    /// gives the right difference.
    public func since(_ earlier: CounterTotals) -> (packets: [Int], bytes: [Int]) {
        (zip(packets, earlier.packets).map { Int(truncatingIfNeeded: $0 &- $1) },
         zip(bytes, earlier.bytes).map { Int(truncatingIfNeeded: $0 &- $1) })
    }
}

/// The counter program of bpf/rss_count.bpf.c, loaded into the kernel (attaching is
/// `XDPLink`'s job). Closing it unloads program and maps unless something still holds them
/// (an attached interface, a pin).
public final class CounterProgram {
    public let kind: CounterKind
    /// R: the number of buckets, hash mod R.
    public let bucketCount: Int
    public let programFD: Int32
    let bucketCounters: PerCPUCounters
    /// The CPUs the per-CPU counters have a copy for (the kernel's possible CPUs).
    package var cpuCount: Int { bucketCounters.cpus }
    let queueCounters: PerCPUCounters
    private let stateFD: Int32
    /// The libbpf object that loaded the program, or nil for one reopened from its pins.
    private let object: OpaquePointer?

    /// Loads `kind` with R = `buckets`. `device` (an ifindex) is required for `.rxHash`, whose
    /// kfunc only exists in programs bound to a device. `softHash` fills the Toeplitz tables;
    /// it can be changed later with `update(softHash:)`. `quiet` keeps libbpf's own messages
    /// (a verifier log on failure) off stderr.
    public convenience init(kind: CounterKind, buckets: Int, device: UInt32? = nil,
                            softHash: SoftHashState? = nil, quiet: Bool = false) throws {
        try self.init(kind: kind, buckets: buckets, device: device, softHash: softHash, quiet: quiet) { object, _ in
            try check("loading the XDP counter (bpf_object__load)", bpf_object__load(object))
        }
    }

    /// As above, with `load` loading the opened and configured object, given with the program
    /// selected in it: libxdp's dispatcher loads it its own way, as an extension of itself.
    init(kind: CounterKind, buckets: Int, device: UInt32? = nil, softHash: SoftHashState? = nil, quiet: Bool = false,
         load: (_ object: OpaquePointer, _ program: OpaquePointer) throws -> Void) throws {
        precondition(buckets >= 1 && buckets <= 1 << 20, "bucket count out of range")
        self.kind = kind
        bucketCount = buckets
        let object = try CounterProgram.open()
        self.object = object
        do {
            let program = try CounterProgram.select(kind, in: object)
            if kind == .rxHash {
                guard let device else { throw BPFError("the rx-hash counter needs a device", errno: EINVAL) }
                bpf_program__set_ifindex(program, device)
                try check("bpf_program__set_flags", bpf_program__set_flags(program, UInt32(BPF_F_XDP_DEV_BOUND_ONLY)))
            }
            let buckets = try CounterProgram.map("bucket_counters", in: object)
            try check("bpf_map__set_max_entries",
                      bpf_map__set_max_entries(buckets, UInt32(PerCPUCounters.slots(for: bucketCount))))
            var constants = rss_count_constants(
                reta_size: UInt32(bucketCount),
                reta_mask: bucketCount & (bucketCount - 1) == 0 ? UInt32(bucketCount - 1) : 0)
            try CounterProgram.setInitialValue(".rodata", in: object, &constants)
            let state = softHash ?? SoftHashState()
            try state.bytes.withUnsafeBytes { raw in
                try CounterProgram.setInitialValue(".bss", in: object, raw)
            }
            let libbpfPrint = quiet ? libbpf_set_print(nil) : nil
            defer { if quiet { libbpf_set_print(libbpfPrint) } }
            try load(object, program)
            programFD = bpf_program__fd(program)
            bucketCounters = PerCPUCounters(fd: bpf_map__fd(buckets), count: bucketCount)
            queueCounters = PerCPUCounters(fd: bpf_map__fd(try CounterProgram.map("queue_counters", in: object)),
                                           count: Int(RSS_QUEUES_MAX))
            stateFD = bpf_map__fd(try CounterProgram.map(".bss", in: object))
        } catch {
            bpf_object__close(object)
            throw error
        }
    }

    deinit {
        if let object {
            bpf_object__close(object)
        } else {
            [programFD, bucketCounters.fd, queueCounters.fd, stateFD].forEach { close($0) }
        }
    }

    // MARK: pins

    /// The names of program and maps under a pin directory, in that order.
    static let pinNames = ["program", "bucket_counters", "queue_counters", "state"]

    /// Pins program and maps under `directory` (on a BPF file system), so that they outlive the
    /// process and a later run can read the same counters.
    public func pin(at directory: String) throws {
        for (fd, name) in zip([programFD, bucketCounters.fd, queueCounters.fd, stateFD], Self.pinNames) {
            try check("pinning \(directory)/\(name)", bpf_obj_pin(fd, "\(directory)/\(name)"))
        }
    }

    /// The counter pinned under `directory` by an earlier run; its table size must be `buckets`.
    public init(pinnedAt directory: String, buckets: Int) throws {
        var fds: [Int32] = []
        for name in Self.pinNames {
            let fd = bpf_obj_get("\(directory)/\(name)")
            guard fd >= 0 else {
                fds.forEach { close($0) }
                throw BPFError("opening \(directory)/\(name)", errno: -fd)
            }
            fds.append(fd)
        }
        let name = programName(fd: fds[0])
        let slots = withZeroedStruct(bpf_map_info.self) { info in
            var length = UInt32(MemoryLayout<bpf_map_info>.stride)
            return bpf_obj_get_info_by_fd(fds[1], info, &length) >= 0 ? Int(info.pointee.max_entries) : nil
        }
        guard slots == PerCPUCounters.slots(for: buckets), let kind = name.flatMap(CounterKind.init(rawValue:)) else {
            fds.forEach { close($0) }
            throw BPFError("the counter pinned under \(directory) (\(name ?? "?")) is not one for \(buckets) buckets; "
                           + "remove it with --unpin", errno: EINVAL)
        }
        self.kind = kind
        bucketCount = buckets
        object = nil
        programFD = fds[0]
        bucketCounters = PerCPUCounters(fd: fds[1], count: buckets)
        queueCounters = PerCPUCounters(fd: fds[2], count: Int(RSS_QUEUES_MAX))
        stateFD = fds[3]
    }

    /// Packets and bytes per bucket, summed over CPUs.
    public func readBuckets() throws -> CounterTotals { try bucketCounters.read() }

    /// Packets and bytes per rx queue (the first `RSS_QUEUES_MAX` queues), summed over CPUs.
    public func readQueues() throws -> CounterTotals { try queueCounters.read() }

    /// Replaces the key tables and hash fields while the program runs (the device's key or hash
    /// fields changed). Frames counted during the copy may use a mix of old and new tables.
    public func update(softHash: SoftHashState) throws {
        var zero: UInt32 = 0
        try softHash.bytes.withUnsafeBytes { raw in
            try check("updating the Toeplitz tables", bpf_map_update_elem(stateFD, &zero, raw.baseAddress, 0))
        }
    }

    /// True once the rx-hash kfunc answered EOPNOTSUPP: the driver does not report its hash.
    public func rxHashUnsupported() throws -> Bool {
        var state = SoftHashState()
        var zero: UInt32 = 0
        try state.bytes.withUnsafeMutableBytes { raw in
            try check("reading the counter's state", bpf_map_lookup_elem(stateFD, &zero, raw.baseAddress))
        }
        return state.rxHashUnsupported
    }

    /// Runs the program once per repetition on `frame` (BPF_PROG_TEST_RUN), as if received on rx
    /// queue 0 of the loopback device. Returns the XDP verdict and the mean time per run in ns.
    public func testRun(frame: [UInt8], repeat repetitions: Int = 1) throws -> (verdict: UInt32, nanoseconds: UInt32) {
        try withLibbpfOptions(\bpf_test_run_opts.sz) { options in
            options.pointee.repeat = Int32(repetitions)
            options.pointee.data_size_in = UInt32(frame.count)
            let result = frame.withUnsafeBytes { raw in
                options.pointee.data_in = raw.baseAddress
                return bpf_prog_test_run_opts(programFD, options)
            }
            try check("BPF_PROG_TEST_RUN", result)
            return (options.pointee.retval, options.pointee.duration)
        }
    }

    // MARK: loading

    private static func open() throws -> OpaquePointer {
        let object = "rsspp".withCString { name in
            withLibbpfOptions(\bpf_object_open_opts.sz) { options in
                options.pointee.object_name = name
                return bpf_object__open_mem(EmbeddedCounter.object.baseAddress, EmbeddedCounter.object.count, options)
            }
        }
        guard let object else { throw BPFError("opening the embedded XDP counter", errno: errno) }
        return object
    }

    /// Marks every program but `kind` as not to be loaded.
    private static func select(_ kind: CounterKind, in object: OpaquePointer) throws -> OpaquePointer {
        var selected: OpaquePointer?
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let isSelected = String(cString: bpf_program__name(current)) == kind.rawValue
            try check("bpf_program__set_autoload", bpf_program__set_autoload(current, isSelected))
            if isSelected { selected = current }
            program = bpf_object__next_program(object, current)
        }
        guard let selected else { throw BPFError("program \(kind.rawValue) missing from the embedded object", errno: ENOENT) }
        return selected
    }

    private static func map(_ name: String, in object: OpaquePointer) throws -> OpaquePointer {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw BPFError("map \(name) missing from the embedded object", errno: ENOENT)
        }
        return map
    }

    private static func setInitialValue<T>(_ name: String, in object: OpaquePointer, _ value: inout T) throws {
        try withUnsafeBytes(of: &value) { raw in try setInitialValue(name, in: object, raw) }
    }

    private static func setInitialValue(_ name: String, in object: OpaquePointer, _ raw: UnsafeRawBufferPointer) throws {
        let map = try map(name, in: object)
        guard bpf_map__value_size(map) == UInt32(raw.count) else {
            throw BPFError("\(name) of the embedded object has \(bpf_map__value_size(map)) bytes, "
                           + "rss_count.shared.h says \(raw.count)", errno: EINVAL)
        }
        try check("setting \(name)", bpf_map__set_initial_value(map, raw.baseAddress, raw.count))
    }
}

/// A per-CPU array of `struct rss_counter_slot` holding `count` counters, read in one batch.
struct PerCPUCounters {
    let fd: Int32
    let count: Int
    let cpus = Int(libbpf_num_possible_cpus())
    private static let perSlot = Int(RSS_COUNTERS_PER_SLOT)

    static func slots(for count: Int) -> Int { (count + perSlot - 1) / perSlot }

    func read() throws -> CounterTotals {
        let slots = Self.slots(for: count)
        var keys = [UInt32](repeating: 0, count: slots)
        var values = [rss_counter](repeating: rss_counter(), count: slots * cpus * Self.perSlot)
        var done = 0
        var resume: UInt32 = 0
        var next: UInt32 = 0
        while done < slots {
            var batch = UInt32(slots - done)
            let result = keys.withUnsafeMutableBufferPointer { keys in
                values.withUnsafeMutableBufferPointer { values in
                    withUnsafeMutablePointer(to: &resume) { resume in
                        bpf_map_lookup_batch(fd, done == 0 ? nil : UnsafeMutableRawPointer(resume), &next,
                                             keys.baseAddress! + done,
                                             values.baseAddress! + done * cpus * Self.perSlot, &batch, nil)
                    }
                }
            }
            resume = next
            let error = result < 0 ? errno : 0
            guard error == 0 || error == ENOENT else { throw BPFError("reading the XDP counters", errno: error) }
            done += Int(batch)
            if error == ENOENT || batch == 0 { break }
        }
        // values: per slot, per CPU, 64 counters.
        var totals = CounterTotals(packets: [UInt64](repeating: 0, count: count),
                                   bytes: [UInt64](repeating: 0, count: count))
        values.withUnsafeBufferPointer { values in
            for index in 0..<done {
                let first = Int(keys[index]) * Self.perSlot
                for cpu in 0..<cpus {
                    let base = (index * cpus + cpu) * Self.perSlot
                    for offset in 0..<min(Self.perSlot, count - first) {
                        totals.packets[first + offset] &+= values[base + offset].packets
                        totals.bytes[first + offset] &+= values[base + offset].bytes
                    }
                }
            }
        }
        return totals
    }
}

func check(_ operation: String, _ result: Int32) throws {
    guard result < 0 else { return }
    throw BPFError(operation, errno: -result)
}

/// The name a loaded program was given (`rsspp_soft`, ...), from its file descriptor.
func programName(fd: Int32) -> String? {
    withZeroedStruct(bpf_prog_info.self) { info in
        var length = UInt32(MemoryLayout<bpf_prog_info>.stride)
        guard bpf_obj_get_info_by_fd(fd, info, &length) >= 0 else { return nil }
        return withUnsafeBytes(of: info.pointee.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
