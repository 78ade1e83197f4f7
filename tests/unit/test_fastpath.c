// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Table-driven BPF_PROG_TEST_RUN cases for the router and bridge modules:
 * input frame -> verdict, the counter that must move, the FDB hit counter
 * that must move, and the exact output bytes.
 * Runs inside the namespace tests/unit/fastpath.sh prepares (interfaces,
 * routes, neighbours), because bpf_fib_lookup reads the real kernel FIB.
 */
#include "fixture.h"
#include "apply.h"

#define STAT(x) TNA_STAT_##x

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x05 };
static const uint8_t STP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
static const uint8_t ZERO[6];

enum out_kind { OUT_ROUTED, OUT_BRIDGED, OUT_BRIDGED_TRIM };

/* IPv4 route cache during a case (runtime rc_mtu4 1500 unless rc_mtu) */
enum rc_kind {
	RC_OFF,
	RC_FILL, /* empty: a FIB success must be cached, a failure not */
	RC_PLANT, /* a current entry for the destination: out1 (no XDP) */
	RC_STALE, /* the same entry, of an older generation */
	RC_OTHER_DST, /* the same entry in the slot, for another destination */
	RC_OTHER_IIF, /* the same entry in the slot, for another ingress */
};
#define RC_GEN 7

/* FDB cache (fdb_cache) during a bridged case: the copy of the destination's entry */
enum fc_kind {
	FC_OFF,
	FC_FILL, /* a miss must copy the map's entry for this CPU */
	FC_PLANT, /* a current copy: the station on bp4 (no XDP) */
	FC_STALE_CTL, /* the same copy, of an older controller generation */
	FC_STALE_MOVES, /* the same copy, from before the last move */
	FC_OTHER_KEY, /* the same copy in the slot, for another station */
	FC_MOVE, /* the source moved: entry marked, every copy retired */
};

struct tcase {
	const char *name;
	const char *ingress; /* default in0 */
	uint64_t features; /* default R46 */
	struct pkt_spec in;
	const uint8_t *dmac; /* default: the ingress's MAC */
	const char *dmac_of; /* or the MAC of this interface */
	const uint8_t *smac; /* default OTHER_MAC */
	const char *smac_of; /* or the MAC of this interface */
	int verdict; /* XDP_PASS or XDP_REDIRECT */
	int stat; /* counter that must move by one */
	int bypass;
	enum out_kind out; /* what a redirected frame must look like */
	const uint8_t *nh; /* routed: next hop MAC, default NEIGH_OUT0 */
	const char *via; /* routed: egress (source MAC), default out0 */
	int hit; /* FDB hit counter that must move (index + 1), 0: none */
	uint32_t family_off; /* runtime TNA_RT_*_OFF during the case */
	uint32_t fw; /* runtime TNA_RT_FW4/6 during the case */
	int fw_cached; /* 1 + TNA_FW_* cached for the flow, 0: none */
	uint32_t fw_flags; /* TNA_FW_CT ... of the cached verdict */
	/* 1: cached under a second mask wildcarding source address and
	 * port (the first, all ones, has no entry); 2: that mask keys the
	 * source port, and the entry is for another one */
	int fw_wild;
	const char *br_out; /* cached flow is bridged, out of this port */
	enum rc_kind rcache;
	uint32_t rc_mtu;
	enum fc_kind fcache;
};

