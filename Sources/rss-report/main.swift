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
        abstract: "Summarise runs of load records side by side: per-queue load, imbalance, table changes.",
        version: rssppVersion)

    @Argument(help: "Files of load records, one run each (- for standard input).")
    var files: [String] = ["-"]

    @Option(help: ArgumentHelp("Also write every run's per-epoch load to <out>, tab-separated, for plotting (- for standard output, instead of the summary).",
                               valueName: "out"))
    var series: String?

    @Option(help: "Longest input line accepted, in bytes.")
    var maxLineBytes = RecordContract.defaultMaxLineBytes

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes is \(maxLineBytes): it must be a positive number") }
    }

    mutating func run() throws {
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
