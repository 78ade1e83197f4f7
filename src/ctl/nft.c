// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reads the nf_tables ruleset with libnftnl over libmnl into the firewall
 * model (fw.h): chains, rules, sets and their elements of the ip, ip6 and
 * inet families, all from one generation (the generation id is read before
 * and after; a change in between, or an interrupted dump, reads again).
 * Every expression is translated to what the evaluator runs, or kept as
 * FW_OPAQUE with the reason (a flow reaching it goes to Linux); only what
 * cannot be read at all makes the families reaching it "unsupported".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_physdev.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include "nft.h"
#include "nl.h"
#include "fw_xt.h"

#define NREG_BYTES (20 * 4)

struct nft {
	struct mnl_socket *nl;
	unsigned int seq;
	struct fw_ruleset *rs;
	struct fw_hooks *hooks; /* NULL: not wanted */
	int err;
	char why[FW_REASON_LEN]; /* first compile error of the rule at hand */
};

static int ours(int family)
{
	return family == NFPROTO_IPV4 || family == NFPROTO_IPV6 ||
	       family == NFPROTO_INET || family == NFPROTO_BRIDGE;
}

static void *grow(void *p, int n, size_t size)
{
	/* Arrays grow in powers of two; n is the count before adding one. */
	if (n & (n - 1) || !size)
		return p;
	return realloc(p, (n ? 2 * n : 1) * size);
}

static int find_chain(const struct fw_ruleset *rs, int family,
		      const char *table, const char *name)
{
	for (int i = 0; i < rs->nr_chains; i++)
		if (rs->chains[i].family == family &&
		    !strcmp(rs->chains[i].table, table) &&
		    !strcmp(rs->chains[i].name, name))
			return i;
	return -1;
}

static int find_set(const struct fw_ruleset *rs, int family, const char *table,
		    const char *name)
{
	for (int i = 0; i < rs->nr_sets; i++)
		if (rs->sets[i].family == family &&
		    !strcmp(rs->sets[i].table, table) &&
		    !strcmp(rs->sets[i].name, name))
			return i;
	return -1;
}

/* One request, its answers through cb; -EINTR when a dump was interrupted. */
static int talk(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int intr = 0, ret = nl_request(n->nl, &n->seq, nlh, cb, data, &intr);

	if (intr)
		n->err = -EINTR;
	return ret ?: n->err;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static int get_gen(struct nft *n, uint32_t *id)
{
	char buf[256];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
		buf, NFT_MSG_GETGEN, NFPROTO_UNSPEC, NLM_F_ACK, 0);

	return talk(n, nlh, gen_cb, id);
}

/* --- chains ------------------------------------------------------------ */

static int hook_dev(struct fw_hooks *h, const char *name)
{
	char(*d)[16];

	if (!name)
		return 0;
	d = realloc(h->devs, (h->nr_devs + 1) * sizeof(*h->devs));
	if (!d)
		return -ENOMEM;
	h->devs = d;
	snprintf(h->devs[h->nr_devs++], sizeof(*h->devs), "%s", name);
	return 0;
}

/* A base chain of any family, for struct fw_hooks. */
static int chain_hooks(struct fw_hooks *h, struct nftnl_chain *c)
{
	int family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY), hook, f;
	const char *const *devs;
	int ret = 0;

	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		return 0; /* a regular chain: reached only by jumps */
	hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
	if (family == NFPROTO_NETDEV ||
	    (family == NFPROTO_INET && hook == NF_INET_INGRESS)) {
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV))
			ret = hook_dev(h,
				       nftnl_chain_get_str(c, NFTNL_CHAIN_DEV));
		devs = nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES) ?
			       nftnl_chain_get(c, NFTNL_CHAIN_DEVICES) :
			       NULL;
		for (int i = 0; devs && devs[i] && !ret; i++)
			ret = hook_dev(h, devs[i]);
		return ret;
	}
	if (family != NFPROTO_BRIDGE && hook != NF_INET_PRE_ROUTING &&
	    hook != NF_INET_FORWARD && hook != NF_INET_POST_ROUTING)
		return 0;
	for (f = 0; f < 3; f++) {
		int sees = f == FW_BRIDGE ? family == NFPROTO_BRIDGE :
			   f == FW_IP6	  ? family == NFPROTO_IPV6 ||
						 family == NFPROTO_INET :
					 family == NFPROTO_IPV4 ||
						 family == NFPROTO_INET;

		if (sees && h->nr[f]++ == 0)
			snprintf(h->first[f], sizeof(h->first[f]),
				 "%s %s %s hook %s", fw_family_name(family),
				 nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
				 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
				 nft_hook_name(family, hook));
	}
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft *n = data;
	struct fw_ruleset *rs = n->rs;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct fw_chain *fc;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	if (n->hooks && chain_hooks(n->hooks, c)) {
		nftnl_chain_free(c);
		return MNL_CB_ERROR;
	}
	if (!ours(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY)))
		goto out;
	rs->chains = grow(rs->chains, rs->nr_chains, sizeof(*rs->chains));
	if (!rs->chains) {
		nftnl_chain_free(c);
		return MNL_CB_ERROR;
	}
	fc = &rs->chains[rs->nr_chains++];
	memset(fc, 0, sizeof(*fc));
	fc->family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	snprintf(fc->table, sizeof(fc->table), "%s",
		 nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	snprintf(fc->name, sizeof(fc->name), "%s",
		 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	fc->policy = FW_V_ACCEPT;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		fc->base = 1;
		fc->hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		fc->prio = (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO);
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
			fc->policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
		fc->nat = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) &&
			  !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE),
				  "nat");
	}
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

