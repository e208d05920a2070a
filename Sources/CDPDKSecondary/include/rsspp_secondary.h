/*
 * rsspp_secondary.h: how rss-count and rss-apply reach a DPDK primary: attach as a DPDK
 * secondary process with the least EAL footprint, then read or write one port's table
 * and the counters of its rsspp block (rsspp_dpdk.h). Plain C types only, so that Swift
 * imports it; DPDK stays inside the implementation.
 *
 * Call rsspp_secondary_attach once per process, from one thread; everything else after it.
 */
#ifndef RSSPP_SECONDARY_H
#define RSSPP_SECONDARY_H

#include <stddef.h>
#include <stdint.h>

#include "rsspp_dpdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attaches to the primary started with --file-prefix `file_prefix` as a secondary
 * process: no PCI scan (--no-pci), one lcore on the CPUs this process may use, no
 * telemetry, EAL logs at error level only. `extra_arguments` (space separated, may be NULL)
 * are appended, e.g. "-a 0000:03:00.0" for a PCI port. Before rte_eal_init it checks that
 * a primary with that prefix is alive and runs the same DPDK version. Returns 0, or -1 with
 * a message in `error`. */
int rsspp_secondary_attach(const char *file_prefix, const char *extra_arguments, char *error,
                           size_t error_size);

/* The EAL arguments rsspp_secondary_attach passes, one per line, for diagnostics and docs. */
int rsspp_secondary_arguments(const char *file_prefix, const char *extra_arguments,
                              char *arguments, size_t size);

struct rsspp_port_facts {
    char device[RSSPP_NAME_MAX];
    char driver[RSSPP_NAME_MAX];
    uint16_t rx_queues;       /* configured */
    uint16_t reta_size;       /* 0: the PMD has no RETA */
};

/* 0 and the port's facts, or -1 with a message naming the ports that do exist, or the
 * primary's end: every call first checks that the primary still runs. */
int rsspp_secondary_port(uint16_t port_id, struct rsspp_port_facts *facts, char *error,
                         size_t error_size);

/* Finds the port's rsspp block ("rsspp_port_<port>") and checks its magic, layout version
 * and primary (rsspp_block_check, rsspp_block_live). Returns 0 with `*block` set; -ENOENT
 * when there is none (the primary does not count with librsspp_dpdk); -EPROTO for a block
 * this program cannot read; -ESRCH when the primary has ended. Every failure leaves a
 * message in `error`. */
int rsspp_secondary_block(uint16_t port_id, struct rsspp_block **block, char *error,
                          size_t error_size);

/* DPDK's version string in this process. */
const char *rsspp_secondary_dpdk_version(void);

#ifdef __cplusplus
}
#endif

#endif
