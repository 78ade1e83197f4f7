// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The firewall's slow half: flows the fast path has no verdict for arrive
 * on the fw_upcall ring buffer; each is evaluated against the ruleset
 * (fw_eval) and the verdict written to fw_flows for the current generation.
 * A verdict that depends on conntrack state is cached only once the flow's
 * conntrack entry has been told not to track TCP windows (as nf_flow_table
 * does for offloaded flows: conntrack will not see every packet, and must
 * not judge the next one it sees, a FIN say, out of window).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include "flows.h"
#include "log.h"
#include "nl.h"

static int flow_cb(void *ctx, void *data, size_t size);

#define FLOWS_SLOTS 65536 /* flows whose rule counters are followed */

static uint32_t key_hash(const struct tna_fw_key *k)
{
	const uint8_t *b = (const void *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The slot of key: its own, or the empty one it would take. */
static struct flow_ctr *flow_slot(struct flows *f, const struct tna_fw_key *k)
{
	uint32_t i = key_hash(k) % FLOWS_SLOTS;

	for (int n = 0; n < FLOWS_SLOTS; n++, i = (i + 1) % FLOWS_SLOTS) {
		struct flow_ctr *c = &f->flows[i];

		if (!c->used || !memcmp(&c->key, k, sizeof(*k)))
			return c;
	}
	return NULL;
}

static int rule_index(struct flows *f, const struct fw_chain *ch,
		      const struct fw_rule *r)
{
	struct rule_ctr *n;

	for (int i = 0; i < f->nr_rules; i++)
		if (f->rules[i].handle == r->handle &&
		    f->rules[i].family == ch->family &&
		    !strcmp(f->rules[i].table, ch->table) &&
		    !strcmp(f->rules[i].chain, ch->name))
			return i;
	n = realloc(f->rules, (f->nr_rules + 1) * sizeof(*n));
	if (!n)
		return -1;
	f->rules = n;
	n = &f->rules[f->nr_rules];
	memset(n, 0, sizeof(*n));
	n->family = ch->family;
	snprintf(n->table, sizeof(n->table), "%s", ch->table);
	snprintf(n->chain, sizeof(n->chain), "%s", ch->name);
	n->handle = r->handle;
	return f->nr_rules++;
}

/* What the map says the flow carried beyond what was attributed: to its rules. */
static void attribute(struct flows *f, struct flow_ctr *c,
		      const struct tna_fw_val *v)
{
	uint64_t dp, db;

	if (v->packets < c->packets)
		return;
	dp = v->packets - c->packets;
	db = v->bytes - c->bytes;
	for (int i = 0; i < c->nr_hits; i++) {
		f->rules[c->hits[i]].packets += dp;
		f->rules[c->hits[i]].bytes += db;
	}
	c->packets = v->packets;
	c->bytes = v->bytes;
}

/* Removes c, re-placing the entries after it (linear probing). */
static void flow_forget(struct flows *f, struct flow_ctr *c)
{
	uint32_t i = c - f->flows, j = i;

	c->used = 0;
	f->nr_flows--;
	for (;;) {
		struct flow_ctr *e;
		uint32_t home;

		j = (j + 1) % FLOWS_SLOTS;
		e = &f->flows[j];
		if (!e->used)
			return;
		home = key_hash(&e->key) % FLOWS_SLOTS;
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			f->flows[i] = *e;
			e->used = 0;
			i = j;
		}
	}
}

/* The flow's entry, counters summed over CPUs (0) or -1 if absent. */
static int flow_read(struct flows *f, const struct tna_fw_key *k,
		     struct tna_fw_val *sum)
{
	struct tna_fw_val *v = f->percpu;

	if (applier_flow_get(f->a, k, v))
		return -1;
	*sum = v[0];
	for (int c = 1; c < applier_ncpus(f->a); c++) {
		sum->packets += v[c].packets;
		sum->bytes += v[c].bytes;
	}
	return 0;
}

void flows_harvest(struct flows *f)
{
	struct tna_fw_val v;

	if (!f->flows || !f->nr_flows)
		return;
	for (int i = 0; i < FLOWS_SLOTS; i++) {
		struct flow_ctr *c = &f->flows[i];

		if (!c->used)
			continue;
		if (flow_read(f, &c->key, &v)) {
			flow_forget(f,
				    c); /* evicted: its last counts are lost */
			i--;
			continue;
		}
		attribute(f, c, &v);
	}
}

void flows_rule_totals(const struct flows *f, int family, const char *table,
		       const char *chain, uint64_t handle, uint64_t *packets,
		       uint64_t *bytes)
{
	*packets = *bytes = 0;
	for (int i = 0; i < f->nr_rules; i++)
		if (f->rules[i].handle == handle &&
		    f->rules[i].family == family &&
		    !strcmp(f->rules[i].table, table) &&
		    !strcmp(f->rules[i].chain, chain)) {
			*packets = f->rules[i].packets;
			*bytes = f->rules[i].bytes;
		}
}

/* Before a flow's entry is rewritten: count what it carried, note its new rules. */
static void remember(struct flows *f, const struct tna_fw_key *k,
		     const struct fw_trace *t, int carried)
{
	struct flow_ctr *c = f->flows ? flow_slot(f, k) : NULL;
	struct tna_fw_val old;

	if (!c || (!c->used && carried && t->nr_hits &&
		   f->nr_flows >= FLOWS_SLOTS * 3 / 4)) {
		f->counted_lost += carried && t->nr_hits;
		return;
	}
	if (c->used && !flow_read(f, k, &old))
		attribute(f, c, &old);
	if (!carried || !t->nr_hits) {
		if (c->used)
			flow_forget(f, c);
		return;
	}
	if (!c->used)
		f->nr_flows++;
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->key = *k;
	for (int i = 0; i < t->nr_hits && c->nr_hits < FLOW_MAX_HITS; i++) {
		int r = rule_index(
			f, &f->m->fw.chains[t->hits[i].chain],
			&f->m->fw.chains[t->hits[i].chain].r[t->hits[i].rule]);

		if (r >= 0)
			c->hits[c->nr_hits++] = r;
	}
	if (t->nr_hits > FLOW_MAX_HITS)
		f->counted_lost++;
}

int flows_open(struct flows *f, struct applier *a, const struct model *m)
{
	memset(f, 0, sizeof(*f));
	f->a = a;
	f->m = m;
	f->flows = calloc(FLOWS_SLOTS, sizeof(*f->flows));
	f->percpu = calloc(applier_ncpus(a), sizeof(*f->percpu));
	if (!f->flows || !f->percpu) {
		flows_close(f);
		return -ENOMEM;
	}
	f->rb = ring_buffer__new(applier_fw_upcall_fd(a), flow_cb, f, NULL);
	if (!f->rb)
		return -errno;
	f->ct = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!f->ct || mnl_socket_bind(f->ct, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		flows_close(f);
		return err;
	}
	f->seq = time(NULL);
	return 0;
}

void flows_close(struct flows *f)
{
	if (f->rb)
		ring_buffer__free(f->rb);
	if (f->ct)
		mnl_socket_close(f->ct);
	free(f->flows);
	free(f->rules);
	free(f->percpu);
	f->percpu = NULL;
	f->rb = NULL;
	f->ct = NULL;
	f->flows = NULL;
	f->rules = NULL;
	f->nr_rules = 0;
}

int flows_fd(const struct flows *f)
{
	return f->rb ? ring_buffer__epoll_fd(f->rb) : -1;
}

void flows_poll(struct flows *f)
{
	if (f->rb)
		ring_buffer__consume(f->rb);
}

static void put_tuple(struct nlmsghdr *nlh, const struct tna_fw_key *k)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	struct nlattr *pr;

	if (k->family == AF_INET) {
		mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, k->saddr[0]);
		mnl_attr_put_u32(nlh, CTA_IP_V4_DST, k->daddr[0]);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, k->saddr);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, k->daddr);
	}
	mnl_attr_nest_end(nlh, ip);
	pr = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, k->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, k->sport);
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, k->dport);
	mnl_attr_nest_end(nlh, pr);
	mnl_attr_nest_end(nlh, t);
}

