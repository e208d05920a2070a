/*
 * rsspp_owner.h: per-bucket ownership of flow state, so that an application's per-flow state
 * follows its RSS bucket from core to core when rsspp moves the bucket (rss-apply writes a new
 * table), without locks on the fast path, without reordering and without loss. See
 * rsspp-owner(3); the wire protocol of the control socket is in rss-migrate(1).
 *
 * Plain C (no DPDK): packets are opaque pointers, queues are small integers, one thread per
 * queue. DPDK applications, socket applications (one SO_REUSEPORT thread per queue) and the
 * Swift module BucketOwnership use the same library. Link with
 * `pkg-config --libs rsspp-owner`, or depend on the SwiftPM target RssppOwner.
 *
 * THE PROTOCOL
 *
 * - Every bucket has exactly one owner queue at any time. A queue's thread touches the state
 *   of a bucket (its flow table) only between rsspp_owner_enter() returning RSSPP_PROCESS and
 *   its next call into this library for that queue; it never touches another queue's buckets.
 * - A thread that receives a packet of a bucket it does not own parks it (enter returns
 *   RSSPP_PARKED; the library keeps the pointer) and asks the owner to hand the bucket over.
 *   No message can make a core touch a bucket it does not own, and a bucket that moves once
 *   needs nothing more than that request.
 * - What else exactness needs: a bucket that moves again before a queue it passed through has
 *   dequeued its packets (A -> B -> A, or a chain where one queue is slow) is handed over in the
 *   right order only if the table's writes are reported with rsspp_owner_request() and a stamp
 *   when they happen, since a queue that has not dequeued a packet yet cannot have asked. A
 *   software dispatcher or a primary applying tables from its mailbox knows the writes (rsspp-sink
 *   does both); an application told only afterwards, by rss-migrate, can reorder packets of such
 *   a bucket. Without stamps the old owner cannot tell its old packets from new ones after a
 *   bucket came back (A -> B -> A): a bucket must not move again before its last move was
 *   acked (rss-migrate reports each move's latency; plans come every 100 ms or so). rss-plan's
 *   default planner does not send a bucket back to the queue it left for 10 plans, unless the
 *   queue it is on is overloaded; a chain through a third queue it can still plan.
 * - The old owner releases the bucket once it has processed every packet that reached it
 *   before the switch. It knows that from, whichever comes first:
 *     1. stamps: it has dequeued a packet stamped later than the request's stamp (exact when
 *        stamps are arrival order on one clock: a software dispatcher's sequence number, NIC
 *        timestamps, SO_TIMESTAMPNS);
 *     2. an empty queue: a receive poll found its queue empty after it saw the request;
 *     3. a count: it has dequeued, since it saw the request, as many packets as its queue held
 *        then: the backlog callback (rte_eth_rx_queue_count, rte_ring_count), capped by the
 *        queue's capacity (a FIFO of N slots is drained after N dequeues whatever the count
 *        said). The count is used only for requests without a stamp.
 *   An idle old core hands over without traffic: at its next poll when the backlog says its
 *   queue is empty, else at the poll after (a poll's `empty` may describe a receive that came
 *   before the request was filed, so only the next one proves the drain).
 * - A backlog that lies low makes a count release early. The packets that then reach the old
 *   owner are not dropped: they are parked like any packet of a bucket it does not own, the
 *   bucket is asked back, and they are counted as `late`.
 * - The new owner replays the parked packets of a bucket it acquires, in arrival order, before
 *   any newer packet of that bucket (rsspp_owner_poll calls `replay`; enter parks newer ones
 *   until the replay is done).
 * - When a bucket moves more than once before it settles (A -> B -> C), it is handed over in
 *   stamp order of the requests: A to B, then B to C. Without stamps, in filing order. Mixed
 *   (the relation is then no total order), each request takes its place when the owner reads
 *   it, in filing order: an unstamped one after every request still waiting; a stamped one
 *   just before the first waiting stamped request with a later stamp (after any unstamped
 *   ones ahead of that), or last.
 *   An owner never processes a packet stamped after a pending request's stamp before it has
 *   handed the bucket to that requester (A -> B -> A), nor replays one.
 * - Every request is kept until it is served: a bucket may move any number of times before it
 *   settles, through one queue more than once (A -> B -> C -> B), and each queue gets each of
 *   its turns in stamp order.
 * - Parking is bounded: at most park_capacity packets per queue (enter returns RSSPP_FULL,
 *   counted in `overflows`; the application drops the packet), and park_timeout_ns per packet
 *   (the library hands the packet to `expire`, counted in `expired`). Neither happens while
 *   every queue's thread polls; they bound the damage of a stalled thread.
 *
 * THREAD RULES
 *
 * - One thread per queue calls rsspp_owner_enter() and rsspp_owner_poll() with that queue,
 *   and it must poll at least every few milliseconds, idle or not (a sleeping poller delays
 *   every handover away from its queue).
 * - rsspp_owner_request(), rsspp_owner_of() and the control server may run on any thread.
 * - The fast path (enter on an owned bucket with no request pending) is two loads of the
 *   bucket's cache line and no atomic read-modify-write.
 */
