#if canImport(Glibc)
import Glibc
#endif
import RssppDPDK
import TestSupport

/// A primary's rsspp block as the primary wrote it: found by its magic in the primary's
/// hugepage files and mapped into the test, so that the test can make it look like a block
/// of another layout version without a test-only switch in the library.
final class BlockInHugepages {
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let offset: Int

    init(primary: Primary) throws {
        guard let directory = primary.hugepageDirectory, let folder = opendir(directory) else {
            throw TestFailure("the primary has no hugepage directory")
        }
        defer { closedir(folder) }
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard !name.hasPrefix("."), let found = BlockInHugepages.search(directory + "/" + name) else { continue }
            (mapping, length, offset) = found
            return
        }
        throw TestFailure("no rsspp block in \(directory)")
    }

    deinit { munmap(mapping, length) }

    /// The block in this process's mapping of the primary's memory.
    var block: UnsafeMutablePointer<rsspp_block> { (mapping + offset).assumingMemoryBound(to: rsspp_block.self) }

    /// The block's table, as the primary last stored it.
    var table: [Int] {
        let entries = (mapping + offset + Int(block.pointee.table_offset)).assumingMemoryBound(to: UInt16.self)
        return (0..<Int(block.pointee.table_size)).map { Int(entries[$0]) }
    }

    func setVersion(_ version: UInt32) {
        (mapping + offset + MemoryLayout<UInt64>.size).storeBytes(of: version, as: UInt32.self)
    }

    /// The file mapped, and where in it the block starts (memzones are cache-line aligned).
    private static func search(_ path: String) -> (UnsafeMutableRawPointer, Int, Int)? {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size > 0,
              let mapping = mmap(nil, Int(status.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
              mapping != MAP_FAILED else { return nil }
        let length = Int(status.st_size)
        // A block that runs past this file's page continues in another file: not usable here.
        for offset in stride(from: 0, to: length - 64, by: 64)
        where mapping.load(fromByteOffset: offset, as: UInt64.self) == RSSPP_BLOCK_MAGIC
            && offset + Int(mapping.load(fromByteOffset: offset + MemoryLayout<rsspp_block>.offset(of: \.zone_size)!, as: UInt64.self)) <= length {
            return (mapping, length, offset)
        }
        munmap(mapping, length)
        return nil
    }
}
