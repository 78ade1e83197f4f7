/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the packet cursor and the Ethernet parser shared by all modules. */
#ifndef TNA_BPF_PARSE_H
#define TNA_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "config.h"
#include "tna/abi.h"

#ifndef AF_INET
#define AF_INET 2
#endif /* AF_INET */
#ifndef AF_INET6
#define AF_INET6 10
#endif /* AF_INET6 */

/* Untagged Ethernet only: the network header always starts here. */
#define L3_OFF ((__u32)sizeof(struct ethhdr))

/* What the modules learn about a packet; egress is set by the module that forwards it. */
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

struct pkt {
	__u16 l3_proto; /* network byte order */
	__u32 egress;
	__u32 src_hit; /* fdb_hits index + 1 of the source, 0: none */
};

/* Pointer to len bytes at off, or NULL when the packet is shorter. */
#define PTR_AT(ctx, off, len)                              \
	({                                                 \
		void *__d = (void *)(long)(ctx)->data;     \
		void *__e = (void *)(long)(ctx)->data_end; \
		void *__p = __d + (off);                   \
		(__p + (len) > __e) ? NULL : __p;          \
	})

static __always_inline int mac_equal(const __u8 *a, const volatile __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		(a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

/*
 * Ethernet: only untagged frames addressed to this interface continue.
 * Broadcast, multicast, other hosts' unicast and VLAN tags go to Linux.
 */
static __always_inline int parse_eth(struct xdp_md *ctx, struct pkt *p)
{
	struct ethhdr *eth = PTR_AT(ctx, 0, sizeof(*eth));

	if (!eth)
		return -TNA_STAT_MALFORMED;
	if (!mac_equal(eth->h_dest, CFG(mac)))
		return -TNA_STAT_NOT_FOR_US;
	p->l3_proto = eth->h_proto;
	if (p->l3_proto != bpf_htons(ETH_P_IP) &&
	    p->l3_proto != bpf_htons(ETH_P_IPV6))
		return -TNA_STAT_NOT_IP;
	return 0;
}

/* Linux trims Ethernet padding past the IP length before forwarding: do the same. */
static __always_inline int trim_to(struct xdp_md *ctx, __u32 want)
{
	__u32 have = ctx->data_end - ctx->data;

	if (have == want)
		return 0;
	if (have < want)
		return -TNA_STAT_MALFORMED;
	if (bpf_xdp_adjust_tail(ctx, (int)want - (int)have))
		return -TNA_STAT_MALFORMED;
	return 0;
}

static __always_inline int ip4_csum_ok(struct iphdr *iph)
{
	__u16 *w = (__u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * The IPv4 header the router and br_netfilter both insist on: version 4,
 * no options, a right checksum, a total length within the frame.
 */
static __always_inline int ip4_header(struct xdp_md *ctx, struct iphdr **iphp,
				      __u32 *tot_len)
{
	struct iphdr *iph = PTR_AT(ctx, L3_OFF, sizeof(*iph));

	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -TNA_STAT_MALFORMED;
	if (iph->ihl != 5)
		return -TNA_STAT_IP_OPTIONS;
	if (!ip4_csum_ok(iph))
		return -TNA_STAT_MALFORMED;
	*tot_len = bpf_ntohs(iph->tot_len);
	if (*tot_len < sizeof(*iph) ||
	    L3_OFF + *tot_len > (__u32)(ctx->data_end - ctx->data))
		return -TNA_STAT_MALFORMED;
	*iphp = iph;
	return 0;
}

#endif /* TNA_BPF_PARSE_H */
