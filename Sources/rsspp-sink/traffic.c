/* Generated traffic (--generate-flows): the dispatcher makes its packets instead of receiving
 * them, so that every flow's sequence numbers are known and continuous for the whole run. */
#include <math.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "sink.h"

/* "RSPQ": tells a generated packet's payload from anything else a port might deliver. */
#define TRAFFIC_MAGIC 0x51505352u
#define TRAFFIC_DESTINATION_PORT 4789
#define TRAFFIC_FRAME_SIZE 60 /* the shortest Ethernet frame without FCS */

struct traffic_payload {
    uint32_t magic;
    uint32_t flow;
    uint64_t sequence;
} __rte_packed;

struct traffic_frame {
    struct rte_ether_hdr ethernet;
    struct rte_ipv4_hdr ip;
    struct rte_udp_hdr udp;
    struct traffic_payload payload;
} __rte_packed;

int traffic_init(struct traffic *traffic, uint32_t flows, double skew) {
    memset(traffic, 0, sizeof *traffic);
    traffic->flows = flows;
    traffic->random = 0x9e3779b97f4a7c15ull;
    traffic->sent = rte_zmalloc("sink_traffic_sent", flows * sizeof(uint64_t), 0);
    traffic->cumulative = rte_malloc("sink_traffic_shares", flows * sizeof(double), 0);
    if (traffic->sent == NULL || traffic->cumulative == NULL) {
        traffic_free(traffic);
        return -1;
    }
    /* Zipf: flow k's share is proportional to 1 / (k + 1)^skew. */
    double total = 0;
    for (uint32_t k = 0; k < flows; k++)
        traffic->cumulative[k] = total += pow(k + 1, -skew);
    for (uint32_t k = 0; k < flows; k++)
        traffic->cumulative[k] /= total;
    return 0;
}

void traffic_free(struct traffic *traffic) {
    rte_free(traffic->sent);
    rte_free(traffic->cumulative);
    traffic->sent = NULL;
    traffic->cumulative = NULL;
}

static uint32_t draw_flow(struct traffic *traffic) {
    /* xorshift64*: cheap, and the same traffic every run. */
    traffic->random ^= traffic->random >> 12;
    traffic->random ^= traffic->random << 25;
    traffic->random ^= traffic->random >> 27;
    double u = (double)((traffic->random * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
    uint32_t low = 0, high = traffic->flows - 1;
    while (low < high) {
        uint32_t middle = (low + high) / 2;
        if (traffic->cumulative[middle] > u)
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

/* Flow k: UDP from 10.0.0.0 + k (distinct for up to 2^24 flows) to 192.168.0.1:4789. */
static void write_frame(struct traffic_frame *frame, uint32_t flow, uint64_t sequence) {
    memset(frame, 0, TRAFFIC_FRAME_SIZE);
    static const struct rte_ether_addr destination = {{0x02, 0, 0, 0, 0, 0x01}};
    static const struct rte_ether_addr source = {{0x02, 0, 0, 0, 0, 0x02}};
    frame->ethernet.dst_addr = destination;
    frame->ethernet.src_addr = source;
    frame->ethernet.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    frame->ip.version_ihl = RTE_IPV4_VHL_DEF;
    frame->ip.total_length = rte_cpu_to_be_16(sizeof frame->ip + sizeof frame->udp + sizeof frame->payload);
    frame->ip.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    frame->ip.time_to_live = 64;
    frame->ip.next_proto_id = IPPROTO_UDP;
    frame->ip.src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + flow);
    frame->ip.dst_addr = rte_cpu_to_be_32(RTE_IPV4(192, 168, 0, 1));
    frame->ip.hdr_checksum = rte_ipv4_cksum(&frame->ip);
    frame->udp.src_port = rte_cpu_to_be_16((uint16_t)(10000 + (flow & 0x3fff)));
    frame->udp.dst_port = rte_cpu_to_be_16(TRAFFIC_DESTINATION_PORT);
    frame->udp.dgram_len = rte_cpu_to_be_16(sizeof frame->udp + sizeof frame->payload);
    frame->payload.magic = TRAFFIC_MAGIC;
    frame->payload.flow = flow;
    frame->payload.sequence = sequence;
}

void traffic_make(struct traffic *traffic, struct rte_mbuf **packets, uint16_t count) {
    RTE_BUILD_BUG_ON(sizeof(struct traffic_frame) > TRAFFIC_FRAME_SIZE);
    for (uint16_t i = 0; i < count; i++) {
        uint32_t flow = draw_flow(traffic);
        struct traffic_frame *frame = (struct traffic_frame *)rte_pktmbuf_append(packets[i], TRAFFIC_FRAME_SIZE);
        write_frame(frame, flow, traffic->sent[flow]++);
    }
}

int traffic_sequence(const struct rte_mbuf *packet, uint64_t *sequence) {
    if (rte_pktmbuf_data_len(packet) < sizeof(struct traffic_frame))
        return -1;
    const struct traffic_frame *frame = rte_pktmbuf_mtod(packet, const struct traffic_frame *);
    if (frame->ethernet.ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)
        || frame->ip.next_proto_id != IPPROTO_UDP || frame->payload.magic != TRAFFIC_MAGIC)
        return -1;
    *sequence = frame->payload.sequence;
    return 0;
}

int64_t traffic_flow_index(const struct traffic *traffic, const struct flow *flow) {
    if (flow->key_length < 4)
        return -1;
    uint32_t source = (uint32_t)flow->key[0] << 24 | (uint32_t)flow->key[1] << 16
        | (uint32_t)flow->key[2] << 8 | flow->key[3];
    uint32_t index = source - RTE_IPV4(10, 0, 0, 0);
    return index < traffic->flows ? index : -1;
}
