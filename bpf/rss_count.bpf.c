/* rss-count's XDP counter: packets and bytes per RSS bucket (hash mod R) and per rx queue.
 *
 * Every program passes every frame: counting must never change what the stack receives.
 * Counters live in per-CPU arrays and only ever grow; rss-count takes differences, so it never
 * races the datapath by zeroing them.
 *
 * The hash comes either from the NIC, through the rx-hash kfunc (rsspp_rxhash, loaded bound to
 * the device), or from a Toeplitz hash computed here (rsspp_soft) with the device's key and hash
 * fields, parsed by the same rules as Sources/RSSHash/PacketParser.swift. rsspp_pass and
 * rsspp_plain are the baselines the benchmarks measure the others against.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "rss_count.shared.h"

#define EOPNOTSUPP 95
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
/* Deeper stacks than these are not hashed (the verifier needs bounded loops). */
#define VLAN_TAGS_MAX 8
#define IPV6_EXTENSIONS_MAX 8

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* set to R / 64, rounded up, by rss-count */
	__type(key, __u32);
	__type(value, struct rss_counter_slot);
} bucket_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RSS_QUEUES_MAX / RSS_COUNTERS_PER_SLOT);
	__type(key, __u32);
	__type(value, struct rss_counter_slot);
} queue_counters SEC(".maps");

const volatile struct rss_count_constants constants = { .reta_size = 1 };
struct rss_count_state state;

/* Only the name and kind of the enum matter to the kernel's type check of the kfunc. */
enum xdp_rss_hash_type { RSS_HASH_TYPE_UNKNOWN };
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym __weak;

static __always_inline void add(void *counters, __u32 index, __u64 length)
{
	__u32 slot = index / RSS_COUNTERS_PER_SLOT;
	struct rss_counter_slot *counter_slot = bpf_map_lookup_elem(counters, &slot);
	struct rss_counter *counter;

	if (!counter_slot)
		return;
	counter = &counter_slot->counter[index % RSS_COUNTERS_PER_SLOT];
	counter->packets++;
	counter->bytes += length;
}

static __always_inline int count(struct xdp_md *ctx, __u32 hash)
{
	__u32 bucket = constants.reta_mask ? hash & constants.reta_mask : hash % constants.reta_size;
	__u64 length = ctx->data_end - ctx->data;

	add(&bucket_counters, bucket, length);
	add(&queue_counters, ctx->rx_queue_index, length);
	return XDP_PASS;
}

static __always_inline __u16 load16(const __u8 *bytes)
{
	return (__u16)bytes[0] << 8 | bytes[1];
}

/* The Toeplitz hash of `length` bytes fed at input position `position`: one table lookup per byte.
 * The caller has checked that the bytes lie inside the frame. */
static __always_inline __u32 toeplitz(const __u8 *bytes, const int length, __u8 position)
{
	const __u32 *row;
	__u32 hash = 0;

	if (position > RSS_HASH_INPUT_MAX - length)
		return 0; /* RSS_FIELD_UNUSED */
	row = state.toeplitz[position];
#pragma unroll
	for (int i = 0; i < length; i++) {
		/* row + bytes[i] * 4, added in place where clang would copy row first, and the hash
		 * folded in at once rather than the entries kept (and spilled) for later: five
		 * instructions per byte. */
		__u64 entry = bytes[i];

		asm("%[entry] <<= 2\n\t%[entry] += %[row]" : [entry] "+r"(entry) : [row] "r"(row));
		hash ^= *(const __u32 *)(entry + i * sizeof(state.toeplitz[0]));
		asm volatile("" : "+r"(hash));
	}
	return hash;
}

static __always_inline __u32 hash_flow(enum rss_flow_type type, const __u8 *addresses,
				       const int address_length, const __u8 *ports)
{
	struct rss_flow_fields fields = state.fields[type];
	__u32 hash = toeplitz(addresses, address_length, fields.source) ^
		     toeplitz(addresses + address_length, address_length, fields.destination);

	if (ports)
		hash ^= toeplitz(ports, 2, fields.source_port) ^ toeplitz(ports + 2, 2, fields.destination_port);
	return hash;
}

