// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The planner: a pure function of the mirrored model. It decides, per
 * interface, whether a fast path is attached and which modules it holds,
 * and says why whenever traffic is left to Linux. No system calls here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include "plan.h"
#include "netdev.h"

#define NOTE(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

static int name_in(const char *name, const char *const *list, int nr)
{
	for (int i = 0; i < nr; i++)
		if (!strcmp(name, list[i]))
			return 1;
	return 0;
}

static int own_prog(const struct plan_opts *o, uint32_t id)
{
	for (int i = 0; i < o->nr_own; i++)
		if (o->own_prog_ids[i] == id)
			return 1;
	return 0;
}

/* Root qdiscs that only schedule: bypassing them changes timing, never bytes or drops by policy. */
static int qdisc_plain(const char *kind)
{
	static const char *const plain[] = { "",	   "noqueue",  "mq",
					     "pfifo_fast", "fq_codel", "fq",
					     "pfifo",	   "bfifo",    "sfq" };

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(kind, plain[i]))
			return 1;
	return 0;
}

static int is_bridge(const struct link *l)
{
	return l && !strcmp(l->kind, "bridge");
}

/* Whole-bridge reasons: every port of the bridge falls back. */
static int bridge_blocked(const struct link *br, char *why, size_t len)
{
	if (!(br->flags & IFF_UP))
		return snprintf(why, len, "bridge %s down", br->name);
	if (br->br_vlan_filtering)
		return snprintf(
			why, len,
			"bridge %s: VLAN filtering not modelled (no 802.1Q in this kernel)",
			br->name);
	if (br->captures)
		return snprintf(
			why, len,
			"packet capture open on bridge %s: Linux carries the traffic so the capture sees it",
			br->name);
	if (br->tc_ingress || br->nft_netdev_hooks)
		return snprintf(why, len,
				"bridge %s has tc or netdev-family filters",
				br->name);
	if (br->xdp_prog_id)
		return snprintf(why, len,
				"bridge %s has an XDP program of its own",
				br->name);
	return 0;
}

static int port_unsupported(const struct link *l, char *why, size_t len)
{
	if (l->port_flags & PORT_LOCKED)
		return snprintf(why, len,
				"locked bridge port (802.1X): not modelled");
	if (l->port_flags & PORT_NEIGH_SUPPRESS)
		return snprintf(
			why, len,
			"neighbour suppression on the port: not modelled");
	if (l->port_flags & PORT_BACKUP)
		return snprintf(why, len, "backup port set: not modelled");
	return 0;
}

/* Checks shared by both directions; returns 0 or writes why the device is out of scope. */
static int link_unsupported(const struct model *m, const struct link *l,
			    char *why, size_t len)
{
	const struct link *master;

	if (l->flags & IFF_LOOPBACK)
		return snprintf(why, len, "loopback");
	if (l->type != ARPHRD_ETHER || !l->has_mac)
		return snprintf(why, len, "not an Ethernet device");
	if (!(l->flags & IFF_UP))
		return snprintf(why, len, "link down");
	if (!(l->flags & IFF_RUNNING))
		return snprintf(why, len, "no carrier");
	if (is_bridge(l))
		return snprintf(why, len,
				"bridge device: its ports carry the fast path");
	if (!strcmp(l->kind, "bond") || !strcmp(l->kind, "team") ||
	    !strcmp(l->kind, "vrf"))
		return snprintf(why, len, "%s device: not modelled yet",
				l->kind);
	if (l->master) {
		master = model_link_c(m, l->master);
		if (!is_bridge(master) || strcmp(l->slave_kind, "bridge"))
			return snprintf(why, len,
					"port of %s %s: not modelled yet",
					master && master->kind[0] ?
						master->kind :
						"master",
					master ? master->name : "?");
		if (bridge_blocked(master, why, len) ||
		    port_unsupported(l, why, len))
			return 1;
	}
	if (l->captures || m->capture_any)
		return snprintf(
			why, len,
			"packet capture open%s: Linux carries the traffic so the capture sees it",
			l->captures ? "" : " on all interfaces");
	if (l->tc_ingress)
		return snprintf(
			why, len,
			"tc ingress/clsact qdisc: its filters would be bypassed");
	if (l->nft_netdev_hooks)
		return snprintf(
			why, len,
			"netdev-family nft chain: it would be bypassed");
	return 0;
}

