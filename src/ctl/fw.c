// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The forwarding path's verdict for one flow, computed as nft_do_chain()
 * does: a register file, expressions in rule order, NFT_BREAK ends a rule,
 * jumps push a return point, a base chain ends in its policy, every base
 * chain of every hook on the path (prerouting, forward, postrouting; ip or
 * ip6, and inet) must accept. Loads are served from an image of the headers
 * holding exactly the bytes the fast path's flow key carries; reading any
 * other byte, or reaching an expression that is not modelled, ends the
 * evaluation with FW_UNKNOWN, so the flow is left to Linux.
 */
#include <string.h>
#include <stdio.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include "fw.h"
#include "fw_xt.h"
#include "tna/abi.h"

#define NREG_BYTES (20 * 4)
#define LL_LEN 14
#define NET_LEN 40
#define TP_LEN 20

/* Conntrack state bits (NF_CT_STATE_BIT): what a carried packet has. */
#define CT_STATE_ESTABLISHED (1U << 1)
/* Conntrack status bits (enum ip_conntrack_status) */
#define IPS_EXPECTED (1U << 0)
#define IPS_SEEN_REPLY (1U << 1)
#define IPS_ASSURED (1U << 2)
#define IPS_CONFIRMED (1U << 3)
#define IPS_SRC_NAT (1U << 4)
#define IPS_DST_NAT (1U << 5)
#define IPS_SEQ_ADJUST (1U << 6)
#define IPS_DYING (1U << 9)
#define IPS_TEMPLATE (1U << 11)
#define IPS_HELPER (1U << 13)
#define IPS_OFFLOAD (1U << 14)
/* Chains at or before this priority on prerouting run before conntrack. */
#define PRI_CONNTRACK (-200)
/* The nat hooks' priorities (NF_IP_PRI_NAT_DST, NF_IP_PRI_NAT_SRC). */
#define PRI_NAT_DST (-100)
#define PRI_NAT_SRC 100

struct vm {
	const struct fw_ruleset *rs;
	const struct fw_pkt *pkt;
	struct fw_trace *t;
	uint8_t reg[NREG_BYTES];
	uint8_t unk[NREG_BYTES]; /* register bits the flow key does not fix */
	int verdict, chain;
	uint8_t ll[LL_LEN], ll_known[LL_LEN];
	uint8_t net[NET_LEN], net_known[NET_LEN];
	uint8_t tp[TP_LEN], tp_known[TP_LEN];
	/* per header byte and register byte: its key byte (offset + 1, 0:
	 * none); per register byte, which bits of that key byte it holds */
	uint16_t ll_org[LL_LEN], net_org[NET_LEN], tp_org[TP_LEN];
	uint16_t rorg[NREG_BYTES];
	uint8_t rbits[NREG_BYTES];
	uint32_t mark; /* the packet's: 0 on arrival, set by rules modelled */
	int hook; /* NF_INET_PRE_ROUTING ... of the chain running */
	int before_ct; /* it runs before conntrack has seen the packet */
	int unknown;
};

static void unknown(struct vm *vm, const char *fmt, unsigned int a,
		    unsigned int b)
{
	if (!vm->unknown)
		snprintf(vm->t->why, sizeof(vm->t->why), fmt, a, b);
	vm->unknown = 1;
}

/* n header bytes from key offset org (+ 1; 0: none) on. */
static void org_set(uint16_t *dst, uint16_t org, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = org ? org + i : 0;
}

