/* For tests: a raw packet socket on an interface of another network namespace. */
#ifndef CNETNAMESPACE_H
#define CNETNAMESPACE_H

/* An AF_PACKET socket bound to `interface` in the namespace at `namespace_path`
 * (/run/netns/NAME). The calling thread returns to its own namespace before this returns; the
 * socket stays in the other one. Returns the socket, or -errno. */
int rsspp_packet_socket_in(const char *namespace_path, const char *interface);

#endif
