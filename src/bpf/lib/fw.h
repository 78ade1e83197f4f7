/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the firewall module: after the router chose the
 * egress, a forwarded TCP/UDP packet continues only if the controller has
 * cached "every forward base chain accepts" for its flow under the current
 * ruleset generation. A verdict that depended on "ct state" also needs the
 * kernel's conntrack entry (bpf_xdp_ct_lookup) to say established, exactly
 * as Linux would classify this packet; its timeout is then refreshed as
 * Linux's own conntrack would. A miss asks the controller (ring buffer) and
 * hands the packet to Linux. The cost does not depend on the rule count.
 */
#ifndef TNA_BPF_FW_H
#define TNA_BPF_FW_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_core_read.h>
#include "parse.h"
#include "maps.h"

/* The few conntrack fields read; CO-RE finds them in the running kernel. */
struct ip_ct_tcp___tna {
	__u8 state;
} __attribute__((preserve_access_index));

struct nf_ct_udp___tna {
	unsigned long
		stream_ts; /* jiffies: from then on a reply makes a stream */
} __attribute__((preserve_access_index));

union nf_conntrack_proto___tna {
	struct ip_ct_tcp___tna tcp;
	struct nf_ct_udp___tna udp;
} __attribute__((preserve_access_index));

/* One direction's tuple: who sends, to whom (IPv4 address, port). */
union nf_inet_addr___tna {
	__be32 ip;
} __attribute__((preserve_access_index));

union nf_conntrack_man_proto___tna {
	__be16 all;
} __attribute__((preserve_access_index));

struct nf_conntrack_man___tna {
	union nf_inet_addr___tna u3;
	union nf_conntrack_man_proto___tna u;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple___tna {
	struct nf_conntrack_man___tna src;
	struct {
		union nf_inet_addr___tna u3;
		union {
			__be16 all;
		} u;
	} dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash___tna {
	struct nf_conntrack_tuple___tna tuple;
} __attribute__((preserve_access_index));

struct nf_conn___tna {
	unsigned long status;
	union nf_conntrack_proto___tna proto;
	struct nf_conntrack_tuple_hash___tna tuplehash[2];
} __attribute__((preserve_access_index));

struct bpf_ct_opts___tna {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};

extern struct nf_conn___tna *bpf_xdp_ct_lookup(struct xdp_md *ctx,
					       struct bpf_sock_tuple *tuple,
					       __u32 tuple_sz,
					       struct bpf_ct_opts___tna *opts,
					       __u32 opts_sz) __ksym;
extern void bpf_ct_release(struct nf_conn___tna *ct) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn___tna *ct,
				 __u32 timeout) __ksym;

/* enum ip_conntrack_status, enum tcp_conntrack */
#define IPS_SEEN_REPLY (1UL << 1)
#define IPS_ASSURED (1UL << 2)
#define IPS_CONFIRMED (1UL << 3)
#define IPS_SRC_NAT (1UL << 4)
#define IPS_DST_NAT (1UL << 5)
#define IPS_SEQ_ADJUST (1UL << 6)
#define IPS_DYING (1UL << 9)
#define IPS_FIXED_TIMEOUT (1UL << 10)
#define IPS_TEMPLATE (1UL << 11)
#define IPS_NAT_CLASH (1UL << 12) /* IPS_UNTRACKED_BIT */
#define IPS_HELPER (1UL << 13)
#define IPS_OFFLOAD (1UL << 14)
#define IPS_NOT_OURS                                              \
	(IPS_SRC_NAT | IPS_DST_NAT | IPS_SEQ_ADJUST | IPS_DYING | \
	 IPS_TEMPLATE | IPS_HELPER | IPS_OFFLOAD)
#define TCP_CONNTRACK_ESTABLISHED 3
#define IP_CT_DIR_REPLY 1
#define TCP_SYN_FIN_RST 0x07

/*
 * A UDP entry whose reply was seen but that is not assured yet: Linux
 * assures it (and gives it the stream timeout) at the first packet after
 * stream_ts, 2 s after the entry was made; before that a packet only
 * refreshes it to nf_conntrack_udp_timeout (nf_conntrack_udp_packet()).
 * The fast path does the same up to 2 jiffies before stream_ts (a flow's
 * conntrack check is cached for one kernel tick), then leaves the flow to
 * Linux until it is assured. Kernels without stream_ts assure at once:
 * Linux's.
 */
static __always_inline int udp_early(struct nf_conn___tna *ct,
				     unsigned long status)
{
	if (!(status & IPS_SEEN_REPLY) || (status & IPS_NAT_CLASH) ||
	    !bpf_core_field_exists(ct->proto.udp.stream_ts))
		return 0;
	return (long)(ct->proto.udp.stream_ts - bpf_jiffies64()) > 2;
}

/*
 * What a routed IPv4 packet of an established connection becomes: the
 * other direction's tuple, reversed (NAT changes a packet so that it
 * matches it). Read per direction: a BTF pointer takes no variable index.
 */
static __always_inline void ct_xlat4(struct nf_conn___tna *ct, int reply,
				     struct tna_nat_val *x)
{
	if (reply) {
		x->saddr = ct->tuplehash[0].tuple.dst.u3.ip;
		x->sport = ct->tuplehash[0].tuple.dst.u.all;
		x->daddr = ct->tuplehash[0].tuple.src.u3.ip;
		x->dport = ct->tuplehash[0].tuple.src.u.all;
	} else {
		x->saddr = ct->tuplehash[1].tuple.dst.u3.ip;
		x->sport = ct->tuplehash[1].tuple.dst.u.all;
		x->daddr = ct->tuplehash[1].tuple.src.u3.ip;
		x->dport = ct->tuplehash[1].tuple.src.u.all;
	}
}

/*
 * The conntrack entry Linux would find: established (the reply was seen,
 * or this is the reply), assured (or UDP in its first 2 s, udp_early()),
 * no helper/offload and, unless x asks for the translation (IPv4 only),
 * no NAT: refreshed as nf_ct_refresh_acct() would. Anything else is
 * Linux's to classify.
 */
static __always_inline int ct_established(struct xdp_md *ctx,
					  const struct tna_fw_key *k,
					  const struct tna_runtime *rt,
					  struct tna_nat_val *x)
{
	struct bpf_ct_opts___tna opts = { .netns_id = -1, .l4proto = k->proto };
	struct bpf_sock_tuple tup = {};
	struct nf_conn___tna *ct;
	unsigned long status;
	__u32 size, timeout;
	int rc = -TNA_STAT_FW_CT;

