/* Attaching to a DPDK primary as a secondary process, and what the tools read through it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memzone.h>
#include <rte_version.h>

#include "rsspp_secondary.h"

#define MAX_ARGUMENTS 64
#define ARGUMENT_BYTES 4096
/* An lcore id the primary is unlikely to use, so that nothing per-lcore is shared. */
#define SECONDARY_LCORE (RTE_MAX_LCORE - 1)
/* The first two fields of EAL's shared memory configuration (struct rte_mem_config),
 * kept stable across releases precisely so that versions can be compared. */
struct mem_config_head {
    uint32_t magic;
    uint32_t version;
};

/* EAL's runtime directory for a prefix (eal_create_runtime_dir): /var/run for root,
 * $XDG_RUNTIME_DIR or /tmp otherwise. */
static void runtime_directory(const char *file_prefix, char *path, size_t size) {
    const char *base = "/var/run";
    if (getuid() != 0)
        base = getenv("XDG_RUNTIME_DIR") != NULL ? getenv("XDG_RUNTIME_DIR") : "/tmp";
    snprintf(path, size, "%s/dpdk/%s", base, file_prefix);
}

static void version_string(uint32_t version, char *text, size_t size) {
    snprintf(text, size, "%u.%02u.%u", version >> 24, (version >> 16) & 0xff, (version >> 8) & 0xff);
}

/* A clear message for the two usual reasons a secondary cannot start. */
static int check_primary(const char *file_prefix, char *error, size_t error_size) {
    char directory[512], config[600];
    runtime_directory(file_prefix, directory, sizeof directory);
    snprintf(config, sizeof config, "%s/config", directory);
    if (access(config, R_OK) != 0 || rte_eal_primary_proc_alive(config) == 0) {
        snprintf(error, error_size,
                 "no DPDK primary with file prefix \"%s\" is running (no live primary holds %s)",
                 file_prefix, config);
        return -1;
    }
    struct mem_config_head head = {0};
    int fd = open(config, O_RDONLY);
    ssize_t got = fd < 0 ? -1 : pread(fd, &head, sizeof head, 0);
    if (fd >= 0)
        close(fd);
    if (got == (ssize_t)sizeof head && head.version != RTE_VERSION) {
        char primary[32], ours[32];
        version_string(head.version, primary, sizeof primary);
        version_string(RTE_VERSION, ours, sizeof ours);
        snprintf(error, error_size,
                 "the primary with file prefix \"%s\" runs DPDK %s, this program DPDK %s; a "
                 "secondary process needs the primary's version", file_prefix, primary, ours);
        return -1;
    }
    return 0;
}

/* "--lcores=127@(0,1)": one lcore, allowed on every CPU this process may use now, so that
 * attaching pins nothing. */
static void lcore_argument(char *argument, size_t size) {
    cpu_set_t cpus;
    int used = snprintf(argument, size, "--lcores=%d@(", SECONDARY_LCORE);
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) {
        CPU_ZERO(&cpus);
        CPU_SET(0, &cpus);
    }
    const char *separator = "";
    for (int cpu = 0; cpu < CPU_SETSIZE && (size_t)used < size; cpu++) {
        if (!CPU_ISSET(cpu, &cpus))
            continue;
        used += snprintf(argument + used, size - used, "%s%d", separator, cpu);
        separator = ",";
    }
    if ((size_t)used < size)
        snprintf(argument + used, size - used, ")");
}

/* Builds argv in `storage`; returns argc. */
static int build_arguments(const char *file_prefix, const char *extra, char *storage,
                           char **argv) {
    char lcores[1024];
    lcore_argument(lcores, sizeof lcores);
    int argc = 0;
    size_t used = 0;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "--file-prefix=%s", file_prefix);
    const char *fixed[] = {"rsspp", "--proc-type=secondary", prefix, lcores, "--no-pci",
                           "--no-telemetry", "--log-level=error"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        argv[argc++] = storage + used;
        used += (size_t)snprintf(storage + used, ARGUMENT_BYTES - used, "%s", fixed[i]) + 1;
    }
    char words[ARGUMENT_BYTES];
    snprintf(words, sizeof words, "%s", extra != NULL ? extra : "");
    char *saved = NULL;
    for (char *word = strtok_r(words, " \t\n", &saved); word != NULL && argc < MAX_ARGUMENTS - 1
         && used < ARGUMENT_BYTES; word = strtok_r(NULL, " \t\n", &saved)) {
        argv[argc++] = storage + used;
        used += (size_t)snprintf(storage + used, ARGUMENT_BYTES - used, "%s", word) + 1;
    }
    argv[argc] = NULL;
    return argc;
}

