import ArgumentParser
import Migration
import RSSRecords
import ToolSupport

@main
struct RSSMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-migrate",
        abstract: "Pass records (stdin) on unchanged; tell every owner of flow state the moves of each written plan and "
            + "write a \"migrated\" record with their answers after it.",
        version: rssppVersion)

    @Argument(help: "The control socket of each owner of flow state (Unix SOCK_SEQPACKET).")
    var sockets: [String]

    @Option(parsing: .unconditional, help: "Longest wait for the owners' answers to one plan, in seconds.")
    var timeout = 1.0

    @Flag(help: "Report a bad record on stderr and go on with the next one (default: exit 65).")
    var skipInvalid = false

    @Option(parsing: .unconditional, help: "Longest input line accepted, in bytes.")
    var maxLineBytes = RecordContract.defaultMaxLineBytes

    func validate() throws {
        if let problem = sockets.lazy.compactMap(MigrateProtocol.problem(withSocket:)).first { throw ValidationError(problem) }
        guard timeout > 0 && timeout <= 3600 else {
            throw ValidationError("--timeout is \(timeout): it must be more than 0 and at most 3600 seconds")
        }
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes is \(maxLineBytes): it must be a positive number") }
    }

    func run() throws {
        let migrator = Migrator(sockets: sockets, timeout: timeout)
        RecordOutput.prepare()
        let status = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes).run { line, number in
            let request = try MigrationRequest.from(line, number: number)
            RecordOutput.write(Array(line) + [0x0a])
            if let request { RecordOutput.write(migrator.migrate(request).jsonLine()) }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
