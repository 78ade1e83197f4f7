/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the mirror's interface: netlink sockets that fill the
 * model from initial dumps and keep it current from events (rtnetlink, the
 * netdev generic netlink family, nf_tables), plus the few sysctls netlink
 * does not report.
 */
#ifndef TNA_MIRROR_H
#define TNA_MIRROR_H

#include <stdint.h>
#include "model.h"

struct mnl_socket;

struct mirror {
	struct model *m;
	struct mnl_socket *rt_req, *rt_ev;
	struct mnl_socket *gn_req, *gn_ev;
	struct mnl_socket *nf_req, *nf_ev;
	struct mnl_socket *xf_req, *xf_ev; /* NULL without xfrm_user */
	struct mnl_socket *sd_req; /* sock_diag: open packet sockets */
	uint16_t netdev_family;
	uint32_t netdev_mgmt;
	unsigned int seq;
	int rules_stale, chains_stale, xfrm_stale, captures_stale;
	/* Called at the first nf_tables event of a batch, before any dump. */
	void (*on_nft_change)(void *ctx);
	/* Called before a full re-dump after lost events. */
	void (*on_resync)(void *ctx);
	/* Called once per batch of rtnetlink events but bridge FDB ones. */
	void (*on_route_change)(void *ctx);
	int route_changed;
	void *cb_ctx;
	int nft_changing;
	unsigned long resyncs; /* full re-dumps after lost events */
};

/* events: also subscribe to change notifications. */
int mirror_open(struct mirror *mi, struct model *m, int events)
	__attribute__((warn_unused_result));
void mirror_close(struct mirror *mi);
/* Forget everything and dump it all again. */
int mirror_sync(struct mirror *mi) __attribute__((warn_unused_result));
/* Event sockets to poll; returns how many were written. */
int mirror_fds(const struct mirror *mi, int *fds, int max);
/* Read and apply pending events on fd; re-dumps on ENOBUFS. */
int mirror_event(struct mirror *mi, int fd);
/*
 * Tell the bridge a station behind port is active (`bridge fdb replace MAC
 * dev PORT master use`): refreshes the entry like a received frame would.
 */
int mirror_fdb_use(struct mirror *mi, int port, const unsigned char *mac);
/*
 * Tell the neighbour subsystem an entry is in use (NTF_USE), as a packet
 * Linux forwards would: a STALE entry goes to DELAY and gets re-probed.
 * Never creates an entry.
 */
int mirror_neigh_use(struct mirror *mi, int family, int ifindex,
		     const void *addr);
/* Re-read what has no events: sysctls, legacy tables, XDP features. */
int mirror_poll(struct mirror *mi);

#endif /* TNA_MIRROR_H */
