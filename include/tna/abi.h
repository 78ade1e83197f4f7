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
#define TNA_MAX_FDB 65536 /* bridge FDB entries mirrored, all bridges */
#define TNA_MAX_NH 4096 /* next hops whose use is sampled */
/* Slots of the IPv4 route cache, per CPU (a power of two). */
#define TNA_RC_SLOTS_LOG 14
#define TNA_RC_SLOTS (1U << TNA_RC_SLOTS_LOG)
/* One forwarded packet in this many notes its next hop (a power of two). */
#define TNA_NH_SAMPLE 64

/*
 * Modules a per-interface program may contain (struct tna_cfg.features):
 * one list, X(name, shown as), so bit numbers, names and the count cannot
 * drift apart.
 */
#define TNA_FEATURES(X)                   \
	X(ROUTE4, "route4")               \
	X(ROUTE6, "route6")               \
	X(RPF4_LOOSE, "rpf4-loose")       \
	X(RPF4_STRICT, "rpf4-strict")     \
	X(BRIDGE, "bridge")               \
	X(BR_IP4, "bridge-ip4")           \
	X(BR_IP6, "bridge-ip6")           \
	X(BR_NF4, "br-netfilter4")        \
	X(ROUTE_TO_BR, "route-to-bridge") \
	X(BR_NF6, "br-netfilter6")        \
	X(CSUM, "l4-csum")

#define TNA_FEATURE_BIT(n, name) TNA_FB_##n,
enum tna_feature_bit { TNA_FEATURES(TNA_FEATURE_BIT) TNA_NR_FEATURES };

#define TNA_F_ROUTE4 (1ULL << TNA_FB_ROUTE4) /* IPv4 routing, bpf_fib_lookup */
#define TNA_F_ROUTE6 (1ULL << TNA_FB_ROUTE6) /* IPv6 routing, bpf_fib_lookup */
#define TNA_F_RPF4_LOOSE (1ULL << TNA_FB_RPF4_LOOSE) /* rp_filter=2 */
#define TNA_F_RPF4_STRICT (1ULL << TNA_FB_RPF4_STRICT) /* rp_filter=1 */
/* ingress is a bridge port: FDB lookup */
#define TNA_F_BRIDGE (1ULL << TNA_FB_BRIDGE)
#define TNA_F_BR_IP4 (1ULL << TNA_FB_BR_IP4) /* bridge IPv4 between ports */
#define TNA_F_BR_IP6 (1ULL << TNA_FB_BR_IP6) /* bridge IPv6 between ports */
/* br_netfilter validates bridged IPv4 / IPv6 */
#define TNA_F_BR_NF4 (1ULL << TNA_FB_BR_NF4)
#define TNA_F_BR_NF6 (1ULL << TNA_FB_BR_NF6)
/* routed egress may be a bridge */
#define TNA_F_ROUTE_TO_BR (1ULL << TNA_FB_ROUTE_TO_BR)
/* The ingress's peer is a local stack (veth): TCP/UDP checksums may be left
 * to offload, which a redirect loses; carry only complete, right ones. */
#define TNA_F_CSUM (1ULL << TNA_FB_CSUM)

#define TNA_FEATURE_MASK(n, name) | (1ULL << TNA_FB_##n)
#define TNA_F_ALL (0 TNA_FEATURES(TNA_FEATURE_MASK))

/* Module names, indexed by bit number, for plan and status output. */
#define TNA_FEATURE_NAME(n, name) name,
#define TNA_FEATURE_NAMES                      \
	{                                      \
		TNA_FEATURES(TNA_FEATURE_NAME) \
	}

/*
 * Per-interface read-only config, set between open and load. The verifier
 * sees it as constant and removes the code of modules that are off.
 */
