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
	struct tna_cfg cfg; /* what the program was specialized for */
	uint32_t prog_id;
	int generic; /* attached in generic (skb) mode */
	unsigned int swaps; /* programs replaced in place */
};

struct applier; /* opaque: apply.c */

/* NULL and errno on failure. */
struct applier *applier_new(enum xdp_mode_pref mode);
/* Detach and unload everything; frees a. */
void applier_free(struct applier *a);
/*
 * changes: FDB entries named by events since the last call (any order;
 * nr_changes < 0: count every entry as named), see struct fdb_change.
 */
int applier_apply(struct applier *a, const struct plan *p,
		  const struct fdb_change *changes, int nr_changes);
/*
 * The object specialized for cfg, loaded on the namespace's shared maps
 * and not attached; NULL and errno on failure. applier_apply() loads
 * through it; the fast-path tests load with it what the daemon would.
 */
struct tna *applier_load_object(struct applier *a, const struct tna_cfg *cfg);
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
int applier_fdb_active(struct applier *a, int br, struct plan_fdb *out,
		       int max);
/* FDB entries that did not fit in the fdb map at the last sync. */
unsigned long applier_fdb_not_mirrored(const struct applier *a);

/*
 * The firewall verdict cache, as the flows module (flows.c) uses it: the
 * upcall ring, the number of per-CPU copies of an entry, the generation
 * and hold state a new verdict must respect, and one entry's copies.
 */
int applier_ncpus(const struct applier *a);
int applier_fw_upcall_fd(const struct applier *a);
/* The generation a verdict written now carries; 0 while a change is read. */
uint32_t applier_fw_gen(const struct applier *a);
/* A ruleset change is being read: no verdict may be written. */
int applier_fw_held(const struct applier *a);
/* Every CPU's copy of k's entry into v (applier_ncpus() of them). */
int applier_flow_get(const struct applier *a, const struct tna_fw_key *k,
		     struct tna_fw_val *v);
int applier_flow_put(struct applier *a, const struct tna_fw_key *k,
		     const struct tna_fw_val *v);
/*
 * The index under which verdicts wildcarded to mask m (.mask 0) are
 * cached this generation: m's own (appended if new), or, with the masks
 * all taken, one that reads every bit m does (the all-ones mask at
 * worst); -errno.
 */
int applier_fw_mask(struct applier *a, const struct tna_fw_key *m);
uint32_t applier_fw_nmasks(const struct applier *a);
/*
 * Next hops a sampled forwarded packet went to at or after since_ns
 * (CLOCK_MONOTONIC_COARSE): at most max are written to out.
 */
int applier_nh_used(const struct applier *a, uint64_t since_ns,
		    struct tna_nh_key *out, int max);

#endif /* TNA_APPLY_H */
