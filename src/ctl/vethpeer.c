// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * GRO in the peers of veths the fast path would redirect into (see
 * vethpeer.h). A peer lives in another namespace, known here only by its
 * id (IFLA_LINK_NETNSID). The namespace is found among the named ones
 * (/run/netns, Docker's /run/docker/netns) and those of running processes
 * (/proc/PID/ns/net) by asking the kernel for each one's id here
 * (RTM_GETNSID with NETNSA_FD); the daemon then enters it for one ioctl
 * socket (setns) and comes straight back. The namespace stays open while
 * tna holds GRO on in it, so that it can be turned off again; it is let go
 * as soon as the veth is gone.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/ethtool.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "log.h"
#include "nl.h"
#include "vethpeer.h"

int vethpeers_open(struct vethpeers *v)
{
	memset(v, 0, sizeof(*v));
	v->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return v->self_fd < 0 ? -errno : 0;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETNSA_MAX + 1];

	nl_parse_attrs(nlh, sizeof(struct rtgenmsg), tb, NETNSA_MAX);
	if (tb[NETNSA_NSID])
		*(int *)data = (int)mnl_attr_get_u32(tb[NETNSA_NSID]);
	return MNL_CB_OK;
}

/* The id the namespace behind fd has here (-1: none). */
static int nsid_of(struct mnl_socket *nl, unsigned int *seq, int fd)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	int id = -1;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (nl_request(nl, seq, nlh, nsid_cb, &id, NULL))
		return -1;
	return id;
}

/* Tries one candidate path: its namespace fd if its id here is nsid. */
static int try_ns(struct mnl_socket *nl, unsigned int *seq, const char *path,
		  int nsid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (nsid_of(nl, seq, fd) == nsid)
		return fd;
	close(fd);
	return -1;
}

static int scan_dir(struct mnl_socket *nl, unsigned int *seq, const char *dir,
		    const char *suffix, int nsid)
{
	char path[300];
	struct dirent *e;
	DIR *d = opendir(dir);
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (suffix && (e->d_name[0] < '0' || e->d_name[0] > '9'))
			continue; /* /proc: processes only */
		snprintf(path, sizeof(path), "%s/%s%s", dir, e->d_name,
			 suffix ? suffix : "");
		fd = try_ns(nl, seq, path, nsid);
	}
	if (d)
		closedir(d);
	return fd;
}

/* An fd of the namespace whose id here is nsid, or -1. */
static int find_ns(int nsid)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned int seq = 1;
	int fd = -1;

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
		fd = scan_dir(nl, &seq, "/run/netns", NULL, nsid);
		if (fd < 0)
			fd = scan_dir(nl, &seq, "/run/docker/netns", NULL,
				      nsid);
		if (fd < 0)
			fd = scan_dir(nl, &seq, "/proc", "/ns/net", nsid);
	}
	mnl_socket_close(nl);
	return fd;
}

/* An ioctl socket in the namespace ns_fd (-1: this one). */
static int socket_in(const struct vethpeers *v, int ns_fd)
{
	int s;

	if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET))
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ns_fd >= 0 && setns(v->self_fd, CLONE_NEWNET)) {
		/* cannot come back: nothing else of the daemon would work */
		pr_warn("veth peers: cannot return to the namespace: %s\n",
			strerror(errno));
		abort();
	}
	return s;
}

/* GRO of the peer (get: value < 0), through the legacy ethtool ioctl. */
static int peer_gro(const struct vethpeers *v, struct vethpeer *p, int value)
{
	struct ethtool_value ev = { .cmd = value < 0 ? ETHTOOL_GGRO :
						       ETHTOOL_SGRO,
				    .data = value > 0 };
	struct ifreq ifr = { .ifr_ifindex = p->peer_ifindex };
	int s = socket_in(v, p->netns_fd), ret = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFNAME, &ifr)) {
		ret = -errno;
		goto out;
	}
	snprintf(p->peer_name, sizeof(p->peer_name), "%s", ifr.ifr_name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(s, SIOCETHTOOL, &ifr))
		ret = -errno;
	else if (value < 0)
		ret = ev.data ? 1 : 0;
out:
	close(s);
	return ret;
}

static void drop(struct vethpeers *v, int i)
{
	struct vethpeer *p = &v->p[i];

	if (p->on && peer_gro(v, p, 0) == 0)
		pr_info("veth peers: GRO off again in %s (peer of %s)\n",
			p->peer_name, p->veth_name);
	if (p->netns_fd >= 0)
		close(p->netns_fd);
	v->p[i] = v->p[--v->n];
}

static int wanted(const struct plan *p, int ifindex)
{
	for (int i = 0; i < p->nr; i++)
		if (p->ifaces[i].ifindex == ifindex)
			return p->ifaces[i].peer_no_napi;
	return 0;
}

static int known(const struct vethpeers *v, int ifindex)
{
	for (int i = 0; i < v->n; i++)
		if (v->p[i].veth == ifindex)
			return 1;
	return 0;
}

static int turn_on(struct vethpeers *v, const struct link *l)
{
	struct vethpeer *p, *n = realloc(v->p, (v->n + 1) * sizeof(*v->p));
	int ret;

	if (!n)
		return 0;
	v->p = n;
	p = &v->p[v->n++];
	memset(p, 0, sizeof(*p));
	p->veth = l->ifindex;
	snprintf(p->veth_name, sizeof(p->veth_name), "%s", l->name);
	p->peer_ifindex = l->peer_ifindex;
	p->netns_fd = l->peer_netnsid < 0 ? -1 : find_ns(l->peer_netnsid);
	if (l->peer_netnsid >= 0 && p->netns_fd < 0) {
		snprintf(p->why, sizeof(p->why),
			 "peer namespace (id %d) not found", l->peer_netnsid);
		return 0;
	}
	ret = peer_gro(v, p, -1);
	if (ret == 0)
		ret = peer_gro(v, p, 1);
	else if (ret == 1)
		ret = -EALREADY; /* on already: not ours to undo */
	if (ret) {
		snprintf(p->why, sizeof(p->why), "GRO on the peer: %s",
			 strerror(-ret));
		if (p->netns_fd >= 0)
			close(p->netns_fd);
		p->netns_fd = -1;
		return 0;
	}
	p->on = 1;
	pr_info("veth peers: GRO on in %s (peer of %s) so it takes XDP frames\n",
		p->peer_name, p->veth_name);
	return 1;
}

int vethpeers_sync(struct vethpeers *v, const struct model *m,
		   const struct plan *p)
{
	int changed = 0;

	for (int i = v->n - 1; i >= 0; i--) {
		const struct link *l = model_link_c(m, v->p[i].veth);

		if (!l || l->peer_ifindex != v->p[i].peer_ifindex) {
			drop(v, i);
			changed++;
		}
	}
	for (int i = 0; i < m->nr_links; i++) {
		const struct link *l = &m->links[i];

		if (l->peer_ifindex && wanted(p, l->ifindex) &&
		    !known(v, l->ifindex))
			changed += turn_on(v, l);
	}
	return changed;
}

void vethpeers_close(struct vethpeers *v)
{
	while (v->n)
		drop(v, v->n - 1);
	free(v->p);
	v->p = NULL;
	if (v->self_fd >= 0)
		close(v->self_fd);
	v->self_fd = -1;
}
