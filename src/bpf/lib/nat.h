/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains NAT as Linux does it for established connections,
 * for routed IPv4: the nat chains run for a connection's first packet
 * only (Linux's), and the mapping they chose is recorded in the conntrack
 * entry; every later packet is changed so that it matches the other
 * direction's tuple, reversed. While a nat chain exists (TNA_RT_NAT4) the
 * fast path carries a TCP/UDP packet only when conntrack knows its
 * connection as established (ct_established()), and changes it as the
 * entry says: the destination before the route (prerouting), the source
 * after the TTL (postrouting), each with Linux's own checksum arithmetic
 * (csum_replace4(), inet_proto_csum_replace4/2()) so the bytes are the
 * same. A masqueraded connection whose route now leaves by another device
 * (Linux drops its packets, nf_nat_oif_changed()) is noticed by asking the
 * FIB for the source it would pick: any other source goes to Linux.
 */
#ifndef TNA_BPF_NAT_H
#define TNA_BPF_NAT_H

#include "fw.h"

#define TNA_FIB_LOOKUP_SRC (1U << 4) /* BPF_FIB_LOOKUP_SRC, Linux 6.7 */

/*
 * What conntrack makes of this packet (without TNA_NAT_DST or TNA_NAT_SRC
 * nothing changes), from this CPU's copy when it asked within this clock
 * tick. 0, or a reason.
 */
static __always_inline int nat4_lookup(struct xdp_md *ctx,
				       const struct iphdr *iph,
				       const struct tna_runtime *rt,
				       struct tna_nat_val *x)
{
	struct tna_fw_key k = { .family = AF_INET, .proto = iph->protocol };
	struct tna_nat_key nk = { .iif = L3_IFINDEX, .proto = iph->protocol };
	struct tna_nat_ent *e;
	__u32 slot;
	__u64 now;
	int rc;

	k.saddr[0] = nk.saddr = iph->saddr;
	k.daddr[0] = nk.daddr = iph->daddr;
	/* Not TCP/UDP, or SYN/FIN/RST: conntrack (and for a new connection
	 * the nat chains) must see it. */
	rc = fw_ports(ctx, L3_OFF + sizeof(*iph), &k);
	if (rc < 0)
		return rc;
	nk.sport = k.sport;
	nk.dport = k.dport;
	now = bpf_ktime_get_coarse_ns();
	slot = tna_nat_slot(&nk);
	e = bpf_map_lookup_elem(&nat_cache, &slot);
	if (e && e->v.seen == now && e->k.iif == nk.iif &&
	    e->k.saddr == nk.saddr && e->k.daddr == nk.daddr &&
	    e->k.sport == nk.sport && e->k.dport == nk.dport &&
	    e->k.proto == nk.proto) {
		*x = e->v;
		return 0;
	}
	rc = ct_established(ctx, &k, rt, x);
	if (rc < 0)
		return rc;
	x->seen = now;
	if (x->daddr != nk.daddr || x->dport != nk.dport)
		x->nat |= TNA_NAT_DST;
	if (x->saddr != nk.saddr || x->sport != nk.sport)
		x->nat |= TNA_NAT_SRC;
	if (e) { /* this CPU's slot */
		e->k = nk;
		e->v = *x;
	}
	return 0;
}

/* Linux's csum_add(): 32-bit ones' complement sum. */
static __always_inline __u32 nat_csum_add(__u32 a, __u32 b)
{
	a += b;
	return a + (a < b);
}

/*
 * csum_fold(csum_add(csum_sub(~csum_unfold(check), from), to)): what
 * csum_replace4() and, on a complete checksum, inet_proto_csum_replace4/2()
 * write (16-bit values zero-extended), in memory order.
 */
static __always_inline __u16 nat_csum_replace(__u16 check, __u32 from, __u32 to)
{
	__u32 s = nat_csum_add(nat_csum_add(~(__u32)check, ~from), to);

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * One manipulation, as nf_nat_ipv4_manip_pkt() does it: the transport
 * header (port, and the checksum for the pseudo-header's address and the
 * port; a UDP checksum of 0 stays 0, a result of 0 is written as 0xffff),
 * then the IP header. dst: the destination (prerouting), else the source
 * (postrouting). partial: the transport checksum was left to offload and
 * completed here; Linux would complete it last, never as 0.
 */
static __always_inline int nat4_manip(struct xdp_md *ctx,
				      const struct tna_nat_val *x, int dst,
				      int partial)
{
	struct iphdr *iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
	__u32 *addr, to_addr;
	__u16 *port, *check, to_port;
	int tcp;

	if (!iph)
		return -TNA_STAT_MALFORMED;
	tcp = iph->protocol == IPPROTO_TCP;
	if (tcp) {
		struct tcphdr *th =
			PTR_AT(ctx, L3_OFF + sizeof(*iph), sizeof(*th));

		if (!th)
			return -TNA_STAT_MALFORMED;
		port = dst ? &th->dest : &th->source;
		check = &th->check;
	} else {
		struct udphdr *uh =
			PTR_AT(ctx, L3_OFF + sizeof(*iph), sizeof(*uh));

		if (!uh)
			return -TNA_STAT_MALFORMED;
		port = dst ? &uh->dest : &uh->source;
		check = &uh->check;
	}
	addr = dst ? &iph->daddr : &iph->saddr;
	to_addr = dst ? x->daddr : x->saddr;
	to_port = dst ? x->dport : x->sport;
	if (tcp || *check) {
		*check = nat_csum_replace(*check, *addr, to_addr);
		*check = nat_csum_replace(*check, *port, to_port);
		if ((!tcp || partial) && !*check)
			*check = 0xffff; /* CSUM_MANGLED_0 */
	}
	*port = to_port;
	iph->check = nat_csum_replace(iph->check, *addr, to_addr);
	*addr = to_addr;
	return 0;
}

#endif /* TNA_BPF_NAT_H */
