/* The control socket of rsspp_owner.h: rss-migrate's peer, wire protocol v1 (rss-migrate(1),
 * rsspp-owner(3)). One epoll set holds the listening socket, the peers, a timer that ticks
 * while answers are pending (ownership moves on the queues' threads, which signal nothing) and
 * an eventfd that stops the server's own thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "rsspp_owner.h"

/* How often unanswered migrates are checked: the resolution of rss-migrate's latency_us. */
#define SETTLE_INTERVAL_NS 200000
/* Below rss-migrate's default --timeout (1 s), so that its user reads the owner's error (which
 * bucket is still where) rather than a bare timeout. */
#define DEFAULT_ACK_TIMEOUT_MS 800
/* The longest quoted piece of a peer's message in an error answer. */
#define QUOTE_MAX 40

struct move {
    uint32_t bucket;
    uint16_t to;
};

/* A valid migrate not answered yet: it waits until every bucket is on its `to`. */
struct unanswered {
    struct unanswered *next;
    uint64_t seq;
    uint64_t deadline_ns;
    uint32_t count;
    struct move moves[];
};

struct peer {
    struct peer *next;
    int fd;
    int gone; /* hung up or stopped reading answers: removed at the end of the poll */
    struct unanswered *unanswered; /* its migrates waiting for their answer, oldest first */
};

struct rsspp_owner_server {
    struct rsspp_owner *owner;
    struct rsspp_owner_server_config config; /* path and device point to copies of ours */
    dev_t socket_device;
    ino_t socket_inode;
    int listener, events, timer, wake;
    int ticking; /* the timer is armed */
    int accepts_paused; /* out of descriptors or memory: the listener is out of the epoll set
                         * (it would stay readable and spin) and is retried at the next poll */
    struct peer *peers;
    uint8_t *listed; /* per bucket: named earlier in the message being validated */
    pthread_t thread;
    int threaded;
    atomic_int stopping;
    char message[RSSPP_MIGRATE_MESSAGE_MAX];
};

/* `text` cut to `limit` bytes of printable ASCII (the rest '?') into `out`, which holds
 * limit + 4, so that an error answer stays short and valid UTF-8 whatever the peer sent. */
static const char *printable(const char *text, char *out, size_t limit) {
    size_t length = 0;
    for (; text[length] && length < limit; length++)
        out[length] = text[length] >= 0x20 && text[length] < 0x7f ? text[length] : '?';
    strcpy(out + length, text[length] ? "..." : "");
    return out;
}

static const char *quoted(const char *text, char out[QUOTE_MAX + 4]) {
    return printable(text, out, QUOTE_MAX);
}

/* ---- answers ---- */

