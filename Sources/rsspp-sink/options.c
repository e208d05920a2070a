/* The application's command line, after EAL's `--`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsspp_version.h"
#include "sink.h"

static const char usage[] =
    "usage: rsspp-sink [EAL options] -- [--port P] [--queues N] [--software-rss]\n"
    "         [--table-size R] [--key HEX] [--work-cycles C] [--rate PPS] [--yield]\n"
    "         [--flows-per-bucket F] [--no-count] [--no-mailbox] [--stop-after PACKETS]\n"
    "         [--duration S] [--ring-size N] [--mbufs N] [--generate-flows F[:SKEW]]\n"
    "         [--check-flows] [--shared-table] [--owner-socket PATH]\n"
    "\n"
    "The reference DPDK primary of rsspp: receives, counts per RSS bucket with librsspp_dpdk,\n"
    "keeps flow tables per bucket owned through librsspp_owner, drops. EAL options (before --)\n"
    "are DPDK's; see rsspp-sink(1) for a working set.\n"
    "\n"
    "  --port P               port to receive on (default 0)\n"
    "  --queues N             workers, one per queue (default 1)\n"
    "  --software-rss         receive on one queue, dispatch by the block's table\n"
    "  --table-size R         buckets of the software table (default: RETA size, or 128)\n"
    "  --key HEX              RSS key, 40 to 64 bytes in hex\n"
    "  --work-cycles C        TSC cycles of work per packet\n"
    "  --rate PPS             receive at most PPS packets per second in all\n"
    "  --yield                sleep instead of spinning when idle and for the work\n"
    "  --flows-per-bucket F   flow table slots per bucket, 0 for none (default 16)\n"
    "  --no-count             do not count (the benchmarks' baseline)\n"
    "  --no-mailbox           do not apply tables posted by rss-apply; it writes them itself\n"
    "  --stop-after PACKETS   exit once that many packets were processed or dropped\n"
    "  --duration S           exit after S seconds\n"
    "  --ring-size N          ring of each worker in software mode, a power of two (1024)\n"
    "  --mbufs N              mbuf pool size (default 8191)\n"
    "  --generate-flows F[:SKEW]  software RSS: make the packets instead of receiving them,\n"
    "                         F UDP flows with sequence numbers, flow k's share ~ 1/(k+1)^SKEW\n"
    "                         (default 0: all alike), never more than the rings take\n"
    "  --check-flows          check every generated packet against its flow's state (order,\n"
    "                         gaps) and that no two workers are ever inside one bucket's table\n"
    "  --shared-table         one concurrent rte_hash for all workers instead of per-bucket\n"
    "                         tables and ownership (RSS++'s baseline)\n"
    "  --owner-socket PATH    let rss-migrate steer the buckets' owners through this socket\n"
    "  --help                 this text, without starting EAL\n"
    "  --version              the rsspp release, without starting EAL\n";

enum {
    OPT_PORT = 256, OPT_QUEUES, OPT_SOFTWARE, OPT_TABLE, OPT_KEY, OPT_WORK, OPT_RATE, OPT_YIELD,
    OPT_FLOWS, OPT_NO_COUNT, OPT_NO_MAILBOX, OPT_STOP, OPT_DURATION, OPT_RING, OPT_MBUFS,
    OPT_GENERATE, OPT_CHECK, OPT_SHARED, OPT_OWNER_SOCKET, OPT_HELP,
};

static const struct option long_options[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"queues", required_argument, NULL, OPT_QUEUES},
    {"software-rss", no_argument, NULL, OPT_SOFTWARE},
    {"table-size", required_argument, NULL, OPT_TABLE},
    {"key", required_argument, NULL, OPT_KEY},
    {"work-cycles", required_argument, NULL, OPT_WORK},
    {"rate", required_argument, NULL, OPT_RATE},
    {"yield", no_argument, NULL, OPT_YIELD},
    {"flows-per-bucket", required_argument, NULL, OPT_FLOWS},
    {"no-count", no_argument, NULL, OPT_NO_COUNT},
    {"no-mailbox", no_argument, NULL, OPT_NO_MAILBOX},
    {"stop-after", required_argument, NULL, OPT_STOP},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"ring-size", required_argument, NULL, OPT_RING},
    {"mbufs", required_argument, NULL, OPT_MBUFS},
    {"generate-flows", required_argument, NULL, OPT_GENERATE},
    {"check-flows", no_argument, NULL, OPT_CHECK},
    {"shared-table", no_argument, NULL, OPT_SHARED},
    {"owner-socket", required_argument, NULL, OPT_OWNER_SOCKET},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int number(const char *option, const char *text, double low, double high, double *value) {
    char *end;
    *value = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || !(*value >= low && *value <= high)) {
        fprintf(stderr, "rsspp-sink: --%s \"%s\": expected a number in [%g, %g]\n", option, text,
                low, high);
        return -1;
    }
    return 0;
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Hex digits, optionally colon-separated (ethtool -x style). */
static int hex_key(const char *text, uint8_t *key, uint32_t *size) {
    uint32_t digits = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == ':')
            continue;
        int nibble = hex_digit(*c);
        if (nibble < 0 || digits == 2 * RSSPP_KEY_MAX) {
            digits = 0;
            break;
        }
        key[digits / 2] = (uint8_t)(digits % 2 ? key[digits / 2] << 4 | nibble : nibble);
        digits++;
    }
    if (digits % 2 == 0 && digits / 2 >= RSSPP_KEY_MIN) {
        *size = digits / 2;
        return 0;
    }
    fprintf(stderr, "rsspp-sink: --key \"%s\": expected %d to %d bytes in hex\n", text,
            RSSPP_KEY_MIN, RSSPP_KEY_MAX);
    return -1;
}