/* The header image: only what struct tna_fw_key carries is "known". */
static void image(struct vm *vm)
{
	const struct fw_pkt *p = vm->pkt;
	int i, a = p->v6 ? 16 : 4, sa = p->v6 ? 8 : 12;

	memset(vm->ll_known, 0, sizeof(vm->ll_known));
	memset(vm->net_known, 0, sizeof(vm->net_known));
	memset(vm->tp_known, 0, sizeof(vm->tp_known));
	memset(vm->ll_org, 0, sizeof(vm->ll_org));
	memset(vm->net_org, 0, sizeof(vm->net_org));
	memset(vm->tp_org, 0, sizeof(vm->tp_org));
	if (p->ll) {
		memcpy(vm->ll, p->ll_hdr, LL_LEN);
		memset(vm->ll_known, 1, LL_LEN);
		org_set(vm->ll_org, p->org.dmac, 6);
		org_set(vm->ll_org + 6, p->org.smac, 6);
	}
	if (!p->v6) {
		vm->net[0] = 0x45; /* the fast path carries no IPv4 options */
		vm->net[9] = p->proto;
		vm->net_known[0] = vm->net_known[9] = 1;
	} else {
		vm->net[6] = p->proto; /* no extension headers */
		vm->net_known[6] = 1;
	}
	memcpy(vm->net + sa, p->saddr, a);
	memcpy(vm->net + sa + a, p->daddr, a);
	for (i = sa; i < sa + 2 * a; i++)
		vm->net_known[i] = 1;
	org_set(vm->net_org + sa, p->org.saddr, a);
	org_set(vm->net_org + sa + a, p->org.daddr, a);
	vm->tp[0] = p->sport >> 8;
	vm->tp[1] = p->sport & 0xff;
	vm->tp[2] = p->dport >> 8;
	vm->tp[3] = p->dport & 0xff;
	for (i = 0; i < 4; i++)
		vm->tp_known[i] = 1;
	org_set(vm->tp_org, p->org.sport, 2);
	org_set(vm->tp_org + 2, p->org.dport, 2);
	if (p->proto == IPPROTO_TCP) {
		vm->tp[13] = p->tcp_flags;
		vm->tp_known[13] = 1;
		org_set(vm->tp_org + 13, p->org.tcp_flags, 1);
	}
}

/* The result depends on bits of the key byte at org (+ 1). */
static void note(struct vm *vm, uint16_t org, uint8_t bits)
{
	if (org && bits)
		vm->t->read[org - 1] |= bits;
}

/*
 * A comparison of register bytes [off, off+len) with d: it depends on the
 * bits up to the first that differs (all of them if none does), whatever
 * it compares for (memcmp's order is the bits' from the first).
 */
static void note_cmp(struct vm *vm, int off, const uint8_t *d, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t x = vm->reg[off + i] ^ d[i], bits = 0xff;

		if (x) /* up to and including its highest differing bit */
			bits = (uint8_t)(0xff << (31 - __builtin_clz(x)));
		note(vm, vm->rorg[off + i], bits & vm->rbits[off + i]);
		if (x)
			return;
	}
}

/* Every bit of register bytes [off, off+len) counts. */
static void note_all(struct vm *vm, int off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		note(vm, vm->rorg[off + i], vm->rbits[off + i]);
}

/*
 * Header bytes [off, off+len) of the network or transport header, or -1;
 * org: where the image holds their key bytes' offsets.
 */
static int load_org(struct vm *vm, uint32_t base, uint32_t off, uint32_t len,
		    uint8_t *dst, const uint16_t **org)
{
	const uint8_t *img, *known;
	uint32_t max;

	if (base == NFT_PAYLOAD_NETWORK_HEADER) {
		img = vm->net, known = vm->net_known, max = NET_LEN;
		*org = vm->net_org + off;
	} else if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
		img = vm->tp, known = vm->tp_known, max = TP_LEN;
		*org = vm->tp_org + off;
	} else if (base == NFT_PAYLOAD_LL_HEADER) {
		img = vm->ll, known = vm->ll_known, max = LL_LEN;
		*org = vm->ll_org + off;
	} else {
		unknown(vm, "header base %u byte %u", base, off);
		return -1;
	}
	if (off + len > max)
		goto out;
	for (uint32_t i = 0; i < len; i++)
		if (!known[off + i])
			goto out;
	memcpy(dst, img + off, len);
	return 0;
out:
	unknown(vm,
		base == NFT_PAYLOAD_NETWORK_HEADER ?
			"network header byte %u (len %u) not in the flow key" :
		base == NFT_PAYLOAD_LL_HEADER ?
			"link-layer header byte %u (len %u) not in the flow key" :
			"transport header byte %u (len %u) not in the flow key",
		off, len);
	return -1;
}

/* load_org() for a match that reads every bit of what it loads. */
static int load(struct vm *vm, uint32_t base, uint32_t off, uint32_t len,
		uint8_t *dst)
{
	const uint16_t *org;

	if (load_org(vm, base, off, len, dst, &org))
		return -1;
	for (uint32_t i = 0; i < len; i++)
		note(vm, org[i], 0xff);
	return 0;
}

static void store(uint8_t *dst, const void *src, size_t len)
{
	memset(dst, 0, 4); /* nft_reg_store8/16 clear the whole word */
	memcpy(dst, src, len);
}