struct tna_cfg {
	__u64 features;
	__u32 ifindex; /* the interface this instance is attached to */
	__u32 slot; /* row of this interface in the stats map */
	__u32 l3_ifindex; /* where IP lives: the bridge of a port, else ifindex */
	__u32 bridge; /* bridge of a port (TNA_F_BRIDGE), else 0 */
	__u32 port_idx; /* index of a port (struct tna_port_ent), else 0 */
	__u8 mac[6]; /* the interface's own address (frames for us) */
	__u8 pad[2];
};

/*
 * Counters: the first TNA_STAT_FIRST_FALLBACK indexes count packets the
 * fast path carried (routed, bridged), every other index counts packets
 * handed to Linux for that reason. One list, so the enum, the names and the
 * stats map layout cannot drift apart.
 */
#define TNA_STATS(X)                                         \
	X(FORWARDED, "forwarded")                            \
	X(BRIDGED, "bridged")                                \
	X(NOT_IP, "not_ip")                                  \
	X(NOT_FOR_US, "l2_not_for_us")                       \
	X(MALFORMED, "malformed")                            \
	X(TTL, "ttl_exceeded")                               \
	X(IP_OPTIONS, "ip_options")                          \
	X(FRAGMENT, "fragment")                              \
	X(ICMP_SPECIAL, "icmp_error_or_nd")                  \
	X(MARTIAN, "martian_address")                        \
	X(FAMILY_OFF, "family_not_accelerated")              \
	X(NOT_FWDED, "local_or_no_route")                    \
	X(NO_NEIGH, "no_neighbour")                          \
	X(FRAG_NEEDED, "frag_needed")                        \
	X(FWD_DISABLED, "forwarding_disabled")               \
	X(BLACKHOLE, "blackhole_route")                      \
	X(UNREACHABLE, "unreachable_route")                  \
	X(PROHIBIT, "prohibit_route")                        \
	X(UNSUPP_ROUTE, "unsupported_route")                 \
	X(RPF, "rp_filter")                                  \
	X(SAME_IFACE, "same_interface")                      \
	X(EGRESS_NO_XDP, "egress_not_xdp_capable")           \
	X(BYPASS, "bypass")                                  \
	X(BUSY, "controller_busy")                           \
	X(L2_FLOOD, "l2_broadcast_multicast")                \
	X(L2_UNKNOWN, "fdb_miss")                            \
	X(L2_SRC_UNKNOWN, "source_not_learned")              \
	X(L2_MOVED, "station_moving")                        \
	X(L2_LOCAL, "for_bridge_not_routed")                 \
	X(PORT_STATE, "port_not_forwarding")                 \
	X(SAME_PORT, "same_port")                            \
	X(ISOLATED, "isolated_ports")                        \
	X(L2_MTU, "frame_exceeds_egress_mtu")                \
	X(FW_UNKEYED, "firewall_not_tcp_udp_or_syn_fin_rst") \
	X(FW_PENDING, "firewall_verdict_pending")            \
	X(FW_LINUX, "firewall_not_accepted")                 \
	X(FW_CT, "conntrack_not_established")                \
	X(L4_CSUM, "l4_checksum_not_complete")               \
	X(NAT_SRC, "nat_source_not_the_routes")

#define TNA_STAT_ENUM(n, s) TNA_STAT_##n,
enum tna_stat { TNA_STATS(TNA_STAT_ENUM) TNA_STAT_MAX };
#undef TNA_STAT_ENUM
#define TNA_STAT_FIRST_FALLBACK TNA_STAT_NOT_IP

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
 * tna_runtime.bypass. BUSY: the controller is loading programs or re-reading
 * the whole configuration, and cannot follow netlink events meanwhile; what
 * the maps say may be stale, so Linux forwards until it has caught up.
 */
/* "bypass on" on the control socket (paired benchmarks) */
#define TNA_BYPASS_USER 1u
#define TNA_BYPASS_BUSY 2u

/*
 * Single entry of the runtime map: namespace-wide values every instance
 * reads per packet, changed without reloading anything.
 */