	if (k->family == AF_INET) {
		tup.ipv4.saddr = k->saddr[0];
		tup.ipv4.daddr = k->daddr[0];
		tup.ipv4.sport = k->sport;
		tup.ipv4.dport = k->dport;
		size = sizeof(tup.ipv4);
	} else {
		__builtin_memcpy(tup.ipv6.saddr, k->saddr, 16);
		__builtin_memcpy(tup.ipv6.daddr, k->daddr, 16);
		tup.ipv6.sport = k->sport;
		tup.ipv6.dport = k->dport;
		size = sizeof(tup.ipv6);
	}
	ct = bpf_xdp_ct_lookup(ctx, &tup, size, &opts, sizeof(opts));
	if (!ct)
		return -TNA_STAT_FW_CT;
	status = ct->status;
	if (x) { /* the NAT mapping is the entry's, applied as Linux would */
		x->nat = opts.dir != IP_CT_DIR_REPLY && (status & IPS_SRC_NAT) ?
				 TNA_NAT_SNAT_ORIG :
				 0;
		if (status & IPS_SRC_NAT)
			x->nat |= TNA_NAT_CT_SNAT;
		if (status & IPS_DST_NAT)
			x->nat |= TNA_NAT_CT_DNAT;
		status &= ~(IPS_SRC_NAT | IPS_DST_NAT);
	}
	if (!(status & IPS_CONFIRMED) || (status & IPS_NOT_OURS))
		goto out;
	if (opts.dir != IP_CT_DIR_REPLY && !(status & IPS_SEEN_REPLY))
		goto out;
	if (k->proto == IPPROTO_TCP &&
	    ct->proto.tcp.state != TCP_CONNTRACK_ESTABLISHED)
		goto out;
	timeout = k->proto == IPPROTO_TCP ? rt->ct_tcp_ms : rt->ct_udp_ms;
	if (!(status & IPS_ASSURED)) {
		if (k->proto != IPPROTO_UDP || !udp_early(ct, status))
			goto out;
		timeout = rt->ct_udp_early_ms;
	}
	if (timeout && !(status & IPS_FIXED_TIMEOUT))
		bpf_ct_change_timeout(ct, timeout);
	if (x)
		ct_xlat4(ct, opts.dir == IP_CT_DIR_REPLY, x);
	rc = 0;
out:
	bpf_ct_release(ct);
	return rc;
}

/*
 * Asks the controller for the flow's verdict, unless this CPU asked for
 * it within TNA_FW_RETRY_NS in this generation.
 */
static __always_inline void fw_ask(const struct tna_fw_key *k,
				   const struct tna_runtime *rt)
{
	__u32 h = tna_fw_hash(k), slot = h & (TNA_FW_ASK_SLOTS - 1);
	struct tna_fw_asked *a = bpf_map_lookup_elem(&fw_asked, &slot);
	__u64 now = bpf_ktime_get_coarse_ns();

	if (!a)
		return;
	if (a->hash == h && a->gen == rt->fw_gen &&
	    now - a->stamp < TNA_FW_RETRY_NS)
		return;
	a->hash = h;
	a->gen = rt->fw_gen;
	a->stamp = now;
	bpf_ringbuf_output(&fw_upcall, (void *)k, sizeof(*k), 0);
}

/*
 * The verdict cached for k: the first of the generation's masks under
 * which an entry of this generation exists (tuple space search).
 */
static __always_inline struct tna_fw_val *
fw_lookup(const struct tna_fw_key *k, const struct tna_runtime *rt)
{
	__u32 bank = tna_fw_bank(rt->fw_gen), n = rt->fw_nmasks;

	for (__u32 i = 0; i < TNA_FW_MASKS; i++) {
		const __u64 *a = (const __u64 *)k, *m;
		struct tna_fw_key mk;
		__u64 *o = (__u64 *)&mk;
		struct tna_fw_val *v;
		__u32 idx = bank + i;

		if (i >= n)
			break;
		m = bpf_map_lookup_elem(&fw_masks, &idx);
		if (!m)
			break;
#pragma unroll
		for (int j = 0; j < (int)(sizeof(mk) / 8); j++)
			o[j] = a[j] & m[j];
		mk.mask = i;
		v = bpf_map_lookup_elem(&fw_flows, &mk);
		if (v && v->gen == rt->fw_gen)
			return v;
	}
	return NULL;
}

/* The key from the L4 header at l4_off; the addresses are already in k. */
static __always_inline int fw_ports(struct xdp_md *ctx, __u32 l4_off,
				    struct tna_fw_key *k)
{
	if (k->proto == IPPROTO_TCP) {
		struct tcphdr *th = PTR_AT(ctx, l4_off, sizeof(*th));
		__u8 flags;

		if (!th)
			return -TNA_STAT_MALFORMED;
		flags = ((__u8 *)th)[13];
		if (flags & TCP_SYN_FIN_RST)
			return -TNA_STAT_FW_UNKEYED; /* conntrack must see it */
		k->tcp_flags = flags;
		k->sport = th->source;
		k->dport = th->dest;
		return 0;
	}
	if (k->proto == IPPROTO_UDP) {
		struct udphdr *uh = PTR_AT(ctx, l4_off, sizeof(*uh));

		if (!uh)
			return -TNA_STAT_MALFORMED;
		k->sport = uh->source;
		k->dport = uh->dest;
		return 0;
	}
	return -TNA_STAT_FW_UNKEYED;
}

/* 0: the forward hook accepts this packet; else a fallback reason. */
static __always_inline int fw_verdict(struct xdp_md *ctx, __u32 l4_off,
				      struct tna_fw_key *k, __u32 len,
				      const struct tna_runtime *rt, int ct_done)
{
	struct tna_fw_val *v;
	int rc;

	rc = fw_ports(ctx, l4_off, k);
	if (rc < 0)
		return rc;
	v = fw_lookup(k, rt);
	if (!v || v->verdict == TNA_FW_PENDING) {
		fw_ask(k, rt);
		return -TNA_STAT_FW_PENDING;
	}
	if (v->verdict != TNA_FW_ACCEPT)
		return -TNA_STAT_FW_LINUX;
	if ((v->flags & TNA_FW_CT) && !ct_done) {
		/* Once per clock tick (1-4 ms) per flow: conntrack changes
		 * (a deletion, FIN seen by Linux) count from the next tick. */
		__u64 now = bpf_ktime_get_coarse_ns();

		if (v->ct_seen != now) {
			rc = ct_established(ctx, k, rt, NULL);
			if (rc < 0)
				return rc;
			v->ct_seen = now;
		}
	}
	v->packets++; /* this CPU's copy */
	v->bytes += len;
	return 0;
}

/*
 * The flow key of a routed packet, one function per family: each reads
 * its own header at constant offsets (the verifier checks one layout, and
 * a routed IPv4 packet never pays for IPv6's 16-byte copies); what they
 * share is fw_verdict().
 */
static __always_inline int fw4(struct xdp_md *ctx, __u32 oif, __u32 len,
			       const struct tna_runtime *rt,
			       const struct tna_nat_val *nat)
{
	struct tna_fw_key k = { .iif = L3_IFINDEX,
				.oif = oif,
				.family = AF_INET };
	struct iphdr *iph;

	if (!(rt->fw & TNA_RT_FW4))
		return 0;
	iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));
	if (!iph)
		return -TNA_STAT_MALFORMED;
	k.proto = iph->protocol;
	k.saddr[0] = iph->saddr;
	k.daddr[0] = iph->daddr;
	if (nat->nat & TNA_NAT_DST) { /* as the route and forward hook see it */
		k.daddr[1] = nat->daddr;
		k.nat_dport = nat->dport;
	}
	k.nat = nat->nat;
	/* route4 carries no IPv4 options: the L4 header follows */
	return fw_verdict(ctx, L3_OFF + sizeof(*iph), &k, len, rt,
			  nat->seen != 0);
}

