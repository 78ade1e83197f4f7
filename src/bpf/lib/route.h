/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the router module: IPv4 and IPv6 forwarding decided by
 * the kernel FIB (bpf_fib_lookup: policy rules, multipath, neighbours), and
 * the rewrite Linux's ip_forward()/ip6_forward() would do. Every case Linux
 * treats specially returns a fallback reason instead.
 */
#ifndef TNA_BPF_ROUTE_H
#define TNA_BPF_ROUTE_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "parse.h"
#include "maps.h"
#include "fdb.h"
#include "fw.h"
#include "csum.h"
#include "nat.h"

/* ICMP error types (linux/icmp.h drags in libc headers). */
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define IPV6_FLOWINFO_MASK bpf_htonl(0x0fffffff)

static __always_inline int fib_reason(int rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		return 0;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
		return -TNA_STAT_BLACKHOLE;
	case BPF_FIB_LKUP_RET_UNREACHABLE:
		return -TNA_STAT_UNREACHABLE;
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return -TNA_STAT_PROHIBIT;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		return -TNA_STAT_NOT_FWDED;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return -TNA_STAT_FWD_DISABLED;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return -TNA_STAT_NO_NEIGH;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return -TNA_STAT_FRAG_NEEDED;
	default: /* negative errno, UNSUPP_LWT, anything newer */
		return -TNA_STAT_UNSUPP_ROUTE;
	}
}

/*
 * The egress the FIB chose must differ from the ingress (Linux sends a
 * redirect) and take XDP frames. A bridge as egress (a gateway address on
 * it) is resolved to its port through the FDB, as br_dev_xmit() does.
 */
static __always_inline int route_egress(const struct bpf_fib_lookup *fib,
					__u32 frame_len, struct pkt *p,
					const struct tna_runtime *rt)
{
	struct egress e = { .ifindex = fib->ifindex };
	__u32 out = fib->ifindex;
	int rc;

	if (out == L3_IFINDEX)
		return -TNA_STAT_SAME_IFACE;
	if (HAS(TNA_F_ROUTE_TO_BR)) {
		struct tna_port *br = bpf_map_lookup_elem(&ports, &out);

		if (br && (br->flags & TNA_PORT_IS_BRIDGE)) {
			/* bridge-family output/postrouting chains */
			if (rt->family_off & TNA_RT_BRIDGE_OFF)
				return -TNA_STAT_FAMILY_OFF;
			rc = fdb_out(out, fib->dmac, frame_len, fdb_gen(rt),
				     &e);
			if (rc == TNA_L2_UP)
				return -TNA_STAT_UNSUPP_ROUTE;
			if (rc < 0)
				return rc;
		}
	}
	rc = set_egress(&e);
	if (rc < 0)
		return rc;
	p->egress = e.ifindex;
	return 0;
}

/*
 * One forwarded packet in TNA_NH_SAMPLE notes that the next hop
 * bpf_fib_lookup() resolved (the gateway, or the on-link destination) is in
 * use; the controller keeps it validated. IPv4 packets answered by the
 * route cache count in their entry (every TNA_NH_SAMPLE-th hit, and every
 * fill), the others are picked at random.
 */
static __always_inline int nh_random(void)
{
	return !(bpf_get_prandom_u32() % TNA_NH_SAMPLE);
}

static __always_inline void nh_note(const struct bpf_fib_lookup *fib,
				    int sample)
{
	struct tna_nh_key k = { .ifindex = fib->ifindex,
				.family = fib->family };
	__u64 now, *seen;

	if (!sample)
		return;
	if (fib->family == AF_INET)
		k.addr[0] = fib->ipv4_dst;
	else
		__builtin_memcpy(k.addr, fib->ipv6_dst, sizeof(k.addr));
	now = bpf_ktime_get_coarse_ns();
	/* This CPU's slot in place: an LRU insert costs far more. */
	seen = bpf_map_lookup_elem(&nh_seen, &k);
	if (seen)
		*seen = now;
	else
		bpf_map_update_elem(&nh_seen, &k, &now, BPF_ANY);
}

/* Whether the address's bit is set in local_bits (family key 0 or 1). */
static __always_inline int local_bit(__u32 family, __u32 bit)
{
	struct tna_local_bits *b = bpf_map_lookup_elem(&local_bits, &family);

	if (!b)
		return 1;
	return (b->w[(bit >> 6) & (TNA_LOCAL_WORDS - 1)] >> (bit & 63)) & 1;
}

static __always_inline int is_local6(const struct in6_addr *a)
{
	if (!local_bit(1, tna_local_bit6(a->in6_u.u6_addr32)))
		return 0;
	return bpf_map_lookup_elem(&local_addrs6, a) != NULL;
}

