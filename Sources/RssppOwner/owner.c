/*
 * Per-bucket ownership (rsspp_owner.h has the protocol).
 *
 * Shared state, per bucket, one cache line: the owner queue (written only by the owner's
 * thread) and `pending`, the requests filed plus an unfinished handover, so that the fast path
 * is "owner is me and nothing pending". A requester pushes its request (a node) onto the
 * bucket's inbox with CAS; the owner moves the inbox into the bucket's list sorted by stamp,
 * which only the owner touches and which passes to the next owner with the bucket, as the flow
 * state does. Every request is kept, however often a bucket moves before it settles (A -> B ->
 * C -> B needs both of B's stamps: a fixed slot per queue would merge them and lose an order).
 * A requester tells the owner by setting the bucket's bit in the owner's `notes` set; a
 * releaser tells the new owner the same way. Everything else (parked packets, drains in
 * progress) is the queue thread's own and needs no atomics.
 *
 * Memory order: a releaser's writes to the bucket's flow state and request list happen before
 * its store of the new owner (seq_cst), which the new owner loads with acquire. Requesters push
 * and then load the owner, and releasers store the owner and then the new owner takes the
 * inbox, all seq_cst: whichever queue owns the bucket after a request is pushed sees it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define NONE UINT32_MAX
#define DEFAULT_PARK_CAPACITY 4096
#define DEFAULT_PARK_TIMEOUT_NS 100000000ull

/* `queue` asks for a bucket. Ordered by stamp, then by filing (ticket). */
struct request {
    struct request *next;
    uint64_t stamp;
    uint64_t filed_ns;
    uint32_t ticket;
    uint16_t queue;
};

struct bucket {
    _Atomic uint16_t owner;
    _Atomic uint32_t pending; /* requests filed, plus one while a handover is unfinished */
    /* The queue the table steers the bucket to, as far as requests tell: a packet that reaches
     * an old owner after a count released the bucket is late unless it was steered back. */
    _Atomic uint16_t steered;
    _Atomic(struct request *) inbox; /* filed, newest first: any thread pushes */
    struct request *requests;        /* sorted, the next to serve first: the owner's */
    /* When the request behind the last handover was filed, for the new owner's latency. */
    uint64_t handover_filed_ns;
} __attribute__((aligned(64)));

/* A set of buckets that other threads add to and the queue's thread takes all of at once:
 * one bit per bucket, and a summary bit per word so that taking reads few words. */
struct bucket_set {
    _Atomic uint64_t *words;
    _Atomic uint64_t *summary;
    uint32_t summary_words;
};

/* What a queue knows about a bucket, its thread only. */
enum {
    HELD_OWNED = 1,    /* acquired (or owned from the start) and not released since */
    HELD_WANTED = 2,   /* this queue asked for the bucket and has not got it yet */
    HELD_DRAINING = 4, /* owned, and draining for the first request (drain_*) */
    HELD_LISTED = 8,   /* in `draining` */
    HELD_LATE = 16,    /* released on a count: packets that still come are late */
    HELD_MEASURED = 32 /* count_left holds the count rule's budget */
};

struct held {
    uint32_t park_head, park_tail; /* parked packets of the bucket, oldest first */
    uint32_t drain_ticket;         /* the request being drained for */
    uint8_t flags;
    int64_t count_left;            /* dequeues still needed by the count rule */
    uint64_t measured_poll;        /* the poll whose `received` count_left includes */
    uint64_t released_poll;        /* when released on a count */
};

struct parked {
    void *packet;
    uint64_t stamp, parked_ns;
    uint32_t bucket;
    uint32_t next;         /* in the bucket's list, or the free list */
    uint32_t older, newer; /* in the queue's list by age */
};

struct counters {
    _Atomic uint64_t parked, replayed, overflows, expired, late, released, acquired;
    _Atomic uint64_t handover_ns, handover_max_ns;
};

