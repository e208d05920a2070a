#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import ToolSupport

/// How a stage ended.
enum StageExit: Equatable, CustomStringConvertible {
    case status(Int32)
    case signal(Int32)

    init(waitStatus: Int32) {
        self = waitStatus & 0x7f == 0 ? .status((waitStatus >> 8) & 0xff) : .signal(waitStatus & 0x7f)
    }

    var description: String {
        switch self {
        case .status(let status): return "exited with status \(status)"
        case .signal(let signal): return "was killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        }
    }
}

/// Lines arriving in pieces on a non-blocking descriptor. A line longer than the record limit is
/// cut there: a stage's stderr or output must not grow rss-balance without bound.
struct LineBuffer {
    let fd: Int32
    private var partial: [UInt8] = []
    private(set) var ended = false

    init(fd: Int32) { self.fd = fd }

    /// The whole lines that can be read now, without their `\n`; at end of input the last
    /// unterminated one too.
    mutating func read() -> [ArraySlice<UInt8>] {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var lines: [ArraySlice<UInt8>] = []
        while !ended {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { break } // EAGAIN: nothing more for now
            if got == 0 { ended = true; break }
            partial += chunk[..<got]
            while let newline = partial.firstIndex(of: 0x0a) {
                lines.append(partial[..<newline])
                partial.removeSubrange(...newline)
            }
            if partial.count > RecordContract.defaultMaxLineBytes {
                lines.append(partial[..<RecordContract.defaultMaxLineBytes])
                partial.removeAll()
            }
        }
        if ended && !partial.isEmpty { lines.append(partial[...]); partial.removeAll() }
        return lines
    }
}

/// A stage started: its pid, its stderr, and how it ended once it has.
struct StageProcess {
    let stage: Stage
    let pid: pid_t
    var errors: LineBuffer
    var exit: StageExit?
}

/// The stages of one pipeline, in a process group of their own (so that a signal from the
/// terminal reaches rss-balance alone, and stopping the group reaches whatever a stage started),
/// each stage's stdout into the next one's stdin, the last one's into `output`.
struct PipelineProcesses {
    var stages: [StageProcess] = []
    var output: LineBuffer
    let group: pid_t

    /// Starts every stage from `directory`. `lock`, the device's writer lock, is inherited by
    /// the stage that takes it over, at the same descriptor number, named in RSSPP_HELD_LOCKS.
    init(_ stages: [Stage], from directory: String, handing lock: FileLock?) throws(SystemError) {
        var input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemError(operation: "/dev/null", errno: errno) }
        // Everything to close should a stage fail to start.
        var opened: Set<Int32> = [input]
        var started: [StageProcess] = []
        var group: pid_t = 0
        do throws(SystemError) {
            for stage in stages {
                let output = try makePipe()
                opened.formUnion([output.read, output.write])
                let errors = try makePipe()
                opened.formUnion([errors.read, errors.write])
                let pid = try spawn(directory + "/" + stage.tool, stage.arguments, stdin: input, stdout: output.write,
                                    stderr: errors.write, group: group, lock: stage.takesTheLock ? lock : nil)
                for fd in [input, output.write, errors.write] { Glibc.close(fd); opened.remove(fd) }
                if group == 0 { group = pid }
                input = output.read
                setNonBlocking(errors.read)
                started.append(StageProcess(stage: stage, pid: pid, errors: LineBuffer(fd: errors.read)))
            }
        } catch {
            if group != 0 { kill(-group, SIGKILL) }
            for stage in started { _ = reap(stage.pid, waiting: true) }
            opened.forEach { Glibc.close($0) }
            throw error
        }
        setNonBlocking(input)
        self.stages = started
        self.group = group
        output = LineBuffer(fd: input)
    }

    /// Sends `signal` to every process of the pipeline.
    func signal(_ signal: Int32) { kill(-group, signal) }

    /// Collects the stages that have exited; returns their indices.
    mutating func reapExited() -> [Int] {
        var exited: [Int] = []
        for index in stages.indices where stages[index].exit == nil {
            guard let exit = reap(stages[index].pid, waiting: false) else { continue }
            stages[index].exit = exit
            exited.append(index)
        }
        return exited
    }

    var allExited: Bool { stages.allSatisfy { $0.exit != nil } }

    /// Reads what is left (without waiting: a process a stage left behind may hold a pipe open)
    /// and closes the pipes.
    mutating func close() -> (output: [ArraySlice<UInt8>], errors: [(Int, [ArraySlice<UInt8>])]) {
        let rest = output.read()
        Glibc.close(output.fd)
        var errors: [(Int, [ArraySlice<UInt8>])] = []
        for index in stages.indices {
            errors.append((index, stages[index].errors.read()))
            Glibc.close(stages[index].errors.fd)
        }
        return (rest, errors)
    }
}

/// A pipe whose ends no child inherits unless given them (one thread starts children: no race).
func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw SystemError(operation: "pipe", errno: errno) }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    return (ends[0], ends[1])
}

func setNonBlocking(_ fd: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
}

/// The stage's exit once it has one (waiting for it if asked).
func reap(_ pid: pid_t, waiting: Bool) -> StageExit? {
    var status: Int32 = 0
    while true {
        let got = waitpid(pid, &status, waiting ? 0 : WNOHANG)
        if got < 0 && errno == EINTR { continue }
        guard got == pid else { return got < 0 ? .status(-1) : nil }
        return StageExit(waitStatus: status)
    }
}

/// Starts `path` with the given descriptors as 0, 1 and 2, in process group `group` (0: a new one
/// of its own), with the signal dispositions and mask of a process a shell starts.
private func spawn(_ path: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32,
                   group: pid_t, lock: FileLock?) throws(SystemError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    // dup2 onto itself clears close-on-exec (POSIX 2024, glibc 2.29): the child inherits the lock.
    if let lock { posix_spawn_file_actions_adddup2(&actions, lock.descriptor, lock.descriptor) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, group)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var environment = environmentStrings(handing: lock)
    defer { environment.forEach { free($0) } }
    var pid: pid_t = 0
    let failed = posix_spawn(&pid, path, &actions, &attributes, argv, &environment)
    guard failed == 0 else { throw SystemError(operation: "cannot start \(path)", errno: failed) }
    return pid
}

/// This process's environment, with RSSPP_HELD_LOCKS naming `lock` when there is one.
private func environmentStrings(handing lock: FileLock?) -> [UnsafeMutablePointer<CChar>?] {
    let name = FileLock.heldLocksVariable + "="
    var strings: [UnsafeMutablePointer<CChar>?] = []
    var entry = environ
    while let variable = entry.pointee {
        if lock == nil || !String(cString: variable).hasPrefix(name) { strings.append(strdup(variable)) }
        entry += 1
    }
    if let lock { strings.append(strdup(name + lock.handOverEntry)) }
    return strings + [nil]
}
