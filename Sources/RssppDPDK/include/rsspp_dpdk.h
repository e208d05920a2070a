/*
 * rsspp_dpdk.h: per-bucket RSS counters for DPDK applications, so that rsspp's tools
 * (rss-count dpdk:PORT | rss-plan | rss-apply dpdk:PORT) can balance any DPDK primary.
 *
 * This header does not include DPDK headers: DPDK types appear only as incomplete structs,
 * so the header also imports into Swift. Link with `pkg-config --libs rsspp-dpdk` (which
 * pulls in libdpdk), or depend on the SwiftPM target RssppDPDK. See rsspp-dpdk(3).
 *
 * THE SHARED BLOCK (layout version 2)
 *
 * rsspp_port_create() reserves one DPDK memzone per port, named "rsspp_port_<port id>"
 * (RSSPP_MEMZONE_FORMAT), in the primary's shared memory, so that a secondary process
 * (rss-count, rss-apply) finds it with rte_memzone_lookup(). Every offset below is from the
 * start of the memzone; every counter is a uint64_t at an 8-byte aligned address.
 *
 *   0                       struct rsspp_block (the header; header_size bytes)
 *   table_offset            uint16_t table[table_size]: the table in force (queue per bucket)
 *                           when the block holds it (software RSS, mailbox, one queue)
 *   mailbox_offset          uint16_t posted[table_size]: a table posted for the primary
 *   queue_offset + q * queue_stride, for q in 0..queues-1:
 *     + 0                   struct rsspp_queue_stats     (written by queue q's worker)
 *     + 64                  struct rsspp_dispatch_stats  (written by the dispatching core)
 *     + 128                 struct rsspp_bucket_counts buckets[table_size] (queue q's worker)
 *
 * A packet's bucket is its RSS hash modulo table_size. `magic` is written last, so a reader
 * that sees RSSPP_BLOCK_MAGIC sees a complete header, and cleared first by
 * rsspp_port_free(). A reader checks `magic` and `version` (rsspp_block_check) before it
 * trusts any other field; a change of layout bumps RSSPP_LAYOUT_VERSION. Every read and write
 * through this header's functions also checks that the primary still runs
 * (rsspp_block_live): a dead primary's counters are frozen, not idle.
 *
 * THREAD RULES
 *
 * - One writer per queue: only the thread that polls queue q calls rsspp_count_burst() and
 *   rsspp_account() with q's handle. Its stores are relaxed atomic stores of a plain load
 *   plus the increment (plain moves on x86-64 and arm64, no locked instruction), so that
 *   readers' atomic loads never race with them.
 * - Counters only grow (until the 64-bit wrap). Readers take differences between two reads;
 *   a read is not a snapshot of all counters at one instant, only of each counter.
 * - Software RSS: exactly one thread per port calls rsspp_dispatch_burst(); it alone writes
 *   the dispatch stats. The table is read entry by entry by the dispatcher: a bucket moves
 *   when its entry is stored, independently of the others.
 * - Tables: one writer at a time, whatever the process (table_lock holds its pid). With the
 *   mailbox (RSSPP_FLAG_MAILBOX), rss-apply posts a table and the primary applies it in
 *   rsspp_port_poll(), called by one control thread (never a worker: a RETA update may stop
 *   and restart the port on some PMDs); without it, rss-apply writes the software table
 *   (rsspp_block_write_table) or the port's RETA from its own process.
 * - rsspp_port_create() and rsspp_port_free() run on the main thread, before the workers
 *   start and after they stop.
 */
#ifndef RSSPP_DPDK_H
#define RSSPP_DPDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_ring;

/* The library's interface; everything else in it is hidden (-fvisibility=hidden). */
#define RSSPP_API __attribute__((visibility("default")))

#define RSSPP_LAYOUT_VERSION 2
/* "RSSPPBK1" read as a little-endian 64-bit integer. */
#define RSSPP_BLOCK_MAGIC 0x314b425050535352ull
#define RSSPP_MEMZONE_FORMAT "rsspp_port_%u"
/* The longest input RSS hashes: IPv6 source and destination addresses and two ports. */
#define RSSPP_HASH_INPUT_MAX 36
#define RSSPP_KEY_MAX 64
/* Toeplitz needs 4 key bytes past the longest input. */
#define RSSPP_KEY_MIN (RSSPP_HASH_INPUT_MAX + 4)
#define RSSPP_NAME_MAX 64
#define RSSPP_REASON_MAX 192
#define RSSPP_DEFAULT_SOFTWARE_TABLE_SIZE 128
/* How long rss-apply waits for a primary to take a posted table. */
#define RSSPP_MAILBOX_TIMEOUT_MS 2000