/* Sends one answer; a peer whose buffer is full has stopped reading its answers and goes. */
static void answer(struct peer *peer, uint64_t seq, const char *error) {
    json_t *message = error
        ? json_pack("{s:s, s:i, s:I, s:s}", "type", "error", "v", RSSPP_MIGRATE_VERSION,
                    "seq", (json_int_t)seq, "error", error)
        : json_pack("{s:s, s:i, s:I}", "type", "ack", "v", RSSPP_MIGRATE_VERSION, "seq", (json_int_t)seq);
    char *text = message ? json_dumps(message, JSON_COMPACT) : NULL;
    if (!text || send(peer->fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        peer->gone = 1;
    free(text);
    json_decref(message);
}

static void answer_error(struct peer *peer, uint64_t seq, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static void answer_error(struct peer *peer, uint64_t seq, const char *format, ...) {
    char error[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, sizeof error, format, arguments);
    va_end(arguments);
    answer(peer, seq, error);
}

/* Answers and forgets the unanswered migrates that have settled or timed out. */
static void answer_finished_migrates(struct rsspp_owner_server *server) {
    uint64_t now = now_ns();
    for (struct peer *peer = server->peers; peer; peer = peer->next) {
        struct unanswered **link = &peer->unanswered;
        while (*link) {
            struct unanswered *migrate = *link;
            uint32_t waiting = 0;
            while (waiting < migrate->count
                   && rsspp_owner_of(server->owner, migrate->moves[waiting].bucket) == migrate->moves[waiting].to)
                waiting++;
            if (waiting == migrate->count) {
                answer(peer, migrate->seq, NULL);
            } else if (now >= migrate->deadline_ns) {
                uint32_t bucket = migrate->moves[waiting].bucket;
                answer_error(peer, migrate->seq, "bucket %u still on queue %u after %u ms", bucket,
                             rsspp_owner_of(server->owner, bucket), server->config.ack_timeout_ms);
            } else {
                link = &migrate->next;
                continue;
            }
            *link = migrate->next;
            free(migrate);
        }
    }
}

/* Keeps the timer ticking exactly while some answer is pending. */
static void tick_while_pending(struct rsspp_owner_server *server) {
    int pending = server->accepts_paused;
    for (struct peer *peer = server->peers; peer && !pending; peer = peer->next)
        pending = peer->unanswered != NULL;
    if (pending == server->ticking)
        return;
    struct itimerspec interval;
    memset(&interval, 0, sizeof interval);
    if (pending) {
        interval.it_value.tv_nsec = SETTLE_INTERVAL_NS;
        interval.it_interval.tv_nsec = SETTLE_INTERVAL_NS;
    }
    timerfd_settime(server->timer, 0, &interval, NULL);
    server->ticking = pending;
}

/* An earlier unanswered migrate that waits on a bucket `moves` lists can no longer be told
 * apart from this one: it is answered now, and this one waits for the bucket. */
static void supersede(struct rsspp_owner_server *server, uint64_t seq, const struct move *moves,
                      uint32_t count) {
    for (uint32_t i = 0; i < count; i++)
        server->listed[moves[i].bucket] = 1;
    for (struct peer *peer = server->peers; peer; peer = peer->next) {
        struct unanswered **link = &peer->unanswered;
        while (*link) {
            struct unanswered *migrate = *link;
            uint32_t shared = 0;
            while (shared < migrate->count && !server->listed[migrate->moves[shared].bucket])
                shared++;
            if (shared == migrate->count) {
                link = &migrate->next;
                continue;
            }
            answer_error(peer, migrate->seq, "bucket %u superseded by seq %llu", migrate->moves[shared].bucket,
                         (unsigned long long)seq);
            *link = migrate->next;
            free(migrate);
        }
    }
    for (uint32_t i = 0; i < count; i++)
        server->listed[moves[i].bucket] = 0;
}

/* ---- requests ---- */

/* A member that must be an integer in [minimum, limit). */
static int bounded(json_t *object, const char *name, json_int_t minimum, json_int_t limit, json_int_t *value) {
    json_t *member = json_object_get(object, name);
    if (!json_is_integer(member))
        return -1;
    *value = json_integer_value(member);
    return *value >= minimum && *value < limit ? 0 : -1;
}

/* Checks one move of `moves` and adds it to `migrate`; 0, or -1 with `error` set. */
static int take_move(struct rsspp_owner_server *server, json_t *item, uint32_t index,
                     struct unanswered *migrate, char *error, size_t size) {
    uint32_t buckets = rsspp_owner_buckets(server->owner);
    uint16_t queues = rsspp_owner_queues(server->owner);
    json_int_t bucket, from, to;
    if (!json_is_object(item))
        snprintf(error, size, "moves[%u] is not an object", index);
    else if (bounded(item, "bucket", 0, buckets, &bucket) < 0)
        snprintf(error, size, "moves[%u].bucket is not a bucket of this owner (an integer 0..%u)", index,
                 buckets - 1);
    else if (bounded(item, "from", 0, queues, &from) < 0)
        snprintf(error, size, "moves[%u].from is not a queue of this owner (an integer 0..%u)", index, queues - 1);
    else if (bounded(item, "to", 0, queues, &to) < 0)
        snprintf(error, size, "moves[%u].to is not a queue of this owner (an integer 0..%u)", index, queues - 1);
    else if (server->listed[bucket])
        snprintf(error, size, "moves[%u] lists bucket %lld again", index, (long long)bucket);
    else {
        server->listed[bucket] = 1;
        migrate->moves[migrate->count++] = (struct move){.bucket = (uint32_t)bucket, .to = (uint16_t)to};
        return 0;
    }
    return -1;
}

/* The moves of `root`, all checked, as an unanswered migrate; NULL with `error` set. */
static struct unanswered *take_moves(struct rsspp_owner_server *server, json_t *root, char *error, size_t size) {
    json_t *moves = json_object_get(root, "moves");
    if (!json_is_array(moves)) {
        snprintf(error, size, "\"moves\" is missing or not an array");
        return NULL;
    }
    struct unanswered *migrate = calloc(1, sizeof *migrate + json_array_size(moves) * sizeof(struct move));
    if (!migrate) {
        snprintf(error, size, "out of memory for %zu moves", json_array_size(moves));
        return NULL;
    }
    int failed = 0;
    for (uint32_t i = 0; i < json_array_size(moves) && !failed; i++)
        failed = take_move(server, json_array_get(moves, i), i, migrate, error, size) < 0;
    for (uint32_t i = 0; i < migrate->count; i++)
        server->listed[migrate->moves[i].bucket] = 0;
    if (failed) {
        free(migrate);
        return NULL;
    }
    return migrate;
}

/* The message's seq when it is a positive integer, else 0 (what an error answer carries). */
static json_int_t seq_of(json_t *root) {
    json_t *seq = json_object_get(root, "seq");
    return json_is_integer(seq) && json_integer_value(seq) > 0 ? json_integer_value(seq) : 0;
}

/* Everything but the moves; 0, or -1 with `error` set. */
static int check_header(const struct rsspp_owner_server *server, json_t *root, char *error, size_t size) {
    char quote[QUOTE_MAX + 4];
    json_t *type = json_object_get(root, "type"), *version = json_object_get(root, "v");
    json_t *device = json_object_get(root, "device");
    if (!json_is_string(type))
        snprintf(error, size, "\"type\" is missing or not a string");
    else if (strcmp(json_string_value(type), "migrate") != 0)
        snprintf(error, size, "unknown type \"%s\" (this owner takes \"migrate\")",
                 quoted(json_string_value(type), quote));
    else if (!json_is_integer(version) || json_integer_value(version) != RSSPP_MIGRATE_VERSION)
        snprintf(error, size, "\"v\" is not %d, the version this owner speaks", RSSPP_MIGRATE_VERSION);
    else if (seq_of(root) == 0)
        snprintf(error, size, "\"seq\" is missing or not a positive integer");
    else if (server->config.device && !json_is_string(device))
        snprintf(error, size, "\"device\" is missing or not a string (this owner serves \"%s\")",
                 quoted(server->config.device, quote));
    else if (server->config.device && strcmp(json_string_value(device), server->config.device) != 0)
        snprintf(error, size, "\"device\" \"%s\" is not the device this owner serves",
                 quoted(json_string_value(device), quote));
    else if (!json_is_number(json_object_get(root, "applied")))
        snprintf(error, size, "\"applied\" is missing or not a number");
    else
        return 0;
    return -1;
}

/* Files the requests of a checked migrate (unless the application reports its table writes
 * itself: filed again, later-stamped, a move could send a bucket back to a stale queue); its
 * answer waits behind the peer's earlier ones. A request that cannot be filed is answered at
 * once: the migrate would only time out. */
static void file(struct rsspp_owner_server *server, struct peer *peer, struct unanswered *migrate, double applied) {
    migrate->deadline_ns = now_ns() + (uint64_t)server->config.ack_timeout_ms * 1000000u;
    supersede(server, migrate->seq, migrate->moves, migrate->count);
    int filing = !server->config.table_writes_reported;
    uint64_t stamp = filing && server->config.switch_stamp ? server->config.switch_stamp(server->config.context, applied) : 0;
    for (uint32_t i = 0; filing && i < migrate->count; i++)
        if (rsspp_owner_request(server->owner, migrate->moves[i].bucket, migrate->moves[i].to, stamp) < 0) {
            answer_error(peer, migrate->seq, "%s", rsspp_owner_error());
            free(migrate);
            return;
        }
    struct unanswered **last = &peer->unanswered;
    while (*last)
        last = &(*last)->next;
    *last = migrate;
}

/* One datagram of `length` bytes in server->message: a migrate is filed and waits for its
 * answer, anything else is answered with an error at once. */
static void handle(struct rsspp_owner_server *server, struct peer *peer, size_t length) {
    char error[256];
    json_error_t parse;
    json_t *root = json_loadb(server->message, length, JSON_REJECT_DUPLICATES, &parse);
    if (!root) {
        /* jansson's reason quotes the peer's bytes, which need not be UTF-8. */
        char reason[JSON_ERROR_TEXT_LENGTH + 4];
        answer_error(peer, 0, "not JSON: %s at byte %d", printable(parse.text, reason, JSON_ERROR_TEXT_LENGTH),
                     parse.position);
        return;
    }
    struct unanswered *migrate = NULL;
    if (!json_is_object(root))
        snprintf(error, sizeof error, "not a JSON object");
    else if (check_header(server, root, error, sizeof error) == 0)
        migrate = take_moves(server, root, error, sizeof error);
    uint64_t seq = json_is_object(root) ? (uint64_t)seq_of(root) : 0;
    if (migrate) {
        migrate->seq = seq;
        file(server, peer, migrate, json_number_value(json_object_get(root, "applied")));
    } else {
        answer(peer, seq, error);
    }
    json_decref(root);
}

/* ---- peers ---- */

static void drop_peers(struct rsspp_owner_server *server, int all) {
    struct peer **link = &server->peers;
    while (*link) {
        struct peer *peer = *link;
        if (!all && !peer->gone) {
            link = &peer->next;
            continue;
        }
        *link = peer->next;
        while (peer->unanswered) {
            struct unanswered *migrate = peer->unanswered;
            peer->unanswered = migrate->next;
            free(migrate);
        }
        close(peer->fd); /* leaves the epoll set with it */
        free(peer);
    }
}

static int allowed(const struct rsspp_owner_server *server, const struct ucred *credentials) {
    return credentials->uid == 0
        || (server->config.allowed_uid != (uid_t)-1 && credentials->uid == server->config.allowed_uid)
        || (server->config.group != (gid_t)-1 && credentials->gid == server->config.group);
}

/* Watches the listener again, or stops watching it while accepts are paused. */
static void pause_accepts(struct rsspp_owner_server *server, int paused) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = paused ? 0 : EPOLLIN;
    event.data.ptr = &server->listener;
    if (epoll_ctl(server->events, EPOLL_CTL_MOD, server->listener, &event) == 0)
        server->accepts_paused = paused;
}

/* Takes one connection; a peer that may not steer is told so and closed. 0 when there was
 * none or the process is short of descriptors or memory for now (the connection waits in the
 * backlog for the next poll), 1 when one was taken, -1 when the listening socket failed. */
static int accept_peer(struct rsspp_owner_server *server) {
    int fd = accept4(server->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
            return 0;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            pause_accepts(server, 1);
            return 0;
        }
        owner_set_error("accepting a peer on %s: %s", server->config.path, strerror(errno));
        return -1;
    }
    struct peer *peer = calloc(1, sizeof *peer);
    struct ucred credentials;
    socklen_t size = sizeof credentials;
    memset(&credentials, 0, sizeof credentials);
    if (!peer || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) < 0) {
        free(peer);
        close(fd);
        return 1;
    }
    peer->fd = fd;
    if (!allowed(server, &credentials)) {
        answer_error(peer, 0, "uid %u (gid %u) may not steer this owner: it takes root%s%s",
                     (unsigned)credentials.uid, (unsigned)credentials.gid,
                     server->config.allowed_uid != (uid_t)-1 ? ", its allowed uid" : "",
                     server->config.group != (gid_t)-1 ? ", its group" : "");
        /* Closing on a message unread would reset the connection before the peer reads why. */
        shutdown(fd, SHUT_RDWR);
        while (recv(fd, server->message, 1, MSG_DONTWAIT | MSG_TRUNC) > 0) {}
        free(peer);
        close(fd);
        return 1;
    }
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.ptr = peer;
    if (epoll_ctl(server->events, EPOLL_CTL_ADD, fd, &event) < 0) {
        free(peer);
        close(fd);
        return 1;
    }
    peer->next = server->peers;
    server->peers = peer;
    return 1;
}