static const struct tcase cases[] = {
	/* forwarded */
	{ "ipv4 udp forwarded",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 18 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 to on-link host",
	  .in = { .src = "10.1.0.5", .dst = "10.2.0.2", .payload = 100 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 ethernet padding trimmed",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 2,
		  .pad = 16 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 tcp forwarded",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 40 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 icmp echo forwarded",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 1,
		  .payload = 56 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 ttl 2 forwarded",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .ttl = 2 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 tos kept",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .tos = 0xb8 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv4 DF set forwarded",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .frag_off = 0x4000 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv6 udp forwarded",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .payload = 30 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv6 padding trimmed",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .pad = 8 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "ipv6 icmp echo forwarded",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .proto = 58 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "rpf strict: source behind ingress",
	  .features = TNA_F_ROUTE4 | TNA_F_RPF4_STRICT,
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "rpf loose: source routed elsewhere",
	  .features = TNA_F_ROUTE4 | TNA_F_RPF4_LOOSE,
	  .in = { .src = "10.3.0.5", .dst = "10.2.0.2" },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },

	/* handed to Linux, one case per reason at least */
	{ "arp is not ip",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .ethertype = 0x0806 },
	  .verdict = XDP_PASS, .stat = STAT(NOT_IP) },
	{ "vlan tagged is not ip",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .ethertype = 0x8100 },
	  .verdict = XDP_PASS, .stat = STAT(NOT_IP) },
	{ "unicast for another host",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" }, .dmac = OTHER_MAC,
	  .verdict = XDP_PASS, .stat = STAT(NOT_FOR_US) },
	{ "broadcast frame", .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .dmac = BCAST, .verdict = XDP_PASS, .stat = STAT(NOT_FOR_US) },
	{ "truncated ipv4 header",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .l3_len = 12 },
	  .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "ipv4 bad header checksum",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .bad_csum = 1 },
	  .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "ipv4 total length past frame",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 10,
		  .truncate = 4 },
	  .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "ipv6 payload length past frame",
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .payload = 10,
		  .truncate = 4 },
	  .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "ipv4 options",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .ihl = 6 },
	  .verdict = XDP_PASS, .stat = STAT(IP_OPTIONS) },
	{ "ipv6 hop-by-hop header",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .hbh = 1 },
	  .verdict = XDP_PASS, .stat = STAT(IP_OPTIONS) },
	{ "ipv4 first fragment",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .frag_off = 0x2000 },
	  .verdict = XDP_PASS, .stat = STAT(FRAGMENT) },
	{ "ipv4 later fragment",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .frag_off = 0x00b9 },
	  .verdict = XDP_PASS, .stat = STAT(FRAGMENT) },
	{ "ipv6 fragment header",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .nexthdr = 44 },
	  .verdict = XDP_PASS, .stat = STAT(FRAGMENT) },
	{ "ipv4 ttl 1",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .ttl = 1 },
	  .verdict = XDP_PASS, .stat = STAT(TTL) },
	{ "ipv6 hop limit 1",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .ttl = 1 },
	  .verdict = XDP_PASS, .stat = STAT(TTL) },
	{ "ipv4 icmp error",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 1,
		  .icmp_type = 3,
		  .payload = 28 },
	  .verdict = XDP_PASS, .stat = STAT(ICMP_SPECIAL) },
	{ "ipv6 neighbour solicitation to a global address",
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .proto = 58,
		  .icmp_type = 135,
		  .payload = 20 },
	  .verdict = XDP_PASS, .stat = STAT(ICMP_SPECIAL) },
	{ "ipv6 icmp error",
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .proto = 58,
		  .icmp_type = 1,
		  .payload = 48 },
	  .verdict = XDP_PASS, .stat = STAT(ICMP_SPECIAL) },
	{ "ipv4 loopback source",
	  .in = { .src = "127.0.0.1", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(MARTIAN) },
	{ "ipv4 zero source", .in = { .src = "0.0.0.0", .dst = "10.3.0.9" },
	  .verdict = XDP_PASS, .stat = STAT(MARTIAN) },
	{ "ipv4 multicast source",
	  .in = { .src = "224.0.0.5", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(MARTIAN) },
	{ "ipv4 loopback destination",
	  .in = { .src = "10.1.0.5", .dst = "127.0.0.1" }, .verdict = XDP_PASS,
	  .stat = STAT(MARTIAN) },
	{ "ipv4 local address as source",
	  .in = { .src = "10.2.0.1", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(MARTIAN) },
	{ "ipv4 subnet broadcast as source",
	  .in = { .src = "10.1.0.255", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(MARTIAN) },
	{ "ipv6 link-local source",
	  .in = { .v6 = 1, .src = "fe80::5", .dst = "fd03::9" },
	  .verdict = XDP_PASS, .stat = STAT(MARTIAN) },
	{ "ipv6 multicast destination",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "ff02::1" },
	  .verdict = XDP_PASS, .stat = STAT(MARTIAN) },
	{ "ipv6 v4-mapped source",
	  .in = { .v6 = 1, .src = "::ffff:10.1.0.5", .dst = "fd03::9" },
	  .verdict = XDP_PASS, .stat = STAT(MARTIAN) },
	{ "ipv6 local address as source",
	  .in = { .v6 = 1, .src = "fd02::1", .dst = "fd03::9" },
	  .verdict = XDP_PASS, .stat = STAT(MARTIAN) },
	{ "ipv4 local destination",
	  .in = { .src = "10.1.0.5", .dst = "10.1.0.1" }, .verdict = XDP_PASS,
	  .stat = STAT(NOT_FWDED) },
	{ "ipv4 no route", .in = { .src = "10.1.0.5", .dst = "10.200.0.1" },
	  .verdict = XDP_PASS, .stat = STAT(NOT_FWDED) },
	{ "ipv6 local destination",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd02::1" },
	  .verdict = XDP_PASS, .stat = STAT(NOT_FWDED) },
	{ "ipv4 blackhole route",
	  .in = { .src = "10.1.0.5", .dst = "10.4.0.1" }, .verdict = XDP_PASS,
	  .stat = STAT(BLACKHOLE) },
	{ "ipv4 unreachable route",
	  .in = { .src = "10.1.0.5", .dst = "10.5.0.1" }, .verdict = XDP_PASS,
	  .stat = STAT(UNREACHABLE) },
	{ "ipv4 prohibit route", .in = { .src = "10.1.0.5", .dst = "10.6.0.1" },
	  .verdict = XDP_PASS, .stat = STAT(PROHIBIT) },
	{ "ipv4 no neighbour", .in = { .src = "10.1.0.5", .dst = "10.7.0.1" },
	  .verdict = XDP_PASS, .stat = STAT(NO_NEIGH) },
	{ "ipv6 no neighbour",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd07::1" },
	  .verdict = XDP_PASS, .stat = STAT(NO_NEIGH) },
	{ "ipv4 bigger than route mtu",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.12.0.1",
		  .payload = 300,
		  .frag_off = 0x4000 },
	  .verdict = XDP_PASS, .stat = STAT(FRAG_NEEDED) },
	{ "ipv6 bigger than unlocked route mtu",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd12::1", .payload = 1400 },
	  .verdict = XDP_PASS, .stat = STAT(FRAG_NEEDED) },
	{ "ipv4 egress cannot take xdp frames",
	  .in = { .src = "10.1.0.5", .dst = "10.8.0.1" }, .verdict = XDP_PASS,
	  .stat = STAT(EGRESS_NO_XDP) },
	{ "ipv4 out the ingress (redirect)",
	  .in = { .src = "10.1.0.5", .dst = "10.1.0.99" }, .verdict = XDP_PASS,
	  .stat = STAT(SAME_IFACE) },
	{ "ipv4 forwarding disabled on ingress", .ingress = "in1",
	  .in = { .src = "10.11.0.5", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(FWD_DISABLED) },
	{ "ipv6 with route4-only program", .features = TNA_F_ROUTE4,
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9" },
	  .verdict = XDP_PASS, .stat = STAT(FAMILY_OFF) },
	{ "ipv4 with route6-only program", .features = TNA_F_ROUTE6,
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" }, .verdict = XDP_PASS,
	  .stat = STAT(FAMILY_OFF) },
	{ "rpf strict: source routed elsewhere",
	  .features = TNA_F_ROUTE4 | TNA_F_RPF4_STRICT,
	  .in = { .src = "10.3.0.5", .dst = "10.2.0.2" }, .verdict = XDP_PASS,
	  .stat = STAT(RPF) },
	{ "rpf loose: source without route",
	  .features = TNA_F_ROUTE4 | TNA_F_RPF4_LOOSE,
	  .in = { .src = "10.200.0.5", .dst = "10.2.0.2" }, .verdict = XDP_PASS,
	  .stat = STAT(RPF) },
	{ "rpf loose: source blackholed",
	  .features = TNA_F_ROUTE4 | TNA_F_RPF4_LOOSE,
	  .in = { .src = "10.4.0.5", .dst = "10.2.0.2" }, .verdict = XDP_PASS,
	  .stat = STAT(RPF) },
	/* IPv4 route cache (the FIB's answer per ingress and destination) */
	{ "route cache: a miss asks the FIB and caches its answer",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 18 },
	  .rcache = RC_FILL, .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "route cache: a FIB failure is not cached",
	  .in = { .src = "10.1.0.5", .dst = "10.4.0.9" }, .rcache = RC_FILL,
	  .verdict = XDP_PASS, .stat = STAT(BLACKHOLE) },
	{ "route cache: a current entry answers (here: out1, no XDP)",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" }, .rcache = RC_PLANT,
	  .verdict = XDP_PASS, .stat = STAT(EGRESS_NO_XDP) },
	{ "route cache: an entry of an older generation is a miss",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" }, .rcache = RC_STALE,
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "route cache: the slot holding another destination is a miss",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .rcache = RC_OTHER_DST, .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED) },
	{ "route cache: the slot holding another ingress's entry is a miss",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .rcache = RC_OTHER_IIF, .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED) },
	{ "route cache: a packet longer than rc_mtu4 asks the FIB",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 100 },
	  .rcache = RC_PLANT, .rc_mtu = 100, .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED) },
	{ "route cache off: a current entry is ignored",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" }, .rcache = RC_PLANT,
	  .rc_mtu = UINT32_MAX, .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED) },
	{ "bypass switch on", .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .bypass = TNA_BYPASS_USER, .verdict = XDP_PASS,
	  .stat = STAT(BYPASS) },
	{ "controller busy (loading programs)",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .bypass = TNA_BYPASS_BUSY, .verdict = XDP_PASS, .stat = STAT(BUSY) },
	{ "controller busy and bypass switch on",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .bypass = TNA_BYPASS_USER | TNA_BYPASS_BUSY, .verdict = XDP_PASS,
	  .stat = STAT(BYPASS) },

	/* transport checksums of a veth ingress (TNA_F_CSUM) */
	{ "l4-csum: tcp, right checksum, forwarded",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 333 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: tcp left to offload: completed, forwarded",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 333,
		  .l4_csum = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp left to offload, 1400 bytes: completed, forwarded",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 1400,
		  .l4_csum = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp left to offload, sum 0 written as 0xffff",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 2,
		  .l4_csum = 1,
		  .csum_zero = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp 1400 bytes, right", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 1400 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp without checksum (ipv4)", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 31,
		  .l4_csum = 2 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: ipv6 udp left to offload: completed, forwarded",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .payload = 77,
		  .l4_csum = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: tcp neither complete nor left to offload: Linux",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 333,
		  .l4_csum = 3 },
	  .verdict = XDP_PASS, .stat = STAT(L4_CSUM) },
	{ "l4-csum: ipv6 tcp odd length, right", .features = R46 | TNA_F_CSUM,
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .proto = 6,
		  .payload = 77 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	/* lengths around the 512-byte chunks the sum is taken in */
	{ "l4-csum: tcp 512 bytes, right", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 492 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: tcp 513 bytes, right", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 493 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp 1031 bytes, right", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 1023 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: udp 1 payload byte, right", .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9", .payload = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: tcp 513 bytes, one bit wrong: Linux",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .payload = 493,
		  .l4_csum = 3 },
	  .verdict = XDP_PASS, .stat = STAT(L4_CSUM) },
	{ "l4-csum: udp 1400 bytes, one bit wrong: Linux",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .payload = 1400,
		  .l4_csum = 3 },
	  .verdict = XDP_PASS, .stat = STAT(L4_CSUM) },
	{ "l4-csum: ipv6 udp 1101 bytes, one bit wrong: Linux",
	  .features = R46 | TNA_F_CSUM,
	  .in = { .v6 = 1,
		  .src = "fd01::5",
		  .dst = "fd03::9",
		  .payload = 1093,
		  .l4_csum = 3 },
	  .verdict = XDP_PASS, .stat = STAT(L4_CSUM) },
	{ "l4-csum: ipv6 udp 1101 bytes, right", .features = R46 | TNA_F_CSUM,
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .payload = 1093 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "l4-csum: bridged tcp left to offload: completed, bridged",
	  .ingress = "bp0", .features = BR_IP | TNA_F_CSUM, .smac = H0,
	  .dmac = H1,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .proto = 6,
		  .payload = 20,
		  .l4_csum = 1 },
	  .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED), .out = OUT_BRIDGED,
	  .hit = 1 },
	{ "l4-csum: bridged tcp, right checksum", .ingress = "bp0",
	  .features = BR_IP | TNA_F_CSUM, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .proto = 6,
		  .payload = 21 },
	  .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED), .out = OUT_BRIDGED,
	  .hit = 1 },
	/* firewall: verdicts cached per flow by the controller */
	{ "firewall: no verdict yet: Linux, controller asked",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4001 },
	  .fw = TNA_RT_FW4, .verdict = XDP_PASS, .stat = STAT(FW_PENDING) },
	{ "firewall: accepted flow forwarded",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4002 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_ACCEPT,
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "firewall: wildcarded verdict covers other sources and ports",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4012 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_ACCEPT, .fw_wild = 1,
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "firewall: wildcarded verdict for another source port: asks",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4013 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_ACCEPT, .fw_wild = 2,
	  .verdict = XDP_PASS, .stat = STAT(FW_PENDING) },
	{ "firewall: dropped flow: Linux drops it",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4003 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_LINUX, .verdict = XDP_PASS,
	  .stat = STAT(FW_LINUX) },
	{ "firewall: accepted if established, no conntrack entry: Linux",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 6,
		  .sport = 4004 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_ACCEPT,
	  .fw_flags = TNA_FW_CT, .verdict = XDP_PASS, .stat = STAT(FW_CT) },
	{ "firewall: icmp is not keyed: Linux",
	  .in = { .src = "10.1.0.5",
		  .dst = "10.3.0.9",
		  .proto = 1,
		  .payload = 56 },
	  .fw = TNA_RT_FW4, .verdict = XDP_PASS, .stat = STAT(FW_UNKEYED) },
	{ "firewall: ipv6 udp accepted",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .sport = 4005 },
	  .fw = TNA_RT_FW6, .fw_cached = 1 + TNA_FW_ACCEPT,
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	{ "firewall: ipv4 only: ipv6 not checked",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9", .sport = 4006 },
	  .fw = TNA_RT_FW4, .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED) },
	/* firewall on bridged frames: bp0 (H0) to bp1 (H1) */
	{ "bridge firewall: no verdict yet: Linux, controller asked",
	  .ingress = "bp0", .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .proto = 6,
		  .sport = 4101 },
	  .fw = TNA_RT_FW_BR, .verdict = XDP_PASS, .stat = STAT(FW_PENDING) },
	{ "bridge firewall: accepted flow bridged", .ingress = "bp0",
	  .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .proto = 6,
		  .sport = 4102 },
	  .fw = TNA_RT_FW_BR, .fw_cached = 1 + TNA_FW_ACCEPT, .br_out = "bp1",
	  .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED), .out = OUT_BRIDGED,
	  .hit = 1 },
	{ "bridge firewall: flow keyed with its MACs", .ingress = "bp0",
	  .features = BR_IP, .smac = H0, .dmac = MOVED,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .proto = 6,
		  .sport = 4102 }, /* same ports and 5-tuple, other MAC */
	  .fw = TNA_RT_FW_BR, .verdict = XDP_PASS, .stat = STAT(FW_PENDING) },
	{ "bridge firewall: dropped flow: Linux", .ingress = "bp0",
	  .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6", .sport = 4103 },
	  .fw = TNA_RT_FW_BR, .fw_cached = 1 + TNA_FW_LINUX, .br_out = "bp1",
	  .verdict = XDP_PASS, .stat = STAT(FW_LINUX) },
	{ "bridge firewall: fragment: Linux", .ingress = "bp0",
	  .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .frag_off = 0x2000 },
	  .fw = TNA_RT_FW_BR, .verdict = XDP_PASS, .stat = STAT(FRAGMENT) },
	{ "bridge firewall: ip options: Linux", .ingress = "bp0",
	  .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .ihl = 6 },
	  .fw = TNA_RT_FW_BR, .verdict = XDP_PASS, .stat = STAT(IP_OPTIONS) },
	{ "br_netfilter with ip rules: accepted flow bridged", .ingress = "bp0",
	  .features = BR_IP | BR_NF, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .sport = 4104 },
	  .fw = TNA_RT_FW4, .fw_cached = 1 + TNA_FW_ACCEPT, .br_out = "bp1",
	  .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED), .out = OUT_BRIDGED,
	  .hit = 1 },
	{ "br_netfilter with ip rules: no verdict yet: Linux", .ingress = "bp0",
	  .features = BR_IP | BR_NF, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .sport = 4105 },
	  .fw = TNA_RT_FW4, .verdict = XDP_PASS, .stat = STAT(FW_PENDING) },
	{ "br_netfilter with ip6 rules only: ipv4 bridged unchecked",
	  .ingress = "bp0", .features = BR_IP | BR_NF, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .sport = 4106 },
	  .fw = TNA_RT_FW6, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 1 },
	{ "no br_netfilter: ip rules do not see bridged frames",
	  .ingress = "bp0", .features = BR_IP, .smac = H0, .dmac = H1,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .sport = 4107 },
	  .fw = TNA_RT_FW4 | TNA_RT_FW6, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	{ "routed into a bridge with bridge output chains: Linux",
	  .features = R46 | TNA_F_ROUTE_TO_BR,
	  .in = { .src = "10.1.0.5", .dst = "10.20.0.2", .payload = 40 },
	  .family_off = TNA_RT_BRIDGE_OFF, .verdict = XDP_PASS,
	  .stat = STAT(FAMILY_OFF) },
	/* runtime switches: a chain appears, no new program needed */
	{ "runtime: IPv4 routing off (a forward chain appeared)",
	  .in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
	  .family_off = TNA_RT_ROUTE4_OFF, .verdict = XDP_PASS,
	  .stat = STAT(FAMILY_OFF) },
	{ "runtime: IPv6 still routed while IPv4 is off",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9" },
	  .family_off = TNA_RT_ROUTE4_OFF, .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED) },
	{ "runtime: IPv6 routing off",
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd03::9" },
	  .family_off = TNA_RT_ROUTE6_OFF, .verdict = XDP_PASS,
	  .stat = STAT(FAMILY_OFF) },
	{ "runtime: bridging off (a bridge-family chain)", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = H0, .dmac = H1, .family_off = TNA_RT_BRIDGE_OFF,
	  .verdict = XDP_PASS, .stat = STAT(FAMILY_OFF) },
	{ "port flag: bridged IPv4 to Linux (br_netfilter rules)",
	  .ingress = "bp5", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H5,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(FAMILY_OFF) },
	{ "port flag: bridged IPv6 still on the fast path", .ingress = "bp5",
	  .features = BR_IP,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6" }, .smac = H5,
	  .dmac = H1, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 10 },

	/* bridge module: frames entering port bp0 of br0 from H0 */
	{ "bridge ipv4 to known station", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .payload = 30 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	/* FDB cache: per-CPU copies of the entries, retired by generation */
	{ "fdb cache: a miss copies the map's entry", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1,
	  .fcache = FC_FILL },
	{ "fdb cache: a current copy answers (here: bp4, no XDP)",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(EGRESS_NO_XDP),
	  .fcache = FC_PLANT },
	{ "fdb cache: a copy of an older controller generation is a miss",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 1, .fcache = FC_STALE_CTL },
	{ "fdb cache: a copy from before the last move is a miss",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 1, .fcache = FC_STALE_MOVES },
	{ "fdb cache: the slot holding another station is a miss",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 1, .fcache = FC_OTHER_KEY },
	{ "bridge ipv6 to known station", .ingress = "bp0", .features = BR_IP,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_REDIRECT, .stat = STAT(BRIDGED),
	  .out = OUT_BRIDGED, .hit = 1 },
	{ "bridge keeps padding without br_netfilter", .ingress = "bp0",
	  .features = BR_IP,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .payload = 2,
		  .pad = 16 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	{ "bridge trims padding with br_netfilter", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .payload = 2,
		  .pad = 16 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED_TRIM, .hit = 1 },
	{ "bridge ipv6 trims padding with br_netfilter", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6", .pad = 6 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED_TRIM, .hit = 1 },
	{ "bridge forwards a bad checksum without br_netfilter",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .bad_csum = 1 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	{ "br_netfilter for IPv4 only: IPv6 padding kept", .ingress = "bp0",
	  .features = BR_IP | TNA_F_BR_NF4,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6", .pad = 6 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	{ "br_netfilter for IPv6 only: IPv4 bad checksum bridged",
	  .ingress = "bp0", .features = BR_IP | TNA_F_BR_NF6,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .bad_csum = 1 },
	  .smac = H0, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 1 },
	{ "br_netfilter: bad checksum to Linux", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .bad_csum = 1 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(MALFORMED) },
	{ "br_netfilter: truncated ipv4 to Linux", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .src = "10.20.0.5",
		  .dst = "10.20.0.6",
		  .payload = 10,
		  .truncate = 4 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(MALFORMED) },
	{ "br_netfilter: ipv4 options to Linux", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .ihl = 6 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(IP_OPTIONS) },
	{ "br_netfilter: ipv6 hop-by-hop to Linux", .ingress = "bp0",
	  .features = BR_IP | BR_NF,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6", .hbh = 1 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(IP_OPTIONS) },
	{ "bridge unknown destination floods via Linux", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = H0, .dmac = OTHER_MAC, .verdict = XDP_PASS,
	  .stat = STAT(L2_UNKNOWN) },
	{ "bridge broadcast", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = BCAST, .verdict = XDP_PASS, .stat = STAT(L2_FLOOD) },
	{ "bridge multicast", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "224.0.0.5" }, .smac = H0,
	  .dmac = MCAST, .verdict = XDP_PASS, .stat = STAT(L2_FLOOD) },
	{ "bridge link-local (STP group)", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .ethertype = 0x0027 },
	  .smac = H0, .dmac = STP, .verdict = XDP_PASS,
	  .stat = STAT(L2_FLOOD) },
	{ "bridge unicast arp", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .ethertype = 0x0806 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS, .stat = STAT(NOT_IP) },
	{ "bridge vlan tagged", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .ethertype = 0x8100 },
	  .smac = H0, .dmac = H1, .verdict = XDP_PASS, .stat = STAT(NOT_IP) },
	{ "bridge new station: Linux learns", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = OTHER_MAC, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(L2_SRC_UNKNOWN) },
	{ "bridge station moved to this port: Linux learns", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = MOVED, .dmac = H1, .verdict = XDP_PASS,
	  .stat = STAT(L2_SRC_UNKNOWN), .fcache = FC_MOVE },
	{ "bridge: frames to the station Linux is moving: Linux",
	  .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = MOVED, .verdict = XDP_PASS, .stat = STAT(L2_MOVED) },
	{ "bridge own address as source", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac_of = "bp0",
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(L2_SRC_UNKNOWN) },
	{ "bridge multicast source", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = MCAST,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "bridge zero source", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = ZERO,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(MALFORMED) },
	{ "bridge to a blocking port", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H2, .verdict = XDP_PASS, .stat = STAT(PORT_STATE) },
	{ "bridge from a blocking port", .ingress = "bp2", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H2,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(PORT_STATE) },
	{ "bridge between isolated ports", .ingress = "bp0", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H0,
	  .dmac = H3, .verdict = XDP_PASS, .stat = STAT(ISOLATED) },
	{ "bridge isolated port to plain port", .ingress = "bp3",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = OTHER_MAC, .dmac = H1, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED }, /* learning off */
	{ "bridge frame over egress port mtu", .ingress = "bp1",
	  .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .payload = 180 },
	  .smac = H1, .dmac = H3, .verdict = XDP_PASS, .stat = STAT(L2_MTU) },
	{ "bridge frame at egress port mtu", .ingress = "bp1",
	  .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6", .payload = 172 },
	  .smac = H1, .dmac = H3, .verdict = XDP_REDIRECT,
	  .stat = STAT(BRIDGED), .out = OUT_BRIDGED, .hit = 2 },
	{ "bridge to a port without XDP transmit", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = H0, .dmac = H4, .verdict = XDP_PASS,
	  .stat = STAT(EGRESS_NO_XDP) },
	{ "bridge: FDB entry with another port's index (stale): Linux",
	  .ingress = "bp1", .features = BR_IP,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.6" }, .smac = H1,
	  .dmac = STALE, .verdict = XDP_PASS, .stat = STAT(PORT_STATE) },
	{ "bridge back out of the ingress port", .ingress = "bp1",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.20.0.6" },
	  .smac = H1, .dmac = MOVED, .verdict = XDP_PASS,
	  .stat = STAT(SAME_PORT) },
	{ "bridge ipv6 with only ipv4 bridged", .ingress = "bp0",
	  .features = TNA_F_BRIDGE | TNA_F_BR_IP4,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd20::6" }, .smac = H0,
	  .dmac = H1, .verdict = XDP_PASS, .stat = STAT(FAMILY_OFF) },
	{ "frame for the bridge, routing off", .ingress = "bp0",
	  .features = BR_IP, .in = { .src = "10.20.0.5", .dst = "10.3.0.9" },
	  .smac = H0, .dmac_of = "br0", .verdict = XDP_PASS,
	  .stat = STAT(L2_LOCAL) },

	/* bridge + router */
	{ "routed from a bridge port", .ingress = "bp0",
	  .features = BR_IP | TNA_F_ROUTE4,
	  .in = { .src = "10.20.0.5", .dst = "10.3.0.9", .payload = 20 },
	  .smac = H0, .dmac_of = "br0", .verdict = XDP_REDIRECT,
	  .stat = STAT(FORWARDED), .hit = 1 },
	{ "routed from a bridge port, to the port's own MAC", .ingress = "bp0",
	  .features = BR_IP | TNA_F_ROUTE4,
	  .in = { .src = "10.20.0.5", .dst = "10.3.0.9" }, .smac = H0,
	  .dmac_of = "bp0", .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED),
	  .hit = 1 },
	{ "routed ipv6 from a bridge port", .ingress = "bp0",
	  .features = BR_IP | TNA_F_ROUTE6,
	  .in = { .v6 = 1, .src = "fd20::5", .dst = "fd03::9" }, .smac = H0,
	  .dmac_of = "br0", .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED),
	  .hit = 1 },
	{ "routed back into the same bridge", .ingress = "bp0",
	  .features = BR_IP | TNA_F_ROUTE4 | TNA_F_ROUTE_TO_BR,
	  .in = { .src = "10.20.0.5", .dst = "10.20.0.2" }, .smac = H0,
	  .dmac_of = "br0", .verdict = XDP_PASS, .stat = STAT(SAME_IFACE) },
	{ "routed into a bridge", .features = R46 | TNA_F_ROUTE_TO_BR,
	  .in = { .src = "10.1.0.5", .dst = "10.20.0.2", .payload = 40 },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED), .nh = NEIGH_BR,
	  .via = "br0" },
	{ "routed ipv6 into a bridge", .features = R46 | TNA_F_ROUTE_TO_BR,
	  .in = { .v6 = 1, .src = "fd01::5", .dst = "fd20::2" },
	  .verdict = XDP_REDIRECT, .stat = STAT(FORWARDED), .nh = NEIGH_BR,
	  .via = "br0" },
	{ "routed into a bridge, neighbour not in FDB",
	  .features = R46 | TNA_F_ROUTE_TO_BR,
	  .in = { .src = "10.1.0.5", .dst = "10.20.0.3" }, .verdict = XDP_PASS,
	  .stat = STAT(L2_UNKNOWN) },
	{ "routed into a bridge without the bridge egress module",
	  .in = { .src = "10.1.0.5", .dst = "10.20.0.2" }, .verdict = XDP_PASS,
	  .stat = STAT(EGRESS_NO_XDP) },
};