/* rsspp_block.flags */
#define RSSPP_FLAG_SOFTWARE_RSS 1u /* the dispatcher follows `table` */
#define RSSPP_FLAG_MAILBOX 2u      /* the primary applies posted tables (rsspp_port_poll) */

/* rsspp_block.mailbox_state: EMPTY -> POSTED (by a poster) -> TAKEN (by the primary) ->
 * APPLIED or REFUSED (by the primary) -> EMPTY (by the poster, once it read the answer).
 * A poster that gives up withdraws its table: POSTED -> EMPTY. */
enum rsspp_mailbox_state {
    RSSPP_MAILBOX_EMPTY,
    RSSPP_MAILBOX_POSTED,
    RSSPP_MAILBOX_TAKEN,
    RSSPP_MAILBOX_APPLIED,
    RSSPP_MAILBOX_REFUSED,
};

struct rsspp_block {
    uint64_t magic;          /* RSSPP_BLOCK_MAGIC once the block is complete */
    uint32_t version;        /* RSSPP_LAYOUT_VERSION */
    uint32_t header_size;    /* sizeof(struct rsspp_block) of the writer */
    uint16_t port_id;
    uint16_t queues;         /* queues counted (workers) */
    uint32_t table_size;     /* buckets: RETA size, or the software table's size */
    uint32_t flags;          /* RSSPP_FLAG_* */
    uint32_t key_size;       /* bytes of `key` in use */
    uint8_t key[RSSPP_KEY_MAX]; /* Toeplitz key of the software hash (the port's key) */
    uint64_t tsc_hz;         /* TSC ticks per second of the cycle counters */
    uint64_t table_offset;
    uint64_t queue_offset;
    uint64_t queue_stride;   /* bytes, a multiple of 64 */
    uint64_t zone_size;      /* bytes of the whole block */
    char dpdk_version[RSSPP_NAME_MAX]; /* rte_version() of the primary */
    char device_name[RSSPP_NAME_MAX];  /* rte_eth_dev_get_name_by_port() */
    uint32_t table_lock;     /* 0, or the pid of the process writing or posting a table */
    int32_t primary_pid;     /* the primary, and when it started: clock ticks after boot, */
    uint64_t primary_start;  /* field 22 of /proc/PID/stat (a reused pid starts later) */
    uint64_t table_generation; /* bumped after each complete table write */
    uint64_t mailbox_offset;
    uint32_t mailbox_state;  /* enum rsspp_mailbox_state */
    int32_t mailbox_status;  /* the answer: 0 applied, or a negative errno */
    char mailbox_reason[RSSPP_REASON_MAX]; /* why the primary refused the table */
};

/* Written only by the queue's worker. */
struct rsspp_queue_stats {
    uint64_t busy_cycles;     /* TSC cycles of loop iterations that had packets */
    uint64_t idle_cycles;     /* TSC cycles of loop iterations that had none */
    uint64_t packets;
    uint64_t bytes;
    uint64_t software_hashed; /* packets without RTE_MBUF_F_RX_RSS_HASH, hashed here */
    uint64_t reserved[3];
};

/* Written only by the dispatching core (software RSS). */
struct rsspp_dispatch_stats {
    uint64_t dispatched;      /* packets handed to this queue's ring */
    uint64_t dropped;         /* packets for this queue that did not fit its ring */
    uint64_t reserved[6];
};

struct rsspp_bucket_counts {
    uint64_t packets;
    uint64_t bytes;
};

/* ---- reading and writing a block (any process that maps it) ---- */

/* 0 when `block` (of `zone_size` bytes) is a complete block of this layout version;
 * otherwise -1 and a message naming what is wrong. */
RSSPP_API int rsspp_block_check(const struct rsspp_block *block, size_t zone_size,
                                char *error, size_t error_size);

/* 0 while the primary that made the block runs and has not freed it; otherwise -1 and a
 * message naming the primary's end. The tools must share the primary's pid namespace. */
