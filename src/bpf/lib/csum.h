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

/* Sum of len bytes at off (host-order 16-bit words, as csum_partial). */
static __always_inline int csum_bytes(struct xdp_md *ctx, __u32 off, __u32 len,
				      __u64 *sum)
{
	__u32 done = 0;
	__u8 *b;

#pragma unroll
	for (int i = 0; i < CSUM_MAX_L4 / 512; i++) {
		if (len - done < 512)
			break;
		b = PTR_AT(ctx, (off + done) & 0x3fff, 512);
		if (!b)
			return -1;
		*sum += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)b, 512, 0);
		done += 512;
	}
#pragma unroll
	for (__u32 chunk = 256; chunk >= 4; chunk /= 2) {
		if (len - done < chunk)
			continue;
		b = PTR_AT(ctx, (off + done) & 0x3fff, chunk);
		if (!b)
			return -1;
		*sum += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)b, chunk, 0);
		done += chunk;
	}
	if (len - done >= 2) {
		b = PTR_AT(ctx, (off + done) & 0x3fff, 2);
		if (!b)
			return -1;
		*sum += *(__u16 *)b;
		done += 2;
	}
	if (len - done == 1) {
		b = PTR_AT(ctx, (off + done) & 0x3fff, 1);
		if (!b)
			return -1;
		*sum += *b; /* padded with a zero byte (little endian) */
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
 * A global function: the verifier checks it once, on its own, instead of
 * once per path that reaches it (its unrolled sum multiplies them).
 */
__attribute__((noinline)) int l4_csum_check(struct xdp_md *ctx, __u32 l3_proto)
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