static __always_inline int fw6(struct xdp_md *ctx, __u32 oif, __u32 len,
			       const struct tna_runtime *rt)
{
	struct tna_fw_key k = { .iif = L3_IFINDEX,
				.oif = oif,
				.family = AF_INET6 };
	struct ipv6hdr *ip6h;

	if (!(rt->fw & TNA_RT_FW6))
		return 0;
	ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));
	if (!ip6h)
		return -TNA_STAT_MALFORMED;
	k.proto = ip6h->nexthdr; /* an extension header is not keyed */
	__builtin_memcpy(k.saddr, &ip6h->saddr, 16);
	__builtin_memcpy(k.daddr, &ip6h->daddr, 16);
	return fw_verdict(ctx, L3_OFF + sizeof(*ip6h), &k, len, rt, 0);
}

/*
 * A bridged frame, port in to port out: bridge-family forward chains see
 * the ports and the Ethernet header; with br_netfilter the ip/ip6 forward
 * chains see it too (the controller knows which apply). The caller has
 * checked the IP header (ip_hdr_ok): no IPv4 options, lengths in the frame.
 */
static __always_inline int fw_bridged(struct xdp_md *ctx, __u16 l3_proto,
				      __u32 in, __u32 out, __u32 len,
				      const struct tna_runtime *rt)
{
	struct tna_fw_key k = { .iif = in, .oif = out, .path = TNA_FW_BRIDGED };
	struct ethhdr *eth = PTR_AT(ctx, 0, sizeof(*eth));
	__u32 l4_off;

	if (!eth)
		return -TNA_STAT_MALFORMED;
	__builtin_memcpy(k.dmac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(k.smac, eth->h_source, ETH_ALEN);
	if (l3_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));

		if (!iph)
			return -TNA_STAT_MALFORMED;
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return -TNA_STAT_FRAGMENT;
		k.family = AF_INET;
		k.proto = iph->protocol;
		k.saddr[0] = iph->saddr;
		k.daddr[0] = iph->daddr;
		l4_off = L3_OFF + sizeof(*iph);
	} else {
		struct ipv6hdr *ip6h = PTR_AT(ctx, L3_OFF, sizeof(*ip6h));

		if (!ip6h)
			return -TNA_STAT_MALFORMED;
		k.family = AF_INET6;
		k.proto = ip6h->nexthdr;
		__builtin_memcpy(k.saddr, &ip6h->saddr, 16);
		__builtin_memcpy(k.daddr, &ip6h->daddr, 16);
		l4_off = L3_OFF + sizeof(*ip6h);
	}
	return fw_verdict(ctx, l4_off, &k, len, rt, 0);
}

#endif /* TNA_BPF_FW_H */
