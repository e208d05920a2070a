#if canImport(Glibc)
import Glibc
#endif
import RssppOwner
import Testing

/// Each rule of rsspp_owner.h's protocol, one scenario each, through the C API on one thread
/// that plays every queue in turn. With 3 queues and no table, bucket b starts on queue b % 3:
/// bucket 0 and bucket 3 on queue 0, bucket 1 on queue 1.
@Suite struct HandoverRuleTests {
    @Test func parkedPacketsAreReplayedInArrivalOrderBeforeNewerOnes() throws {
        let h = try OwnerHarness()
        for packet in 1...3 {
            #expect(h.enter(queue: 1, bucket: 0, packet: packet) == RSSPP_PARKED)
        }
        h.poll(queue: 1, received: 3, empty: false)
        #expect(h.owner(of: 0) == 0)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 0, empty: true)
        #expect(h.owner(of: 0) == 1)
        // Owned now, but the replay is due at queue 1's next poll: a newer packet waits behind it.
        #expect(h.enter(queue: 1, bucket: 0, packet: 4) == RSSPP_PARKED)
        #expect(h.recorder.replayed.isEmpty)
        h.poll(queue: 1, received: 1, empty: false)
        #expect(h.recorder.replayed == (1...4).map { Handed(queue: 1, bucket: 0, packet: $0) })
        #expect(h.enter(queue: 1, bucket: 0, packet: 5) == RSSPP_PROCESS)
        let (old, new) = (h.stats(0), h.stats(1))
        #expect(old.released == 1 && old.acquired == 0)
        #expect(new.parked == 4 && new.replayed == 4 && new.acquired == 1 && new.released == 0)
        #expect(h.recorder.expired.isEmpty)
    }

