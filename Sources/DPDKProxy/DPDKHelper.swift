#if canImport(Glibc)
import Glibc
#endif
import ToolSupport

/// rss-dpdk, the tool that links DPDK and serves dpdk: devices to rss-count and rss-apply. It is
/// looked for beside the running executable first (an installed prefix's bin, the build
/// directory), so that a tool runs the helper of its own build, then on PATH.
enum DPDKHelper {
    static let name = "rss-dpdk"

    /// Runs the helper in place of this process, with this process's argv[0], so that it keeps
    /// the pid, the standard streams, the held signals and the name its diagnostics start with.
    /// Returns only when the helper cannot run, saying why.
    static func replaceProcess(_ arguments: [String]) -> String {
        let program = self.program
        let code = withArgv([CommandLine.arguments[0]] + arguments) { argv in
            execvp(program, argv)
            return errno
        }
        return failure(code, running: program)
    }

    /// Starts the helper with one end of a socket pair as its standard input and output and this
    /// process's standard error; returns its pid and the other end.
    static func start(_ arguments: [String]) throws(DPDKError) -> (pid: pid_t, socket: Int32) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw DPDKError("socketpair: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, ends[1], STDOUT_FILENO)
        let program = self.program
        var pid: pid_t = 0
        let code = withArgv([name] + arguments) { posix_spawnp(&pid, program, &actions, nil, $0, environ) }
        close(ends[1])
        guard code == 0 else {
            close(ends[0])
            throw DPDKError(failure(code, running: program))
        }
        return (pid, ends[0])
    }

    /// The helper beside this executable when it is there, else its bare name, which execvp and
    /// posix_spawnp look up on PATH.
    private static var program: String {
        let beside = executableDirectory() + "/" + name
        return access(beside, X_OK) == 0 ? beside : name
    }

    /// Why `program` could not be run, from the errno of execvp or posix_spawnp.
    private static func failure(_ code: Int32, running program: String) -> String {
        guard code == ENOENT else { return "cannot run \(program): \(String(cString: strerror(code)))" }
        return "\(name), which serves DPDK devices, is neither in \(executableDirectory()) nor on PATH"
    }
}

/// `arguments` as the NULL-terminated array of C strings exec and spawn take.
private func withArgv<Result>(_ arguments: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    return body(argv)
}
