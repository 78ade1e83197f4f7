/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the per-CPU counting of verdicts and fallback reasons. */
#ifndef TNA_BPF_STATS_H
#define TNA_BPF_STATS_H

#include "config.h"
#include "maps.h"

/* Returns the counter's new packet count on this CPU (0 if none). */
static __always_inline __u64 stats_count(__u32 stat, __u64 bytes)
{
	__u32 key = CFG(slot) * TNA_STAT_MAX + stat;
	struct tna_counter *c = bpf_map_lookup_elem(&stats, &key);

	if (!c)
		return 0;
	c->bytes += bytes;
	return ++c->packets;
}

#endif /* TNA_BPF_STATS_H */
