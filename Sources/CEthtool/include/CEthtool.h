/* The SIOCETHTOOL requests rsspp uses, as plain functions over fixed-size arguments, so Swift never
 * handles ethtool's variable-length structs. Each returns 0 or an errno value. `fd` is any socket
 * (AF_INET, SOCK_DGRAM); `interface` names the device. */
#ifndef CETHTOOL_H
#define CETHTOOL_H

#include <stdint.h>
#include <linux/ethtool.h>

struct rsspp_channels {
	uint32_t max_rx, max_tx, max_other, max_combined;
	uint32_t rx, tx, other, combined;
};

/* ETHTOOL_GRSSH with empty buffers: the sizes of the indirection table and of the key. */
int rsspp_ethtool_rss_sizes(int fd, const char *interface, uint32_t context,
			    uint32_t *table_size, uint32_t *key_size);

/* ETHTOOL_GRSSH: the table and key in force; the sizes must be those rsspp_ethtool_rss_sizes gave. */
int rsspp_ethtool_get_rss(int fd, const char *interface, uint32_t context,
			  uint32_t *table, uint32_t table_size, uint8_t *key, uint32_t key_size,
			  uint8_t *hash_function);

/* ETHTOOL_GRXFH: the RXH_* fields hashed for `flow_type` (TCP_V4_FLOW, ...). */
int rsspp_ethtool_get_flow_hash(int fd, const char *interface, uint32_t flow_type, uint64_t *fields);

/* ETHTOOL_GCHANNELS. */
int rsspp_ethtool_get_channels(int fd, const char *interface, struct rsspp_channels *channels);

/* ETHTOOL_GDRVINFO: the driver's name, NUL-terminated. */
int rsspp_ethtool_driver(int fd, const char *interface, char *name, uint32_t size);

#endif
