/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the entry points of `tna run` and `tna plan`. */
#ifndef TNA_DAEMON_H
#define TNA_DAEMON_H

#include "apply.h"
#include "plan.h"

struct run_opts {
	const char *include[TNA_MAX_IFACES];
	int nr_include;
	const char *exclude[TNA_MAX_IFACES];
	int nr_exclude;
	enum xdp_mode_pref mode;
	int json;
	int veth_gro; /* turn GRO on in veth peers that need it (vethpeer.h) */
	const char *metrics_file; /* OpenMetrics status rewritten every 5 s */
};

/* Watch and accelerate this network namespace until SIGINT/SIGTERM. */
int daemon_run(const struct run_opts *o);
/* Print what would be synthesized, attaching nothing. */
int plan_once(const struct run_opts *o);

#endif /* TNA_DAEMON_H */
