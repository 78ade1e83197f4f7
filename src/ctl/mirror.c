// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The mirror: netlink in the iproute2 manner. One handler per message
 * type, length checked first, attributes parsed into tb[] and each one
 * treated as optional. Requests go on *_req sockets, notifications arrive
 * on *_ev sockets; ENOBUFS on an event socket means events were lost, so
 * everything is dumped again.
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
#include "netdev.h"

#define BUF_SIZE (1 << 16)

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

/* --- attribute parsing -------------------------------------------------- */

struct tb {
	const struct nlattr **a;
	int max;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *t = data;
	int type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->a[type] = attr;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
			const struct nlattr **a, int max)
{
	struct tb t = { a, max };

	memset(a, 0, (max + 1) * sizeof(*a));
	mnl_attr_parse(nlh, hdrlen, tb_cb, &t);
}

static void parse_nested(const struct nlattr *nest, const struct nlattr **a,
			 int max)
{
	struct tb t = { a, max };

	memset(a, 0, (max + 1) * sizeof(*a));
	mnl_attr_parse_nested(nest, tb_cb, &t);
}

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%s", mnl_attr_get_str(a));
	else
		dst[0] = 0;
}

/* --- request/response ---------------------------------------------------- */

static int nl_talk(struct mirror *mi, struct mnl_socket *nl,
		   struct nlmsghdr *req, msg_cb cb)
{
	char *buf = malloc(BUF_SIZE);
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret, n;

	if (!buf)
		return -ENOMEM;
	req->nlmsg_seq = ++mi->seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, BUF_SIZE);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, n, req->nlmsg_seq, portid, cb, mi);
	} while (ret > MNL_CB_STOP);
	ret = ret < 0 ? -errno : 0;
out:
	free(buf);
	return ret;
}

static struct nlmsghdr *dump_req(char *buf, uint16_t type, uint8_t family,
				 size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char *hdr;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	hdr[0] = family; /* every rtnetlink header starts with the family */
	return nlh;
}

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

	parse_nested(nest, bp, IFLA_BRPORT_MAX);
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

	parse_nested(nest, br, IFLA_BR_MAX);
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
	parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
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
	parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	l = model_link_add(mi->m, ifi->ifi_index);
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	copy_str(l->name, sizeof(l->name), tb[IFLA_IFNAME]);
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	l->master = tb[IFLA_MASTER] ? (int)mnl_attr_get_u32(tb[IFLA_MASTER]) :
				      0;
	l->has_mac = tb[IFLA_ADDRESS] &&
		     mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6;
	if (l->has_mac)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	l->kind[0] = l->slave_kind[0] = 0;
	if (tb[IFLA_LINKINFO]) {
		parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX);
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
		parse_nested(tb[IFLA_XDP], xdp, IFLA_XDP_MAX);
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
	parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
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

		parse_nested(tb[RTA_METRICS], mx, RTAX_MAX);
		if (mx[RTAX_MTU])
			r.mtu = mnl_attr_get_u32(mx[RTAX_MTU]);
	}
	model_route_set(mi->m, &r, nlh->nlmsg_type == RTM_DELROUTE);
	return 0;
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

	parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
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
	return 0;
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
	parse_attrs(nlh, sizeof(*ndm), tb, NDA_MAX);
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
	parse_attrs(nlh, sizeof(*frh), tb, FRA_MAX);
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
	parse_attrs(nlh, sizeof(*ncm), tb, NETCONFA_MAX);
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
	parse_attrs(nlh, sizeof(*tcm), tb, TCA_MAX);
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

static int rt_cb(const struct nlmsghdr *nlh, void *data)
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

static int rt_dump(struct mirror *mi, uint16_t type, uint8_t family,
		   size_t hdrlen)
{
	char buf[256];

	return nl_talk(mi, mi->rt_req, dump_req(buf, type, family, hdrlen),
		       rt_cb);
}

static int dump_rules(struct mirror *mi)
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