/* --- sets -------------------------------------------------------------- */

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft *n = data;
	struct fw_ruleset *rs = n->rs;
	struct nftnl_set *s = nftnl_set_alloc();
	struct fw_set *fs;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0 ||
	    !ours(nftnl_set_get_u32(s, NFTNL_SET_FAMILY)))
		goto out;
	rs->sets = grow(rs->sets, rs->nr_sets, sizeof(*rs->sets));
	if (!rs->sets) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	fs = &rs->sets[rs->nr_sets++];
	memset(fs, 0, sizeof(*fs));
	fs->family = nftnl_set_get_u32(s, NFTNL_SET_FAMILY);
	snprintf(fs->table, sizeof(fs->table), "%s",
		 nftnl_set_get_str(s, NFTNL_SET_TABLE));
	snprintf(fs->name, sizeof(fs->name), "%s",
		 nftnl_set_get_str(s, NFTNL_SET_NAME));
	fs->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	fs->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	if (nftnl_set_is_set(s, NFTNL_SET_DATA_LEN))
		fs->data_len = nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN);
	if (nftnl_set_is_set(s, NFTNL_SET_DATA_TYPE))
		fs->data_type = nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE);
	fs->interval = !!(fs->flags & NFT_SET_INTERVAL);
out:
	nftnl_set_free(s);
	return MNL_CB_OK;
}

struct elem_ctx {
	struct nft *n;
	struct fw_set *fs;
	struct fw_elem *ends; /* interval ends (exclusive), sorted later */
	int nr_ends;
};

static void elem_data(struct elem_ctx *x, struct nftnl_set_elem *e,
		      struct fw_elem *el)
{
	const void *d;
	uint32_t len = 0;

	el->verdict = FW_V_CONTINUE;
	el->chain = -1;
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
		el->verdict =
			(int)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) {
			el->chain = find_chain(
				x->n->rs, x->fs->family, x->fs->table,
				nftnl_set_elem_get_str(e,
						       NFTNL_SET_ELEM_CHAIN));
			if (el->chain < 0)
				x->n->err = -ENOENT;
		}
	} else if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
		d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
		memcpy(el->data, d, len < FW_MAX_KEY ? len : FW_MAX_KEY);
	}
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *x = data;
	struct fw_set *fs = x->fs;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	struct fw_elem *el;
	uint32_t len, flags;
	const void *k;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e;
	     e = nftnl_set_elems_iter_next(it)) {
		flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ?
				nftnl_set_elem_get_u32(e,
						       NFTNL_SET_ELEM_FLAGS) :
				0;
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT) ||
		    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
			fs->flags |= NFT_SET_TIMEOUT; /* elements expire */
		k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		if (!k || len > FW_MAX_KEY)
			continue;
		if (fs->interval && (flags & NFT_SET_ELEM_INTERVAL_END)) {
			x->ends = grow(x->ends, x->nr_ends, sizeof(*x->ends));
			if (!x->ends)
				break;
			el = &x->ends[x->nr_ends++];
			memset(el, 0, sizeof(*el));
			memcpy(el->key, k, len);
			continue;
		}
		fs->el = grow(fs->el, fs->n, sizeof(*fs->el));
		if (!fs->el)
			break;
		el = &fs->el[fs->n++];
		memset(el, 0, sizeof(*el));
		memcpy(el->key, k, len);
		memcpy(el->key_end, k, len);
		/* pipapo (concatenated ranges) gives the inclusive end */
		k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
		if (k && len <= FW_MAX_KEY) {
			memcpy(el->key_end, k, len);
			el->closed = 1;
		}
		elem_data(x, e, el);
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(s);
	return (!fs->el && fs->n) || (!x->ends && x->nr_ends) ? MNL_CB_ERROR :
								MNL_CB_OK;
}

static size_t key_cmp_len;

static int key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct fw_elem *)a)->key,
		      ((const struct fw_elem *)b)->key, key_cmp_len);
}