struct queue {
    /* Written by other threads. */
    _Atomic uint32_t attention;   /* non-zero: look at notes */
    struct bucket_set notes;      /* buckets with a request or a handover to look at */
    struct counters counters;
    /* The queue's thread only. */
    struct held *held;
    struct parked *parked;
    uint32_t free_head, oldest, newest;
    uint32_t *draining, draining_count;
    uint64_t max_stamp;           /* the latest stamp dequeued */
    uint64_t polls;               /* rsspp_owner_poll calls, from 1 */
    uint64_t last_empty_poll;     /* the last poll told the queue was empty */
    uint64_t iteration_start_ns;  /* when the last poll ended: this iteration's receive is later */
} __attribute__((aligned(64)));

struct rsspp_owner {
    struct bucket *buckets;
    struct queue *queues;
    uint32_t bucket_count;
    uint16_t queue_count;
    uint32_t park_capacity;
    uint64_t park_timeout_ns;
    uint32_t queue_capacity;
    _Atomic uint32_t tickets;
    int64_t (*backlog)(void *context, uint16_t queue);
    void (*replay)(void *context, uint16_t queue, uint32_t bucket, void *packet);
    void (*expire)(void *context, uint16_t queue, uint32_t bucket, void *packet);
    void *context;
};

/* What a poll tells about the queue, for drain rules 2 and 3. */
struct evidence {
    uint32_t received;
    int empty;
};

static _Thread_local char error_text[256];

void owner_set_error(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error_text, sizeof error_text, format, arguments);
    va_end(arguments);
}

const char *rsspp_owner_error(void) {
    return error_text;
}

/* The counters are written by one thread only: a relaxed load and store, no RMW. */
static void bump(_Atomic uint64_t *counter, uint64_t amount) {
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + amount,
                          memory_order_relaxed);
}

/* ---- bucket sets ---- */

static bool set_init(struct bucket_set *set, uint32_t buckets) {
    uint32_t words = (buckets + 63) / 64;
    set->summary_words = (words + 63) / 64;
    set->words = calloc(words, sizeof *set->words);
    set->summary = calloc(set->summary_words, sizeof *set->summary);
    return set->words && set->summary;
}

static void set_free(struct bucket_set *set) {
    free(set->words);
    free(set->summary);
}

static void set_add(struct bucket_set *set, uint32_t bucket) {
    atomic_fetch_or(&set->words[bucket / 64], 1ull << (bucket % 64));
    atomic_fetch_or(&set->summary[bucket / 4096], 1ull << (bucket / 64 % 64));
}

typedef void (*bucket_visitor)(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                               const struct evidence *evidence);

/* Empties the set, visiting each bucket that was in it. */
static void set_take(struct bucket_set *set, bucket_visitor visit, struct rsspp_owner *owner,
                     uint16_t queue, const struct evidence *evidence) {
    for (uint32_t s = 0; s < set->summary_words; s++) {
        if (!atomic_load_explicit(&set->summary[s], memory_order_relaxed))
            continue;
        uint64_t top = atomic_exchange(&set->summary[s], 0);
        while (top) {
            uint32_t w = s * 64 + (uint32_t)__builtin_ctzll(top);
            top &= top - 1;
            uint64_t bits = atomic_exchange(&set->words[w], 0);
            while (bits) {
                visit(owner, queue, w * 64 + (uint32_t)__builtin_ctzll(bits), evidence);
                bits &= bits - 1;
            }
        }
    }
}

static void note(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket) {
    set_add(&owner->queues[queue].notes, bucket);
    atomic_store(&owner->queues[queue].attention, 1);
}

/* ---- requests ---- */

/* Files `queue`'s request for `bucket` and tells the owner. False when out of memory. */
static bool file_request(struct rsspp_owner *owner, uint32_t bucket, uint16_t queue,
                         uint64_t stamp) {
    struct request *r = malloc(sizeof *r);
    if (!r)
        return false;
    *r = (struct request){.stamp = stamp, .filed_ns = now_ns(), .queue = queue,
                          .ticket = atomic_fetch_add(&owner->tickets, 1)};
    struct bucket *b = &owner->buckets[bucket];
    atomic_fetch_add(&b->pending, 1);
    r->next = atomic_load(&b->inbox);
    while (!atomic_compare_exchange_weak(&b->inbox, &r->next, r))
        ;
    note(owner, atomic_load(&b->owner), bucket);
    return true;
}

