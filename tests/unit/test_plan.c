// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Planner cases on synthetic models, no kernel involved: each case builds
 * a model, plans it and checks per-interface decisions and reasons.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include "netdev.h"
#include "plan.h"

#define XMIT                                              \
	(NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT | \
	 NETDEV_XDP_ACT_NDO_XMIT)
#define R46 (TNA_F_ROUTE4 | TNA_F_ROUTE6)
/* Modules besides the checksum check every veth ingress gets. */
#define FEAT(pi) ((pi)->features & ~TNA_F_CSUM)

static int failed;
static const char *current;

#define CHECK(cond, ...)                              \
	do {                                          \
		if (!(cond)) {                        \
			printf("FAIL %s: ", current); \
			printf(__VA_ARGS__);          \
			printf("\n");                 \
			return 1;                     \
		}                                     \
	} while (0)

static struct link *veth(struct model *m, int ifindex, const char *name)
{
	struct link *l = model_link_add(m, ifindex);

	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "veth");
	l->flags = IFF_UP | IFF_RUNNING;
	l->type = ARPHRD_ETHER;
	l->has_mac = 1;
	l->mac[0] = 2;
	l->mac[5] = ifindex;
	l->fwd4 = l->fwd6 = 1;
	l->rpf4 = 0;
	l->has_xdp_features = 1;
	l->xdp_features = XMIT;
	return l;
}

/* A forwarding namespace: lo plus two XDP-capable veths, v4 and v6 forwarding on. */
static void router(struct model *m)
{
	struct link *lo;

	model_init(m);
	m->has_netdev_family = 1;
	m->fwd6_all = 1;
	m->rpf4_all = 0;
	lo = model_link_add(m, 1);
	snprintf(lo->name, sizeof(lo->name), "lo");
	lo->flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK;
	lo->type = ARPHRD_LOOPBACK;
	veth(m, 2, "a");
	veth(m, 3, "b");
}

static const struct plan_iface *get(const struct plan *p, int ifindex)
{
	return plan_find(p, ifindex);
}

static int plan(const struct model *m, const struct plan_opts *o,
		struct plan *p)
{
	return plan_build(m, o, p);
}

#define PLAN(m, o, p) CHECK(plan(m, o, p) == 0, "plan_build failed")

