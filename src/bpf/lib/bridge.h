/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the bridge module: a frame entering a bridge port is
 * forwarded to the port the mirrored FDB names, as br_handle_frame() would,
 * or continues into the router when it is for the bridge itself. Floods,
 * learning, station moves, STP and anything else special go to Linux.
 */
#ifndef TNA_BPF_BRIDGE_H
#define TNA_BPF_BRIDGE_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include "parse.h"
#include "fdb.h"
#include "csum.h"
#include "route.h"

static __always_inline int mac_zero(const __u8 *a)
{
	return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}

/*
 * A move Linux learns from this very frame: from now on frames to the
 * station go to Linux too, until the controller mirrors the moved entry.
 * The mark goes on the map's entry, then fdb_moves retires every CPU's
 * copies (of this entry and all others: moves are rare).
 */
static __always_inline void fdb_mark_moved(const struct tna_fdb_key *k)
{
	struct tna_fdb_val *v = bpf_map_lookup_elem(&fdb, k);
	__u32 zero = 0, *moves;

	if (v && !(v->flags & TNA_FDB_STICKY))
		v->flags |= TNA_FDB_MOVED;
	moves = bpf_map_lookup_elem(&fdb_moves, &zero);
	if (moves)
		__sync_fetch_and_add(moves, 1);
}

/*
 * Linux learns the source of every frame on a learning port. A source not
 * known on this very port is a new station or a move: Linux must see it.
 */
static __always_inline int source_known(const __u8 *mac,
					const struct tna_port *in, __u64 gen,
					struct pkt *p)
{
	struct tna_fdb_key k = { .bridge = CFG(bridge) };
	const struct tna_fdb_val *v;

	if (!(in->flags & TNA_PORT_LEARNING))
		return 0;
	__builtin_memcpy(k.mac, mac, ETH_ALEN);
	v = fdb_get(&k, gen);
	if (!v || (v->flags & (TNA_FDB_LOCAL | TNA_FDB_MOVED)))
		return -TNA_STAT_L2_SRC_UNKNOWN;
	if (v->port != CFG(ifindex)) {
		if (!(v->flags & TNA_FDB_STICKY))
			fdb_mark_moved(&k);
		return -TNA_STAT_L2_SRC_UNKNOWN;
	}
	p->src_hit = v->hit + 1;
	return 0;
}

/*
 * The IP header as br_validate_ipv4/6() and nft's validating pktinfo want
 * it: no IPv4 options or IPv6 hop-by-hop, lengths within the frame. Writes
 * the IP packet's length (Ethernet padding excluded).
 */
static __always_inline int ip_hdr_ok(struct xdp_md *ctx, __u16 l3_proto,
				     __u32 *ip_len)
{
	__u32 have = ctx->data_end - ctx->data;

	if (l3_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph;

		return ip4_header(ctx, &iph, ip_len);
	} else {
		struct ipv6hdr *ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));

		if (!ip6h || ip6h->version != 6)
			return -TNA_STAT_MALFORMED;
		if (ip6h->nexthdr == IPPROTO_HOPOPTS)
			return -TNA_STAT_IP_OPTIONS;
		*ip_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
		if (L3_OFF + *ip_len > have)
			return -TNA_STAT_MALFORMED;
	}
	return 0;
}

/*
 * Rules bridged IP of this family passes: bridge-family forward chains,
 * and with br_netfilter on for the family the ip/ip6/inet forward chains.
 */
static __always_inline int br_fw_on(const struct tna_runtime *rt, int v4)
{
	if (rt->fw & TNA_RT_FW_BR)
		return 1;
	return v4 ? HAS(TNA_F_BR_NF4) && (rt->fw & TNA_RT_FW4) :
		    HAS(TNA_F_BR_NF6) && (rt->fw & TNA_RT_FW6);
}

