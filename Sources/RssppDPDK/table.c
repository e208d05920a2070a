/* The table in force: reading it, writing the software table, and posting a table to the
 * primary's mailbox. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* How long a table writer waits for another one (a poster may wait for the primary). */
#define LOCK_WAIT_MS (5 * RSSPP_MAILBOX_TIMEOUT_MS)

static uint16_t *entries(const struct rsspp_block *block, uint64_t offset) {
    return (uint16_t *)((char *)block + offset);
}

static void sleep_ms(long milliseconds) {
    struct timespec pause = {milliseconds / 1000, milliseconds % 1000 * 1000000};
    nanosleep(&pause, NULL);
}

static uint64_t now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

int rsspp_check_entries(const struct rsspp_block *block, const uint16_t *table) {
    for (uint32_t b = 0; b < block->table_size; b++)
        if (table[b] >= block->queues)
            return rsspp_fail(-EINVAL, "entry %" PRIu32 " is %u; the block has %u queues", b,
                              table[b], block->queues);
    return 0;
}

void rsspp_store_table(struct rsspp_block *block, const uint16_t *table) {
    uint16_t *in_force = entries(block, block->table_offset);
    for (uint32_t b = 0; b < block->table_size; b++)
        __atomic_store_n(&in_force[b], table[b], __ATOMIC_RELAXED);
    __atomic_fetch_add(&block->table_generation, 1, __ATOMIC_RELEASE);
}

int rsspp_block_read_table(const struct rsspp_block *block, uint16_t *table, char *error,
                           size_t error_size) {
    if ((block->flags & (RSSPP_FLAG_SOFTWARE_RSS | RSSPP_FLAG_MAILBOX)) || block->queues == 1) {
        const uint16_t *in_force = entries(block, block->table_offset);
        for (uint32_t b = 0; b < block->table_size; b++)
            table[b] = __atomic_load_n(&in_force[b], __ATOMIC_RELAXED);
    } else {
        /* The PMD of a primary that ended is never touched. */
        if (rsspp_block_live(block, error, error_size) != 0)
            return -1;
        if (block->table_size > UINT16_MAX) {
            snprintf(error, error_size, "port %u: a table of %u buckets is not a RETA",
                     block->port_id, block->table_size);
            return -1;
        }
        if (rsspp_reta_query(block->port_id, table, (uint16_t)block->table_size) != 0) {
            snprintf(error, error_size, "%s", rsspp_error());
            return -1;
        }
    }
    /* Checked again: a primary that ended while its PMD was read leaves a table nobody uses. */
    return rsspp_block_live(block, error, error_size);
}

/* Takes table_lock for this process. A holder that has ended (a killed rss-apply) is
 * replaced; a live one is waited for, LOCK_WAIT_MS at most. */
static int lock_table(struct rsspp_block *block, char *error, size_t error_size) {
    uint32_t self = (uint32_t)getpid();
    uint64_t deadline = now_ms() + LOCK_WAIT_MS;
    while (1) {
        uint32_t holder = 0;
        if (__atomic_compare_exchange_n(&block->table_lock, &holder, self, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return 0;
        if (kill((pid_t)holder, 0) != 0 && errno == ESRCH
            && __atomic_compare_exchange_n(&block->table_lock, &holder, self, 0,
                                           __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return 0;
        if (now_ms() >= deadline) {
            snprintf(error, error_size, "process %" PRIu32 " has been writing the table for %d s",
                     holder, LOCK_WAIT_MS / 1000);
            return -1;
        }
        sleep_ms(1);
    }
}

static void unlock_table(struct rsspp_block *block) {
    __atomic_store_n(&block->table_lock, 0, __ATOMIC_RELEASE);
}

int rsspp_block_write_table(struct rsspp_block *block, const uint16_t *table,
                            char *error, size_t error_size) {
    if (rsspp_check_entries(block, table) != 0) {
        snprintf(error, error_size, "%s", rsspp_error());
        return -1;
    }
    if (rsspp_block_live(block, error, error_size) != 0 || lock_table(block, error, error_size) != 0)
        return -1;
    rsspp_store_table(block, table);
    unlock_table(block);
    return 0;
}

/* Waits until no table is posted or being applied: a poster that was killed may have left
 * one. A posted one is withdrawn; one being applied is waited for. */
static int settle_mailbox(struct rsspp_block *block, char *error, size_t error_size) {
    while (1) {
        uint32_t state = __atomic_load_n(&block->mailbox_state, __ATOMIC_ACQUIRE);
        if (state == RSSPP_MAILBOX_POSTED)
            __atomic_compare_exchange_n(&block->mailbox_state, &state, RSSPP_MAILBOX_EMPTY, 0,
                                        __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);
        else if (state != RSSPP_MAILBOX_TAKEN)
            return 0;
        if (rsspp_block_live(block, error, error_size) != 0)
            return -1;
        sleep_ms(1);
    }
}

/* Waits for the primary's answer to the posted table, withdrawing it when the primary has not
 * taken it by `deadline`. */
static int await_answer(struct rsspp_block *block, uint64_t deadline, unsigned timeout_ms,
                        char *error, size_t error_size) {
    while (1) {
        uint32_t state = __atomic_load_n(&block->mailbox_state, __ATOMIC_ACQUIRE);
        if (state == RSSPP_MAILBOX_APPLIED || state == RSSPP_MAILBOX_REFUSED) {
            if (state == RSSPP_MAILBOX_REFUSED)
                snprintf(error, error_size, "the DPDK primary refused the table: %s",
                         block->mailbox_reason);
            __atomic_store_n(&block->mailbox_state, RSSPP_MAILBOX_EMPTY, __ATOMIC_RELAXED);
            return state == RSSPP_MAILBOX_APPLIED ? 0 : -1;
        }
        if (rsspp_block_live(block, error, error_size) != 0)
            return -1;
        if (state == RSSPP_MAILBOX_POSTED && now_ms() >= deadline
            && __atomic_compare_exchange_n(&block->mailbox_state, &state, RSSPP_MAILBOX_EMPTY, 0,
                                           __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
            snprintf(error, error_size,
                     "the DPDK primary did not take the table within %u ms: its control loop "
                     "does not call rsspp_port_poll (rsspp-dpdk(3)); the table was withdrawn",
                     timeout_ms);
            return -1;
        }
        sleep_ms(1);
    }
}

int rsspp_block_post_table(struct rsspp_block *block, const uint16_t *table,
                           unsigned timeout_ms, char *error, size_t error_size) {
    if (rsspp_block_live(block, error, error_size) != 0)
        return -1;
    if (!(block->flags & RSSPP_FLAG_MAILBOX)) {
        snprintf(error, error_size, "the DPDK primary has no table mailbox (rsspp_port_poll)");
        return -1;
    }
    if (lock_table(block, error, error_size) != 0)
        return -1;
    int status = settle_mailbox(block, error, error_size);
    if (status == 0) {
        memcpy(entries(block, block->mailbox_offset), table, block->table_size * sizeof *table);
        __atomic_store_n(&block->mailbox_state, RSSPP_MAILBOX_POSTED, __ATOMIC_RELEASE);
        status = await_answer(block, now_ms() + timeout_ms, timeout_ms, error, error_size);
    }
    unlock_table(block);
    return status;
}