/* Stamp order when both requests have a stamp, filing order otherwise. */
static bool earlier(const struct request *a, const struct request *b) {
    if (a->stamp && b->stamp && a->stamp != b->stamp)
        return a->stamp < b->stamp;
    return (int32_t)(a->ticket - b->ticket) < 0;
}

/* Moves the inbox into the sorted list, oldest filing first so that equal keys keep it. */
static void sort_inbox(struct bucket *b) {
    struct request *newest = atomic_exchange(&b->inbox, NULL), *oldest = NULL;
    while (newest) {
        struct request *next = newest->next;
        newest->next = oldest;
        oldest = newest;
        newest = next;
    }
    while (oldest) {
        struct request *r = oldest, **place = &b->requests;
        oldest = r->next;
        while (*place && !earlier(r, *place))
            place = &(*place)->next;
        r->next = *place;
        *place = r;
    }
}

/* Takes the first request off the list; its pending unit is the caller's to settle. */
static void unlink_first(struct bucket *b) {
    struct request *first = b->requests;
    b->requests = first->next;
    free(first);
}

/* The owner's next request to serve, first in the bucket's list; NULL when none. Requests by
 * the owner itself are satisfied already and are dropped. */
static const struct request *first_request(struct rsspp_owner *owner, uint16_t queue,
                                           uint32_t bucket) {
    struct bucket *b = &owner->buckets[bucket];
    if (atomic_load_explicit(&b->pending, memory_order_acquire) == 0)
        return NULL;
    if (atomic_load_explicit(&b->inbox, memory_order_relaxed))
        sort_inbox(b);
    while (b->requests && b->requests->queue == queue) {
        unlink_first(b);
        atomic_fetch_sub(&b->pending, 1);
        owner->queues[queue].held[bucket].flags &= (uint8_t)~HELD_WANTED;
    }
    return b->requests;
}

/* ---- a queue's own state ---- */

/* The queue wants `bucket`, which it does not own: files its request once. For a late packet
 * the table does not steer the bucket here: it only has to come back for the packet. */
static void want(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket, uint64_t stamp,
                 bool late) {
    struct queue *q = &owner->queues[queue];
    struct held *h = &q->held[bucket];
    if (!late)
        atomic_store_explicit(&owner->buckets[bucket].steered, queue, memory_order_relaxed);
    if (h->flags & (HELD_WANTED | HELD_OWNED))
        return;
    /* Out of memory, the next packet of the bucket asks again. */
    if (file_request(owner, bucket, queue, stamp))
        h->flags |= HELD_WANTED;
}

static enum rsspp_verdict park(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                               uint64_t stamp, void *packet) {
    struct queue *q = &owner->queues[queue];
    if (q->free_head == NONE) {
        bump(&q->counters.overflows, 1);
        return RSSPP_FULL;
    }
    uint32_t i = q->free_head;
    struct parked *p = &q->parked[i];
    q->free_head = p->next;
    *p = (struct parked){.packet = packet, .stamp = stamp, .parked_ns = now_ns(),
                         .bucket = bucket, .next = NONE, .older = q->newest, .newer = NONE};
    if (q->newest != NONE)
        q->parked[q->newest].newer = i;
    else
        q->oldest = i;
    q->newest = i;
    struct held *h = &q->held[bucket];
    if (h->park_tail != NONE)
        q->parked[h->park_tail].next = i;
    else
        h->park_head = i;
    h->park_tail = i;
    bump(&q->counters.parked, 1);
    return RSSPP_PARKED;
}

/* Takes the oldest parked packet of `bucket` out of both lists; returns its packet. */
static void *unpark_head(struct queue *q, uint32_t bucket) {
    struct held *h = &q->held[bucket];
    uint32_t i = h->park_head;
    struct parked *p = &q->parked[i];
    h->park_head = p->next;
    if (h->park_head == NONE)
        h->park_tail = NONE;
    if (p->older != NONE)
        q->parked[p->older].newer = p->newer;
    else
        q->oldest = p->newer;
    if (p->newer != NONE)
        q->parked[p->newer].older = p->older;
    else
        q->newest = p->older;
    p->next = q->free_head;
    q->free_head = i;
    return p->packet;
}

/* ---- handover ---- */

