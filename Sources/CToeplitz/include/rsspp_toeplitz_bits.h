/* The Toeplitz hash, bit by bit, once for the C libraries: RssppDPDK builds its lookup tables
 * from it and RssppOwner's rsspp_toeplitz() hashes with it. Internal: installed nowhere, both
 * libraries compile it in (static inline). The Swift tools have their own, RSSHash.Toeplitz,
 * and the tests check the two agree. */
#ifndef RSSPP_TOEPLITZ_BITS_H
#define RSSPP_TOEPLITZ_BITS_H

#include <stdint.h>

/* The 32 key bits starting at bit `offset`, most significant first; zeros past the key. */
static inline uint32_t rsspp_toeplitz_window(const uint8_t *key, uint32_t key_size, uint32_t offset) {
    uint64_t bits = 0;
    uint32_t first = offset / 8;
    for (uint32_t i = 0; i < 5; i++)
        bits = bits << 8 | (first + i < key_size ? key[first + i] : 0);
    return (uint32_t)(bits >> (8 - offset % 8));
}

/* What the input byte `value` at `position` adds (XOR) to the hash. */
static inline uint32_t rsspp_toeplitz_byte(const uint8_t *key, uint32_t key_size, uint32_t position,
                                           uint8_t value) {
    uint32_t acc = 0;
    for (uint32_t bit = 0; bit < 8; bit++)
        if (value & (0x80u >> bit))
            acc ^= rsspp_toeplitz_window(key, key_size, position * 8 + bit);
    return acc;
}

#endif
