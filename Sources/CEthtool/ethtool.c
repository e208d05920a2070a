#include "CEthtool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

static int request(int fd, const char *interface, void *command)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, interface, IFNAMSIZ - 1);
	ifr.ifr_data = command;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? errno : 0;
}

int rsspp_ethtool_rss_sizes(int fd, const char *interface, uint32_t context,
			    uint32_t *table_size, uint32_t *key_size)
{
	struct ethtool_rxfh rxfh = { .cmd = ETHTOOL_GRSSH, .rss_context = context };
	int error = request(fd, interface, &rxfh);

	*table_size = rxfh.indir_size;
	*key_size = rxfh.key_size;
	return error;
}

int rsspp_ethtool_get_rss(int fd, const char *interface, uint32_t context,
			  uint32_t *table, uint32_t table_size, uint8_t *key, uint32_t key_size,
			  uint8_t *hash_function)
{
	size_t table_bytes = (size_t)table_size * sizeof(uint32_t);
	struct ethtool_rxfh *rxfh = calloc(1, sizeof *rxfh + table_bytes + key_size);
	int error;

	if (!rxfh)
		return ENOMEM;
	rxfh->cmd = ETHTOOL_GRSSH;
	rxfh->rss_context = context;
	rxfh->indir_size = table_size;
	rxfh->key_size = key_size;
	error = request(fd, interface, rxfh);
	if (!error && (rxfh->indir_size != table_size || rxfh->key_size != key_size))
		error = EAGAIN; /* reconfigured between the two calls */
	if (!error) {
		memcpy(table, rxfh->rss_config, table_bytes);
		memcpy(key, (uint8_t *)rxfh->rss_config + table_bytes, key_size);
		*hash_function = rxfh->hfunc;
	}
	free(rxfh);
	return error;
}

int rsspp_ethtool_get_flow_hash(int fd, const char *interface, uint32_t flow_type, uint64_t *fields)
{
	struct ethtool_rxnfc rxnfc = { .cmd = ETHTOOL_GRXFH, .flow_type = flow_type };
	int error = request(fd, interface, &rxnfc);

	*fields = rxnfc.data;
	return error;
}

int rsspp_ethtool_get_channels(int fd, const char *interface, struct rsspp_channels *channels)
{
	struct ethtool_channels reply = { .cmd = ETHTOOL_GCHANNELS };
	int error = request(fd, interface, &reply);

	*channels = (struct rsspp_channels){
		reply.max_rx, reply.max_tx, reply.max_other, reply.max_combined,
		reply.rx_count, reply.tx_count, reply.other_count, reply.combined_count,
	};
	return error;
}

int rsspp_ethtool_driver(int fd, const char *interface, char *name, uint32_t size)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	int error = request(fd, interface, &info);

	if (size > 0) {
		strncpy(name, error ? "" : info.driver, size - 1);
		name[size - 1] = 0;
	}
	return error;
}
