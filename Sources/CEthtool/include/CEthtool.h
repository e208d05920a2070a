#ifndef RSSPP_CETHTOOL_H
#define RSSPP_CETHTOOL_H

// The kernel's ethtool command structs (struct ethtool_rxfh, ethtool_channels, ...) for Swift,
// and the one call Swift cannot make itself: ioctl(2) is variadic.
#include <linux/ethtool.h>

/// Runs one SIOCETHTOOL command (`command` points at an ethtool struct whose first field is
/// its ETHTOOL_* number) on the interface named `interface`, through socket `fd`.
/// Returns 0, or the negated errno.
int rsspp_ethtool(int fd, const char *interface, void *command);

#endif