/* --- netdev generic netlink: who can take XDP frames ------------------- */

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1],
		*g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct mirror *mi = data;
	const struct nlattr *pos;

	parse_attrs(nlh, sizeof(struct genlmsghdr), tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		mi->netdev_family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS])
	{
		parse_nested(pos, g, CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    NETDEV_MCGRP_MGMT))
			mi->netdev_mgmt =
				mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_req(char *buf, uint16_t family, uint8_t cmd,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static int netdev_resolve(struct mirror *mi)
{
	char buf[256];
	struct nlmsghdr *nlh =
		genl_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME);
	return nl_talk(mi, mi->gn_req, nlh, ctrl_cb);
}

static int netdev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NETDEV_A_DEV_XDP_FEATURES + 1];
	struct mirror *mi = data;
	struct link *l;
	uint64_t feat;

	if (nlh->nlmsg_type != mi->netdev_family ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)))
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*g), tb, NETDEV_A_DEV_XDP_FEATURES);
	if (!tb[NETDEV_A_DEV_IFINDEX])
		return MNL_CB_OK;
	l = model_link(mi->m, mnl_attr_get_u32(tb[NETDEV_A_DEV_IFINDEX]));
	if (!l)
		return MNL_CB_OK;
	if (g->cmd == NETDEV_CMD_DEV_DEL_NTF ||
	    !tb[NETDEV_A_DEV_XDP_FEATURES]) {
		l->has_xdp_features = 0;
		model_touch(mi->m);
		return MNL_CB_OK;
	}
	feat = mnl_attr_get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
	if (!l->has_xdp_features || l->xdp_features != feat) {
		l->xdp_features = feat;
		l->has_xdp_features = 1;
		model_touch(mi->m);
	}
	return MNL_CB_OK;
}

static int netdev_dump(struct mirror *mi)
{
	char buf[256];

	if (!mi->netdev_family)
		return 0;
	return nl_talk(mi, mi->gn_req,
		       genl_req(buf, mi->netdev_family, NETDEV_CMD_DEV_GET,
				NLM_F_DUMP),
		       netdev_cb);
}

/* --- nf_tables: base chains on the forwarding path --------------------- */

static const char *hook_name(int family, int hook)
{
	static const char *const inet[] = { "prerouting",  "input",
					    "forward",	   "output",
					    "postrouting", "ingress" };

	if (family == NFPROTO_NETDEV)
		return hook == NF_NETDEV_INGRESS ? "ingress" : "egress";
	return hook >= 0 && hook < 6 ? inet[hook] : "?";
}

static void chain_devices(struct mirror *mi, const struct nlattr *hk[])
{
	const struct nlattr *pos;
	struct link *l;

	if (hk[NFTA_HOOK_DEV]) {
		for (int i = 0; i < mi->m->nr_links; i++) {
			l = &mi->m->links[i];
			if (!strcmp(l->name,
				    mnl_attr_get_str(hk[NFTA_HOOK_DEV])))
				l->nft_netdev_hooks++;
		}
	}
	if (!hk[NFTA_HOOK_DEVS])
		return;
	mnl_attr_for_each_nested(pos, hk[NFTA_HOOK_DEVS])
	{
		for (int i = 0; i < mi->m->nr_links; i++) {
			l = &mi->m->links[i];
			if (!strcmp(l->name, mnl_attr_get_str(pos)))
				l->nft_netdev_hooks++;
		}
	}
}