/* Reads one datagram of a readable peer. */
static void read_peer(struct rsspp_owner_server *server, struct peer *peer, uint32_t events) {
    ssize_t length = recv(peer->fd, server->message, sizeof server->message, MSG_DONTWAIT | MSG_TRUNC);
    if (length < 0) {
        if (errno != EAGAIN && errno != EINTR)
            peer->gone = 1;
    } else if (length == 0 && events & (EPOLLRDHUP | EPOLLHUP)) {
        peer->gone = 1;
    } else if ((size_t)length > sizeof server->message) {
        answer_error(peer, 0, "message of %zd bytes is longer than the %d this owner takes", length,
                     RSSPP_MIGRATE_MESSAGE_MAX);
    } else {
        handle(server, peer, (size_t)length);
    }
}

/* ---- the server ---- */

int rsspp_owner_server_fd(const struct rsspp_owner_server *server) {
    return server->events;
}

int rsspp_owner_server_poll(struct rsspp_owner_server *server, int timeout_ms) {
    if (server->accepts_paused)
        pause_accepts(server, 0);
    struct epoll_event events[32];
    int ready = epoll_wait(server->events, events, 32, timeout_ms);
    if (ready < 0 && errno != EINTR) {
        owner_set_error("waiting on the control socket %s: %s", server->config.path, strerror(errno));
        return -1;
    }
    int failed = 0;
    for (int i = 0; i < ready; i++) {
        void *source = events[i].data.ptr;
        if (source == &server->listener) {
            int accepted;
            while ((accepted = accept_peer(server)) > 0) {}
            failed |= accepted < 0;
        } else if (source == &server->timer) {
            uint64_t ticks;
            while (read(server->timer, &ticks, sizeof ticks) > 0) {}
        } else if (source != &server->wake) {
            read_peer(server, source, events[i].events);
        }
    }
    answer_finished_migrates(server);
    drop_peers(server, 0);
    tick_while_pending(server);
    return failed ? -1 : 0;
}

