/* Private to the owner library. */
#ifndef RSSPP_OWNER_INTERNAL_H
#define RSSPP_OWNER_INTERNAL_H

#include "rsspp_owner.h"

/* Records the calling thread's message for rsspp_owner_error(). */
void owner_set_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
