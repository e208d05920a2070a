/* Reading and writing a shared block: no DPDK call, so a reader needs only the mapping. */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "rsspp_dpdk.h"

int rsspp_block_check(const struct rsspp_block *block, size_t zone_size,
                      char *error, size_t error_size) {
    uint64_t magic = __atomic_load_n(&block->magic, __ATOMIC_ACQUIRE);
    if (zone_size < sizeof(block->magic) + sizeof(block->version) || magic != RSSPP_BLOCK_MAGIC) {
        snprintf(error, error_size, "is not an rsspp block (magic %016" PRIx64 ")", magic);
        return -1;
    }
    if (block->version != RSSPP_LAYOUT_VERSION) {
        snprintf(error, error_size,
                 "has layout version %" PRIu32 "; this program reads layout version %d",
                 block->version, RSSPP_LAYOUT_VERSION);
        return -1;
    }
    uint64_t queues_end = block->queue_offset + (uint64_t)block->queues * block->queue_stride;
    uint64_t bucket_bytes = (uint64_t)block->table_size * sizeof(struct rsspp_bucket_counts);
    int fits = block->header_size <= block->table_offset
        && block->table_offset + (uint64_t)block->table_size * 2 <= block->queue_offset
        && block->queue_stride >= sizeof(struct rsspp_queue_stats)
               + sizeof(struct rsspp_dispatch_stats) + bucket_bytes
        && queues_end <= block->zone_size && block->zone_size <= zone_size;
    if (block->queues == 0 || block->table_size == 0 || !fits) {
        snprintf(error, error_size,
                 "is inconsistent (%u queues, %" PRIu32 " buckets, %" PRIu64 " bytes of %zu)",
                 block->queues, block->table_size, block->zone_size, zone_size);
        return -1;
    }
    return 0;
}

static uint64_t load(const uint64_t *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void rsspp_block_read(const struct rsspp_block *block, uint64_t *packets, uint64_t *bytes,
                      uint64_t *busy_cycles, uint64_t *idle_cycles) {
    uint32_t size = block->table_size;
    for (uint32_t b = 0; b < size; b++) {
        packets[b] = 0;
        if (bytes)
            bytes[b] = 0;
    }
    for (uint16_t q = 0; q < block->queues; q++) {
        const struct rsspp_bucket_counts *buckets = rsspp_block_buckets(block, q);
        for (uint32_t b = 0; b < size; b++)
            packets[b] += load(&buckets[b].packets);
        if (bytes)
            for (uint32_t b = 0; b < size; b++)
                bytes[b] += load(&buckets[b].bytes);
        const struct rsspp_queue_stats *stats = rsspp_block_queue_stats(block, q);
        busy_cycles[q] = load(&stats->busy_cycles);
        idle_cycles[q] = load(&stats->idle_cycles);
    }
}

/* Table writers are rare (one plan per interval) and may live in different processes: a
 * spin lock in the block. A holder that has not let go after a second has died mid-write
 * (a write takes microseconds): the lock is taken over, since every entry it stored is a
 * valid queue anyway. */
static void lock_table(struct rsspp_block *block) {
    struct timespec pause = {0, 100000};
    for (int attempt = 0; attempt < 10000; attempt++) {
        uint32_t unlocked = 0;
        if (__atomic_compare_exchange_n(&block->table_lock, &unlocked, 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return;
        if (attempt < 100)
            sched_yield();
        else
            nanosleep(&pause, NULL);
    }
    __atomic_exchange_n(&block->table_lock, 1, __ATOMIC_ACQUIRE);
}

int rsspp_block_write_table(struct rsspp_block *block, const uint16_t *table,
                            char *error, size_t error_size) {
    for (uint32_t b = 0; b < block->table_size; b++) {
        if (table[b] >= block->queues) {
            snprintf(error, error_size, "entry %" PRIu32 " is %u; the block has %u queues",
                     b, table[b], block->queues);
            return -1;
        }
    }
    lock_table(block);
    uint16_t *entries = (uint16_t *)((char *)block + block->table_offset);
    for (uint32_t b = 0; b < block->table_size; b++)
        __atomic_store_n(&entries[b], table[b], __ATOMIC_RELAXED);
    __atomic_fetch_add(&block->table_generation, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&block->table_lock, 0, __ATOMIC_RELEASE);
    return 0;
}