static void put_name(uint8_t *d, const char *s)
{
	char name[16];

	memset(name, 0, sizeof(name));
	strncpy(name, s, sizeof(name) - 1);
	memcpy(d, name, sizeof(name));
}

/*
 * The hook's input (out 0) or output device: 1 (the flow's iif or oif), 0
 * none, -1 not known. Prerouting runs before the route: no output device.
 * Postrouting sees the input device of a routed packet on some kernels
 * and not on others (ip_output()); br_netfilter passes none.
 */
static int hook_dev(const struct vm *vm, int out)
{
	if (out)
		return vm->hook != NF_INET_PRE_ROUTING;
	if (vm->hook != NF_INET_POST_ROUTING)
		return 1;
	return vm->pkt->brnf ? 0 : -1;
}

static void meta(struct vm *vm, const struct fw_expr *e)
{
	const struct fw_pkt *p = vm->pkt;
	uint8_t *d = vm->reg + e->dreg;
	uint32_t zero = 0;
	uint8_t b;
	uint16_t w;
	int out = e->key == NFT_META_OIFNAME || e->key == NFT_META_OIF ||
		  e->key == NFT_META_OIFTYPE;
	int dev = hook_dev(vm, out);

	if (dev < 0 && (e->key == NFT_META_IIFNAME || e->key == NFT_META_IIF ||
			e->key == NFT_META_IIFTYPE)) {
		unknown(vm, "meta key %u on postrouting", e->key, 0);
		return;
	}
	switch (e->key) {
	case NFT_META_IIFNAME:
		put_name(d, dev ? p->iifname : "");
		return;
	case NFT_META_OIFNAME:
		put_name(d, dev ? p->oifname : "");
		return;
	case NFT_META_IIF:
		memcpy(d, dev ? &p->iif : &zero, 4);
		return;
	case NFT_META_OIF:
		memcpy(d, dev ? &p->oif : &zero, 4);
		return;
	case NFT_META_IIFTYPE:
	case NFT_META_OIFTYPE:
		if (!dev) { /* nft_meta_store_iftype(): no device, no match */
			vm->verdict = FW_V_BREAK;
			return;
		}
		w = out ? p->oiftype : p->iiftype;
		store(d, &w, 2);
		return;
	case NFT_META_MARK:
		/* 0 on arrival unless a rule passed set it (CONNMARK's
		 * restore is not modelled: a flow reaching it is Linux's) */
		memcpy(d, &vm->mark, 4);
		return;
	case NFT_META_L4PROTO:
		store(d, &p->proto, 1);
		return;
	case NFT_META_NFPROTO:
		b = p->bridge_hook ? NFPROTO_BRIDGE :
		    p->v6	   ? NFPROTO_IPV6 :
				     NFPROTO_IPV4;
		store(d, &b, 1);
		return;
	case NFT_META_PROTOCOL:
		w = htons(p->v6 ? 0x86dd : 0x0800);
		store(d, &w, 2);
		return;
	case NFT_META_PKTTYPE:
		store(d, &p->pkttype, 1);
		return;
	default:
		unknown(vm, "meta key %u not in the flow key", e->key, 0);
	}
}

/*
 * ct status of a flow the fast path carries, as far as its checks fix it
 * (ct_established() in the fast path): confirmed, reply seen, TCP assured,
 * no helper, sequence adjustment, offload or dying; the NAT bits as the
 * key says (TNA_NAT_CT_*, or none: the fast path carries no NAT'ed
 * connection otherwise). *unk: the bits it does not fix.
 */
static uint32_t ct_status(const struct fw_pkt *p, uint32_t *unk)
{
	uint32_t v = IPS_SEEN_REPLY | IPS_CONFIRMED;
	uint32_t known = IPS_SEEN_REPLY | IPS_CONFIRMED | IPS_SRC_NAT |
			 IPS_DST_NAT | IPS_SEQ_ADJUST | IPS_DYING |
			 IPS_TEMPLATE | IPS_HELPER | IPS_OFFLOAD;

	if (p->proto == IPPROTO_TCP) { /* UDP may be carried before */
		v |= IPS_ASSURED;
		known |= IPS_ASSURED;
	}
	if (p->nat & TNA_NAT_CT_SNAT)
		v |= IPS_SRC_NAT;
	if (p->nat & TNA_NAT_CT_DNAT)
		v |= IPS_DST_NAT;
	*unk = ~known;
	return v;
}

