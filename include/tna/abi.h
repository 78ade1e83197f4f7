/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the only contract between the XDP fast path and the
 * controller: read-only config, map keys and values, counters and the
 * fallback reasons. Both sides include it; no struct is copied by hand.
 */
#ifndef TNA_ABI_H
#define TNA_ABI_H

#ifdef __BPF__
#include <linux/types.h>
#else
#include <linux/types.h>
#endif /* __BPF__ */

#define TNA_MAX_IFACES 256
#define TNA_MAX_LOCAL_ADDRS 4096

/* Modules a per-interface program may contain (struct tna_cfg.features). */
#define TNA_F_ROUTE4 (1ULL << 0) /* IPv4 routing through bpf_fib_lookup */
#define TNA_F_ROUTE6 (1ULL << 1) /* IPv6 routing through bpf_fib_lookup */
#define TNA_F_RPF4_LOOSE (1ULL << 2) /* rp_filter=2 on the ingress */
#define TNA_F_RPF4_STRICT (1ULL << 3) /* rp_filter=1 on the ingress */
#define TNA_F_ALL \
	(TNA_F_ROUTE4 | TNA_F_ROUTE6 | TNA_F_RPF4_LOOSE | TNA_F_RPF4_STRICT)

/* Module names, indexed by bit number, for plan and status output. */
#define TNA_FEATURE_NAMES                                       \
	{                                                       \
		"route4", "route6", "rpf4-loose", "rpf4-strict" \
	}
#define TNA_NR_FEATURES 4

/*
 * Per-interface read-only config, set between open and load. The verifier
 * sees it as constant and removes the code of modules that are off.
 */
struct tna_cfg {
	__u64 features;
	__u32 ifindex; /* the interface this instance is attached to */
	__u32 slot; /* row of this interface in the stats map */
	__u8 mac[6]; /* the interface's own address (frames for us) */
	__u8 pad[2];
};

/*
 * Counters: index 0 counts packets the fast path forwarded, every other
 * index counts packets handed to Linux for that reason. One list, so the
 * enum, the names and the stats map layout cannot drift apart.
 */
#define TNA_STATS(X)                               \
	X(FORWARDED, "forwarded")                  \
	X(NOT_IP, "not_ip")                        \
	X(NOT_FOR_US, "l2_not_for_us")             \
	X(MALFORMED, "malformed")                  \
	X(TTL, "ttl_exceeded")                     \
	X(IP_OPTIONS, "ip_options")                \
	X(FRAGMENT, "fragment")                    \
	X(ICMP_SPECIAL, "icmp_error_or_nd")        \
	X(MARTIAN, "martian_address")              \
	X(FAMILY_OFF, "family_not_accelerated")    \
	X(NOT_FWDED, "local_or_no_route")          \
	X(NO_NEIGH, "no_neighbour")                \
	X(FRAG_NEEDED, "frag_needed")              \
	X(FWD_DISABLED, "forwarding_disabled")     \
	X(BLACKHOLE, "blackhole_route")            \
	X(UNREACHABLE, "unreachable_route")        \
	X(PROHIBIT, "prohibit_route")              \
	X(UNSUPP_ROUTE, "unsupported_route")       \
	X(RPF, "rp_filter")                        \
	X(SAME_IFACE, "same_interface")            \
	X(EGRESS_NO_XDP, "egress_not_xdp_capable") \
	X(BYPASS, "bypass")

#define TNA_STAT_ENUM(n, s) TNA_STAT_##n,
enum tna_stat { TNA_STATS(TNA_STAT_ENUM) TNA_STAT_MAX };
#undef TNA_STAT_ENUM

/* Value of the per-CPU stats map; key = slot * TNA_STAT_MAX + stat. */
struct tna_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Key of the local IPv6 address map (the IPv4 map is keyed by the address
 * itself). Both hold the namespace's local (and IPv4 broadcast) addresses:
 * Linux drops a forwarded packet whose source is one of them.
 */
struct tna_addr_key {
	__u32 addr[4];
};

/*
 * Single entry of the runtime map: namespace-wide values every instance
 * reads per packet, changed without reloading anything.
 */
struct tna_runtime {
	__u32 bypass; /* non-zero: hand every packet to Linux */
	/*
	 * Smallest MTU metric of any IPv4/IPv6 route (0: none). Linux's
	 * forwarding honours a route's MTU even when it is not locked;
	 * bpf_fib_lookup() only when locked, so larger packets go to Linux.
	 */
	__u32 route_mtu4;
	__u32 route_mtu6;
	__u32 pad;
};

#endif /* TNA_ABI_H */
