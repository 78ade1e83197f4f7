// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The mirror's rtnetlink source: links, bridges and their ports, addresses,
 * routes, policy rules, neighbours, the bridge FDB, netconf, qdiscs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/xfrm.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include "log.h"
#include "mirror.h"
#include "nl.h"
#include "netdev.h"
#include "nft.h"
#include "mirror_src.h"

/* --- rtnetlink handlers -------------------------------------------------- */

static int attr_u8(const struct nlattr *a, int dflt)
{
	return a ? mnl_attr_get_u8(a) : dflt;
}

/* IFLA_BRPORT_* from IFLA_INFO_SLAVE_DATA or an AF_BRIDGE IFLA_PROTINFO. */
static void bridge_port_attrs(struct link *l, const struct nlattr *nest)
{
	const struct nlattr *bp[IFLA_BRPORT_MAX + 1];
	static const struct {
		int attr;
		unsigned int flag;
	} flags[] = {
		{ IFLA_BRPORT_LEARNING, PORT_LEARNING },
		{ IFLA_BRPORT_ISOLATED, PORT_ISOLATED },
		{ IFLA_BRPORT_LOCKED, PORT_LOCKED }, /* MAB needs it too */
		{ IFLA_BRPORT_NEIGH_SUPPRESS, PORT_NEIGH_SUPPRESS },
		{ IFLA_BRPORT_MODE, PORT_HAIRPIN },
	};

	nl_parse_nested(nest, bp, IFLA_BRPORT_MAX);
	if (bp[IFLA_BRPORT_STATE])
		l->port_state = mnl_attr_get_u8(bp[IFLA_BRPORT_STATE]);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!bp[flags[i].attr])
			continue;
		if (mnl_attr_get_u8(bp[flags[i].attr]))
			l->port_flags |= flags[i].flag;
		else
			l->port_flags &= ~flags[i].flag;
	}
	if (bp[IFLA_BRPORT_BACKUP_PORT] &&
	    mnl_attr_get_u32(bp[IFLA_BRPORT_BACKUP_PORT]))
		l->port_flags |= PORT_BACKUP;
	else if (bp[IFLA_BRPORT_STATE])
		l->port_flags &= ~PORT_BACKUP; /* full dump without one */
}

static void bridge_attrs(struct link *l, const struct nlattr *nest)
{
	const struct nlattr *br[IFLA_BR_MAX + 1];

	nl_parse_nested(nest, br, IFLA_BR_MAX);
	l->br_vlan_filtering =
		attr_u8(br[IFLA_BR_VLAN_FILTERING], l->br_vlan_filtering);
	l->br_nf_call4 = attr_u8(br[IFLA_BR_NF_CALL_IPTABLES], l->br_nf_call4);
	l->br_nf_call6 = attr_u8(br[IFLA_BR_NF_CALL_IP6TABLES], l->br_nf_call6);
	if (br[IFLA_BR_AGEING_TIME])
		l->br_ageing = mnl_attr_get_u32(br[IFLA_BR_AGEING_TIME]);
}

/*
 * AF_BRIDGE link messages describe a bridge port (STP state changes and
 * `bridge link set` arrive only this way). A DELLINK means the device left
 * its bridge, not that it is gone.
 */
static int bridge_link_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1];
	struct link *l = model_link(mi->m, ifi->ifi_index);

	if (!l || nlh->nlmsg_type == RTM_DELLINK)
		return 0;
	nl_parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (tb[IFLA_PROTINFO])
		bridge_port_attrs(l, tb[IFLA_PROTINFO]);
	return 0;
}

