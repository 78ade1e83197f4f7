/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the rendering of plans and live status, as text or JSON (schema in docs/status.md). */
#ifndef TNA_STATUS_H
#define TNA_STATUS_H

#include <stdio.h>
#include "apply.h"
#include "plan.h"

struct status_extra {
	unsigned long generation; /* model changes seen */
	unsigned long resyncs; /* full netlink re-dumps */
	int bypass;
	unsigned long fdb_refreshes; /* NTF_USE refreshes sent */
	unsigned long neigh_revalidations; /* stale next hops re-probed */
};

/* a == NULL renders a plan only (tna plan): no counters, nothing attached. */
void status_render(FILE *out, const struct plan *p, const struct applier *a,
		   const struct status_extra *x, int json);

#endif /* TNA_STATUS_H */