struct instance {
	const char *ingress;
	uint64_t features;
	struct tna *skel;
};

static struct instance insts[16];
static int nr_insts;

/* One loaded object per (ingress, features), cached. */
static struct tna *instance(const char *ingress, uint64_t features)
{
	struct tna *skel;

	for (int i = 0; i < nr_insts; i++)
		if (!strcmp(insts[i].ingress, ingress) &&
		    insts[i].features == features)
			return insts[i].skel;
	skel = fixture_load(ingress, features);
	if (skel)
		insts[nr_insts++] =
			(struct instance){ ingress, features, skel };
	return skel;
}

static uint64_t slot_counter(struct tna *skel, uint32_t slot, int stat)
{
	int ncpus = libbpf_num_possible_cpus();
	struct tna_counter v[ncpus];
	__u32 key = slot * TNA_STAT_MAX + stat;
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &key, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i].packets;
	return sum;
}

/* Packets counted for stat in stats slot 0 (the table's programs). */
static uint64_t counter(struct tna *skel, int stat)
{
	return slot_counter(skel, 0, stat);
}

static uint64_t fdb_hits(struct tna *skel, __u32 idx)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t v[ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.fdb_hits), &idx, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

#define NR_FDB ((int)(sizeof(br_fdb) / sizeof(br_fdb[0])))

