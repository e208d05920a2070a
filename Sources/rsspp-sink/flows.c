/* Per-bucket flow tables: open addressing inside each bucket's slots. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "sink.h"

#define FLOW_TIMEOUT_SECONDS 10

int flow_tables_init(struct flow_tables *tables, uint32_t table_size, uint32_t per_bucket) {
    tables->table_size = table_size;
    tables->per_bucket = per_bucket;
    tables->timeout = rte_get_tsc_hz() * FLOW_TIMEOUT_SECONDS;
    tables->slots = NULL;
    if (per_bucket == 0)
        return 0;
    tables->slots = rte_zmalloc("sink_flows", (size_t)table_size * per_bucket * sizeof(struct flow),
                                RTE_CACHE_LINE_SIZE);
    return tables->slots == NULL ? -1 : 0;
}

void flow_tables_free(struct flow_tables *tables) {
    rte_free(tables->slots);
    tables->slots = NULL;
}

static int live(const struct flow_tables *tables, const struct flow *flow, uint64_t now) {
    return flow->key_length != 0 && now - flow->last_seen < tables->timeout;
}

int flow_track(struct flow_tables *tables, uint32_t bucket, uint32_t hash,
               const struct rte_mbuf *packet, uint64_t now) {
    uint8_t key[RSSPP_HASH_INPUT_MAX];
    uint32_t length = rsspp_hash_input(rte_pktmbuf_mtod(packet, const void *),
                                       rte_pktmbuf_data_len(packet), key);
    if (length == 0) /* not IP: no flow to keep */
        return 0;
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
        if (flow->key_length == length && memcmp(flow->key, key, length) == 0) {
            flow->packets++;
            flow->bytes += packet->pkt_len;
            flow->last_seen = now;
            return 0;
        }
    }
    if (free_slot == NULL)
        return -1;
    free_slot->key_length = (uint8_t)length;
    memcpy(free_slot->key, key, length);
    free_slot->packets = 1;
    free_slot->bytes = packet->pkt_len;
    free_slot->last_seen = now;
    return 1;
}

uint32_t flow_count(const struct flow_tables *tables, uint32_t bucket, uint64_t now) {
    uint32_t count = 0;
    const struct flow *slots = &tables->slots[(size_t)bucket * tables->per_bucket];
    for (uint32_t i = 0; i < tables->per_bucket; i++)
        count += live(tables, &slots[i], now);
    return count;
}
