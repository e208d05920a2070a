import ArgumentParser
import Reporting
import ToolSupport

@main
struct RSSReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss-report",
        abstract: "Summarise runs of load records side by side: per-queue load, imbalance, table changes.",
        version: rssppVersion)

    @Argument(help: "Files of load records, one run each (- for standard input).")
    var files: [String] = ["-"]

    @Flag(help: "Write each run's per-epoch load as FILE.tsv beside it, for plotting.")
    var series = false

    mutating func run() throws {
        var runs: [(name: String, summary: LoadSummary)] = []
        for path in files {
            var summary = LoadSummary()
            var lines: [String] = []
            do {
                try readLoadRecords(path) { epoch, record in
                    summary.add(record)
                    if series {
                        if lines.isEmpty { lines.append(seriesHeader(queues: record.queues)) }
                        lines.append(seriesLine(epoch: epoch, record))
                    }
                }
            } catch {
                diagnose(error.description)
                throw ExitCode(ExitStatus.dataError)
            }
            if series { try writeSeries(lines, for: path) }
            runs.append((runName(path), summary))
        }
        RecordOutput.write(Array(renderComparison(runs).utf8))
    }

    private func writeSeries(_ lines: [String], for path: String) throws {
        do {
            try DurableFile(path: path + ".tsv").replace(with: Array((lines.joined(separator: "\n") + "\n").utf8))
        } catch {
            diagnose("\(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
    }

    /// A column heading: the file's name without its folder and `.jsonl`.
    private func runName(_ path: String) -> String {
        let name = fileName(of: path)
        return name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name
    }
}
