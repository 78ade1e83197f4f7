/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the interface of the firewall's flow verdicts: the
 * daemon polls flows_fd() and calls flows_poll(); each flow the fast path
 * asked about gets its verdict in the fw_flows map.
 */
#ifndef TNA_FLOWS_H
#define TNA_FLOWS_H

#include "apply.h"
#include "model.h"

struct ring_buffer;
struct mnl_socket;

struct flows {
	struct ring_buffer *rb;
	struct mnl_socket *ct; /* ctnetlink */
	unsigned int portid, seq;
	struct applier *a;
	const struct model *m;
	/* Totals since start, for tna status. */
	unsigned long upcalls, accepted, dropped, undecided;
	unsigned long ct_liberal, ct_missing;
};

int flows_open(struct flows *f, struct applier *a, const struct model *m);
void flows_close(struct flows *f);
int flows_fd(const struct flows *f);
void flows_poll(struct flows *f);

#endif /* TNA_FLOWS_H */
