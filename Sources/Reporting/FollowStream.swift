#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import ToolSupport

/// node_exporter's textfile-collector file, replaced whole each time (a temporary file in the
/// same directory, fsync, rename), so that a scrape never reads a torn one.
public struct MetricsFile {
    private let file: DurableFile

    public init(path: String) {
        file = DurableFile(path: path)
        // A writer killed mid-write left its temporary file; node_exporter ignores it (it reads
        // *.prom only), but it would pile up over restarts.
        file.removeTemporariesOfDeadWriters()
    }

    public func write(_ exporter: PrometheusExporter) throws(ToolFailure) {
        do {
            try Termination.deferring { () throws(DurableFile.Failure) in try file.replace(with: Array(exporter.text.utf8)) }
        } catch {
            throw ToolFailure(error.description, status: ExitStatus.cannotCreate)
        }
    }
}

/// `rss-report --follow --prometheus FILE`: passes every line of standard input on to standard
/// output as it comes, and rewrites `file` whenever the lines read so far are handled and no more
/// are waiting (per epoch in a live pipeline), at the end, and before stopping at a bad record.
/// Under `skipInvalid` a bad record is counted as an `invalid_record` error instead. Returns the
/// exit status.
public func followStream(into file: MetricsFile, skipInvalid: Bool, maxLineBytes: Int) -> Int32 {
    Termination.install()
    var exporter = PrometheusExporter()
    // Written before the first record, so that a path that cannot be written is found at once.
    do { try file.write(exporter) } catch {
        diagnose(error.description)
        return error.status
    }
    RecordOutput.prepare()
    var loop = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes)
    loop.eachLine = { RecordOutput.write(Array($0) + [0x0a]) }
    loop.skipped = { _ in exporter.count(.invalidRecord) }
    loop.caughtUp = { try file.write(exporter) }
    return loop.run { line, number in try exporter.add(line, number: number) }
}

/// `rss-report --follow` without `--prometheus`: draws the live view on standard output
/// whenever the lines read so far are handled and no more are waiting (per epoch in a live
/// pipeline), at the end, and before stopping at a bad record. Standard output is the screen,
/// so no line is passed on. On a terminal each frame replaces the one before; otherwise, or
/// with `plain`, frames follow one another as plain text, a blank line between. Returns the
/// exit status.
public func followView(plain: Bool, skipInvalid: Bool, maxLineBytes: Int) -> Int32 {
    let onTerminal = !plain && isatty(STDOUT_FILENO) == 1
    var view = LiveView()
    var unseen = false
    var framesDrawn = 0
    RecordOutput.prepare()
    var loop = RecordLoop(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes)
    loop.skipped = { _ in
        view.count(.invalidRecord)
        unseen = true
    }
    loop.caughtUp = {
        guard unseen else { return }
        unseen = false
        let lines = view.frame(width: outputWidth())
        // Home, each line cleared before it is written (after it, a line as wide as the screen
        // would lose its last character on terminals that wait to wrap), then the rest below.
        let text = onTerminal ? "\u{1B}[H" + lines.map { "\u{1B}[K" + $0 + "\n" }.joined() + "\u{1B}[J"
                              : (framesDrawn == 0 ? "" : "\n") + lines.map { $0 + "\n" }.joined()
        RecordOutput.write(Array(text.utf8))
        framesDrawn += 1
    }
    return loop.run { line, number in
        try view.add(line, number: number)
        unseen = true
    }
}

/// Columns to draw in: `COLUMNS` when set, else the terminal's width, else 80.
private func outputWidth() -> Int {
    if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 { return columns }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
    return 80
}
