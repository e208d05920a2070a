/* Software RSS: the hash input of a frame and a table-driven Toeplitz hash. Mirrors
 * Sources/RSSHash (parseFlow, RSSHasher with HashConfiguration.standard); the tests check
 * the two agree packet by packet. */
#include <string.h>

#include "rsspp_dpdk.h"
#include "rsspp_toeplitz_bits.h"

const uint8_t rsspp_default_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint16_t read16(const uint8_t *bytes) {
    return (uint16_t)(bytes[0] << 8 | bytes[1]);
}

/* Appends the ports of an L4 header at `l4` when the packet holds them; a packet too short
 * for its ports hashes on its addresses, as NICs do. */
static uint32_t with_ports(const uint8_t *packet, uint32_t length, uint32_t l4,
                           uint8_t *input, uint32_t used) {
    if (length < l4 + 4)
        return used;
    memcpy(input + used, packet + l4, 4);
    return used + 4;
}

static int hashes_ports(uint8_t protocol) {
    return protocol == 6 || protocol == 17; /* TCP, UDP; SCTP hashes addresses only */
}

static uint32_t ipv4_input(const uint8_t *ip, uint32_t length, uint8_t *input) {
    if (length < 20 || ip[0] >> 4 != 4)
        return 0;
    uint32_t header = (uint32_t)(ip[0] & 0x0f) * 4;
    if (header < 20 || length < header)
        return 0;
    memcpy(input, ip + 12, 8);
    int fragment = (read16(ip + 6) & 0x3fff) != 0;
    if (fragment || !hashes_ports(ip[9]))
        return 8;
    return with_ports(ip, length, header, input, 8);
}

static uint32_t ipv6_input(const uint8_t *ip, uint32_t length, uint8_t *input) {
    if (length < 40 || ip[0] >> 4 != 6)
        return 0;
    memcpy(input, ip + 8, 32);
    uint8_t next = ip[6];
    uint32_t offset = 40;
    /* Hop-by-hop, routing and destination options precede the L4 header; a fragment
     * header (44) leaves the packet hashed on its addresses. */
    while (next == 0 || next == 43 || next == 60) {
        if (length < offset + 8)
            return 32;
        next = ip[offset];
        offset += ((uint32_t)ip[offset + 1] + 1) * 8;
    }
    if (!hashes_ports(next))
        return 32;
    return with_ports(ip, length, offset, input, 32);
}

uint32_t rsspp_hash_input(const void *frame, uint32_t length,
                          uint8_t input[RSSPP_HASH_INPUT_MAX]) {
    const uint8_t *bytes = frame;
    uint32_t offset = 12;
    if (length < offset + 2)
        return 0;
    uint16_t type = read16(bytes + offset);
    offset += 2;
    while (type == 0x8100 || type == 0x88a8) {
        if (length < offset + 4)
            return 0;
        type = read16(bytes + offset + 2);
        offset += 4;
    }
    switch (type) {
    case 0x0800: return ipv4_input(bytes + offset, length - offset, input);
    case 0x86dd: return ipv6_input(bytes + offset, length - offset, input);
    default: return 0;
    }
}

int rsspp_toeplitz_init(struct rsspp_toeplitz *toeplitz, const uint8_t *key, uint32_t key_size) {
    if (key_size < RSSPP_KEY_MIN)
        return -1;
    for (uint32_t position = 0; position < RSSPP_HASH_INPUT_MAX; position++)
        for (uint32_t value = 0; value < 256; value++)
            toeplitz->table[position][value] = rsspp_toeplitz_byte(key, key_size, position, (uint8_t)value);
    return 0;
}

uint32_t rsspp_toeplitz_hash(const struct rsspp_toeplitz *toeplitz, const uint8_t *input,
                             uint32_t length) {
    uint32_t acc = 0;
    for (uint32_t i = 0; i < length; i++)
        acc ^= toeplitz->table[i][input[i]];
    return acc;
}