static void plan_egress(const struct model *m, const struct link *l,
			struct plan_iface *pi)
{
	if (link_unsupported(m, l, pi->egress_reason,
			     sizeof(pi->egress_reason)))
		return;
	if (!m->has_netdev_family || !l->has_xdp_features) {
		NOTE(pi->egress_reason, "XDP transmit support unknown");
		return;
	}
	if (!(l->xdp_features & NETDEV_XDP_ACT_NDO_XMIT)) {
		if (!strcmp(l->kind, "veth")) {
			NOTE(pi->egress_reason,
			     "cannot take XDP frames: veth peer has no XDP program and no GRO (tna run --veth-gro)");
			pi->peer_no_napi = !qdisc_plain(l->root_qdisc) ? 0 : 1;
		} else
			NOTE(pi->egress_reason,
			     "cannot take XDP frames: driver lacks ndo_xdp_xmit");
		return;
	}
	if (!qdisc_plain(l->root_qdisc)) {
		NOTE(pi->egress_reason, "qdisc %s would be bypassed",
		     l->root_qdisc);
		return;
	}
	pi->egress = 1;
}

static int family_has_multipath(const struct model *m, int family)
{
	for (int i = 0; i < m->nr_routes; i++)
		if (m->routes[i].family == family && m->routes[i].multipath)
			return 1;
	return 0;
}

static int family_has_iif_rules(const struct model *m, int family)
{
	for (int i = 0; i < m->nr_rules; i++)
		if (m->rules[i].family == family &&
		    (m->rules[i].has_iif || m->rules[i].has_oif))
			return 1;
	return 0;
}

/* A local route covering a prefix makes Linux's martian-source check a FIB lookup. */
static int has_local_prefix4(const struct model *m)
{
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];

		if (r->family == AF_INET && r->type == RTN_LOCAL &&
		    r->dst_len < 32 && r->dst[0] != 127)
			return 1;
	}
	return 0;
}

/*
 * Whether the forward-path rules of family f (FW_IP4, FW_IP6, FW_BRIDGE)
 * can be carried by the fast path: 0, or why not. With no rule, they can.
 */
static int fw_blocked(const struct model *m, int f, char *why, size_t len)
{
	const struct nft_hook_note *nft = f == FW_BRIDGE ? &m->nft_bridge :
					  f == FW_IP6	 ? &m->nft_fwd6 :
							   &m->nft_fwd4;
	int nr_nft = f == FW_BRIDGE ? m->nr_nft_bridge :
		     f == FW_IP6    ? m->nr_nft_fwd6 :
				      m->nr_nft_fwd4;
	int legacy = f == FW_IP6 ? m->legacy6 : f == FW_IP4 ? m->legacy4 : 0;

	if (nr_nft && m->fw_err)
		return snprintf(why, len,
				"netfilter chain on the forward path (%s): "
				"ruleset unreadable (%s)",
				nft->what, strerror(-m->fw_err));
	if (nr_nft && m->fw.unsupported[f][0])
		return snprintf(why, len, "firewall not modelled: %s",
				m->fw.unsupported[f]);
	if (nr_nft != m->fw.nr_fwd[f])
		return snprintf(why, len,
				"netfilter chains changed while read (%s)",
				nft->what);
	if (legacy)
		return snprintf(
			why, len,
			"iptables-legacy tables loaded: filtering not modelled");
	return 0;
}

/* Whole-family reasons that hold for every interface. */
static int family_blocked(const struct model *m, int v6, char *why, size_t len)
{
	int hash = v6 ? m->mpath_hash6 : m->mpath_hash4;

	if (fw_blocked(m, v6 ? FW_IP6 : FW_IP4, why, len))
		return 1;
	if (m->nr_xfrm_policies)
		return snprintf(why, len,
				"IPsec (xfrm) policies present: not modelled");
	if (hash > 1 && family_has_multipath(m, v6 ? AF_INET6 : AF_INET))
		return snprintf(why, len,
				"multipath hash policy %d: not modelled", hash);
	if (!v6 && has_local_prefix4(m))
		return snprintf(why, len,
				"local route covering a prefix: not modelled");
	return 0;
}

/* Route modules of an interface whose IP lives on l3 (itself, or its bridge). */
static void plan_route(const struct model *m, const struct link *l3,
		       struct plan_iface *pi)
{
	int rpf;