/* "family table chain hook H": which chain sends traffic to Linux. */
static void chain_note(struct nft_hook_note *note, int family, int hook,
		       const struct nlattr *tb[])
{
	snprintf(note->what, sizeof(note->what), "%s %s %s hook %s",
		 family == NFPROTO_INET	  ? "inet" :
		 family == NFPROTO_IPV4	  ? "ip" :
		 family == NFPROTO_IPV6	  ? "ip6" :
		 family == NFPROTO_BRIDGE ? "bridge" :
					    "?",
		 tb[NFTA_CHAIN_TABLE] ? mnl_attr_get_str(tb[NFTA_CHAIN_TABLE]) :
					"?",
		 tb[NFTA_CHAIN_NAME] ? mnl_attr_get_str(tb[NFTA_CHAIN_NAME]) :
				       "?",
		 hook_name(family, hook));
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hk[NFTA_HOOK_MAX + 1];
	struct mirror *mi = data;
	struct model *m = mi->m;
	int family = nfg->nfgen_family, hook, v4, v6;
	struct nft_hook_note *note;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWCHAIN ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nfg)))
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*nfg), tb, NFTA_CHAIN_MAX);
	if (!tb[NFTA_CHAIN_HOOK])
		return MNL_CB_OK; /* a regular chain: reached only by jumps */
	parse_nested(tb[NFTA_CHAIN_HOOK], hk, NFTA_HOOK_MAX);
	if (!hk[NFTA_HOOK_HOOKNUM])
		return MNL_CB_OK;
	hook = ntohl(mnl_attr_get_u32(hk[NFTA_HOOK_HOOKNUM]));
	if (family == NFPROTO_NETDEV ||
	    (family == NFPROTO_INET && hook == NF_INET_INGRESS)) {
		chain_devices(mi, hk);
		return MNL_CB_OK;
	}
	if (family == NFPROTO_BRIDGE) {
		if (m->nr_nft_bridge++ == 0)
			chain_note(&m->nft_bridge, family, hook, tb);
		return MNL_CB_OK;
	}
	if (hook != NF_INET_PRE_ROUTING && hook != NF_INET_FORWARD &&
	    hook != NF_INET_POST_ROUTING)
		return MNL_CB_OK;
	v4 = family == NFPROTO_IPV4 || family == NFPROTO_INET;
	v6 = family == NFPROTO_IPV6 || family == NFPROTO_INET;
	for (int f = 0; f < 2; f++) {
		if (!(f ? v6 : v4))
			continue;
		note = f ? &m->nft_fwd6 : &m->nft_fwd4;
		if ((f ? m->nr_nft_fwd6++ : m->nr_nft_fwd4++) == 0)
			chain_note(note, family, hook, tb);
	}
	return MNL_CB_OK;
}

static int nft_dump_chains(struct mirror *mi)
{
	char buf[256];
	int ret;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	mi->m->nr_nft_fwd4 = mi->m->nr_nft_fwd6 = mi->m->nr_nft_bridge = 0;
	for (int i = 0; i < mi->m->nr_links; i++)
		mi->m->links[i].nft_netdev_hooks = 0;
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_UNSPEC;
	nfg->version = NFNETLINK_V0;
	mi->chains_stale = 0;
	model_touch(mi->m);
	ret = nl_talk(mi, mi->nf_req, nlh, chain_cb);
	if (ret)
		return ret;
	/* The rules themselves, for the fast path's firewall (nft.c). */
	fw_free(&mi->m->fw);
	mi->m->fw_err = fw_load(&mi->m->fw);
	if (mi->m->fw_err)
		pr_warn("reading the nf_tables ruleset: %s\n",
			strerror(-mi->m->fw_err));
	return 0;
}

/* --- xfrm: IPsec policies apply to forwarded packets -------------------- */

static int xfrm_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;

	if (nlh->nlmsg_type == XFRM_MSG_NEWPOLICY)
		mi->m->nr_xfrm_policies++;
	return MNL_CB_OK;
}

static int xfrm_dump(struct mirror *mi)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	mi->xfrm_stale = 0;
	mi->m->nr_xfrm_policies = 0;
	model_touch(mi->m);
	if (!mi->xf_req)
		return 0; /* no xfrm_user: nobody can have installed a policy */
	nlh->nlmsg_type = XFRM_MSG_GETPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_userpolicy_id));
	return nl_talk(mi, mi->xf_req, nlh, xfrm_cb);
}

static int xfrm_ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;

	(void)nlh;
	mi->xfrm_stale = 1; /* policies have no cheap key: count them again */
	return MNL_CB_OK;
}

/* --- packet sockets: a capture must see every packet -------------------- */

