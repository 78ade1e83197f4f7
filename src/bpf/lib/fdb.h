/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the lookups in the mirrored bridge FDB shared by the
 * bridge module (frames entering a port) and the router (packets routed
 * out through a bridge), and the egress recording both end with.
 */
#ifndef TNA_BPF_FDB_H
#define TNA_BPF_FDB_H

#include <linux/if_ether.h>
#include "maps.h"

/* fdb_out(): the destination is the bridge itself (local delivery). */
#define TNA_L2_UP 1

/* The port with index idx, if it is still the port with that ifindex. */
static __always_inline const struct tna_port *port_at(__u32 idx, __u32 ifindex)
{
	struct tna_port_ent *e = bpf_map_lookup_elem(&port_tab, &idx);

	if (!e || !idx || e->ifindex != ifindex)
		return NULL;
	return &e->port;
}

/*
 * The generation fdb_cache copies must carry (struct tna_fdbc_ent), read
 * before any fdb lookup it covers.
 */
static __always_inline __u64 fdb_gen(const struct tna_runtime *rt)
{
	__u32 zero = 0, *moves = bpf_map_lookup_elem(&fdb_moves, &zero);
	__u64 ctl = *(volatile const __u32 *)&rt->fdb_gen;

	return ctl << 32 | (moves ? *(volatile __u32 *)moves : 0);
}

/*
 * The fdb entry for k, from this CPU's copy when it is of generation gen,
 * else from the map (and then copied). Not for writing: a copy may be it.
 */
static __always_inline const struct tna_fdb_val *
fdb_get(const struct tna_fdb_key *k, __u64 gen)
{
	__u32 slot = tna_fdb_slot(k), w[3], c3[3];
	struct tna_fdbc_ent *c = bpf_map_lookup_elem(&fdb_cache, &slot);
	const struct tna_fdb_val *v;

	if (c) {
		__builtin_memcpy(w, k, sizeof(w));
		__builtin_memcpy(c3, &c->key, sizeof(c3));
		if (c->gen == gen && c3[0] == w[0] && c3[1] == w[1] &&
		    c3[2] == w[2])
			return &c->val;
	}
	v = bpf_map_lookup_elem(&fdb, k);
	if (!v || !c)
		return v;
	/* This CPU's slot: no other writer, no reader while this one runs. */
	c->gen = gen;
	c->key = *k;
	c->val = *v;
	return &c->val;
}

/* Where a frame leaves: a port (by index) or a device (by ifindex). */
struct egress {
	__u32 ifindex;
	__u32 port_idx; /* nonzero: a bridge port, redirected through tx_idx */
	__u32 flags; /* the port's TNA_PORT_* */
};

/*
 * The port a frame to mac leaves bridge br through, as br_forward() would
 * pick it: known in the FDB, port forwarding in STP terms, frame no longer
 * than the port's MTU allows (Linux drops it otherwise).
 */
static __always_inline int fdb_out(__u32 br, const __u8 *mac, __u32 frame_len,
				   __u64 gen, struct egress *e)
{
	struct tna_fdb_key k = { .bridge = br };
	const struct tna_port *out;
	const struct tna_fdb_val *v;

	__builtin_memcpy(k.mac, mac, ETH_ALEN);
	v = fdb_get(&k, gen);
	if (!v)
		return -TNA_STAT_L2_UNKNOWN;
	if (v->flags & TNA_FDB_LOCAL)
		return TNA_L2_UP;
	if (v->flags & TNA_FDB_MOVED)
		return -TNA_STAT_L2_MOVED;
	out = port_at(v->port_idx, v->port);
	if (!out || out->bridge != br || out->state != TNA_BR_STATE_FORWARDING)
		return -TNA_STAT_PORT_STATE;
	if (frame_len > out->mtu + ETH_HLEN)
		return -TNA_STAT_L2_MTU;
	e->ifindex = v->port;
	e->port_idx = v->port_idx;
	e->flags = out->flags;
	return 0;
}

/*
 * Record the egress. bpf_redirect_map() only records the target; it takes
 * effect only if the entry point returns XDP_REDIRECT, so calling it before
 * the packet is touched costs one lookup instead of a lookup plus a
 * redirect. The devmaps list only devices that can take XDP frames.
 */
static __always_inline int set_egress(const struct egress *e)
{
	long rc = e->port_idx ?
			  bpf_redirect_map(&tx_idx, e->port_idx, XDP_PASS) :
			  bpf_redirect_map(&tx_ports, e->ifindex, XDP_PASS);

	if (rc != XDP_REDIRECT)
		return -TNA_STAT_EGRESS_NO_XDP;
	return 0;
}

/* A frame the fast path carried refreshes its source's FDB entry (fdb_hits). */
static __always_inline void fdb_hit(__u32 hit)
{
	__u64 *h;

	if (!hit--)
		return;
	h = bpf_map_lookup_elem(&fdb_hits, &hit);
	if (h)
		(*h)++;
}

#endif /* TNA_BPF_FDB_H */
