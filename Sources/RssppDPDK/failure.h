/* Private to the library: failures record a message for rsspp_error(). */
#ifndef RSSPP_FAILURE_H
#define RSSPP_FAILURE_H

/* Records the calling thread's message and rte_errno (-error); returns `error`, a negative
 * errno. */
int rsspp_fail(int error, const char *format, ...) __attribute__((format(printf, 2, 3)));

#define fail_null(...) (rsspp_fail(__VA_ARGS__), NULL)

#endif