/* inet_dev_addr_type() of the header's address at off for device dev. */
static int addr_type(struct vm *vm, uint32_t off, int dev_out, int use_dev)
{
	const struct fw_pkt *p = vm->pkt;
	uint8_t a[4];
	uint32_t dev = 0;
	int d, t;

	if (p->v6 || !p->addrtype) {
		unknown(vm, "address type of an IPv6 address", 0, 0);
		return -1;
	}
	if (use_dev) {
		d = hook_dev(vm, dev_out);
		if (d < 0) {
			unknown(vm,
				"address type for the input device on postrouting",
				0, 0);
			return -1;
		}
		if (d)
			dev = dev_out ? p->oif : p->iif;
	}
	if (load(vm, NFT_PAYLOAD_NETWORK_HEADER, off, 4, a))
		return -1;
	t = p->addrtype(p->addrtype_ctx, a, dev);
	if (t < 0)
		unknown(vm, "address type of byte %u not known (routes)", off,
			0);
	return t;
}

/* Register bytes [off, off+len) (whole words) now hold what the key fixes. */
static void reg_set(struct vm *vm, int off, uint32_t len)
{
	uint32_t n = (len + 3) / 4 * 4;

	if (off + n > NREG_BYTES)
		n = NREG_BYTES - off;
	memset(vm->unk + off, 0, n);
	memset(vm->rorg + off, 0, n * sizeof(vm->rorg[0]));
}

/* Whether register bytes [off, off+len) hold only bits the key fixes. */
static int reg_known(struct vm *vm, int off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (vm->unk[off + i]) {
			unknown(vm, "ct status bits %u+ not fixed for the flow",
				(unsigned int)i * 8, 0);
			return 0;
		}
	return 1;
}

/*
 * meta mark set / xt MARK. The mark set on forward or postrouting of a
 * routed packet changes only what later rules read: the route is chosen,
 * XDP's redirect skips the egress qdisc's classifiers as the fast path
 * is only built without them, and a veth into another namespace clears
 * it. Set on prerouting it could steer the route (fwmark rules), and on a
 * bridged packet the family order of the hooks matters: not modelled.
 */
static void mark_set(struct vm *vm, const struct fw_expr *e)
{
	uint32_t v, m;

	if (vm->hook == NF_INET_PRE_ROUTING || vm->pkt->bridge_hook ||
	    vm->pkt->brnf) {
		unknown(vm,
			"mark set on hook %u or on a bridged packet (it could steer it)",
			(unsigned int)vm->hook, 0);
		return;
	}
	if (e->sreg >= 0) {
		if (!reg_known(vm, e->sreg, 4))
			return;
		note_all(vm, e->sreg, 4); /* the mark is then a constant */
		memcpy(&vm->mark, vm->reg + e->sreg, 4);
		return;
	}
	memcpy(&v, e->data, 4);
	memcpy(&m, e->mask, 4);
	vm->mark = (vm->mark & ~m) ^ v;
}

static int cmp_ok(const struct fw_expr *e, const uint8_t *r)
{
	int d = memcmp(r, e->data, e->len);

	switch (e->cmp_op) {
	case NFT_CMP_EQ:
		return d == 0;
	case NFT_CMP_NEQ:
		return d != 0;
	case NFT_CMP_LT:
		return d < 0;
	case NFT_CMP_LTE:
		return d <= 0;
	case NFT_CMP_GT:
		return d > 0;
	default: /* NFT_CMP_GTE */
		return d >= 0;
	}
}

/* The element k falls in, noting the key bits each comparison reads. */
static const struct fw_elem *set_find(struct vm *vm, const struct fw_set *s,
				      int off)
{
	const uint8_t *k = vm->reg + off;

	for (int i = 0; i < s->n; i++) {
		const struct fw_elem *el = &s->el[i];

		note_cmp(vm, off, el->key, s->key_len);
		if (!s->interval) {
			if (!memcmp(el->key, k, s->key_len))
				return el;
		} else if (memcmp(el->key, k, s->key_len) <= 0) {
			note_cmp(vm, off, el->key_end, s->key_len);
			if (memcmp(k, el->key_end, s->key_len) <= 0)
				return el;
		}
	}
	return NULL;
}

static int lookup(struct vm *vm, const struct fw_expr *e)
{
	const struct fw_set *s = &vm->rs->sets[e->set];
	const struct fw_elem *el = set_find(vm, s, e->sreg);

	if (!el == !e->invert) /* found xor inverted */
		return 0;
	if (el && e->dreg >= 0) {
		if (e->dreg == 0) {
			vm->verdict = el->verdict;
			vm->chain = el->chain;
		} else {
			memcpy(vm->reg + e->dreg, el->data, s->data_len);
		}
	}
	return 1;
}

