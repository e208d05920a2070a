/* Private to the owner library. */
#ifndef RSSPP_OWNER_INTERNAL_H
#define RSSPP_OWNER_INTERNAL_H

#include <time.h>

#include "rsspp_owner.h"

static inline uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Records the calling thread's message for rsspp_owner_error(). */
void owner_set_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
