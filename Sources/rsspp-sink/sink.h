/* rsspp-sink: the reference DPDK primary of rsspp. It receives on N queues with one worker
 * per queue (or, in software RSS mode, on one queue dispatched to N workers), counts every
 * burst with librsspp_dpdk, keeps a flow table per bucket owned through librsspp_owner (so a
 * bucket's flows follow it when rsspp moves it), optionally burns cycles per packet, and
 * drops the packets. Copy it as a template: the lines that matter are the rsspp_* calls in
 * worker.c and port setup in main.c. */
#ifndef RSSPP_SINK_H
#define RSSPP_SINK_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rsspp_dpdk.h"
#include "rsspp_owner.h"

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
    uint32_t generated_flows; /* software RSS: the dispatcher makes the packets; 0: receives */
    double skew;             /* Zipf exponent of the generated flows' shares */
    int check_flows;         /* check sequences and bucket overlaps (needs generated flows) */
    int shared_table;        /* one rte_hash for all workers, no ownership (RSS++'s baseline) */
    const char *owner_socket; /* the control socket rss-migrate steers; NULL: none */
};

/* Prints the sink's usage for --help, or the release for --version, wherever it stands among
 * EAL's arguments or the sink's, and says so: neither starts EAL. */
int answered_without_eal(int argc, char **argv);
void print_usage(FILE *stream);
/* Parses the application's arguments (after EAL's). Returns 0, or -1 after printing why. */
int parse_options(int argc, char **argv, struct sink_options *options);

/* One flow: its hash input bytes are its identity. */
struct flow {
    uint8_t key_length;
    uint8_t key[RSSPP_HASH_INPUT_MAX];
    uint32_t hash;
    uint64_t packets;
    uint64_t bytes;
    uint64_t last_seen;      /* TSC; per-bucket slots idle past the timeout are free */
    uint64_t next_sequence;  /* generated traffic: the sequence number expected next */
} __rte_aligned(64);

/* The flows' state: a table per bucket, so that a bucket's flows move with it (each bucket
 * touched only by its owner), or one shared concurrent hash (--shared-table). */
struct flow_tables {
    struct flow *slots;      /* per bucket: table_size x per_bucket; shared: capacity */
    uint32_t table_size;
    uint32_t per_bucket;
    uint64_t timeout;        /* TSC cycles */
    struct rte_hash *shared; /* --shared-table: key -> index in slots */
    uint32_t shared_used;    /* slots handed out (shared flows are kept for the run) */
};

int flow_tables_init(struct flow_tables *tables, uint32_t table_size, uint32_t per_bucket,
                     int shared);
void flow_tables_free(struct flow_tables *tables);
/* The packet's flow, counted in; NULL for a packet that is not IP or when the bucket's table
 * (or the shared one) is full. *created: 1 for a new flow, -1 for a full table, else 0. */
struct flow *flow_track(struct flow_tables *tables, uint32_t bucket, uint32_t hash,
                        const struct rte_mbuf *packet, uint64_t now, int *created);
/* Live flows in `bucket` at `now`. */
uint32_t flow_count(const struct flow_tables *tables, uint32_t bucket, uint64_t now);
/* Calls `visit` for every live flow. */
void flow_visit(const struct flow_tables *tables, uint64_t now,
                void (*visit)(const struct flow *flow, void *context), void *context);

/* Generated traffic (--generate-flows): Ethernet/IPv4/UDP frames of distinct 5-tuples, each
 * carrying its flow's index and a per-flow sequence number in the payload. */
struct traffic {
    uint32_t flows;
    uint64_t *sent;          /* per flow: packets made, so the next sequence number */
    double *cumulative;      /* per flow: cumulative share, for drawing a flow */
    uint64_t random;         /* xorshift state */
};

int traffic_init(struct traffic *traffic, uint32_t flows, double skew);
void traffic_free(struct traffic *traffic);
/* Fills `count` mbufs with the next packets. */
void traffic_make(struct traffic *traffic, struct rte_mbuf **packets, uint16_t count);
/* The sequence number a generated packet carries; -1 for another packet. */
int traffic_sequence(const struct rte_mbuf *packet, uint64_t *sequence);
/* The generated flow whose state `flow` is, or -1. */
int64_t traffic_flow_index(const struct traffic *traffic, const struct flow *flow);

