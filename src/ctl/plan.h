/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the planner's interface: a pure function from the
 * mirrored model to a per-interface plan (which modules to load, which
 * devices may receive redirected frames, and why anything falls back).
 */
#ifndef TNA_PLAN_H
#define TNA_PLAN_H

#include <stdint.h>
#include "model.h"
#include "tna/abi.h"

struct plan_opts {
	const char *const *include; /* only these interfaces (NULL: all) */
	int nr_include;
	const char *const *exclude;
	int nr_exclude;
	const uint32_t *own_prog_ids; /* programs tna attached itself */
	int nr_own;
};

struct plan_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	int accelerate; /* attach a program with these features */
	uint64_t features;
	unsigned char mac[6];
	char reason[MODEL_NOTE_LEN]; /* why not accelerated */
	char family_note[2]
			[MODEL_NOTE_LEN]; /* why IPv4 [0] / IPv6 [1] fall back */
	int egress; /* may receive redirected XDP frames */
	char egress_reason[MODEL_NOTE_LEN];
};

struct plan {
	struct plan_iface *ifaces; /* sorted by ifindex */
	int nr;
	struct tna_addr_key *local; /* local and broadcast addresses */
	int nr_local;
	uint32_t route_mtu4,
		route_mtu6; /* smallest route MTU metric, 0: none */
};

int plan_build(const struct model *m, const struct plan_opts *o, struct plan *p)
	__attribute__((warn_unused_result));
void plan_free(struct plan *p);
const struct plan_iface *plan_find(const struct plan *p, int ifindex);
/* Comma-separated module names of a feature set, into buf. */
const char *plan_modules(uint64_t features, char *buf, size_t len);

#endif /* TNA_PLAN_H */
