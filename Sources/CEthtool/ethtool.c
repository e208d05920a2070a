#include "CEthtool.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

int rsspp_ethtool(int fd, const char *interface, void *command) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, interface, IFNAMSIZ - 1);
    request.ifr_data = command;
    return ioctl(fd, SIOCETHTOOL, &request) == 0 ? 0 : -errno;
}
