/* A peer of an owner's control socket for the tests that need another uid (run under
 * setpriv): connects to SOCKET, sends MESSAGE when given, prints the first answer, and with
 * --until-closed also whether the owner then closes the connection. Every outcome is a line
 * on standard output. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Waits up to 5 s for a datagram: its length, 0 or -1 with ECONNRESET when the owner hung up
 * (reset when it left our message unread), -1 with ETIMEDOUT when nothing came. */
static ssize_t next(int fd, char *buffer, size_t size) {
    struct pollfd ready;
    memset(&ready, 0, sizeof ready);
    ready.fd = fd;
    ready.events = POLLIN;
    if (poll(&ready, 1, 5000) <= 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    return recv(fd, buffer, size, 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: peer SOCKET [MESSAGE [--until-closed]]\n");
        return 2;
    }
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        printf("connect: %s\n", strerror(errno));
        return 1;
    }
    /* An owner that refuses the peer may hang up before the message goes: the answer it
     * left is still there to read. */
    if (argc > 2 && send(fd, argv[2], strlen(argv[2]), MSG_NOSIGNAL) < 0)
        printf("send: %s\n", strerror(errno));
    char answer[4096];
    ssize_t length = next(fd, answer, sizeof answer - 1);
    if (length <= 0) {
        printf("no answer: %s\n", length == 0 ? "closed" : strerror(errno));
        return 1;
    }
    printf("%.*s\n", (int)length, answer);
    if (argc > 3 && strcmp(argv[3], "--until-closed") == 0) {
        ssize_t after = next(fd, answer, sizeof answer);
        printf(after == 0 || (after < 0 && errno == ECONNRESET) ? "closed\n" : "still open\n");
    }
    return 0;
}
