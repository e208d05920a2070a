#define _GNU_SOURCE
#include "CNetNamespace.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>

static int packet_socket(const char *interface)
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

int rsspp_packet_socket_in(const char *namespace_path, const char *interface)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(namespace_path, O_RDONLY | O_CLOEXEC);
	int result;

	if (home < 0 || target < 0) {
		result = -errno;
	} else if (setns(target, CLONE_NEWNET) < 0) {
		result = -errno;
	} else {
		result = packet_socket(interface);
		if (setns(home, CLONE_NEWNET) < 0) /* cannot go home: never leave the thread astray */
			_exit(70);
	}
	if (home >= 0)
		close(home);
	if (target >= 0)
		close(target);
	return result;
}