static int t_basic(void)
{
	struct model m;
	struct plan p;

	router(&m);
	PLAN(&m, NULL, &p);
	CHECK(p.nr == 3, "3 interfaces, got %d", p.nr);
	CHECK(!get(&p, 1)->accelerate && strstr(get(&p, 1)->reason, "loopback"),
	      "lo: %s", get(&p, 1)->reason);
	for (int i = 2; i <= 3; i++) {
		const struct plan_iface *pi = get(&p, i);

		CHECK(pi->accelerate && FEAT(pi) == R46 && pi->egress,
		      "%s: accelerate %d features %llx egress %d", pi->name,
		      pi->accelerate, (unsigned long long)pi->features,
		      pi->egress);
		CHECK(pi->mac[5] == i, "mac copied");
	}
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_forwarding_off(void)
{
	struct model m;
	struct plan p;

	router(&m);
	model_link(&m, 2)->fwd4 = 0;
	model_link(&m, 2)->fwd6 = 0;
	model_link(&m, 3)->fwd4 = 0;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 2)->accelerate &&
		      strstr(get(&p, 2)->reason, "forwarding disabled"),
	      "a: %s", get(&p, 2)->reason);
	CHECK(get(&p, 3)->accelerate && FEAT(get(&p, 3)) == TNA_F_ROUTE6,
	      "b keeps route6 only: %llx",
	      (unsigned long long)get(&p, 3)->features);
	CHECK(strstr(get(&p, 3)->family_note[0], "forwarding disabled"),
	      "b ipv4 note: %s", get(&p, 3)->family_note[0]);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_v6_all_off(void)
{
	struct model m;
	struct plan p;

	router(&m);
	m.fwd6_all = 0; /* Linux's ip6_forward() checks "all" too */
	PLAN(&m, NULL, &p);
	CHECK(FEAT(get(&p, 2)) == TNA_F_ROUTE4, "route4 only: %llx",
	      (unsigned long long)get(&p, 2)->features);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_egress_without_xmit(void)
{
	struct model m;
	struct plan p;

	router(&m);
	model_link(&m, 3)->xdp_features = NETDEV_XDP_ACT_BASIC;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 3)->egress &&
		      strstr(get(&p, 3)->egress_reason, "veth peer"),
	      "b egress: %s", get(&p, 3)->egress_reason);
	/* a could only send to b: nothing to gain, nothing attached. */
	CHECK(!get(&p, 2)->accelerate &&
		      strstr(get(&p, 2)->reason, "no other interface"),
	      "a: %s", get(&p, 2)->reason);
	CHECK(get(&p, 3)->accelerate, "b still forwards into a");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_unknown_xdp_features(void)
{
	struct model m;
	struct plan p;

	router(&m);
	m.has_netdev_family = 0;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 2)->egress && !get(&p, 2)->accelerate,
	      "unknown transmit support must not be trusted");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_foreign_program(void)
{
	static const uint32_t own[] = { 77 };
	struct plan_opts o = { .own_prog_ids = own, .nr_own = 1 };
	struct model m;
	struct plan p;

	router(&m);
	model_link(&m, 2)->xdp_prog_id = 99;
	model_link(&m, 3)->xdp_prog_id = 77;
	PLAN(&m, &o, &p);
	CHECK(!get(&p, 2)->accelerate &&
		      strstr(get(&p, 2)->reason, "another XDP program"),
	      "a: %s", get(&p, 2)->reason);
	CHECK(get(&p, 3)->accelerate, "b carries our own program");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_netfilter(void)
{
	struct model m;
	struct plan p;

	router(&m);
	m.nr_nft_fwd4 = 1;
	snprintf(m.nft_fwd4.what, sizeof(m.nft_fwd4.what),
		 "ip filter FORWARD hook forward");
	m.legacy6 = 1;
	PLAN(&m, NULL, &p);
	/* Namespace-wide blocks are runtime switches: the modules stay. */
	CHECK(get(&p, 2)->accelerate && FEAT(get(&p, 2)) == R46 &&
		      p.family_off == (TNA_RT_ROUTE4_OFF | TNA_RT_ROUTE6_OFF),
	      "both families switched off at runtime: features %llx off %x",
	      (unsigned long long)get(&p, 2)->features, p.family_off);
	CHECK(strstr(get(&p, 2)->family_note[0], "ip filter FORWARD"),
	      "v4 note: %s", get(&p, 2)->family_note[0]);
	CHECK(strstr(get(&p, 2)->family_note[1], "iptables-legacy"),
	      "v6 note: %s", get(&p, 2)->family_note[1]);
	m.legacy6 = 0;
	plan_free(&p);
	m.nr_nft_fwd4 = 0;
	m.nr_xfrm_policies = 1;
	PLAN(&m, NULL, &p);
	CHECK(p.family_off == (TNA_RT_ROUTE4_OFF | TNA_RT_ROUTE6_OFF) &&
		      strstr(get(&p, 2)->family_note[1], "IPsec"),
	      "xfrm policy: both families to Linux (%s)",
	      get(&p, 2)->family_note[1]);
	m.nr_xfrm_policies = 0;
	m.nr_nft_fwd4 = 1;
	plan_free(&p);
	PLAN(&m, NULL, &p);
	CHECK(FEAT(get(&p, 2)) == R46 && p.family_off == TNA_RT_ROUTE4_OFF,
	      "IPv4 off at runtime only: %llx %x",
	      (unsigned long long)get(&p, 2)->features, p.family_off);
	plan_free(&p);
	m.nr_nft_fwd4 = 0;
	PLAN(&m, NULL, &p);
	CHECK(p.family_off == 0 && !get(&p, 2)->family_note[0][0],
	      "rules gone: nothing off");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_rp_filter_max(void)
{
	struct rule r = { .family = AF_INET, .priority = 10, .has_iif = 1 };
	struct model m;
	struct plan p;

	router(&m);
	m.rpf4_all = 1;
	model_link(&m, 3)->rpf4 = 2; /* Linux takes the max: 2, loose */
	PLAN(&m, NULL, &p);
	CHECK(FEAT(get(&p, 2)) == (R46 | TNA_F_RPF4_STRICT), "a strict");
	CHECK(FEAT(get(&p, 3)) == (R46 | TNA_F_RPF4_LOOSE), "b loose");
	plan_free(&p);
	model_rule_add(&m, &r);
	PLAN(&m, NULL, &p);
	CHECK(FEAT(get(&p, 2)) == TNA_F_ROUTE6 &&
		      strstr(get(&p, 2)->family_note[0], "iif"),
	      "iif rule with rp_filter: v4 to Linux (%s)",
	      get(&p, 2)->family_note[0]);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_select(void)
{
	static const char *const inc[] = { "a" };
	static const char *const exc[] = { "b" };
	struct plan_opts oi = { .include = inc, .nr_include = 1 };
	struct plan_opts oe = { .exclude = exc, .nr_exclude = 1 };
	struct model m;
	struct plan p;

	router(&m);
	PLAN(&m, &oi, &p);
	CHECK(get(&p, 2)->accelerate && !get(&p, 3)->accelerate &&
		      strstr(get(&p, 3)->reason, "--iface"),
	      "--iface a");
	CHECK(get(&p, 3)->egress, "an unselected interface is still an egress");
	plan_free(&p);
	PLAN(&m, &oe, &p);
	CHECK(get(&p, 2)->accelerate && !get(&p, 3)->accelerate &&
		      strstr(get(&p, 3)->reason, "--exclude"),
	      "--exclude b");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_bridge_and_tc(void)
{
	struct model m;
	struct plan p;
	struct link *br;

	router(&m);
	veth(&m, 4, "c");
	br = veth(&m, 5, "bond0");
	snprintf(br->kind, sizeof(br->kind), "bond");
	model_link(&m, 4)->master = 5;
	snprintf(model_link(&m, 4)->slave_kind, MODEL_KIND_LEN, "bond");
	model_link(&m, 2)->tc_ingress = 1;
	snprintf(model_link(&m, 3)->root_qdisc, MODEL_KIND_LEN, "tbf");
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 4)->accelerate &&
		      strstr(get(&p, 4)->reason, "port of bond bond0"),
	      "c: %s", get(&p, 4)->reason);
	CHECK(!get(&p, 5)->accelerate && strstr(get(&p, 5)->reason, "bond"),
	      "bond0: %s", get(&p, 5)->reason);
	CHECK(!get(&p, 2)->accelerate && strstr(get(&p, 2)->reason, "clsact"),
	      "a: %s", get(&p, 2)->reason);
	CHECK(!get(&p, 3)->egress && strstr(get(&p, 3)->egress_reason, "tbf"),
	      "b egress: %s", get(&p, 3)->egress_reason);
	plan_free(&p);
	model_free(&m);
	return 0;
}

/* router() plus br0 (5) with ports c (4) and d (6), forwarding, learning. */
static void bridged(struct model *m)
{
	struct link *br;

	router(m);
	br = veth(m, 5, "br0");
	snprintf(br->kind, sizeof(br->kind), "bridge");
	br->br_ageing = 30000;
	for (int i = 4; i <= 6; i += 2) {
		struct link *l = veth(m, i, i == 4 ? "c" : "d");

		l->master = 5;
		snprintf(l->slave_kind, sizeof(l->slave_kind), "bridge");
		l->port_state = 3;
		l->port_flags = PORT_LEARNING;
		l->fwd4 = l->fwd6 = 0; /* ports have no IP of their own */
	}
}

static void add_fdb(struct model *m, int br, int port, int last, uint16_t state,
		    uint8_t flags)
{
	struct fdb f = { .bridge = br, .port = port, .state = state };

	f.mac[0] = 2;
	f.mac[5] = last;
	f.flags = flags;
	model_fdb_set(m, &f, 0);
}

static int t_bridge_ports(void)
{
	uint64_t want = TNA_F_BRIDGE | TNA_F_BR_IP4 | TNA_F_BR_IP6 | R46 |
			TNA_F_ROUTE_TO_BR;
	struct model m;
	struct plan p;

	bridged(&m);
	model_link(&m, 6)->port_flags |= PORT_ISOLATED;
	add_fdb(&m, 5, 5, 0x50, NUD_PERMANENT, NTF_MASTER); /* the bridge's */
	add_fdb(&m, 5, 4, 0x41, NUD_REACHABLE, NTF_MASTER); /* learned */
	add_fdb(&m, 5, 6, 0x61, NUD_NOARP, NTF_MASTER); /* static */
	add_fdb(&m, 5, 4, 0x42, NUD_REACHABLE, NTF_MASTER | NTF_EXT_LEARNED);
	add_fdb(&m, 5, 2, 0x21, NUD_REACHABLE, NTF_MASTER); /* not a port */
	add_fdb(&m, 9, 4, 0x91, NUD_REACHABLE, NTF_MASTER); /* no such bridge */
	add_fdb(&m, 5, 6, 0x41, NUD_REACHABLE, NTF_MASTER); /* 0x41 moved */
	PLAN(&m, NULL, &p);
	for (int i = 4; i <= 6; i += 2) {
		const struct plan_iface *pi = get(&p, i);

		CHECK(pi->accelerate && FEAT(pi) == want && pi->bridge == 5 &&
			      pi->l3_ifindex == 5 && pi->egress,
		      "%s: accelerate %d features %llx bridge %d l3 %d",
		      pi->name, pi->accelerate,
		      (unsigned long long)pi->features, pi->bridge,
		      pi->l3_ifindex);
		CHECK(pi->has_port && pi->port.bridge == 5 &&
			      pi->port.state == 3 && pi->port.mtu == 0 &&
			      (pi->port.flags & TNA_PORT_LEARNING),
		      "%s: port entry", pi->name);
	}
	CHECK(get(&p, 6)->port.flags & TNA_PORT_ISOLATED, "d isolated");
	CHECK(!get(&p, 5)->accelerate && !get(&p, 5)->egress &&
		      get(&p, 5)->has_port &&
		      get(&p, 5)->port.flags == TNA_PORT_IS_BRIDGE,
	      "br0: not attached, not an egress, ports entry as a bridge");
	CHECK(FEAT(get(&p, 2)) == (R46 | TNA_F_ROUTE_TO_BR),
	      "a routes into bridges: %llx",
	      (unsigned long long)get(&p, 2)->features);
	CHECK(p.nr_fdb == 4, "4 FDB entries planned, got %d", p.nr_fdb);
	for (int i = 0; i < p.nr_fdb; i++) {
		const struct plan_fdb *f = &p.fdb[i];

		CHECK(i == 0 || plan_fdb_cmp(&p.fdb[i - 1], f) < 0, "sorted");
		switch (f->key.mac[5]) {
		case 0x50:
			CHECK(f->val.flags == TNA_FDB_LOCAL && !f->val.port &&
				      !f->dynamic,
			      "local entry");
			break;
		case 0x41:
			CHECK(f->val.port == 6 && f->dynamic, "moved entry");
			break;
		case 0x61:
			CHECK(f->val.port == 6 && !f->dynamic, "static entry");
			break;
		case 0x42:
			CHECK(f->val.port == 4 && !f->dynamic,
			      "extern-learned entry does not age");
			break;
		default:
			CHECK(0, "unexpected entry %02x", f->key.mac[5]);
		}
	}
	CHECK(p.nr_bridges == 1 && p.bridges[0].accelerate &&
		      p.bridges[0].nr_ports == 2 && p.bridges[0].nr_fdb == 4 &&
		      p.bridges[0].ageing_cs == 30000,
	      "bridge summary");
	plan_free(&p);
	model_free(&m);
	return 0;
}

/* Every whole-bridge reason: ports fall back, no FDB, nothing routes into it. */
static int t_bridge_blocked(void)
{
	static const char *const why[] = { "VLAN filtering", "down",
					   "packet capture open on bridge",
					   "tc or netdev" };

	for (int k = 0; k < 4; k++) {
		struct model m;
		struct plan p;
		struct link *br;

		bridged(&m);
		br = model_link(&m, 5);
		add_fdb(&m, 5, 4, 0x41, NUD_REACHABLE, NTF_MASTER);
		if (k == 0)
			br->br_vlan_filtering = 1;
		if (k == 1)
			br->flags &= ~IFF_UP;
		if (k == 2)
			br->captures = 1;
		if (k == 3)
			br->tc_ingress = 1;
		PLAN(&m, NULL, &p);
		CHECK(!get(&p, 4)->accelerate &&
			      strstr(get(&p, 4)->reason, why[k]) &&
			      !get(&p, 4)->egress && !get(&p, 4)->has_port,
		      "%s: c: %s", why[k], get(&p, 4)->reason);
		CHECK(p.nr_fdb == 0 && !p.bridges[0].accelerate &&
			      strstr(p.bridges[0].reason, why[k]),
		      "%s: no FDB, bridge reason %s", why[k],
		      p.bridges[0].reason);
		CHECK(!(get(&p, 2)->features & TNA_F_ROUTE_TO_BR),
		      "%s: nothing routes into a bridge", why[k]);
		plan_free(&p);
		model_free(&m);
	}
	return 0;
}

/*
 * Bridge-family chains: forward chains the model holds go to the fast
 * path; any other (or one read while it changed) turns bridging off at
 * runtime, routing stays.
 */
static int t_bridge_nft(void)
{
	struct model m;
	struct plan p;

	bridged(&m);
	model_link(&m, 5)->fwd4 = 1;
	add_fdb(&m, 5, 4, 0x41, NUD_REACHABLE, NTF_MASTER);
	m.nr_nft_bridge = 1;
	snprintf(m.nft_bridge.what, MODEL_NOTE_LEN, "bridge t f hook forward");
	PLAN(&m, NULL, &p);
	CHECK(get(&p, 4)->accelerate && (get(&p, 4)->features & TNA_F_BRIDGE) &&
		      (p.family_off & TNA_RT_BRIDGE_OFF) &&
		      strstr(get(&p, 4)->family_note[0], "changed while read"),
	      "c: chain not in the ruleset read: bridging off at runtime: %llx %x %s",
	      (unsigned long long)get(&p, 4)->features, p.family_off,
	      get(&p, 4)->family_note[0]);
	CHECK(!p.bridges[0].accelerate &&
		      strstr(p.bridges[0].reason, "changed while read"),
	      "bridge summary says why: %s", p.bridges[0].reason);
	plan_free(&p);

	m.fw.nr_fwd[FW_BRIDGE] = 1;
	PLAN(&m, NULL, &p);
	CHECK(!(p.family_off & TNA_RT_BRIDGE_OFF) && (p.fw & TNA_RT_FW_BR) &&
		      !(p.fw & (TNA_RT_FW4 | TNA_RT_FW6)) &&
		      p.bridges[0].accelerate &&
		      !(get(&p, 4)->port.flags &
			(TNA_PORT_IP4_OFF | TNA_PORT_IP6_OFF)) &&
		      strstr(p.fw_note[FW_BRIDGE], "in the fast path"),
	      "modelled forward chain: bridged through the fast path's firewall (%x %x %s)",
	      p.family_off, p.fw, p.fw_note[FW_BRIDGE]);
	plan_free(&p);

	snprintf(m.fw.unsupported[FW_BRIDGE], FW_REASON_LEN,
		 "bridge t o hook output: only the forward hook is modelled");
	PLAN(&m, NULL, &p);
	CHECK((p.family_off & TNA_RT_BRIDGE_OFF) && !(p.fw & TNA_RT_FW_BR) &&
		      strstr(get(&p, 4)->family_note[0], "hook output") &&
		      strstr(p.bridges[0].reason, "hook output"),
	      "output chain: bridging and routing into the bridge off (%s)",
	      get(&p, 4)->family_note[0]);
	plan_free(&p);

	m.nr_nft_bridge = 0;
	m.fw.nr_fwd[FW_BRIDGE] = 0;
	m.fw.unsupported[FW_BRIDGE][0] = 0;
	PLAN(&m, NULL, &p);
	CHECK(!(p.family_off & TNA_RT_BRIDGE_OFF) && p.bridges[0].accelerate &&
		      !p.fw,
	      "chain gone: bridging on");
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_bridge_netfilter(void)
{
	uint64_t br_all = TNA_F_BRIDGE | TNA_F_BR_IP4 | TNA_F_BR_IP6;
	struct model m;
	struct plan p;

	bridged(&m);
	m.brnf4 = m.brnf6 = 1; /* br_netfilter loaded, Debian's default */
	PLAN(&m, NULL, &p);
	CHECK((get(&p, 4)->features & (br_all | TNA_F_BR_NF4 | TNA_F_BR_NF6)) ==
		      (br_all | TNA_F_BR_NF4 | TNA_F_BR_NF6),
	      "no rules: bridged with br_netfilter validation %llx",
	      (unsigned long long)get(&p, 4)->features);
	plan_free(&p);

	m.nr_nft_fwd4 = 1;
	snprintf(m.nft_fwd4.what, MODEL_NOTE_LEN, "ip t fw hook forward");
	PLAN(&m, NULL, &p);
	CHECK((get(&p, 4)->features & br_all) == br_all &&
		      (get(&p, 4)->port.flags & TNA_PORT_IP4_OFF) &&
		      !(get(&p, 4)->port.flags & TNA_PORT_IP6_OFF) &&
		      strstr(get(&p, 4)->family_note[0], "br_netfilter"),
	      "ip forward chain not read: bridged IPv4 to Linux by a port flag: %s",
	      get(&p, 4)->family_note[0]);
	plan_free(&p);

	m.fw.nr_fwd[FW_IP4] = 1;
	m.nr_xfrm_policies = 1; /* routing off for a reason of its own */
	PLAN(&m, NULL, &p);
	CHECK(!(get(&p, 4)->port.flags & TNA_PORT_IP4_OFF) &&
		      (p.fw & TNA_RT_FW4) && (p.family_off & TNA_RT_ROUTE4_OFF),
	      "ip forward chain modelled: bridged IPv4 through the fast path's firewall, routing off for IPsec (%x %x)",
	      p.fw, p.family_off);
	plan_free(&p);
	m.nr_xfrm_policies = 0;
	m.fw.nr_fwd[FW_IP4] = 0;

	m.nr_nft_fwd4 = 0;
	m.brnf6 = 0;
	PLAN(&m, NULL, &p);
	CHECK((get(&p, 4)->features & (br_all | TNA_F_BR_NF4 | TNA_F_BR_NF6)) ==
		      (br_all | TNA_F_BR_NF4),
	      "br_netfilter for IPv4 only: IPv4 validated, IPv6 verbatim %llx",
	      (unsigned long long)get(&p, 4)->features);
	plan_free(&p);

	m.brnf4 = 0;
	model_link(&m, 5)->br_nf_call6 = 1; /* per-bridge nf_call_ip6tables */
	m.nr_nft_fwd6 = 1;
	PLAN(&m, NULL, &p);
	CHECK(get(&p, 4)->port.flags & TNA_PORT_IP6_OFF,
	      "per-bridge nf_call_ip6tables with ip6 rules: IPv6 to Linux");
	plan_free(&p);
	model_free(&m);
	return 0;
}

/* A forward ruleset the model holds: modelled, or not (with the reason). */
static int t_firewall(void)
{
	struct model m;
	struct plan p;

	router(&m);
	m.nr_nft_fwd4 = m.nr_nft_fwd6 = 1;
	m.fw.nr_fwd[0] = m.fw.nr_fwd[1] = 1;
	m.ct_tcp_est_s = 432000;
	PLAN(&m, NULL, &p);
	CHECK(p.family_off == 0 && p.fw == (TNA_RT_FW4 | TNA_RT_FW6) &&
		      p.ct_tcp_ms == 432000000U &&
		      strstr(p.fw_note[0], "in the fast path"),
	      "modelled: firewall in the fast path (off %x fw %x '%s')",
	      p.family_off, p.fw, p.fw_note[0]);
	plan_free(&p);
	snprintf(m.fw.unsupported[1], sizeof(m.fw.unsupported[1]),
		 "ip6 t f handle 4: expression 'log'");
	PLAN(&m, NULL, &p);
	CHECK(p.family_off == TNA_RT_ROUTE6_OFF && p.fw == TNA_RT_FW4 &&
		      strstr(get(&p, 2)->family_note[1], "expression 'log'") &&
		      strstr(p.fw_note[1], "to Linux"),
	      "IPv6 rule not modelled: IPv6 to Linux (%s)",
	      get(&p, 2)->family_note[1]);
	plan_free(&p);
	m.fw.unsupported[1][0] = 0;
	m.fw.nr_fwd[0] = 2; /* read while it changed */
	PLAN(&m, NULL, &p);
	CHECK(p.family_off == TNA_RT_ROUTE4_OFF,
	      "chain count and ruleset disagree: IPv4 to Linux");
	plan_free(&p);
	model_free(&m);
	return 0;
}

/* veth ingresses check TCP/UDP checksums (offload left to the peer). */
static int t_csum(void)
{
	struct model m;
	struct plan p;

	router(&m);
	snprintf(model_link(&m, 3)->kind, sizeof(model_link(&m, 3)->kind), "%s",
		 "");
	PLAN(&m, NULL, &p);
	CHECK(get(&p, 2)->features & TNA_F_CSUM, "veth: l4-csum");
	CHECK(!(get(&p, 3)->features & TNA_F_CSUM) && FEAT(get(&p, 3)) == R46,
	      "device without a local peer: no l4-csum (%llx)",
	      (unsigned long long)get(&p, 3)->features);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_bridge_port_options(void)
{
	static const struct {
		unsigned int flag;
		const char *why;
	} opts[] = { { PORT_LOCKED, "locked" },
		     { PORT_NEIGH_SUPPRESS, "neighbour suppression" },
		     { PORT_BACKUP, "backup port" } };

	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		struct model m;
		struct plan p;

		bridged(&m);
		model_link(&m, 4)->port_flags |= opts[k].flag;
		PLAN(&m, NULL, &p);
		CHECK(!get(&p, 4)->accelerate &&
			      strstr(get(&p, 4)->reason, opts[k].why),
		      "%s: %s", opts[k].why, get(&p, 4)->reason);
		CHECK(get(&p, 6)->accelerate, "other port unaffected");
		plan_free(&p);
		model_free(&m);
	}
	return 0;
}

static int t_capture(void)
{
	struct model m;
	struct plan p;

	router(&m);
	model_link(&m, 3)->captures = 1;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 3)->accelerate && !get(&p, 3)->egress &&
		      strstr(get(&p, 3)->reason, "capture"),
	      "b captured: %s", get(&p, 3)->reason);
	CHECK(!get(&p, 2)->accelerate,
	      "a has no egress left while b is captured");
	plan_free(&p);
	model_link(&m, 3)->captures = 0;
	m.capture_any = 1;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 2)->accelerate &&
		      strstr(get(&p, 2)->reason, "all interfaces"),
	      "tcpdump -i any: %s", get(&p, 2)->reason);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_down(void)
{
	struct model m;
	struct plan p;

	router(&m);
	model_link(&m, 2)->flags &= ~IFF_UP;
	model_link(&m, 3)->flags &= ~IFF_RUNNING;
	PLAN(&m, NULL, &p);
	CHECK(!get(&p, 2)->accelerate && !get(&p, 2)->egress &&
		      strstr(get(&p, 2)->reason, "link down"),
	      "a: %s", get(&p, 2)->reason);
	CHECK(!get(&p, 3)->egress &&
		      strstr(get(&p, 3)->egress_reason, "carrier"),
	      "b: %s", get(&p, 3)->egress_reason);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static void add_route(struct model *m, int family, uint32_t table, uint8_t type,
		      const char *dst, int len, int multipath, uint32_t mtu)
{
	struct route r = { .family = family,
			   .table = table,
			   .type = type,
			   .dst_len = len,
			   .multipath = multipath,
			   .mtu = mtu };

	inet_pton(family, dst, r.dst);
	model_route_set(m, &r, 0);
}

static int t_local_addresses(void)
{
	struct model m;
	struct plan p;
	uint32_t want;

	router(&m);
	add_route(&m, AF_INET, RT_TABLE_LOCAL, RTN_LOCAL, "10.0.0.1", 32, 0, 0);
	add_route(&m, AF_INET, RT_TABLE_LOCAL, RTN_BROADCAST, "10.0.0.255", 32,
		  0, 0);
	add_route(&m, AF_INET, RT_TABLE_LOCAL, RTN_LOCAL, "127.0.0.0", 8, 0, 0);
	add_route(&m, AF_INET6, RT_TABLE_LOCAL, RTN_LOCAL, "fd00::1", 128, 0,
		  0);
	add_route(&m, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "10.9.0.0", 24, 0,
		  0);
	PLAN(&m, NULL, &p);
	CHECK(p.nr_local == 3, "3 local addresses, got %d", p.nr_local);
	inet_pton(AF_INET, "10.0.0.255", &want);
	CHECK(p.local[1].addr[2] == htonl(0xffff) && p.local[1].addr[3] == want,
	      "broadcast mapped into ::ffff:0:0/96");
	CHECK(get(&p, 2)->features & TNA_F_ROUTE4, "127/8 is no custom prefix");
	plan_free(&p);
	/* ip route add local 10.50.0.0/16 dev lo table local */
	add_route(&m, AF_INET, RT_TABLE_LOCAL, RTN_LOCAL, "10.50.0.0", 16, 0,
		  0);
	PLAN(&m, NULL, &p);
	CHECK((p.family_off & TNA_RT_ROUTE4_OFF) &&
		      strstr(get(&p, 2)->family_note[0], "local route"),
	      "local prefix: %s", get(&p, 2)->family_note[0]);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_multipath_hash(void)
{
	struct model m;
	struct plan p;

	router(&m);
	add_route(&m, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "10.8.0.0", 24, 1,
		  0);
	m.mpath_hash4 = 1;
	PLAN(&m, NULL, &p);
	CHECK(!(p.family_off & TNA_RT_ROUTE4_OFF), "L4 hash is modelled");
	plan_free(&p);
	m.mpath_hash4 = 2;
	PLAN(&m, NULL, &p);
	CHECK((p.family_off & TNA_RT_ROUTE4_OFF) &&
		      strstr(get(&p, 2)->family_note[0], "hash policy 2"),
	      "inner hash: %s", get(&p, 2)->family_note[0]);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static void add_rule(struct model *m, uint32_t priority, uint32_t table,
		     int selective)
{
	struct rule r = { .family = AF_INET,
			  .priority = priority,
			  .table = table,
			  .selective = selective };

	model_rule_add(m, &r);
}

/* The default rules, as a fresh namespace has them. */
static void default_rules(struct model *m)
{
	add_rule(m, 0, RT_TABLE_LOCAL, 0);
	add_rule(m, 32766, RT_TABLE_MAIN, 0);
	add_rule(m, 32767, RT_TABLE_DEFAULT, 0);
}

static int t_route_cache(void)
{
	static const struct {
		const char *name, *note;
		int rule_prio, selective, multipath, tos, nhid;
		uint32_t route_mtu;
		unsigned int link_mtu, want;
	} t[] = {
		{ "default rules: on, up to the smallest link MTU", NULL, 0, 0,
		  0, 0, 0, 0, 1400, 1400 },
		{ "a route MTU below it caps it", NULL, 0, 0, 0, 0, 0, 1300,
		  1500, 1300 },
		{ "an extra rule: off", "policy rules", 100, 0, 0, 0, 0, 0,
		  1500, 0 },
		{ "a selector on the main rule: off", "policy rules", 32766, 1,
		  0, 0, 0, 0, 1500, 0 },
		{ "a multipath route: off", "multipath", 0, 0, 1, 0, 0, 0, 1500,
		  0 },
		{ "a TOS route: off", "TOS", 0, 0, 0, 4, 0, 0, 1500, 0 },
		{ "a nexthop-object route: off", "nexthop-object", 0, 0, 0, 0,
		  1, 0, 1500, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct route r = { .family = AF_INET,
				   .table = RT_TABLE_MAIN,
				   .type = RTN_UNICAST,
				   .dst_len = 24,
				   .multipath = t[i].multipath,
				   .tos = t[i].tos,
				   .nhid = t[i].nhid,
				   .mtu = t[i].route_mtu };
		struct model m;
		struct plan p;

		router(&m);
		for (int l = 0; l < m.nr_links; l++)
			if (!(m.links[l].flags & IFF_LOOPBACK))
				m.links[l].mtu = 1500;
		model_link_add(&m, 3)->mtu = t[i].link_mtu;
		if (t[i].rule_prio == 32766) {
			add_rule(&m, 0, RT_TABLE_LOCAL, 0);
			add_rule(&m, 32766, RT_TABLE_MAIN, t[i].selective);
			add_rule(&m, 32767, RT_TABLE_DEFAULT, 0);
		} else {
			default_rules(&m);
			if (t[i].rule_prio)
				add_rule(&m, t[i].rule_prio, 100, 0);
		}
		inet_pton(AF_INET, "10.8.0.0", r.dst);
		model_route_set(&m, &r, 0);
		PLAN(&m, NULL, &p);
		CHECK(p.rc_mtu4 == t[i].want &&
			      (!t[i].note || strstr(p.rc_note, t[i].note)),
		      "%s: rc_mtu4 %u (want %u), note '%s'", t[i].name,
		      p.rc_mtu4, t[i].want, p.rc_note);
		plan_free(&p);
		model_free(&m);
	}
	return 0;
}

static int t_route_mtu(void)
{
	struct model m;
	struct plan p;

	router(&m);
	add_route(&m, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "10.8.0.0", 24, 0,
		  1400);
	add_route(&m, AF_INET, 100, RTN_UNICAST, "10.9.0.0", 24, 0, 1300);
	add_route(&m, AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, "fd08::", 64, 0, 0);
	PLAN(&m, NULL, &p);
	CHECK(p.route_mtu4 == 1300 && p.route_mtu6 == 0, "mtu caps %u %u",
	      p.route_mtu4, p.route_mtu6);
	plan_free(&p);
	model_free(&m);
	return 0;
}

static int t_model_keys(void)
{
	struct model m;
	struct neigh n = { .family = AF_INET, .ifindex = 2, .state = 2 };

	router(&m);
	add_route(&m, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "10.8.0.0", 24, 0,
		  0);
	add_route(&m, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, "10.8.0.0", 24, 1,
		  0);
	CHECK(m.nr_routes == 1 && m.routes[0].multipath, "replace by key");
	model_neigh_set(&m, &n, 0);
	n.state = 4;
	model_neigh_set(&m, &n, 0);
	CHECK(m.nr_neighs == 1 && m.neighs[0].state == 4, "neigh replace");
	model_neigh_set(&m, &n, 1);
	CHECK(m.nr_neighs == 0, "neigh delete");
	{
		struct fdb f = { .bridge = 5, .port = 4, .mac = { 2 } };

		model_fdb_set(&m, &f, 0);
		f.port = 6;
		model_fdb_set(&m, &f, 0); /* moved */
		CHECK(m.nr_fdb == 1 && m.fdb[0].port == 6, "fdb move replaces");
		f.port = 4;
		model_fdb_set(&m, &f, 1); /* late delete naming the old port */
		CHECK(m.nr_fdb == 1, "stale fdb delete ignored");
		f.port = 6;
		model_fdb_set(&m, &f, 1);
		CHECK(m.nr_fdb == 0, "fdb delete");
	}
	model_link_del(&m, 2);
	CHECK(m.nr_links == 2 && !model_link(&m, 2), "link delete");
	model_free(&m);
	return 0;
}

/* The FDB index against a plain presence table: 100,000 random operations. */
static int t_fdb_index(void)
{
	static unsigned char present[2][4096]; /* bridge 1..2, MAC low 12 bits */
	static int port[2][4096];
	unsigned int x = 12345;
	struct model m;
	int want = 0;

	model_init(&m);
	for (int op = 0; op < 100000; op++) {
		struct fdb f = { 0 };
		int b, k;

		x = x * 1103515245 + 12345;
		b = (x >> 8) & 1;
		k = (x >> 12) & 4095;
		f.bridge = b + 1;
		f.mac[0] = 2;
		f.mac[4] = k >> 8;
		f.mac[5] = k & 255;
		f.port = 10 + ((x >> 24) & 3);
		if ((x >> 28) & 1) {
			/* delete naming the current port, sometimes a stale one */
			if ((x >> 29) & 1)
				f.port = port[b][k];
			model_fdb_set(&m, &f, 1);
			if (present[b][k] && port[b][k] == f.port) {
				present[b][k] = 0;
				want--;
			}
		} else {
			model_fdb_set(&m, &f, 0);
			want += !present[b][k];
			present[b][k] = 1;
			port[b][k] = f.port;
		}
	}
	CHECK(m.nr_fdb == want, "%d entries, want %d", m.nr_fdb, want);
	for (int i = 0; i < m.nr_fdb; i++) {
		int b = m.fdb[i].bridge - 1,
		    k = (m.fdb[i].mac[4] << 8) | m.fdb[i].mac[5];

		CHECK(present[b][k] && port[b][k] == m.fdb[i].port,
		      "entry %d disagrees", i);
		present[b][k] = 2; /* seen once */
	}
	for (int b = 0; b < 2; b++)
		for (int k = 0; k < 4096; k++)
			CHECK(present[b][k] != 1, "entry %d/%d lost", b, k);
	model_free(&m);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "two forwarding veths: both accelerated, route4+route6", t_basic },
	{ "forwarding off: no program, per-family fallback", t_forwarding_off },
	{ "ipv6 all.forwarding off: route4 only", t_v6_all_off },
	{ "veth peer without NAPI: not an egress", t_egress_without_xmit },
	{ "unknown xdp features: not trusted", t_unknown_xdp_features },
	{ "foreign XDP program left alone, own recognised", t_foreign_program },
	{ "netfilter chains, legacy tables, xfrm policies: family to Linux",
	  t_netfilter },
	{ "rp_filter max(all, iface) and iif rules", t_rp_filter_max },
	{ "firewall: modelled per family, or to Linux with the reason",
	  t_firewall },
	{ "veth ingress: transport checksum check", t_csum },
	{ "--iface and --exclude", t_select },
	{ "bond ports, tc ingress and shaping qdiscs", t_bridge_and_tc },
	{ "bridge ports: modules, ports map, FDB entries", t_bridge_ports },
	{ "whole-bridge fallbacks: vlan filtering, down, capture, tc",
	  t_bridge_blocked },
	{ "bridge-family nft chain: bridging off at runtime", t_bridge_nft },
	{ "br_netfilter: validation per family, rules", t_bridge_netfilter },
	{ "bridge port options: locked, neigh_suppress, backup",
	  t_bridge_port_options },
	{ "down and no carrier", t_down },
	{ "packet captures: interface and any", t_capture },
	{ "local and broadcast addresses from the local table",
	  t_local_addresses },
	{ "multipath hash policies", t_multipath_hash },
	{ "route mtu caps", t_route_mtu },
	{ "IPv4 route cache: on only when the FIB answer is per destination",
	  t_route_cache },
	{ "model keys: replace and delete", t_model_keys },
	{ "FDB index: 100,000 random adds, moves and deletes", t_fdb_index },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		current = cases[i].name;
		if (cases[i].fn())
			failed++;
		else
			printf("PASS %s\n", current);
	}
	return failed ? 1 : 0;
}