/* Ports feed the multipath hash (fib_multipath_hash_policy=1) exactly as Linux's flow keys. */
static __always_inline void fib_ports(struct xdp_md *ctx, __u32 l4_off,
				      __u8 proto, struct bpf_fib_lookup *fib)
{
	__be16 *ports;

	fib->l4_protocol = proto;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	ports = PTR_AT(ctx, l4_off, 4);
	if (!ports)
		return;
	fib->sport = ports[0];
	fib->dport = ports[1];
}

/*
 * ICMP errors are hashed on their inner header by Linux's multipath, and
 * IPv6 neighbour discovery may be for a proxied address (proxy_ndp makes
 * ip6_forward() deliver it locally): leave both to Linux.
 */
static __always_inline int icmp_special(struct xdp_md *ctx, __u32 off, int v6)
{
	__u8 *type = PTR_AT(ctx, off, 1);

	if (!type)
		return 1;
	if (v6)
		return *type < 128 || (*type >= 133 && *type <= 137);
	return *type == ICMP_DEST_UNREACH || *type == ICMP_SOURCE_QUENCH ||
	       *type == ICMP_REDIRECT || *type == ICMP_TIME_EXCEEDED ||
	       *type == ICMP_PARAMETERPROB;
}

/* Linux's ip_route_input_slow() martian checks on addresses alone. */
static __always_inline int ip4_martian(__be32 saddr, __be32 daddr)
{
	__u32 s = bpf_ntohl(saddr), d = bpf_ntohl(daddr);

	if ((s >> 24) == 0 || (s >> 24) == 127 || (s >> 28) == 0xe ||
	    s == 0xffffffff)
		return 1;
	if ((d >> 24) == 0 || (d >> 24) == 127)
		return 1;
	if (!local_bit(0, tna_local_bit4(saddr)))
		return 0;
	return bpf_map_lookup_elem(&local_addrs4, &saddr) != NULL;
}

/*
 * rp_filter as fib_validate_source() does it: the route back to the source
 * must exist (loose) and leave through the ingress (strict). Any doubt
 * (multipath picking another leg, unusual route types) goes to Linux.
 */
static __always_inline int ip4_rpf(struct xdp_md *ctx, struct iphdr *iph,
				   __be32 daddr)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.ipv4_src = daddr; /* after DNAT, as ip_route_input() sees it */
	fib.ipv4_dst = iph->saddr;
	fib.ifindex = L3_IFINDEX;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return -TNA_STAT_RPF;
	if (HAS(TNA_F_RPF4_STRICT) && fib.ifindex != L3_IFINDEX)
		return -TNA_STAT_RPF;
	return 0;
}

/*
 * The FIB's answer for an IPv4 packet: from route_cache4 when the
 * controller allows it and the slot holds this (ingress, destination) of
 * the current generation, else from bpf_fib_lookup(), whose SUCCESS fills
 * the slot under the generation read before asking (a change the
 * controller learns of meanwhile retires it). *sample: note the next hop.
 * A connection NAT changes (nat->nat) is routed as Linux routes it: to the
 * translated destination, asked of the FIB itself; in the original
 * direction of a source-NAT'ed connection, the FIB must pick that very
 * source for the route (a masquerade whose route left its device: Linux
 * drops, nf_nat_oif_changed()).
 */
