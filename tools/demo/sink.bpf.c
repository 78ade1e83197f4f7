// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic sink for the demo and benchmarks: counts UDP packets to the
 * discard port in a per-CPU counter (no socket cost); everything else
 * (ARP, ND) continues to Linux so neighbours resolve. Two modes:
 *   drop (loop_on 0): count in SINK_DROPPED and drop;
 *   loop (loop_on 1): count in SINK_LOOPED, write the template frame back
 *     over the packet (the MACs, TTL and checksum the device under test
 *     changed) and redirect it through loop_to into the generator's veth,
 *     so it enters the DUT's ingress again: a closed loop of frames seeded
 *     once. Past deadline_ns (CLOCK_MONOTONIC) it drops instead, so a loop
 *     never outlives the run that started it, even if that run is killed
 *     and its link survives. With flows > 1 (IPv4), each looped frame
 *     becomes the next of that many flows: the UDP source port rotates
 *     over SINK_PORTS from SINK_SPORT_BASE, then the source address's
 *     low bits count on (checksums updated as RFC 1624 says).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "sink.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

/* The generator's veth (written from the generator's namespace). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} loop_to SEC(".maps");

__u32 loop_on = 0;
__u64 deadline_ns = 0;
__u64 template[SINK_FRAME_WORDS] = {};
__u32 flows = 0;

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&sink_count, &which);

	if (c)
		(*c)++;
}

/* RFC 1624: the checksum after a 16-bit word changed from o to n. */
static __always_inline __u16 csum_repl(__u16 check, __u16 o, __u16 n)
{
	__u32 s = (__u16)~check + (__u16)~o + n;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* The template (64 bytes at data, IPv4 without options) as flow f. */
static __always_inline void next_flow(void *data)
{
	struct iphdr *iph = data + sizeof(struct ethhdr);
	struct udphdr *uh = (void *)(iph + 1);
	__u32 seq = SINK_SEQ, f;
	__u64 *c = bpf_map_lookup_elem(&sink_count, &seq);
	__u16 o, n, *sa = (__u16 *)&iph->saddr + 1;

	if (!c)
		return;
	f = (__u32)((*c)++ % flows);
	o = uh->source;
	n = bpf_htons(SINK_SPORT_BASE + f % SINK_PORTS);
	uh->source = n;
	if (uh->check)
		uh->check = csum_repl(uh->check, o, n) ?: 0xffff;
	if (f < SINK_PORTS)
		return;
	o = *sa;
	n = bpf_htons(bpf_ntohs(o) + f / SINK_PORTS);
	*sa = n;
	iph->check = csum_repl(iph->check, o, n);
	if (uh->check)
		uh->check = csum_repl(uh->check, o, n) ?: 0xffff;
}

SEC("xdp")
int sink_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u64 *d = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > end || iph->protocol != IPPROTO_UDP ||
		    iph->ihl != 5)
			return XDP_PASS;
		udp = (void *)(iph + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > end || ip6h->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)(ip6h + 1);
	} else {
		return XDP_PASS;
	}
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(SINK_PORT))
		return XDP_PASS;
	if (!loop_on || bpf_ktime_get_ns() > deadline_ns) {
		count(SINK_DROPPED);
		return XDP_DROP;
	}
	if ((void *)(d + SINK_FRAME_WORDS) > end ||
	    end - data != SINK_FRAME_WORDS * 8) {
		count(SINK_MALFORMED); /* not the template's length: lost */
		return XDP_DROP;
	}
#pragma unroll
	for (int i = 0; i < SINK_FRAME_WORDS; i++)
		d[i] = template[i];
	if (flows > 1 && eth->h_proto == bpf_htons(ETH_P_IP))
		next_flow(data);
	count(SINK_LOOPED);
	return bpf_redirect_map(&loop_to, 0, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
