#if canImport(Glibc)
import Glibc
#endif
import RSSRecords
import ToolSupport

/// Tells every owner of flow state about each written plan's moves and collects their answers:
/// the work of `rss-migrate`. An owner that is absent, mute, slow, gone or answering an error is
/// reported (in the record and through `report`) and never stops the others or the pipeline;
/// one plan never takes longer than the timeout.
public final class Migrator {
    private let owners: [OwnerConnection]
    private let timeout: Double
    private let report: (String) -> Void
    private var seq = 0

    /// `sockets` must be valid paths (`MigrateProtocol.problem(withSocket:)`); `timeout` in seconds.
    public init(sockets: [String], timeout: Double, report: @escaping (String) -> Void = diagnose) {
        owners = sockets.map(OwnerConnection.init)
        self.timeout = timeout
        self.report = report
    }

    /// Sends `request` to every owner as the next `seq`, waits at most the timeout for their
    /// answers, and says how each went, in the order the sockets were given.
    public func migrate(_ request: MigrationRequest) -> MigratedRecord {
        seq += 1
        let message = request.message(seq: seq)
        // One reading of the clock for the deadline and every owner's start: a start read later
        // would time an owner that used up the timeout at less than the timeout.
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(timeout * 1e9)
        var attempts = owners.map { owner in
            var attempt = Attempt(started: start)
            if message.count > MigrateProtocol.maxMessageBytes {
                attempt.end(.failed("the message is \(message.count) bytes; the protocol allows \(MigrateProtocol.maxMessageBytes)"))
            } else if let failure = deliver(message, to: owner) {
                attempt.end(.failed(failure))
            }
            return attempt
        }
        collectAnswers(into: &attempts, until: deadline)
        let results = zip(owners, attempts).map { owner, attempt in
            var attempt = attempt
            if attempt.ended == nil { attempt.end(.failed("no answer within \(recordNumber(timeout)) s")) }
            return OwnerOutcome(socket: owner.path, latencyMicroseconds: attempt.microseconds, error: attempt.error)
        }
        for result in results { if let error = result.error { report("\(result.socket): seq \(seq): \(error)") } }
        return MigratedRecord(seq: seq, owners: results)
    }

    /// Sends `message` on `owner`'s connection, connecting first if it has none; nil when sent,
    /// else why not. A connection that died since the last plan (the owner restarted) is
    /// replaced once.
    private func deliver(_ message: [UInt8], to owner: OwnerConnection) -> String? {
        let reused = owner.isOpen
        if !reused, let failure = owner.open() { return failure }
        guard let code = owner.send(message) else { return nil }
        // An owner that refuses this peer answers an error with seq 0 and hangs up, maybe before
        // the send: its reason, waiting in the socket, says more than the failed send.
        let refusal = errorWaiting(on: owner)
        owner.close()
        if let refusal { return refusal }
        if reused && isDeadConnection(code) { return deliver(message, to: owner) }
        return "cannot send: \(describe(code))"
    }

    /// The error about this plan that `owner` has already answered, if one is waiting.
    private func errorWaiting(on owner: OwnerConnection) -> String? {
        guard case .datagram(let bytes) = owner.receive(), let answer = try? OwnerAnswer(datagram: bytes),
              let message = answer.error(about: seq) else { return nil }
        return "answered an error: \(message)"
    }

    /// Polls every owner still owing an answer until each has answered or `deadline` passes.
    private func collectAnswers(into attempts: inout [Attempt], until deadline: UInt64) {
        while true {
            let waiting = owners.indices.filter { attempts[$0].ended == nil }
            let now = monotonicNanoseconds()
            guard !waiting.isEmpty, now < deadline else { return }
            var polled = waiting.map { pollfd(fd: owners[$0].descriptor, events: Int16(POLLIN), revents: 0) }
            let milliseconds = Int32((deadline - now + 999_999) / 1_000_000)
            guard poll(&polled, nfds_t(polled.count), milliseconds) > 0 else { continue }
            for (slot, index) in waiting.enumerated() where polled[slot].revents != 0 {
                if let answer = answer(of: owners[index], until: deadline) { attempts[index].end(answer) }
            }
        }
    }

    /// What `owner` said about this `seq`, or nil when it has said nothing about it yet or
    /// `deadline` has passed (an owner that keeps sending must not hold the plan beyond it).
    /// Answers to another `seq` (late answers to an earlier plan) are dropped, except an error
    /// with `seq` 0: the owner could not tie it to a message (it refuses this peer), and it
    /// concerns the plan waiting for an answer.
    private func answer(of owner: OwnerConnection, until deadline: UInt64) -> Attempt.Result? {
        while monotonicNanoseconds() < deadline {
            switch owner.receive() {
            case .nothing:
                return nil
            case .lost(let why):
                owner.close()
                return .failed(why)
            case .datagram(let bytes):
                guard bytes.count <= MigrateProtocol.maxMessageBytes else {
                    return .failed("answered with more than \(MigrateProtocol.maxMessageBytes) bytes")
                }
                let answer: OwnerAnswer
                do {
                    answer = try OwnerAnswer(datagram: bytes)
                } catch {
                    return .failed("answered a malformed message: " + (error.field.map { "\"\($0)\" " } ?? "") + error.message)
                }
                if answer == .ack(seq: seq) { return .acked }
                if let message = answer.error(about: seq) {
                    // One about no message comes before the owner hangs up on this peer: a send
                    // on this connection could still get in first and be lost unanswered.
                    if answer == .error(seq: 0, message: message) { owner.close() }
                    return .failed("answered an error: \(message)")
                }
            }
        }
        return nil
    }
}

/// One owner's part in one plan, timed from the plan's start.
private struct Attempt {
    enum Result { case acked, failed(String) }

    let started: UInt64
    private(set) var ended: UInt64?
    private(set) var error: String?

    mutating func end(_ result: Result) {
        ended = monotonicNanoseconds()
        if case .failed(let why) = result { error = why }
    }

    var microseconds: Int { Int(((ended ?? started) - started) / 1000) }
}
