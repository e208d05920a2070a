#if canImport(Glibc)
import Glibc
#endif

/// What a shell script did: its exit status and everything it wrote.
public struct ShellResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// The directory holding the built tools: `RSSPP_BIN` when set, else the one the test bundle
/// was built into (SwiftPM puts the executables next to it).
public let toolDirectory: String = {
    if let configured = getenv("RSSPP_BIN") { return String(cString: configured) }
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
    let length = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count) }
    let executable = String(decoding: buffer[..<max(length, 0)], as: UTF8.self)
    return executable.lastIndex(of: "/").map { String(executable[..<$0]) } ?? "."
}()

/// Whether `tool` was built, so that tests running binaries can say why they cannot.
public func toolExists(_ tool: String) -> Bool { access(toolDirectory + "/" + tool, X_OK) == 0 }

/// Runs `script` with /bin/sh in `directory`, the built tools first on PATH.
public func shell(_ script: String, in directory: TemporaryDirectory) throws -> ShellResult {
    let stdoutPath = directory.file(".stdout"), stderrPath = directory.file(".stderr")
    let full = "cd '\(directory.path)' || exit 99\nPATH='\(toolDirectory)':\"$PATH\"; export PATH\n\(script)"
    let pid = try spawn(["/bin/sh", "-c", full], stdout: stdoutPath, stderr: stderrPath)
    let status = exitStatus(waitingFor: pid)
    let result = ShellResult(status: status,
                             stdout: String(decoding: try readFile(stdoutPath), as: UTF8.self),
                             stderr: String(decoding: try readFile(stderrPath), as: UTF8.self))
    unlink(stdoutPath)
    unlink(stderrPath)
    return result
}

/// Starts `arguments` (the first is the program's path) with stdin from /dev/null and stdout and
/// stderr into files, and returns its pid. The child starts with no signal blocked, as from a
/// shell, whatever the test runner's threads block, so that signals sent to it arrive.
public func spawn(_ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw TestFailure("posix_spawn \(arguments[0]): \(String(cString: strerror(spawned)))") }
    return pid
}

/// Waits for `pid`; its exit status, or 128 + the signal that killed it.
public func exitStatus(waitingFor pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
