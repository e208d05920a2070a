/* rsspp-sink: the reference DPDK primary of rsspp. It receives on N queues with one worker
 * per queue (or, in software RSS mode, on one queue dispatched to N workers), counts every
 * burst with librsspp_dpdk, keeps a flow table per bucket, optionally burns cycles per
 * packet, and drops the packets. Copy it as a template: the lines that matter are the
 * rsspp_* calls in worker.c and port setup in main.c. */
#ifndef RSSPP_SINK_H
#define RSSPP_SINK_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rsspp_dpdk.h"

#define BURST 32

struct sink_options {
    uint16_t port;
    uint16_t queues;
    int software_rss;
    uint32_t table_size;     /* 0: the PMD's RETA size, or 128 in software mode */
    uint8_t key[RSSPP_KEY_MAX];
    uint32_t key_size;       /* 0: the port's own key */
    uint64_t work_cycles;    /* per packet */
    double rate;             /* packets per second over all queues; 0: unpaced */
    int yield;               /* sleep, not spin, when idle or working */
    uint32_t flows_per_bucket;
    int count;               /* 0: no rsspp calls (benchmark baseline) */
    int mailbox;             /* apply tables posted by rss-apply (rsspp_port_poll) */
    uint64_t stop_after;     /* packets; 0: never */
    double duration;         /* seconds; 0: until SIGINT/SIGTERM */
    uint32_t ring_size;
    uint32_t mbufs;
};

/* Prints the sink's usage for --help, or the release for --version, wherever it stands among
 * EAL's arguments or the sink's, and says so: neither starts EAL. */
int answered_without_eal(int argc, char **argv);
void print_usage(FILE *stream);
/* Parses the application's arguments (after EAL's). Returns 0, or -1 after printing why. */
int parse_options(int argc, char **argv, struct sink_options *options);

/* One flow of a bucket: its hash input bytes are its identity. */
struct flow {
    uint8_t key_length;
    uint8_t key[RSSPP_HASH_INPUT_MAX];
    uint64_t packets;
    uint64_t bytes;
    uint64_t last_seen;      /* TSC; slots idle past the timeout are free */
} __rte_aligned(64);

/* Flow tables, one per bucket, so that a bucket's flows move with it (rss-migrate). */
struct flow_tables {
    struct flow *slots;      /* table_size x per_bucket */
    uint32_t table_size;
    uint32_t per_bucket;
    uint64_t timeout;        /* TSC cycles */
};

int flow_tables_init(struct flow_tables *tables, uint32_t table_size, uint32_t per_bucket);
void flow_tables_free(struct flow_tables *tables);
/* Adds the packet to its flow; returns 1 for a new flow, 0 for a known one, -1 when the
 * bucket's table is full. */
int flow_track(struct flow_tables *tables, uint32_t bucket, uint32_t hash,
               const struct rte_mbuf *packet, uint64_t now);
/* Live flows in `bucket` at `now`. */
uint32_t flow_count(const struct flow_tables *tables, uint32_t bucket, uint64_t now);

/* What a worker did, written by the worker alone, read by the main lcore. */
struct worker_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t new_flows;
    uint64_t flow_overflows;
    double cpu_seconds;      /* the worker thread's CPU time, set when it stops */
} __rte_cache_aligned;

struct worker {
    uint16_t queue;
    struct rsspp_queue *counter;  /* NULL when counting is off */
    struct rte_ring *ring;        /* software RSS: where the dispatcher puts our packets */
    struct worker_stats stats;
};

struct sink {
    struct sink_options options;
    struct rsspp_port *rsspp;
    struct rte_mempool *pool;
    struct flow_tables flows;
    struct worker *workers;
    struct rte_ring **rings;      /* software RSS, one per worker */
    uint64_t dispatcher_packets;  /* software RSS: received by the dispatcher */
    uint64_t start_tsc;
    volatile int quit;
};

int worker_main(void *worker);
/* The software RSS dispatcher; runs on the main lcore and returns when quit is set. */
void dispatcher_main(struct sink *sink);
/* Applies a table rss-apply posted, checks signals, --duration and --stop-after; sets quit.
 * Called by the main lcore. */
void control_tick(struct sink *sink);

extern struct sink the_sink;

void report_ready(const struct sink *sink);
void report_table(const struct sink *sink);
void report_exit(const struct sink *sink);

#endif