/* 0: bridged (egress recorded); TNA_L2_UP: for the bridge, route it; < 0: reason. */
static __always_inline int bridge_in(struct xdp_md *ctx, struct pkt *p,
				     const struct tna_runtime *rt)
{
	struct ethhdr *eth = PTR_AT(ctx, 0, sizeof(*eth));
	__u32 ifindex = CFG(ifindex), len, ip_len = 0;
	struct csum_fix fix = {};
	struct egress out = {};
	const struct tna_port *in;
	int rc, v4, brnf, fw;
	__u64 gen;

	if (!eth)
		return -TNA_STAT_MALFORMED;
	p->l3_proto = eth->h_proto;
	len = ctx->data_end - ctx->data;
	/* Broadcast, multicast, link-local (STP, LLDP): floods and protocols. */
	if (eth->h_dest[0] & 1)
		return -TNA_STAT_L2_FLOOD;
	/* Linux drops these (!is_valid_ether_addr); let it. */
	if ((eth->h_source[0] & 1) || mac_zero(eth->h_source))
		return -TNA_STAT_MALFORMED;
	in = port_at(CFG(port_idx), ifindex);
	if (!in || in->bridge != CFG(bridge) ||
	    in->state != TNA_BR_STATE_FORWARDING)
		return -TNA_STAT_PORT_STATE;
	if (p->l3_proto != bpf_htons(ETH_P_IP) &&
	    p->l3_proto != bpf_htons(ETH_P_IPV6))
		return -TNA_STAT_NOT_IP;
	v4 = p->l3_proto == bpf_htons(ETH_P_IP);
	gen = fdb_gen(rt);
	rc = source_known(eth->h_source, in, gen, p);
	if (rc < 0)
		return rc;
	/*
	 * With br_netfilter on for the family, bridged IP passes
	 * br_validate_ipv4/6() first: malformed headers are dropped and
	 * Ethernet padding is trimmed.
	 */
	brnf = v4 ? HAS(TNA_F_BR_NF4) : HAS(TNA_F_BR_NF6);
	fw = br_fw_on(rt, v4);
	if (brnf || fw) {
		rc = ip_hdr_ok(ctx, p->l3_proto, &ip_len);
		if (rc < 0)
			return rc;
		if (brnf)
			len = L3_OFF + ip_len;
		eth = PTR_AT(ctx, 0, sizeof(*eth));
		if (!eth)
			return -TNA_STAT_MALFORMED;
	}
	rc = fdb_out(CFG(bridge), eth->h_dest, len, gen, &out);
	if (rc)
		return rc; /* TNA_L2_UP or a reason */
	if (v4 ? !HAS(TNA_F_BR_IP4) || (in->flags & TNA_PORT_IP4_OFF) :
		 !HAS(TNA_F_BR_IP6) || (in->flags & TNA_PORT_IP6_OFF))
		return -TNA_STAT_FAMILY_OFF;
	if (out.ifindex == ifindex)
		return -TNA_STAT_SAME_PORT; /* dropped, or hairpin: Linux decides */
	if ((in->flags & TNA_PORT_ISOLATED) && (out.flags & TNA_PORT_ISOLATED))
		return -TNA_STAT_ISOLATED;
	if (fw) {
		rc = fw_bridged(ctx, p->l3_proto, ifindex, out.ifindex, ip_len,
				rt);
		if (rc < 0)
			return rc;
	}
	if (HAS(TNA_F_CSUM)) {
		rc = l4_csum_check(ctx, p->l3_proto, &fix);
		if (rc < 0)
			return rc;
	}
	rc = set_egress(&out);
	if (rc < 0)
		return rc;
	/* Decided. */
	rc = trim_to(ctx, len);
	if (rc < 0)
		return rc;
	rc = csum_fix_apply(ctx, &fix);
	if (rc < 0)
		return rc;
	p->egress = out.ifindex;
	return 0;
}

#endif /* TNA_BPF_BRIDGE_H */
