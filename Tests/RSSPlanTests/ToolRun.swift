import Foundation

/// The result of running a built tool on some input.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

enum ToolError: Error, CustomStringConvertible {
    case notBuilt(String)
    var description: String {
        switch self {
        case .notBuilt(let path): "\(path) is not built; run `swift build` before the tests"
        }
    }
}

/// The executable `name` from the build directory the test bundle runs from.
func builtTool(_ name: String) throws -> URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    // On Darwin the runner is inside the .xctest bundle; on Linux it sits in the build directory.
    while directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS" || directory.lastPathComponent == "Contents" {
        directory = directory.deletingLastPathComponent()
    }
    let tool = directory.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: tool.path) else { throw ToolError.notBuilt(tool.path) }
    return tool
}

/// Runs `tool` with `arguments`, `input` on stdin (from a file, so that large inputs never
/// block), and collects its output. `closeStdout` closes the reading end of stdout at once, as a
/// downstream command that exits early would.
func run(_ tool: String, _ arguments: [String] = [], input: String, closeStdout: Bool = false) throws -> ToolRun {
    let inputFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("rss-plan-test-\(getpid())-\(UUID().uuidString)")
    try Data(input.utf8).write(to: inputFile)
    defer { try? FileManager.default.removeItem(at: inputFile) }

    let process = Process()
    process.executableURL = try builtTool(tool)
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: inputFile)
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    if closeStdout { try stdout.fileHandleForReading.close() }
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    let output = closeStdout ? Data() : stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                   stderr: String(decoding: errors, as: UTF8.self))
}