	/* A namespace-wide block is a runtime switch (plan->family_off): the
	 * module stays, so the switch acts at once, both ways. */
	if (l3->fwd4 != 1)
		NOTE(pi->family_note[0], "forwarding disabled");
	else if (family_blocked(m, 0, pi->family_note[0],
				sizeof(pi->family_note[0])) >= 0)
		pi->features |= TNA_F_ROUTE4;
	if (l3->fwd6 != 1 || m->fwd6_all != 1)
		NOTE(pi->family_note[1], "forwarding disabled");
	else if (family_blocked(m, 1, pi->family_note[1],
				sizeof(pi->family_note[1])) >= 0)
		pi->features |= TNA_F_ROUTE6;

	rpf = l3->rpf4 > m->rpf4_all ? l3->rpf4 : m->rpf4_all;
	if ((pi->features & TNA_F_ROUTE4) && rpf > 0) {
		if (family_has_iif_rules(m, AF_INET)) {
			pi->features &= ~TNA_F_ROUTE4;
			NOTE(pi->family_note[0],
			     "rp_filter with iif/oif policy rules: not modelled");
		} else {
			pi->features |= rpf == 1 ? TNA_F_RPF4_STRICT :
						   TNA_F_RPF4_LOOSE;
		}
	}
}

/*
 * Bridging between ports. Bridge-family forward chains see every bridged
 * frame; with br_netfilter on, bridged IP also passes the ip/ip6/inet
 * forward chains (and br_netfilter's header validation and padding trim,
 * which the module reproduces). Rules the fast path can carry keep the
 * family fast; any other keeps it on Linux.
 */
/* Bridged traffic of a family Linux must see: returns 0 or writes why. */
static int bridging_blocked(const struct model *m, const struct link *br,
			    int v6, char *why, size_t len)
{
	char r[MODEL_NOTE_LEN];

	if (fw_blocked(m, FW_BRIDGE, r, sizeof(r)))
		return snprintf(why, len, "bridge family: %.200s", r);
	if (model_brnf(m, br, v6) && fw_blocked(m, v6, r, sizeof(r)))
		return snprintf(why, len,
				"br_netfilter passes bridged IPv%d to the "
				"IPv%d rules: %.160s",
				v6 ? 6 : 4, v6 ? 6 : 4, r);
	return 0;
}

/*
 * The bridge module; which bridged families Linux must see is a runtime
 * flag in the ports map (TNA_PORT_IP4/6_OFF), so rules added or removed
 * act at once without a new program.
 */
static void plan_bridging(const struct model *m, const struct link *br,
			  struct plan_iface *pi, char notes[2][MODEL_NOTE_LEN])
{
	pi->features |= TNA_F_BRIDGE | TNA_F_BR_IP4 | TNA_F_BR_IP6;
	if (model_brnf(m, br, 0))
		pi->features |= TNA_F_BR_NF4;
	if (model_brnf(m, br, 1))
		pi->features |= TNA_F_BR_NF6;
	for (int f = 0; f < 2; f++)
		bridging_blocked(m, br, f, notes[f], MODEL_NOTE_LEN);
}

static void plan_ingress(const struct model *m, const struct plan_opts *o,
			 const struct link *l, struct plan_iface *pi)
{
	const struct link *br = l->master ? model_link_c(m, l->master) : NULL;
	char br_notes[2][MODEL_NOTE_LEN] = { "", "" };

	if (o->nr_include && !name_in(l->name, o->include, o->nr_include)) {
		NOTE(pi->reason, "not selected (--iface)");
		return;
	}
	if (name_in(l->name, o->exclude, o->nr_exclude)) {
		NOTE(pi->reason, "excluded (--exclude)");
		return;
	}
	if (link_unsupported(m, l, pi->reason, sizeof(pi->reason)))
		return;
	if (l->xdp_prog_id && !own_prog(o, l->xdp_prog_id)) {
		NOTE(pi->reason,
		     "another XDP program (id %u) is attached: left alone",
		     l->xdp_prog_id);
		return;
	}
	if (br) { /* a port of a bridge link_unsupported() accepted */
		pi->bridge = pi->l3_ifindex = br->ifindex;
		plan_bridging(m, br, pi, br_notes);
	}
	plan_route(m, br ? br : l, pi);
	if (!(pi->features &
	      (TNA_F_ROUTE4 | TNA_F_ROUTE6 | TNA_F_BR_IP4 | TNA_F_BR_IP6))) {
		if (br)
			NOTE(pi->reason,
			     "bridging: %.30s, %.30s; routing: %.30s",
			     br_notes[0], br_notes[1], pi->family_note[0]);
		else
			NOTE(pi->reason, "ipv4: %.50s; ipv6: %.50s",
			     pi->family_note[0], pi->family_note[1]);
		pi->features = 0;
		return;
	}
	/* Notes say what stays on Linux: for a port, bridged or routed traffic. */
	for (int f = 0; br && f < 2; f++) {
		char routed[MODEL_NOTE_LEN];

		if (br_notes[f][0]) {
			NOTE(pi->family_note[f], "%.120s", br_notes[f]);
		} else if (pi->family_note[f][0]) {
			NOTE(routed, "%s", pi->family_note[f]);
			NOTE(pi->family_note[f], "routed: %.100s", routed);
		}
	}
	pi->accelerate = 1;
}