/* rbtree intervals: a start element runs up to the next end element (exclusive). */
static void close_intervals(struct fw_set *fs, struct fw_elem *ends, int n)
{
	key_cmp_len = fs->key_len;
	qsort(ends, n, sizeof(*ends), key_cmp);
	for (int i = 0; i < fs->n; i++) {
		struct fw_elem *el = &fs->el[i];
		int lo = 0, hi = n;

		if (el->closed)
			continue; /* pipapo gave the end */
		while (lo < hi) { /* first end > start */
			int mid = (lo + hi) / 2;

			if (memcmp(ends[mid].key, el->key, fs->key_len) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == n) { /* open: up to the largest key */
			memset(el->key_end, 0xff, fs->key_len);
			continue;
		}
		/* exclusive end - 1, big endian */
		memcpy(el->key_end, ends[lo].key, fs->key_len);
		for (int b = fs->key_len - 1; b >= 0; b--)
			if (el->key_end[b]-- != 0)
				break;
	}
}

static int load_elems(struct nft *n, struct fw_set *fs)
{
	char buf[512];
	struct nftnl_set *s = nftnl_set_alloc();
	struct elem_ctx x = { .n = n, .fs = fs };
	struct nlmsghdr *nlh;
	int ret;

	if (!s)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, fs->family,
				    NLM_F_DUMP, 0);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, fs->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, fs->name);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	ret = talk(n, nlh, elem_cb, &x);
	if (ret == 0 && fs->interval)
		close_intervals(fs, x.ends, x.nr_ends);
	free(x.ends);
	return ret;
}

/* --- rules ------------------------------------------------------------- */

static int reg_off(uint32_t reg, uint32_t len, int *off)
{
	if (reg == NFT_REG_VERDICT)
		*off = 0;
	else if (reg <= NFT_REG_4)
		*off = reg * 16;
	else if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		*off = (reg - NFT_REG32_00) * 4 + 16;
	else
		return -1;
	return *off + len > NREG_BYTES ? -1 : 0;
}

#define FAIL(n, ...)                                                       \
	({                                                                 \
		if (!(n)->why[0])                                          \
			snprintf((n)->why, sizeof((n)->why), __VA_ARGS__); \
		-1;                                                        \
	})

/*
 * An expression the evaluator cannot run is kept as FW_OPAQUE with the
 * reason: only the flows whose evaluation reaches it go to Linux. FAIL is
 * for what cannot be read at all (bad data, unknown chains or sets): the
 * chain is then "bad" and every family reaching it goes to Linux.
 */
__attribute__((format(printf, 2, 3))) static int opaque(struct fw_expr *x,
							const char *fmt, ...)
{
	va_list ap;

	x->op = FW_OPAQUE;
	va_start(ap, fmt);
	vsnprintf((char *)x->data, sizeof(x->data), fmt, ap);
	va_end(ap);
	return 0;
}

static int get_data(const struct nftnl_expr *e, uint16_t attr, uint8_t *dst,
		    uint32_t *len)
{
	uint32_t l = 0;
	const void *d = nftnl_expr_get(e, attr, &l);

	if (!d || l > FW_MAX_KEY)
		return -1;
	memcpy(dst, d, l);
	if (len)
		*len = l;
	return 0;
}

#define SREG(n, e, a, len, x)                                 \
	(reg_off(nftnl_expr_get_u32(e, a), len, &(x)->sreg) ? \
		 FAIL(n, "register out of range") :           \
		 0)
#define DREG(n, e, a, len, x)                                 \
	(reg_off(nftnl_expr_get_u32(e, a), len, &(x)->dreg) ? \
		 FAIL(n, "register out of range") :           \
		 0)

/* What one expression compiles to: 0, or -1 with n->why set. */
typedef int compile_fn(struct nft *n, const struct fw_chain *ch,
		       const struct nftnl_expr *e, struct fw_expr *x);

/* --- xt matches and targets (iptables-nft's compat blobs) -------------- */

static int xt_conntrack(const void *info, uint32_t rev, uint32_t len,
			struct fw_expr *x)
{
	const struct xt_conntrack_mtinfo2 *c = info;
	struct fw_xt_ct *o = (void *)x->xt;

	if ((rev != 2 && rev != 3) || len < sizeof(*c))
		return opaque(x, "xt conntrack rev %u", rev);
	if (c->match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS |
			       XT_CONNTRACK_STATUS))
		return opaque(
			x,
			"xt conntrack beyond --ctstate, --ctstatus (flags %#x)",
			c->match_flags);
	x->op = FW_XT_CONNTRACK;
	o->has_state = !!(c->match_flags & XT_CONNTRACK_STATE);
	o->state_mask = c->state_mask;
	o->invert = !!(c->invert_flags & XT_CONNTRACK_STATE);
	o->has_status = !!(c->match_flags & XT_CONNTRACK_STATUS);
	o->status_mask = c->status_mask;
	o->status_invert = !!(c->invert_flags & XT_CONNTRACK_STATUS);
	return 0;
}