static __always_inline enum rss_flow_type l4_flow_type(__u8 protocol, enum rss_flow_type first)
{
	switch (protocol) {
	case 6: return first;          /* TCP */
	case 17: return first + 1;     /* UDP */
	case 132: return first + 2;    /* SCTP */
	default: return first + 3;     /* addresses only */
	}
}

/* A packet too short to hold its ports still hashes on its addresses, as NICs do. */
static __always_inline __u32 hash_with_ports(enum rss_flow_type type, enum rss_flow_type addresses_only,
					     const __u8 *addresses, const int address_length,
					     const __u8 *ports, const __u8 *end)
{
	if (type == addresses_only || ports + 4 > end)
		return hash_flow(addresses_only, addresses, address_length, 0);
	return hash_flow(type, addresses, address_length, ports);
}

static __always_inline __u32 hash_ipv4(const __u8 *ip, const __u8 *end)
{
	__u32 header_length;

	if (ip + 20 > end || ip[0] >> 4 != 4)
		return 0;
	header_length = (ip[0] & 0x0f) * 4;
	if (header_length < 20 || ip + header_length > end)
		return 0;
	/* A fragment (more-fragments flag or a non-zero offset) hashes on its addresses alone. */
	if (load16(ip + 6) & 0x3fff)
		return hash_flow(RSS_FLOW_IP4, ip + 12, 4, 0);
	return hash_with_ports(l4_flow_type(ip[9], RSS_FLOW_TCP4), RSS_FLOW_IP4, ip + 12, 4,
			       ip + header_length, end);
}

static __always_inline __u32 hash_ipv6(const __u8 *ip, const __u8 *end)
{
	const __u8 *header = ip + 40;
	__u8 next;

	if (ip + 40 > end || ip[0] >> 4 != 6)
		return 0;
	next = ip[6];
	/* Hop-by-hop, routing and destination options precede the L4 header; a fragment header
	 * (44) makes the packet hash on its addresses alone. */
#pragma unroll
	for (int i = 0; i < IPV6_EXTENSIONS_MAX; i++) {
		if (next != 0 && next != 43 && next != 60)
			break;
		if (header + 8 > end)
			return hash_flow(RSS_FLOW_IP6, ip + 8, 16, 0);
		next = header[0];
		header += (header[1] + 1) * 8;
	}
	return hash_with_ports(l4_flow_type(next, RSS_FLOW_TCP6), RSS_FLOW_IP6, ip + 8, 16, header, end);
}

/* The hash the NIC computes; 0 for frames RSS does not hash (non-IP, truncated headers). */
static __always_inline __u32 soft_hash(const struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	const __u8 *type_field = data + 12;
	__u16 ether_type;

	if (type_field + 2 > end)
		return 0;
	ether_type = load16(type_field);
#pragma unroll
	for (int i = 0; i < VLAN_TAGS_MAX; i++) {
		if (ether_type != ETHERTYPE_VLAN && ether_type != ETHERTYPE_QINQ)
			break;
		type_field += 4;
		if (type_field + 2 > end)
			return 0;
		ether_type = load16(type_field);
	}
	if (ether_type == ETHERTYPE_IPV4)
		return hash_ipv4(type_field + 2, end);
	if (ether_type == ETHERTYPE_IPV6)
		return hash_ipv6(type_field + 2, end);
	return 0;
}

SEC("xdp")
int rsspp_soft(struct xdp_md *ctx)
{
	return count(ctx, soft_hash(ctx));
}

SEC("xdp")
int rsspp_rxhash(struct xdp_md *ctx)
{
	enum xdp_rss_hash_type type;
	__u32 hash = 0;
	int error = bpf_xdp_metadata_rx_hash(ctx, &hash, &type);

	if (error == -EOPNOTSUPP)
		state.rxhash_unsupported = 1;
	return count(ctx, error ? 0 : hash);
}

SEC("xdp")
int rsspp_plain(struct xdp_md *ctx)
{
	return count(ctx, 0);
}

SEC("xdp")
int rsspp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