/* Ports-map entries: bridges, and ports of bridges the fast path models. */
static void plan_port(const struct model *m, const struct link *l,
		      struct plan_iface *pi)
{
	const struct link *br = l->master ? model_link_c(m, l->master) : NULL;
	char why[MODEL_NOTE_LEN];

	if (is_bridge(l) && !bridge_blocked(l, why, sizeof(why))) {
		pi->has_port = 1;
		pi->port.bridge = l->ifindex;
		pi->port.flags = TNA_PORT_IS_BRIDGE;
		return;
	}
	if (!is_bridge(br) || strcmp(l->slave_kind, "bridge") ||
	    bridge_blocked(br, why, sizeof(why)))
		return;
	pi->has_port = 1;
	pi->port.bridge = br->ifindex;
	pi->port.state = l->port_state;
	pi->port.mtu = l->mtu;
	if (bridging_blocked(m, br, 0, why, sizeof(why)))
		pi->port.flags |= TNA_PORT_IP4_OFF;
	if (bridging_blocked(m, br, 1, why, sizeof(why)))
		pi->port.flags |= TNA_PORT_IP6_OFF;
	if (l->port_flags & PORT_LEARNING)
		pi->port.flags |= TNA_PORT_LEARNING;
	if (l->port_flags & PORT_ISOLATED)
		pi->port.flags |= TNA_PORT_ISOLATED;
}

int plan_fdb_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct plan_fdb *)a)->key,
		      &((const struct plan_fdb *)b)->key,
		      sizeof(struct tna_fdb_key));
}

/* Entries of modelled bridges whose port is the bridge or one of its ports. */
static int plan_fdb(const struct model *m, struct plan *p)
{
	p->fdb = calloc(m->nr_fdb + 1, sizeof(*p->fdb));
	if (!p->fdb)
		return -ENOMEM;
	for (int i = 0; i < m->nr_fdb; i++) {
		const struct fdb *f = &m->fdb[i];
		const struct plan_iface *br = plan_find(p, f->bridge);
		const struct link *port = model_link_c(m, f->port);
		struct plan_fdb *e = &p->fdb[p->nr_fdb];

		if (!br || !br->has_port ||
		    !(br->port.flags & TNA_PORT_IS_BRIDGE) || !port ||
		    (port->ifindex != f->bridge && port->master != f->bridge))
			continue;
		e->key.bridge = f->bridge;
		memcpy(e->key.mac, f->mac, 6);
		if (f->state & NUD_PERMANENT) {
			e->val.flags = TNA_FDB_LOCAL;
		} else {
			if (port->ifindex == f->bridge)
				continue; /* not local, yet on the bridge: odd */
			e->val.port = f->port;
			if (f->flags & NTF_STICKY)
				e->val.flags = TNA_FDB_STICKY;
			e->dynamic = !(f->state & NUD_NOARP) &&
				     !(f->flags & NTF_EXT_LEARNED);
		}
		p->nr_fdb++;
	}
	qsort(p->fdb, p->nr_fdb, sizeof(*p->fdb), plan_fdb_cmp);
	return 0;
}

