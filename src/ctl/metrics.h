/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the OpenMetrics rendering of the live status. */
#ifndef TNA_METRICS_H
#define TNA_METRICS_H

#include <stdio.h>
#include "status.h"

/* Every counter of `tna status --json` (x NULL: the plan's only), # EOF. */
void metrics_render(FILE *out, const struct plan *p, const struct applier *a,
		    const struct status_extra *x);

#endif /* TNA_METRICS_H */
