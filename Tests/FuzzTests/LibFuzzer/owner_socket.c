/* libFuzzer's entry point for the owner library's control socket (scripts/fuzz): each input is
 * one datagram from a peer, to which the owner must answer with one ack or error datagram,
 * polled on the caller's thread, and still answer a valid migrate afterwards. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "small_owner.h" /* Tests/OwnerServerTests/Support */

static struct rsspp_owner_server *server;
static int peer = -1;
static char path[64];

static void fail(const char *what) {
    fprintf(stderr, "owner_socket: %s\n", what);
    abort();
}

static void start(void) {
    struct rsspp_owner *owner = small_owner();
    snprintf(path, sizeof path, "/tmp/rsspp-libfuzzer-owner-%d.sock", getpid());
    struct rsspp_owner_server_config control = control_at(path);
    control.ack_timeout_ms = 1;
    if (!owner || !(server = rsspp_owner_server_open(owner, &control)))
        fail(rsspp_owner_error());
}

static void connect_peer(void) {
    if (peer >= 0)
        close(peer);
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    strcpy(address.sun_path, path);
    peer = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (peer < 0 || connect(peer, (struct sockaddr *)&address, sizeof address) < 0)
        fail("cannot connect");
    rsspp_owner_server_poll(server, 0); /* accepts it */
}

/* Polls the server until the peer has an answer; its length, or -1 for a closed connection. */
static ssize_t answer(char *buffer, size_t size) {
    for (int round = 0; round < 20000; round++) {
        rsspp_owner_server_poll(server, 1);
        struct pollfd ready = {.fd = peer, .events = POLLIN};
        if (poll(&ready, 1, 0) > 0) {
            ssize_t length = recv(peer, buffer, size - 1, 0);
            return length > 0 ? length : -1;
        }
    }
    fail("no answer and no close within 20000 polls");
    return -1;
}

static int well_formed(const char *answer, ssize_t length) {
    return length > 0 && answer[0] == '{' && answer[length - 1] == '}'
        && (strstr(answer, "\"type\": \"ack\"") || strstr(answer, "\"type\":\"ack\"")
            || strstr(answer, "\"type\": \"error\"") || strstr(answer, "\"type\":\"error\""));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char reply[65536];
    if (!server)
        start();
    if (peer < 0)
        connect_peer();
    if (send(peer, data, size, MSG_NOSIGNAL) < 0)
        return 0; /* longer than any datagram */
    ssize_t length = answer(reply, sizeof reply);
    if (length < 0)
        fail("the owner closed the connection without answering");
    reply[length] = 0;
    if (!well_formed(reply, length))
        fail(reply);
    static const char valid[] = "{\"type\":\"migrate\",\"v\":1,\"seq\":99,\"applied\":1,"
                                "\"moves\":[{\"bucket\":0,\"from\":0,\"to\":0}]}";
    if (send(peer, valid, sizeof valid - 1, MSG_NOSIGNAL) < 0)
        fail("cannot send a valid migrate");
    length = answer(reply, sizeof reply);
    reply[length > 0 ? length : 0] = 0;
    if (length < 0 || !strstr(reply, "\"ack\""))
        fail(reply);
    return 0;
}