/*
 * Updates the existing conntrack entry of the flow (either direction; no
 * NLM_F_CREATE): TCP window tracking off in both directions. -ENOENT while
 * Linux has not created it yet.
 */
static int ct_liberal(struct flows *f, const struct tna_fw_key *k)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nf_ct_tcp_flags fl = { IP_CT_TCP_FLAG_BE_LIBERAL,
				      IP_CT_TCP_FLAG_BE_LIBERAL };
	struct nlattr *pi, *tcp;
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = k->family;
	nfg->version = NFNETLINK_V0;
	put_tuple(nlh, k);
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, sizeof(fl), &fl);
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_REPLY, sizeof(fl), &fl);
	mnl_attr_nest_end(nlh, tcp);
	mnl_attr_nest_end(nlh, pi);
	return nl_request(f->ct, &f->seq, nlh, NULL, NULL, NULL);
}

static const char *ifname(const struct model *m, uint32_t ifindex)
{
	const struct link *l = model_link_c(m, (int)ifindex);

	return l ? l->name : "";
}

static uint16_t iftype(const struct model *m, uint32_t ifindex)
{
	const struct link *l = model_link_c(m, (int)ifindex);

	return l ? l->type : 0;
}

/* A bridge whose IP (v6: IPv6) br_netfilter passes to the IP hooks. */
static int brnf_bridge(const struct model *m, uint32_t ifindex, int v6)
{
	const struct link *l = model_link_c(m, (int)ifindex);

	return l && !strcmp(l->kind, "bridge") && model_brnf(m, l, v6);
}

