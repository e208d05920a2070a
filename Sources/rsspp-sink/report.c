/* What rsspp-sink prints on stdout, one JSON object per line: "ready" once running, "table"
 * on SIGUSR1, and on exit one "queue" line per queue, a "port" line, an "owner" line (per-bucket
 * tables), a "flows" line (--check-flows) and a cumulative "load" record of rsspp's contract
 * (man rsspp-records.5) that rss-plan can read. */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "sink.h"

static const char *mode(const struct sink *sink) {
    return sink->options.software_rss ? "software" : "hardware";
}

/* The EAL file prefix: the last part of the runtime directory. */
static const char *file_prefix(void) {
    const char *directory = rte_eal_get_runtime_dir();
    const char *slash = strrchr(directory, '/');
    return slash != NULL ? slash + 1 : directory;
}

/* The table in force, or -1 after saying why on stderr. */
static int current_table(const struct sink *sink, uint16_t *table) {
    char error[256];
    if (rsspp_block_read_table(rsspp_port_block(sink->rsspp), table, error, sizeof error) == 0)
        return 0;
    fprintf(stderr, "rsspp-sink: no table to report: %s\n", error);
    return -1;
}

static void print_table(const uint16_t *table, uint32_t size) {
    printf("[");
    for (uint32_t b = 0; b < size; b++)
        printf(b ? ",%u" : "%u", table[b]);
    printf("]");
}

static void print_counts(const uint64_t *counts, uint32_t size) {
    printf("[");
    for (uint32_t b = 0; b < size; b++)
        printf(b ? ",%" PRIu64 : "%" PRIu64, counts[b]);
    printf("]");
}

void report_ready(const struct sink *sink) {
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    printf("{\"type\":\"ready\",\"port\":%u,\"device\":\"%s\",\"queues\":%u,\"table_size\":%" PRIu32
           ",\"mode\":\"%s\",\"memzone\":\"" RSSPP_MEMZONE_FORMAT "\",\"file_prefix\":\"%s\","
           "\"counting\":%s,\"tsc_hz\":%" PRIu64 "}\n",
           sink->options.port, block->device_name, block->queues, block->table_size, mode(sink),
           sink->options.port, file_prefix(), sink->options.count ? "true" : "false", block->tsc_hz);
}

void report_table(const struct sink *sink) {
    uint32_t size = rsspp_port_block(sink->rsspp)->table_size;
    uint16_t table[size];
    if (current_table(sink, table) != 0)
        return;
    printf("{\"type\":\"table\",\"port\":%u,\"mode\":\"%s\",\"reta\":", sink->options.port,
           mode(sink));
    print_table(table, size);
    printf("}\n");
}

static double load(uint64_t busy, uint64_t idle) {
    return busy + idle == 0 ? 0 : (double)busy / (double)(busy + idle);
}

static void report_queues(const struct sink *sink, const uint16_t *table) {
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    uint64_t now = rte_rdtsc();
    for (uint16_t q = 0; q < sink->options.queues; q++) {
        const struct worker_stats *stats = &sink->workers[q].stats;
        const struct rsspp_queue_stats *counted = rsspp_block_queue_stats(block, q);
        const struct rsspp_dispatch_stats *dispatch = rsspp_block_dispatch_stats(block, q);
        uint32_t flows = 0;
        for (uint32_t b = 0; table != NULL && sink->flows.slots != NULL && b < block->table_size; b++)
            if (table[b] == q)
                flows += flow_count(&sink->flows, b, now);
        printf("{\"type\":\"queue\",\"queue\":%u,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
               ",\"load\":%.6f,\"busy_cycles\":%" PRIu64 ",\"idle_cycles\":%" PRIu64
               ",\"software_hashed\":%" PRIu64 ",\"dispatched\":%" PRIu64 ",\"dropped\":%" PRIu64
               ",\"flows\":%" PRIu32 ",\"new_flows\":%" PRIu64 ",\"flow_overflows\":%" PRIu64
               ",\"park_drops\":%" PRIu64 ",\"expired_freed\":%" PRIu64,
               q, stats->packets, stats->bytes, load(counted->busy_cycles, counted->idle_cycles),
               counted->busy_cycles, counted->idle_cycles, counted->software_hashed,
               dispatch->dispatched, dispatch->dropped, flows, stats->new_flows,
               stats->flow_overflows, stats->park_drops, stats->expired);
        if (sink->owner != NULL) {
            struct rsspp_owner_stats owned;
            rsspp_owner_stats(sink->owner, q, &owned);
            printf(",\"parked\":%" PRIu64 ",\"replayed\":%" PRIu64 ",\"overflows\":%" PRIu64
                   ",\"expired\":%" PRIu64 ",\"late\":%" PRIu64 ",\"released\":%" PRIu64
                   ",\"acquired\":%" PRIu64 ",\"handover_max_us\":%.3f",
                   owned.parked, owned.replayed, owned.overflows, owned.expired, owned.late,
                   owned.released, owned.acquired, owned.handover_max_ns / 1e3);
        }
        printf(",\"cpu_seconds\":%.6f}\n", stats->cpu_seconds);
    }
}