struct tna_runtime {
	__u32 bypass; /* TNA_BYPASS_*: any bit hands every packet to Linux */
	/*
	 * Smallest MTU metric of any IPv4/IPv6 route (0: none). Linux's
	 * forwarding honours a route's MTU even when it is not locked;
	 * bpf_fib_lookup() only when locked, so larger packets go to Linux.
	 */
	__u32 route_mtu4;
	__u32 route_mtu6;
	/*
	 * TNA_RT_*_OFF: a namespace-wide reason (a netfilter chain on the
	 * path, an IPsec policy ...) hands the module's traffic to Linux. A
	 * map write, so it takes effect at once; the program is respecialized
	 * only if the module is not needed at all.
	 */
	__u32 family_off;
	/*
	 * TNA_RT_FW4/6: forwarded packets of the family pass the fast path's
	 * firewall: a verdict cached per flow (fw_flows) by the controller
	 * for the ruleset of generation fw_gen; any other generation is a
	 * miss. The controller bumps fw_gen on every nf_tables event.
	 */
	__u32 fw;
	__u32 fw_gen;
	/*
	 * Conntrack timeouts Linux would set (ms): established TCP, assured
	 * UDP, UDP whose reply was seen in its first 2 s (not yet assured).
	 */
	__u32 ct_tcp_ms;
	__u32 ct_udp_ms;
	__u32 ct_udp_early_ms;
	/*
	 * IPv4 route cache (route_cache4): non-zero when the controller found
	 * the FIB result a function of ingress and destination alone (see
	 * struct tna_rc_ent); packets longer than this (the smallest MTU of
	 * any egress) are looked up anyway, so the FIB still judges MTUs.
	 */
	__u32 rc_mtu4;
	/* Entries of any other generation are misses; the controller bumps it
	 * on every routing, neighbour, address, link or rule event. */
	__u32 rc_gen;
	/* FDB cache (fdb_cache): bumped after every write to the fdb map. */
	__u32 fdb_gen;
	/*
	 * Masks of the firewall's verdicts in use for generation fw_gen, in
	 * lookup order: fw_masks[tna_fw_bank(fw_gen) + 0 .. fw_nmasks - 1].
	 */
	__u32 fw_nmasks;
};

#define TNA_RT_ROUTE4_OFF (1U << 0)
#define TNA_RT_ROUTE6_OFF (1U << 1)
#define TNA_RT_BRIDGE_OFF (1U << 2)
#define TNA_RT_FW4 (1U << 0)
#define TNA_RT_FW6 (1U << 1)
#define TNA_RT_FW_BR (1U << 2) /* bridge-family forward chains: bridged too */
/*
 * An ip/inet nat chain exists: a routed IPv4 packet is carried only as part
 * of an established connection conntrack knows, translated as its entry
 * says (struct tna_nat_val); anything else is Linux's (new connections
 * must meet the nat chains).
 */
#define TNA_RT_NAT4 (1U << 3)

/*
 * IPv4 route cache: what bpf_fib_lookup() answered for (ingress, destination)
 * when it said SUCCESS, stamped with the runtime's rc_gen read before the
 * lookup. Used only while the controller allows it (rc_mtu4): the default
 * policy rules only, no multipath, TOS or nexthop-object routes; then the
 * FIB's answer depends on nothing else but events the controller sees.
 */
struct tna_rc_ent {
	__u32 gen; /* runtime.rc_gen when filled: any other is a miss */
	__u32 iif; /* key: the ingress L3 device */
	__u32 daddr; /* key: the destination, network order */
	__u32 ifindex; /* egress */
	__u32 nh; /* next hop (gateway or the destination), network order */
	__u8 dmac[6], smac[6];
	__u32 hits; /* since filled: every TNA_NH_SAMPLE-th notes the next hop */
	/* the source the FIB picks for the route (BPF_FIB_LOOKUP_SRC), for
	 * masqueraded connections; 0: not asked (per-CPU values are read in
	 * 8-byte strides) */
	__u32 src;
};

