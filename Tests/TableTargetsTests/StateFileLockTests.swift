#if canImport(Glibc)
import Glibc
#endif
import NICSim
import Testing
import TableTargets
import TestSupport

/// Writers of one state file at once: `rss-apply` and `rss-count` both update it.
@Suite struct StateFileLockTests {
    /// Two writers on two threads, each with its own `NICStateFile` (as two processes have),
    /// updating at once: every update must count, none may overwrite another's.
    @Test func concurrentUpdatesAreNeverLost() throws {
        let nic = try NICFixture()
        let updatesEach = 300
        let failures = onThreads(2) { writer in
            let file = NICStateFile(path: nic.file.path)
            var failures = 0
            for update in 0..<updatesEach {
                do { try file.update { $0.reta[0] = (writer + update) % 4 } } catch { failures += 1 }
            }
            return failures
        }
        #expect(failures == [0, 0])
        #expect(try nic.file.load().generation == 2 * updatesEach)
    }
}

/// Runs `body(0)`, `body(1)`, ... each on a thread of its own, all at once; their results.
private func onThreads(_ count: Int, _ body: @escaping (Int) -> Int) -> [Int] {
    final class Job {
        let index: Int, body: (Int) -> Int
        var result = 0
        init(_ index: Int, _ body: @escaping (Int) -> Int) { self.index = index; self.body = body }
    }
    let jobs = (0..<count).map { Job($0, body) }
    let threads = jobs.map { job -> pthread_t in
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue()
            job.result = job.body(job.index)
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        precondition(created == 0, "pthread_create")
        return thread
    }
    for thread in threads { pthread_join(thread, nil) }
    return jobs.map(\.result)
}
