/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the interface of the veth peers tna turns GRO on in
 * (tna run --veth-gro): a veth can take XDP frames only while its peer
 * runs NAPI (an XDP program or GRO on the peer); the peer of a container's
 * veth has neither, so frames for the container go to Linux. With the
 * option, the daemon turns GRO on in such a peer (inside the container's
 * namespace), remembers it, and turns it off again when the veth goes or
 * the daemon exits. What that changes inside the container is in
 * docs/architecture.md ("veth peers").
 */
#ifndef TNA_VETHPEER_H
#define TNA_VETHPEER_H

#include <net/if.h>
#include "model.h"
#include "plan.h"

struct vethpeer {
	int veth; /* our side's ifindex */
	char veth_name[IF_NAMESIZE];
	int peer_ifindex; /* in the peer's namespace */
	char peer_name[IF_NAMESIZE];
	int netns_fd; /* the peer's namespace, held to undo (-1: ours) */
	int on; /* GRO turned on by tna */
	char why[96]; /* why not, when on is 0 */
};

struct vethpeers {
	struct vethpeer *p;
	int n;
	int self_fd; /* this namespace, to come back to */
};

int vethpeers_open(struct vethpeers *v);
/*
 * After a plan: GRO on in the peers of the veths the plan could not use
 * as egresses for want of NAPI on the peer (plan_iface.peer_no_napi), and
 * back off (and the namespace let go) for veths gone from the model.
 * Returns how many peers changed.
 */
int vethpeers_sync(struct vethpeers *v, const struct model *m,
		   const struct plan *p);
/* GRO back off in every peer tna turned it on in; everything closed. */
void vethpeers_close(struct vethpeers *v);

#endif /* TNA_VETHPEER_H */
