// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Containers of the mirrored model: links, routes, neighbours, FDB, rules. */
#include <stdlib.h>
#include <string.h>
#include "model.h"

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

void model_fdb_set(struct model *m, const struct fdb *f, int del)
{
	for (int i = 0; i < m->nr_fdb; i++) {
		struct fdb *o = &m->fdb[i];

		if (o->bridge != f->bridge || memcmp(o->mac, f->mac, 6))
			continue;
		/* A move arrives as a new entry; a delete names the old port. */
		if (del && o->port == f->port)
			*o = m->fdb[--m->nr_fdb];
		else if (!del)
			*o = *f;
		return;
	}
	if (del)
		return;
	GROW(m->fdb, m->nr_fdb, m->cap_fdb);
	m->fdb[m->nr_fdb++] = *f;
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