static int addrtype(const void *ctx, const uint8_t *addr, uint32_t dev)
{
	return model_addrtype4(ctx, addr, (int)dev);
}

#define KOFF(f) (uint16_t)(offsetof(struct tna_fw_key, f) + 1)

/* The flow seen from the ip/ip6/inet hooks: routed, or via br_netfilter. */
static void view_ip(const struct model *m, const struct tna_fw_key *k,
		    struct fw_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->v6 = k->family == AF_INET6;
	p->iif = k->iif;
	p->oif = k->oif;
	p->iifname = ifname(m, k->iif);
	p->oifname = ifname(m, k->oif);
	p->iiftype = iftype(m, k->iif);
	p->oiftype = iftype(m, k->oif);
	p->addrtype = addrtype;
	p->addrtype_ctx = m;
	/* routed from a bridge br_netfilter sees: the port is not keyed */
	p->phys = brnf_bridge(m, k->iif, p->v6) ||
				  brnf_bridge(m, k->oif, p->v6) ?
			  -1 :
			  0;
	p->pkttype = PACKET_HOST; /* br_netfilter turns OTHERHOST into HOST */
	memcpy(p->saddr, k->saddr, 16);
	memcpy(p->daddr, k->daddr, 16);
	p->proto = k->proto;
	p->sport = ntohs(k->sport);
	p->dport = ntohs(k->dport);
	p->tcp_flags = k->tcp_flags;
	/* NAT: the key is the packet as it arrived, plus its new destination */
	p->nat = k->nat;
	memcpy(p->pre_daddr, k->daddr, 16);
	p->pre_dport = p->dport;
	p->org.saddr = KOFF(saddr);
	p->org.daddr = p->org.pre_daddr = KOFF(daddr);
	p->org.sport = KOFF(sport);
	p->org.dport = p->org.pre_dport = KOFF(dport);
	p->org.tcp_flags = KOFF(tcp_flags);
	if (k->nat & TNA_NAT_DST) {
		memset(p->daddr, 0, 16);
		memcpy(p->daddr, &k->daddr[1], 4);
		p->dport = ntohs(k->nat_dport);
		p->org.daddr = KOFF(daddr[1]);
		p->org.dport = KOFF(nat_dport);
	}
	if (k->path == TNA_FW_BRIDGED) { /* the frame's own Ethernet header */
		uint16_t type = htons(p->v6 ? ETH_P_IPV6 : ETH_P_IP);

		p->ll = 1;
		p->org.dmac = KOFF(dmac);
		p->org.smac = KOFF(smac);
		memcpy(p->ll_hdr, k->dmac, 6);
		memcpy(p->ll_hdr + 6, k->smac, 6);
		memcpy(p->ll_hdr + 12, &type, 2);
	}
}

/*
 * Linux's verdict for a bridged flow: the bridge family's forward chains
 * (ports as iif/oif), then with br_netfilter on for the family the IP
 * hooks' chains, which see the bridge as iif and oif.
 */
static enum fw_result bridged(const struct model *m, const struct tna_fw_key *k,
			      struct fw_trace *t)
{
	const struct link *in = model_link_c(m, (int)k->iif);
	const struct link *out = model_link_c(m, (int)k->oif);
	const struct link *br = in ? model_link_c(m, in->master) : NULL;
	enum fw_result r = FW_ACCEPT;
	struct fw_pkt p;

	if (!br || !out || out->master != br->ifindex) {
		snprintf(t->why, sizeof(t->why), "ports not of one bridge");
		return FW_UNKNOWN;
	}
	view_ip(m, k, &p);
	if (m->fw.nr_fwd[FW_BRIDGE]) {
		p.bridge_hook = 1;
		p.phys = 0;
		p.pkttype = PACKET_OTHERHOST;
		r = fw_eval(&m->fw, &p, t);
	}
	if (r != FW_ACCEPT || !model_brnf(m, br, p.v6))
		return r;
	view_ip(m, k, &p);
	p.brnf = 1;
	p.phys = 1;
	p.physin = in->name;
	p.physout = out->name;
	p.iif = p.oif = br->ifindex;
	p.iifname = p.oifname = br->name;
	p.iiftype = p.oiftype = br->type;
	return fw_eval(&m->fw, &p, t);
}

