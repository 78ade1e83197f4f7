/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains what the sink program and the demo share (sink.bpf.c). */
#ifndef TNA_DEMO_SINK_H
#define TNA_DEMO_SINK_H

#define SINK_PORT 9 /* UDP discard */
#define SINK_FRAME_WORDS 8 /* the 64-byte template frame */
#define SINK_SPORT_BASE 1024 /* --flows: source ports from here */
#define SINK_PORTS 64000 /* ... this many, then the next source address */

/* Rows of the sink_count per-CPU array. */
enum {
	SINK_LOOPED, /* counted and sent round the loop again */
	SINK_DROPPED, /* counted and dropped (drop mode, drain, deadline) */
	SINK_MALFORMED, /* not the template's length: dropped, a loss */
	SINK_SEQ, /* frames looped with a rotated flow (not a count) */
	SINK_NR_COUNTERS,
};

#endif /* TNA_DEMO_SINK_H */