static int xt_multiport(const void *info, uint32_t rev, uint32_t len,
			struct fw_expr *x)
{
	const struct xt_multiport_v1 *m = info;
	struct fw_xt_multiport *o = (void *)x->xt;

	if (rev != 1 || len < sizeof(*m) || m->count > XT_MULTI_PORTS)
		return opaque(x, "xt multiport rev %u", rev);
	x->op = FW_XT_MULTIPORT;
	o->flags = m->flags;
	o->count = m->count;
	o->invert = m->invert;
	memcpy(o->ports, m->ports, sizeof(o->ports));
	memcpy(o->pflags, m->pflags, sizeof(o->pflags));
	return 0;
}

static int xt_tcpudp(const char *name, const void *info, uint32_t len,
		     struct fw_expr *x)
{
	struct fw_xt_tcpudp *o = (void *)x->xt;

	if (!strcmp(name, "tcp")) {
		const struct xt_tcp *t = info;

		if (len < sizeof(*t))
			return opaque(x, "xt tcp of %u bytes", len);
		if (t->option || (t->invflags & XT_TCP_INV_OPTION))
			return opaque(x, "xt tcp --tcp-option");
		memcpy(o->spts, t->spts, sizeof(o->spts));
		memcpy(o->dpts, t->dpts, sizeof(o->dpts));
		o->flg_mask = t->flg_mask;
		o->flg_cmp = t->flg_cmp;
		o->invflags = t->invflags;
		o->tcp = 1;
	} else {
		const struct xt_udp *u = info;

		if (len < sizeof(*u))
			return opaque(x, "xt udp of %u bytes", len);
		memcpy(o->spts, u->spts, sizeof(o->spts));
		memcpy(o->dpts, u->dpts, sizeof(o->dpts));
		o->invflags = u->invflags;
	}
	x->op = FW_XT_TCPUDP;
	return 0;
}

static int c_match(struct nft *n, const struct fw_chain *ch,
		   const struct nftnl_expr *e, struct fw_expr *x)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	uint32_t rev = nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV), len = 0;
	const void *info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);

	(void)ch;
	if (!name || !info)
		return FAIL(n, "xt match without data");
	if (!strcmp(name, "comment")) {
		x->op = FW_XT_TRUE;
		return 0;
	}
	if (!strcmp(name, "conntrack"))
		return xt_conntrack(info, rev, len, x);
	if (!strcmp(name, "state") && len >= sizeof(struct xt_state_info)) {
		struct fw_xt_ct *o = (void *)x->xt;

		x->op = FW_XT_CONNTRACK;
		o->has_state = 1;
		o->state_mask = ((const struct xt_state_info *)info)->statemask;
		return 0;
	}
	if (!strcmp(name, "multiport"))
		return xt_multiport(info, rev, len, x);
	if ((!strcmp(name, "icmp") || !strcmp(name, "icmp6")) && len >= 4) {
		const uint8_t *c = info; /* ipt_icmp, ip6t_icmp */
		struct fw_xt_icmp *o = (void *)x->xt;

		x->op = FW_XT_ICMP;
		o->type = c[0];
		o->code[0] = c[1];
		o->code[1] = c[2];
		o->invert = c[3] & 0x01;
		return 0;
	}
	if (!strcmp(name, "tcp") || !strcmp(name, "udp"))
		return xt_tcpudp(name, info, len, x);
	if (!strcmp(name, "physdev") && len >= sizeof(struct xt_physdev_info)) {
		const struct xt_physdev_info *i = info;
		struct fw_xt_physdev *o = (void *)x->xt;

		x->op = FW_XT_PHYSDEV;
		memcpy(o->in, i->physindev, 16);
		memcpy(o->in_mask, i->in_mask, 16);
		memcpy(o->out, i->physoutdev, 16);
		memcpy(o->out_mask, i->out_mask, 16);
		o->invert = i->invert;
		o->bitmask = i->bitmask;
		return 0;
	}
	if (!strcmp(name, "addrtype") && rev == 1 &&
	    len >= sizeof(struct xt_addrtype_info_v1)) {
		const struct xt_addrtype_info_v1 *i = info;
		struct fw_xt_addrtype *o = (void *)x->xt;

		x->op = FW_XT_ADDRTYPE;
		o->source = i->source;
		o->dest = i->dest;
		o->flags = i->flags;
		return 0;
	}
	return opaque(x, "xt match '%.32s' rev %u", name, rev);
}

