/* udp-flows: a socket application that keeps per-bucket state with rsspp-owner(3).
 *
 *   udp-flows PORT THREADS [CONTROL_SOCKET]
 *
 * THREADS threads share UDP port PORT on 127.0.0.1 with SO_REUSEPORT, one socket each (one
 * "queue" each). Each datagram's bucket is the Toeplitz hash of its addresses and ports; a
 * thread touches a bucket's state (here, a packet counter) only while it owns the bucket, so
 * when the kernel or rss-migrate moves a bucket, its state moves with it. Arrival times
 * (SO_TIMESTAMPNS) are the stamps, and a migrate's `applied` time is the switch on the same
 * clock. SIGINT or SIGTERM: the threads drain their sockets and it prints what it counted.
 *
 * Build: cc -O2 -o udp-flows udp-flows.c $(pkg-config --cflags --libs rsspp-owner) -pthread
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rsspp_owner.h>

#define BUCKETS 128
#define THREADS_MAX 16

static const uint8_t key[40] = { /* the Microsoft key most NICs ship with */
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct packet {
    uint32_t bucket;
    uint64_t stamp;
};

static struct rsspp_owner *owner;
static uint64_t bucket_packets[BUCKETS]; /* the per-bucket state: only its owner touches it */
static atomic_uint_fast64_t expired, dropped;
static atomic_int stopping;

static void process(struct packet *packet) {
    bucket_packets[packet->bucket]++;
    free(packet);
}

static void replay(void *context, uint16_t queue, uint32_t bucket, void *packet) {
    (void)context, (void)queue, (void)bucket;
    process(packet);
}

static void expire(void *context, uint16_t queue, uint32_t bucket, void *packet) {
    (void)context, (void)queue, (void)bucket;
    atomic_fetch_add(&expired, 1);
    free(packet);
}

/* The table write at Unix time `applied`, on the packets' clock (SO_TIMESTAMPNS). */
static uint64_t switch_stamp(void *context, double applied) {
    (void)context;
    return (uint64_t)(applied * 1e9);
}

/* One datagram as a packet of its bucket, or NULL when the socket is empty. */
static struct packet *receive(int fd) {
    char data[2048], control[CMSG_SPACE(sizeof(struct timespec))];
    struct sockaddr_in from, to;
    socklen_t size = sizeof to;
    struct iovec buffer = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &buffer;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    if (recvmsg(fd, &message, MSG_DONTWAIT) < 0 || getsockname(fd, (struct sockaddr *)&to, &size) < 0)
        return NULL;
    struct packet *packet = calloc(1, sizeof *packet);
    if (!packet)
        return NULL;
    uint8_t input[12]; /* what RSS hashes: source and destination address, then ports */
    memcpy(input, &from.sin_addr, 4);
    memcpy(input + 4, &to.sin_addr, 4);
    memcpy(input + 8, &from.sin_port, 2);
    memcpy(input + 10, &to.sin_port, 2);
    packet->bucket = rsspp_bucket_of(rsspp_toeplitz(key, sizeof key, input, sizeof input), BUCKETS);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SO_TIMESTAMPNS) {
        struct timespec arrival;
        memcpy(&arrival, CMSG_DATA(header), sizeof arrival);
        packet->stamp = (uint64_t)arrival.tv_sec * 1000000000u + (uint64_t)arrival.tv_nsec;
    }
    return packet;
}

struct queue {
    uint16_t id;
    int fd;
    pthread_t thread;
};

static void *serve_queue(void *context) {
    struct queue *queue = context;
    struct pollfd ready = {.fd = queue->fd, .events = POLLIN};
    for (;;) {
        int stop = atomic_load(&stopping);
        uint32_t received = 0;
        struct packet *packet;
        while (received < 32 && (packet = receive(queue->fd))) {
            received++;
            switch (rsspp_owner_enter(owner, queue->id, packet->bucket, packet->stamp, packet)) {
            case RSSPP_PROCESS: process(packet); break;
            case RSSPP_PARKED: break; /* the library keeps it and replays it */
            case RSSPP_FULL: atomic_fetch_add(&dropped, 1); free(packet); break;
            }
        }
        rsspp_owner_poll(owner, queue->id, received, received == 0);
        if (stop && received == 0)
            return NULL; /* stopped, and the socket drained */
        if (received == 0)
            poll(&ready, 1, 1); /* idle, but polling every millisecond so handovers go on */
    }
}

static int open_queue(struct queue *queue, uint16_t id, int port) {
    int on = 1;
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    queue->id = id;
    queue->fd = socket(AF_INET, SOCK_DGRAM, 0);
    return queue->fd < 0 || setsockopt(queue->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0
        || setsockopt(queue->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0
        || bind(queue->fd, (struct sockaddr *)&address, sizeof address) < 0 ? -1 : 0;
}

static void stop(int signal) {
    (void)signal;
    atomic_store(&stopping, 1);
}

int main(int argc, char **argv) {
    int port = argc > 2 ? atoi(argv[1]) : 0, threads = argc > 2 ? atoi(argv[2]) : 0;
    if (port <= 0 || port > 65535 || threads < 1 || threads > THREADS_MAX) {
        fprintf(stderr, "usage: udp-flows PORT THREADS(1..%d) [CONTROL_SOCKET]\n", THREADS_MAX);
        return 2;
    }
    struct rsspp_owner_config config;
    memset(&config, 0, sizeof config);
    config.buckets = BUCKETS;
    config.queues = (uint16_t)threads;
    config.replay = replay;
    config.expire = expire;
    if (!(owner = rsspp_owner_create(&config))) {
        fprintf(stderr, "udp-flows: %s\n", rsspp_owner_error());
        return 1;
    }
    struct queue queues[THREADS_MAX];
    for (int i = 0; i < threads; i++)
        if (open_queue(&queues[i], (uint16_t)i, port) < 0) {
            perror("udp-flows: UDP socket");
            return 1;
        }
    struct rsspp_owner_server *server = NULL;
    if (argc > 3) {
        struct rsspp_owner_server_config control;
        memset(&control, 0, sizeof control);
        control.path = argv[3];
        control.group = (gid_t)-1;
        control.allowed_uid = (uid_t)-1;
        control.switch_stamp = switch_stamp;
        if (!(server = rsspp_owner_server_open(owner, &control)) || rsspp_owner_server_start(server) < 0) {
            fprintf(stderr, "udp-flows: %s\n", rsspp_owner_error());
            return 1;
        }
    }
    signal(SIGINT, stop);
    signal(SIGTERM, stop);
    for (int i = 0; i < threads; i++)
        pthread_create(&queues[i].thread, NULL, serve_queue, &queues[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(queues[i].thread, NULL);
    rsspp_owner_server_close(server);
    rsspp_owner_free(owner); /* packets still parked go to expire */
    uint64_t processed = 0;
    for (int bucket = 0; bucket < BUCKETS; bucket++)
        processed += bucket_packets[bucket];
    printf("processed %llu expired %llu dropped %llu\n", (unsigned long long)processed,
           (unsigned long long)atomic_load(&expired), (unsigned long long)atomic_load(&dropped));
    return 0;
}