static void *serve(void *context) {
    struct rsspp_owner_server *server = context;
    while (!atomic_load(&server->stopping))
        if (rsspp_owner_server_poll(server, -1) < 0)
            usleep(10000); /* a failing listener must not spin */
    return NULL;
}

int rsspp_owner_server_start(struct rsspp_owner_server *server) {
    if (server->threaded) {
        owner_set_error("the control socket %s already has its thread", server->config.path);
        return -1;
    }
    int failed = pthread_create(&server->thread, NULL, serve, server);
    if (failed) {
        owner_set_error("starting the thread of the control socket %s: %s", server->config.path,
                         strerror(failed));
        return -1;
    }
    pthread_setname_np(server->thread, "rsspp-owner");
    server->threaded = 1;
    return 0;
}

void rsspp_owner_server_close(struct rsspp_owner_server *server) {
    if (!server)
        return;
    if (server->threaded) {
        atomic_store(&server->stopping, 1);
        uint64_t one = 1;
        if (write(server->wake, &one, sizeof one) < 0) {} /* an eventfd write only fails at 2^64 - 1 */
        pthread_join(server->thread, NULL);
    }
    drop_peers(server, 1);
    struct stat status;
    /* Only our own socket: another process may have replaced it since. */
    if (server->socket_inode && lstat(server->config.path, &status) == 0
        && status.st_dev == server->socket_device && status.st_ino == server->socket_inode)
        unlink(server->config.path);
    int fds[] = {server->listener, server->events, server->timer, server->wake};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free((char *)server->config.path);
    free((char *)server->config.device);
    free(server->listed);
    free(server);
}

