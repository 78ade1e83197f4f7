/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the transport checksum check of ingresses whose peer
 * is a local stack (veth): such a peer hands over TCP/UDP packets with the
 * checksum left to offload (CHECKSUM_PARTIAL): the field holds the
 * pseudo-header sum, and whoever transmits it last (the NIC, or
 * skb_checksum_help()) sums the segment from the transport header on and
 * writes the result there. Linux keeps that state in the skb when it
 * forwards; an XDP redirect cannot. So the fast path carries packets whose
 * checksum is complete and right as they are, and packets whose field
 * holds exactly the pseudo-header sum with the checksum completed as
 * skb_checksum_help() would complete it (a zero result written as
 * 0xffff), once the packet is decided (csum_fix_apply()). Anything else
 * goes to Linux, which forwards it as it is.
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

/* A transport checksum to complete once the packet is decided (off 0: none). */
struct csum_fix {
	__u32 off;
	__u16 val;
};

/* 0: complete and right, or left to offload (fix says how to complete it). */
static __always_inline int l4_csum_ok(struct xdp_md *ctx, __u32 l4_off,
				      __u32 l4_len, __u8 proto, __u64 pseudo,
				      struct csum_fix *fix)
{
	__u32 zero = 0, field = proto == IPPROTO_TCP ? 16 : 6;
	struct csum_buf *c;
	__u64 seg = 0;
	__u16 v;

	if (l4_len > CSUM_MAX_L4 || l4_len < field + 2)
		return -TNA_STAT_L4_CSUM;
	pseudo += bpf_htons(proto) + bpf_htons((__u16)l4_len);
	if (csum_bytes(ctx, l4_off, l4_len, &seg))
		return -TNA_STAT_L4_CSUM;
	if (csum_fold32(pseudo + seg) == 0xffff)
		return 0;
	/* csum_bytes() left the segment in the scratch buffer */
	c = bpf_map_lookup_elem(&csum_scratch, &zero);
	if (!c || *(__u16 *)&c->b[field] != (__u16)csum_fold32(pseudo))
		return -TNA_STAT_L4_CSUM;
	v = (__u16)~csum_fold32(seg);
	fix->off = l4_off + field;
	fix->val = v ? v : 0xffff;
	return 0;
}

/* Writes the completed checksum l4_csum_check() found; after the decision. */
static __always_inline int csum_fix_apply(struct xdp_md *ctx,
					  const struct csum_fix *fix)
{
	if (!fix->off)
		return 0;
	return bpf_xdp_store_bytes(ctx, fix->off, (void *)&fix->val, 2) ?
		       -TNA_STAT_MALFORMED :
		       0;
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
 * 0: nothing to fear (complete and right, no transport checksum, or left
 * to offload and completed through fix once the packet is decided).
 * Inlined: a call costs a return, which this machine's speculation
 * mitigations make dear (about a tenth of a routed packet's program time);
 * with the copy and bpf_csum_diff() it adds few verifier paths.
 */
static __always_inline int l4_csum_check(struct xdp_md *ctx, __u32 l3_proto,
					 struct csum_fix *fix)
{
	if (l3_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
		__u32 hl, tot;
		__u64 sum;

		if (!iph || iph->version != 4)
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
				  iph->protocol, sum, fix);
	}
	if (l3_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));
		__u64 sum;

		if (!ip6h || ip6h->version != 6)
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
				  sum, fix);
	}
	return 0;
}

#endif /* TNA_BPF_CSUM_H */
