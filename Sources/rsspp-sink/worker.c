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

static void process(struct sink *sink, struct worker *worker, struct rte_mbuf **packets,
                    uint16_t count) {
    uint64_t now = rte_rdtsc(), bytes = 0;
    if (worker->counter != NULL)
        rsspp_account(worker->counter, count, now);
    if (count == 0) {
        idle(&sink->options);
        return;
    }
    for (uint16_t i = 0; i < count; i++) {
        bytes += packets[i]->pkt_len;
        if (sink->flows.slots == NULL)
            continue;
        /* Hash once: rsspp_packet_hash stores a software hash in the mbuf, where
         * rsspp_count_burst finds it. */
        uint32_t hash = rsspp_packet_hash(sink->rsspp, packets[i]);
        int added = flow_track(&sink->flows, rsspp_port_bucket(sink->rsspp, hash), hash,
                               packets[i], now);
        worker->stats.new_flows += added == 1;
        worker->stats.flow_overflows += added < 0;
    }
    if (worker->counter != NULL)
        rsspp_count_burst(worker->counter, packets, count);
    work(&sink->options, count);
    /* Read by the main lcore while this worker runs (--stop-after): one writer, relaxed store. */
    __atomic_store_n(&worker->stats.packets, worker->stats.packets + count, __ATOMIC_RELAXED);
    worker->stats.bytes += bytes;
    rte_pktmbuf_free_bulk(packets, count);
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
        uint16_t count;
        if (worker->ring != NULL) {
            count = (uint16_t)rte_ring_dequeue_burst(worker->ring, (void **)packets, BURST, NULL);
        } else {
            uint16_t allowed = pacer_allow(&pacer, BURST);
            count = allowed == 0 ? 0 : rte_eth_rx_burst(options->port, worker->queue, packets, allowed);
        }
        process(sink, worker, packets, count);
    }
    /* CPU time, unlike wall time, is what the worker cost even on a core shared with others. */
    struct timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    worker->stats.cpu_seconds = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    return 0;
}

/* The main lcore's tick, every millisecond or so. */
static uint64_t control_interval(void) {
    return rte_get_tsc_hz() / 1000;
}

void dispatcher_main(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    struct pacer pacer = pacer_make(options->rate);
    struct rte_mbuf *packets[BURST];
    uint64_t next_tick = 0;
    while (!sink->quit) {
        uint16_t allowed = pacer_allow(&pacer, BURST);
        uint16_t count = allowed == 0 ? 0 : rte_eth_rx_burst(options->port, 0, packets, allowed);
        if (count > 0) {
            sink->dispatcher_packets += count;
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
