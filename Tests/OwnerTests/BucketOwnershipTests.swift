import BucketOwnership
import Synchronization
import Testing

/// A packet whose lifetime the tests watch from outside, through weak references.
final class TrackedPacket: Sendable {
    let number: Int
    init(_ number: Int) { self.number = number }
}

/// The Swift module over the C core: the application's packet type in and out, its errors,
/// and no packet leaked whichever way it leaves the library.
@Suite struct BucketOwnershipTests {
    /// What replay and expire handed back, from whichever thread.
    final class Handed: Sendable {
        let replayed = Mutex<[(queue: Int, bucket: Int, packet: String)]>([])
        let expired = Mutex<[String]>([])
    }

    func make(_ configuration: BucketOwnership<String>.Configuration, _ handed: Handed) throws
        -> BucketOwnership<String> {
        try BucketOwnership(configuration,
                            replay: { queue, bucket, packet in
                                handed.replayed.withLock { $0.append((queue, bucket, packet)) } },
                            expire: { _, _, packet in handed.expired.withLock { $0.append(packet) } })
    }

    @Test func packetsOfTheApplicationsTypeAreReplayedInOrderOnTheNewOwner() throws {
        let handed = Handed()
        let ownership = try make(.init(buckets: 4, queues: 2, table: [1, 1, 0, 0]), handed)
        #expect(ownership.enter(queue: 0, bucket: 1, packet: "first") == .parked)
        #expect(ownership.enter(queue: 0, bucket: 1, packet: "second") == .parked)
        #expect(ownership.enter(queue: 0, bucket: 2, packet: "own") == .process)
        ownership.poll(queue: 1, received: 0, empty: true)
        ownership.poll(queue: 1, received: 0, empty: true)
        #expect(ownership.owner(of: 1) == 0)
        ownership.poll(queue: 0, received: 3, empty: false)
        let replayed = handed.replayed.withLock { $0 }
        #expect(replayed.map(\.packet) == ["first", "second"])
        #expect(replayed.allSatisfy { $0.queue == 0 && $0.bucket == 1 })
        #expect(ownership.enter(queue: 0, bucket: 1, packet: "third") == .process)
        let stats = ownership.statistics(queue: 0)
        #expect(stats.parked == 2 && stats.replayed == 2 && stats.acquired == 1)
        #expect(ownership.statistics(queue: 1).released == 1)
    }

    @Test func theBacklogClosureDrivesTheCountRule() throws {
        let handed = Handed()
        var configuration = BucketOwnership<String>.Configuration(buckets: 2, queues: 2)
        configuration.backlog = { queue in queue == 0 ? 0 : nil }
        let ownership = try make(configuration, handed)
        try ownership.request(bucket: 0, queue: 1)
        ownership.poll(queue: 0, received: 0, empty: false)
        #expect(ownership.owner(of: 0) == 1)
    }

    @Test func noPacketIsLeakedWhicheverWayItLeaves() throws {
        var packets: [TrackedPacket] = (0..<6).map(TrackedPacket.init)
        let watched = packets.map { WeakPacket($0) }
        let expired = Numbers()
        do {
            var configuration = BucketOwnership<TrackedPacket>.Configuration(buckets: 2, queues: 2)
            configuration.parkCapacity = 2
            let ownership = try BucketOwnership(configuration,
                                                replay: { _, _, _ in },
                                                expire: { _, _, packet in expired.list.withLock { $0.append(packet.number) } })
            #expect(ownership.enter(queue: 0, bucket: 0, packet: packets[0]) == .process)
            #expect(ownership.enter(queue: 1, bucket: 0, packet: packets[1]) == .parked)
            #expect(ownership.enter(queue: 1, bucket: 0, packet: packets[2]) == .parked)
            #expect(ownership.enter(queue: 1, bucket: 0, packet: packets[3]) == .full)
            #expect(ownership.enter(queue: 0, bucket: 1, packet: packets[4]) == .parked)
            // Bucket 0 goes to queue 1, whose replay drops 1 and 2; 4 stays parked on queue 0.
            ownership.poll(queue: 0, received: 2, empty: true)
            ownership.poll(queue: 0, received: 0, empty: true)
            ownership.poll(queue: 1, received: 3, empty: false)
            #expect(ownership.statistics(queue: 1).replayed == 2)
            packets.removeAll()
            // The library holds the one packet still parked, and nothing it handed back.
            #expect(watched.compactMap { $0.packet?.number } == [4])
        }
        #expect(expired.list.withLock { $0 } == [4])
        #expect(watched.compactMap { $0.packet?.number } == [])
    }

    @Test func aBadConfigurationThrowsNamingTheSetting() {
        func refusal(_ configuration: BucketOwnership<String>.Configuration) -> String {
            do {
                _ = try make(configuration, Handed())
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(.init(buckets: 0, queues: 2)).contains("buckets is 0"))
        #expect(refusal(.init(buckets: 4, queues: 0)).contains("queues is 0"))
        #expect(refusal(.init(buckets: 4, queues: 2, table: [0, 1])).contains("2 entries for 4 buckets"))
        #expect(refusal(.init(buckets: 2, queues: 2, table: [0, 2])).contains("table[1] is queue 2"))
        #expect(refusal(.init(buckets: 2, queues: 2, table: [0, -1])).contains("table[1] is queue -1"))
        var noParking = BucketOwnership<String>.Configuration(buckets: 2, queues: 2)
        noParking.parkCapacity = 0
        #expect(refusal(noParking).contains("parkCapacity is 0"))
    }

    @Test func aRequestOutOfRangeThrowsWithItsNumbers() throws {
        let ownership = try make(.init(buckets: 4, queues: 2), Handed())
        #expect(throws: OwnershipError.self) { try ownership.request(bucket: 4, queue: 0) }
        do {
            try ownership.request(bucket: 1, queue: 7)
            Issue.record("queue 7 of 2 accepted")
        } catch {
            #expect("\(error)".contains("queue 7"))
        }
        #expect(ownership.owner(of: 1) == 1)
    }
}

final class Numbers: Sendable {
    let list = Mutex<[Int]>([])
}

struct WeakPacket {
    weak var packet: TrackedPacket?
    init(_ packet: TrackedPacket) { self.packet = packet }
}