/*
 * The one slot (ingress, destination) may occupy in route_cache4, a
 * direct-mapped per-CPU table: a lookup is an array index and a compare,
 * a fill a few stores, with no lock and no helper call; two destinations
 * on one slot evict each other (each then asks the FIB, as uncached).
 */
static inline __u32 tna_rc_slot(__u32 iif, __u32 daddr)
{
	return ((daddr ^ (iif << 24)) * 0x9e3779b1U) >> (32 - TNA_RC_SLOTS_LOG);
}

/*
 * A bitmap in front of the local-address hashes (local_bits: IPv4 at key
 * 0, IPv6 at key 1): an address whose bit is clear is not local, with no
 * hash lookup; a set bit means "look it up". The controller sets the bits
 * of every address it puts in the hash before this bitmap is written, and
 * clears a bit only when no address left has it.
 */
#define TNA_LOCAL_BITS_LOG 16
#define TNA_LOCAL_WORDS (1U << (TNA_LOCAL_BITS_LOG - 6))
struct tna_local_bits {
	__u64 w[TNA_LOCAL_WORDS];
};

static inline __u32 tna_local_bit4(__u32 a)
{
	return (a * 0x9e3779b1U) >> (32 - TNA_LOCAL_BITS_LOG);
}

static inline __u32 tna_local_bit6(const __u32 a[4])
{
	return tna_local_bit4(a[0] ^ a[1] ^ a[2] ^ (a[3] * 0x85ebca6bU));
}

/*
 * Firewall flow cache: what the forward hook's rules can look at (the
 * evaluator treats every other header byte as unknown). Only TCP and UDP
 * without SYN/FIN/RST are keyed; everything else goes to Linux.
 *
 * Routed: iif/oif are the L3 devices (a bridge, not its port); no MACs.
 * Bridged (TNA_FW_BRIDGED): iif/oif are the bridge ports the frame enters
 * and leaves by, and the Ethernet addresses are keyed, since bridge-family
 * rules can match them.
 */
struct tna_fw_key {
	__u32 iif, oif;
	__u32 saddr[4], daddr[4]; /* IPv4 in [0], network order */
	__u16 sport, dport; /* network order */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 proto;
	__u8 tcp_flags; /* header byte 13 (0 for UDP) */
	__u8 path; /* TNA_FW_ROUTED or TNA_FW_BRIDGED */
	__u8 dmac[6], smac[6]; /* bridged only: the Ethernet header */
	/*
	 * Routed IPv4 while TNA_RT_NAT4: TNA_NAT_DST, TNA_NAT_SRC when the
	 * connection's NAT changes the packet's destination (prerouting) or
	 * source (postrouting). The addresses and ports above are the
	 * packet's as it arrives (its conntrack tuple); with TNA_NAT_DST,
	 * daddr[1] and nat_dport are the destination the route and the
	 * forward hook see. (The source after SNAT only postrouting chains
	 * after the nat chain see: not keyed, such a read is Linux's.)
	 */
	__u8 nat;
	/*
	 * In fw_flows: the index of the mask the key was masked with (a
	 * wildcarded verdict, struct tna_fw_key in fw_masks); the packet's
	 * own key leaves it 0.
	 */
	__u8 mask;
	__u16 nat_dport;
};

/*
 * Wildcarded verdicts (megaflows): the controller records which bits of
 * the key its evaluation read, and caches one verdict for every flow that
 * agrees on them, under the mask of those bits (key & mask, .mask = its
 * index). The fast path tries the generation's masks in order. Verdicts
 * that depend on conntrack use an all-ones mask: one per connection. Two
 * banks, by the generation's parity: masks of a new generation are
 * written while a program that read the old one may still use its own.
 */
#define TNA_FW_MASKS 8
static inline __u32 tna_fw_bank(__u32 gen)
{
	return (gen & 1) * TNA_FW_MASKS;
}

/*
 * A flow the fast path asked the controller about, per CPU, direct-mapped
 * by a hash of its key: it does not ask again within TNA_FW_RETRY_NS.
 */
