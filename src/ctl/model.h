/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the mirrored model: what Linux is configured to do in
 * this network namespace, as far as the planner needs to know. The mirror
 * fills it from netlink; tests fill it by hand.
 */
#ifndef TNA_MODEL_H
#define TNA_MODEL_H

#include "fw.h"
#include <net/if.h>
#include <stdint.h>

#define MODEL_KIND_LEN 16
#define MODEL_NOTE_LEN 256

/* Netconf values not (yet) reported for an interface. */
#define CONF_UNKNOWN (-1)

struct link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[MODEL_KIND_LEN]; /* IFLA_INFO_KIND: veth, bridge, vrf ... */
	char slave_kind[MODEL_KIND_LEN]; /* IFLA_INFO_SLAVE_KIND of a port */
	unsigned int flags; /* IFF_* */
	unsigned short type; /* ARPHRD_* */
	unsigned char mac[6];
	int has_mac;
	unsigned int mtu;
	int master;
	int peer_ifindex; /* IFLA_LINK: a veth's peer (0: none) */
	int peer_netnsid; /* IFLA_LINK_NETNSID: the peer's namespace (-1: this one) */
	unsigned int xdp_prog_id; /* program attached now, by anyone */
	uint64_t xdp_features; /* netdev family NETDEV_XDP_ACT_* */
	int has_xdp_features;
	int fwd4, fwd6, rpf4; /* netconf, CONF_UNKNOWN until reported */
	int tc_ingress; /* ingress or clsact qdisc present */
	char root_qdisc[MODEL_KIND_LEN];
	int nft_netdev_hooks; /* netdev-family base chains bound to it */
	int captures; /* packet sockets (tcpdump) receiving on it */
	int captures_scan; /* mirror's scratch while counting them */

	/* A bridge (kind "bridge"): IFLA_BR_* */
	int br_vlan_filtering;
	uint32_t br_ageing; /* ageing_time, centiseconds */
	int br_nf_call4, br_nf_call6; /* per-bridge nf_call_ip(6)tables */

	/* A bridge port (slave kind "bridge"): IFLA_BRPORT_* */
	int port_state; /* BR_STATE_* */
	unsigned int port_flags; /* PORT_* */
};

/* Bridge port options, as far as the planner cares. */
#define PORT_LEARNING (1U << 0)
#define PORT_ISOLATED (1U << 1)
#define PORT_LOCKED (1U << 2)
#define PORT_NEIGH_SUPPRESS (1U << 4)
#define PORT_BACKUP (1U << 5)
#define PORT_HAIRPIN (1U << 6)

struct route {
	int family;
	uint32_t table;
	uint8_t type, dst_len, tos;
	uint32_t priority;
	unsigned char dst[16];
	int oif;
	int multipath;
	int nhid; /* uses a nexthop object (changes to it are not route events) */
	uint32_t mtu; /* RTAX_MTU metric, 0 if none */
};

struct neigh {
	int family;
	int ifindex;
	unsigned char dst[16];
	unsigned char lladdr[6];
	uint16_t state;
};

/* Bridge FDB entry (AF_BRIDGE neighbour with NDA_MASTER), VLAN 0 only. */
struct fdb {
	int bridge;
	int port; /* ndm_ifindex: a port, or the bridge itself */
	unsigned char mac[6];
	uint16_t state; /* NUD_PERMANENT local, NUD_NOARP static, else learned */
	uint8_t flags; /* NTF_* */
};

struct rule {
	int family;
	uint32_t priority;
	uint32_t table;
	int has_iif, has_oif;
	int selective; /* matches anything besides "from all" */
};

/* Base chain on a forwarding-path hook, by family reach. */
struct nft_hook_note {
	int v4, v6; /* which families the chain sees */
	char what[MODEL_NOTE_LEN]; /* "family table chain hook" */
};

struct model {
	struct link *links;
	int nr_links, cap_links;
	struct route *routes;
	int nr_routes, cap_routes;
	struct neigh *neighs;
	int nr_neighs, cap_neighs;
	struct rule *rules;
	int nr_rules, cap_rules;
	struct fdb *fdb;
	int nr_fdb, cap_fdb;
	int *fdb_slots; /* open addressing by (bridge, MAC): index + 1, 0 empty */
	int nr_fdb_slots; /* a power of two, at least twice nr_fdb */

	/* Global settings (sysctls, netconf "all") */
	int fwd6_all; /* net.ipv6.conf.all.forwarding */
	int rpf4_all; /* net.ipv4.conf.all.rp_filter */
	int mpath_hash4, mpath_hash6; /* fib_multipath_hash_policy */
	int has_netdev_family; /* xdp-features are known */

	/* Netfilter on the forwarding path */
	struct nft_hook_note nft_fwd4, nft_fwd6; /* first chain found */
	int nr_nft_fwd4, nr_nft_fwd6;
	struct nft_hook_note nft_bridge; /* bridge-family base chain */
	int nr_nft_bridge;
	int brnf4, brnf6; /* bridge-nf-call-ip(6)tables, 0 if not loaded */
	int legacy4, legacy6; /* iptables-legacy tables loaded */
	struct fw_ruleset fw; /* nf_tables ruleset, read at each generation */
	int fw_err; /* reading it failed: -errno */
	int ct_tcp_est_s, ct_udp_stream_s, ct_udp_s; /* conntrack timeouts */
	int nr_xfrm_policies; /* IPsec policies: checked on forwarded packets */
	int capture_any; /* packet sockets on all interfaces (tcpdump -i any) */

	int dirty; /* changed since the last plan */
	unsigned long generation; /* bumped on every change */
};

void model_init(struct model *m);
void model_free(struct model *m);
void model_touch(struct model *m);

struct link *model_link(struct model *m, int ifindex);
const struct link *model_link_c(const struct model *m, int ifindex);

/* Whether br_netfilter passes IP (v6: IPv6) bridged by br to netfilter. */
int model_brnf(const struct model *m, const struct link *br, int v6);

/*
 * inet_dev_addr_type() of an IPv4 address (network order) for device dev
 * (0: any), from the local routing table as mirrored: RTN_*, or -1 when
 * the model cannot tell (a VRF, a route it does not hold exactly).
 */
int model_addrtype4(const struct model *m, const uint8_t *addr, int dev);
struct link *model_link_add(struct model *m, int ifindex);
void model_link_del(struct model *m, int ifindex);

/* Routes, neighbours and rules: replace the entry with the same key, or delete it. */
void model_route_set(struct model *m, const struct route *r, int del);
void model_neigh_set(struct model *m, const struct neigh *n, int del);
void model_fdb_set(struct model *m, const struct fdb *f, int del);

/*
 * An FDB entry an event named (mirror.c collects them until the next plan
 * is applied): the applier writes it again even if unchanged, which
 * clears the fast path's TNA_FDB_MOVED once Linux has decided where the
 * station is.
 */
struct fdb_change {
	int bridge;
	unsigned char mac[6];
};
void model_rule_add(struct model *m, const struct rule *r);
void model_rules_clear(struct model *m, int family);

#endif /* TNA_MODEL_H */
