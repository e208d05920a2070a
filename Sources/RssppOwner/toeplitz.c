/* rsspp_toeplitz: the hash the DPDK library's tables are built from (rsspp_toeplitz_bits.h),
 * bit by bit, for applications that hash a few tuples rather than every packet. */
#include "rsspp_owner.h"
#include "rsspp_toeplitz_bits.h"

uint32_t rsspp_toeplitz(const uint8_t *key, uint32_t key_size, const uint8_t *input, uint32_t length) {
    uint32_t hash = 0;
    for (uint32_t position = 0; position < length; position++)
        hash ^= rsspp_toeplitz_byte(key, key_size, position, input[position]);
    return hash;
}