static int link_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct nlattr *xdp[IFLA_XDP_MAX + 1];
	struct link *l;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EINVAL;
	if (ifi->ifi_family == AF_BRIDGE)
		return bridge_link_msg(mi, nlh);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		model_link_del(mi->m, ifi->ifi_index);
		return 0;
	}
	nl_parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	l = model_link_add(mi->m, ifi->ifi_index);
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	copy_str(l->name, sizeof(l->name), tb[IFLA_IFNAME]);
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	/* a veth's peer: its ifindex, and its namespace's id here (-1: ours) */
	l->peer_ifindex = tb[IFLA_LINK] ? (int)mnl_attr_get_u32(tb[IFLA_LINK]) :
					  0;
	l->peer_netnsid = tb[IFLA_LINK_NETNSID] ?
				  (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]) :
				  -1;
	l->master = tb[IFLA_MASTER] ? (int)mnl_attr_get_u32(tb[IFLA_MASTER]) :
				      0;
	l->has_mac = tb[IFLA_ADDRESS] &&
		     mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6;
	if (l->has_mac)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	l->kind[0] = l->slave_kind[0] = 0;
	if (tb[IFLA_LINKINFO]) {
		nl_parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
		copy_str(l->kind, sizeof(l->kind), li[IFLA_INFO_KIND]);
		copy_str(l->slave_kind, sizeof(l->slave_kind),
			 li[IFLA_INFO_SLAVE_KIND]);
		if (!strcmp(l->kind, "bridge") && li[IFLA_INFO_DATA])
			bridge_attrs(l, li[IFLA_INFO_DATA]);
		if (!strcmp(l->slave_kind, "bridge") &&
		    li[IFLA_INFO_SLAVE_DATA])
			bridge_port_attrs(l, li[IFLA_INFO_SLAVE_DATA]);
	}
	mi->captures_stale = 1; /* tcpdump changes promiscuity: look again */
	l->xdp_prog_id = 0;
	if (tb[IFLA_XDP]) {
		nl_parse_nested(tb[IFLA_XDP], xdp, IFLA_XDP_MAX);
		if (xdp[IFLA_XDP_PROG_ID])
			l->xdp_prog_id =
				mnl_attr_get_u32(xdp[IFLA_XDP_PROG_ID]);
	}
	return 0;
}

static int route_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct route r = { 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EINVAL;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	nl_parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	r.family = rtm->rtm_family;
	r.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) :
				  rtm->rtm_table;
	r.type = rtm->rtm_type;
	r.dst_len = rtm->rtm_dst_len;
	r.tos = rtm->rtm_tos;
	if (tb[RTA_PRIORITY])
		r.priority = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_DST]) {
		size_t len = mnl_attr_get_payload_len(tb[RTA_DST]);

		memcpy(r.dst, mnl_attr_get_payload(tb[RTA_DST]),
		       len > 16 ? 16 : len);
	}
	if (tb[RTA_OIF])
		r.oif = mnl_attr_get_u32(tb[RTA_OIF]);
	r.multipath = tb[RTA_MULTIPATH] != NULL;
	r.nhid = tb[RTA_NH_ID] != NULL;
	if (tb[RTA_METRICS]) {
		const struct nlattr *mx[RTAX_MAX + 1];

		nl_parse_nested(tb[RTA_METRICS], mx, RTAX_MAX);
		if (mx[RTAX_MTU])
			r.mtu = mnl_attr_get_u32(mx[RTAX_MTU]);
	}
	model_route_set(mi->m, &r, nlh->nlmsg_type == RTM_DELROUTE);
	return 0;
}

static void fdb_changed(struct mirror *mi, const struct fdb *f)
{
	struct fdb_change *c;

	if (mi->nr_fdb_changes == mi->cap_fdb_changes) {
		int cap = mi->cap_fdb_changes ? 2 * mi->cap_fdb_changes : 64;

		c = realloc(mi->fdb_changes, cap * sizeof(*c));
		if (!c) {
			mi->fdb_changes_lost = 1;
			return;
		}
		mi->fdb_changes = c;
		mi->cap_fdb_changes = cap;
	}
	c = &mi->fdb_changes[mi->nr_fdb_changes++];
	c->bridge = f->bridge;
	memcpy(c->mac, f->mac, 6);
}

/*
 * Bridge FDB entries carry NDA_MASTER; the device's own address lists
 * (NTF_SELF, no master) are not the bridge's. Without VLAN filtering the
 * bridge looks up VLAN 0 only, so tagged entries are not mirrored.
 */
