/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the per-CPU counting of verdicts and fallback reasons. */
#ifndef TNA_BPF_STATS_H
#define TNA_BPF_STATS_H

#include "config.h"
#include "maps.h"

static __always_inline void stats_count(__u32 stat, __u64 bytes)
{
	__u32 key = CFG(slot) * TNA_STAT_MAX + stat;
	struct tna_counter *c = bpf_map_lookup_elem(&stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif /* TNA_BPF_STATS_H */