static __always_inline int fib4(struct xdp_md *ctx, struct iphdr *iph,
				__u32 tot_len, const struct tna_runtime *rt,
				struct bpf_fib_lookup *fib, int *sample,
				const struct tna_nat_val *nat)
{
	__u32 gen = rt->rc_gen, iif = L3_IFINDEX, daddr = iph->daddr;
	__u32 flags = (nat->nat & TNA_NAT_SNAT_ORIG) ? TNA_FIB_LOOKUP_SRC : 0;
	struct tna_rc_ent *c = NULL;
	int rc;

	fib->family = AF_INET;
	if (nat->nat)
		daddr = nat->daddr; /* the cache is a function of it and iif */
	if (tot_len <= rt->rc_mtu4) {
		__u32 slot = tna_rc_slot(iif, daddr);

		c = bpf_map_lookup_elem(&route_cache4, &slot);
		if (c && c->gen == gen && c->daddr == daddr && c->iif == iif &&
		    (!flags || c->src)) {
			if (flags && c->src != nat->saddr)
				return -TNA_STAT_NAT_SRC;
			fib->ifindex = c->ifindex;
			fib->ipv4_dst = c->nh;
			__builtin_memcpy(fib->dmac, c->dmac, ETH_ALEN);
			__builtin_memcpy(fib->smac, c->smac, ETH_ALEN);
			*sample = !(++c->hits % TNA_NH_SAMPLE);
			return 0;
		}
	}
	fib->tos = iph->tos;
	fib->tot_len = tot_len;
	fib->ipv4_src = iph->saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = iif;
	fib_ports(ctx, L3_OFF + sizeof(*iph), iph->protocol, fib);
	if (nat->nat & TNA_NAT_DST)
		fib->dport = nat->dport;
	rc = fib_reason(bpf_fib_lookup(ctx, fib, sizeof(*fib), flags));
	if (rc < 0)
		return rc;
	if (flags && fib->ipv4_src != nat->saddr)
		return -TNA_STAT_NAT_SRC;
	if (!c) {
		*sample = nh_random();
		return 0;
	}
	/* This CPU's slot: no other writer, no reader while this one runs. */
	c->gen = gen;
	c->iif = iif;
	c->daddr = daddr;
	c->ifindex = fib->ifindex;
	c->nh = fib->ipv4_dst;
	__builtin_memcpy(c->dmac, fib->dmac, ETH_ALEN);
	__builtin_memcpy(c->smac, fib->smac, ETH_ALEN);
	c->hits = 0;
	c->src = flags ? fib->ipv4_src : 0;
	*sample = 1;
	return 0;
}

static __always_inline void rewrite_macs(struct ethhdr *eth,
					 struct bpf_fib_lookup *fib)
{
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
}

static __always_inline int route4(struct xdp_md *ctx, struct pkt *p,
				  const struct tna_runtime *rt)
{
	struct bpf_fib_lookup fib = {};
	struct tna_nat_val nat = {};
	struct csum_fix fix = {};
	struct ethhdr *eth;
	struct iphdr *iph;
	__u32 tot_len, check;
	int rc, sample = 0;

	rc = ip4_header(ctx, &iph, &tot_len);
	if (rc < 0)
		return rc;
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return -TNA_STAT_FRAGMENT;
	if (iph->ttl <= 1)
		return -TNA_STAT_TTL;
	if (rt->route_mtu4 && tot_len > rt->route_mtu4)
		return -TNA_STAT_FRAG_NEEDED;
	if (ip4_martian(iph->saddr, iph->daddr))
		return -TNA_STAT_MARTIAN;
	if (iph->protocol == IPPROTO_ICMP &&
	    icmp_special(ctx, L3_OFF + sizeof(*iph), 0))
		return -TNA_STAT_ICMP_SPECIAL;
	if (rt->fw & TNA_RT_NAT4) {
		rc = nat4_lookup(ctx, iph, rt, &nat);
		if (rc < 0)
			return rc;
		iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
		if (!iph)
			return -TNA_STAT_MALFORMED;
	}

	rc = fib4(ctx, iph, tot_len, rt, &fib, &sample, &nat);
	if (rc < 0)
		return rc;
	rc = route_egress(&fib, L3_OFF + tot_len, p, rt);
	if (rc < 0)
		return rc;
	if (HAS(TNA_F_RPF4_LOOSE) || HAS(TNA_F_RPF4_STRICT)) {
		iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
		if (!iph)
			return -TNA_STAT_MALFORMED;
		rc = ip4_rpf(ctx, iph, nat.nat ? nat.daddr : iph->daddr);
		if (rc < 0)
			return rc;
	}
	rc = fw4(ctx, fib.ifindex, tot_len, rt, &nat);
	if (rc < 0)
		return rc;
	if (HAS(TNA_F_CSUM)) {
		rc = l4_csum_check(ctx, bpf_htons(ETH_P_IP), &fix);
		if (rc < 0)
			return rc;
	}
	nh_note(&fib, sample);

	/* Decided: from here on the packet is ours to rewrite. */
	rc = trim_to(ctx, L3_OFF + tot_len);
	if (rc < 0)
		return rc;
	rc = csum_fix_apply(ctx, &fix);
	if (rc < 0)
		return rc;
	/* Linux's order: DNAT on prerouting, TTL, SNAT on postrouting. */
	if (nat.nat & TNA_NAT_DST) {
		rc = nat4_manip(ctx, &nat, 1, fix.off != 0);
		if (rc < 0)
			return rc;
	}
	eth = PTR_AT(ctx, 0, sizeof(*eth) + sizeof(*iph));
	if (!eth)
		return -TNA_STAT_MALFORMED;
	iph = (void *)(eth + 1);
	/* ip_decrease_ttl() */
	check = iph->check;
	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xFFFF));
	iph->ttl--;
	if (nat.nat & TNA_NAT_SRC) {
		rc = nat4_manip(ctx, &nat, 0, fix.off != 0);
		if (rc < 0)
			return rc;
		eth = PTR_AT(ctx, 0, sizeof(*eth));
		if (!eth)
			return -TNA_STAT_MALFORMED;
	}
	rewrite_macs(eth, &fib);
	return 0;
}

