/* rsspp-sink: set-up, launch and shutdown. See sink.h for what it is. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "sink.h"

/* How long a parked packet may wait for its bucket. */
#define PARK_TIMEOUT_NS 1000000000ull

struct sink the_sink;

static volatile sig_atomic_t quit_requested, table_requested;

static void on_signal(int signal) {
    if (signal == SIGUSR1)
        table_requested = 1;
    else
        quit_requested = 1;
}

static uint64_t handled_packets(const struct sink *sink) {
    uint64_t handled = 0;
    for (uint16_t q = 0; q < sink->options.queues; q++) {
        handled += __atomic_load_n(&sink->workers[q].stats.packets, __ATOMIC_RELAXED);
        if (sink->options.software_rss)
            handled += __atomic_load_n(
                &rsspp_block_dispatch_stats(rsspp_port_block(sink->rsspp), q)->dropped,
                __ATOMIC_RELAXED);
    }
    return handled;
}

void control_tick(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    if (options->mailbox && rsspp_port_poll(sink->rsspp) < 0)
        fprintf(stderr, "rsspp-sink: refused a table: %s\n", rsspp_error());
    /* Before the socket's poll, which only answers (table_writes_reported): its migrates must
     * find their moves filed even when no burst came since the write. In software RSS this is
     * the dispatcher's thread between two bursts, so last_stamp is as exact here as before a
     * burst; the dispatcher also follows the table before each burst. */
    follow_table(sink, options->software_rss ? sink->last_stamp : 0);
    if (sink->server != NULL && rsspp_owner_server_poll(sink->server, 0) < 0) {
        fprintf(stderr, "rsspp-sink: %s: %s; no more migrations through it\n", options->owner_socket,
                rsspp_owner_error());
        rsspp_owner_server_close(sink->server);
        sink->server = NULL;
    }
    if (table_requested) {
        table_requested = 0;
        report_table(sink);
    }
    double elapsed = (double)(rte_rdtsc() - sink->start_tsc) / (double)rte_get_tsc_hz();
    if (quit_requested || (options->duration > 0 && elapsed >= options->duration)
        || (options->stop_after > 0 && handled_packets(sink) >= options->stop_after))
        sink->quit = 1;
}

static int fail(const char *what, int error) {
    fprintf(stderr, "rsspp-sink: %s: %s\n", what, rte_strerror(error < 0 ? -error : error));
    return -1;
}

/* Hardware RSS: one rx queue per worker, spread by the port's RETA. Software RSS: one rx
 * queue, spread by rsspp_dispatch_burst. */
static int setup_port(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    uint16_t port = options->port;
    struct rte_eth_dev_info info;
    int error = rte_eth_dev_info_get(port, &info);
    if (error != 0)
        return fail("rte_eth_dev_info_get", error);
    uint16_t rx_queues = options->software_rss ? 1 : options->queues;
    if (rx_queues > info.max_rx_queues) {
        fprintf(stderr, "rsspp-sink: port %u (%s) has at most %u rx queues\n", port,
                info.driver_name, info.max_rx_queues);
        return -1;
    }
    struct rte_eth_conf conf = {0};
    if (!options->software_rss && info.flow_type_rss_offloads != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
        if (options->key_size != 0) {
            conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)options->key;
            conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)options->key_size;
        }
    } else if (!options->software_rss && rx_queues > 1) {
        fprintf(stderr, "rsspp-sink: port %u (%s) has no RSS: use --software-rss\n", port,
                info.driver_name);
        return -1;
    }
    uint16_t tx_queues = info.max_tx_queues > 0 ? 1 : 0;
    if ((error = rte_eth_dev_configure(port, rx_queues, tx_queues, &conf)) != 0)
        return fail("rte_eth_dev_configure", error);
    uint16_t tx_descriptors = 1024;
    sink->rx_descriptors = 1024;
    if ((error = rte_eth_dev_adjust_nb_rx_tx_desc(port, &sink->rx_descriptors, &tx_descriptors)) != 0)
        return fail("rte_eth_dev_adjust_nb_rx_tx_desc", error);
    int socket = rte_eth_dev_socket_id(port);
    for (uint16_t q = 0; q < rx_queues; q++)
        if ((error = rte_eth_rx_queue_setup(port, q, sink->rx_descriptors, socket, NULL, sink->pool)) != 0)
            return fail("rte_eth_rx_queue_setup", error);
    for (uint16_t q = 0; q < tx_queues; q++)
        if ((error = rte_eth_tx_queue_setup(port, q, tx_descriptors, socket, NULL)) != 0)
            return fail("rte_eth_tx_queue_setup", error);
    if ((error = rte_eth_dev_start(port)) != 0)
        return fail("rte_eth_dev_start", error);
    return 0;
}

