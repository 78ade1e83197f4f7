// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The mirror's other sources: generic netlink netdev (who can take XDP
 * frames), xfrm (IPsec policies), sock_diag (open packet sockets).
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

/* --- netdev generic netlink: who can take XDP frames ------------------- */

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1],
		*g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct mirror *mi = data;
	const struct nlattr *pos;

	nl_parse_attrs(nlh, sizeof(struct genlmsghdr), tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		mi->netdev_family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS])
	{
		nl_parse_nested(pos, g, CTRL_ATTR_MCAST_GRP_MAX);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] && g[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    NETDEV_MCGRP_MGMT))
			mi->netdev_mgmt =
				mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

struct nlmsghdr *genl_req(char *buf, uint16_t family, uint8_t cmd,
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

int netdev_resolve(struct mirror *mi)
{
	char buf[256];
	struct nlmsghdr *nlh =
		genl_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME);
	return nl_talk(mi, mi->gn_req, nlh, ctrl_cb);
}

int netdev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NETDEV_A_DEV_XDP_FEATURES + 1];
	struct mirror *mi = data;
	struct link *l;
	uint64_t feat;

	if (nlh->nlmsg_type != mi->netdev_family ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)))
		return MNL_CB_OK;
	nl_parse_attrs(nlh, sizeof(*g), tb, NETDEV_A_DEV_XDP_FEATURES);
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

int netdev_dump(struct mirror *mi)
{
	char buf[256];

	if (!mi->netdev_family)
		return 0;
	return nl_talk(mi, mi->gn_req,
		       genl_req(buf, mi->netdev_family, NETDEV_CMD_DEV_GET,
				NLM_F_DUMP),
		       netdev_cb);
}

/* --- xfrm: IPsec policies apply to forwarded packets -------------------- */

static int xfrm_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;

	if (nlh->nlmsg_type == XFRM_MSG_NEWPOLICY)
		mi->m->nr_xfrm_policies++;
	return MNL_CB_OK;
}

int xfrm_dump(struct mirror *mi)
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

int xfrm_ev_cb(const struct nlmsghdr *nlh, void *data)
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
	nl_parse_attrs(nlh, sizeof(*pdm), tb, PACKET_DIAG_MAX);
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
int capture_dump(struct mirror *mi)
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