static int ports_in(uint16_t v, const uint16_t r[2])
{
	return v >= r[0] && v <= r[1];
}

static int multiport(const struct fw_xt_multiport *m, uint16_t sp, uint16_t dp)
{
	for (int i = 0; i < m->count; i++) {
		uint16_t lo = m->ports[i], hi = lo;

		if (m->pflags[i] && i + 1 < m->count)
			hi = m->ports[++i];
		if ((m->flags != FW_MP_DST && sp >= lo && sp <= hi) ||
		    (m->flags != FW_MP_SRC && dp >= lo && dp <= hi))
			return !m->invert;
	}
	return m->invert;
}

/* match_type(): the address at off is of a type in mask (xor inv); -1. */
static int addrtype_in(struct vm *vm, uint32_t off, uint16_t mask, int inv,
		       int out, int dev)
{
	int t = addr_type(vm, off, out, dev);

	if (t < 0)
		return -1;
	return !!(mask & (1U << t)) ^ !!inv;
}

/* ifname_compare_aligned(): whether two names differ under mask. */
static int name_differs(const char *dev, const char *name, const char *mask)
{
	char d[16];

	memset(d, 0, sizeof(d));
	strncpy(d, dev, sizeof(d) - 1);
	for (int i = 0; i < 16; i++)
		if ((d[i] ^ name[i]) & mask[i])
			return 1;
	return 0;
}

/* physdev_mt(): br_netfilter's bridge ports; 1, 0, or -1 not known. */
static int physdev(struct vm *vm, const struct fw_xt_physdev *c)
{
	const struct fw_pkt *p = vm->pkt;
	const char *in = p->physin, *out = p->physout;
	uint8_t bm = c->bitmask, inv = c->invert;

	if (p->phys < 0)
		return -1;
	if (!p->phys) /* no bridge info: only inverted options match */
		return !(bm & ~inv &
			 (FW_PHYS_BRIDGED | FW_PHYS_ISIN | FW_PHYS_ISOUT |
			  FW_PHYS_IN | FW_PHYS_OUT));
	if (vm->hook == NF_INET_PRE_ROUTING)
		out = NULL; /* the bridge has not chosen the port yet */
	if ((bm & FW_PHYS_BRIDGED) && (!!out ^ !(inv & FW_PHYS_BRIDGED)))
		return 0;
	if (((bm & FW_PHYS_ISIN) && (!in ^ !!(inv & FW_PHYS_ISIN))) ||
	    ((bm & FW_PHYS_ISOUT) && (!out ^ !!(inv & FW_PHYS_ISOUT))))
		return 0;
	if ((bm & FW_PHYS_IN) && in &&
	    (!name_differs(in, c->in, c->in_mask) ^ !(inv & FW_PHYS_IN)))
		return 0;
	if (!(bm & FW_PHYS_OUT))
		return 1;
	if (!out)
		return 0;
	return !!name_differs(out, c->out, c->out_mask) ^ !(inv & FW_PHYS_OUT);
}