static void report_port(const struct sink *sink, double seconds) {
    struct rte_eth_stats stats = {0};
    rte_eth_stats_get(sink->options.port, &stats);
    uint64_t processed = 0;
    for (uint16_t q = 0; q < sink->options.queues; q++)
        processed += sink->workers[q].stats.packets;
    printf("{\"type\":\"port\",\"port\":%u,\"seconds\":%.6f,\"received\":%" PRIu64
           ",\"missed\":%" PRIu64 ",\"processed\":%" PRIu64 ",\"dispatcher_received\":%" PRIu64
           ",\"packets_per_second\":%.1f}\n",
           sink->options.port, seconds, stats.ipackets, stats.imissed, processed,
           sink->dispatcher_packets, seconds > 0 ? (double)processed / seconds : 0);
}

/* The whole run as one load record: per-bucket totals and per-queue busy fractions. */
static void report_load(const struct sink *sink, const uint16_t *table, double seconds) {
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    uint32_t size = block->table_size;
    uint64_t *packets = rte_malloc(NULL, size * sizeof(uint64_t), 0);
    uint64_t *bytes = rte_malloc(NULL, size * sizeof(uint64_t), 0);
    uint64_t busy[block->queues], idle[block->queues];
    char error[256] = "no memory for the counters";
    if (packets == NULL || bytes == NULL
        || rsspp_block_read(block, packets, bytes, busy, idle, error, sizeof error) != 0) {
        fprintf(stderr, "rsspp-sink: no load record: %s\n", error);
    } else {
        printf("{\"type\":\"load\",\"v\":1,\"interval\":%.6f,\"device\":\"dpdk:%u@%s\","
               "\"source\":\"rsspp-sink\",\"queues\":%u,\"reta\":",
               seconds, sink->options.port, file_prefix(), block->queues);
        print_table(table, size);
        printf(",\"packets\":");
        print_counts(packets, size);
        printf(",\"bytes\":");
        print_counts(bytes, size);
        printf(",\"load\":[");
        for (uint16_t q = 0; q < block->queues; q++)
            printf(q ? ",%.6f" : "%.6f", load(busy[q], idle[q]));
        printf("]}\n");
    }
    rte_free(packets);
    rte_free(bytes);
}