static int expected(const struct tcase *c, const uint8_t *in, int len,
		    uint8_t *want)
{
	uint8_t via[6];

	if (c->verdict != XDP_REDIRECT) {
		memcpy(want, in, len); /* handed to Linux untouched */
		return len;
	}
	if (c->out != OUT_ROUTED)
		return pkt_bridged(want, in, len, c->out == OUT_BRIDGED_TRIM);
	if (mac_of(c->via ? c->via : "out0", via))
		return -1;
	return pkt_forwarded(want, in, len, c->nh ? c->nh : NEIGH_OUT0, via);
}

/* Runtime firewall switch and, if asked, the flow's cached verdict. */
static int fw_prepare(struct tna *skel, const struct tcase *c,
		      const uint8_t *frame)
{
	struct tna_runtime rt = { .route_mtu6 = 1280,
				  .fw = c->fw,
				  .fw_gen = 7 };
	struct tna_fw_key k = { .family = c->in.v6 ? AF_INET6 : AF_INET,
				.proto = c->in.proto ? c->in.proto : 17 };
	struct tna_fw_val v = { .gen = 7, .flags = c->fw_flags };
	const uint8_t *ip = frame + 14, *th = ip + (c->in.v6 ? 40 : 20);
	struct tna_fw_key m[2];
	__u32 zero = 0;

	memset(m, 0xff, sizeof(m));
	m[0].mask = m[1].mask = 0;
	memset(m[1].saddr, 0, sizeof(m[1].saddr));
	if (c->fw_wild == 1)
		m[1].sport = 0;
	rt.fw_nmasks = c->fw_wild ? 2 : 1;
	for (__u32 i = 0; i < 2; i++) {
		__u32 idx = tna_fw_bank(rt.fw_gen) + i;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.fw_masks), &idx,
					&m[i], BPF_ANY))
			return -1;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.runtime), &zero, &rt,
				BPF_ANY))
		return -1;
	if (!c->fw_cached)
		return 0;
	k.iif = if_nametoindex(c->ingress ? c->ingress : "in0");
	k.oif = if_nametoindex(c->br_out ? c->br_out :
			       c->via	 ? c->via :
					   "out0");
	if (c->br_out) {
		k.path = TNA_FW_BRIDGED;
		memcpy(k.dmac, frame, 6);
		memcpy(k.smac, frame + 6, 6);
	}
	memcpy(k.saddr, ip + (c->in.v6 ? 8 : 12), c->in.v6 ? 16 : 4);
	memcpy(k.daddr, ip + (c->in.v6 ? 24 : 16), c->in.v6 ? 16 : 4);
	memcpy(&k.sport, th, 2);
	memcpy(&k.dport, th + 2, 2);
	if (k.proto == 6)
		k.tcp_flags = th[13];
	if (c->fw_wild) { /* the key under mask 1 */
		if (c->fw_wild == 2)
			k.sport = htons(ntohs(k.sport) + 1);
		for (size_t i = 0; i < sizeof(k); i++)
			((uint8_t *)&k)[i] &= ((uint8_t *)&m[1])[i];
		k.mask = 1;
	}
	v.verdict = c->fw_cached - 1;
	{
		int ncpus = libbpf_num_possible_cpus();
		struct tna_fw_val all[ncpus];

		for (int i = 0; i < ncpus; i++)
			all[i] = v;
		return bpf_map_update_elem(bpf_map__fd(skel->maps.fw_flows), &k,
					   all, BPF_ANY);
	}
}