/* Matches decoded from xt blobs (iptables-nft); 1 match, 0 no, -1 unknown. */
static int xt_match(struct vm *vm, const struct fw_expr *e)
{
	uint8_t h[14];

	switch (e->op) {
	case FW_XT_TRUE:
		return 1;
	case FW_XT_CONNTRACK: {
		const struct fw_xt_ct *c = (const void *)e->xt;
		uint32_t unk, st;

		if (vm->before_ct)
			return -1;
		vm->t->uses_ct = 1;
		if (c->has_state &&
		    !(!!(c->state_mask & CT_STATE_ESTABLISHED) ^ c->invert))
			return 0;
		if (!c->has_status)
			return 1;
		/* conntrack_mt(): any of the bits set, xor inverted */
		st = ct_status(vm->pkt, &unk);
		if (!(st & c->status_mask) && (unk & c->status_mask))
			return -1;
		return !!(st & c->status_mask) ^ c->status_invert;
	}
	case FW_XT_PHYSDEV:
		return physdev(vm, (const void *)e->xt);
	case FW_XT_ADDRTYPE: {
		const struct fw_xt_addrtype *c = (const void *)e->xt;
		int out = !!(c->flags & FW_AT_IFACE_OUT);
		int dev = !!(c->flags & (FW_AT_IFACE_IN | FW_AT_IFACE_OUT));
		int ok = 1;

		/* addrtype_mt_v1(): the source, then the destination */
		if (c->source)
			ok = addrtype_in(vm, 12, c->source,
					 c->flags & FW_AT_INV_SRC, out, dev);
		if (ok > 0 && c->dest)
			ok = addrtype_in(vm, 16, c->dest,
					 c->flags & FW_AT_INV_DST, out, dev);
		return ok;
	}
	case FW_XT_MULTIPORT:
		if (load(vm, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4, h))
			return -1;
		return multiport((const void *)e->xt, h[0] << 8 | h[1],
				 h[2] << 8 | h[3]);
	case FW_XT_ICMP: {
		const struct fw_xt_icmp *c = (const void *)e->xt;

		if (load(vm, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, h))
			return -1;
		return ((c->type == 0xff) ||
			(h[0] == c->type && h[1] >= c->code[0] &&
			 h[1] <= c->code[1])) ^
		       c->invert;
	}
	case FW_XT_TCPUDP: {
		const struct fw_xt_tcpudp *c = (const void *)e->xt;
		uint16_t sp, dp;

		if (load(vm, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4, h))
			return -1;
		sp = h[0] << 8 | h[1];
		dp = h[2] << 8 | h[3];
		if (ports_in(sp, c->spts) == !!(c->invflags & FW_XT_INV_SRC))
			return 0;
		if (ports_in(dp, c->dpts) == !!(c->invflags & FW_XT_INV_DST))
			return 0;
		if (!c->tcp)
			return 1;
		if (c->flg_mask == 0 && !(c->invflags & FW_XT_INV_FLAGS))
			return 1;
		if (load(vm, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, h + 13))
			return -1;
		return ((h[13] & c->flg_mask) == c->flg_cmp) ^
		       !!(c->invflags & FW_XT_INV_FLAGS);
	}
	default:
		return -1;
	}
}

/* One expression; sets vm->verdict like the kernel's eval functions. */
static void expr(struct vm *vm, const struct fw_expr *e, int chain, int rule)
{
	uint8_t *r;
	int ok;

	switch (e->op) {
	case FW_PAYLOAD: {
		const uint16_t *org;

		r = vm->reg + e->dreg;
		if (e->len % 4)
			memset(r + e->len / 4 * 4, 0, 4);
		reg_set(vm, e->dreg, e->len);
		if (load_org(vm, e->base, e->offset, e->len, r, &org))
			return;
		for (uint32_t i = 0; i < e->len; i++) {
			vm->rorg[e->dreg + i] = org[i];
			vm->rbits[e->dreg + i] = 0xff;
		}
		return;
	}
	case FW_META:
		reg_set(vm, e->dreg, 16);
		meta(vm, e);
		return;
	case FW_CMP:
		if (!reg_known(vm, e->sreg, e->len))
			return;
		note_cmp(vm, e->sreg, e->data, e->len);
		if (!cmp_ok(e, vm->reg + e->sreg))
			vm->verdict = FW_V_BREAK;
		return;
	case FW_BITWISE:
		for (uint32_t i = 0; i < e->len; i++) {
			vm->reg[e->dreg + i] =
				(vm->reg[e->sreg + i] & e->mask[i]) ^
				e->data2[i];
			vm->unk[e->dreg + i] = vm->unk[e->sreg + i] &
					       e->mask[i];
			vm->rorg[e->dreg + i] = vm->rorg[e->sreg + i];
			vm->rbits[e->dreg + i] = vm->rbits[e->sreg + i] &
						 e->mask[i];
		}
		return;
	case FW_RANGE: {
		int lo = memcmp(vm->reg + e->sreg, e->data, e->len);
		int hi = memcmp(vm->reg + e->sreg, e->data2, e->len);
		int in = lo >= 0 && hi <= 0;

		if (!reg_known(vm, e->sreg, e->len))
			return;
		note_cmp(vm, e->sreg, e->data, e->len);
		note_cmp(vm, e->sreg, e->data2, e->len);
		if (in != (e->cmp_op == NFT_RANGE_EQ))
			vm->verdict = FW_V_BREAK;
		return;
	}
	case FW_LOOKUP:
		if (!reg_known(vm, e->sreg, vm->rs->sets[e->set].key_len))
			return;
		if (e->dreg > 0)
			reg_set(vm, e->dreg, vm->rs->sets[e->set].data_len);
		if (!lookup(vm, e))
			vm->verdict = FW_V_BREAK;
		return;
	case FW_IMM:
		if (e->dreg == 0) {
			vm->verdict = e->verdict;
			vm->chain = e->chain;
		} else {
			reg_set(vm, e->dreg, e->len);
			memcpy(vm->reg + e->dreg, e->data, e->len);
		}
		return;
	case FW_FIB: {
		int t = addr_type(vm, (e->key & NFTA_FIB_F_DADDR) ? 16 : 12,
				  !!(e->key & NFTA_FIB_F_OIF),
				  !!(e->key &
				     (NFTA_FIB_F_IIF | NFTA_FIB_F_OIF)));
		uint32_t v = (uint32_t)t;

		reg_set(vm, e->dreg, 4);
		if (t >= 0)
			memcpy(vm->reg + e->dreg, &v, 4);
		return;
	}
	case FW_COUNTER:
		if (vm->t->nr_hits < FW_MAX_HITS)
			vm->t->hits[vm->t->nr_hits++] =
				(struct fw_hit){ chain, rule };
		else
			unknown(vm, "more than %u counters on one path",
				FW_MAX_HITS, 0);
		return;
	case FW_CT: {
		uint32_t st = CT_STATE_ESTABLISHED, unk = 0;

		if (vm->before_ct) {
			unknown(vm, "ct before conntrack (priority %d)",
				PRI_CONNTRACK, 0);
			return;
		}
		vm->t->uses_ct = 1;
		if (e->key == NFT_CT_STATUS)
			st = ct_status(vm->pkt, &unk);
		memcpy(vm->reg + e->dreg, &st, 4);
		memcpy(vm->unk + e->dreg, &unk, 4); /* host order, as st */
		return;
	}
	case FW_REJECT:
		vm->verdict = FW_V_DROP;
		return;
	case FW_MARK_SET:
		mark_set(vm, e);
		return;
	case FW_OPAQUE:
		if (!vm->unknown)
			snprintf(vm->t->why, sizeof(vm->t->why),
				 "not modelled: %s", (const char *)e->data);
		vm->unknown = 1;
		return;
	default:
		ok = xt_match(vm, e);
		if (ok < 0) {
			if (!vm->unknown)
				unknown(vm, "xt match %u", e->op, 0);
			return;
		}
		if (!ok)
			vm->verdict = FW_V_BREAK;
		return;
	}
}

