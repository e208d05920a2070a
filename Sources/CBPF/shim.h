/* libbpf for Swift, and the layouts the XDP counter shares with user space. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <linux/if_link.h>
#include "../../bpf/rss_count.shared.h"

/* Device-bound XDP programs (Linux 6.3); Debian 12's uapi headers predate it. */
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif
