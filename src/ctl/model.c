// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Containers of the mirrored model: links, routes, neighbours, FDB, rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include "model.h"
#include "nft.h"

#define GROW(arr, nr, cap)                                                \
	do {                                                              \
		if ((nr) == (cap)) {                                      \
			int __c = (cap) ? (cap)*2 : 16;                   \
			void *__p = realloc((arr), __c * sizeof(*(arr))); \
			if (!__p)                                         \
				abort();                                  \
			(arr) = __p;                                      \
			(cap) = __c;                                      \
		}                                                         \
	} while (0)

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->fwd6_all = CONF_UNKNOWN;
	m->rpf4_all = CONF_UNKNOWN;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->links);
	free(m->routes);
	free(m->neighs);
	free(m->rules);
	free(m->fdb);
	free(m->fdb_slots);
	fw_free(&m->fw);
	model_init(m);
}

void model_touch(struct model *m)
{
	m->dirty = 1;
	m->generation++;
}

struct link *model_link(struct model *m, int ifindex)
{
	for (int i = 0; i < m->nr_links; i++)
		if (m->links[i].ifindex == ifindex)
			return &m->links[i];
	return NULL;
}

const struct link *model_link_c(const struct model *m, int ifindex)
{
	return model_link((struct model *)m, ifindex);
}

struct link *model_link_add(struct model *m, int ifindex)
{
	struct link *l = model_link(m, ifindex);

