// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tna fast path: one object, specialized per interface through
 * read-only config. Modules return 0 (forward: the egress is recorded with
 * bpf_redirect_map()) or a negative fallback reason; only this entry point
 * turns that into an XDP verdict.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/config.h"
#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/route.h"
#include "lib/bridge.h"

static __always_inline int route(struct xdp_md *ctx, struct pkt *p,
				 const struct tna_runtime *rt)
{
	if (p->l3_proto == bpf_htons(ETH_P_IP))
		return HAS(TNA_F_ROUTE4) &&
				       !(rt->family_off & TNA_RT_ROUTE4_OFF) ?
			       route4(ctx, p, rt) :
			       -TNA_STAT_FAMILY_OFF;
	if (p->l3_proto == bpf_htons(ETH_P_IPV6))
		return HAS(TNA_F_ROUTE6) &&
				       !(rt->family_off & TNA_RT_ROUTE6_OFF) ?
			       route6(ctx, p, rt) :
			       -TNA_STAT_FAMILY_OFF;
	return -TNA_STAT_NOT_IP;
}

/* Returns the counter of a carried packet (>= 0) or a fallback reason (< 0). */
static __always_inline int process(struct xdp_md *ctx, struct pkt *p)
{
	__u32 zero = 0;
	struct tna_runtime *rt = bpf_map_lookup_elem(&runtime, &zero);
	int rc;

	if (!rt)
		return -TNA_STAT_BYPASS;
	if (rt->bypass)
		return rt->bypass & TNA_BYPASS_USER ? -TNA_STAT_BYPASS :
						      -TNA_STAT_BUSY;
	if (HAS(TNA_F_BRIDGE)) {
		if (rt->family_off & TNA_RT_BRIDGE_OFF)
			return -TNA_STAT_FAMILY_OFF; /* bridge-family rules */
		rc = bridge_in(ctx, p, rt);
		if (rc == 0) {
			fdb_hit(p->src_hit);
			return TNA_STAT_BRIDGED;
		}
		if (rc < 0)
			return rc;
		/* For the bridge itself: its IP stack would route it. */
		if (!HAS(TNA_F_ROUTE4) && !HAS(TNA_F_ROUTE6))
			return -TNA_STAT_L2_LOCAL;
	} else {
		rc = parse_eth(ctx, p);
		if (rc < 0)
			return rc;
	}
	rc = route(ctx, p, rt);
	if (rc < 0)
		return rc;
	fdb_hit(p->src_hit);
	return TNA_STAT_FORWARDED;
}

SEC("xdp")
int tna_xdp(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	struct pkt p = {};
	int rc;

	rc = process(ctx, &p);
	if (rc < 0) {
		stats_count(-rc, bytes);
		return XDP_PASS;
	}
	stats_count(rc, bytes);
	return XDP_REDIRECT; /* to the egress the module recorded */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
