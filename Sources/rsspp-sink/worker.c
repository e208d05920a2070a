/* The polling loops: a worker per queue, and the dispatcher of software RSS. */
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "sink.h"

/* How long an idle loop sleeps under --yield. */
#define IDLE_SLEEP_US 50

/* Paces reception to a rate, for virtual devices that would otherwise deliver packets as
 * fast as the core can take them: packets not yet allowed have simply not arrived. */
struct pacer {
    double per_cycle;   /* packets per TSC cycle; 0: unpaced */
    double tokens;
    uint64_t last;
};

static struct pacer pacer_make(double rate) {
    struct pacer pacer = {.per_cycle = rate / (double)rte_get_tsc_hz(), .last = rte_rdtsc()};
    return pacer;
}

static uint16_t pacer_allow(struct pacer *pacer, uint16_t wanted) {
    if (pacer->per_cycle == 0)
        return wanted;
    uint64_t now = rte_rdtsc();
    pacer->tokens = RTE_MIN(pacer->tokens + (double)(now - pacer->last) * pacer->per_cycle,
                            (double)BURST);
    pacer->last = now;
    uint16_t allowed = (uint16_t)RTE_MIN((double)wanted, pacer->tokens);
    pacer->tokens -= allowed;
    return allowed;
}

/* Stands in for the application's per-packet processing: wall-clock cycles, spent spinning
 * or, under --yield, sleeping (the same busy time to the cycle accounting, without using a
 * core of a shared machine). */
static void work(const struct sink_options *options, uint16_t packets) {
    if (options->work_cycles == 0 || packets == 0)
        return;
    uint64_t deadline = rte_rdtsc() + options->work_cycles * packets;
    if (options->yield) {
        /* Signed: a thread preempted since the deadline was set may already be past it. */
        int64_t remaining = (int64_t)(deadline - rte_rdtsc());
        if (remaining > 0)
            rte_delay_us_sleep((unsigned)((uint64_t)remaining * 1000000 / rte_get_tsc_hz()));
    }
    while (rte_rdtsc() < deadline)
        rte_pause();
}

static void idle(const struct sink_options *options) {
    if (options->yield)
        rte_delay_us_sleep(IDLE_SLEEP_US);
}

/* The packet's stamp for the owner: its arrival order on one clock. Software RSS: the
 * dispatcher's sequence number. Hardware RSS: unknown (0); the owner then drains by the rx
 * queue's count, or its ring seen empty. */
static uint64_t stamp_of(const struct sink *sink, const struct rte_mbuf *packet) {
    return sink->options.software_rss
        ? *RTE_MBUF_DYNFIELD(packet, sink->sequence_field, const uint64_t *) : 0;
}

/* Under --check-flows: the generated packet's sequence against its flow's state. */
static void check_sequence(struct flow_check *check, struct flow *flow,
                           const struct rte_mbuf *packet) {
    uint64_t sequence;
    if (traffic_sequence(packet, &sequence) != 0)
        return;
    if (flow == NULL) {
        check->untracked++;
    } else if (sequence < flow->next_sequence) {
        check->reordered++;
    } else {
        check->gaps += sequence - flow->next_sequence;
        check->in_order += sequence == flow->next_sequence;
        flow->next_sequence = sequence + 1;
    }
}

/* The one place that touches flow state. Under --check-flows the bucket's marker says who is
 * inside: finding another worker there means two cores touched one bucket's table at once. */