int rsspp_secondary_arguments(const char *file_prefix, const char *extra_arguments,
                              char *arguments, size_t size) {
    static char storage[ARGUMENT_BYTES];
    char *argv[MAX_ARGUMENTS];
    int argc = build_arguments(file_prefix, extra_arguments, storage, argv);
    size_t used = 0;
    for (int i = 1; i < argc && used < size; i++)
        used += (size_t)snprintf(arguments + used, size - used, "%s\n", argv[i]);
    return argc - 1;
}

static void detach(void) {
    rte_eal_cleanup();
}

int rsspp_secondary_attach(const char *file_prefix, const char *extra_arguments, char *error,
                           size_t error_size) {
    if (check_primary(file_prefix, error, error_size) != 0)
        return -1;
    /* EAL keeps pointers into argv: static storage. */
    static char storage[ARGUMENT_BYTES];
    static char *argv[MAX_ARGUMENTS];
    int argc = build_arguments(file_prefix, extra_arguments, storage, argv);
    if (rte_eal_init(argc, argv) < 0) {
        snprintf(error, error_size,
                 "cannot attach to the DPDK primary with file prefix \"%s\" as a secondary "
                 "process: %s", file_prefix, rte_strerror(rte_errno));
        return -1;
    }
    atexit(detach);
    return 0;
}

/* The primary holds a lock on EAL's runtime configuration file while it runs (DPDK's own
 * test, which pid reuse cannot fool). Checked before every call that reaches the primary's
 * ports: the PMD's state of a port the primary closed is gone. */
static int primary_alive(char *error, size_t error_size) {
    if (rte_eal_primary_proc_alive(NULL))
        return 0;
    snprintf(error, error_size, "the DPDK primary has ended (no live primary holds %s/config)",
             rte_eal_get_runtime_dir());
    return -1;
}

int rsspp_secondary_port(uint16_t port_id, struct rsspp_port_facts *facts, char *error,
                         size_t error_size) {
    if (primary_alive(error, error_size) != 0)
        return -1;
    if (!rte_eth_dev_is_valid_port(port_id)) {
        int used = snprintf(error, error_size, "port %u is absent; the primary has ", port_id);
        uint16_t port, count = 0;
        RTE_ETH_FOREACH_DEV(port) {
            char name[RTE_ETH_NAME_MAX_LEN];
            if (rte_eth_dev_get_name_by_port(port, name) != 0)
                name[0] = '\0';
            if (used >= 0 && (size_t)used < error_size)
                used += snprintf(error + used, error_size - used, "%sport %u (%s)",
                                 count++ ? ", " : "", port, name);
        }
        if (count == 0 && used >= 0 && (size_t)used < error_size)
            snprintf(error + used, error_size - used,
                     "no port this process can see (a PCI port needs RSSPP_DPDK_EAL=\"-a ADDRESS\")");
        return -1;
    }
    struct rte_eth_dev_info info;
    int status = rte_eth_dev_info_get(port_id, &info);
    if (status != 0) {
        snprintf(error, error_size, "port %u: rte_eth_dev_info_get: %s", port_id,
                 rte_strerror(-status));
        return -1;
    }
    memset(facts, 0, sizeof *facts);
    rte_eth_dev_get_name_by_port(port_id, facts->device);
    snprintf(facts->driver, sizeof facts->driver, "%s", info.driver_name);
    facts->rx_queues = info.nb_rx_queues;
    facts->reta_size = info.reta_size;
    return 0;
}

int rsspp_secondary_block(uint16_t port_id, struct rsspp_block **block, char *error,
                          size_t error_size) {
    char name[RTE_MEMZONE_NAMESIZE];
    snprintf(name, sizeof name, RSSPP_MEMZONE_FORMAT, port_id);
    const struct rte_memzone *zone = rte_memzone_lookup(name);
    if (zone == NULL && primary_alive(error, error_size) != 0)
        return -ESRCH; /* a primary that stops frees its block */
    if (zone == NULL) {
        snprintf(error, error_size,
                 "port %u has no rsspp block (memzone %s): the primary does not count with "
                 "librsspp_dpdk (rsspp_port_create)", port_id, name);
        return -ENOENT;
    }
    char problem[256];
    if (rsspp_block_check(zone->addr, zone->len, problem, sizeof problem) != 0) {
        snprintf(error, error_size, "memzone %s %s", name, problem);
        return -EPROTO;
    }
    if (rsspp_block_live(zone->addr, error, error_size) != 0)
        return -ESRCH;
    *block = zone->addr;
    return 0;
}



const char *rsspp_secondary_dpdk_version(void) {
    return rte_version();
}