static int c_target(struct nft *n, const struct fw_chain *ch,
		    const struct nftnl_expr *e, struct fw_expr *x)
{
	const char *s = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	(void)n, (void)ch;
	if (s && !strcmp(s, "REJECT")) {
		x->op = FW_REJECT;
		return 0;
	}
	if (s && !strcmp(s, "MARK") &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV) == 2) {
		uint32_t len = 0;
		const struct xt_mark_tginfo2 *m =
			nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);

		if (!m || len < sizeof(*m))
			return FAIL(n, "xt MARK without data");
		x->op = FW_MARK_SET; /* mark = (mark & ~mask) ^ value */
		x->sreg = -1;
		memcpy(x->data, &m->mark, 4);
		memcpy(x->mask, &m->mask, 4);
		return 0;
	}
	return opaque(x, "xt target '%.40s'", s ? s : "?");
}

/* --- native expressions ------------------------------------------------ */

static int c_payload(struct nft *n, const struct fw_chain *ch,
		     const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)ch;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_SREG))
		return opaque(x, "payload write (packet mangling)");
	x->op = FW_PAYLOAD;
	x->base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	x->offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	x->len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	if (x->base != NFT_PAYLOAD_LL_HEADER &&
	    x->base != NFT_PAYLOAD_NETWORK_HEADER &&
	    x->base != NFT_PAYLOAD_TRANSPORT_HEADER)
		return opaque(x, "payload base %u (inner header)", x->base);
	return DREG(n, e, NFTNL_EXPR_PAYLOAD_DREG, x->len, x);
}

static const uint32_t meta_keys[] = {
	NFT_META_IIFNAME, NFT_META_OIFNAME, NFT_META_IIF,      NFT_META_OIF,
	NFT_META_L4PROTO, NFT_META_NFPROTO, NFT_META_PROTOCOL, NFT_META_PKTTYPE,
	NFT_META_MARK,	  NFT_META_IIFTYPE, NFT_META_OIFTYPE,
};

static int c_meta(struct nft *n, const struct fw_chain *ch,
		  const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)ch;
	x->key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
		if (x->key != NFT_META_MARK)
			return opaque(x, "meta set key %u (priority ...)",
				      x->key);
		x->op = FW_MARK_SET; /* the whole mark from a register */
		return SREG(n, e, NFTNL_EXPR_META_SREG, 4, x);
	}
	x->op = FW_META;
	for (size_t i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++)
		if (meta_keys[i] == x->key)
			return DREG(n, e, NFTNL_EXPR_META_DREG, 16, x);
	return opaque(x, "meta key %u", x->key);
}

static int c_cmp(struct nft *n, const struct fw_chain *ch,
		 const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)ch;
	x->op = FW_CMP;
	x->cmp_op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	if (get_data(e, NFTNL_EXPR_CMP_DATA, x->data, &x->len))
		return FAIL(n, "cmp data");
	return SREG(n, e, NFTNL_EXPR_CMP_SREG, x->len, x);
}

static int c_bitwise(struct nft *n, const struct fw_chain *ch,
		     const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)ch;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL)
		return opaque(x, "bitwise shift");
	x->op = FW_BITWISE;
	x->len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN);
	if (get_data(e, NFTNL_EXPR_BITWISE_MASK, x->mask, NULL) ||
	    get_data(e, NFTNL_EXPR_BITWISE_XOR, x->data2, NULL) ||
	    x->len > FW_MAX_KEY)
		return FAIL(n, "bitwise data");
	return SREG(n, e, NFTNL_EXPR_BITWISE_SREG, x->len, x) ?:
		       DREG(n, e, NFTNL_EXPR_BITWISE_DREG, x->len, x);
}

static int c_range(struct nft *n, const struct fw_chain *ch,
		   const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)ch;
	x->op = FW_RANGE;
	x->cmp_op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP);
	if (get_data(e, NFTNL_EXPR_RANGE_FROM_DATA, x->data, &x->len) ||
	    get_data(e, NFTNL_EXPR_RANGE_TO_DATA, x->data2, NULL))
		return FAIL(n, "range data");
	return SREG(n, e, NFTNL_EXPR_RANGE_SREG, x->len, x);
}

static int c_lookup(struct nft *n, const struct fw_chain *ch,
		    const struct nftnl_expr *e, struct fw_expr *x)
{
	const char *s = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	const struct fw_set *fs;

	x->op = FW_LOOKUP;
	x->set = s ? find_set(n->rs, ch->family, ch->table, s) : -1;
	if (x->set < 0)
		return FAIL(n, "lookup in unknown set");
	fs = &n->rs->sets[x->set];
	if (fs->flags & (NFT_SET_TIMEOUT | NFT_SET_EVAL | NFT_SET_OBJECT))
		return opaque(x,
			      "set @%.24s changes by itself or holds objects",
			      fs->name);
	if (fs->key_len > FW_MAX_KEY || fs->data_len > FW_MAX_KEY)
		return opaque(x, "set @%.32s key of %u bytes", fs->name,
			      fs->key_len);
	x->invert = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
		    (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) &
		     NFT_LOOKUP_F_INV);
	x->dreg = -1;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) &&
	    DREG(n, e, NFTNL_EXPR_LOOKUP_DREG, fs->data_len, x))
		return -1;
	return SREG(n, e, NFTNL_EXPR_LOOKUP_SREG, fs->key_len, x);
}