RSSPP_API int rsspp_block_live(const struct rsspp_block *block, char *error,
                               size_t error_size);

static inline const uint16_t *rsspp_block_table(const struct rsspp_block *block) {
    return (const uint16_t *)((const char *)block + block->table_offset);
}

static inline const struct rsspp_queue_stats *
rsspp_block_queue_stats(const struct rsspp_block *block, uint16_t queue) {
    return (const struct rsspp_queue_stats *)((const char *)block + block->queue_offset
                                              + (size_t)queue * block->queue_stride);
}

static inline const struct rsspp_dispatch_stats *
rsspp_block_dispatch_stats(const struct rsspp_block *block, uint16_t queue) {
    return (const struct rsspp_dispatch_stats *)(rsspp_block_queue_stats(block, queue) + 1);
}

static inline const struct rsspp_bucket_counts *
rsspp_block_buckets(const struct rsspp_block *block, uint16_t queue) {
    return (const struct rsspp_bucket_counts *)(rsspp_block_dispatch_stats(block, queue) + 1);
}

/* Totals over all queues, read once each: per-bucket packets and bytes (table_size
 * entries each; `bytes` may be NULL) and per-queue busy and idle cycles (queues entries).
 * Returns 0, or -1 with a message when the primary has ended (the counts are then stale). */
RSSPP_API int rsspp_block_read(const struct rsspp_block *block, uint64_t *packets,
                               uint64_t *bytes, uint64_t *busy_cycles, uint64_t *idle_cycles,
                               char *error, size_t error_size);

/* The table in force (table_size entries): the block's table in software RSS or mailbox mode
 * or with one queue, else the port's RETA (rsspp_reta_query, in the calling process, which
 * must be a DPDK process of the primary's). Returns 0, or -1 with a message. */
RSSPP_API int rsspp_block_read_table(const struct rsspp_block *block, uint16_t *table,
                                     char *error, size_t error_size);

/* Replaces the software table (table_size entries, each < queues) and bumps
 * table_generation. Returns -1 with a message, writing nothing, when an entry is out of
 * range or the primary has ended. */
RSSPP_API int rsspp_block_write_table(struct rsspp_block *block, const uint16_t *table,
                                      char *error, size_t error_size);

/* Posts `table` (table_size entries) to the primary's mailbox (RSSPP_FLAG_MAILBOX) and waits
 * for its answer. Returns 0 once the primary applied it; -1 with a message when it refused
 * it (its reason), did not take it within `timeout_ms` (the table is then withdrawn, never
 * applied later), or has ended. */
RSSPP_API int rsspp_block_post_table(struct rsspp_block *block, const uint16_t *table,
                                     unsigned timeout_ms, char *error, size_t error_size);

/* ---- hashing (no DPDK call) ---- */

/* The bytes RSS hashes for an Ethernet frame, as rsspp's RSSHasher with its standard
 * fields: IPv4/IPv6 source and destination, plus source and destination ports for TCP and
 * UDP that are not fragments. VLAN tags are skipped. Returns the input length, 0 for
 * frames RSS does not hash (non-IP, truncated). */
RSSPP_API uint32_t rsspp_hash_input(const void *frame, uint32_t length,
                                    uint8_t input[RSSPP_HASH_INPUT_MAX]);

/* Precomputed Toeplitz tables for one key: one lookup per input byte. */
struct rsspp_toeplitz {
    uint32_t table[RSSPP_HASH_INPUT_MAX][256];
};

/* Fills `toeplitz` for `key` (key_size >= RSSPP_KEY_MIN). Returns -1 for a short key. */
RSSPP_API int rsspp_toeplitz_init(struct rsspp_toeplitz *toeplitz, const uint8_t *key,
                                  uint32_t key_size);
RSSPP_API uint32_t rsspp_toeplitz_hash(const struct rsspp_toeplitz *toeplitz,
                                       const uint8_t *input, uint32_t length);

/* ---- the application side (DPDK primary) ---- */

/* The Microsoft key most NICs ship with. */
RSSPP_API extern const uint8_t rsspp_default_key[40];