static int setup_workers(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    if (rte_lcore_count() < (unsigned)options->queues + 1) {
        fprintf(stderr, "rsspp-sink: %u queues need %u lcores (a main one and one per worker); "
                "EAL has %u (-l or --lcores)\n", options->queues, options->queues + 1,
                rte_lcore_count());
        return -1;
    }
    sink->workers = rte_zmalloc("sink_workers", options->queues * sizeof(struct worker),
                                RTE_CACHE_LINE_SIZE);
    sink->rings = rte_zmalloc("sink_rings", options->queues * sizeof(struct rte_ring *), 0);
    if (sink->workers == NULL || sink->rings == NULL)
        return fail("workers", ENOMEM);
    for (uint16_t q = 0; q < options->queues; q++) {
        struct worker *worker = &sink->workers[q];
        worker->queue = q;
        if (sink->owner_wanted) {
            worker->stats.handover_ns = rte_malloc("sink_handovers", HANDOVER_SAMPLES * sizeof(uint32_t), 0);
            if (worker->stats.handover_ns == NULL)
                return fail("handover samples", ENOMEM);
        }
        worker->counter = options->count ? rsspp_port_queue(sink->rsspp, q) : NULL;
        if (options->software_rss) {
            char name[RTE_RING_NAMESIZE];
            snprintf(name, sizeof name, "sink_queue_%u", q);
            worker->ring = rte_ring_create(name, options->ring_size, rte_socket_id(),
                                           RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (worker->ring == NULL)
                return fail(name, rte_errno);
            sink->rings[q] = worker->ring;
        }
    }
    return 0;
}

/* The owner of the per-bucket tables: each bucket starts with the queue the table in force
 * gives it; a queue's drain is known from stamps (software RSS) or its backlog. */
static int setup_owner(struct sink *sink) {
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    uint16_t *table = rte_malloc("sink_table_followed", block->table_size * sizeof(uint16_t), 0);
    char error[256] = "no memory";
    sink->table_followed = table;
    sink->table_generation = __atomic_load_n(&block->table_generation, __ATOMIC_ACQUIRE);
    if (table == NULL || rsspp_block_read_table(block, table, error, sizeof error) != 0) {
        fprintf(stderr, "rsspp-sink: the table in force: %s\n", error);
        return -1;
    }
    struct rsspp_owner_config config;
    memset(&config, 0, sizeof config);
    config.buckets = block->table_size;
    config.queues = sink->options.queues;
    config.table = table;
    /* Parked packets wait for the old owner's next polls; on a shared machine (tests, --yield
     * with more lcores than CPUs) a worker can wait for a CPU far longer than the library's
     * default bound of 100 ms expects. Parking stays bounded in packets. */
    config.park_timeout_ns = PARK_TIMEOUT_NS;
    config.queue_capacity = sink->options.software_rss
        ? rte_ring_get_capacity(sink->workers[0].ring) : sink->rx_descriptors;
    config.backlog = queue_backlog;
    config.replay = replay_parked;
    config.expire = expire_parked;
    config.context = sink;
    sink->owner = rsspp_owner_create(&config);
    if (sink->owner == NULL) {
        fprintf(stderr, "rsspp-sink: rsspp_owner_create: %s\n", rsspp_owner_error());
        return -1;
    }
    return 0;
}

/* --owner-socket: rss-migrate's peer, polled by control_tick: it answers when the moves are
 * done. */
static int open_owner_socket(struct sink *sink) {
    struct rsspp_owner_server_config config;
    memset(&config, 0, sizeof config);
    config.path = sink->options.owner_socket;
    config.group = (gid_t)-1;
    config.allowed_uid = (uid_t)-1;
    /* follow_table files every table move itself, before the socket hears of it: from
     * control_tick before it polls the socket, and in software RSS from the dispatcher before
     * each burst too, stamped with the last packet the old table steered (in hardware RSS rx
     * packets carry no stamp). The socket's own requests would repeat them later. */
    config.table_writes_reported = 1;
    sink->server = rsspp_owner_server_open(sink->owner, &config);
    if (sink->server == NULL) {
        fprintf(stderr, "rsspp-sink: --owner-socket %s: %s\n", config.path, rsspp_owner_error());
        return -1;
    }
    return 0;
}

/* Software RSS: the dispatcher's sequence number rides in each mbuf, the owner's stamp. */
static int register_stamp(struct sink *sink) {
    struct rte_mbuf_dynfield field;
    memset(&field, 0, sizeof field);
    snprintf(field.name, sizeof field.name, "rsspp_sink_stamp");
    field.size = sizeof(uint64_t);
    field.align = __alignof__(uint64_t);
    sink->sequence_field = rte_mbuf_dynfield_register(&field);
    return sink->sequence_field < 0 ? fail("rte_mbuf_dynfield_register", rte_errno) : 0;
}

/* --check-flows and --generate-flows. */
static int setup_checks(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    if (options->generated_flows > 0
        && traffic_init(&sink->traffic, options->generated_flows, options->skew) != 0)
        return fail("generated flows", ENOMEM);
    if (options->check_flows) {
        sink->markers = rte_zmalloc("sink_markers",
                                    sink->flows.table_size * sizeof(struct bucket_marker),
                                    RTE_CACHE_LINE_SIZE);
        if (sink->markers == NULL)
            return fail("bucket markers", ENOMEM);
    }
    return 0;
}

static int setup(struct sink *sink) {
    const struct sink_options *options = &sink->options;
    if (!rte_eth_dev_is_valid_port(options->port)) {
        fprintf(stderr, "rsspp-sink: port %u does not exist (%u ports; add one with --vdev or -a)\n",
                options->port, rte_eth_dev_count_avail());
        return -1;
    }
    sink->pool = rte_pktmbuf_pool_create("sink_mbufs", options->mbufs, 256, 0,
                                         RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (sink->pool == NULL)
        return fail("rte_pktmbuf_pool_create", rte_errno);
    if (setup_port(sink) != 0)
        return -1;
    struct rsspp_port_config config = {
        .port_id = options->port,
        .queues = options->queues,
        .table_size = options->table_size,
        .key = options->key_size != 0 ? options->key : NULL,
        .key_size = options->key_size,
        .software_rss = options->software_rss,
        .mailbox = options->mailbox,
    };
    sink->rsspp = rsspp_port_create(&config);
    if (sink->rsspp == NULL) {
        fprintf(stderr, "rsspp-sink: %s\n", rsspp_error());
        return -1;
    }
    const struct rsspp_block *block = rsspp_port_block(sink->rsspp);
    if (flow_tables_init(&sink->flows, block->table_size, options->flows_per_bucket,
                         options->shared_table) != 0)
        return fail("flow tables", rte_errno != 0 ? rte_errno : ENOMEM);
    sink->owner_wanted = sink->flows.slots != NULL && !options->shared_table;
    if ((options->software_rss && register_stamp(sink) != 0) || setup_checks(sink) != 0
        || setup_workers(sink) != 0)
        return -1;
    if (!sink->owner_wanted)
        return 0;
    return setup_owner(sink) != 0 || (options->owner_socket != NULL && open_owner_socket(sink) != 0)
        ? -1 : 0;
}

static void run(struct sink *sink) {
    unsigned lcore;
    uint16_t q = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (q == sink->options.queues)
            break;
        rte_eal_remote_launch(worker_main, &sink->workers[q++], lcore);
    }
    sink->start_tsc = rte_rdtsc();
    report_ready(sink);
    if (sink->options.software_rss) {
        dispatcher_main(sink);
    } else {
        while (!sink->quit) {
            control_tick(sink);
            rte_delay_us_sleep(1000);
        }
    }
    rte_eal_mp_wait_lcore();
    drain_parked(sink);
}

int main(int argc, char **argv) {
    /* Short sleeps under --yield should be short: EAL's threads inherit the slack. */
    prctl(PR_SET_TIMERSLACK, 1000UL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (answered_without_eal(argc, argv))
        return 0;
    int consumed = rte_eal_init(argc, argv);
    if (consumed < 0) {
        fprintf(stderr, "rsspp-sink: rte_eal_init: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    argv[consumed] = argv[0];
    struct sink *sink = &the_sink;
    if (parse_options(argc - consumed, argv + consumed, &sink->options) != 0) {
        rte_eal_cleanup();
        return 64;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal);
    int status = setup(sink);
    if (status == 0) {
        run(sink);
        report_exit(sink);
    }
    rte_eth_dev_stop(sink->options.port);
    if (sink->server != NULL)
        rsspp_owner_server_close(sink->server);
    if (sink->owner != NULL)
        rsspp_owner_free(sink->owner);
    for (uint16_t q = 0; sink->workers != NULL && q < sink->options.queues; q++) {
        rte_free(sink->workers[q].stats.handover_ns);
        rte_ring_free(sink->workers[q].ring);
    }
    rte_free(sink->workers);
    rte_free(sink->rings);
    rte_free(sink->markers);
    rte_free(sink->table_followed);
    flow_tables_free(&sink->flows);
    traffic_free(&sink->traffic);
    rsspp_port_free(sink->rsspp);
    rte_eth_dev_close(sink->options.port);
    rte_eal_cleanup();
    return status == 0 ? 0 : 1;
}