/* Counts a flow left to Linux under its reason, most frequent first. */
static void note_why(struct flows *f, const char *why)
{
	int i;

	for (i = 0; i < f->nr_whys; i++)
		if (!strcmp(f->whys[i].why, why))
			break;
	if (i == f->nr_whys) {
		if (f->nr_whys == FLOW_MAX_WHYS)
			i = FLOW_MAX_WHYS - 1, why = "";
		else
			snprintf(f->whys[f->nr_whys++].why, FW_REASON_LEN, "%s",
				 why);
	}
	if (i == FLOW_MAX_WHYS - 1)
		f->whys[i].why[0] = 0; /* the last slot counts the rest */
	f->whys[i].flows++;
	for (; i > 0 && f->whys[i].flows > f->whys[i - 1].flows &&
	       f->whys[i].why[0];
	     i--) {
		struct fw_why t = f->whys[i];

		f->whys[i] = f->whys[i - 1];
		f->whys[i - 1] = t;
	}
}

enum fw_result flows_eval(const struct model *m, const struct tna_fw_key *k,
			  struct fw_trace *t)
{
	struct fw_pkt p;

	if (k->path == TNA_FW_BRIDGED)
		return bridged(m, k, t);
	view_ip(m, k, &p);
	return fw_eval(&m->fw, &p, t);
}

void flows_mask(const struct fw_trace *t, struct tna_fw_key *mask)
{
	memset(mask, 0xff, sizeof(*mask));
	if (!t->uses_ct) { /* else per connection: conntrack checks each */
		memcpy(mask, t->read, sizeof(*mask));
		mask->iif = mask->oif = ~0U;
		mask->family = mask->proto = mask->path = mask->nat = 0xff;
	}
	mask->mask = 0;
}

/*
 * The verdict for one flow, as Linux's forwarding path would give it,
 * cached for every flow that agrees with it on what the evaluation read.
 */
static void decide(struct flows *f, const struct tna_fw_key *k)
{
	struct tna_fw_val v = { .gen = applier_fw_gen(f->a),
				.verdict = TNA_FW_LINUX };
	struct fw_trace t = { 0 };
	struct tna_fw_key mask, mk;
	enum fw_result r;
	int ret, id;

	f->upcalls++;
	if (applier_fw_held(f->a))
		return; /* a ruleset change is being read: the flow asks again */
	r = flows_eval(f->m, k, &t);
	if (r == FW_ACCEPT) {
		v.verdict = TNA_FW_ACCEPT;
		if (t.uses_ct)
			v.flags |= TNA_FW_CT;
		f->accepted++;
	} else if (r == FW_DROP) {
		f->dropped++;
	} else {
		f->undecided++;
		note_why(f, t.why);
		pr_debug("flow left to Linux: %s\n", t.why);
	}
	if (v.verdict == TNA_FW_ACCEPT && t.uses_ct &&
	    k->proto == IPPROTO_TCP) {
		ret = ct_liberal(f, k);
		if (ret) {
			/* no entry yet: the fast path asks again later */
			f->ct_missing++;
			return;
		}
		f->ct_liberal++;
	}
	flows_mask(&t, &mask);
	id = applier_fw_mask(f->a, &mask);
	if (id < 0) {
		pr_warn("fw_masks: %s\n", strerror(-id));
		return;
	}
	for (size_t i = 0; i < sizeof(mk); i++)
		((uint8_t *)&mk)[i] = ((const uint8_t *)k)[i] &
				      ((const uint8_t *)&mask)[i];
	mk.mask = (uint8_t)id;
	if (!t.uses_ct)
		f->wildcarded++;
	remember(f, &mk, &t, v.verdict == TNA_FW_ACCEPT);
	for (int c = 0; c < applier_ncpus(f->a); c++)
		f->percpu[c] =
			v; /* every CPU's copy: verdict, counters from 0 */
	ret = applier_flow_put(f->a, &mk, f->percpu);
	if (ret)
		pr_warn("fw_flows: %s\n", strerror(-ret));
}

static int flow_cb(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tna_fw_key))
		decide(ctx, data);
	return 0;
}