/* Hands the bucket to its first request's queue. */
static void release(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket, bool on_count) {
    struct queue *q = &owner->queues[queue];
    struct held *h = &q->held[bucket];
    struct bucket *b = &owner->buckets[bucket];
    uint16_t to = b->requests->queue;
    b->handover_filed_ns = b->requests->filed_ns;
    /* The request's pending unit stays: it now stands for the handover, until the new owner
     * has acquired. */
    unlink_first(b);
    h->flags &= (uint8_t)~(HELD_OWNED | HELD_DRAINING);
    if (on_count) {
        h->flags |= HELD_LATE;
        h->released_poll = q->polls;
    }
    atomic_store(&b->owner, to);
    note(owner, to, bucket);
    bump(&q->counters.released, 1);
}

/* The budget of the count rule: what the queue holds now, capped by its capacity; -1 when
 * neither is known. */
static int64_t count_budget(const struct rsspp_owner *owner, uint16_t queue) {
    int64_t backlog = owner->backlog ? owner->backlog(owner->context, queue) : -1;
    int64_t capacity = owner->queue_capacity ? (int64_t)owner->queue_capacity : -1;
    if (backlog < 0)
        return capacity;
    return capacity >= 0 && backlog > capacity ? capacity : backlog;
}

/* Applies the count rule to a drain; true when the count is reached. */
static bool count_reached(struct rsspp_owner *owner, struct queue *q, uint16_t queue,
                          struct held *h, const struct evidence *evidence) {
    if (h->flags & HELD_MEASURED) {
        if (h->measured_poll < q->polls) {
            h->count_left -= evidence->received;
            h->measured_poll = q->polls;
        }
    } else {
        /* Packets received this iteration were dequeued before the measure: they count from
         * the next poll on. */
        int64_t budget = count_budget(owner, queue);
        if (budget < 0)
            return false;
        h->count_left = budget;
        h->measured_poll = q->polls;
        h->flags |= HELD_MEASURED;
    }
    return h->count_left <= 0;
}

/* The owner looks at the bucket's requests and hands it over when the drain for the first is
 * complete. `evidence`: the poll's, or NULL inside enter. True while the queue still owns it. */
static bool hand_over_if_drained(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                   const struct evidence *evidence) {
    struct queue *q = &owner->queues[queue];
    struct held *h = &q->held[bucket];
    const struct request *first = first_request(owner, queue, bucket);
    if (!first) {
        h->flags &= (uint8_t)~HELD_DRAINING;
        return true;
    }
    if (!(h->flags & HELD_DRAINING) || h->drain_ticket != first->ticket) {
        h->flags = (uint8_t)((h->flags | HELD_DRAINING) & ~HELD_MEASURED);
        h->drain_ticket = first->ticket;
        if (!(h->flags & HELD_LISTED)) {
            h->flags |= HELD_LISTED;
            q->draining[q->draining_count++] = bucket;
        }
    }
    bool drained = first->stamp && q->max_stamp > first->stamp;
    bool on_count = false;
    if (!drained && evidence) {
        /* The filing was after the switch, and this iteration's receive after the filing. */
        drained = evidence->empty && first->filed_ns < q->iteration_start_ns;
        if (!drained && !first->stamp)
            drained = on_count = count_reached(owner, q, queue, h, evidence);
    }
    if (!drained)
        return true;
    release(owner, queue, bucket, on_count);
    return false;
}

/* The queue finds it owns the bucket now: replays what it parked, oldest first, then serves
 * the next request. A parked packet stamped after a pending request's stamp waits: the bucket
 * goes on to that requester first and is asked back. */
static void acquire(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                    const struct evidence *evidence) {
    struct queue *q = &owner->queues[queue];
    struct held *h = &q->held[bucket];
    h->flags = (uint8_t)((h->flags | HELD_OWNED) & ~(HELD_WANTED | HELD_LATE));
    atomic_fetch_sub(&owner->buckets[bucket].pending, 1);
    uint64_t latency = now_ns() - owner->buckets[bucket].handover_filed_ns;
    bump(&q->counters.acquired, 1);
    bump(&q->counters.handover_ns, latency);
    if (latency > atomic_load_explicit(&q->counters.handover_max_ns, memory_order_relaxed))
        atomic_store_explicit(&q->counters.handover_max_ns, latency, memory_order_relaxed);
    while (h->park_head != NONE) {
        const struct request *first = first_request(owner, queue, bucket);
        uint64_t stamp = q->parked[h->park_head].stamp;
        if (first && first->stamp && stamp > first->stamp) {
            release(owner, queue, bucket, false);
            want(owner, queue, bucket, stamp, false);
            return;
        }
        void *packet = unpark_head(q, bucket);
        owner->replay(owner->context, queue, bucket, packet);
        bump(&q->counters.replayed, 1);
    }
    hand_over_if_drained(owner, queue, bucket, evidence);
}