static int c_immediate(struct nft *n, const struct fw_chain *ch,
		       const struct nftnl_expr *e, struct fw_expr *x)
{
	const char *s;

	x->op = FW_IMM;
	if (DREG(n, e, NFTNL_EXPR_IMM_DREG, 0, x))
		return -1;
	if (x->dreg != 0) {
		if (get_data(e, NFTNL_EXPR_IMM_DATA, x->data, &x->len))
			return FAIL(n, "immediate data");
		return DREG(n, e, NFTNL_EXPR_IMM_DREG, x->len, x);
	}
	x->verdict = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	if (x->verdict == FW_V_JUMP || x->verdict == FW_V_GOTO) {
		s = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		x->chain = s ? find_chain(n->rs, ch->family, ch->table, s) : -1;
		if (x->chain < 0)
			return FAIL(n, "jump to unknown chain");
	} else if (x->verdict != FW_V_ACCEPT && x->verdict != FW_V_DROP &&
		   x->verdict != FW_V_CONTINUE && x->verdict != FW_V_RETURN) {
		return opaque(x, "verdict %d (queue)", x->verdict);
	}
	return 0;
}

static int c_counter(struct nft *n, const struct fw_chain *ch,
		     const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)n, (void)ch, (void)e;
	x->op = FW_COUNTER;
	return 0;
}

static int c_reject(struct nft *n, const struct fw_chain *ch,
		    const struct nftnl_expr *e, struct fw_expr *x)
{
	(void)n, (void)ch, (void)e;
	x->op = FW_REJECT;
	return 0;
}

static int c_ct(struct nft *n, const struct fw_chain *ch,
		const struct nftnl_expr *e, struct fw_expr *x)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_SREG))
		return opaque(x, "ct set (mark, helper, zone ...)");
	if (ch->family == NFPROTO_BRIDGE)
		return opaque(x, "ct in the bridge family");
	x->key = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY);
	if ((x->key != NFT_CT_STATE && x->key != NFT_CT_STATUS) ||
	    nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR))
		return opaque(x, "ct key %u (ct state and status are modelled)",
			      x->key);
	x->op = FW_CT;
	return DREG(n, e, NFTNL_EXPR_CT_DREG, 4, x);
}

/* fib saddr/daddr [. iif/oif] type: the address type, IPv4 (fw.c) */
static int c_fib(struct nft *n, const struct fw_chain *ch,
		 const struct nftnl_expr *e, struct fw_expr *x)
{
	uint32_t res = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT);

	(void)ch;
	x->key = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS);
	if (res != NFT_FIB_RESULT_ADDRTYPE)
		return opaque(x, "fib result %u (only type is modelled)", res);
	if (x->key & ~(NFTA_FIB_F_SADDR | NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF |
		       NFTA_FIB_F_OIF))
		return opaque(x, "fib flags %#x", x->key);
	x->op = FW_FIB;
	return DREG(n, e, NFTNL_EXPR_FIB_DREG, 4, x);
}

static const struct {
	const char *name;
	compile_fn *fn;
} compilers[] = {
	{ "payload", c_payload },
	{ "meta", c_meta },
	{ "cmp", c_cmp },
	{ "bitwise", c_bitwise },
	{ "range", c_range },
	{ "lookup", c_lookup },
	{ "immediate", c_immediate },
	{ "counter", c_counter },
	{ "ct", c_ct },
	{ "fib", c_fib },
	{ "reject", c_reject },
	{ "match", c_match },
	{ "target", c_target },
};

/* One expression: 0 (possibly FW_OPAQUE), or -1 with n->why set. */
static int compile(struct nft *n, const struct fw_chain *ch,
		   const struct nftnl_expr *e, struct fw_expr *x)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	memset(x, 0, sizeof(*x));
	x->chain = x->set = -1;
	for (size_t i = 0; i < sizeof(compilers) / sizeof(compilers[0]); i++)
		if (!strcmp(name, compilers[i].name))
			return compilers[i].fn(n, ch, e, x);
	return opaque(x, "expression '%.40s'", name);
}