static int fdb_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1];
	struct fdb f = { 0 };

	nl_parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (!tb[NDA_MASTER] || !tb[NDA_LLADDR] ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return 0;
	if (tb[NDA_VLAN] && mnl_attr_get_u16(tb[NDA_VLAN]))
		return 0;
	f.bridge = mnl_attr_get_u32(tb[NDA_MASTER]);
	f.port = ndm->ndm_ifindex;
	f.state = ndm->ndm_state;
	f.flags = ndm->ndm_flags;
	memcpy(f.mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	model_fdb_set(mi->m, &f, nlh->nlmsg_type == RTM_DELNEIGH);
	model_touch(mi->m);
	if (nlh->nlmsg_type != RTM_DELNEIGH)
		fdb_changed(mi, &f);
	return 0;
}

const struct fdb_change *mirror_fdb_changes(const struct mirror *mi, int *nr)
{
	*nr = mi->fdb_changes_lost ? -1 : mi->nr_fdb_changes;
	return mi->fdb_changes;
}

void mirror_fdb_changes_clear(struct mirror *mi)
{
	mi->nr_fdb_changes = 0;
	mi->fdb_changes_lost = 0;
}

static int neigh_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1];
	struct neigh n = { 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)))
		return -EINVAL;
	if (ndm->ndm_family == AF_BRIDGE)
		return fdb_msg(mi, nlh);
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return 0;
	nl_parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (!tb[NDA_DST])
		return 0;
	n.family = ndm->ndm_family;
	n.ifindex = ndm->ndm_ifindex;
	n.state = ndm->ndm_state;
	memcpy(n.dst, mnl_attr_get_payload(tb[NDA_DST]),
	       n.family == AF_INET ? 4 : 16);
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6)
		memcpy(n.lladdr, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	model_neigh_set(mi->m, &n, nlh->nlmsg_type == RTM_DELNEIGH);
	return 0;
}

static int attr_set(const struct nlattr *a, uint32_t none)
{
	return a && mnl_attr_get_u32(a) != none;
}

/*
 * Anything but "from all lookup TABLE": a selector, another action, or an
 * attribute newer than these headers (FRA_DSCP ...).
 */
static int rule_selective(const struct nlmsghdr *nlh,
			  const struct fib_rule_hdr *frh,
			  const struct nlattr *const *tb)
{
	const struct nlattr *a;

	static const int selectors[] = {
		FRA_IIFNAME,  FRA_OIFNAME,     FRA_L3MDEV,	FRA_UID_RANGE,
		FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE, FRA_GOTO,
		FRA_FLOW,     FRA_TUN_ID,      FRA_SRC,		FRA_DST,
	};

	if (frh->src_len || frh->dst_len || frh->tos ||
	    frh->action != FR_ACT_TO_TBL || (frh->flags & FIB_RULE_INVERT))
		return 1;
	for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++)
		if (tb[selectors[i]])
			return 1;
	mnl_attr_for_each(a, nlh, sizeof(*frh)) if (mnl_attr_get_type(a) >
						    FRA_MAX) return 1;
	return attr_set(tb[FRA_FWMARK], 0) || attr_set(tb[FRA_FWMASK], 0) ||
	       attr_set(tb[FRA_SUPPRESS_PREFIXLEN], UINT32_MAX) ||
	       attr_set(tb[FRA_SUPPRESS_IFGROUP], UINT32_MAX);
}

static int rule_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	struct rule r = { 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_NEWRULE) {
		mi->rules_stale = 1;
		return 0;
	}
	nl_parse_attrs(nlh, sizeof(*frh), tb, FRA_MAX);
	r.family = frh->family;
	r.table = tb[FRA_TABLE] ? mnl_attr_get_u32(tb[FRA_TABLE]) : frh->table;
	if (tb[FRA_PRIORITY])
		r.priority = mnl_attr_get_u32(tb[FRA_PRIORITY]);
	r.has_iif = tb[FRA_IIFNAME] != NULL;
	r.has_oif = tb[FRA_OIFNAME] != NULL;
	r.selective = rule_selective(nlh, frh, tb);
	if (mi->rules_stale < 0) /* answering our dump */
		model_rule_add(mi->m, &r);
	else /* an event: rules have no key, resync the list as a whole */
		mi->rules_stale = 1;
	return 0;
}