/*
 * How many of the ncpus copies of a per-CPU value (size bytes each) equal
 * want; -1 if another one is not empty.
 */
static int percpu_copies(const void *all, int ncpus, size_t size,
			 const void *want)
{
	static const uint8_t zero[64];
	int n = 0;

	if (size > sizeof(zero))
		return -1;
	for (int i = 0; i < ncpus; i++) {
		const uint8_t *v = (const uint8_t *)all + i * size;

		if (!memcmp(v, want, size))
			n++;
		else if (memcmp(v, zero, size))
			return -1;
	}
	return n;
}

/* The route cache slot of the case's (ingress, destination). */
static __u32 rc_slot(const struct tcase *c, const char *ingress)
{
	__u32 daddr = 0;

	inet_pton(AF_INET, c->in.dst, &daddr);
	return tna_rc_slot(if_nametoindex(ingress), daddr);
}

/* Every CPU's copy of slot set to e (a per-CPU array). */
static int rc_put(struct tna *skel, __u32 slot, const struct tna_rc_ent *e)
{
	int ncpus = libbpf_num_possible_cpus();
	struct tna_rc_ent all[ncpus];

	for (int i = 0; i < ncpus; i++)
		all[i] = *e;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.route_cache4), &slot,
				   all, BPF_ANY);
}