static int capture_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct packet_diag_msg *pdm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[PACKET_DIAG_MAX + 1];
	const struct packet_diag_info *pdi;
	struct mirror *mi = data;
	struct link *l;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*pdm)) || !pdm->pdiag_num)
		return MNL_CB_OK; /* protocol 0: receives nothing */
	parse_attrs(nlh, sizeof(*pdm), tb, PACKET_DIAG_MAX);
	if (!tb[PACKET_DIAG_INFO] ||
	    mnl_attr_get_payload_len(tb[PACKET_DIAG_INFO]) < sizeof(*pdi))
		return MNL_CB_OK;
	pdi = mnl_attr_get_payload(tb[PACKET_DIAG_INFO]);
	if (!(pdi->pdi_flags & PDI_RUNNING))
		return MNL_CB_OK;
	if (!pdi->pdi_index) {
		mi->m->capture_any++;
		return MNL_CB_OK;
	}
	l = model_link(mi->m, pdi->pdi_index);
	if (l)
		l->captures_scan++;
	return MNL_CB_OK;
}

/* Count receiving packet sockets per interface; touch the model on change. */
static int capture_dump(struct mirror *mi)
{
	struct model *m = mi->m;
	int any = m->capture_any, changed = 0, ret;
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct packet_diag_req *req;

	mi->captures_stale = 0;
	if (!mi->sd_req)
		return 0;
	for (int i = 0; i < m->nr_links; i++)
		m->links[i].captures_scan = 0;
	m->capture_any = 0;
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_PACKET;
	req->pdiag_show = PACKET_SHOW_INFO;
	ret = nl_talk(mi, mi->sd_req, nlh, capture_cb);
	changed = any != m->capture_any;
	for (int i = 0; i < m->nr_links; i++) {
		struct link *l = &m->links[i];

		changed |= l->captures != l->captures_scan;
		l->captures = l->captures_scan;
	}
	if (changed)
		model_touch(m);
	return ret;
}

/* --- what netlink does not report -------------------------------------- */

static int read_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;

	if (!f)
		return dflt;
	if (fscanf(f, "%d", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

static int file_nonempty(const char *path)
{
	FILE *f = fopen(path, "r");
	int c;

	if (!f)
		return 0;
	c = fgetc(f);
	fclose(f);
	return c != EOF;
}

int mirror_poll(struct mirror *mi)
{
	struct model *m = mi->m;
	int h4 = read_int("/proc/sys/net/ipv4/fib_multipath_hash_policy", 0);
	int h6 = read_int("/proc/sys/net/ipv6/fib_multipath_hash_policy", 0);
	int l4 = file_nonempty("/proc/net/ip_tables_names");
	int l6 = file_nonempty("/proc/net/ip6_tables_names");
	/* br_netfilter's switches; absent while the module is not loaded. */
	int b4 = read_int("/proc/sys/net/bridge/bridge-nf-call-iptables", 0);
	int b6 = read_int("/proc/sys/net/bridge/bridge-nf-call-ip6tables", 0);
	int ct_tcp = read_int(
		"/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established",
		0);
	int ct_udp = read_int(
		"/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream", 0);

	if (h4 != m->mpath_hash4 || h6 != m->mpath_hash6 || l4 != m->legacy4 ||
	    l6 != m->legacy6 || b4 != m->brnf4 || b6 != m->brnf6 ||
	    ct_tcp != m->ct_tcp_est_s || ct_udp != m->ct_udp_stream_s) {
		m->ct_tcp_est_s = ct_tcp;
		m->ct_udp_stream_s = ct_udp;
		m->mpath_hash4 = h4;
		m->mpath_hash6 = h6;
		m->legacy4 = l4;
		m->legacy6 = l6;
		m->brnf4 = b4;
		m->brnf6 = b6;
		model_touch(m);
	}
	/* Backstops: veth peers changing XDP state in another namespace,
	 * captures opened without a promiscuity change (tcpdump -p). */
	return capture_dump(mi) ?: netdev_dump(mi);
}

/* --- lifecycle ------------------------------------------------------------ */

static struct mnl_socket *nl_open(int bus, const unsigned int *groups, int nr)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1, size = 4 << 20;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
		   sizeof(size));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	for (int i = 0; i < nr; i++) {
		int g = groups[i];

		if (g && mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g,
					       sizeof(g)) < 0)
			goto err;
	}
	return nl;
