/* Private to the library. */
#ifndef RSSPP_INTERNAL_H
#define RSSPP_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "rsspp_dpdk.h"

/* Records the calling thread's message and rte_errno (-error); returns `error`, a negative
 * errno. */
int rsspp_fail(int error, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define fail_null(...) (rsspp_fail(__VA_ARGS__), NULL)

/* -EINVAL and a message when an entry of `table` (table_size entries) names a queue the
 * block does not have; 0 otherwise. */
int rsspp_check_entries(const struct rsspp_block *block, const uint16_t *table);

/* Stores `table` as the block's table in force, entry by entry, and bumps its generation. */
void rsspp_store_table(struct rsspp_block *block, const uint16_t *table);

/* When process `pid` started (field 22 of /proc/PID/stat), or 0 when it has ended: no such
 * process, or a zombie that nobody reaped yet. */
uint64_t rsspp_process_start(pid_t pid);

#endif
