/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the transport checksum check of ingresses whose peer
 * is a local stack (veth): such a peer hands over TCP/UDP packets with the
 * checksum left to offload (CHECKSUM_PARTIAL). Linux keeps that state in
 * the skb when it forwards; an XDP redirect cannot, and the packet would
 * leave with a wrong checksum. So the fast path carries only packets whose
 * checksum is complete and right; the others go to Linux, which forwards
 * them as they are, whatever their state.
 */
#ifndef TNA_BPF_CSUM_H
#define TNA_BPF_CSUM_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include "parse.h"

#define CSUM_MAX_L4 4096 /* longer: Linux (jumbo frames from a local peer) */
#define IPPROTO_NONE6 59

static __always_inline __u32 csum_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u32)((s & 0xffff) + (s >> 16));
}

#define CSUM_CHUNK 512 /* the most bpf_csum_diff() sums in one call */

/*
 * Sum of len bytes at off (host-order 16-bit words, as csum_partial). The
 * segment is copied out with one bpf_xdp_load_bytes() and summed in
 * chunks whose size is not a constant: the verifier walks each chunk once
 * instead of once per possible length (an unrolled sum over packet
 * pointers cost it about 190,000 instructions and 180 ms per load).
 */
static __always_inline int csum_bytes(struct xdp_md *ctx, __u32 off, __u32 len,
				      __u64 *sum)
{
	/* 64-bit, so the bounds checked are on the register passed on */
	__u64 n = len, padded;
	__u32 zero = 0;
	struct csum_buf *c = bpf_map_lookup_elem(&csum_scratch, &zero);

	if (!c)
		return -1;
	barrier_var(n);
	if (n > CSUM_MAX_L4)
		return -1;
	if (!n)
		return 0;
	if (bpf_xdp_load_bytes(ctx, off, c->b, n))
		return -1; /* shorter than its headers say */
	/* Summed as 32-bit words: zeroes after the last byte. */
	c->b[n] = 0;
	c->b[n + 1] = 0;
	c->b[n + 2] = 0;
	padded = (n + 3) & ~3ull;
#pragma unroll
	for (int i = 0; i < CSUM_MAX_L4 / CSUM_CHUNK; i++) {
		if (padded <= i * CSUM_CHUNK)
			break;
		n = padded - i * CSUM_CHUNK;
		if (n > CSUM_CHUNK)
			n = CSUM_CHUNK;
		*sum += (__u32)bpf_csum_diff(
			NULL, 0, (__be32 *)&c->b[i * CSUM_CHUNK], n, 0);
	}
	return 0;
}

static __always_inline int l4_csum_ok(struct xdp_md *ctx, __u32 l4_off,
				      __u32 l4_len, __u8 proto, __u64 sum)
{
	if (l4_len > CSUM_MAX_L4)
		return 0;
	sum += bpf_htons(proto) + bpf_htons((__u16)l4_len);
	if (csum_bytes(ctx, l4_off, l4_len, &sum))
		return 0;
	return csum_fold32(sum) == 0xffff;
}

static __always_inline __u64 addr_sum(const __u32 *a, int words)
{
	__u64 s = 0;

#pragma unroll
	for (int i = 0; i < 4; i++)
		if (i < words)
			s += a[i];
	return s;
}

/*
 * 0: nothing to fear (complete and right, or no transport checksum).
 * Inlined: a call costs a return, which this machine's speculation
 * mitigations make dear (about a tenth of a routed packet's program time);
 * with the copy and bpf_csum_diff() it adds few verifier paths.
 */
static __always_inline int l4_csum_check(struct xdp_md *ctx, __u32 l3_proto)
{
	if (l3_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
		__u32 hl, tot;
		__u64 sum;

		if (!iph)
			return -TNA_STAT_MALFORMED;
		if (iph->frag_off & bpf_htons(0x3fff))
			return 0; /* fragmented after a software checksum */
		if (iph->protocol != IPPROTO_TCP &&
		    iph->protocol != IPPROTO_UDP)
			return iph->protocol == IPPROTO_SCTP ||
					       iph->protocol ==
						       IPPROTO_UDPLITE ?
				       -TNA_STAT_L4_CSUM :
				       0;
		hl = iph->ihl * 4;
		tot = bpf_ntohs(iph->tot_len);
		if (hl < sizeof(*iph) || tot < hl)
			return -TNA_STAT_MALFORMED;
		if (iph->protocol == IPPROTO_UDP) {
			struct udphdr *uh =
				PTR_AT(ctx, (L3_OFF + hl) & 0x7f, sizeof(*uh));

			if (!uh)
				return -TNA_STAT_MALFORMED;
			if (!uh->check)
				return 0; /* IPv4 UDP without checksum */
		}
		sum = addr_sum(&iph->saddr, 1) + addr_sum(&iph->daddr, 1);
		sum = (sum & 0xffff) + (sum >> 16);
		return l4_csum_ok(ctx, (L3_OFF + hl) & 0x7f, tot - hl,
				  iph->protocol, sum) ?
			       0 :
			       -TNA_STAT_L4_CSUM;
	}
	if (l3_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));
		__u64 sum;

		if (!ip6h)
			return -TNA_STAT_MALFORMED;
		if (ip6h->nexthdr == IPPROTO_ICMPV6 ||
		    ip6h->nexthdr == IPPROTO_NONE6)
			return 0;
		if (ip6h->nexthdr != IPPROTO_TCP &&
		    ip6h->nexthdr != IPPROTO_UDP)
			return -TNA_STAT_L4_CSUM; /* not seen through */
		sum = addr_sum((__u32 *)&ip6h->saddr, 4) +
		      addr_sum((__u32 *)&ip6h->daddr, 4);
		return l4_csum_ok(ctx, L3_OFF + sizeof(*ip6h),
				  bpf_ntohs(ip6h->payload_len), ip6h->nexthdr,
				  sum) ?
			       0 :
			       -TNA_STAT_L4_CSUM;
	}
	return 0;
}

#endif /* TNA_BPF_CSUM_H */