struct rsspp_port_config {
    uint16_t port_id;
    uint16_t queues;          /* workers that count (>= 1) */
    /* Buckets. 0: the PMD's reta_size, or RSSPP_DEFAULT_SOFTWARE_TABLE_SIZE in software
     * RSS mode or when the PMD has no RETA. */
    uint32_t table_size;
    /* Key of the software hash. NULL: the port's key (rte_eth_dev_rss_hash_conf_get) when
     * the PMD has one and the mode is hardware RSS, else rsspp_default_key. */
    const uint8_t *key;
    uint32_t key_size;
    int software_rss;         /* non-zero: one core dispatches with rsspp_dispatch_burst() */
    /* Non-zero: the application's control loop calls rsspp_port_poll(), and rss-apply posts
     * its tables there instead of writing them itself. */
    int mailbox;
};

struct rsspp_port;  /* process-private handle */
struct rsspp_queue; /* one queue's counters, for its worker only */

/* Creates the port's block (after rte_eal_init, best after rte_eth_dev_configure so that
 * the PMD reports its RETA size). In software RSS mode the table starts as bucket mod
 * queues; with the mailbox in hardware mode it starts as the port's RETA, so call it after
 * rte_eth_dev_start, where many PMDs (ixgbe, i40e, mlx5) write their default RETA. Returns
 * NULL and sets rte_errno; rsspp_error() says why. */
RSSPP_API struct rsspp_port *rsspp_port_create(const struct rsspp_port_config *config);
/* Frees the block and the handle; workers must have stopped. */
RSSPP_API void rsspp_port_free(struct rsspp_port *port);
RSSPP_API struct rsspp_block *rsspp_port_block(struct rsspp_port *port);
/* The handle of `queue` (< queues), for the thread that polls it. */
RSSPP_API struct rsspp_queue *rsspp_port_queue(struct rsspp_port *port, uint16_t queue);

/* Applies a table posted to the port's mailbox, if there is one, and posts the answer back.
 * Call it from one control thread every few milliseconds (in software RSS mode the
 * dispatcher may be that thread); never from a worker. Returns 0 when no table was waiting,
 * 1 when one was applied, a negative errno when one was refused (rsspp_error() says why). */
RSSPP_API int rsspp_port_poll(struct rsspp_port *port);

/* The message of the calling thread's last failure. */
RSSPP_API const char *rsspp_error(void);

/* Counts a received burst into its buckets: the hash is mbuf->hash.rss when the PMD set
 * RTE_MBUF_F_RX_RSS_HASH, else the software Toeplitz hash of the port's key. */
RSSPP_API void rsspp_count_burst(struct rsspp_queue *queue, struct rte_mbuf *const *packets,
                                 uint16_t count);

/* Call once per polling-loop iteration, right after rte_eth_rx_burst (or the ring dequeue),
 * with what it returned and the TSC now: rte_rdtsc(), or a value the loop already read this
 * iteration (reading the TSC is not free: about 20 ns in some VMs). The cycles since the
 * previous call go to busy when the previous iteration had packets (they were spent
 * processing them), else to idle. */
RSSPP_API void rsspp_account(struct rsspp_queue *queue, uint16_t received, uint64_t tsc);

/* The packet's RSS hash: the PMD's when present, else the software hash (which is then
 * stored in the mbuf with RTE_MBUF_F_RX_RSS_HASH, so that counting does not redo it). */
RSSPP_API uint32_t rsspp_packet_hash(const struct rsspp_port *port, struct rte_mbuf *packet);

/* The bucket of a hash (hash mod table_size), for state an application keeps per bucket. */
RSSPP_API uint32_t rsspp_port_bucket(const struct rsspp_port *port, uint32_t hash);

/* Software RSS: hands each packet to rings[table[hash mod table_size]]. Packets that do not
 * fit their ring are freed and counted as dropped for that queue. Returns the number
 * dropped. Only the dispatching thread calls it. */
RSSPP_API uint16_t rsspp_dispatch_burst(struct rsspp_port *port,
                                        struct rte_mbuf *const *packets, uint16_t count,
                                        struct rte_ring *const *rings);

/* The port's RETA as a flat array of `size` entries (the PMD's reta_size), all 64-entry
 * groups at once. The update checks every entry < the port's rx queues before calling the
 * PMD. Both return 0 or a negative errno, with rsspp_error() saying why. */
RSSPP_API int rsspp_reta_query(uint16_t port_id, uint16_t *table, uint16_t size);
RSSPP_API int rsspp_reta_update(uint16_t port_id, const uint16_t *table, uint16_t size);

#ifdef __cplusplus
}
#endif

#endif
