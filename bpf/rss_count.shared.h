/* Layouts shared by the XDP counter (rss_count.bpf.c) and rss-count, which reads and fills them. */
#ifndef RSS_COUNT_SHARED_H
#define RSS_COUNT_SHARED_H

#include <linux/types.h>

/* Longest hash input: IPv6 source and destination addresses and both ports. */
#define RSS_HASH_INPUT_MAX 36
/* Queues beyond this are counted per bucket only. */
#define RSS_QUEUES_MAX 256
/* Counters per array element: reading the maps costs per element, so they come in groups. */
#define RSS_COUNTERS_PER_SLOT 64
/* A field the flow type does not hash. */
#define RSS_FIELD_UNUSED 0xff

/* Flow types, in the order of RSSHash's FlowType. */
enum rss_flow_type {
	RSS_FLOW_TCP4, RSS_FLOW_UDP4, RSS_FLOW_SCTP4, RSS_FLOW_IP4,
	RSS_FLOW_TCP6, RSS_FLOW_UDP6, RSS_FLOW_SCTP6, RSS_FLOW_IP6,
	RSS_FLOW_TYPES
};

/* Per bucket and per rx queue; per CPU, only ever incremented. */
struct rss_counter {
	__u64 packets;
	__u64 bytes;
};

/* One element of the counter arrays: counters n * 64 to n * 64 + 63. */
struct rss_counter_slot {
	struct rss_counter counter[RSS_COUNTERS_PER_SLOT];
};

/* Where each header field starts in the hash input, or RSS_FIELD_UNUSED. */
struct rss_flow_fields {
	__u8 source;
	__u8 destination;
	__u8 source_port;
	__u8 destination_port;
};

/* Fixed at load time (.rodata): the verifier prunes the branch not taken. */
struct rss_count_constants {
	__u32 reta_size;
	/* reta_size - 1 when reta_size is a power of two, else 0. */
	__u32 reta_mask;
};

/* Changeable while attached (.bss): the device's hash fields and key, and what the program saw. */
struct rss_count_state {
	struct rss_flow_fields fields[RSS_FLOW_TYPES];
	/* Set once the rx-hash kfunc answered EOPNOTSUPP: the driver cannot report its hash. */
	__u32 rxhash_unsupported;
	__u32 padding;
	/* toeplitz[i][b]: the Toeplitz hash of byte value b at input position i. */
	__u32 toeplitz[RSS_HASH_INPUT_MAX][256];
};

#endif
