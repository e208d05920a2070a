/* Checking a shared block and reading its counters: no DPDK call, so a reader needs only the
 * mapping. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "internal.h"

/* The layout rsspp_dpdk.h and rsspp-dpdk(3) document; readers in other languages rely on it. */
_Static_assert(offsetof(struct rsspp_block, magic) == 0, "magic first");
_Static_assert(offsetof(struct rsspp_block, version) == 8, "version after magic");
_Static_assert(offsetof(struct rsspp_block, key) == 32, "key");
_Static_assert(offsetof(struct rsspp_block, table_offset) == 104, "table_offset");
_Static_assert(offsetof(struct rsspp_block, table_lock) == 264, "table_lock");
_Static_assert(offsetof(struct rsspp_block, primary_start) == 272, "primary_start");
_Static_assert(offsetof(struct rsspp_block, mailbox_reason) == 304, "mailbox_reason");
_Static_assert(sizeof(struct rsspp_block) == 496, "the header of layout version 2");
_Static_assert(sizeof(struct rsspp_queue_stats) == 64, "dispatch stats at +64");
_Static_assert(sizeof(struct rsspp_dispatch_stats) == 64, "buckets at +128");
_Static_assert(sizeof(struct rsspp_bucket_counts) == 16, "a bucket is packets and bytes");

int rsspp_block_check(const struct rsspp_block *block, size_t zone_size,
                      char *error, size_t error_size) {
    size_t identity = offsetof(struct rsspp_block, version) + sizeof block->version;
    if (zone_size < identity) {
        snprintf(error, error_size, "is %zu bytes, too small for an rsspp block", zone_size);
        return -1;
    }
    uint64_t magic = __atomic_load_n(&block->magic, __ATOMIC_ACQUIRE);
    if (magic != RSSPP_BLOCK_MAGIC) {
        snprintf(error, error_size, "is not an rsspp block (magic %016" PRIx64 ")", magic);
        return -1;
    }
    if (block->version != RSSPP_LAYOUT_VERSION) {
        snprintf(error, error_size,
                 "has layout version %" PRIu32 "; this program reads layout version %d",
                 block->version, RSSPP_LAYOUT_VERSION);
        return -1;
    }
    if (zone_size < sizeof *block) {
        snprintf(error, error_size, "is %zu bytes; the header of layout version %d has %zu",
                 zone_size, RSSPP_LAYOUT_VERSION, sizeof *block);
        return -1;
    }
    uint64_t table_bytes = (uint64_t)block->table_size * sizeof(uint16_t);
    uint64_t queues_end = block->queue_offset + (uint64_t)block->queues * block->queue_stride;
    uint64_t bucket_bytes = (uint64_t)block->table_size * sizeof(struct rsspp_bucket_counts);
    int fits = block->header_size <= block->table_offset
        && block->table_offset + table_bytes <= block->mailbox_offset
        && block->mailbox_offset + table_bytes <= block->queue_offset
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

uint64_t rsspp_process_start(pid_t pid) {
    char path[64], stat[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return 0;
    size_t length = fread(stat, 1, sizeof stat - 1, file);
    fclose(file);
    stat[length] = '\0';
    /* The command name, in parentheses, may hold spaces: fields count from the last ')'. */
    const char *field = strrchr(stat, ')');
    char state;
    unsigned long long start;
    if (field == NULL || sscanf(field + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                                "%*s %*s %*s %*s %*s %*s %*s %llu", &state, &start) != 2)
        return 0;
    return state == 'Z' || state == 'X' ? 0 : (uint64_t)start;
}

int rsspp_block_live(const struct rsspp_block *block, char *error, size_t error_size) {
    if (__atomic_load_n(&block->magic, __ATOMIC_ACQUIRE) != RSSPP_BLOCK_MAGIC) {
        snprintf(error, error_size,
                 "the DPDK primary has ended (it freed the port's rsspp block)");
        return -1;
    }
    if (rsspp_process_start(block->primary_pid) != block->primary_start) {
        snprintf(error, error_size, "the DPDK primary (pid %d) has ended", block->primary_pid);
        return -1;
    }
    return 0;
}

static uint64_t load(const uint64_t *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

int rsspp_block_read(const struct rsspp_block *block, uint64_t *packets, uint64_t *bytes,
                     uint64_t *busy_cycles, uint64_t *idle_cycles, char *error,
                     size_t error_size) {
    /* The header is only trusted while the magic is there: rsspp_port_free clears it before
     * the memory goes back to the primary's heap. */
    if (__atomic_load_n(&block->magic, __ATOMIC_ACQUIRE) != RSSPP_BLOCK_MAGIC)
        return rsspp_block_live(block, error, error_size);
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
    /* Checked after reading: counts read from a primary that ended are frozen, not idle. */
    return rsspp_block_live(block, error, error_size);
}
