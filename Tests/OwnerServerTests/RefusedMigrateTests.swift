#if canImport(Glibc)
import Glibc
#endif
import RssppOwner
import Synchronization
import Testing
import TestSupport

/// The built rss-migrate, run as uid and gid 65534 (nobody, setpriv), against an owner that
/// takes root only: the owner answers an error with seq 0 and hangs up, often before
/// rss-migrate's send, which then fails; the record must still give the owner's reason.
@Suite struct RefusedMigrateTests {
    final class Run {
        let finished = Atomic(false)
        var result: ShellResult?
    }

    @Test(.enabled(if: privilegedTestsRun, "\(needsRoot)"))
    func everyPlanRecordsTheOwnersRefusal() throws {
        let fixture = try OwnerFixture(configure: { $0.mode = 0o666 }, startThread: false)
        chmod(fixture.directory.path, 0o755)
        let plan = #"{"type":"plan","v":1,"queues":4,"reta":[1,1,2,3],"moves":[{"bucket":0,"from":0,"to":1}],"applied":1}"#
        // Each plan makes a fresh connection (the last one was hung up on): many plans, many
        // chances for the owner to hang up before the send.
        let plans = 300
        try writeFile(fixture.directory.file("records"), String(repeating: plan + "\n", count: plans))
        let run = Run()
        _ = onThreads(2) { thread in
            if thread == 0 {
                run.result = try? shell("setpriv --reuid=65534 --regid=65534 --clear-groups rss-migrate --timeout 5 "
                                        + "'\(fixture.socketPath)' < records", in: fixture.directory)
                run.finished.store(true, ordering: .releasing)
            } else {
                // The owner's loop without a wait: it takes a connection as soon as it is made,
                // which is when the hang-up comes before the send.
                while !run.finished.load(ordering: .acquiring) { _ = rsspp_owner_server_poll(fixture.server, 0) }
            }
            return 0
        }
        let result = try #require(run.result)
        #expect(result.status == 0, "\(result.stderr)")
        let errors = result.stdoutLines.filter { $0.hasPrefix(#"{"type":"migrated""#) }.map { line in
            line.firstRange(of: #""error":""#).map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? line
        }
        #expect(errors.count == plans)
        let refusal = "answered an error: uid 65534 (gid 65534) may not steer this owner"
        let others = errors.filter { !$0.hasPrefix(refusal) }
        #expect(others.isEmpty, "\(others.count) of \(plans) plans, e.g. \(others.first ?? "")")
    }
}