static int socket_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address->sun_path) {
        owner_set_error("control socket path %s is longer than %zu bytes", path, sizeof address->sun_path - 1);
        return -1;
    }
    strcpy(address->sun_path, path);
    return 0;
}

/* Clears the way for the socket: nothing there, or a socket nobody listens on (left by an
 * owner that died) which is removed. A live socket or any other file stays and fails. */
static int clear_path(const struct sockaddr_un *address) {
    const char *path = address->sun_path;
    struct stat status;
    if (lstat(path, &status) < 0) {
        if (errno == ENOENT)
            return 0;
        owner_set_error("control socket %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(status.st_mode)) {
        owner_set_error("control socket %s: the path exists and is not a socket; not replacing it", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        owner_set_error("control socket %s: %s", path, strerror(errno));
        return -1;
    }
    int reason = connect(probe, (const struct sockaddr *)address, sizeof *address) == 0 ? 0 : errno;
    close(probe);
    if (reason != ECONNREFUSED) {
        owner_set_error("control socket %s: another process serves it (%s)", path,
                         reason ? strerror(reason) : "it accepted a connection");
        return -1;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        owner_set_error("removing the stale control socket %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Binds the listening socket with its mode and group set before it listens, so that no peer
 * connects through looser permissions. */
static int listen_at(struct rsspp_owner_server *server, const struct sockaddr_un *address) {
    const char *path = address->sun_path;
    const char *step = "creating";
    struct stat status;
    server->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (server->listener < 0 || bind(server->listener, (const struct sockaddr *)address, sizeof *address) < 0)
        goto failed;
    step = "reading back";
    if (lstat(path, &status) < 0)
        goto failed;
    server->socket_device = status.st_dev;
    server->socket_inode = status.st_ino;
    step = "setting the mode of";
    if (chmod(path, server->config.mode) < 0)
        goto failed;
    step = "setting the group of";
    if (server->config.group != (gid_t)-1 && chown(path, (uid_t)-1, server->config.group) < 0)
        goto failed;
    step = "listening on";
    if (listen(server->listener, SOMAXCONN) < 0)
        goto failed;
    return 0;
failed:
    owner_set_error("%s the control socket %s: %s", step, path, strerror(errno));
    return -1;
}

static int watch(struct rsspp_owner_server *server, int *fd) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN;
    event.data.ptr = fd;
    if (epoll_ctl(server->events, EPOLL_CTL_ADD, *fd, &event) == 0)
        return 0;
    owner_set_error("watching the control socket %s: %s", server->config.path, strerror(errno));
    return -1;
}

static int check_server_config(const struct rsspp_owner *owner, const struct rsspp_owner_server_config *config) {
    if (!owner || !config || !config->path || !*config->path)
        owner_set_error("rsspp_owner_server_open needs an owner, a configuration and a socket path");
    else if (config->mode & ~(mode_t)0777)
        owner_set_error("control socket mode %o has bits beyond 0777", (unsigned)config->mode);
    else
        return 0;
    return -1;
}

struct rsspp_owner_server *rsspp_owner_server_open(struct rsspp_owner *owner,
                                                   const struct rsspp_owner_server_config *config) {
    struct sockaddr_un address;
    if (check_server_config(owner, config) < 0 || socket_address(config->path, &address) < 0)
        return NULL;
    struct rsspp_owner_server *server = calloc(1, sizeof *server);
    if (!server) {
        owner_set_error("no memory for the control socket %s", config->path);
        return NULL;
    }
    server->owner = owner;
    server->config = *config;
    server->config.mode = config->mode ? config->mode : 0600;
    server->config.ack_timeout_ms = config->ack_timeout_ms ? config->ack_timeout_ms : DEFAULT_ACK_TIMEOUT_MS;
    server->config.path = strdup(config->path);
    server->config.device = config->device ? strdup(config->device) : NULL;
    server->listed = calloc(rsspp_owner_buckets(owner), 1);
    server->listener = server->events = server->timer = server->wake = -1;
    if (!server->config.path || (config->device && !server->config.device) || !server->listed) {
        owner_set_error("no memory for the control socket %s", config->path);
        goto failed;
    }
    if (clear_path(&address) < 0 || listen_at(server, &address) < 0)
        goto failed;
    server->events = epoll_create1(EPOLL_CLOEXEC);
    server->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    server->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (server->events < 0 || server->timer < 0 || server->wake < 0) {
        owner_set_error("control socket %s: %s", config->path, strerror(errno));
        goto failed;
    }
    if (watch(server, &server->listener) < 0 || watch(server, &server->timer) < 0 || watch(server, &server->wake) < 0)
        goto failed;
    return server;
failed:
    rsspp_owner_server_close(server);
    return NULL;
}
