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
	int peer_no_napi; /* a veth that would be one, but for its peer's NAPI */
	char egress_reason[MODEL_NOTE_LEN];
	int bridge; /* a bridge port: ifindex of its bridge */
	int l3_ifindex; /* where its IP lives: the bridge, or itself */
	int has_port; /* port (or bridge) entry for the ports map */
	struct tna_port port;
};

/* One FDB entry for the fdb map; the applier assigns the hit counter. */
struct plan_fdb {
	struct tna_fdb_key key;
	struct tna_fdb_val val;
	int dynamic; /* learned: ages out unless refreshed */
};

struct plan_bridge {
	int ifindex;
	char name[IF_NAMESIZE];
	int accelerate; /* its ports get the bridge module */
	char reason[MODEL_NOTE_LEN]; /* why not */
	uint32_t ageing_cs; /* ageing_time, centiseconds */
	int nr_ports, nr_fdb;
};

struct plan {
	struct plan_iface *ifaces; /* sorted by ifindex */
	int nr;
	struct tna_addr_key *local; /* local and broadcast addresses */
	int nr_local;
	uint32_t route_mtu4,
		route_mtu6; /* smallest route MTU metric, 0: none */
	struct plan_fdb *fdb; /* sorted by key */
	int nr_fdb;
	struct plan_bridge *bridges;
	int nr_bridges;
	uint32_t family_off; /* TNA_RT_*_OFF: namespace-wide fallbacks */
	uint32_t fw; /* TNA_RT_FW4/6: families that pass the firewall */
	char fw_note[3][MODEL_NOTE_LEN]; /* FW_IP4/6, FW_BRIDGE: where, why */
	uint32_t fw_genid; /* nf_tables generation the verdicts follow */
	uint64_t fw_names; /* hash of interface names and indexes */
	/* conntrack timeouts to refresh to */
	uint32_t ct_tcp_ms, ct_udp_ms, ct_udp_early_ms;
	/* IPv4 route cache: packets up to this length may use it (0: off) */
	uint32_t rc_mtu4;
	char rc_note[MODEL_NOTE_LEN]; /* why it is off */
};

int plan_build(const struct model *m, const struct plan_opts *o, struct plan *p)
	__attribute__((warn_unused_result));
void plan_free(struct plan *p);
const struct plan_iface *plan_find(const struct plan *p, int ifindex);
const struct plan_bridge *plan_bridge_find(const struct plan *p, int ifindex);
int plan_fdb_cmp(const void *a, const void *b);
/* Comma-separated module names of a feature set, into buf. */
const char *plan_modules(uint64_t features, char *buf, size_t len);

/*
 * Whether the planner can produce feature set f: sub-modules only with
 * their module, one rp_filter mode at most (the verifier matrix and the
 * fuzzer walk exactly these).
 */
int plan_features_possible(uint64_t f);

#endif /* TNA_PLAN_H */
