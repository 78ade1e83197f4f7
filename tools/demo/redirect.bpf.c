// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark references for the demo's "bare" and "fib" phases:
 *   redirect_xdp: every frame to one device through a devmap, no parsing,
 *     no lookup, no rewrite: the practical limit of an XDP forwarder here;
 *   fib_xdp: what a minimal XDP router does (the kernel's xdp_fwd sample):
 *     IPv4 with TTL > 1, bpf_fib_lookup(), TTL and checksum, MACs, redirect;
 *     no checks beyond that (no martians, options, checksums, firewall).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

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

SEC("xdp")
int fib_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct bpf_fib_lookup fib = {};
	__u32 check;

	if ((void *)(iph + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    iph->ttl <= 1)
		return XDP_PASS;
	fib.family = 2; /* AF_INET */
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = bpf_ntohs(iph->tot_len);
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = ctx->ingress_ifindex;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	check = iph->check;
	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xFFFF));
	iph->ttl--;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect_map(&out, 0, XDP_PASS); /* the demo's one egress */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