#define STACK 16 /* NFT_JUMP_STACK_SIZE */

/* nft_do_chain() for one base chain: FW_V_ACCEPT, FW_V_DROP or -1 unknown. */
static int do_chain(struct vm *vm, int base)
{
	struct {
		int chain, rule;
	} stack[STACK];
	int sp = 0, c = base, ri = 0;

	for (;;) {
		const struct fw_chain *ch = &vm->rs->chains[c];

		vm->verdict = FW_V_CONTINUE;
		for (; ri < ch->n; ri++) {
			const struct fw_rule *r = &ch->r[ri];

			vm->verdict = FW_V_CONTINUE;
			for (int i = 0; i < r->n; i++) {
				expr(vm, &r->e[i], c, ri);
				if (vm->unknown)
					return -1;
				if (vm->verdict != FW_V_CONTINUE)
					break;
			}
			if (vm->verdict == FW_V_BREAK ||
			    vm->verdict == FW_V_CONTINUE) {
				vm->verdict = FW_V_CONTINUE;
				continue;
			}
			break;
		}
		switch (vm->verdict) {
		case FW_V_ACCEPT:
		case FW_V_DROP:
			return vm->verdict;
		case FW_V_JUMP:
			if (sp == STACK)
				return -1;
			stack[sp].chain = c;
			stack[sp++].rule = ri + 1;
			/* fallthrough */
		case FW_V_GOTO:
			c = vm->chain;
			ri = 0;
			continue;
		case FW_V_CONTINUE:
		case FW_V_RETURN:
			break;
		default: /* queue, stolen ...: not modelled */
			unknown(vm, "verdict %d", (unsigned int)vm->verdict, 0);
			return -1;
		}
		if (sp > 0) {
			sp--;
			c = stack[sp].chain;
			ri = stack[sp].rule;
			continue;
		}
		return ch->policy;
	}
}