/* Runtime with the cache on (rc_mtu UINT32_MAX: off), the entry planted. */
static int rc_prepare(struct tna *skel, const struct tcase *c,
		      const char *ingress)
{
	int rt_fd = bpf_map__fd(skel->maps.runtime);
	__u32 slot = rc_slot(c, ingress), zero = 0;
	struct tna_rc_ent e = { .gen = RC_GEN,
				.iif = if_nametoindex(ingress),
				.ifindex = if_nametoindex("out1") };
	struct tna_runtime rt;

	if (bpf_map_lookup_elem(rt_fd, &zero, &rt))
		return -1;
	rt.rc_mtu4 = c->rc_mtu == UINT32_MAX ? 0 : c->rc_mtu ? c->rc_mtu : 1500;
	rt.rc_gen = RC_GEN;
	inet_pton(AF_INET, c->in.dst, &e.daddr);
	if (c->rcache == RC_STALE)
		e.gen = RC_GEN - 1;
	if (c->rcache == RC_OTHER_DST)
		e.daddr ^= htonl(1);
	if (c->rcache == RC_OTHER_IIF)
		e.iif = if_nametoindex("in1");
	inet_pton(AF_INET, "10.9.0.2", &e.nh);
	memcpy(e.dmac, (uint8_t[]){ 2, 0, 0, 0, 9, 2 }, 6);
	if (c->rcache == RC_FILL)
		memset(&e, 0, sizeof(e));
	else if (mac_of("out1", e.smac))
		return -1;
	if (rc_put(skel, slot, &e))
		return -1;
	return bpf_map_update_elem(rt_fd, &zero, &rt, BPF_ANY);
}

/* After the run: a FIB success was cached as the FIB said, nothing else. */
static int rc_check(struct tna *skel, const struct tcase *c,
		    const char *ingress)
{
	int ncpus = libbpf_num_possible_cpus(), ret = 0;
	struct tna_rc_ent all[ncpus],
		want = { .gen = RC_GEN,
			 .iif = if_nametoindex(ingress),
			 .ifindex = if_nametoindex("out0") };
	__u32 slot = rc_slot(c, ingress);

	if (c->rcache == RC_FILL) {
		inet_pton(AF_INET, c->in.dst, &want.daddr);
		inet_pton(AF_INET, "10.2.0.2", &want.nh);
		memcpy(want.dmac, NEIGH_OUT0, 6);
		if (mac_of("out0", want.smac) ||
		    bpf_map_lookup_elem(bpf_map__fd(skel->maps.route_cache4),
					&slot, all))
			return 1;
		/* The run's CPU filled its copy, the others stay empty. */
		ret = percpu_copies(all, ncpus, sizeof(all[0]), &want) !=
		      (c->verdict == XDP_REDIRECT);
	}
	memset(&want, 0, sizeof(want));
	rc_put(skel, slot, &want);
	return ret;
}

static __u32 fc_moves(struct tna *skel)
{
	__u32 zero = 0, n = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.fdb_moves), &zero, &n);
	return n;
}

/* The generation copies carry now (struct tna_fdbc_ent). */
static __u64 fc_gen(struct tna *skel)
{
	struct tna_runtime rt = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.runtime), &zero, &rt);
	return (__u64)rt.fdb_gen << 32 | fc_moves(skel);
}

static struct tna_fdb_key fc_key(const uint8_t *mac)
{
	struct tna_fdb_key k = { .bridge = if_nametoindex("br0") };

	memcpy(k.mac, mac, 6);
	return k;
}

/* Every CPU's copy in k's slot set to e. */
static int fc_put(struct tna *skel, const struct tna_fdb_key *k,
		  const struct tna_fdbc_ent *e)
{
	int ncpus = libbpf_num_possible_cpus();
	struct tna_fdbc_ent all[ncpus];
	__u32 slot = tna_fdb_slot(k);

	for (int i = 0; i < ncpus; i++)
		all[i] = *e;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.fdb_cache), &slot,
				   all, BPF_ANY);
}

/* Runtime with a controller generation of 5, the destination's copy planted. */
static int fc_prepare(struct tna *skel, const struct tcase *c, __u64 *gen)
{
	int rt_fd = bpf_map__fd(skel->maps.runtime);
	struct tna_fdb_key k = fc_key(c->dmac);
	struct tna_fdbc_ent e = { .key = k };
	struct tna_runtime rt;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(rt_fd, &zero, &rt))
		return -1;
	rt.fdb_gen = 5;
	if (bpf_map_update_elem(rt_fd, &zero, &rt, BPF_ANY))
		return -1;
	e.gen = *gen = fc_gen(skel);
	e.val.port = if_nametoindex("bp4");
	e.val.port_idx = port_idx("bp4");
	if (c->fcache == FC_STALE_CTL)
		e.gen -= 1ULL << 32;
	if (c->fcache == FC_STALE_MOVES)
		e.gen += 1; /* as if taken before the move that was not made */
	if (c->fcache == FC_OTHER_KEY)
		e.key.mac[5] ^= 1;
	if (c->fcache == FC_FILL || c->fcache == FC_MOVE)
		memset(&e, 0, sizeof(e));
	return fc_put(skel, &k, &e);
}

