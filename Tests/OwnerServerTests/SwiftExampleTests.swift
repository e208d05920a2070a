#if canImport(Glibc)
import Glibc
#endif
import BucketOwnership
import Foundation
import Testing
import TestSupport

/// The README's Swift example, run: two queue threads keep per-bucket flow counts through
/// BucketOwnership, a peer moves a bucket over the ControlSocket the way rss-migrate does, and
/// the answer, the owner and the counts are checked from outside. The README shows the lines
/// between the markers verbatim (checked below), so the example cannot rot.
@Suite struct SwiftExampleTests {
    struct Packet: Sendable {
        var rssHash: UInt32
        var stamp: UInt64
        var flow: UInt64
    }

    /// One bucket's flows: touched only by the bucket's owner, which the protocol makes one thread.
    final class FlowTable: @unchecked Sendable {
        var packets: [UInt64: Int] = [:]
        func record(_ packet: Packet) { packets[packet.flow, default: 0] += 1 }
    }

    @Test func theReadmeExampleMovesABucketAndKeepsItsFlows() throws {
        let directory = try TemporaryDirectory(area: "swift-example")
        let socketPath = directory.file("rsspp.sock")
        let batches = Batches(queues: 4)
        // README example begin
        let tables = (0..<128).map { _ in FlowTable() }   // one per bucket
        let ownership = try BucketOwnership<Packet>(.init(buckets: 128, queues: 4),
            replay: { _, bucket, packet in tables[bucket].record(packet) },
            expire: { _, _, _ in })                       // parked too long: dropped
        let control = try ControlSocket(.init(path: socketPath), ownership: ownership)

        // On queue q's thread, for every receive poll:
        @Sendable func receive(queue q: Int, batch: [Packet]) {
            for packet in batch {
                let bucket = Int(packet.rssHash % 128)
                if ownership.enter(queue: q, bucket: bucket, stamp: packet.stamp, packet: packet) == .process {
                    tables[bucket].record(packet)
                }
            }
            ownership.poll(queue: q, received: batch.count, empty: batch.isEmpty)
        }
        // README example end
        defer { control.close() }

        // Bucket 5 starts on queue 1 (5 % 4). It carries one flow throughout: before the move
        // it reaches queue 1, after it queue 2 (where it parks until queue 1 hands over).
        for stamp in UInt64(1)...3 { batches.add(Packet(rssHash: 5, stamp: stamp, flow: 42), to: 1) }
        let peer = try Peer(socketPath)
        try peer.send(migrate(seq: 1, moves: [(bucket: 5, from: 1, to: 2)]))
        for stamp in UInt64(4)...6 { batches.add(Packet(rssHash: 5, stamp: stamp, flow: 42), to: 2) }
        let stop = Flag()
        let threads = (0..<4).map { queue in
            Thread { while !stop.isSet { receive(queue: queue, batch: batches.take(queue)); usleep(100) } }
        }
        threads.forEach { $0.start() }
        let answer = try peer.answer()
        stop.set()
        while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
        // The ack says queue 1 released the bucket. Queue 2's thread may not have run yet (its
        // packets still wait) or not polled since (its parked ones wait for the replay): this
        // thread now plays every queue's, twice.
        for _ in 0..<2 {
            for queue in 0..<4 { receive(queue: queue, batch: batches.take(queue)) }
        }

        #expect(answer == Answer("ack", seq: 1))
        #expect(ownership.owner(of: 5) == 2)
        #expect(tables[5].packets == [42: 6], "every packet of the flow counted once, in its bucket's table")
        #expect(ownership.statistics(queue: 2).acquired == 1)
        control.close()
        #expect(access(socketPath, F_OK) != 0, "the socket file is removed on close")
    }

    /// `tableWritesReported`: the application's own request moves the bucket, the socket
    /// requests nothing (the bucket stays however often the queues poll) and answers for it.
    @Test func aControlSocketOfAnApplicationThatReportsItsTableWritesOnlyAnswers() throws {
        let directory = try TemporaryDirectory(area: "swift-example")
        let socketPath = directory.file("rsspp.sock")
        let ownership = try BucketOwnership<Packet>(.init(buckets: 8, queues: 2),
                                                    replay: { _, _, _ in }, expire: { _, _, _ in })
        var configuration = ControlSocket<Packet>.Configuration(path: socketPath)
        configuration.tableWritesReported = true
        configuration.ackTimeout = .seconds(600)
        let control = try ControlSocket(configuration, ownership: ownership)
        defer { control.close() }
        let peer = try Peer(socketPath)
        try peer.send(migrate(seq: 2, moves: [(bucket: 3, from: 1, to: 0)]))
        func pollQueues() { for queue in 0..<2 { ownership.poll(queue: queue, received: 0, empty: true) } }
        for _ in 0..<50 {
            pollQueues()
            #expect(try peer.receive(within: 0.002) == nil)
        }
        #expect(ownership.owner(of: 3) == 1, "the socket requested the bucket")
        try ownership.request(bucket: 3, queue: 0)
        var answer: Answer?
        for _ in 0..<5000 where answer == nil {
            pollQueues()
            answer = try peer.receive(within: 0.002)
        }
        #expect(answer == Answer("ack", seq: 2))
        #expect(ownership.owner(of: 3) == 0)
    }

    @Test func theReadmeShowsTheExampleVerbatim() throws {
        let here = URL(fileURLWithPath: #filePath)
        let source = try String(contentsOf: here, encoding: .utf8)
        let readme = try String(contentsOf: here.deletingLastPathComponent().appendingPathComponent("../../README.md"),
                                encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        guard let begin = lines.firstIndex(where: { $0.hasSuffix("// README example begin") }),
              let end = lines.firstIndex(where: { $0.hasSuffix("// README example end") }) else {
            Issue.record("the markers are missing")
            return
        }
        let example = lines[(begin + 1)..<end].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }
        #expect(readme.contains(example.joined(separator: "\n")), "README.md must show the example as tested")
    }
}

/// Packets waiting per queue, as a NIC queue would hold them.
private final class Batches: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [[SwiftExampleTests.Packet]]
    init(queues: Int) { waiting = Array(repeating: [], count: queues) }
    func add(_ packet: SwiftExampleTests.Packet, to queue: Int) { lock.withLock { waiting[queue].append(packet) } }
    func take(_ queue: Int) -> [SwiftExampleTests.Packet] {
        lock.withLock { defer { waiting[queue] = [] }; return waiting[queue] }
    }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
