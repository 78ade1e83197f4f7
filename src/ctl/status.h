/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the rendering of plans and live status, as text or JSON (schema in docs/status.md). */
#ifndef TNA_STATUS_H
#define TNA_STATUS_H

#include <stdio.h>
#include "apply.h"
#include "plan.h"
#include "vethpeer.h"

struct status_extra {
	unsigned long generation; /* model changes seen */
	unsigned long resyncs; /* full netlink re-dumps */
	int bypass;
	unsigned long fdb_refreshes; /* NTF_USE refreshes sent */
	unsigned long neigh_revalidations; /* stale next hops re-probed */
	/* Linux's own forwarded-packet counters (IP MIB), -1 if unknown */
	long long kernel_fwd4, kernel_fwd6;
	/* Firewall flow verdicts (flows.c) */
	unsigned long fw_upcalls, fw_accepted, fw_dropped, fw_undecided;
	unsigned long ct_liberal, ct_missing;
	/* verdicts cached for every flow agreeing on the bits read, masks */
	unsigned long fw_wildcarded, fw_masks;
	/* tna run --veth-gro: the peers tna turned GRO on in, or tried to */
	int veth_gro;
	const struct vethpeer *peers;
	int nr_peers;
	/* Why flows were left to Linux, most frequent first */
	const struct fw_why *whys;
	int nr_whys;
	/* Forward-path rules with counters: Linux's and the fast path's */
	const struct rule_line *rules;
	int nr_rules;
};

struct rule_line {
	char what[200]; /* "inet filter forward handle 4" */
	unsigned long long linux_packets, linux_bytes;
	unsigned long long fast_packets, fast_bytes;
};

/*
 * Linux's IPv4 ForwDatagrams and IPv6 Ip6OutForwDatagrams of the current
 * namespace: the kernel's counters that never see fast-path packets.
 */
void status_kernel_counters(struct status_extra *x);

enum status_format { STATUS_TEXT, STATUS_JSON };

/*
 * a == NULL renders a plan only (tna plan): no counters, nothing attached.
 * (OpenMetrics: metrics_render(), metrics.h.)
 */
void status_render(FILE *out, const struct plan *p, const struct applier *a,
		   const struct status_extra *x, enum status_format f);

/* What the fast path carried (counters[0 .. FIRST_FALLBACK)) and handed
 * to Linux (the rest), summed over one interface's counters. */
void status_counters_total(const struct tna_counter *c,
			   struct tna_counter *fast,
			   struct tna_counter *linux_);
/* A fallback reason's name (docs/status.md), TNA_STAT_* index. */
const char *status_stat_name(int stat);
/* Packets the fast path routed, all interfaces. */
unsigned long long status_fast_routed(const struct plan *p,
				      const struct applier *a);

#endif /* TNA_STATUS_H */
