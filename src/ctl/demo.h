/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains `tna demo`: a router or bridge in namespaces, real traffic, Linux alone vs tna. */
#ifndef TNA_DEMO_H
#define TNA_DEMO_H

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
	int rules; /* router: forward-chain rules not matching the flow, -1 none */
	int stateful; /* router: ct state established accept first */
	int iptables; /* router: the rules through iptables-restore, not nft */
};

int demo_run(const struct demo_opts *o, const char *argv0);

#endif /* TNA_DEMO_H */