struct rule_ctx {
	struct nft *n;
	struct fw_chain *ch;
	struct fw_rule *r;
	int err;
};

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_ctx *x = data;
	struct fw_rule *r = x->r;

	r->e = grow(r->e, r->n, sizeof(*r->e));
	if (!r->e)
		return -1;
	if (compile(x->n, x->ch, e, &r->e[r->n]) < 0) {
		x->err = 1;
		return -1;
	}
	if (r->e[r->n].op == FW_COUNTER) {
		r->counter = 1;
		r->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		r->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	r->n++;
	return 0;
}

/*
 * Expressions that make Linux track connections in the netns for the
 * table's family (nf_ct_netns_get() when the rule is added), wherever the
 * rule is: conntrack then sees every packet, and any packet the fast path
 * carries instead is one it does not see.
 */
static int tracks(const struct nftnl_expr *e)
{
	static const char *const exprs[] = { "ct",	     "nat",
					     "masq",	     "redir",
					     "flow_offload", "connlimit",
					     "objref" };
	static const char *const xt[] = {
		"conntrack", "state", "connmark", "helper",   "connbytes",
		"connlimit", "CT",    "NOTRACK",  "CONNMARK", "MASQUERADE",
		"SNAT",	     "DNAT",  "REDIRECT", "NETMAP"
	};
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *x = NULL;

	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
		if (!strcmp(name, exprs[i]))
			return 1;
	if (!strcmp(name, "match"))
		x = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
	else if (!strcmp(name, "target"))
		x = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
	for (size_t i = 0; x && i < sizeof(xt) / sizeof(xt[0]); i++)
		if (!strcmp(x, xt[i]))
			return 1;
	return 0;
}