/* A note for the queue: a request for a bucket it owns, or a bucket handed to it. */
static void look(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                 const struct evidence *evidence) {
    if (atomic_load_explicit(&owner->buckets[bucket].owner, memory_order_acquire) != queue)
        return;
    if (owner->queues[queue].held[bucket].flags & HELD_OWNED)
        hand_over_if_drained(owner, queue, bucket, evidence);
    else
        acquire(owner, queue, bucket, evidence);
}

/* ---- the queue's thread ---- */

enum rsspp_verdict rsspp_owner_enter(struct rsspp_owner *owner, uint16_t queue, uint32_t bucket,
                                     uint64_t stamp, void *packet) {
    if (__builtin_expect(bucket >= owner->bucket_count || queue >= owner->queue_count, 0)) {
        owner_set_error("rsspp_owner_enter: bucket %u of queue %u is out of range (%u buckets, "
                        "%u queues)", bucket, queue, owner->bucket_count, owner->queue_count);
        return RSSPP_FULL;
    }
    struct queue *q = &owner->queues[queue];
    if (stamp > q->max_stamp)
        q->max_stamp = stamp;
    struct bucket *b = &owner->buckets[bucket];
    uint16_t current = atomic_load_explicit(&b->owner, memory_order_acquire);
    if (current == queue && atomic_load_explicit(&b->pending, memory_order_relaxed) == 0)
        return RSSPP_PROCESS;

    struct held *h = &q->held[bucket];
    if (current == queue && !(h->flags & HELD_OWNED) && h->park_head == NONE)
        acquire(owner, queue, bucket, NULL);
    if ((h->flags & HELD_OWNED) && hand_over_if_drained(owner, queue, bucket, NULL))
        return RSSPP_PROCESS;
    /* Not ours (or ours with a replay still due at the next poll). */
    bool late = (h->flags & HELD_LATE) && q->last_empty_poll <= h->released_poll &&
                atomic_load_explicit(&b->steered, memory_order_relaxed) != queue;
    enum rsspp_verdict verdict = park(owner, queue, bucket, stamp, packet);
    if (late)
        bump(&q->counters.late, 1);
    if (atomic_load(&b->owner) != queue)
        want(owner, queue, bucket, stamp, late);
    return verdict;
}

static void advance_drains(struct rsspp_owner *owner, uint16_t queue,
                           const struct evidence *evidence) {
    struct queue *q = &owner->queues[queue];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < q->draining_count; i++) {
        uint32_t bucket = q->draining[i];
        struct held *h = &q->held[bucket];
        if (h->flags & HELD_DRAINING)
            hand_over_if_drained(owner, queue, bucket, evidence);
        if (h->flags & HELD_DRAINING)
            q->draining[kept++] = bucket;
        else
            h->flags &= (uint8_t)~HELD_LISTED;
    }
    q->draining_count = kept;
}

static void expire_parked(struct rsspp_owner *owner, uint16_t queue, uint64_t before_ns) {
    struct queue *q = &owner->queues[queue];
    while (q->oldest != NONE && q->parked[q->oldest].parked_ns < before_ns) {
        uint32_t bucket = q->parked[q->oldest].bucket;
        /* Parking order is the same in the bucket's list: the oldest is its head. */
        void *packet = unpark_head(q, bucket);
        owner->expire(owner->context, queue, bucket, packet);
        bump(&q->counters.expired, 1);
    }
}

void rsspp_owner_poll(struct rsspp_owner *owner, uint16_t queue, uint32_t received, int empty) {
    if (queue >= owner->queue_count) {
        owner_set_error("rsspp_owner_poll: queue %u is out of range (%u queues)", queue,
                        owner->queue_count);
        return;
    }
    struct queue *q = &owner->queues[queue];
    struct evidence evidence = {.received = received, .empty = empty};
    /* One clock read per poll. As the next iteration's start it is early (the poll's work
     * follows it), which is conservative: `filed_ns < iteration_start_ns` then claims a
     * receive after the filing only when the receive also came after this read; a request
     * filed during the poll waits one more empty receive. */
    uint64_t now = now_ns();
    if (atomic_load_explicit(&q->attention, memory_order_relaxed)) {
        atomic_store(&q->attention, 0);
        set_take(&q->notes, look, owner, queue, &evidence);
    }
    advance_drains(owner, queue, &evidence);
    if (q->oldest != NONE && now > owner->park_timeout_ns)
        expire_parked(owner, queue, now - owner->park_timeout_ns);
    if (empty)
        q->last_empty_poll = q->polls;
    q->polls++;
    q->iteration_start_ns = now;
}

/* ---- any thread ---- */

int rsspp_owner_request(struct rsspp_owner *owner, uint32_t bucket, uint16_t queue,
                        uint64_t stamp) {
    if (bucket >= owner->bucket_count || queue >= owner->queue_count) {
        owner_set_error("rsspp_owner_request: bucket %u to queue %u is out of range (%u "
                        "buckets, %u queues)", bucket, queue, owner->bucket_count,
                        owner->queue_count);
        return -1;
    }
    atomic_store_explicit(&owner->buckets[bucket].steered, queue, memory_order_relaxed);
    /* Filed even when `queue` seems to own the bucket with nothing pending: the owner and the
     * pending count are two loads, and a whole handover away from `queue` can fall between
     * them. A request by the owner itself costs one look at its next poll (first_request drops
     * it). */
    if (!file_request(owner, bucket, queue, stamp)) {
        owner_set_error("rsspp_owner_request: bucket %u to queue %u: out of memory", bucket,
                        queue);
        return -1;
    }
    return 0;
}

uint16_t rsspp_owner_of(const struct rsspp_owner *owner, uint32_t bucket) {
    if (bucket >= owner->bucket_count) {
        owner_set_error("rsspp_owner_of: bucket %u is out of range (%u buckets)", bucket,
                        owner->bucket_count);
        return UINT16_MAX;
    }
    return atomic_load_explicit(&owner->buckets[bucket].owner, memory_order_acquire);
}

uint32_t rsspp_owner_buckets(const struct rsspp_owner *owner) {
    return owner->bucket_count;
}

uint16_t rsspp_owner_queues(const struct rsspp_owner *owner) {
    return owner->queue_count;
}

void rsspp_owner_stats(const struct rsspp_owner *owner, uint16_t queue,
                       struct rsspp_owner_stats *stats) {
    memset(stats, 0, sizeof *stats);
    if (queue >= owner->queue_count) {
        owner_set_error("rsspp_owner_stats: queue %u is out of range (%u queues)", queue,
                        owner->queue_count);
        return;
    }
    const struct counters *c = &owner->queues[queue].counters;
#define READ(field) stats->field = atomic_load_explicit(&c->field, memory_order_relaxed)
    READ(parked);
    READ(replayed);
    READ(overflows);
    READ(expired);
    READ(late);
    READ(released);
    READ(acquired);
    READ(handover_ns);
    READ(handover_max_ns);
#undef READ
}

/* ---- life cycle ---- */

static bool check_owner_config(const struct rsspp_owner_config *config) {
    if (!config) {
        owner_set_error("rsspp_owner_create: no configuration");
        return false;
    }
    if (config->buckets < 1 || config->buckets > RSSPP_OWNER_BUCKETS_MAX) {
        owner_set_error("rsspp_owner_create: buckets is %u; it must be 1..%u", config->buckets,
                        RSSPP_OWNER_BUCKETS_MAX);
        return false;
    }
    if (config->queues < 1 || config->queues > RSSPP_OWNER_QUEUES_MAX) {
        owner_set_error("rsspp_owner_create: queues is %u; it must be 1..%u", config->queues,
                        RSSPP_OWNER_QUEUES_MAX);
        return false;
    }
    if (!config->replay || !config->expire) {
        owner_set_error("rsspp_owner_create: the %s callback is missing; parked packets need it",
                        config->replay ? "expire" : "replay");
        return false;
    }
    for (uint32_t i = 0; config->table && i < config->buckets; i++)
        if (config->table[i] >= config->queues) {
            owner_set_error("rsspp_owner_create: table[%u] is queue %u; there are %u queues", i,
                            config->table[i], config->queues);
            return false;
        }
    return true;
}

