// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark reference: redirect every frame to one device through a
 * devmap, no parsing, no lookup, no rewrite. What the demo's "bare" phase
 * measures is the practical limit of an XDP forwarder on this platform.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} out SEC(".maps");

SEC("xdp")
int redirect_xdp(struct xdp_md *ctx)
{
	return bpf_redirect_map(&out, 0, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
