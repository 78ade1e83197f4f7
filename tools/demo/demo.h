/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains tna-demo: a router or bridge in namespaces, real traffic, Linux alone vs tna. */
#ifndef TNA_DEMO_H
#define TNA_DEMO_H

#include "traffic.h"

#define DEMO_MAX_RULESETS 8

struct demo_opts {
	int seconds; /* traffic time per phase */
	int rounds; /* interleaved rounds; medians reported */
	int floor; /* also measure generator + sink alone */
	int bare; /* also measure a bare XDP redirect (no lookup) */
	int paired; /* flip tna's bypass every 50 ms within one run instead */
	int json;
	int bridge; /* --topology bridge: the DUT bridges instead of routing */
	int br_router; /* --topology bridge-router: in by a port of br0, routed */
	int br_netfilter; /* -1: as the kernel has it, else force 0/1 */
	/* router: forward chains of rules[i] rules not matching the flow, each
	 * measured every round (nr_rules > 1: loaded in turn); 0 sets: none */
	int rules[DEMO_MAX_RULESETS];
	int nr_rules;
	int stateful; /* router: ct state established accept first */
	int iptables; /* router: the rules through iptables-restore, not nft */
	int nat; /* router: DEMO_NAT_*, 0: none */
	int engine; /* enum engine (traffic.h); ENGINE_AUTO: probed */
	int inflight; /* loop engine: frames in flight */
	int flows; /* router: UDP flows the loop rotates over (0, 1: one) */
	const char *tna; /* the tna executable, NULL: found */
};

#define DEMO_NAT_MASQ 1 /* masquerade out r1: the sink sees 10.10.2.254 */
#define DEMO_NAT_DNAT 2 /* to 10.10.1.254:9, translated to 10.10.2.1:9 */

int demo_run(const struct demo_opts *o);

#endif /* TNA_DEMO_H */