err:
	mnl_socket_close(nl);
	return NULL;
}

int mirror_open(struct mirror *mi, struct model *m, int events)
{
	static const unsigned int rt_groups[] = {
		RTNLGRP_LINK,	     RTNLGRP_NEIGH,	   RTNLGRP_TC,
		RTNLGRP_IPV4_ROUTE,  RTNLGRP_IPV6_ROUTE,   RTNLGRP_IPV4_RULE,
		RTNLGRP_IPV6_RULE,   RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
		RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	static const unsigned int nf_groups[] = { NFNLGRP_NFTABLES };
	static const unsigned int xf_groups[] = { XFRMNLGRP_POLICY };

	memset(mi, 0, sizeof(*mi));
	mi->m = m;
	mi->rt_req = nl_open(NETLINK_ROUTE, NULL, 0);
	mi->gn_req = nl_open(NETLINK_GENERIC, NULL, 0);
	mi->nf_req = nl_open(NETLINK_NETFILTER, NULL, 0);
	if (!mi->rt_req || !mi->gn_req || !mi->nf_req)
		goto err;
	mi->xf_req = nl_open(NETLINK_XFRM, NULL, 0);
	mi->sd_req = nl_open(NETLINK_SOCK_DIAG, NULL, 0);
	if (netdev_resolve(mi) < 0)
		pr_info("netdev netlink family missing: XDP features unknown\n");
	m->has_netdev_family = mi->netdev_family != 0;
	if (!events)
		return 0;
	mi->rt_ev = nl_open(NETLINK_ROUTE, rt_groups,
			    sizeof(rt_groups) / sizeof(rt_groups[0]));
	mi->nf_ev = nl_open(NETLINK_NETFILTER, nf_groups, 1);
	if (!mi->rt_ev || !mi->nf_ev)
		goto err;
	if (mi->xf_req) {
		mi->xf_ev = nl_open(NETLINK_XFRM, xf_groups, 1);
		if (!mi->xf_ev)
			goto err;
	}
	if (mi->netdev_family) {
		mi->gn_ev = nl_open(NETLINK_GENERIC, &mi->netdev_mgmt, 1);
		if (!mi->gn_ev)
			goto err;
	}
	return 0;
err:
	pr_warn("netlink socket: %s\n", strerror(errno));
	mirror_close(mi);
	return -errno ?: -EIO;
}

void mirror_close(struct mirror *mi)
{
	struct mnl_socket *s[] = { mi->rt_req, mi->rt_ev,  mi->gn_req,
				   mi->gn_ev,  mi->nf_req, mi->nf_ev,
				   mi->xf_req, mi->xf_ev,  mi->sd_req };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i])
			mnl_socket_close(s[i]);
	mi->rt_req = mi->rt_ev = mi->gn_req = mi->gn_ev = NULL;
	mi->nf_req = mi->nf_ev = mi->xf_req = mi->xf_ev = mi->sd_req = NULL;
}

int mirror_sync(struct mirror *mi)
{
	struct model *m = mi->m;
	int has_netdev = m->has_netdev_family;
	int ret;

	model_free(m);
	m->has_netdev_family = has_netdev;
	if ((ret = rt_dump(mi, RTM_GETLINK, AF_UNSPEC,
			   sizeof(struct ifinfomsg))) ||
	    (ret = rt_dump(mi, RTM_GETNETCONF, AF_INET,
			   sizeof(struct netconfmsg))) ||
	    (ret = rt_dump(mi, RTM_GETNETCONF, AF_INET6,
			   sizeof(struct netconfmsg))) ||
	    (ret = rt_dump(mi, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg))) ||
	    (ret = rt_dump(mi, RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg))) ||
	    (ret = rt_dump(mi, RTM_GETNEIGH, AF_UNSPEC,
			   sizeof(struct ndmsg))) ||
	    (ret = rt_dump(mi, RTM_GETNEIGH, AF_BRIDGE,
			   sizeof(struct ndmsg))) ||
	    (ret = rt_dump(mi, RTM_GETQDISC, AF_UNSPEC,
			   sizeof(struct tcmsg))) ||
	    (ret = dump_rules(mi)) || (ret = netdev_dump(mi)) ||
	    (ret = xfrm_dump(mi)))
		goto out;
	ret = nft_dump_chains(mi);
	if (ret == -EPROTONOSUPPORT || ret == -ENOENT || ret == -EOPNOTSUPP)
		ret = 0; /* no nf_tables in this kernel: nothing to bypass */
	if (!ret)
		ret = mirror_poll(mi);