static int netconf_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NETCONFA_MAX + 1];
	struct link *l = NULL;
	int ifindex;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ncm)))
		return -EINVAL;
	nl_parse_attrs(nlh, sizeof(*ncm), tb, NETCONFA_MAX);
	if (!tb[NETCONFA_IFINDEX])
		return 0;
	ifindex = (int)mnl_attr_get_u32(tb[NETCONFA_IFINDEX]);
	if (ifindex > 0)
		l = model_link_add(mi->m, ifindex);
	if (ncm->ncm_family == AF_INET) {
		if (tb[NETCONFA_FORWARDING] && l)
			l->fwd4 = mnl_attr_get_u32(tb[NETCONFA_FORWARDING]);
		if (tb[NETCONFA_RP_FILTER]) {
			int v = mnl_attr_get_u32(tb[NETCONFA_RP_FILTER]);

			if (l)
				l->rpf4 = v;
			else if (ifindex == NETCONFA_IFINDEX_ALL)
				mi->m->rpf4_all = v;
		}
	} else if (ncm->ncm_family == AF_INET6 && tb[NETCONFA_FORWARDING]) {
		int v = mnl_attr_get_u32(tb[NETCONFA_FORWARDING]);

		if (l)
			l->fwd6 = v;
		else if (ifindex == NETCONFA_IFINDEX_ALL)
			mi->m->fwd6_all = v;
	}
	return 0;
}

static int qdisc_msg(struct mirror *mi, const struct nlmsghdr *nlh)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[TCA_MAX + 1];
	int del = nlh->nlmsg_type == RTM_DELQDISC;
	struct link *l;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*tcm)))
		return -EINVAL;
	l = model_link(mi->m, tcm->tcm_ifindex);
	if (!l)
		return 0;
	nl_parse_attrs(nlh, sizeof(*tcm), tb, TCA_MAX);
	if (tcm->tcm_parent == TC_H_INGRESS) /* ingress and clsact */
		l->tc_ingress = !del;
	else if (tcm->tcm_parent == TC_H_ROOT)
		copy_str(l->root_qdisc, sizeof(l->root_qdisc),
			 del ? NULL : tb[TCA_KIND]);
	return 0;
}

static int fdb_event(const struct nlmsghdr *nlh)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	return (nlh->nlmsg_type == RTM_NEWNEIGH ||
		nlh->nlmsg_type == RTM_DELNEIGH) &&
	       nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*ndm)) &&
	       ndm->ndm_family == AF_BRIDGE;
}

int rt_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;
	int ret = 0;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ret = link_msg(mi, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		ret = route_msg(mi, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		ret = neigh_msg(mi, nlh);
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		ret = rule_msg(mi, nlh);
		break;
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		ret = netconf_msg(mi, nlh);
		break;
	case RTM_NEWQDISC:
	case RTM_DELQDISC:
		ret = qdisc_msg(mi, nlh);
		break;
	default:
		return MNL_CB_OK;
	}
	if (ret < 0)
		pr_warn("netlink message type %u: %s\n", nlh->nlmsg_type,
			strerror(-ret));
	if (!fdb_event(nlh))
		mi->route_changed = 1;
	/* Neighbour churn changes nothing the planner reads. */
	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		model_touch(mi->m);
	return MNL_CB_OK;
}

int rt_dump(struct mirror *mi, uint16_t type, uint8_t family, size_t hdrlen)
{
	char buf[256];

	return nl_talk(mi, mi->rt_req, dump_req(buf, type, family, hdrlen),
		       rt_cb);
}

int dump_rules(struct mirror *mi)
{
	int ret;

	model_rules_clear(mi->m, AF_INET);
	model_rules_clear(mi->m, AF_INET6);
	mi->rules_stale = -1; /* dump replies are rules, not events */
	ret = rt_dump(mi, RTM_GETRULE, AF_INET, sizeof(struct fib_rule_hdr));
	if (!ret)
		ret = rt_dump(mi, RTM_GETRULE, AF_INET6,
			      sizeof(struct fib_rule_hdr));
	mi->rules_stale = 0;
	return ret;
}
