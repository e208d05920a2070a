/* For tests: what Swift's Glibc module cannot spell (struct sockaddr_ll, and setns, which glibc
 * declares only under _GNU_SOURCE). TestSupport's NetworkNamespace builds on these. */
#ifndef CNETNAMESPACE_H
#define CNETNAMESPACE_H

/* An AF_PACKET socket bound to `interface` in the calling thread's network namespace.
 * Returns the socket, or -errno. */
int rsspp_packet_socket(const char *interface);

/* Moves the calling thread into the network namespace open at `fd`: setns(fd, CLONE_NEWNET). */
int rsspp_enter_network_namespace(int fd);

#endif