/* After the run: the miss copied the map's entry on one CPU; a move marked and retired. */
static int fc_check(struct tna *skel, const struct tcase *c, __u64 gen,
		    __u32 moves0)
{
	int ncpus = libbpf_num_possible_cpus(), ret = 0;
	struct tna_fdb_key k = fc_key(c->dmac);
	struct tna_fdbc_ent all[ncpus], want = { .key = k }, zero = { 0 };
	__u32 slot = tna_fdb_slot(&k);

	if (c->fcache == FC_FILL) {
		want.gen = gen;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.fdb), &k,
					&want.val) ||
		    bpf_map_lookup_elem(bpf_map__fd(skel->maps.fdb_cache),
					&slot, all))
			return 1;
		ret = percpu_copies(all, ncpus, sizeof(all[0]), &want) != 1;
	}
	if (c->fcache == FC_MOVE) {
		struct tna_fdb_key src = fc_key(c->smac);
		struct tna_fdb_val v;

		ret = fc_moves(skel) != moves0 + 1 ||
		      bpf_map_lookup_elem(bpf_map__fd(skel->maps.fdb), &src,
					  &v) ||
		      !(v.flags & TNA_FDB_MOVED);
	}
	fc_put(skel, &k, &zero);
	return ret;
}

static int run_case(const struct tcase *c)
{
	const char *ingress = c->ingress ? c->ingress : "in0";
	uint64_t features = c->features ? c->features : R46;
	uint8_t in[PKT_MAX], out[PKT_MAX], want[PKT_MAX], mac[6], dmac[6],
		smac[6];
	struct tna *skel = instance(ingress, features);
	uint64_t before[TNA_STAT_MAX], hits[NR_FDB];
	int len, want_len, moved = -1, hit_moved = 0;
	__u32 moves0;
	__u64 fgen = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (!skel || mac_of(ingress, mac) ||
	    mac_of(c->dmac_of ? c->dmac_of : ingress, dmac) ||
	    mac_of(c->smac_of ? c->smac_of : ingress, smac)) {
		printf("FAIL %s: cannot load or find interfaces\n", c->name);
		return 1;
	}
	len = pkt_build(in, &c->in, c->dmac ? c->dmac : dmac,
			c->smac_of ? smac :
			c->smac	   ? c->smac :
				     OTHER_MAC);
	for (int s = 0; s < TNA_STAT_MAX; s++)
		before[s] = counter(skel, s);
	for (int i = 0; i < NR_FDB; i++)
		hits[i] = fdb_hits(skel, i);
	set_runtime(skel, c->bypass, c->family_off);
	if (c->rcache && rc_prepare(skel, c, ingress)) {
		printf("FAIL %s: route cache setup\n", c->name);
		return 1;
	}
	if (c->fw && fw_prepare(skel, c, in)) {
		printf("FAIL %s: firewall setup\n", c->name);
		return 1;
	}
	moves0 = fc_moves(skel);
	if (c->fcache && fc_prepare(skel, c, &fgen)) {
		printf("FAIL %s: fdb cache setup\n", c->name);
		return 1;
	}
	if (fixture_run(skel, &opts, in, len, out, sizeof(out))) {
		printf("FAIL %s: test run: %s\n", c->name, strerror(errno));
		return 1;
	}
	set_runtime(skel, 0, 0);
	for (int s = 0; s < TNA_STAT_MAX; s++) {
		uint64_t d = counter(skel, s) - before[s];

		if (d == 1 && moved == -1)
			moved = s;
		else if (d)
			moved = -2; /* more than one counter, or by more than one */
	}
	for (int i = 0; i < NR_FDB; i++) {
		uint64_t d = fdb_hits(skel, i) - hits[i];

		if (d == 1 && !hit_moved)
			hit_moved = i + 1;
		else if (d)
			hit_moved = -1;
	}
	if (c->in.l4_csum == 1 && c->verdict == XDP_REDIRECT) {
		/* left to offload: it leaves with the checksum completed */
		struct pkt_spec done = c->in;

		done.l4_csum = 0;
		pkt_build(in, &done, c->dmac ? c->dmac : dmac,
			  c->smac_of ? smac :
			  c->smac    ? c->smac :
				       OTHER_MAC);
	}
	want_len = expected(c, in, len, want);
	if ((int)opts.retval != c->verdict || moved != c->stat) {
		printf("FAIL %s: verdict %u (want %d), counter %d (want %d)\n",
		       c->name, opts.retval, c->verdict, moved, c->stat);
		return 1;
	}
	if (hit_moved != c->hit) {
		printf("FAIL %s: FDB hit counter %d moved (want %d)\n", c->name,
		       hit_moved, c->hit);
		return 1;
	}
	if (want_len < 0 || (int)opts.data_size_out != want_len ||
	    memcmp(out, want, want_len)) {
		printf("FAIL %s: output bytes differ\n", c->name);
		hexdiff(want, want_len, out, opts.data_size_out);
		return 1;
	}
	if (c->rcache && rc_check(skel, c, ingress)) {
		printf("FAIL %s: route cache content\n", c->name);
		return 1;
	}
	if (c->fcache && fc_check(skel, c, fgen, moves0)) {
		printf("FAIL %s: fdb cache content\n", c->name);
		return 1;
	}
	printf("PASS %s\n", c->name);
	return 0;
}

/*
 * A station move across programs: each step runs the program of one port
 * as the daemon loads it (applier_load_object(): the namespace's shared
 * maps, its own slot), in order. bp0 first keeps a copy of H1's entry (on
 * bp1); H1 then arrives on bp5 (it moved): bp0's very next frame to H1
 * must go to Linux, which sends it where H1 now is.
 */
static const struct move_step {
	const char *ingress;
	const uint8_t *smac, *dmac;
	int verdict, stat;
} move_steps[] = {
	{ "bp0", H0, H1, XDP_REDIRECT, STAT(BRIDGED) }, /* copy taken */
	{ "bp0", H0, H1, XDP_REDIRECT, STAT(BRIDGED) }, /* copy answers */
	{ "bp5", H1, H0, XDP_PASS, STAT(L2_SRC_UNKNOWN) }, /* H1 moved */
	{ "bp0", H0, H1, XDP_PASS, STAT(L2_MOVED) }, /* no copy survives */
	{ "bp1", NEIGH_BR, H1, XDP_PASS, STAT(L2_MOVED) }, /* on any port */
};
#define NR_MOVE_STEPS (int)(sizeof(move_steps) / sizeof(move_steps[0]))