static int plan_bridges(const struct model *m, struct plan *p)
{
	p->bridges = calloc(m->nr_links + 1, sizeof(*p->bridges));
	if (!p->bridges)
		return -ENOMEM;
	for (int i = 0; i < p->nr; i++) {
		const struct link *l = model_link_c(m, p->ifaces[i].ifindex);
		struct plan_bridge *b = &p->bridges[p->nr_bridges];

		if (!is_bridge(l))
			continue;
		p->nr_bridges++;
		b->ifindex = l->ifindex;
		snprintf(b->name, sizeof(b->name), "%s", l->name);
		b->ageing_cs = l->br_ageing;
		b->accelerate =
			!bridge_blocked(l, b->reason, sizeof(b->reason)) &&
			!fw_blocked(m, FW_BRIDGE, b->reason, sizeof(b->reason));
		for (int k = 0; k < m->nr_links; k++)
			b->nr_ports += m->links[k].master == l->ifindex;
		for (int k = 0; k < p->nr_fdb; k++)
			b->nr_fdb += (int)p->fdb[k].key.bridge == l->ifindex;
	}
	return 0;
}

static void plan_local_addrs(const struct model *m, struct plan *p)
{
	p->local = calloc(m->nr_routes + 1, sizeof(*p->local));
	if (!p->local)
		return;
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];
		struct tna_addr_key *k = &p->local[p->nr_local];

		if (r->table != RT_TABLE_LOCAL)
			continue;
		if (r->family == AF_INET && r->dst_len == 32 &&
		    (r->type == RTN_LOCAL || r->type == RTN_BROADCAST)) {
			k->addr[2] = htonl(0xffff);
			memcpy(&k->addr[3], r->dst, 4);
			p->nr_local++;
		} else if (r->family == AF_INET6 && r->dst_len == 128 &&
			   r->type == RTN_LOCAL) {
			memcpy(k->addr, r->dst, 16);
			p->nr_local++;
		}
	}
}

/* Linux's forwarding honours any route's MTU metric; the FIB helper only locked ones. */
static void plan_route_mtu(const struct model *m, struct plan *p)
{
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];
		uint32_t *cap = r->family == AF_INET ? &p->route_mtu4 :
						       &p->route_mtu6;

		if (r->mtu && (!*cap || r->mtu < *cap))
			*cap = r->mtu;
	}
}

/*
 * bpf_fib_lookup()'s answer to an IPv4 packet depends only on its ingress
 * and destination, and changes only with events the controller reads (and
 * bumps the cache generation on), when the policy rules are the default
 * three and no IPv4 route is multipath, has a TOS or a nexthop object.
 * Then the fast path caches it, for packets no longer than the smallest
 * MTU of any link: the FIB's MTU check could not fail for them.
 */
static void plan_route_cache(const struct model *m, struct plan *p)
{
	static const struct {
		uint32_t priority, table;
	} defaults[] = { { 0, RT_TABLE_LOCAL },
			 { 32766, RT_TABLE_MAIN },
			 { 32767, RT_TABLE_DEFAULT } };
	unsigned int mtu = 0;
	int nr = 0;

	for (int i = 0; i < m->nr_rules; i++) {
		const struct rule *r = &m->rules[i];
		int known = 0;

		if (r->family != AF_INET)
			continue;
		for (int k = 0; k < 3; k++)
			known |= r->priority == defaults[k].priority &&
				 r->table == defaults[k].table;
		if (!known || r->selective || r->has_iif || r->has_oif) {
			NOTE(p->rc_note,
			     "policy rules besides the default ones");
			return;
		}
		nr++;
	}
	if (nr != 3) {
		NOTE(p->rc_note, "policy rules differ from the default ones");
		return;
	}
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];

		if (r->family != AF_INET)
			continue;
		if (r->multipath || r->tos || r->nhid) {
			NOTE(p->rc_note, "%s routes",
			     r->multipath ? "multipath" :
			     r->tos	  ? "TOS" :
					    "nexthop-object");
			return;
		}
	}
	for (int i = 0; i < m->nr_links; i++) {
		const struct link *l = &m->links[i];

		if (!(l->flags & IFF_LOOPBACK) && l->mtu &&
		    (!mtu || l->mtu < mtu))
			mtu = l->mtu;
	}
	if (!mtu)
		NOTE(p->rc_note, "no link with an MTU");
	/* longer packets go to Linux before the cache anyway (route_mtu4) */
	if (p->route_mtu4 && p->route_mtu4 < mtu)
		mtu = p->route_mtu4;
	p->rc_mtu4 = mtu;
}

