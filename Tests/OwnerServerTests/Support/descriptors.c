/* Serves an owner's control socket at SOCKET (polled, no thread of its own) while the process
 * has no descriptor left, then with one, and prints what each poll returned and the answer a
 * peer got: a connection that comes while accept fails with EMFILE must wait, not end the
 * server (a process of its own: the test runner's descriptor limit is not ours to lower). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "small_owner.h"

int main(int argc, char **argv) {
    if (argc != 2)
        return 2;
    struct rsspp_owner *owner = small_owner();
    struct rsspp_owner_server_config control = control_at(argv[1]);
    control.allowed_uid = getuid();
    struct rsspp_owner_server *server = owner ? rsspp_owner_server_open(owner, &control) : NULL;
    int peer = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (!server || peer < 0) {
        printf("failed: %s\n", server ? strerror(errno) : rsspp_owner_error());
        return 1;
    }
    /* Every descriptor taken: the peer can connect (the backlog needs none of ours), but the
     * server cannot accept it. */
    struct rlimit limit = {.rlim_cur = 64, .rlim_max = 64};
    if (setrlimit(RLIMIT_NOFILE, &limit) < 0) {
        printf("failed: setrlimit: %s\n", strerror(errno));
        return 1;
    }
    int last = -1;
    for (int fd; (fd = dup(0)) >= 0;)
        last = fd;
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    snprintf(address.sun_path, sizeof address.sun_path, "%s", argv[1]);
    if (connect(peer, (struct sockaddr *)&address, sizeof address) < 0) {
        printf("failed: connect: %s\n", strerror(errno));
        return 1;
    }
    printf("no descriptor left: poll %d\n", rsspp_owner_server_poll(server, 0));
    printf("no descriptor left: poll %d\n", rsspp_owner_server_poll(server, 0));
    close(last);
    int polled = rsspp_owner_server_poll(server, 0);
    printf("one descriptor back: poll %d\n", polled);
    const char *message = "{\"type\":\"migrate\",\"v\":1,\"seq\":4,\"applied\":1.5,"
                          "\"moves\":[{\"bucket\":2,\"from\":0,\"to\":0}]}";
    char answer[256] = "";
    ssize_t length = -1;
    if (send(peer, message, strlen(message), 0) > 0)
        for (int round = 0; round < 1000 && length < 0; round++) {
            rsspp_owner_server_poll(server, 10);
            length = recv(peer, answer, sizeof answer - 1, MSG_DONTWAIT);
        }
    printf("answer: %.*s\n", length > 0 ? (int)length : 0, answer);
    rsspp_owner_server_close(server);
    rsspp_owner_free(owner);
    return 0;
}
