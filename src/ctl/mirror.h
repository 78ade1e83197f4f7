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
	int resync_due; /* events were lost: dump everything again */
	int route_changed;
	unsigned int read_events; /* MIRROR_EV_* of the current read */
	unsigned long resyncs; /* full re-dumps after lost events */
	/* FDB entries events named since mirror_fdb_changes_clear() */
	struct fdb_change *fdb_changes;
	int nr_fdb_changes, cap_fdb_changes;
	int fdb_changes_lost; /* out of memory: count every entry as named */
};

/* events: also subscribe to change notifications. */
int mirror_open(struct mirror *mi, struct model *m, int events)
	__attribute__((warn_unused_result));
void mirror_close(struct mirror *mi);
/*
 * The FDB entries events named since the last clear: *nr of them, or -1
 * when they could not all be kept (then every entry counts as named).
 */
const struct fdb_change *mirror_fdb_changes(const struct mirror *mi, int *nr);
void mirror_fdb_changes_clear(struct mirror *mi);
/* Forget everything and dump it all again. */
int mirror_sync(struct mirror *mi) __attribute__((warn_unused_result));
/* Event sockets to poll; returns how many were written. */
int mirror_fds(const struct mirror *mi, int *fds, int max);
/* What a read of events saw (mirror_read()). */
enum {
	MIRROR_EV_ROUTE = 1, /* rtnetlink changes but bridge FDB ones */
	MIRROR_EV_NFT = 2, /* an nf_tables change: its ruleset is read next */
	MIRROR_EV_RESYNC = 4, /* events were lost: everything is read again */
};
/*
 * One change travels one way: mirror_read() applies the events queued on
 * fd to the model and says what they were (MIRROR_EV_*); the caller reacts
 * (holds the cached verdicts, retires cached routes) before
 * mirror_refresh() reads what the events left stale: the nf_tables
 * ruleset, policy rules, IPsec policies, captures, or everything after a
 * loss.
 */
unsigned int mirror_read(struct mirror *mi, int fd);
int mirror_refresh(struct mirror *mi);
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