/*
 * A connection NAT changes, as a chain at prio on hook sees it: the
 * destination as it arrived before the nat chain on prerouting (at the
 * same priority the order is the kernel's registration order: unknown),
 * the translated one after; the source after the nat chain on postrouting
 * is not in the flow key (unknown).
 */
static void nat_view(struct vm *vm, int hook, int prio)
{
	const struct fw_pkt *p = vm->pkt;
	int pre = (p->nat & TNA_NAT_DST) && hook == NF_INET_PRE_ROUTING &&
		  prio <= PRI_NAT_DST;
	int i;

	if (!p->nat)
		return;
	image(vm);
	if (pre && prio < PRI_NAT_DST) {
		memcpy(vm->net + (p->v6 ? 24 : 16), p->pre_daddr,
		       p->v6 ? 16 : 4);
		org_set(vm->net_org + (p->v6 ? 24 : 16), p->org.pre_daddr,
			p->v6 ? 16 : 4);
		vm->tp[2] = p->pre_dport >> 8;
		vm->tp[3] = p->pre_dport & 0xff;
		org_set(vm->tp_org + 2, p->org.pre_dport, 2);
	} else if (pre) {
		for (i = 0; i < (p->v6 ? 16 : 4); i++)
			vm->net_known[(p->v6 ? 24 : 16) + i] = 0;
		vm->tp_known[2] = vm->tp_known[3] = 0;
	}
	if ((p->nat & TNA_NAT_SRC) && hook == NF_INET_POST_ROUTING &&
	    prio >= PRI_NAT_SRC) {
		for (i = 0; i < (p->v6 ? 16 : 4); i++)
			vm->net_known[(p->v6 ? 8 : 12) + i] = 0;
		vm->tp_known[0] = vm->tp_known[1] = 0;
	}
}

/* Whether base chain c runs for pkt on hook. */
static int on_hook(const struct fw_chain *c, const struct fw_pkt *pkt, int hook)
{
	int fam = pkt->bridge_hook ? NFPROTO_BRIDGE :
		  pkt->v6	   ? NFPROTO_IPV6 :
				     NFPROTO_IPV4;

	/* NF_BR_FORWARD is NF_INET_FORWARD; inet is not bridge */
	return c->base && !c->nat && c->hook == hook &&
	       (c->family == fam ||
		(c->family == NFPROTO_INET && !pkt->bridge_hook));
}

/* One hook's base chains in priority order: FW_V_ACCEPT, FW_V_DROP, -1. */
static int do_hook(struct vm *vm, int hook)
{
	const struct fw_ruleset *rs = vm->rs;
	int order[64], n = 0, v;

	for (int i = 0; i < rs->nr_chains; i++) {
		if (!on_hook(&rs->chains[i], vm->pkt, hook))
			continue;
		if (n == (int)(sizeof(order) / sizeof(order[0]))) {
			snprintf(vm->t->why, sizeof(vm->t->why),
				 "more than 64 base chains on hook %d", hook);
			return -1;
		}
		order[n++] = i;
	}
	for (int i = 1; i < n; i++) /* priority order, stable */
		for (int j = i; j > 0 && rs->chains[order[j - 1]].prio >
						 rs->chains[order[j]].prio;
		     j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	vm->hook = hook;
	for (int i = 0; i < n; i++) {
		int prio = rs->chains[order[i]].prio;

		vm->before_ct = hook == NF_INET_PRE_ROUTING &&
				prio <= PRI_CONNTRACK;
		nat_view(vm, hook, prio);
		v = do_chain(vm, order[i]);
		if (v != FW_V_ACCEPT)
			return v;
	}
	return FW_V_ACCEPT;
}

enum fw_result fw_eval(const struct fw_ruleset *rs, const struct fw_pkt *pkt,
		       struct fw_trace *t)
{
	static const int ip_hooks[] = { NF_INET_PRE_ROUTING, NF_INET_FORWARD,
					NF_INET_POST_ROUTING };
	int nr = pkt->bridge_hook ? 1 : 3;
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.rs = rs;
	vm.pkt = pkt;
	vm.t = t;
	image(&vm);
	for (int h = 0; h < nr; h++) {
		int v = do_hook(&vm, pkt->bridge_hook ? NF_INET_FORWARD :
							ip_hooks[h]);

		if (v < 0)
			return FW_UNKNOWN;
		if (v == FW_V_DROP)
			return FW_DROP;
	}
	if (!pkt->bridge_hook && rs->tracked[pkt->v6])
		t->uses_ct = 1;
	return FW_ACCEPT;
}