static int by_value(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank, as the project's Statistics module computes percentiles. */
static double percentile_us(const uint32_t *sorted, uint32_t count, double fraction) {
    if (count == 0)
        return 0;
    uint32_t rank = (uint32_t)(fraction * count + 0.999999999);
    return sorted[RTE_MAX(rank, 1u) - 1] / 1e3;
}

/* The handovers over all queues: how many, how long (request -> ownership), what they parked. */
static void report_owner(const struct sink *sink) {
    struct rsspp_owner_stats total = {0};
    uint32_t samples = 0;
    for (uint16_t q = 0; q < sink->options.queues; q++) {
        struct rsspp_owner_stats owned;
        rsspp_owner_stats(sink->owner, q, &owned);
        total.parked += owned.parked;
        total.replayed += owned.replayed;
        total.overflows += owned.overflows;
        total.expired += owned.expired;
        total.late += owned.late;
        total.released += owned.released;
        total.acquired += owned.acquired;
        total.handover_ns += owned.handover_ns;
        total.handover_max_ns = RTE_MAX(total.handover_max_ns, owned.handover_max_ns);
        samples += sink->workers[q].stats.handovers_sampled;
    }
    uint32_t *latencies = malloc((samples + 1) * sizeof(uint32_t)), filled = 0;
    if (latencies == NULL) {
        fprintf(stderr, "rsspp-sink: no memory for the handover percentiles\n");
        samples = 0;
    }
    for (uint16_t q = 0; latencies != NULL && q < sink->options.queues; q++) {
        const struct worker_stats *stats = &sink->workers[q].stats;
        memcpy(latencies + filled, stats->handover_ns, stats->handovers_sampled * sizeof(uint32_t));
        filled += stats->handovers_sampled;
    }
    if (samples > 0)
        qsort(latencies, samples, sizeof(uint32_t), by_value);
    printf("{\"type\":\"owner\",\"handovers\":%" PRIu64 ",\"released\":%" PRIu64
           ",\"handover_mean_us\":%.3f,\"handover_median_us\":%.3f,\"handover_p99_us\":%.3f"
           ",\"handover_max_us\":%.3f,\"latency_samples\":%" PRIu32 ",\"parked\":%" PRIu64
           ",\"replayed\":%" PRIu64 ",\"parked_per_handover\":%.3f,\"overflows\":%" PRIu64
           ",\"expired\":%" PRIu64 ",\"late\":%" PRIu64 "}\n",
           total.acquired, total.released,
           total.acquired ? total.handover_ns / 1e3 / (double)total.acquired : 0,
           percentile_us(latencies, samples, 0.5), percentile_us(latencies, samples, 0.99),
           total.handover_max_ns / 1e3, samples, total.parked, total.replayed,
           total.acquired ? (double)total.parked / (double)total.acquired : 0, total.overflows,
           total.expired, total.late);
    free(latencies);
}

struct flow_states {
    const struct traffic *traffic;
    uint64_t *next_sequence; /* per generated flow, from its state */
    uint64_t *packets;
};

static void note_flow(const struct flow *flow, void *context) {
    struct flow_states *states = context;
    int64_t index = traffic_flow_index(states->traffic, flow);
    if (index >= 0) {
        states->next_sequence[index] = flow->next_sequence;
        states->packets[index] = flow->packets;
    }
}

/* --check-flows: what the workers found, and every flow's state beside what was generated. */
static void report_flows(const struct sink *sink) {
    uint32_t flows = sink->traffic.flows;
    struct flow_states states = {
        .traffic = &sink->traffic,
        .next_sequence = calloc(flows, sizeof(uint64_t)),
        .packets = calloc(flows, sizeof(uint64_t)),
    };
    struct flow_check total = {0};
    for (uint16_t q = 0; q < sink->options.queues; q++) {
        const struct flow_check *check = &sink->workers[q].stats.check;
        total.in_order += check->in_order;
        total.reordered += check->reordered;
        total.gaps += check->gaps;
        total.overlaps += check->overlaps;
        total.untracked += check->untracked;
    }
    if (states.next_sequence == NULL || states.packets == NULL) {
        fprintf(stderr, "rsspp-sink: no memory for the flows' report\n");
    } else {
        flow_visit(&sink->flows, rte_rdtsc(), note_flow, &states);
        printf("{\"type\":\"flows\",\"flows\":%" PRIu32 ",\"in_order\":%" PRIu64
               ",\"reordered\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"overlaps\":%" PRIu64
               ",\"untracked\":%" PRIu64 ",\"sent\":",
               flows, total.in_order, total.reordered, total.gaps, total.overlaps, total.untracked);
        print_counts(sink->traffic.sent, flows);
        printf(",\"next_sequence\":");
        print_counts(states.next_sequence, flows);
        printf(",\"state_packets\":");
        print_counts(states.packets, flows);
        printf("}\n");
    }
    free(states.next_sequence);
    free(states.packets);
}

void report_exit(const struct sink *sink) {
    double seconds = (double)(rte_rdtsc() - sink->start_tsc) / (double)rte_get_tsc_hz();
    uint32_t size = rsspp_port_block(sink->rsspp)->table_size;
    uint16_t table[size];
    int have_table = current_table(sink, table) == 0;
    report_queues(sink, have_table ? table : NULL);
    report_port(sink, seconds);
    if (sink->owner != NULL)
        report_owner(sink);
    if (sink->options.check_flows)
        report_flows(sink);
    if (sink->options.count && have_table)
        report_load(sink, table, seconds);
}
