#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Reporting
import RSSRecords
import ToolSupport

@main
struct RSSReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-report",
        abstract: "Summarise runs of load records side by side: per-queue load, imbalance, table changes; or follow the live stream on screen or as Prometheus metrics.",
        version: rssppVersion)

    @Argument(help: "Files of load records, one run each (- for standard input).")
    var files: [String] = ["-"]

    @Option(help: ArgumentHelp("Also write every run's per-epoch load to <out>, tab-separated, for plotting (- for standard output, instead of the summary).",
                               valueName: "out"))
    var series: String?

    @Flag(help: "Read the live record stream on standard input and show per-queue load, imbalance and the last moves, redrawn per epoch; with --prometheus, pass every line on to standard output instead and keep the file up to date.")
    var follow = false

    @Option(help: ArgumentHelp("With --follow, node_exporter's textfile-collector file to keep up to date, replaced whole each time.",
                               valueName: "file"))
    var prometheus: String?

    @Flag(help: "With --follow and no --prometheus, print each frame as plain text, a blank line between, even on a terminal.")
    var plain = false

    @Flag(help: "With --follow, report a bad record on stderr, count it as an invalid_record error and go on (default: exit 65).")
    var skipInvalid = false

    @Option(help: "Longest input line accepted, in bytes.")
    var maxLineBytes = RecordContract.defaultMaxLineBytes

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes is \(maxLineBytes): it must be a positive number") }
        guard follow || prometheus == nil else { throw ValidationError("--prometheus <file> goes with --follow") }
        guard follow || !skipInvalid else { throw ValidationError("--skip-invalid goes with --follow") }
        guard follow && prometheus == nil || !plain else {
            throw ValidationError("--plain goes with --follow alone: with --prometheus the stream is passed on, not drawn")
        }
        guard !follow || (files == ["-"] && series == nil) else {
            throw ValidationError("--follow reads standard input only, and writes no --series")
        }
    }

    mutating func run() throws {
        if follow {
            let status = prometheus.map { followStream(into: MetricsFile(path: $0), skipInvalid: skipInvalid, maxLineBytes: maxLineBytes) }
                ?? followView(plain: plain, skipInvalid: skipInvalid, maxLineBytes: maxLineBytes)
            if status != 0 { throw ExitCode(status) }
            return
        }
        var runs: [(name: String, summary: LoadSummary)] = []
        var plot = Series()
        for path in files {
            let name = runName(path)
            var summary = LoadSummary()
            do {
                try readLoadRecords(path, maxLineBytes: maxLineBytes) { epoch, record in
                    summary.add(record)
                    if series != nil { plot.add(run: name, epoch: epoch, record) }
                }
            } catch {
                diagnose(error.description)
                throw ExitCode(error.kind == .unreadable ? ExitStatus.noInput : ExitStatus.dataError)
            }
            runs.append((name, summary))
        }
        RecordOutput.prepare()
        if series == "-" {
            RecordOutput.write(Array(plot.text.utf8))
            return
        }
        if let series {
            do { try writeOutput(Array(plot.text.utf8), to: series) } catch {
                diagnose(error.description)
                throw ExitCode(ExitStatus.unavailable)
            }
        }
        RecordOutput.write(Array(renderComparison(runs).utf8))
    }

    /// A column heading: the file's name without its folder and `.jsonl`.
    private func runName(_ path: String) -> String {
        let name = fileName(of: path)
        return name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name
    }
}
