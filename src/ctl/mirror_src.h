/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains what the mirror's sources share (mirror.c keeps the
 * sockets, the event loop and the lifecycle; one file per source reads
 * it; the helpers here are inline, so the sources depend on mirror.c's
 * struct only, never on its code): a new netlink source is a new mirror_*.c with its dump and event
 * handler named here, and a line in mirror_sync() and mirror_read().
 */
#ifndef TNA_MIRROR_SRC_H
#define TNA_MIRROR_SRC_H

#include <stdint.h>
#include <stdio.h>
#include <libmnl/libmnl.h>
#include "mirror.h"
#include "nl.h"

#define BUF_SIZE NL_BUF_SIZE

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

/* A request on one of the mirror's sockets, answers through cb. */
static inline int nl_talk(struct mirror *mi, struct mnl_socket *nl,
			  struct nlmsghdr *req, msg_cb cb)
{
	return nl_request(nl, &mi->seq, req, cb, mi, NULL);
}

/* A dump request of type for family with a zeroed family header. */
static inline struct nlmsghdr *dump_req(char *buf, uint16_t type,
					uint8_t family, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char *hdr;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	hdr[0] = family; /* every rtnetlink header starts with the family */
	return nlh;
}

static inline void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	if (a)
		snprintf(dst, len, "%s", mnl_attr_get_str(a));
	else
		dst[0] = 0;
}

/* mirror_rt.c: rtnetlink */
int rt_cb(const struct nlmsghdr *nlh, void *data);
int rt_dump(struct mirror *mi, uint16_t type, uint8_t family, size_t hdrlen);
int dump_rules(struct mirror *mi);

/* mirror_nf.c: nf_tables */
int nft_dump_chains(struct mirror *mi);
int nf_ev_cb(const struct nlmsghdr *nlh, void *data);

/* mirror_sys.c: generic netlink netdev, xfrm, sock_diag */
struct nlmsghdr *genl_req(char *buf, uint16_t family, uint8_t cmd,
			  uint16_t flags);
int netdev_resolve(struct mirror *mi);
int netdev_cb(const struct nlmsghdr *nlh, void *data);
int netdev_dump(struct mirror *mi);
int xfrm_dump(struct mirror *mi);
int xfrm_ev_cb(const struct nlmsghdr *nlh, void *data);
int capture_dump(struct mirror *mi);

#endif /* TNA_MIRROR_SRC_H */
