/* The port's RETA as a flat array: DPDK's API takes groups of 64 entries with a mask each. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "internal.h"
#include "rsspp_dpdk.h"


static int check_size(uint16_t port_id, uint16_t size) {
    struct rte_eth_dev_info info;
    int error = rte_eth_dev_info_get(port_id, &info);
    if (error != 0)
        return rsspp_fail(error, "port %u: rte_eth_dev_info_get: %s", port_id, rte_strerror(-error));
    if (info.reta_size == 0)
        return rsspp_fail(-ENOTSUP, "port %u (%s) has no RETA", port_id, info.driver_name);
    if (size != info.reta_size)
        return rsspp_fail(-EINVAL, "port %u has a RETA of %u entries, not %u", port_id,
                          info.reta_size, size);
    return 0;
}

/* The PMD's refusal. Some PMDs (mlx5) serve RETA calls in the primary only: the secondary is
 * told where tables go instead. */
static int pmd_failure(uint16_t port_id, int error, const char *call) {
    if (error == -ENOTSUP && rte_eal_process_type() == RTE_PROC_SECONDARY)
        return rsspp_fail(error, "port %u: %s: the PMD offers it to the primary only; the "
                          "application must apply tables itself (rsspp_port_poll, rsspp-dpdk(3))",
                          port_id, call);
    return rsspp_fail(error, "port %u: the PMD refused %s: %s", port_id, call,
                      rte_strerror(-error));
}

int rsspp_reta_query(uint16_t port_id, uint16_t *table, uint16_t size) {
    int error = check_size(port_id, size);
    if (error != 0)
        return error;
    uint16_t groups = (uint16_t)((size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
    struct rte_eth_rss_reta_entry64 reta[groups];
    for (uint16_t g = 0; g < groups; g++)
        reta[g].mask = UINT64_MAX;
    error = rte_eth_dev_rss_reta_query(port_id, reta, size);
    if (error != 0)
        return pmd_failure(port_id, error, "rte_eth_dev_rss_reta_query");
    for (uint16_t b = 0; b < size; b++)
        table[b] = reta[b / RTE_ETH_RETA_GROUP_SIZE].reta[b % RTE_ETH_RETA_GROUP_SIZE];
    return 0;
}

int rsspp_reta_update(uint16_t port_id, const uint16_t *table, uint16_t size) {
    int error = check_size(port_id, size);
    if (error != 0)
        return error;
    struct rte_eth_dev_info info;
    rte_eth_dev_info_get(port_id, &info);
    for (uint16_t b = 0; b < size; b++)
        if (table[b] >= info.nb_rx_queues)
            return rsspp_fail(-EINVAL, "entry %u is %u; port %u has %u rx queues", b, table[b],
                              port_id, info.nb_rx_queues);
    uint16_t groups = (uint16_t)((size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
    struct rte_eth_rss_reta_entry64 reta[groups];
    memset(reta, 0, sizeof reta);
    for (uint16_t b = 0; b < size; b++) {
        struct rte_eth_rss_reta_entry64 *group = &reta[b / RTE_ETH_RETA_GROUP_SIZE];
        group->reta[b % RTE_ETH_RETA_GROUP_SIZE] = table[b];
    }
    /* Mask bits for exactly the `size` entries: all 64 of each full group, the low ones of
     * a partial last group. */
    for (uint16_t g = 0; g < groups; g++) {
        uint16_t entries = RTE_MIN(RTE_ETH_RETA_GROUP_SIZE, size - g * RTE_ETH_RETA_GROUP_SIZE);
        reta[g].mask = entries == 64 ? UINT64_MAX : (UINT64_C(1) << entries) - 1;
    }
    error = rte_eth_dev_rss_reta_update(port_id, reta, size);
    return error != 0 ? pmd_failure(port_id, error, "rte_eth_dev_rss_reta_update") : 0;
}
