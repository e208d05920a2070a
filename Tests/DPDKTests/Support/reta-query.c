/* reta-query: DPDK's own view of a port's RETA, from a secondary process that runs no rsspp
 * code: the DPDK tests' outside witness of what a primary applied. Prints the table as one
 * JSON array.
 *
 *   reta-query [EAL options] -- PORT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

int main(int argc, char **argv) {
    int consumed = rte_eal_init(argc, argv);
    if (consumed < 0 || consumed + 1 >= argc) {
        fprintf(stderr, "reta-query: rte_eal_init: %s (usage: reta-query EAL -- PORT)\n",
                rte_strerror(rte_errno));
        return 1;
    }
    uint16_t port = (uint16_t)atoi(argv[consumed + 1]);
    struct rte_eth_dev_info info;
    if (rte_eth_dev_info_get(port, &info) != 0 || info.reta_size == 0) {
        fprintf(stderr, "reta-query: port %u has no RETA\n", port);
        return 1;
    }
    struct rte_eth_rss_reta_entry64 reta[info.reta_size / RTE_ETH_RETA_GROUP_SIZE + 1];
    memset(reta, 0, sizeof reta);
    for (size_t g = 0; g < sizeof reta / sizeof reta[0]; g++)
        reta[g].mask = UINT64_MAX;
    int error = rte_eth_dev_rss_reta_query(port, reta, info.reta_size);
    if (error != 0) {
        fprintf(stderr, "reta-query: rte_eth_dev_rss_reta_query: %s\n", rte_strerror(-error));
        return 1;
    }
    for (uint16_t b = 0; b < info.reta_size; b++)
        printf("%s%u", b ? "," : "[", reta[b / RTE_ETH_RETA_GROUP_SIZE].reta[b % RTE_ETH_RETA_GROUP_SIZE]);
    printf("]\n");
    rte_eal_cleanup();
    return 0;
}
