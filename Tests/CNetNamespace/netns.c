#define _GNU_SOURCE
#include "CNetNamespace.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

int rsspp_packet_socket(const char *interface)
{
	struct sockaddr_ll address;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(&address, 0, sizeof address);
	address.sll_family = AF_PACKET;
	address.sll_ifindex = (int)if_nametoindex(interface);
	if (address.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
		int error = address.sll_ifindex == 0 ? ENODEV : errno;
		close(fd);
		return -error;
	}
	return fd;
}

int rsspp_enter_network_namespace(int fd)
{
	return setns(fd, CLONE_NEWNET);
}
