#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// 2 MB hugepages reserved for one test and a private hugetlbfs mount holding them, for a
/// primary and its secondaries. `release()` unmounts (freeing the page files the primary
/// left), removes the mount point and gives the pages back.
///
/// The pool is shared with the rest of the machine, so the reservation adds to
/// /proc/sys/vm/nr_hugepages and the release subtracts the same number, under a lock, instead
/// of writing absolute values that would undo a concurrent run's reservation.
final class Hugepages {
    static let poolFile = "/proc/sys/vm/nr_hugepages"
    static let lockFile = "/tmp/rsspp-dpdk-hugepages.lock"

    let pages: Int
    let mountPoint: String
    private var reserved = false
    private var mounted = false

    init(pages: Int, in directory: TemporaryDirectory) throws {
        self.pages = pages
        mountPoint = directory.file("huge")
        do {
            try Hugepages.adjustPool(by: pages)
            reserved = true
            try Hugepages.waitUntilFree(pages)
            guard mkdir(mountPoint, 0o700) == 0 else { throw TestFailure("mkdir \(mountPoint): \(String(cString: strerror(errno)))") }
            guard mount("nodev", mountPoint, "hugetlbfs", 0, "pagesize=2M,size=\(pages * 2)M") == 0 else {
                throw TestFailure("mount -t hugetlbfs \(mountPoint): \(String(cString: strerror(errno)))")
            }
            mounted = true
        } catch {
            release()
            throw error
        }
    }

    func release() {
        if mounted && umount2(mountPoint, Int32(MNT_DETACH)) == 0 { mounted = false }
        rmdir(mountPoint)
        if reserved {
            try? Hugepages.adjustPool(by: -pages)
            reserved = false
        }
    }

    /// Adds `delta` pages to the kernel's pool; fails when the kernel cannot find them.
    private static func adjustPool(by delta: Int) throws {
        let lock = open(lockFile, O_CREAT | O_RDWR, 0o600)
        guard lock >= 0 else { throw TestFailure("\(lockFile): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        let before = try readPool()
        let wanted = max(0, before + delta)
        try writeFile(poolFile, "\(wanted)\n")
        let after = try readPool()
        if delta > 0 && after < wanted {
            try writeFile(poolFile, "\(before)\n")
            throw TestFailure("the kernel gave \(after - before) of \(delta) hugepages of 2 MB")
        }
    }

    /// Pages the previous test's processes still map are freed only when the last of them has
    /// exited, which on a busy host (a release build beside the suite) can come after this test
    /// reserved its own: a primary started before then finds too few free pages.
    private static func waitUntilFree(_ pages: Int, seconds: Double = 20) throws {
        let deadline = monotonicSeconds() + seconds
        var free = try freePages()
        while free < pages && monotonicSeconds() < deadline {
            usleep(50_000)
            free = try freePages()
        }
        guard free >= pages else { throw TestFailure("\(free) of \(pages) hugepages free after \(seconds) s") }
    }

    private static func freePages() throws -> Int {
        let meminfo = String(decoding: try readFile("/proc/meminfo"), as: UTF8.self)
        guard let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("HugePages_Free:") }),
              let pages = Int(String(line.dropFirst("HugePages_Free:".count)).trimmingWhitespace()) else {
            throw TestFailure("/proc/meminfo: no HugePages_Free")
        }
        return pages
    }

    private static func readPool() throws -> Int {
        let text = String(decoding: try readFile(poolFile), as: UTF8.self)
        guard let pages = Int(text.trimmingWhitespace()) else { throw TestFailure("\(poolFile): \"\(text)\"") }
        return pages
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