static int move_across_programs(void)
{
	static const char *const ports[] = { "bp0", "bp1", "bp5" };
	struct pkt_spec spec = { .src = "10.20.0.5", .dst = "10.20.0.6" };
	struct tna *skel[3] = { NULL };
	struct applier *a = applier_new(MODE_AUTO);
	int failed = 0, step = -1;

	if (!a) {
		printf("FAIL move across programs: applier_new: %s\n",
		       strerror(errno));
		return 1;
	}
	for (int i = 0; i < 3 && !failed; i++) {
		struct tna_cfg c;

		skel[i] = fixture_cfg(ports[i], BR_IP, i, &c) ?
				  NULL :
				  applier_load_object(a, &c);
		failed = !skel[i];
	}
	/* Through the first program's fds: the namespace's maps. */
	if (failed || fixture_maps(skel[0])) {
		printf("FAIL move across programs: load or fill\n");
		failed = 1;
	} else {
		set_runtime(skel[0], 0, 0);
	}
	for (int s = 0; s < NR_MOVE_STEPS && !failed; s++) {
		const struct move_step *m = &move_steps[s];
		uint8_t in[PKT_MAX], out[PKT_MAX];
		int p = 0, len = pkt_build(in, &spec, m->dmac, m->smac);
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		uint64_t c0;

		while (strcmp(ports[p], m->ingress))
			p++;
		c0 = slot_counter(skel[0], p, m->stat);
		if (fixture_run(skel[p], &opts, in, len, out, sizeof(out)) ||
		    (int)opts.retval != m->verdict ||
		    slot_counter(skel[0], p, m->stat) != c0 + 1) {
			step = s;
			failed = 1;
		}
	}
	if (step >= 0)
		printf("FAIL move across programs: step %d (%s) did not end %s, counter %d\n",
		       step + 1, move_steps[step].ingress,
		       move_steps[step].verdict == XDP_PASS ? "in XDP_PASS" :
							      "redirected",
		       move_steps[step].stat);
	else if (!failed)
		printf("PASS move across programs: a move one port saw retires every port's cached copies\n");
	for (int i = 0; i < 3; i++)
		tna__destroy(skel[i]);
	applier_free(a);
	return failed;
}

/* Forwarded packets sample their next hop, one in TNA_NH_SAMPLE at random. */
static int nh_sampling(const char *name, const char *dst, const char *nh,
		       int packets, int want_present)
{
	struct tna *skel = tna__open();
	struct tna_nh_key k = { .family = AF_INET };
	struct pkt_spec spec = { .src = "10.1.0.5", .dst = dst };
	uint8_t in[PKT_MAX], out[PKT_MAX], mac[6];
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int ncpus = libbpf_num_possible_cpus(), ok = 0, len;
	uint64_t seen[ncpus];

	struct tna_cfg c;

	if (!skel || fixture_cfg("in0", R46, 0, &c))
		goto out;
	memcpy(mac, c.mac, 6);
	memcpy((void *)&skel->rodata->tna_cfg, &c, sizeof(c));
	if (tna__load(skel))
		goto out;
	add_tx(skel, "out0");
	set_runtime(skel, 0, 0);
	len = pkt_build(in, &spec, mac, OTHER_MAC);
	/* One run per packet: a repeated run would see its own rewrite. */
	for (int i = 0; i < packets; i++) {
		if (fixture_run(skel, &opts, in, len, out, sizeof(out)) ||
		    opts.retval != XDP_REDIRECT)
			goto out;
	}
	k.ifindex = if_nametoindex("out0");
	inet_pton(AF_INET, nh, &k.addr[0]);
	ok = (bpf_map_lookup_elem(bpf_map__fd(skel->maps.nh_seen), &k, seen) ==
	      0) == want_present;
out:
	printf("%s next hop sampling: %s\n", ok ? "PASS" : "FAIL", name);
	tna__destroy(skel);
	return !ok;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Micro-benchmark: every case the fast path forwards, run again through
 * BPF_PROG_TEST_RUN, one run per call (a routed frame is rewritten in
 * place, so a repeated run would no longer be for us): the kernel's own
 * timing of the run, median of MICRO_CALLS calls. It includes one clock
 * read; the first line, the program with the runtime bypass on (XDP_PASS
 * at once), measures that. Prints "MICRO ns features case" lines
 * (bench/micro.sh).
 */
#define MICRO_CALLS 2001
static int micro(const struct tcase *c0)
{
	static const char *const names[] = TNA_FEATURE_NAMES;
	struct tcase c = *c0;
	const char *ingress = c.ingress ? c.ingress : "in0";
	uint64_t features = c.features ? c.features : R46;
	uint8_t in[PKT_MAX], out[PKT_MAX], mac[6], dmac[6], smac[6];
	struct tna *skel = instance(ingress, features);
	double ns[MICRO_CALLS];
	char feat[256] = "";
	int len;
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (!skel || mac_of(ingress, mac) ||
	    mac_of(c.dmac_of ? c.dmac_of : ingress, dmac) ||
	    mac_of(c.smac_of ? c.smac_of : ingress, smac))
		return 1;
	len = pkt_build(in, &c.in, c.dmac ? c.dmac : dmac,
			c.smac_of ? smac :
			c.smac	  ? c.smac :
				    OTHER_MAC);
	set_runtime(skel, c.bypass, c.family_off);
	if (c.fw && fw_prepare(skel, &c, in))
		return 1;
	for (int i = 0; i < MICRO_CALLS; i++) {
		if (fixture_run(skel, &opts, in, len, out, sizeof(out)) ||
		    opts.retval != (__u32)c.verdict) {
			printf("FAIL micro %s: verdict %u\n", c.name,
			       opts.retval);
			set_runtime(skel, 0, 0);
			return 1;
		}
		ns[i] = opts.duration;
	}
	set_runtime(skel, 0, 0);
	qsort(ns, MICRO_CALLS, sizeof(ns[0]), dbl_cmp);
	for (int b = 0; b < TNA_NR_FEATURES; b++)
		if (features & (1ULL << b))
			snprintf(feat + strlen(feat),
				 sizeof(feat) - strlen(feat), "%s%s",
				 feat[0] ? "," : "", names[b]);
	printf("MICRO %.0f %s %s\n", ns[MICRO_CALLS / 2], feat, c.name);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0, n = sizeof(cases) / sizeof(cases[0]);

	if (argc > 1 && !strcmp(argv[1], "--bench")) {
		const struct tcase base = {
			"program entry and clock read (bypass on)",
			.in = { .src = "10.1.0.5", .dst = "10.3.0.9" },
			.bypass = 1, .verdict = XDP_PASS
		};

		failed += micro(&base);
		for (int i = 0; i < n; i++)
			if (cases[i].verdict == XDP_REDIRECT)
				failed += micro(&cases[i]);
		for (int i = 0; i < nr_insts; i++)
			tna__destroy(insts[i].skel);
		return failed ? 1 : 0;
	}

	for (int i = 0; i < n; i++)
		failed += run_case(&cases[i]);
	/* 2048 packets: no sample at all has probability (63/64)^2048 < 1e-13 */
	failed += move_across_programs();
	failed += nh_sampling("gateway of a routed packet noted", "10.3.0.9",
			      "10.2.0.2", 2048, 1);
	failed += nh_sampling("on-link destination noted as its own next hop",
			      "10.2.0.2", "10.2.0.2", 2048, 1);
	failed += nh_sampling("destination is not the next hop", "10.3.0.9",
			      "10.3.0.9", 2048, 0);
	for (int i = 0; i < nr_insts; i++)
		tna__destroy(insts[i].skel);
	return failed ? 1 : 0;
}