static int iface_cmp(const void *a, const void *b)
{
	return ((const struct plan_iface *)a)->ifindex -
	       ((const struct plan_iface *)b)->ifindex;
}

/*
 * Runtime switches: routing of a family off for any whole-family reason;
 * its rules in the fast path whenever they can be (bridged traffic may
 * need them through br_netfilter while routing is off for another
 * reason); the ruleset's generation and conntrack timeouts.
 */
static void plan_runtime(const struct model *m, struct plan *p)
{
	char why[MODEL_NOTE_LEN];

	for (int f = 0; f < 3; f++) {
		static const uint32_t fw_bit[] = { TNA_RT_FW4, TNA_RT_FW6,
						   TNA_RT_FW_BR };
		int nr = f == FW_BRIDGE ? m->nr_nft_bridge :
			 f == FW_IP6	? m->nr_nft_fwd6 :
					  m->nr_nft_fwd4;
		char rwhy[MODEL_NOTE_LEN] = "";

		if (f < 2 && family_blocked(m, f, rwhy, sizeof(rwhy)))
			p->family_off |= f ? TNA_RT_ROUTE6_OFF :
					     TNA_RT_ROUTE4_OFF;
		if (fw_blocked(m, f, why, sizeof(why))) {
			NOTE(p->fw_note[f], "to Linux: %.230s", why);
			if (f == FW_BRIDGE)
				p->family_off |= TNA_RT_BRIDGE_OFF;
			continue;
		}
		if (nr)
			p->fw |= fw_bit[f];
		/* nat chains: routed IPv4 only as translated connections */
		if (f == FW_IP4 && nr && m->fw.nat4)
			p->fw |= TNA_RT_NAT4;
		if (rwhy[0])
			NOTE(p->fw_note[f], "to Linux: %.230s", rwhy);
		else if (nr)
			NOTE(p->fw_note[f],
			     "in the fast path (%d base chains on the path%s)",
			     m->fw.nr_fwd[f],
			     f == FW_IP4 && m->fw.nat4 ?
				     "; NAT as conntrack records it" :
				     "");
		else
			NOTE(p->fw_note[f], "no forward-path rules");
	}
	p->fw_genid = m->fw.genid;
	p->ct_tcp_ms = m->ct_tcp_est_s * 1000U;
	p->ct_udp_ms = m->ct_udp_stream_s * 1000U;
	p->ct_udp_early_ms = m->ct_udp_s * 1000U;
}

/*
 * Rules match interface names and types, and address types (the local
 * routing table); which rules a bridged flow passes depends on its bridge
 * and br_netfilter: any change of those is a new ruleset for the cached
 * verdicts (a hash of them).
 */
static void plan_fw_names(const struct model *m, struct plan *p)
{
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];

		if (r->table != RT_TABLE_LOCAL)
			continue;
		for (int j = 0; j < 16; j++)
			p->fw_names = p->fw_names * 31 + r->dst[j];
		p->fw_names = p->fw_names * 31 + ((uint64_t)r->dst_len << 40 |
						  (uint64_t)r->type << 32 |
						  (uint32_t)r->oif);
	}
	for (int i = 0; i < m->nr_links; i++) {
		const struct link *l = &m->links[i];

		for (const char *c = l->name; *c; c++)
			p->fw_names = p->fw_names * 31 + (uint8_t)*c +
				      (uint64_t)l->ifindex;
		p->fw_names = p->fw_names * 31 + (uint64_t)l->master +
			      ((uint64_t)l->type << 32);
		if (is_bridge(l))
			p->fw_names = p->fw_names * 31 +
				      (uint64_t)model_brnf(m, l, 0) * 2 +
				      (uint64_t)model_brnf(m, l, 1);
	}
}