/* Addresses Linux never forwards from or to: unspecified, loopback, link-local, multicast, v4-mapped. */
static __always_inline int ip6_special(const struct in6_addr *a)
{
	__u32 w0 = bpf_ntohl(a->in6_u.u6_addr32[0]);

	if ((w0 >> 24) == 0xff || (w0 & 0xffc00000) == 0xfe800000)
		return 1;
	if (w0 == 0 && a->in6_u.u6_addr32[1] == 0) {
		__u32 w2 = bpf_ntohl(a->in6_u.u6_addr32[2]);

		if (w2 == 0xffff ||
		    w2 == 0) /* v4-mapped, ::, ::1, v4-compatible */
			return 1;
	}
	return 0;
}

/*
 * IPv6 routing, a twin of route4() kept apart on purpose: the two differ
 * in every step that costs (no header checksum, hop limit instead of TTL,
 * no fragments in transit, its own special addresses, no route cache
 * yet), and what they do share is already shared (fib_reason(),
 * route_egress(), nh_note(), rewrite_macs(), fw_verdict()).
 */
static __always_inline int route6(struct xdp_md *ctx, struct pkt *p,
				  const struct tna_runtime *rt)
{
	struct bpf_fib_lookup fib = {};
	struct csum_fix fix = {};
	struct ethhdr *eth;
	struct ipv6hdr *ip6h;
	__u32 tot_len;
	int rc;

	ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));
	if (!ip6h || ip6h->version != 6)
		return -TNA_STAT_MALFORMED;
	tot_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	if (L3_OFF + tot_len > (__u32)(ctx->data_end - ctx->data))
		return -TNA_STAT_MALFORMED;
	if (ip6h->nexthdr == IPPROTO_HOPOPTS)
		return -TNA_STAT_IP_OPTIONS;
	if (ip6h->nexthdr == IPPROTO_FRAGMENT)
		return -TNA_STAT_FRAGMENT;
	if (ip6h->hop_limit <= 1)
		return -TNA_STAT_TTL;
	if (rt->route_mtu6 && tot_len > rt->route_mtu6)
		return -TNA_STAT_FRAG_NEEDED;
	if (ip6_special(&ip6h->saddr) || ip6_special(&ip6h->daddr) ||
	    is_local6(&ip6h->saddr))
		return -TNA_STAT_MARTIAN;
	if (ip6h->nexthdr == IPPROTO_ICMPV6 &&
	    icmp_special(ctx, L3_OFF + sizeof(*ip6h), 1))
		return -TNA_STAT_ICMP_SPECIAL;

	fib.family = AF_INET6;
	fib.flowinfo = *(__be32 *)ip6h & IPV6_FLOWINFO_MASK;
	fib.tot_len = tot_len;
	__builtin_memcpy(fib.ipv6_src, &ip6h->saddr, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, &ip6h->daddr, sizeof(fib.ipv6_dst));
	fib.ifindex = L3_IFINDEX;
	fib_ports(ctx, L3_OFF + sizeof(*ip6h), ip6h->nexthdr, &fib);
	rc = fib_reason(bpf_fib_lookup(ctx, &fib, sizeof(fib), 0));
	if (rc < 0)
		return rc;
	rc = route_egress(&fib, L3_OFF + tot_len, p, rt);
	if (rc < 0)
		return rc;
	rc = fw6(ctx, fib.ifindex, tot_len, rt);
	if (rc < 0)
		return rc;
	if (HAS(TNA_F_CSUM)) {
		rc = l4_csum_check(ctx, bpf_htons(ETH_P_IPV6), &fix);
		if (rc < 0)
			return rc;
	}
	nh_note(&fib, nh_random());

	rc = trim_to(ctx, L3_OFF + tot_len);
	if (rc < 0)
		return rc;
	rc = csum_fix_apply(ctx, &fix);
	if (rc < 0)
		return rc;
	eth = PTR_AT(ctx, 0, sizeof(*eth) + sizeof(*ip6h));
	if (!eth)
		return -TNA_STAT_MALFORMED;
	ip6h = (void *)(eth + 1);
	ip6h->hop_limit--;
	rewrite_macs(eth, &fib);
	return 0;
}

#endif /* TNA_BPF_ROUTE_H */
