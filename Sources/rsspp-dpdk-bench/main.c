/* rsspp-dpdk-bench: the library's costs in one process (EAL on a net_null port; give it
 * hugepages, as a real primary has, or TLB misses on 4 KB pages dominate): counting a burst of
 * 32 with the hardware hash present (many flows, and one flow), with the software hash, over
 * the same loop without counting; reading a block of 2048 buckets x 16 queues. */
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
/* Distinct mbufs cycled through, so that the branch predictor does not see one packet over
 * and over; few enough that their headers stay in cache, as right after the PMD's rx routine
 * wrote them, so that the loops measure work rather than memory latency. */
#define POOL_PACKETS 256
#define ROUNDS 50000

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

enum hashes { HARDWARE_MANY_FLOWS, HARDWARE_ONE_FLOW, SOFTWARE };

static void set_hashes(struct rte_mbuf **packets, enum hashes hashes) {
    for (int i = 0; i < POOL_PACKETS; i++) {
        if (hashes == SOFTWARE) {
            packets[i]->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;
        } else {
            packets[i]->hash.rss = hashes == HARDWARE_ONE_FLOW ? 0x5eed : (uint32_t)rte_rand();
            packets[i]->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
        }
    }
}

static uint64_t minimum(uint64_t a, uint64_t b) {
    return a < b ? a : b;
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

    /* The three loops take turns, and each keeps its fastest run: on a machine shared with
     * other work, that is the one least disturbed, and the turns expose all three alike. */
    uint64_t base = UINT64_MAX, hardware = UINT64_MAX, one_flow = UINT64_MAX, software = UINT64_MAX;
    for (int run = 0; run < 41; run++) {
        set_hashes(packets, HARDWARE_MANY_FLOWS);
        base = minimum(base, baseline(packets));
        hardware = minimum(hardware, counting(packets, queue));
        set_hashes(packets, HARDWARE_ONE_FLOW);
        one_flow = minimum(one_flow, counting(packets, queue));
        set_hashes(packets, SOFTWARE);
        software = minimum(software, counting(packets, queue));
    }
    double base_ns = cycles_per_packet(base) * ns_per_cycle;
    printf("{\"bench\":\"count_burst\",\"burst\":%d,\"packets\":%d,\"baseline_ns\":%.3f,"
           "\"hardware_hash_cost_ns\":%.3f,\"hardware_hash_one_flow_cost_ns\":%.3f,"
           "\"software_hash_cost_ns\":%.3f}\n",
           BURST, ROUNDS * BURST, base_ns, cycles_per_packet(hardware) * ns_per_cycle - base_ns,
           cycles_per_packet(one_flow) * ns_per_cycle - base_ns,
           cycles_per_packet(software) * ns_per_cycle - base_ns);
    rte_pktmbuf_free_bulk(packets, POOL_PACKETS);
    rte_free(packets);
}

/* What rss-count does every interval: one read of every counter of the block, with the
 * check that the primary still runs. */
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
    char error[256];
    for (int run = 0; run < 200; run++) {
        uint64_t start = rte_rdtsc_precise();
        if (rsspp_block_read(block, packets, bytes, busy, idle, error, sizeof error) != 0) {
            fprintf(stderr, "rsspp-dpdk-bench: %s\n", error);
            exit(1);
        }
        uint64_t cycles = rte_rdtsc_precise() - start;
        fastest = minimum(fastest, cycles);
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