static int tracks_cb(struct nftnl_expr *e, void *data)
{
	int *found = data;

	*found |= tracks(e);
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft *n = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct rule_ctx x = { .n = n };
	struct fw_chain *ch;
	int c;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	c = find_chain(n->rs, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
		       nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		       nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	if (c < 0)
		goto out; /* another family, or the chain is newer than our dump */
	ch = &n->rs->chains[c];
	ch->r = grow(ch->r, ch->n, sizeof(*ch->r));
	if (!ch->r) {
		nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	x.ch = ch;
	x.r = &ch->r[ch->n++];
	memset(x.r, 0, sizeof(*x.r));
	x.r->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	n->why[0] = 0;
	{
		int found = 0;

		nftnl_expr_foreach(r, tracks_cb, &found);
		if (found && ch->family != NFPROTO_IPV6 &&
		    ch->family != NFPROTO_BRIDGE)
			n->rs->tracked[FW_IP4] = 1;
		if (found && ch->family != NFPROTO_IPV4 &&
		    ch->family != NFPROTO_BRIDGE)
			n->rs->tracked[FW_IP6] = 1;
	}
	nftnl_expr_foreach(r, expr_cb, &x);
	if (x.err && !ch->bad[0])
		snprintf(ch->bad, sizeof(ch->bad),
			 "%s %.40s %.40s handle %llu: %.80s",
			 fw_family_name(ch->family), ch->table, ch->name,
			 (unsigned long long)x.r->handle, n->why);
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* --- the whole ruleset ------------------------------------------------- */

static int dump(struct nft *n, uint16_t type, mnl_cb_t cb)
{
	char buf[256];
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, 0);

	return talk(n, nlh, cb, n);
}

const char *nft_hook_name(int family, int hook)
{
	static const char *const inet[] = { "prerouting",  "input",
					    "forward",	   "output",
					    "postrouting", "ingress" };

	if (family == NFPROTO_NETDEV)
		return hook == NF_NETDEV_INGRESS ? "ingress" : "egress";
	return hook >= 0 && hook < 6 ? inet[hook] : "?";
}

/* Chains reachable from c by jumps, gotos and verdict maps: why one is bad. */
static const char *reach_bad(const struct fw_ruleset *rs, int c, char *seen)
{
	const struct fw_chain *ch = &rs->chains[c];
	const char *bad;

	if (seen[c])
		return NULL;
	seen[c] = 1;
	if (ch->bad[0])
		return ch->bad;
	for (int i = 0; i < ch->n; i++)
		for (int j = 0; j < ch->r[i].n; j++) {
			const struct fw_expr *e = &ch->r[i].e[j];

			if (e->op == FW_IMM && e->chain >= 0 &&
			    (bad = reach_bad(rs, e->chain, seen)))
				return bad;
			if (e->op != FW_LOOKUP || e->dreg != 0)
				continue;
			for (int k = 0; k < rs->sets[e->set].n; k++) {
				int t = rs->sets[e->set].el[k].chain;

				if (t >= 0 && (bad = reach_bad(rs, t, seen)))
					return bad;
			}
		}
	return NULL;
}

/* Whether base chain ch can see packets of family f (FW_IP4 ...). */
static int sees(const struct fw_chain *ch, int f)
{
	switch (ch->family) {
	case NFPROTO_INET:
		return f != FW_BRIDGE;
	case NFPROTO_IPV4:
		return f == FW_IP4;
	case NFPROTO_IPV6:
		return f == FW_IP6;
	default:
		return f == FW_BRIDGE;
	}
}

/*
 * Which families the forwarding path can be modelled for, and why not. For
 * ip/ip6/inet, the prerouting, forward and postrouting chains are on the
 * path and modelled; a nat-type chain only sees a connection's first
 * packet (Linux's), so what it holds does not matter; input and output are
 * not on the path. Every bridge-family hook but forward is on some path the
 * fast path takes (prerouting and input for frames routed from a port,
 * output and postrouting for frames routed to one): only the forward hook
 * is modelled.
 */
static void classify(struct fw_ruleset *rs)
{
	char *seen = calloc(rs->nr_chains + 1, 1);
	const char *bad;

	for (int i = 0; i < rs->nr_chains; i++) {
		const struct fw_chain *ch = &rs->chains[i];

		if (!ch->base)
			continue;
		for (int f = 0; f < 3; f++) {
			char *why = rs->unsupported[f];

			if (!sees(ch, f))
				continue;
			if (f != FW_BRIDGE && ch->hook != NF_INET_PRE_ROUTING &&
			    ch->hook != NF_INET_FORWARD &&
			    ch->hook != NF_INET_POST_ROUTING)
				continue; /* input, output: not on the path */
			rs->nr_fwd[f]++;
			if (f == FW_BRIDGE && ch->hook != NF_INET_FORWARD) {
				if (!why[0])
					snprintf(
						why, FW_REASON_LEN,
						"%s %.60s %.60s hook %s: only the forward hook is modelled",
						fw_family_name(ch->family),
						ch->table, ch->name,
						nft_hook_name(ch->family,
							      ch->hook));
				continue;
			}
			if (ch->nat && f != FW_BRIDGE) {
				if (f == FW_IP4)
					rs->nat4++;
				continue;
			}
			if (!seen) {
				snprintf(why, FW_REASON_LEN, "out of memory");
				continue;
			}
			memset(seen, 0, rs->nr_chains);
			bad = reach_bad(rs, i, seen);
			if (bad && !why[0])
				snprintf(why, FW_REASON_LEN, "%s", bad);
		}
	}
	free(seen);
}

const char *fw_family_name(int family)
{
	switch (family) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_BRIDGE:
		return "bridge";
	default:
		return "?";
	}
}

void fw_free(struct fw_ruleset *rs)
{
	for (int i = 0; i < rs->nr_chains; i++) {
		for (int j = 0; j < rs->chains[i].n; j++)
			free(rs->chains[i].r[j].e);
		free(rs->chains[i].r);
	}
	for (int i = 0; i < rs->nr_sets; i++)
		free(rs->sets[i].el);
	free(rs->chains);
	free(rs->sets);
	memset(rs, 0, sizeof(*rs));
}

static int load_once(struct nft *n)
{
	uint32_t g0 = 0, g1 = 0;
	int ret;

	ret = get_gen(n, &g0);
	if (n->hooks) {
		fw_hooks_free(n->hooks);
		memset(n->hooks, 0, sizeof(*n->hooks));
	}
	if (!ret)
		ret = dump(n, NFT_MSG_GETCHAIN, chain_cb);
	if (!ret && n->hooks)
		n->hooks->read = 1;
	if (!ret)
		ret = dump(n, NFT_MSG_GETSET, set_cb);
	for (int i = 0; !ret && i < n->rs->nr_sets; i++)
		ret = load_elems(n, &n->rs->sets[i]);
	if (!ret)
		ret = dump(n, NFT_MSG_GETRULE, rule_cb);
	if (!ret)
		ret = get_gen(n, &g1);
	if (!ret && g0 != g1)
		ret = -EINTR;
	n->rs->genid = g1;
	return ret;
}

void fw_hooks_free(struct fw_hooks *h)
{
	free(h->devs);
	h->devs = NULL;
	h->nr_devs = 0;
}

int fw_load(struct fw_ruleset *rs, struct fw_hooks *hooks)
{
	struct nft n = { .rs = rs, .hooks = hooks };
	int ret = -EINTR;

	memset(rs, 0, sizeof(*rs));
	n.nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!n.nl)
		return -errno;
	if (mnl_socket_bind(n.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	n.seq = time(NULL);
	for (int tries = 0; ret == -EINTR && tries < 10; tries++) {
		fw_free(rs);
		n.err = 0;
		ret = load_once(&n);
	}
	if (!ret)
		classify(rs);
out:
	mnl_socket_close(n.nl);
	if (ret)
		fw_free(rs);
	return ret;
}
