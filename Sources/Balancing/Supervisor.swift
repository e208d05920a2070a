#if canImport(Glibc)
import Glibc
#endif
import TableTargets
import ToolSupport

/// rss-balance: runs the pipeline for one device, watches it, restarts it after a failure with
/// exponential backoff, and on stop puts back the table the device had at start.
///
/// Everything happens on one thread, in one poll(2) loop over the signal pipe, the last stage's
/// output and every stage's stderr, so that a signal is handled between two steps.
public final class Supervisor {
    private let settings: BalanceSettings
    private let targetOptions: TargetOptions
    private let log: EventLog
    private var tally = PlanTally()
    private var nextSummary = 0.0
    private var limits: [String: ForwardingLimit] = [:]
    /// Each stage's last stderr line when the limit held it back: often the one that says why
    /// the stage ended, shown when it ends with a failure.
    private var lastHeldBack: [String: String] = [:]
    private var records: RecordsFile?
    private var stopRequested = false

    /// How long stages get to end after SIGTERM before SIGKILL.
    static let stopGrace = 5.0

    public init(settings: BalanceSettings, targetOptions: TargetOptions) {
        self.settings = settings
        self.targetOptions = targetOptions
        log = EventLog(device: settings.device)
    }

    /// Runs until the source ends, a signal or a configuration error; returns the exit status.
    public func run() -> Int32 {
        SignalPipe.install()
        // A log reader that went away must not end rss-balance (SIGPIPE) before it restores the table.
        RecordOutput.prepare()
        let device: DeviceGuard
        do {
            device = try DeviceGuard(device: settings.device, options: targetOptions)
        } catch {
            log.event(error.description)
            return stopped(error.status)
        }
        if let path = settings.records {
            do throws(SystemError) { records = try RecordsFile(path: path) } catch {
                log.event("RECORDS (--records) \(error)")
                return stopped(ExitStatus.cannotCreate)
            }
        }
        if let state = settings.state, let problem = unwritableDirectory(of: state) {
            // rss-plan keeps its history in memory and finds out only when it saves it, at stop.
            log.event("STATE (--state) \(problem): rss-plan will not keep its history across restarts")
        }
        nextSummary = monotonicNow() + settings.summaryEvery
        return stop(status: superviseUntilStopped(device), device)
    }

    private enum Outcome {
        case finished
        case stopRequested
        case failed(ranFor: Double)
        case configurationError
    }

    /// Runs pipeline after pipeline; the status to exit with.
    private func superviseUntilStopped(_ device: DeviceGuard) -> Int32 {
        var backoff = Backoff(min: settings.backoffMin, max: settings.backoffMax)
        var number = 0
        while true {
            // A stop signal that came before this pipeline (or the first) starts no pipeline.
            if stopRequested || stopSignalArrived() { return 0 }
            number += 1
            switch runPipeline(number, handing: device.writerLock) {
            case .finished, .stopRequested:
                return 0
            case .configurationError:
                return ExitStatus.configuration
            case .failed(let ranFor):
                let delay = backoff.delay(afterARunOf: ranFor)
                log.event("restarting in \(seconds(delay)) s")
                if !sleepUnlessStopped(delay) { return 0 }
            }
        }
    }

    private func runPipeline(_ number: Int, handing lock: FileLock?) -> Outcome {
        var pipeline: PipelineProcesses
        do {
            pipeline = try PipelineProcesses(settings.stages, from: settings.toolsDirectory, handing: lock)
        } catch {
            log.event("cannot start pipeline \(number): \(error) (TOOLS_DIR, --tools-dir: \(settings.toolsDirectory))")
            return error.errno == ENOENT || error.errno == EACCES ? .configurationError : .failed(ranFor: 0)
        }
        log.event("pipeline \(number) started: " + pipeline.stages.map { "\($0.stage.tool)[\($0.pid)]" }.joined(separator: " "))
        let started = monotonicNow()
        var lastRecord = started
        var stopping: (reason: StopReason, killAt: Double)?
        func stopStages(_ reason: StopReason) {
            guard stopping == nil else { return }
            stopping = (reason, monotonicNow() + Supervisor.stopGrace)
            pipeline.signal(SIGTERM)
        }
        while !pipeline.allExited {
            waitForInput(pipeline, until: stopping?.killAt ?? lastRecord + settings.stallTimeout)
            if stopSignalArrived() { stopStages(.signal) }
            let now = monotonicNow()
            let lines = pipeline.output.read()
            if !lines.isEmpty { lastRecord = now }
            lines.forEach(handleRecord)
            for index in pipeline.stages.indices {
                forward(pipeline.stages[index].errors.read(), of: pipeline.stages[index], at: now)
            }
            reportDiscarded(&pipeline)
            for index in pipeline.reapExited() {
                let stage = pipeline.stages[index]
                log.event("\(stage.stage.tool)[\(stage.pid)] \(stage.exit!)")
                if stage.exit != .status(0) { stopStages(.failure) }
            }
            if stopping == nil && now - lastRecord >= settings.stallTimeout {
                log.event("stalled: no record for \(seconds(now - lastRecord)) s; stopping pipeline \(number)")
                stopStages(.stall)
            }
            if let deadline = stopping?.killAt, now >= deadline, !pipeline.allExited {
                pipeline.signal(SIGKILL)
                stopping?.killAt = .infinity
            }
            summarizeIfDue(at: now)
        }
        let rest = pipeline.close()
        rest.output.forEach(handleRecord)
        for (index, lines) in rest.errors { forward(lines, of: pipeline.stages[index], at: monotonicNow()) }
        reportDiscarded(&pipeline)
        showLastWords(of: pipeline.stages)
        if stopRequested { return .stopRequested }
        // Whichever stage was reaped first: rss-count's SIGPIPE may come before rss-plan's 64.
        if pipeline.stages.contains(where: { $0.exit == .status(ExitStatus.usage) }) {
            log.event("a stage refused its arguments (status 64): a configuration error; not restarting")
            return .configurationError
        }
        return stopping == nil ? .finished : .failed(ranFor: monotonicNow() - started)
    }