/* FLOWS[:SKEW] */
static int generated_flows(const char *text, struct sink_options *options) {
    char flows[32];
    const char *colon = strchr(text, ':');
    size_t length = colon != NULL ? (size_t)(colon - text) : strlen(text);
    double value;
    if (length >= sizeof flows) {
        fprintf(stderr, "rsspp-sink: --generate-flows \"%s\": expected FLOWS[:SKEW]\n", text);
        return -1;
    }
    memcpy(flows, text, length);
    flows[length] = '\0';
    if (number("generate-flows", flows, 1, 1 << 16, &value) != 0)
        return -1;
    options->generated_flows = (uint32_t)value;
    return colon == NULL ? 0 : number("generate-flows skew", colon + 1, 0, 10, &options->skew);
}

/* Options that need others. */
static int check_combinations(const struct sink_options *options) {
    const char *problem = options->generated_flows > 0 && !options->software_rss
        ? "--generate-flows needs --software-rss (the dispatcher makes the packets)"
        : options->check_flows && options->generated_flows == 0
        ? "--check-flows needs --generate-flows (the packets must carry sequence numbers)"
        : (options->check_flows || options->shared_table) && options->flows_per_bucket == 0
        ? "--check-flows and --shared-table need flow tables (--flows-per-bucket above 0)"
        : options->owner_socket != NULL && (options->shared_table || options->flows_per_bucket == 0)
        ? "--owner-socket needs per-bucket flow tables (not --shared-table, --flows-per-bucket above 0)"
        : NULL;
    if (problem != NULL)
        fprintf(stderr, "rsspp-sink: %s\n", problem);
    return problem != NULL ? -1 : 0;
}

int answered_without_eal(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage(stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            puts(RSSPP_VERSION);
            return 1;
        }
    }
    return 0;
}

void print_usage(FILE *stream) {
    fputs(usage, stream);
}

int parse_options(int argc, char **argv, struct sink_options *options) {
    *options = (struct sink_options){
        .queues = 1, .flows_per_bucket = 16, .count = 1, .mailbox = 1, .ring_size = 1024,
        .mbufs = 8191,
    };
    double value;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        const char *name = option >= OPT_PORT && option <= OPT_HELP
            ? long_options[option - OPT_PORT].name : "";
        int bad = 0;
        switch (option) {
        case OPT_PORT: bad = number(name, optarg, 0, RTE_MAX_ETHPORTS - 1, &value); options->port = (uint16_t)value; break;
        case OPT_QUEUES: bad = number(name, optarg, 1, 1024, &value); options->queues = (uint16_t)value; break;
        case OPT_SOFTWARE: options->software_rss = 1; break;
        case OPT_TABLE: bad = number(name, optarg, 1, 65536, &value); options->table_size = (uint32_t)value; break;
        case OPT_KEY: bad = hex_key(optarg, options->key, &options->key_size); break;
        case OPT_WORK: bad = number(name, optarg, 0, 1e12, &value); options->work_cycles = (uint64_t)value; break;
        case OPT_RATE: bad = number(name, optarg, 0, 1e12, &value); options->rate = value; break;
        case OPT_YIELD: options->yield = 1; break;
        case OPT_FLOWS: bad = number(name, optarg, 0, 4096, &value); options->flows_per_bucket = (uint32_t)value; break;
        case OPT_NO_COUNT: options->count = 0; break;
        case OPT_NO_MAILBOX: options->mailbox = 0; break;
        case OPT_STOP: bad = number(name, optarg, 0, 1e18, &value); options->stop_after = (uint64_t)value; break;
        case OPT_DURATION: bad = number(name, optarg, 0, 1e9, &value); options->duration = value; break;
        case OPT_RING: bad = number(name, optarg, 2, 1 << 20, &value); options->ring_size = (uint32_t)value; break;
        case OPT_MBUFS: bad = number(name, optarg, 512, 1 << 26, &value); options->mbufs = (uint32_t)value; break;
        case OPT_GENERATE: bad = generated_flows(optarg, options); break;
        case OPT_CHECK: options->check_flows = 1; break;
        case OPT_SHARED: options->shared_table = 1; break;
        case OPT_OWNER_SOCKET: options->owner_socket = optarg; break;
        case OPT_HELP: print_usage(stdout); exit(0);
        default: bad = 1; fputs(usage, stderr); break;
        }
        if (bad)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "rsspp-sink: unexpected argument \"%s\"\n%s", argv[optind], usage);
        return -1;
    }
    if (options->ring_size & (options->ring_size - 1)) {
        fprintf(stderr, "rsspp-sink: --ring-size %u: expected a power of two\n", options->ring_size);
        return -1;
    }
    return check_combinations(options);
}
