/* Another user's XDP program for the tests: passes every frame. Built with BTF (-g), which
 * libxdp needs to run it in its dispatcher. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