#ifndef RSSPP_OWNER_H
#define RSSPP_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RSSPP_OWNER_API __attribute__((visibility("default")))

#define RSSPP_OWNER_QUEUES_MAX 1024
#define RSSPP_OWNER_BUCKETS_MAX 65536
/* The version of the control socket's wire protocol ("v" of every message). */
#define RSSPP_MIGRATE_VERSION 1
/* The longest message the control socket accepts, in bytes. */
#define RSSPP_MIGRATE_MESSAGE_MAX 65536

enum rsspp_verdict {
    RSSPP_PROCESS = 0, /* the queue owns the bucket: process the packet, touch its state */
    RSSPP_PARKED = 1,  /* the library keeps the packet until the queue owns the bucket */
    RSSPP_FULL = 2,    /* the queue's parking is full: the application drops the packet */
};

struct rsspp_owner_config {
    uint32_t buckets;        /* the RSS table's size, 1..RSSPP_OWNER_BUCKETS_MAX */
    uint16_t queues;         /* 1..RSSPP_OWNER_QUEUES_MAX */
    const uint16_t *table;   /* each bucket's owner at start (the table in force); NULL: bucket % queues */
    uint32_t park_capacity;  /* packets parked per queue at most; 0: 4096 */
    uint64_t park_timeout_ns;/* a packet parked longer is expired; 0: 100 ms */
    uint32_t queue_capacity; /* slots of each receive queue (descriptors, ring size); 0: unknown */
    /* Packets waiting in `queue` now, or a negative value when unknown. NULL: always unknown. */
    int64_t (*backlog)(void *context, uint16_t queue);
    /* Called on `queue`'s thread, inside rsspp_owner_poll(), for each parked packet of a bucket
     * the queue now owns, in arrival order: process it as if enter had said RSSPP_PROCESS. */
    void (*replay)(void *context, uint16_t queue, uint32_t bucket, void *packet);
    /* Called on `queue`'s thread for a parked packet the library gives up on: free it. */
    void (*expire)(void *context, uint16_t queue, uint32_t bucket, void *packet);
    void *context;
};

/* Per queue, written by the queue's thread, read by anyone (relaxed loads). */
struct rsspp_owner_stats {
    uint64_t parked;         /* packets parked */
    uint64_t replayed;       /* parked packets replayed */
    uint64_t overflows;      /* RSSPP_FULL answers */
    uint64_t expired;        /* parked packets given to `expire` */
    uint64_t late;           /* packets of a bucket this queue released on a count that lied
                              * (reaching it before its queue was seen empty again and before
                              * a request steered the bucket back to it) */
    uint64_t released;       /* buckets handed over by this queue */
    uint64_t acquired;       /* buckets taken over by this queue */
    uint64_t handover_ns;    /* sum over `acquired` of request -> ownership, nanoseconds */
    uint64_t handover_max_ns;
};

struct rsspp_owner;

/* NULL on bad configuration or no memory; rsspp_owner_error() says why. */
RSSPP_OWNER_API struct rsspp_owner *rsspp_owner_create(const struct rsspp_owner_config *config);
/* Every queue's thread must have stopped; parked packets go to `expire`. */
RSSPP_OWNER_API void rsspp_owner_free(struct rsspp_owner *owner);

/* ---- a queue's thread ---- */

/* Before touching `bucket`'s state for `packet`. `stamp`: the packet's arrival order on a clock
 * shared by all queues (larger is later), or 0 when unknown. A bucket or queue out of range:
 * RSSPP_FULL, and rsspp_owner_error() says why. Never calls `replay` or `expire` (only
 * rsspp_owner_poll and rsspp_owner_free do): an application may call it in the middle of a
 * burst, with packets and state its callbacks also touch in an unfinished condition. */
RSSPP_OWNER_API enum rsspp_verdict rsspp_owner_enter(struct rsspp_owner *owner, uint16_t queue,
                                                     uint32_t bucket, uint64_t stamp,
                                                     void *packet);
/* Once per polling-loop iteration, after the burst was processed: `received` packets were
 * dequeued this iteration (parked or not), `empty` is non-zero when the receive poll found the
 * queue empty. Hands over buckets whose drain is complete, replays buckets acquired, expires
 * packets parked too long. A queue out of range: nothing, and rsspp_owner_error() says why. */
