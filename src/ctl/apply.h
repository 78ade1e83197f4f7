/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the applier's interface: it turns plans into loaded
 * programs (one specialized object per interface, attached through BPF
 * links owned by this process) and map contents, changing only what
 * differs from what is loaded.
 */
#ifndef TNA_APPLY_H
#define TNA_APPLY_H

#include <stdint.h>
#include "plan.h"
#include "tna/abi.h"

enum xdp_mode_pref { MODE_AUTO, MODE_NATIVE, MODE_GENERIC };

struct tna;

struct loaded {
	int ifindex;
	char name[IF_NAMESIZE];
	struct tna *skel;
	int link_fd;
	uint64_t features;
	unsigned char mac[6];
	uint32_t slot;
	int bridge, l3_ifindex; /* specialization besides features and MAC */
	uint32_t port_idx; /* its index as a bridge port (tna_cfg.port_idx) */
	uint32_t prog_id;
	int generic; /* attached in generic (skb) mode */
	unsigned int swaps; /* programs replaced in place */
};

/* Counters of programs already detached: totals survive detach/attach. */
struct counter_history {
	int ifindex;
	struct tna_counter c[TNA_STAT_MAX];
};

/* An installed FDB entry and the hit count seen at the last refresh. */
struct fdb_slot {
	struct tna_fdb_key key;
	struct tna_fdb_val val;
	int dynamic;
	uint64_t hits;
};

struct port_slot {
	int ifindex;
	struct tna_port port;
};

struct apply_error {
	int ifindex;
	char msg[MODEL_NOTE_LEN];
};

struct applier {
	int map_tx, map_stats, map_local4, map_local6, map_runtime;
	int map_fdb, map_fdb_hits, map_ports, map_nh_seen, map_rcache4;
	int map_fw_flows, map_fw_upcall, map_port_tab, map_tx_idx;
	int map_local_bits, map_fdb_cache, map_fdb_moves, map_csum_scratch;
	struct tna_local_bits local_bits[2]; /* local_bits content: v4, v6 */
	uint32_t fw_genid; /* nf_tables generation of the cached verdicts */
	uint64_t fw_names;
	int fw_hold; /* a ruleset change is being read */
	struct loaded ifs[TNA_MAX_IFACES];
	int nr;
	uint8_t slot_used[TNA_MAX_IFACES];
	enum xdp_mode_pref mode;
	int *tx; /* devmap content */
	int nr_tx;
	struct tna_addr_key *local; /* local_addrs content */
	int nr_local;
	struct tna_runtime rt; /* runtime map content */
	struct fdb_slot *fdb; /* fdb map content, sorted by key */
	int nr_fdb;
	uint8_t *hit_used; /* fdb_hits indexes in use */
	uint32_t next_hit;
	unsigned long fdb_full; /* entries that did not fit, last sync */
	struct port_slot ports[TNA_MAX_IFACES]; /* ports map content */
	int nr_ports;
	/* port_tab and tx_idx content, by port index (0 unused) */
	struct tna_port_ent idx_ent[TNA_MAX_IFACES];
	uint8_t idx_tx[TNA_MAX_IFACES];
	uint32_t idx_next; /* where the search for a free index starts */
	uint32_t *plan_idx; /* port index of each interface of the last plan */
	struct counter_history hist[TNA_MAX_IFACES];
	int nr_hist;
	struct apply_error errors[TNA_MAX_IFACES];
	int nr_errors;
	int ncpus;
};

int applier_init(struct applier *a, enum xdp_mode_pref mode)
	__attribute__((warn_unused_result));
/* Detach and unload everything. */
void applier_free(struct applier *a);
int applier_apply(struct applier *a, const struct plan *p);
/*
 * The object specialized for pi (slot, bridge port index), loaded on the
 * namespace's shared maps and not attached; NULL and errno on failure.
 * applier_apply() loads through it; the fast-path tests load with it what
 * the daemon would.
 */
struct tna *applier_load_object(struct applier *a, const struct plan_iface *pi,
				uint32_t slot, uint32_t port_idx);
const struct loaded *applier_find(const struct applier *a, int ifindex);
const char *applier_error(const struct applier *a, int ifindex);
int applier_prog_ids(const struct applier *a, uint32_t *ids, int max);
/*
 * Packets per counter on one interface since the daemon started (all CPUs,
 * every program it had); -ENOENT if it never had a program.
 */
int applier_counters(const struct applier *a, int ifindex,
		     struct tna_counter out[TNA_STAT_MAX]);
int applier_set_bypass(struct applier *a, int on);
/*
 * The controller cannot follow events for a while (programs loading, a
 * full re-dump): every fast path hands its packets to Linux until
 * applier_resume(). applier_apply() sets it itself before loading.
 */
int applier_busy(struct applier *a);
/* A routing, neighbour, address, link or rule event: cached routes retire. */
int applier_route_event(struct applier *a);
int applier_is_busy(const struct applier *a);
int applier_resume(struct applier *a);
/* An nf_tables change is arriving: invalidate every cached verdict now. */
int applier_fw_hold(struct applier *a);
/*
 * Learned FDB entries of bridge br whose source the fast path carried
 * since the last call: at most max are written to out.
 */
int applier_fdb_active(struct applier *a, int br, struct fdb_slot *out,
		       int max);
/*
 * Next hops a sampled forwarded packet went to at or after since_ns
 * (CLOCK_MONOTONIC_COARSE): at most max are written to out.
 */
int applier_nh_used(const struct applier *a, uint64_t since_ns,
		    struct tna_nh_key *out, int max);

#endif /* TNA_APPLY_H */