/* What --check-flows found, per worker. */
struct flow_check {
    uint64_t in_order;
    uint64_t reordered;      /* a sequence number below the one expected */
    uint64_t gaps;           /* sequence numbers skipped (packets lost to the flow's state) */
    uint64_t overlaps;       /* entries into a bucket's state while another worker was inside */
    uint64_t untracked;      /* generated packets with no flow state (table full) */
};

/* What a worker did, written by the worker alone, read by the main lcore. */
struct worker_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t new_flows;
    uint64_t flow_overflows;
    uint64_t park_drops;     /* packets dropped because the owner's parking was full */
    uint64_t expired;        /* parked packets the owner gave up on, freed */
    struct flow_check check;
    uint32_t handovers_sampled;
    uint32_t *handover_ns;   /* each bucket acquisition's latency, up to HANDOVER_SAMPLES */
    uint64_t acquired_seen;  /* the owner's `acquired` and `handover_ns` at the last sample */
    uint64_t handover_sum_seen;
    double cpu_seconds;      /* the worker thread's CPU time, set when it stops */
} __rte_cache_aligned;

/* Handover latencies kept per worker for the report's percentiles. */
#define HANDOVER_SAMPLES 65536

struct worker {
    uint16_t queue;
    struct rsspp_queue *counter;  /* NULL when counting is off */
    struct rte_ring *ring;        /* software RSS: where the dispatcher puts our packets */
    struct worker_stats stats;
};

/* Per bucket under --check-flows: the worker inside the bucket's state (queue + 1), or 0. */
struct bucket_marker {
    uint32_t inside;
} __rte_cache_aligned;

struct sink {
    struct sink_options options;
    struct rsspp_port *rsspp;
    struct rte_mempool *pool;
    struct flow_tables flows;
    int owner_wanted;             /* per-bucket tables: ownership decides who touches them */
    struct rsspp_owner *owner;
    uint16_t *table_followed;     /* the table the owner was last told about */
    uint64_t table_generation;    /* the block's generation of that table */
    struct rsspp_owner_server *server; /* --owner-socket */
    struct bucket_marker *markers; /* --check-flows */
    struct traffic traffic;       /* --generate-flows */
    int sequence_field;           /* software RSS: mbuf dynfield offset of the stamp */
    uint16_t rx_descriptors;
    struct worker *workers;
    struct rte_ring **rings;      /* software RSS, one per worker */
    uint64_t dispatcher_packets;  /* software RSS: received or generated by the dispatcher */
    uint64_t last_stamp;          /* software RSS: the stamp of the last packet dispatched */
    uint64_t start_tsc;
    volatile int quit;
};

/* The owner's callbacks (config.replay, config.expire, config.backlog). */
void replay_parked(void *sink, uint16_t queue, uint32_t bucket, void *packet);
void expire_parked(void *sink, uint16_t queue, uint32_t bucket, void *packet);
int64_t queue_backlog(void *sink, uint16_t queue);

int worker_main(void *worker);
/* The software RSS dispatcher; runs on the main lcore and returns when quit is set. */
void dispatcher_main(struct sink *sink);
/* Asks the owner for every bucket the block's table moved since the last call, stamped
 * `stamp` (the last packet the old table steered, or 0 when unknown). */
void follow_table(struct sink *sink, uint64_t stamp);
/* After the workers stopped: the main lcore polls the owner for every queue until no packet
 * is parked (the buckets' handovers finish), so that every packet dispatched is processed. */
void drain_parked(struct sink *sink);
/* Applies a table rss-apply posted, checks signals, --duration and --stop-after; sets quit.
 * Called by the main lcore. */
void control_tick(struct sink *sink);

extern struct sink the_sink;

void report_ready(const struct sink *sink);
void report_table(const struct sink *sink);
void report_exit(const struct sink *sink);

#endif
