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
#include "nl.h"
#include "netdev.h"
#include "nft.h"
#include "mirror_src.h"

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
	int ct_udp_early =
		read_int("/proc/sys/net/netfilter/nf_conntrack_udp_timeout", 0);

	if (h4 != m->mpath_hash4 || h6 != m->mpath_hash6 || l4 != m->legacy4 ||
	    l6 != m->legacy6 || b4 != m->brnf4 || b6 != m->brnf6 ||
	    ct_tcp != m->ct_tcp_est_s || ct_udp != m->ct_udp_stream_s ||
	    ct_udp_early != m->ct_udp_s) {
		m->ct_tcp_est_s = ct_tcp;
		m->ct_udp_stream_s = ct_udp;
		m->ct_udp_s = ct_udp_early;
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
	free(mi->fdb_changes);
	mi->fdb_changes = NULL;
	mi->nr_fdb_changes = mi->cap_fdb_changes = 0;
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

unsigned int mirror_read(struct mirror *mi, int fd)
{
	char *buf = nl_buf();
	unsigned int ev;
	mnl_cb_t cb;
	int n;

	mi->read_events = 0;
	if (!buf) {
		mi->resync_due = 1; /* what was queued is unread: dump it all */
		return MIRROR_EV_RESYNC;
	}
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
			mi->resync_due = 1;
			mi->read_events |= MIRROR_EV_RESYNC;
			break;
		}
		if (n <= 0)
			break;
		mnl_cb_run(buf, n, 0, 0, cb, mi);
	}
	if (mi->route_changed)
		mi->read_events |= MIRROR_EV_ROUTE;
	mi->route_changed = 0;
	ev = mi->read_events;
	nl_buf_put(buf);
	return ev;
}

int mirror_refresh(struct mirror *mi)
{
	int ret = 0;

	if (mi->resync_due) {
		mi->resync_due = 0;
		return mirror_sync(mi);
	}
	if (mi->rules_stale > 0)
		ret = dump_rules(mi);
	if (!ret && mi->chains_stale)
		ret = nft_dump_chains(mi);
	if (!ret && mi->xfrm_stale)
		ret = xfrm_dump(mi);
	if (!ret && mi->captures_stale)
		ret = capture_dump(mi);
	return ret;
}