RSSPP_OWNER_API void rsspp_owner_poll(struct rsspp_owner *owner, uint16_t queue,
                                      uint32_t received, int empty);

/* ---- any thread ---- */

/* Asks that `bucket` be handed over to `queue` (the table now steers it there), as a packet
 * arriving there would. `stamp`: the table write on the packets' clock (packets stamped later
 * were steered by the new table), or 0 when unknown. Returns 0, or -1 for a bucket or queue
 * out of range or no memory for the request. */
RSSPP_OWNER_API int rsspp_owner_request(struct rsspp_owner *owner, uint32_t bucket,
                                        uint16_t queue, uint64_t stamp);
/* The queue that owns `bucket` now; UINT16_MAX (and rsspp_owner_error()) when out of range. */
RSSPP_OWNER_API uint16_t rsspp_owner_of(const struct rsspp_owner *owner, uint32_t bucket);
RSSPP_OWNER_API uint32_t rsspp_owner_buckets(const struct rsspp_owner *owner);
RSSPP_OWNER_API uint16_t rsspp_owner_queues(const struct rsspp_owner *owner);
/* `queue`'s counters; a queue out of range: all zero, and rsspp_owner_error() says why. */
RSSPP_OWNER_API void rsspp_owner_stats(const struct rsspp_owner *owner, uint16_t queue,
                                       struct rsspp_owner_stats *stats);

/* ---- the control socket (rss-migrate's peer) ---- */

struct rsspp_owner_server_config {
    const char *path;        /* the Unix SOCK_SEQPACKET socket to create (a stale one is replaced) */
    mode_t mode;             /* its permissions; 0: 0600 */
    /* The socket file's group, and a gid allowed to steer: compared with the peer's primary
     * gid only (SO_PEERCRED), not its supplementary groups. (gid_t)-1: none. */
    gid_t group;
    uid_t allowed_uid;       /* a peer uid allowed besides root; (uid_t)-1: root only */
    const char *device;      /* refuse messages naming another device; NULL: any */
    /* Answer an error when a move is not done by then; 0: 800. Keep it below rss-migrate's
     * --timeout (1 s by default), or rss-migrate gives up before the error says which bucket
     * is still where. */
    unsigned ack_timeout_ms;
    /* The stamp of a table written at Unix time `applied` (rsspp_owner_request); NULL: 0. */
    uint64_t (*switch_stamp)(void *context, double applied);
    void *context;
    /* Non-zero: the application reports every table write itself, with rsspp_owner_request()
     * and exact stamps (a software dispatcher, a primary applying tables from its mailbox), so
     * the socket files nothing: it only waits for the moves and answers. Filed again by the
     * socket, later-stamped, a move could send a bucket back to a queue a newer table no
     * longer steers it to. Zero: the socket files each move of a migrate. */
    int table_writes_reported;
};

struct rsspp_owner_server;

/* Creates the socket. NULL with rsspp_owner_error() on failure. */
RSSPP_OWNER_API struct rsspp_owner_server *
rsspp_owner_server_open(struct rsspp_owner *owner, const struct rsspp_owner_server_config *config);
/* A descriptor that becomes readable when the server has work (for epoll/poll). */
RSSPP_OWNER_API int rsspp_owner_server_fd(const struct rsspp_owner_server *server);
/* Accepts peers, reads messages, files requests, sends the answers that are due; waits up to
 * `timeout_ms` for work (0: does not wait). Returns 0, or -1 on a failure of the listening
 * socket itself. A bad peer or message never fails it: the peer gets an error answer. */
RSSPP_OWNER_API int rsspp_owner_server_poll(struct rsspp_owner_server *server, int timeout_ms);
/* Or: a thread of the library's own polls the server until rsspp_owner_server_close(). */
RSSPP_OWNER_API int rsspp_owner_server_start(struct rsspp_owner_server *server);
/* Stops the thread if any, closes the peers, removes the socket file. */
RSSPP_OWNER_API void rsspp_owner_server_close(struct rsspp_owner_server *server);

/* ---- hashing, for applications that must compute the bucket of a 5-tuple ---- */

/* The Toeplitz hash of `input` (the bytes RSS hashes: addresses then ports, network order)
 * under `key` (key_size >= input length + 4). */
RSSPP_OWNER_API uint32_t rsspp_toeplitz(const uint8_t *key, uint32_t key_size,
                                        const uint8_t *input, uint32_t length);
/* The bucket of a hash in a table of `buckets` entries: hash modulo buckets. */
static inline uint32_t rsspp_bucket_of(uint32_t hash, uint32_t buckets) {
    return hash % buckets;
}

/* The message of the calling thread's last failure. */
RSSPP_OWNER_API const char *rsspp_owner_error(void);

#ifdef __cplusplus
}
#endif

#endif
