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
