// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic generator for the demo and benchmarks, run with BPF_PROG_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES: every run writes the whole prepared frame
 * (live frames recycle pages that still hold a router's edits) and sends
 * it out of the generator's interface with XDP_TX.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define GEN_FRAME_WORDS 8 /* 64 bytes */

__u64 gen_frame[GEN_FRAME_WORDS] = {};

SEC("xdp")
int trafgen_xdp(struct xdp_md *ctx)
{
	__u64 *d = (void *)(long)ctx->data;

	if ((void *)(d + GEN_FRAME_WORDS) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
#pragma unroll
	for (int i = 0; i < GEN_FRAME_WORDS; i++)
		d[i] = gen_frame[i];
	return XDP_TX;
}

/* The harmless run that probes for live frames: nothing is sent. */
SEC("xdp")
int probe_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