    @Test func anIdleOldOwnerHandsOverWithoutTraffic() throws {
        let h = try OwnerHarness()
        #expect(h.request(bucket: 0, queue: 1) == 0)
        // Its first poll may have received before the request was filed; the second cannot.
        h.poll(queue: 0, empty: true)
        h.poll(queue: 0, empty: true)
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 1, empty: true)
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PROCESS)
        #expect(h.stats(1).acquired == 1)
    }

    @Test func theHandoverLatencySpansRequestToOwnership() throws {
        let h = try OwnerHarness()
        var before = timespec(), after = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        #expect(h.request(bucket: 0, queue: 1) == 0)
        usleep(5_000)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 1, empty: true)
        clock_gettime(CLOCK_MONOTONIC, &after)
        let stats = h.stats(1)
        let bound = UInt64((after.tv_sec - before.tv_sec) * 1_000_000_000 + (after.tv_nsec - before.tv_nsec))
        #expect(stats.acquired == 1)
        // At least the pause between request and polls, at most all that the test did.
        #expect(stats.handover_ns >= 5_000_000)
        #expect(stats.handover_ns <= bound)
        #expect(stats.handover_max_ns == stats.handover_ns)
    }

    @Test func anIdleOldOwnerWithAnEmptyBacklogHandsOverAtItsNextPoll() throws {
        let h = try OwnerHarness(.init(withBacklog: true))
        h.recorder.backlog[0] = 0
        #expect(h.request(bucket: 0, queue: 1) == 0)
        h.poll(queue: 0, empty: true)
        #expect(h.owner(of: 0) == 1)
    }

    @Test func stampRuleReleasesOnlyAfterALaterPacket() throws {
        let h = try OwnerHarness()
        #expect(h.enter(queue: 1, bucket: 0, stamp: 100, packet: 1) == RSSPP_PARKED)
        // Stamped before the switch: still queue 0's, and neither polls nor dequeues release it.
        #expect(h.enter(queue: 0, bucket: 0, stamp: 99, packet: 2) == RSSPP_PROCESS)
        for _ in 0..<3 { h.poll(queue: 0, received: 1000, empty: false) }
        #expect(h.owner(of: 0) == 0)
        // Any packet stamped later (here of bucket 3) proves the old packets are all dequeued.
        #expect(h.enter(queue: 0, bucket: 3, stamp: 101, packet: 3) == RSSPP_PROCESS)
        h.poll(queue: 0, received: 1, empty: false)
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 1, empty: false)
        #expect(h.recorder.replayed == [Handed(queue: 1, bucket: 0, packet: 1)])
    }

    @Test func emptyRuleReleasesWhenTheQueueIsSeenEmptyAfterTheRequest() throws {
        let h = try OwnerHarness()
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        // No stamp, no backlog, no capacity: only an empty queue tells.
        for _ in 0..<5 { h.poll(queue: 0, received: 32, empty: false) }
        #expect(h.owner(of: 0) == 0)
        h.poll(queue: 0, empty: true)
        #expect(h.owner(of: 0) == 1)
    }

    @Test func aBacklogThatLiesHighIsCappedByTheQueueCapacity() throws {
        let h = try OwnerHarness(.init(queueCapacity: 8, withBacklog: true))
        h.recorder.backlog[0] = 1_000_000
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        h.poll(queue: 0, received: 0, empty: false) // measures: min(1000000, 8)
        h.poll(queue: 0, received: 3, empty: false)
        h.poll(queue: 0, received: 4, empty: false)
        #expect(h.owner(of: 0) == 0)
        h.poll(queue: 0, received: 1, empty: false)
        #expect(h.owner(of: 0) == 1)
        #expect(h.stats(0).late == 0)
    }

    @Test func aBacklogCountIsNotUsedForStampedRequests() throws {
        let h = try OwnerHarness(.init(withBacklog: true))
        h.recorder.backlog[0] = 0
        #expect(h.enter(queue: 1, bucket: 0, stamp: 50, packet: 1) == RSSPP_PARKED)
        h.poll(queue: 0, received: 10, empty: false)
        h.poll(queue: 0, received: 10, empty: false)
        #expect(h.owner(of: 0) == 0)
    }

    @Test func aBacklogThatLiesLowLosesNothingAndCountsLatePackets() throws {
        let h = try OwnerHarness(.init(withBacklog: true))
        h.recorder.backlog = [0: 0, 1: 0]
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        h.poll(queue: 0, received: 0, empty: false) // "0 waiting": released at once
        #expect(h.owner(of: 0) == 1)
        // But an old packet of bucket 0 was still in queue 0: parked there, not dropped.
        #expect(h.enter(queue: 0, bucket: 0, packet: 2) == RSSPP_PARKED)
        #expect(h.stats(0).late == 1)
        h.poll(queue: 0, received: 1, empty: false)
        h.poll(queue: 1, received: 0, empty: false) // replays 1, and gives the bucket back
        #expect(h.owner(of: 0) == 0)
        h.poll(queue: 0, received: 0, empty: false)
        #expect(h.recorder.replayed == [Handed(queue: 1, bucket: 0, packet: 1),
                                        Handed(queue: 0, bucket: 0, packet: 2)])
        #expect(h.recorder.expired.isEmpty)
        #expect(h.stats(0).overflows == 0)
        // Back on its old queue after an empty poll, its packets are no longer late.
        h.poll(queue: 0, empty: true)
        #expect(h.enter(queue: 0, bucket: 0, packet: 3) == RSSPP_PROCESS)
        #expect(h.stats(0).late == 1)
    }

    @Test func aChainIsHandedOverInStampOrderNotFilingOrder() throws {
        let h = try OwnerHarness()
        #expect(h.request(bucket: 0, queue: 2, stamp: 20) == 0)
        #expect(h.request(bucket: 0, queue: 1, stamp: 10) == 0)
        #expect(h.enter(queue: 2, bucket: 0, stamp: 21, packet: 2) == RSSPP_PARKED)
        #expect(h.enter(queue: 1, bucket: 0, stamp: 11, packet: 1) == RSSPP_PARKED)
        #expect(h.enter(queue: 0, bucket: 3, stamp: 30, packet: 9) == RSSPP_PROCESS)
        h.poll(queue: 0, received: 1, empty: false)
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 1, received: 1, empty: false) // acquires, replays 1; C's drain starts
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 1, empty: true)
        #expect(h.owner(of: 0) == 2)
        h.poll(queue: 2, received: 1, empty: false)
        #expect(h.recorder.replayed == [Handed(queue: 1, bucket: 0, packet: 1),
                                        Handed(queue: 2, bucket: 0, packet: 2)])
        #expect(h.stats(0).released == 1 && h.stats(1).released == 1 && h.stats(2).acquired == 1)
    }

    @Test func aBucketThatMovesAwayAndBackWaitsForTheRequesterInBetween() throws {
        let h = try OwnerHarness()
        // The table moved bucket 0 to queue 1 at 10, and back to queue 0 at 20.
        #expect(h.request(bucket: 0, queue: 1, stamp: 10) == 0)
        #expect(h.request(bucket: 0, queue: 0, stamp: 20) == 0)
        #expect(h.enter(queue: 1, bucket: 0, stamp: 11, packet: 1) == RSSPP_PARKED)
        // Queue 0 gets bucket 0's packet of 21 before queue 1 processed its packet of 11.
        #expect(h.enter(queue: 0, bucket: 0, stamp: 21, packet: 2) == RSSPP_PARKED)
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 0, received: 1, empty: false)
        h.poll(queue: 1, received: 1, empty: false)
        h.poll(queue: 1, empty: true)
        #expect(h.owner(of: 0) == 0)
        h.poll(queue: 0, empty: true)
        #expect(h.recorder.replayed == [Handed(queue: 1, bucket: 0, packet: 1),
                                        Handed(queue: 0, bucket: 0, packet: 2)])
    }

    @Test func aReplayStopsBeforeAPacketStampedAfterAPendingRequest() throws {
        let h = try OwnerHarness()
        // Queue 1 parked 11 and, after the bucket went to queue 2 at 20 and came back at 30, 31.
        #expect(h.enter(queue: 1, bucket: 0, stamp: 11, packet: 1) == RSSPP_PARKED)
        #expect(h.enter(queue: 2, bucket: 0, stamp: 21, packet: 2) == RSSPP_PARKED)
        #expect(h.enter(queue: 1, bucket: 0, stamp: 31, packet: 3) == RSSPP_PARKED)
        #expect(h.enter(queue: 0, bucket: 3, stamp: 40, packet: 9) == RSSPP_PROCESS)
        h.poll(queue: 0, received: 1, empty: false)
        #expect(h.owner(of: 0) == 1)
        h.poll(queue: 1, received: 2, empty: false)
        #expect(h.owner(of: 0) == 2)
        h.poll(queue: 2, received: 1, empty: false)
        h.poll(queue: 2, empty: true)
        h.poll(queue: 1, empty: true)
        #expect(h.recorder.replayed.map(\.packet) == [1, 2, 3])
        #expect(h.owner(of: 0) == 1)
    }

    /// A bucket that passes through every queue before it settles visits them in stamp order,
    /// whether the last one asked through a controller's request or by parking a packet.
    @Test(arguments: [false, true])
    func aLongChainIsHandedOverInStampOrder(byParking: Bool) throws {
        let h = try OwnerHarness(.init(buckets: 10, queues: 5))
        for queue: UInt16 in 1...3 {
            #expect(h.request(bucket: 0, queue: queue, stamp: UInt64(queue) * 10) == 0)
        }
        if byParking {
            #expect(h.enter(queue: 4, bucket: 0, stamp: 41, packet: 4) == RSSPP_PARKED)
        } else {
            #expect(h.request(bucket: 0, queue: 4, stamp: 40) == 0)
        }
        for queue: UInt16 in 1...3 {
            #expect(h.enter(queue: queue, bucket: 0, stamp: UInt64(queue) * 10 + 1, packet: Int(queue)) == RSSPP_PARKED)
        }
        #expect(h.enter(queue: 0, bucket: 5, stamp: 50, packet: 5) == RSSPP_PROCESS)
        for _ in 0..<10 {
            for queue: UInt16 in 0...4 { h.poll(queue: queue, empty: true) }
        }
        #expect(h.owner(of: 0) == 4)
        #expect(h.recorder.replayed.map(\.packet) == (byParking ? [1, 2, 3, 4] : [1, 2, 3]))
        #expect((1...4).map { h.stats($0).acquired } == [1, 1, 1, 1])
    }

    /// A -> B -> C -> B -> D, with B slow to dequeue its second period's packet: C must hand
    /// the bucket back to B (its second request), not on to D, so that B's packet of 31 comes
    /// before D's of 41.
    @Test func aQueueVisitedTwiceBeforeTheBucketSettlesKeepsBothTurns() throws {
        let h = try OwnerHarness(.init(buckets: 8, queues: 4))
        for (queue, stamp): (UInt16, UInt64) in [(1, 10), (2, 20), (1, 30), (3, 40)] {
            #expect(h.request(bucket: 0, queue: queue, stamp: stamp) == 0)
        }
        #expect(h.enter(queue: 1, bucket: 0, stamp: 11, packet: 1) == RSSPP_PARKED)
        #expect(h.enter(queue: 2, bucket: 0, stamp: 21, packet: 2) == RSSPP_PARKED)
        #expect(h.enter(queue: 3, bucket: 0, stamp: 41, packet: 4) == RSSPP_PARKED)
        #expect(h.enter(queue: 0, bucket: 4, stamp: 50, packet: 9) == RSSPP_PROCESS)
        h.poll(queue: 0, received: 1, empty: false)
        h.poll(queue: 1, received: 1, empty: false)
        h.poll(queue: 1, empty: true)
        h.poll(queue: 2, received: 1, empty: false)
        h.poll(queue: 2, empty: true)
        #expect(h.owner(of: 0) == 1)
        if h.enter(queue: 1, bucket: 0, stamp: 31, packet: 3) == RSSPP_PROCESS {
            h.recorder.replayed.append(Handed(queue: 1, bucket: 0, packet: 3))
        }
        h.poll(queue: 1, received: 1, empty: false)
        h.poll(queue: 1, empty: true)
        h.poll(queue: 3, empty: true)
        #expect(h.recorder.replayed.map(\.packet) == [1, 2, 3, 4])
        #expect(h.owner(of: 0) == 3)
    }

    @Test func aFullParkingAnswersFullAndCountsIt() throws {
        let h = try OwnerHarness(.init(parkCapacity: 2))
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        #expect(h.enter(queue: 1, bucket: 1 + 3, packet: 2) == RSSPP_PROCESS)
        #expect(h.enter(queue: 1, bucket: 3, packet: 3) == RSSPP_PARKED)
        #expect(h.enter(queue: 1, bucket: 0, packet: 4) == RSSPP_FULL)
        #expect(h.stats(1).overflows == 1 && h.stats(1).parked == 2)
        h.poll(queue: 1, received: 4, empty: false)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 1, empty: true)
        #expect(h.recorder.replayed.map(\.packet) == [1, 3])
    }

    @Test func aPacketParkedTooLongIsExpiredAndCounted() throws {
        let h = try OwnerHarness(.init(parkTimeoutNanoseconds: 1_000_000))
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        h.poll(queue: 1, received: 1, empty: false)
        usleep(20_000) // queue 0 stalls past the timeout
        h.poll(queue: 1, empty: true)
        #expect(h.recorder.expired == [Handed(queue: 1, bucket: 0, packet: 1)])
        #expect(h.stats(1).expired == 1)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 0, empty: true)
        h.poll(queue: 1, empty: true)
        #expect(h.owner(of: 0) == 1)
        #expect(h.recorder.replayed.isEmpty)
    }

    @Test func packetsStillParkedWhenTheOwnerIsFreedGoToExpire() throws {
        var h: OwnerHarness? = try OwnerHarness()
        let recorder = h!.recorder
        #expect(h!.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        #expect(h!.enter(queue: 2, bucket: 3, packet: 2) == RSSPP_PARKED)
        h = nil
        #expect(Set(recorder.expired.map(\.packet)) == [1, 2])
    }

    @Test func aRequestOutOfRangeIsRefusedWithItsNumbers() throws {
        let h = try OwnerHarness()
        #expect(h.request(bucket: 8, queue: 0) == -1)
        #expect(String(cString: rsspp_owner_error()).contains("bucket 8"))
        #expect(h.request(bucket: 0, queue: 3) == -1)
        #expect(String(cString: rsspp_owner_error()).contains("queue 3"))
        #expect(h.owner(of: 0) == 0)
    }

    @Test func statsOfAQueueOutOfRangeAreZeroAndSayWhy() throws {
        let h = try OwnerHarness()
        #expect(h.enter(queue: 1, bucket: 0, packet: 1) == RSSPP_PARKED)
        // Another failure first, so that a stale message cannot pass for the stats' own.
        #expect(h.owner(of: 8) == UInt16.max)
        let stats = h.stats(3)
        #expect(stats.parked == 0 && stats.acquired == 0 && stats.released == 0)
        let message = String(cString: rsspp_owner_error())
        #expect(message.contains("rsspp_owner_stats") && message.contains("queue 3"), "\(message)")
    }

    @Test(arguments: [
        (OwnerHarness.Settings(buckets: 0), "buckets is 0"),
        (OwnerHarness.Settings(buckets: 65537), "buckets is 65537"),
        (OwnerHarness.Settings(queues: 0), "queues is 0"),
        (OwnerHarness.Settings(queues: 1025), "queues is 1025"),
    ])
    func aBadConfigurationIsRefusedByName(settings: OwnerHarness.Settings, message: String) {
        #expect(throws: HarnessError.self) { try OwnerHarness(settings) }
        #expect(String(cString: rsspp_owner_error()).contains(message))
    }

    @Test func aTableNamingAMissingQueueIsRefusedWithItsEntry() {
        let recorder = Recorder()
        var config = OwnerHarness.config(.init(buckets: 4, queues: 2), recorder: recorder)
        let table: [UInt16] = [0, 1, 2, 0]
        let owner = table.withUnsafeBufferPointer { entries in
            config.table = entries.baseAddress
            return rsspp_owner_create(&config)
        }
        #expect(owner == nil)
        #expect(String(cString: rsspp_owner_error()).contains("table[2] is queue 2"))
    }

    @Test func missingCallbacksAreRefused() {
        let recorder = Recorder()
        var config = OwnerHarness.config(.init(), recorder: recorder)
        config.expire = nil
        #expect(rsspp_owner_create(&config) == nil)
        #expect(String(cString: rsspp_owner_error()).contains("expire"))
    }
}