#define TNA_FW_ASK_SLOTS 1024
struct tna_fw_asked {
	__u32 hash, gen;
	__u64 stamp;
};

static inline __u32 tna_fw_hash(const struct tna_fw_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = 0;

	for (int i = 0; i < (int)(sizeof(*k) / 4); i++)
		h = (h ^ w[i]) * 0x9e3779b1U;
	return h ^ (h >> 16);
}

#define TNA_NAT_DST (1U << 0)
#define TNA_NAT_SRC (1U << 1)
/* the original direction of a source-NAT'ed connection (masquerade) */
#define TNA_NAT_SNAT_ORIG (1U << 2)
/* the connection's conntrack status: IPS_SRC_NAT, IPS_DST_NAT (ct status) */
#define TNA_NAT_CT_SNAT (1U << 3)
#define TNA_NAT_CT_DNAT (1U << 4)

/*
 * A routed IPv4 flow as it arrives, while TNA_RT_NAT4: what conntrack says
 * it becomes. Refreshed from the conntrack entry once per kernel clock
 * tick per CPU, like a conntrack-dependent verdict.
 */
struct tna_nat_key {
	__u32 iif;
	__u32 saddr, daddr; /* network order */
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

struct tna_nat_val {
	__u64 seen; /* bpf_ktime_get_coarse_ns() of the last conntrack check */
	__u32 saddr, daddr; /* after translation */
	__u16 sport, dport;
	__u32 nat; /* TNA_NAT_* */
};

/*
 * nat_cache: a direct-mapped per-CPU table of TNA_NAT_SLOTS, as the route
 * cache; a slot holds one flow, two flows on a slot evict each other (each
 * then asks conntrack, as uncached).
 */
#define TNA_NAT_SLOTS_LOG 12
#define TNA_NAT_SLOTS (1U << TNA_NAT_SLOTS_LOG)

struct tna_nat_ent {
	struct tna_nat_key k;
	struct tna_nat_val v;
};

static inline __u32 tna_nat_slot(const struct tna_nat_key *k)
{
	__u32 h = k->saddr ^ (k->daddr * 0x85ebca6bU) ^
		  ((__u32)k->sport << 16 | k->dport) ^ (k->iif << 24) ^
		  k->proto;

	return (h * 0x9e3779b1U) >> (32 - TNA_NAT_SLOTS_LOG);
}

#define TNA_FW_ROUTED 0
#define TNA_FW_BRIDGED 1

#define TNA_FW_PENDING 0 /* asked the controller (fw_upcall) */
#define TNA_FW_ACCEPT 1 /* every forward base chain accepts: carry it */
#define TNA_FW_LINUX 2 /* dropped, rejected or not decidable: Linux */

#define TNA_FW_CT (1U << 0) /* verdict needs conntrack state "established" */

struct tna_fw_val {
	__u32 gen; /* runtime.fw_gen the verdict was computed for */
	__u32 verdict; /* TNA_FW_* */
	__u32 flags;
	__u32 pad;
	__u64 stamp; /* PENDING: when asked (bpf_ktime_get_coarse_ns) */
	/*
	 * TNA_FW_CT: when conntrack last said established (coarse ns, one
	 * tick of the kernel clock: 1-4 ms); within the same tick the fast
	 * path does not ask again.
	 */
	__u64 ct_seen;
	__u64 packets, bytes; /* carried by the fast path */
};

#define TNA_MAX_FLOWS 131072
#define TNA_FW_RETRY_NS 100000000ULL /* re-ask after 100 ms without answer */

/*
 * A next hop (neighbour) the fast path forwarded to: the L3 egress and the
 * gateway or on-link destination bpf_fib_lookup() resolved. The value of
 * the per-CPU nh_seen map is when (bpf_ktime_get_coarse_ns) a sampled
 * packet last went there; the controller makes Linux revalidate STALE
 * neighbours in use, as Linux's own forwarding would.
 */
struct tna_nh_key {
	__u32 ifindex;
	__u32 family; /* AF_INET or AF_INET6 */
	__u32 addr[4]; /* IPv4 in addr[0] */
};

/*
 * Bridge FDB mirror: key (bridge, MAC, VLAN) as Linux's br_fdb_find().
 * Without VLAN filtering Linux looks up VLAN 0 only.
 */
struct tna_fdb_key {
	__u32 bridge;
	__u8 mac[6];
	__u16 vlan;
};

#define TNA_FDB_LOCAL (1U << 0) /* the bridge's own: deliver up, route */
/*
 * Set by the fast path when the station shows up on another learning port:
 * Linux is about to move the entry (the frame went to it), so until the
 * controller writes the moved entry, frames to it go to Linux as well.
 */
#define TNA_FDB_MOVED (1U << 1)
#define TNA_FDB_STICKY (1U << 2) /* Linux never moves it (NTF_STICKY) */

struct tna_fdb_val {
	__u32 port; /* ifindex of the port; 0 for local entries */
	__u32 flags; /* TNA_FDB_* */
	__u32 hit; /* index in fdb_hits: source seen on the fast path */
	__u32 port_idx; /* the port's index (struct tna_port_ent); 0: none */
};

/*
 * Per-CPU copies of fdb entries in front of the hash (fdb_cache, direct
 * mapped like route_cache4), valid while gen is (runtime.fdb_gen << 32 |
 * fdb_moves): the controller bumps the first after writing the fdb map,
 * the fast path the second after marking an entry TNA_FDB_MOVED, so a
 * copy never outlives the entry it was taken from.
 */
#define TNA_FDB_SLOTS_LOG 14
_Static_assert(sizeof(struct tna_fdb_key) == 12, "hashed as three words");
struct tna_fdbc_ent {
	__u64 gen;
	struct tna_fdb_key key;
	struct tna_fdb_val val;
	__u32 pad; /* per-CPU values are read in 8-byte strides */
};

static inline __u32 tna_fdb_slot(const struct tna_fdb_key *k)
{
	__u32 w[3];

	__builtin_memcpy(w, k, sizeof(w));
	return ((w[0] * 0x85ebca6bU) ^ w[1] ^ (w[2] * 0xc2b2ae35U)) *
		       0x9e3779b1U >>
	       (32 - TNA_FDB_SLOTS_LOG);
}

/* Bridge ports and bridges, keyed by ifindex; changed without reloads. */
#define TNA_PORT_IS_BRIDGE (1U << 0) /* the entry is the bridge itself */
#define TNA_PORT_LEARNING (1U << 1) /* Linux learns source MACs here */
#define TNA_PORT_ISOLATED (1U << 2)
#define TNA_PORT_IP4_OFF \
	(1U << 3) /* bridged IPv4 to Linux (br_netfilter rules) */
#define TNA_PORT_IP6_OFF (1U << 4) /* bridged IPv6 to Linux */

/* Linux's STP port states (BR_STATE_*). */
#define TNA_BR_STATE_FORWARDING 3

struct tna_port {
	__u32 bridge; /* ifindex of the bridge */
	__u32 state; /* BR_STATE_* (ports only) */
	__u32 flags; /* TNA_PORT_* */
	__u32 mtu; /* frames longer than mtu + Ethernet header: Linux drops */
};

/*
 * Bridge ports by index: the controller gives every port an index in
 * [1, TNA_MAX_IFACES), kept while the port is in the plan and reused only
 * after all others. The port's own program has it in tna_cfg.port_idx, FDB
 * entries in tna_fdb_val.port_idx, and the egress devmap tx_idx is indexed
 * by it: the bridge module finds ports with array lookups, no hashing. An
 * entry whose ifindex is not the port expected is stale: Linux.
 */
struct tna_port_ent {
	__u32 ifindex; /* 0: index free */
	struct tna_port port;
};

#endif /* TNA_ABI_H */
