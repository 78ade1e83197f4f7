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

/* A rule with a counter, by identity (stable across ruleset reads). */
struct rule_ctr {
	int family;
	char table[FW_NAME_LEN], chain[FW_NAME_LEN];
	uint64_t handle;
	uint64_t packets, bytes; /* carried by the fast path, since start */
};

#define FLOW_MAX_HITS 8
/* A flow the fast path carries: which counters its packets belong to. */
struct flow_ctr {
	struct tna_fw_key key;
	int hits[FLOW_MAX_HITS]; /* indexes into flows.rules */
	int nr_hits;
	uint64_t packets, bytes; /* map values already attributed */
	int used;
};

struct flows {
	struct ring_buffer *rb;
	struct mnl_socket *ct; /* ctnetlink */
	unsigned int seq;
	struct applier *a;
	const struct model *m;
	/* Totals since start, for tna status. */
	unsigned long upcalls, accepted, dropped, undecided;
	unsigned long ct_liberal, ct_missing;
	unsigned long wildcarded; /* verdicts cached for more than one flow */
#define FLOW_MAX_WHYS 8
	struct fw_why whys[FLOW_MAX_WHYS]; /* the last one: all the others */
	int nr_whys;
	struct rule_ctr *rules;
	int nr_rules;
	struct flow_ctr *flows; /* open addressing on the key, FLOWS_SLOTS */
	int nr_flows;
	struct tna_fw_val *percpu; /* scratch: one value per possible CPU */
	unsigned long counted_lost; /* flows with more counters than tracked */
};

int flows_open(struct flows *f, struct applier *a, const struct model *m);
void flows_close(struct flows *f);
int flows_fd(const struct flows *f);
void flows_poll(struct flows *f);
/*
 * Linux's verdict for the flow k as the fast path keys it (t: cleared by
 * the caller), and the mask of the key bits it depends on (plus the
 * fields always keyed; all ones if conntrack decides per connection).
 */
enum fw_result flows_eval(const struct model *m, const struct tna_fw_key *k,
			  struct fw_trace *t);
void flows_mask(const struct fw_trace *t, struct tna_fw_key *mask);
/* Adds what the fast path carried since the last call to the rules' totals. */
void flows_harvest(struct flows *f);
/* Fast-path totals of a rule (0 if none). */
void flows_rule_totals(const struct flows *f, int family, const char *table,
		       const char *chain, uint64_t handle, uint64_t *packets,
		       uint64_t *bytes);

#endif /* TNA_FLOWS_H */