int plan_build(const struct model *m, const struct plan_opts *o, struct plan *p)
{
	static const struct plan_opts none;
	int nr_egress = 0, br_egress = 0;

	if (!o)
		o = &none;
	memset(p, 0, sizeof(*p));
	p->ifaces = calloc(m->nr_links + 1, sizeof(*p->ifaces));
	if (!p->ifaces)
		return -ENOMEM;
	for (int i = 0; i < m->nr_links; i++) {
		const struct link *l = &m->links[i];
		struct plan_iface *pi = &p->ifaces[p->nr++];

		pi->ifindex = pi->l3_ifindex = l->ifindex;
		snprintf(pi->name, sizeof(pi->name), "%s", l->name);
		memcpy(pi->mac, l->mac, sizeof(pi->mac));
		plan_egress(m, l, pi);
		plan_ingress(m, o, l, pi);
		plan_port(m, l, pi);
		nr_egress += pi->egress;
		if (pi->egress && pi->has_port)
			br_egress = 1;
	}
	qsort(p->ifaces, p->nr, sizeof(*p->ifaces), iface_cmp);
	plan_runtime(m, p);
	plan_fw_names(m, p);

	/* Routing may end in a bridge port once any bridge is modelled. */
	for (int i = 0; i < p->nr && br_egress; i++)
		if (p->ifaces[i].features & (TNA_F_ROUTE4 | TNA_F_ROUTE6))
			p->ifaces[i].features |= TNA_F_ROUTE_TO_BR;

	/* A local stack behind a veth may leave TCP/UDP checksums to offload. */
	for (int i = 0; i < p->nr; i++) {
		const struct link *l = model_link_c(m, p->ifaces[i].ifindex);

		if (l && !strcmp(l->kind, "veth") &&
		    (p->ifaces[i].features &
		     (TNA_F_ROUTE4 | TNA_F_ROUTE6 | TNA_F_BRIDGE)))
			p->ifaces[i].features |= TNA_F_CSUM;
	}

	/* A program is worth attaching only if it can send somewhere else. */
	for (int i = 0; i < p->nr; i++) {
		struct plan_iface *pi = &p->ifaces[i];

		if (pi->accelerate && !plan_features_possible(pi->features)) {
			pi->accelerate = 0;
			NOTE(pi->reason,
			     "internal: modules 0x%llx do not fit together",
			     (unsigned long long)pi->features);
			pi->features = 0;
		}
		if (!pi->accelerate || nr_egress - pi->egress > 0)
			continue;
		pi->accelerate = 0;
		pi->features = 0;
		NOTE(pi->reason, "no other interface can take XDP frames");
	}
	plan_route_mtu(m, p);
	plan_route_cache(m, p);
	plan_local_addrs(m, p);
	if (!p->local || plan_fdb(m, p) || plan_bridges(m, p)) {
		plan_free(p);
		return -ENOMEM;
	}
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->ifaces);
	free(p->local);
	free(p->fdb);
	free(p->bridges);
	memset(p, 0, sizeof(*p));
}

/* The interfaces are sorted by ifindex (plan_build() sorts them first). */
const struct plan_iface *plan_find(const struct plan *p, int ifindex)
{
	int lo = 0, hi = p->nr - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (p->ifaces[mid].ifindex == ifindex)
			return &p->ifaces[mid];
		if (p->ifaces[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

const struct plan_bridge *plan_bridge_find(const struct plan *p, int ifindex)
{
	for (int i = 0; i < p->nr_bridges; i++)
		if (p->bridges[i].ifindex == ifindex)
			return &p->bridges[i];
	return NULL;
}

const char *plan_modules(uint64_t features, char *buf, size_t len)
{
	static const char *const names[] = TNA_FEATURE_NAMES;
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < TNA_NR_FEATURES && off < len; i++)
		if (features & (1ULL << i))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "," : "", names[i]);
	return buf;
}

int plan_features_possible(uint64_t f)
{
	uint64_t route = TNA_F_ROUTE4 | TNA_F_ROUTE6;
	uint64_t br = TNA_F_BR_IP4 | TNA_F_BR_IP6 | TNA_F_BR_NF4 | TNA_F_BR_NF6;

	if ((f & br) && !(f & TNA_F_BRIDGE))
		return 0;
	if ((f & (TNA_F_RPF4_LOOSE | TNA_F_RPF4_STRICT)) && !(f & TNA_F_ROUTE4))
		return 0;
	if ((f & TNA_F_RPF4_LOOSE) && (f & TNA_F_RPF4_STRICT))
		return 0;
	if ((f & TNA_F_ROUTE_TO_BR) && !(f & route))
		return 0;
	if ((f & TNA_F_CSUM) && !(f & (route | TNA_F_BRIDGE)))
		return 0;
	if (((f & TNA_F_BR_NF4) && !(f & TNA_F_BR_IP4)) ||
	    ((f & TNA_F_BR_NF6) && !(f & TNA_F_BR_IP6)))
		return 0;
	return 1;
}