	if (l)
		return l;
	GROW(m->links, m->nr_links, m->cap_links);
	l = &m->links[m->nr_links++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	l->fwd4 = l->fwd6 = l->rpf4 = CONF_UNKNOWN;
	return l;
}

void model_link_del(struct model *m, int ifindex)
{
	struct link *l = model_link(m, ifindex);

	if (!l)
		return;
	*l = m->links[--m->nr_links];
}

static int route_same(const struct route *a, const struct route *b)
{
	return a->family == b->family && a->table == b->table &&
	       a->dst_len == b->dst_len && a->tos == b->tos &&
	       a->priority == b->priority && !memcmp(a->dst, b->dst, 16);
}

void model_route_set(struct model *m, const struct route *r, int del)
{
	for (int i = 0; i < m->nr_routes; i++) {
		if (!route_same(&m->routes[i], r))
			continue;
		if (del)
			m->routes[i] = m->routes[--m->nr_routes];
		else
			m->routes[i] = *r;
		return;
	}
	if (del)
		return;
	GROW(m->routes, m->nr_routes, m->cap_routes);
	m->routes[m->nr_routes++] = *r;
}

void model_neigh_set(struct model *m, const struct neigh *n, int del)
{
	for (int i = 0; i < m->nr_neighs; i++) {
		struct neigh *o = &m->neighs[i];

		if (o->family != n->family || o->ifindex != n->ifindex ||
		    memcmp(o->dst, n->dst, 16))
			continue;
		if (del)
			*o = m->neighs[--m->nr_neighs];
		else
			*o = *n;
		return;
	}
	if (del)
		return;
	GROW(m->neighs, m->nr_neighs, m->cap_neighs);
	m->neighs[m->nr_neighs++] = *n;
}

/*
 * The FDB can hold tens of thousands of stations and changes in bursts:
 * entries live in an array, found through an open-addressing index keyed
 * by (bridge, MAC) with linear probing and backward-shift deletion.
 */
static unsigned int fdb_hash(int bridge, const unsigned char *mac)
{
	uint32_t h = 2166136261u ^ (uint32_t)bridge;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h;
}

static int fdb_hslot(const struct model *m, int bridge,
		     const unsigned char *mac)
{
	unsigned int mask = m->nr_fdb_slots - 1;

	for (unsigned int s = fdb_hash(bridge, mac) & mask;;
	     s = (s + 1) & mask) {
		int i = m->fdb_slots[s] - 1;

		if (i < 0 || (m->fdb[i].bridge == bridge &&
			      !memcmp(m->fdb[i].mac, mac, 6)))
			return s;
	}
}

static void fdb_reindex(struct model *m, int nr_slots)
{
	free(m->fdb_slots);
	m->fdb_slots = calloc(nr_slots, sizeof(*m->fdb_slots));
	if (!m->fdb_slots)
		abort();
	m->nr_fdb_slots = nr_slots;
	for (int i = 0; i < m->nr_fdb; i++)
		m->fdb_slots[fdb_hslot(m, m->fdb[i].bridge, m->fdb[i].mac)] =
			i + 1;
}

static void fdb_unslot(struct model *m, unsigned int s)
{
	unsigned int mask = m->nr_fdb_slots - 1, j = s;

	for (;;) {
		unsigned int home;

		j = (j + 1) & mask;
		if (!m->fdb_slots[j])
			break;
		home = fdb_hash(m->fdb[m->fdb_slots[j] - 1].bridge,
				m->fdb[m->fdb_slots[j] - 1].mac) &
		       mask;
		/* move j back into the hole unless its home lies in (s, j] */
		if (s <= j ? (home <= s || home > j) :
			     (home <= s && home > j)) {
			m->fdb_slots[s] = m->fdb_slots[j];
			s = j;
		}
	}
	m->fdb_slots[s] = 0;
}

void model_fdb_set(struct model *m, const struct fdb *f, int del)
{
	int s, i;

	if (m->nr_fdb_slots < 2 * (m->nr_fdb + 1))
		fdb_reindex(m, m->nr_fdb_slots ? 2 * m->nr_fdb_slots : 64);
	s = fdb_hslot(m, f->bridge, f->mac);
	i = m->fdb_slots[s] - 1;
	if (i >= 0) {
		/* A move arrives as a new entry; a delete names the old port. */
		if (!del) {
			m->fdb[i] = *f;
		} else if (m->fdb[i].port == f->port) {
			fdb_unslot(m, s);
			if (i != --m->nr_fdb) {
				m->fdb[i] = m->fdb[m->nr_fdb];
				m->fdb_slots[fdb_hslot(m, m->fdb[i].bridge,
						       m->fdb[i].mac)] = i + 1;
			}
		}
		return;
	}
	if (del)
		return;
	GROW(m->fdb, m->nr_fdb, m->cap_fdb);
	m->fdb[m->nr_fdb] = *f;
	m->fdb_slots[s] = ++m->nr_fdb;
}

void model_rule_add(struct model *m, const struct rule *r)
{
	GROW(m->rules, m->nr_rules, m->cap_rules);
	m->rules[m->nr_rules++] = *r;
}

void model_rules_clear(struct model *m, int family)
{
	int j = 0;

	for (int i = 0; i < m->nr_rules; i++)
		if (m->rules[i].family != family)
			m->rules[j++] = m->rules[i];
	m->nr_rules = j;
}

int model_brnf(const struct model *m, const struct link *br, int v6)
{
	return v6 ? m->brnf6 || br->br_nf_call6 : m->brnf4 || br->br_nf_call4;
}

int model_addrtype4(const struct model *m, const uint8_t *addr, int dev)
{
	const struct route *best = NULL;
	uint32_t a;

	memcpy(&a, addr, 4);
	a = ntohl(a);
	if ((a >> 24) == 0 || a == 0xffffffffU) /* zeronet, limited bcast */
		return RTN_BROADCAST;
	if ((a >> 28) == 0xe)
		return RTN_MULTICAST;
	for (int i = 0; i < m->nr_links; i++)
		if (!strcmp(m->links[i].kind, "vrf"))
			return -1; /* l3mdev tables */
	for (int i = 0; i < m->nr_routes; i++) {
		const struct route *r = &m->routes[i];
		uint32_t d, mask;

		if (r->family != AF_INET || r->table != RT_TABLE_LOCAL)
			continue;
		memcpy(&d, r->dst, 4);
		mask = r->dst_len ? ~0U << (32 - r->dst_len) : 0;
		if ((ntohl(d) & mask) != (a & mask))
			continue;
		if (r->tos || r->multipath || r->nhid)
			return -1; /* not looked up as the FIB would */
		if (best && best->dst_len == r->dst_len &&
		    (best->type != r->type || best->oif != r->oif))
			return -1; /* two at one prefix: the FIB's order */
		if (!best || r->dst_len > best->dst_len)
			best = r;
	}
	if (!best)
		return RTN_UNICAST;
	return dev && best->oif != dev ? RTN_UNICAST : best->type;
}
