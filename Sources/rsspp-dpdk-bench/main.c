/* rsspp-dpdk-bench: the library's costs in one process (EAL with --no-huge, net_null):
 * counting a burst of 32 with the hardware hash present, with the software hash, and the same
 * loop without counting; reading a block of 2048 buckets x 16 queues. One JSON line each. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "rsspp_dpdk.h"

#define BURST 32
/* Distinct mbufs cycled through, so that neither the caches nor the branch predictor see one
 * packet over and over; 4096 x 2 KB also exceeds the L2 cache, as a real rx ring does. */
#define POOL_PACKETS 4096
#define ROUNDS 20000

static volatile uint64_t sink_value; /* keeps the baseline loop from being optimised away */

/* An Ethernet/IPv4/UDP frame of a random flow. */
static void fill_frame(struct rte_mbuf *m, uint32_t seed) {
    uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
    memset(frame, 0, 64);
    frame[12] = 0x08;
    frame[14] = 0x45;
    frame[14 + 9] = 17;
    for (int i = 0; i < 12; i++)
        frame[14 + 12 + i] = (uint8_t)(rte_rand() ^ seed);
    m->data_len = m->pkt_len = 64;
}

static double cycles_per_packet(uint64_t cycles) {
    return (double)cycles / ((double)ROUNDS * BURST);
}

/* The loop every variant shares: walk the bursts, touch each packet's length. */
static uint64_t baseline(struct rte_mbuf **packets) {
    uint64_t start = rte_rdtsc_precise(), total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct rte_mbuf **burst = &packets[(round * BURST) % POOL_PACKETS];
        for (int i = 0; i < BURST; i++)
            total += burst[i]->pkt_len;
    }
    sink_value = total;
    return rte_rdtsc_precise() - start;
}

static uint64_t counting(struct rte_mbuf **packets, struct rsspp_queue *queue) {
    uint64_t start = rte_rdtsc_precise(), total = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct rte_mbuf **burst = &packets[(round * BURST) % POOL_PACKETS];
        for (int i = 0; i < BURST; i++)
            total += burst[i]->pkt_len;
        rsspp_count_burst(queue, burst, BURST);
    }
    sink_value = total;
    return rte_rdtsc_precise() - start;
}

static void set_hash_flags(struct rte_mbuf **packets, int present) {
    for (int i = 0; i < POOL_PACKETS; i++) {
        if (present) {
            packets[i]->hash.rss = (uint32_t)rte_rand();
            packets[i]->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
        } else {
            packets[i]->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;
        }
    }
}

/* Best of `runs`: the least disturbed by other work on a shared machine. */
static uint64_t best(uint64_t (*loop)(struct rte_mbuf **, struct rsspp_queue *),
                     struct rte_mbuf **packets, struct rsspp_queue *queue, int runs) {
    uint64_t fastest = UINT64_MAX;
    for (int run = 0; run < runs; run++) {
        uint64_t cycles = loop(packets, queue);
        fastest = cycles < fastest ? cycles : fastest;
    }
    return fastest;
}

static uint64_t baseline_loop(struct rte_mbuf **packets, struct rsspp_queue *queue) {
    (void)queue;
    return baseline(packets);
}

static void bench_counting(struct rsspp_port *port, struct rte_mempool *pool) {
    struct rte_mbuf **packets = rte_malloc(NULL, POOL_PACKETS * sizeof *packets, 0);
    if (packets == NULL || rte_pktmbuf_alloc_bulk(pool, packets, POOL_PACKETS) != 0) {
        fprintf(stderr, "rsspp-dpdk-bench: no mbufs\n");
        exit(1);
    }
    for (int i = 0; i < POOL_PACKETS; i++)
        fill_frame(packets[i], (uint32_t)i);
    struct rsspp_queue *queue = rsspp_port_queue(port, 0);
    double ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();

    set_hash_flags(packets, 1);
    uint64_t base = best(baseline_loop, packets, queue, 7);
    uint64_t hardware = best(counting, packets, queue, 7);
    set_hash_flags(packets, 0);
    uint64_t software = best(counting, packets, queue, 7);
    printf("{\"bench\":\"count_burst\",\"burst\":%d,\"packets\":%d,\"baseline_ns\":%.3f,"
           "\"hardware_hash_ns\":%.3f,\"software_hash_ns\":%.3f,"
           "\"hardware_hash_cost_ns\":%.3f,\"software_hash_cost_ns\":%.3f}\n",
           BURST, ROUNDS * BURST, cycles_per_packet(base) * ns_per_cycle,
           cycles_per_packet(hardware) * ns_per_cycle, cycles_per_packet(software) * ns_per_cycle,
           (cycles_per_packet(hardware) - cycles_per_packet(base)) * ns_per_cycle,
           (cycles_per_packet(software) - cycles_per_packet(base)) * ns_per_cycle);
    rte_pktmbuf_free_bulk(packets, POOL_PACKETS);
    rte_free(packets);
}

/* What rss-count does every interval: one read of every counter of the block. */
static void bench_read(uint16_t port_id) {
    const uint16_t queues = 16;
    const uint32_t buckets = 2048;
    struct rsspp_port_config config = {
        .port_id = port_id, .queues = queues, .table_size = buckets, .software_rss = 1,
    };
    struct rsspp_port *port = rsspp_port_create(&config);
    if (port == NULL) {
        fprintf(stderr, "rsspp-dpdk-bench: %s\n", rsspp_error());
        exit(1);
    }
    const struct rsspp_block *block = rsspp_port_block(port);
    uint64_t *packets = malloc(buckets * sizeof *packets), *bytes = malloc(buckets * sizeof *bytes);
    uint64_t busy[16], idle[16], fastest = UINT64_MAX;
    for (int run = 0; run < 200; run++) {
        uint64_t start = rte_rdtsc_precise();
        rsspp_block_read(block, packets, bytes, busy, idle);
        uint64_t cycles = rte_rdtsc_precise() - start;
        fastest = cycles < fastest ? cycles : fastest;
    }
    printf("{\"bench\":\"block_read\",\"buckets\":%u,\"queues\":%u,\"read_us\":%.2f}\n", buckets, queues,
           (double)fastest * 1e6 / (double)rte_get_tsc_hz());
    free(packets);
    free(bytes);
    rsspp_port_free(port);
}

int main(int argc, char **argv) {
    if (rte_eal_init(argc, argv) < 0) {
        fprintf(stderr, "rsspp-dpdk-bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    if (rte_eth_dev_count_avail() == 0) {
        fprintf(stderr, "rsspp-dpdk-bench: no port (run with --vdev=net_null0)\n");
        return 1;
    }
    struct rte_mempool *pool = rte_pktmbuf_pool_create("bench", POOL_PACKETS + 512, 0, 0,
                                                       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    struct rsspp_port_config config = {.port_id = 0, .queues = 1, .table_size = 512, .software_rss = 1};
    struct rsspp_port *port = pool == NULL ? NULL : rsspp_port_create(&config);
    if (port == NULL) {
        fprintf(stderr, "rsspp-dpdk-bench: %s\n", pool == NULL ? "no mempool" : rsspp_error());
        return 1;
    }
    bench_counting(port, pool);
    rsspp_port_free(port);
    bench_read(0);
    rte_eal_cleanup();
    return 0;
}