out:
	if (ret)
		pr_warn("netlink dump: %s\n", strerror(-ret));
	model_touch(m);
	return ret;
}

int mirror_fdb_use(struct mirror *mi, int port, const unsigned char *mac)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_REPLACE;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = port;
	ndm->ndm_state = NUD_REACHABLE;
	ndm->ndm_flags = NTF_MASTER | NTF_USE;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return nl_talk(mi, mi->rt_req, nlh, NULL);
}

int mirror_neigh_use(struct mirror *mi, int family, int ifindex,
		     const void *addr)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, addr);
	return nl_talk(mi, mi->rt_req, nlh, NULL);
}

int mirror_fds(const struct mirror *mi, int *fds, int max)
{
	struct mnl_socket *s[] = { mi->rt_ev, mi->gn_ev, mi->nf_ev, mi->xf_ev };
	int n = 0;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]) && n < max; i++)
		if (s[i])
			fds[n++] = mnl_socket_get_fd(s[i]);
	return n;
}

static int nf_ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;

	/* Any change (events follow the commit): cached verdicts are stale. */
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES) {
		if (mi->on_nft_change && !mi->nft_changing++)
			mi->on_nft_change(mi->cb_ctx);
		mi->chains_stale = 1;
	}
	/* Never act on the events themselves: the dump reads one whole
	 * generation (the generation id is checked before and after). */
	return MNL_CB_OK;
}

int mirror_event(struct mirror *mi, int fd)
{
	char *buf = malloc(BUF_SIZE);
	mnl_cb_t cb;
	int n, ret = 0;

	if (!buf)
		return -ENOMEM;
	if (mi->rt_ev && fd == mnl_socket_get_fd(mi->rt_ev)) {
		cb = rt_cb;
	} else if (mi->gn_ev && fd == mnl_socket_get_fd(mi->gn_ev)) {
		cb = netdev_cb;
	} else if (mi->xf_ev && fd == mnl_socket_get_fd(mi->xf_ev)) {
		cb = xfrm_ev_cb;
	} else {
		cb = nf_ev_cb;
	}
	for (;;) {
		n = recv(fd, buf, BUF_SIZE, MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			/*
			 * What is still queued predates the loss: applied after
			 * the dump it would bring back an older state. Drop it,
			 * then dump; later events are newer than or part of it.
			 */
			while (recv(fd, buf, BUF_SIZE, MSG_DONTWAIT) > 0 ||
			       errno == ENOBUFS)
				;
			pr_warn("netlink events lost: full resync\n");
			mi->resyncs++;
			if (mi->on_resync)
				mi->on_resync(mi->cb_ctx);
			ret = mirror_sync(mi);
			goto out;
		}
		if (n <= 0)
			break;
		mnl_cb_run(buf, n, 0, 0, cb, mi);
		if (mi->route_changed && mi->on_route_change)
			mi->on_route_change(mi->cb_ctx);
		mi->route_changed = 0;
	}
	if (mi->rules_stale > 0)
		ret = dump_rules(mi);
	if (!ret && mi->chains_stale)
		ret = nft_dump_chains(mi);
	mi->nft_changing = 0;
	if (!ret && mi->xfrm_stale)
		ret = xfrm_dump(mi);
	if (!ret && mi->captures_stale)
		ret = capture_dump(mi);
out:
	free(buf);
	return ret;
}
