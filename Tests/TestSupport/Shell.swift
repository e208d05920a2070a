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
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let full = "cd '\(directory.path)' || exit 99\nPATH='\(toolDirectory)':\"$PATH\"; export PATH\n\(script)"
    let words = ["/bin/sh", "-c", full]
    let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
    defer { arguments.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, arguments, environ)
    guard spawned == 0 else { throw TestFailure("posix_spawn: \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let result = ShellResult(status: exitStatus,
                             stdout: String(decoding: try readFile(stdoutPath), as: UTF8.self),
                             stderr: String(decoding: try readFile(stderrPath), as: UTF8.self))
    unlink(stdoutPath)
    unlink(stderrPath)
    return result
}