    private enum StopReason { case signal, failure, stall }

    /// Whether a stop signal came since the last look (noted in `stopRequested`).
    private func stopSignalArrived() -> Bool {
        if SignalPipe.drain().contains(where: SignalPipe.stopSignals.contains) { stopRequested = true }
        return stopRequested
    }

    /// One event per stage whose lines over the limit were dropped since the last call.
    private func reportDiscarded(_ pipeline: inout PipelineProcesses) {
        func report(_ count: Int, _ tool: String) {
            guard count > 0 else { return }
            log.event("\(tool): \(count) line\(count == 1 ? "" : "s") longer than \(LineBuffer.maxLineBytes) bytes discarded")
        }
        if let last = pipeline.stages.last { report(pipeline.output.takeDiscarded(), last.stage.tool) }
        for index in pipeline.stages.indices {
            report(pipeline.stages[index].errors.takeDiscarded(), pipeline.stages[index].stage.tool)
        }
    }

    /// Waits until something arrives, a stage ends or a signal comes, or `deadline` (monotonic
    /// seconds) or the next summary is due.
    private func waitForInput(_ pipeline: PipelineProcesses, until deadline: Double) {
        var watched = [pollfd(fd: SignalPipe.fd, events: Int16(POLLIN), revents: 0)]
        if !pipeline.output.ended { watched.append(pollfd(fd: pipeline.output.fd, events: Int16(POLLIN), revents: 0)) }
        for stage in pipeline.stages where !stage.errors.ended {
            watched.append(pollfd(fd: stage.errors.fd, events: Int16(POLLIN), revents: 0))
        }
        let wait = max(0, min(deadline, nextSummary) - monotonicNow())
        _ = poll(&watched, nfds_t(watched.count), Int32(min(wait, 60) * 1000) + 1)
    }

    /// Between two pipelines: waits `delay` seconds; false when a signal asked to stop first.
    private func sleepUnlessStopped(_ delay: Double) -> Bool {
        let end = monotonicNow() + delay
        while monotonicNow() < end {
            var watched = [pollfd(fd: SignalPipe.fd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&watched, 1, Int32(min(end - monotonicNow(), 60) * 1000) + 1)
            if stopSignalArrived() { return false }
        }
        return true
    }

    /// Counts a record and appends it to RECORDS.
    private func handleRecord(_ line: ArraySlice<UInt8>) {
        tally.count(line)
        if let event = records?.append(line) { log.event(event) }
    }

    /// A stage's stderr lines, each as `TOOL: message` (the tool's own prefix not doubled),
    /// within the stage's `ForwardingLimit`.
    private func forward(_ lines: [ArraySlice<UInt8>], of stage: StageProcess, at now: Double) {
        let tool = stage.stage.tool
        for line in lines {
            var limit = limits[tool] ?? ForwardingLimit(now: now)
            let (show, heldBack) = limit.admit(at: now)
            limits[tool] = limit
            if heldBack > 0 { log.event("\(tool): \(heldBack) more lines not shown") }
            let text = String(decoding: line, as: UTF8.self)
            let own = tool + ": "
            let message = text.hasPrefix(own) ? String(text.dropFirst(own.count)) : text
            guard show else {
                lastHeldBack[tool] = message
                continue
            }
            lastHeldBack[tool] = nil
            log.event(own + message)
        }
    }

    /// The last line of each stage that failed, when the limit held it back.
    private func showLastWords(of stages: [StageProcess]) {
        for stage in stages {
            guard case .status(let status) = stage.exit, status != 0 else { continue }
            guard let message = lastHeldBack.removeValue(forKey: stage.stage.tool) else { continue }
            log.event("\(stage.stage.tool): \(message) (its last line before it ended)")
        }
    }

    private func summarizeIfDue(at now: Double) {
        guard now >= nextSummary else { return }
        nextSummary = now + settings.summaryEvery
        log.event(tally.summary)
        tally = PlanTally()
    }

    /// Ends the run: the last summary and held-back lines, the table found at start put back.
    private func stop(status: Int32, _ device: DeviceGuard) -> Int32 {
        var status = status
        if tally.plans > 0 { log.event(tally.summary) }
        if let event = records?.droppedAtEnd { log.event(event) }
        for tool in limits.keys.sorted() {
            if let held = limits[tool]?.takeSuppressed(), held > 0 { log.event("\(tool): \(held) more lines not shown") }
        }
        do throws(TargetError) {
            log.event(try device.restore() ? "table restored: the table found at start is back"
                      : "table unchanged since start; nothing to restore")
        } catch {
            log.event("cannot restore the table found at start: \(error.description)")
            if status == 0 { status = ExitStatus.unavailable }
        }
        return stopped(status)
    }

    /// The last event of every run that logged one.
    private func stopped(_ status: Int32) -> Int32 {
        log.event("stopped (exit status \(status))")
        return status
    }
}

private func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Seconds for an event line: a tenth of a second is precise enough.
private func seconds(_ value: Double) -> String {
    let tenths = (value * 10).rounded() / 10
    return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
}

/// Why the directory `path` would be created in cannot be written to, or nil when it can.
private func unwritableDirectory(of path: String) -> SystemError? {
    let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    return access(directory, W_OK) == 0 ? nil : SystemError(operation: directory, errno: errno)
}
