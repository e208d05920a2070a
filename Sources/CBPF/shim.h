/* libbpf for Swift, and the layouts the XDP counter shares with user space. */

/* libpcap (CPcap, visible in the same Swift modules) defines its own struct bpf_program and
 * struct bpf_insn (classic BPF); libbpf's are renamed here so both can be imported together. */
#define bpf_program libbpf_program
#define bpf_insn libbpf_insn
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <linux/if_link.h>
#undef bpf_program
#undef bpf_insn
#include "../../bpf/rss_count.shared.h"

/* Device-bound XDP programs (Linux 6.3); Debian 12's uapi headers predate it. */
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

/* Where the Toeplitz table starts in the program's .bss, which Swift fills byte by byte. */
#include <stddef.h>
static inline size_t rsspp_state_toeplitz_offset(void)
{
	return offsetof(struct rss_count_state, toeplitz);
}
static inline size_t rsspp_state_unsupported_offset(void)
{
	return offsetof(struct rss_count_state, rxhash_unsupported);
}