static bool queue_init(struct queue *q, uint32_t buckets, uint32_t park_capacity) {
    q->oldest = q->newest = NONE;
    if (!set_init(&q->notes, buckets))
        return false;
    q->held = calloc(buckets, sizeof *q->held);
    q->parked = calloc(park_capacity, sizeof *q->parked);
    q->draining = calloc(buckets, sizeof *q->draining);
    if (!q->held || !q->parked || !q->draining)
        return false;
    for (uint32_t i = 0; i < buckets; i++)
        q->held[i].park_head = q->held[i].park_tail = NONE;
    for (uint32_t i = 0; i < park_capacity; i++)
        q->parked[i].next = i + 1 < park_capacity ? i + 1 : NONE;
    q->free_head = 0;
    q->polls = 1;
    q->iteration_start_ns = now_ns();
    return true;
}

struct rsspp_owner *rsspp_owner_create(const struct rsspp_owner_config *config) {
    if (!check_owner_config(config))
        return NULL;
    struct rsspp_owner *owner = calloc(1, sizeof *owner);
    if (!owner) {
        owner_set_error("rsspp_owner_create: out of memory");
        return NULL;
    }
    owner->bucket_count = config->buckets;
    owner->queue_count = config->queues;
    owner->park_capacity = config->park_capacity ? config->park_capacity : DEFAULT_PARK_CAPACITY;
    owner->park_timeout_ns = config->park_timeout_ns ? config->park_timeout_ns
                                                     : DEFAULT_PARK_TIMEOUT_NS;
    owner->queue_capacity = config->queue_capacity;
    owner->backlog = config->backlog;
    owner->replay = config->replay;
    owner->expire = config->expire;
    owner->context = config->context;
    owner->buckets = aligned_alloc(64, sizeof *owner->buckets * config->buckets);
    owner->queues = aligned_alloc(64, sizeof *owner->queues * config->queues);
    if (owner->buckets)
        memset(owner->buckets, 0, sizeof *owner->buckets * config->buckets);
    if (owner->queues)
        memset(owner->queues, 0, sizeof *owner->queues * config->queues);
    bool ok = owner->buckets && owner->queues;
    if (ok) {
        for (uint16_t i = 0; ok && i < config->queues; i++)
            ok = queue_init(&owner->queues[i], config->buckets, owner->park_capacity);
    }
    if (!ok) {
        owner_set_error("rsspp_owner_create: out of memory for %u buckets and %u queues",
                        config->buckets, config->queues);
        rsspp_owner_free(owner);
        return NULL;
    }
    for (uint32_t i = 0; i < config->buckets; i++) {
        uint16_t queue = config->table ? config->table[i] : (uint16_t)(i % config->queues);
        atomic_store_explicit(&owner->buckets[i].owner, queue, memory_order_relaxed);
        atomic_store_explicit(&owner->buckets[i].steered, queue, memory_order_relaxed);
        owner->queues[queue].held[i].flags = HELD_OWNED;
    }
    return owner;
}

void rsspp_owner_free(struct rsspp_owner *owner) {
    if (!owner)
        return;
    for (uint16_t i = 0; owner->queues && i < owner->queue_count; i++) {
        struct queue *q = &owner->queues[i];
        if (q->parked)
            expire_parked(owner, i, UINT64_MAX);
        set_free(&q->notes);
        free(q->held);
        free(q->parked);
        free(q->draining);
    }
    for (uint32_t i = 0; owner->buckets && i < owner->bucket_count; i++) {
        sort_inbox(&owner->buckets[i]);
        while (owner->buckets[i].requests)
            unlink_first(&owner->buckets[i]);
    }
    free(owner->queues);
    free(owner->buckets);
    free(owner);
}
