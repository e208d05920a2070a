/* The flows' state: per-bucket tables (open addressing inside each bucket's slots), or under
 * --shared-table one rte_hash that every worker reads without locks, RSS++'s baseline. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "sink.h"

#define FLOW_TIMEOUT_SECONDS 10

/* The shared table's key: the hash input, zero-padded, and its length. */
struct flow_key {
    uint8_t bytes[RSSPP_HASH_INPUT_MAX];
    uint32_t length;
};

static int shared_init(struct flow_tables *tables, uint32_t capacity) {
    struct rte_hash_parameters parameters;
    memset(&parameters, 0, sizeof parameters);
    parameters.name = "sink_shared_flows";
    parameters.entries = capacity;
    parameters.key_len = sizeof(struct flow_key);
    parameters.hash_func = rte_jhash;
    parameters.socket_id = (int)rte_socket_id();
    parameters.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF
        | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD;
    tables->shared = rte_hash_create(&parameters);
    return tables->shared == NULL ? -1 : 0;
}

int flow_tables_init(struct flow_tables *tables, uint32_t table_size, uint32_t per_bucket,
                     int shared) {
    memset(tables, 0, sizeof *tables);
    tables->table_size = table_size;
    tables->per_bucket = per_bucket;
    tables->timeout = rte_get_tsc_hz() * FLOW_TIMEOUT_SECONDS;
    if (per_bucket == 0)
        return 0;
    /* The shared table holds as many flows as the per-bucket ones together. */
    tables->slots = rte_zmalloc("sink_flows", (size_t)table_size * per_bucket * sizeof(struct flow),
                                RTE_CACHE_LINE_SIZE);
    if (tables->slots == NULL || (shared && shared_init(tables, table_size * per_bucket) != 0)) {
        flow_tables_free(tables);
        return -1;
    }
    return 0;
}

void flow_tables_free(struct flow_tables *tables) {
    rte_hash_free(tables->shared);
    rte_free(tables->slots);
    tables->shared = NULL;
    tables->slots = NULL;
}

/* Signed: the bucket's previous owner may have seen the flow after `now` was read here. */
static int live(const struct flow_tables *tables, const struct flow *flow, uint64_t now) {
    return flow->key_length != 0
        && (tables->shared != NULL || (int64_t)(now - flow->last_seen) < (int64_t)tables->timeout);
}

static void flow_start(struct flow *flow, const uint8_t *key, uint32_t length, uint32_t hash) {
    flow->key_length = (uint8_t)length;
    memcpy(flow->key, key, length);
    flow->hash = hash;
    flow->packets = 0;
    flow->bytes = 0;
    flow->next_sequence = 0;
}

static struct flow *bucket_track(struct flow_tables *tables, uint32_t bucket, uint32_t hash,
                                 const uint8_t *key, uint32_t length, uint64_t now, int *created) {
    struct flow *slots = &tables->slots[(size_t)bucket * tables->per_bucket];
    /* The low hash bits chose the bucket; the high ones spread flows inside it. */
    uint32_t start = (hash >> 16) % tables->per_bucket;
    struct flow *free_slot = NULL;
    for (uint32_t probe = 0; probe < tables->per_bucket; probe++) {
        struct flow *flow = &slots[(start + probe) % tables->per_bucket];
        if (!live(tables, flow, now)) {
            if (free_slot == NULL)
                free_slot = flow;
            if (flow->key_length == 0)
                break; /* never used: the flow is not further along */
            continue;
        }
        if (flow->key_length == length && memcmp(flow->key, key, length) == 0)
            return flow;
    }
    if (free_slot == NULL) {
        *created = -1;
        return NULL;
    }
    flow_start(free_slot, key, length, hash);
    *created = 1;
    return free_slot;
}

/* Lock-free lookup; a new flow takes the next free slot and is added. Two workers adding one
 * flow at once (only while its bucket moves: nothing orders them) both take a slot and the
 * later add wins: the baseline's race, which ownership removes. */
static struct flow *shared_track(struct flow_tables *tables, uint32_t hash, const uint8_t *key,
                                 uint32_t length, int *created) {
    struct flow_key lookup;
    memset(&lookup, 0, sizeof lookup);
    memcpy(lookup.bytes, key, length);
    lookup.length = length;
    void *data;
    if (rte_hash_lookup_with_hash_data(tables->shared, &lookup, hash, &data) >= 0)
        return data;
    uint32_t index = __atomic_fetch_add(&tables->shared_used, 1, __ATOMIC_RELAXED);
    *created = -1;
    if (index >= tables->table_size * tables->per_bucket)
        return NULL;
    struct flow *flow = &tables->slots[index];
    flow_start(flow, key, length, hash);
    if (rte_hash_add_key_with_hash_data(tables->shared, &lookup, hash, flow) != 0)
        return NULL;
    *created = 1;
    return flow;
}

struct flow *flow_track(struct flow_tables *tables, uint32_t bucket, uint32_t hash,
                        const struct rte_mbuf *packet, uint64_t now, int *created) {
    uint8_t key[RSSPP_HASH_INPUT_MAX];
    uint32_t length = rsspp_hash_input(rte_pktmbuf_mtod(packet, const void *),
                                       rte_pktmbuf_data_len(packet), key);
    *created = 0;
    if (length == 0) /* not IP: no flow to keep */
        return NULL;
    struct flow *flow = tables->shared != NULL
        ? shared_track(tables, hash, key, length, created)
        : bucket_track(tables, bucket, hash, key, length, now, created);
    if (flow != NULL) {
        flow->packets++;
        flow->bytes += packet->pkt_len;
        flow->last_seen = now;
    }
    return flow;
}

static uint32_t slot_count(const struct flow_tables *tables) {
    return tables->shared != NULL
        ? RTE_MIN(__atomic_load_n(&tables->shared_used, __ATOMIC_RELAXED),
                  tables->table_size * tables->per_bucket)
        : tables->table_size * tables->per_bucket;
}

uint32_t flow_count(const struct flow_tables *tables, uint32_t bucket, uint64_t now) {
    uint32_t count = 0;
    if (tables->shared != NULL) {
        for (uint32_t i = 0; i < slot_count(tables); i++)
            count += live(tables, &tables->slots[i], now)
                && rsspp_bucket_of(tables->slots[i].hash, tables->table_size) == bucket;
        return count;
    }
    const struct flow *slots = &tables->slots[(size_t)bucket * tables->per_bucket];
    for (uint32_t i = 0; i < tables->per_bucket; i++)
        count += live(tables, &slots[i], now);
    return count;
}

void flow_visit(const struct flow_tables *tables, uint64_t now,
                void (*visit)(const struct flow *flow, void *context), void *context) {
    for (uint32_t i = 0; tables->slots != NULL && i < slot_count(tables); i++)
        if (live(tables, &tables->slots[i], now))
            visit(&tables->slots[i], context);
}