static void track(struct sink *sink, struct worker *worker, struct rte_mbuf *packet,
                  uint32_t bucket, uint32_t hash, uint64_t now) {
    struct bucket_marker *marker = sink->markers != NULL ? &sink->markers[bucket] : NULL;
    uint32_t nobody = 0;
    int entered = marker != NULL
        && __atomic_compare_exchange_n(&marker->inside, &nobody, (uint32_t)worker->queue + 1, 0,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    if (marker != NULL && !entered)
        worker->stats.check.overlaps++;
    int created;
    struct flow *flow = flow_track(&sink->flows, bucket, hash, packet, now, &created);
    worker->stats.new_flows += created == 1;
    worker->stats.flow_overflows += created < 0;
    if (marker != NULL)
        check_sequence(&worker->stats.check, flow, packet);
    if (entered)
        __atomic_store_n(&marker->inside, 0, __ATOMIC_RELEASE);
}

/* Read by the main lcore while the worker runs (--stop-after): one writer, relaxed stores. */
static void add_processed(struct worker *worker, uint64_t packets, uint64_t bytes) {
    __atomic_store_n(&worker->stats.packets, worker->stats.packets + packets, __ATOMIC_RELAXED);
    worker->stats.bytes += bytes;
}

void replay_parked(void *context, uint16_t queue, uint32_t bucket, void *parked) {
    struct sink *sink = context;
    struct rte_mbuf *packet = parked;
    struct worker *worker = &sink->workers[queue];
    /* The packet was hashed before it was parked; the hash is in the mbuf. */
    track(sink, worker, packet, bucket, rsspp_packet_hash(sink->rsspp, packet), rte_rdtsc());
    work(&sink->options, 1);
    add_processed(worker, 1, packet->pkt_len);
    rte_pktmbuf_free(packet);
}

void expire_parked(void *context, uint16_t queue, uint32_t bucket, void *parked) {
    RTE_SET_USED(bucket);
    struct sink *sink = context;
    sink->workers[queue].stats.expired++;
    rte_pktmbuf_free(parked);
}

int64_t queue_backlog(void *context, uint16_t queue) {
    struct sink *sink = context;
    if (sink->options.software_rss)
        return rte_ring_count(sink->workers[queue].ring);
    int count = rte_eth_rx_queue_count(sink->options.port, queue);
    return count < 0 ? -1 : count;
}

/* Each bucket acquisition's latency, from the owner's running sum: a poll seldom acquires
 * more than one bucket, and when it does they share the mean. */
static void sample_handovers(struct sink *sink, struct worker *worker) {
    struct rsspp_owner_stats owned;
    rsspp_owner_stats(sink->owner, worker->queue, &owned);
    struct worker_stats *stats = &worker->stats;
    uint64_t acquired = owned.acquired - stats->acquired_seen;
    if (acquired == 0)
        return;
    uint64_t latency = (owned.handover_ns - stats->handover_sum_seen) / acquired;
    for (uint64_t i = 0; i < acquired && stats->handovers_sampled < HANDOVER_SAMPLES; i++)
        stats->handover_ns[stats->handovers_sampled++] = (uint32_t)RTE_MIN(latency, UINT32_MAX);
    stats->acquired_seen = owned.acquired;
    stats->handover_sum_seen = owned.handover_ns;
}

/* `empty`: a receive ran this iteration and found the queue empty. An iteration the pacer
 * allowed no receive proves nothing about the queue: calling it empty would let the owner
 * release a bucket with packets still waiting (drain rule 2). */
static void poll_owner(struct sink *sink, struct worker *worker, uint16_t received, int empty) {
    rsspp_owner_poll(sink->owner, worker->queue, received, empty);
    sample_handovers(sink, worker);
}

static void process(struct sink *sink, struct worker *worker, struct rte_mbuf **packets,
                    uint16_t count, int empty) {
    uint64_t now = rte_rdtsc(), bytes = 0;
    if (worker->counter != NULL)
        rsspp_account(worker->counter, count, now);
    struct rte_mbuf *done[BURST];
    uint16_t processed = 0, finished = 0;
    for (uint16_t i = 0; i < count; i++) {
        struct rte_mbuf *packet = packets[i];
        if (sink->flows.slots != NULL) {
            /* Hash once: rsspp_packet_hash stores a software hash in the mbuf, where
             * rsspp_count_burst finds it. */
            uint32_t hash = rsspp_packet_hash(sink->rsspp, packet);
            uint32_t bucket = rsspp_port_bucket(sink->rsspp, hash);
            enum rsspp_verdict verdict = sink->owner == NULL ? RSSPP_PROCESS
                : rsspp_owner_enter(sink->owner, worker->queue, bucket, stamp_of(sink, packet), packet);
            if (verdict == RSSPP_PARKED)
                continue; /* the owner keeps it and replays it here once the bucket is ours */
            if (verdict == RSSPP_FULL) {
                worker->stats.park_drops++;
                done[finished++] = packet;
                continue;
            }
            track(sink, worker, packet, bucket, hash, now);
        }
        bytes += packet->pkt_len;
        processed++;
        done[finished++] = packet;
    }
    /* Parked packets are counted where they arrived: they loaded this queue's ring. The owner
     * hands them back only on this thread, so they are still ours to read here. */
    if (worker->counter != NULL)
        rsspp_count_burst(worker->counter, packets, count);
    work(&sink->options, processed);
    add_processed(worker, processed, bytes);
    rte_pktmbuf_free_bulk(done, finished);
    /* Every iteration, idle or not: an idle old owner must still hand its buckets over. */
    if (sink->owner != NULL)
        poll_owner(sink, worker, count, empty);
    if (count == 0)
        idle(&sink->options);
}

int worker_main(void *argument) {
    struct worker *worker = argument;
    struct sink *sink = &the_sink;
    const struct sink_options *options = &sink->options;
    struct pacer pacer = pacer_make(options->rate / options->queues);
    struct rte_mbuf *packets[BURST];
    /* In software RSS the dispatcher stops first; a worker then empties its ring, so that every
     * packet dispatched is processed. */
    while (!sink->quit || (worker->ring != NULL && !rte_ring_empty(worker->ring))) {
        uint16_t count, allowed = BURST;
        if (worker->ring != NULL) {
            count = (uint16_t)rte_ring_dequeue_burst(worker->ring, (void **)packets, BURST, NULL);
        } else {
            allowed = pacer_allow(&pacer, BURST);
            count = allowed == 0 ? 0 : rte_eth_rx_burst(options->port, worker->queue, packets, allowed);
        }
        process(sink, worker, packets, count, allowed > 0 && count == 0);
    }
    /* CPU time, unlike wall time, is what the worker cost even on a core shared with others. */
    struct timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    worker->stats.cpu_seconds = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    return 0;
}

/* A table write moves buckets. The owners must hear of every move before any packet of the
 * new table is processed, in the order of the writes: asked only by packets, a queue that
 * dequeues late files its request after a later move was served, and processes its packets
 * after newer ones (seen: A -> B -> A, and A -> B -> C -> B, reordered flows). So the dispatcher
 * follows the table before each burst and asks for every moved bucket, stamped with the last
 * packet the old table steered. The stamp is exact for tables applied on the dispatcher's own
 * thread (the mailbox) and later than the write, never earlier, for tables another process
 * wrote (the generation is bumped after the entries). */
void follow_table(struct sink *sink, uint64_t stamp) {
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    uint64_t generation = __atomic_load_n(&block->table_generation, __ATOMIC_ACQUIRE);
    if (sink->owner == NULL || generation == sink->table_generation)
        return;
    sink->table_generation = generation;
    const uint16_t *table = rsspp_block_table(block);
    for (uint32_t bucket = 0; bucket < block->table_size; bucket++) {
        uint16_t queue = __atomic_load_n(&table[bucket], __ATOMIC_RELAXED);
        if (queue != sink->table_followed[bucket] && queue < sink->options.queues) {
            sink->table_followed[bucket] = queue;
            rsspp_owner_request(sink->owner, bucket, queue, stamp);
        }
    }
}

void drain_parked(struct sink *sink) {
    /* The workers have stopped, so the main lcore may act as every queue's thread: with every
     * queue seen empty, each release and replay completes within a few rounds. */
    for (int round = 0; sink->owner != NULL && round < 1000; round++) {
        uint64_t parked = 0;
        for (uint16_t q = 0; q < sink->options.queues; q++) {
            poll_owner(sink, &sink->workers[q], 0, 1);
            struct rsspp_owner_stats owned;
            rsspp_owner_stats(sink->owner, q, &owned);
            parked += owned.parked - owned.replayed - owned.expired;
        }
        if (parked == 0)
            return;
    }
}

/* The main lcore's tick, every millisecond or so. */
static uint64_t control_interval(void) {
    return rte_get_tsc_hz() / 1000;
}

/* --generate-flows: as many packets as every ring can take, so that none is dropped and every
 * flow's sequence stays continuous (only the dispatcher enqueues: room only grows meanwhile). */
static uint16_t generate(struct sink *sink, struct rte_mbuf **packets, uint16_t allowed) {
    unsigned room = allowed;
    for (uint16_t q = 0; q < sink->options.queues; q++)
        room = RTE_MIN(room, rte_ring_free_count(sink->rings[q]));
    if (room == 0 || rte_pktmbuf_alloc_bulk(sink->pool, packets, room) != 0)
        return 0;
    traffic_make(&sink->traffic, packets, (uint16_t)room);
    return (uint16_t)room;
}

void dispatcher_main(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    struct pacer pacer = pacer_make(options->rate);
    struct rte_mbuf *packets[BURST];
    uint64_t next_tick = 0;
    while (!sink->quit) {
        uint16_t allowed = pacer_allow(&pacer, BURST), count = 0;
        if (allowed > 0)
            count = options->generated_flows > 0 ? generate(sink, packets, allowed)
                : rte_eth_rx_burst(options->port, 0, packets, allowed);
        if (count > 0) {
            /* The table this burst is dispatched by must be followed before its packets are
             * (control_tick follows it too, every tick, for the control socket's answers). */
            follow_table(sink, sink->last_stamp);
            sink->dispatcher_packets += count;
            for (uint16_t i = 0; i < count; i++)
                *RTE_MBUF_DYNFIELD(packets[i], sink->sequence_field, uint64_t *) = ++sink->last_stamp;
            rsspp_dispatch_burst(sink->rsspp, packets, count, sink->rings);
        } else {
            idle(options);
        }
        if (rte_rdtsc() >= next_tick) {
            control_tick(sink);
            next_tick = rte_rdtsc() + control_interval();
        }
    }
}
