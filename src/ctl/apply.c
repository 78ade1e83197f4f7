// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The applier: diff a plan against what is loaded. Data changes are map
 * updates; a changed feature set (or MAC) loads a newly specialized object
 * and swaps it in atomically with bpf_link_update(). Links are owned by
 * this process, so the fast path dies with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "apply.h"
#include "log.h"
#include "tna.skel.h"

/* Counters of programs already detached: totals survive detach/attach. */
struct counter_history {
	int ifindex;
	struct tna_counter c[TNA_STAT_MAX];
};

/* An installed FDB entry and the hit count seen at the last refresh. */
struct fdb_slot {
	struct tna_fdb_key key;
	struct tna_fdb_val val;
	int dynamic;
	uint64_t hits;
};

struct port_slot {
	int ifindex;
	struct tna_port port;
};

struct apply_error {
	int ifindex;
	char msg[MODEL_NOTE_LEN];
};

struct applier {
	int map_tx, map_stats, map_local4, map_local6, map_runtime;
	int map_fdb, map_fdb_hits, map_ports, map_nh_seen, map_rcache4;
	int map_fw_flows, map_fw_upcall, map_port_tab, map_tx_idx;
	int map_local_bits, map_fdb_cache, map_fdb_moves, map_csum_scratch;
	int map_nat_cache, map_fw_masks, map_fw_asked;
	/* the current generation's masks (runtime fw_nmasks of them) */
	struct tna_fw_key fw_mask[TNA_FW_MASKS];
	struct tna_local_bits local_bits[2]; /* local_bits content: v4, v6 */
	uint32_t fw_genid; /* nf_tables generation of the cached verdicts */
	uint64_t fw_names;
	int fw_hold; /* a ruleset change is being read */
	struct loaded ifs[TNA_MAX_IFACES];
	int nr;
	uint8_t slot_used[TNA_MAX_IFACES];
	enum xdp_mode_pref mode;
	int *tx; /* devmap content */
	int nr_tx;
	struct tna_addr_key *local; /* local_addrs content */
	int nr_local;
	struct tna_runtime rt; /* runtime map content */
	struct fdb_slot *fdb; /* fdb map content, sorted by key */
	int nr_fdb;
	uint8_t *hit_used; /* fdb_hits indexes in use */
	uint32_t next_hit;
	unsigned long fdb_full; /* entries that did not fit, last sync */
	struct port_slot ports[TNA_MAX_IFACES]; /* ports map content */
	int nr_ports;
	/* port_tab and tx_idx content, by port index (0 unused) */
	struct tna_port_ent idx_ent[TNA_MAX_IFACES];
	uint8_t idx_tx[TNA_MAX_IFACES];
	uint32_t idx_next; /* where the search for a free index starts */
	uint32_t *plan_idx; /* port index of each interface of the last plan */
	struct counter_history hist[TNA_MAX_IFACES];
	int nr_hist;
	struct apply_error errors[TNA_MAX_IFACES];
	int nr_errors;
	int ncpus;
};

/*
 * The maps every program of the namespace shares: the applier's descriptor,
 * the object's name. Every map of the object is listed: its state means
 * something for the whole namespace (src/bpf/lib/maps.h says why for each),
 * and a private instance per program would be a second truth (a move one
 * port saw, retiring only that port's cached copies). applier_init()
 * refuses an object with a map this table does not name.
 */
#define SHARED(fd, name)                            \
	{                                           \
		offsetof(struct applier, fd), #name \
	}
static const struct {
	size_t fd;
	const char *name;
} shared[] = {
	SHARED(map_tx, tx_ports),
	SHARED(map_stats, stats),
	SHARED(map_local4, local_addrs4),
	SHARED(map_local6, local_addrs6),
	SHARED(map_local_bits, local_bits),
	SHARED(map_runtime, runtime),
	SHARED(map_fdb, fdb),
	SHARED(map_fdb_hits, fdb_hits),
	SHARED(map_ports, ports),
	SHARED(map_nh_seen, nh_seen),
	SHARED(map_rcache4, route_cache4),
	SHARED(map_fdb_cache, fdb_cache),
	SHARED(map_fdb_moves, fdb_moves),
	SHARED(map_csum_scratch, csum_scratch),
	SHARED(map_fw_flows, fw_flows),
	SHARED(map_fw_masks, fw_masks),
	SHARED(map_fw_asked, fw_asked),
	SHARED(map_fw_upcall, fw_upcall),
	SHARED(map_nat_cache, nat_cache),
	SHARED(map_port_tab, port_tab),
	SHARED(map_tx_idx, tx_idx),
};
#define NR_SHARED (int)(sizeof(shared) / sizeof(shared[0]))

static int *shared_fd(struct applier *a, int i)
{
	return (int *)((char *)a + shared[i].fd);
}

static void shared_close(struct applier *a)
{
	for (int i = 0; i < NR_SHARED; i++) {
		if (*shared_fd(a, i) >= 0)
			close(*shared_fd(a, i));
		*shared_fd(a, i) = -1;
	}
}

static void applier_release(struct applier *a);

/* -EINVAL if the object has a map (not its config) shared[] does not name. */
static int check_scopes(const struct bpf_object *obj)
{
	const struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
	{
		int i = 0;

		if (bpf_map__is_internal(m))
			continue; /* .rodata: the per-interface config */
		while (i < NR_SHARED &&
		       strcmp(shared[i].name, bpf_map__name(m)))
			i++;
		if (i == NR_SHARED) {
			pr_warn("map %s: not in the applier's shared maps\n",
				bpf_map__name(m));
			return -EINVAL;
		}
	}
	return 0;
}

static int applier_init(struct applier *a, enum xdp_mode_pref mode)
{
	struct tna *skel;
	int ret = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < NR_SHARED; i++)
		*shared_fd(a, i) = -1;
	a->mode = mode;
	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0)
		return -EINVAL;
	/* The object's own map definitions give the shared maps' shapes. */
	skel = tna__open();
	if (!skel)
		return -errno;
	ret = check_scopes(skel->obj);
	for (int i = 0; i < NR_SHARED && !ret; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(skel->obj, shared[i].name);

		*shared_fd(a, i) =
			m ? bpf_map_create(bpf_map__type(m), shared[i].name,
					   bpf_map__key_size(m),
					   bpf_map__value_size(m),
					   bpf_map__max_entries(m), NULL) :
			    -1;
		if (*shared_fd(a, i) < 0) {
			ret = m ? -errno : -ENOENT;
			pr_warn("creating map %s: %s\n", shared[i].name,
				strerror(-ret));
		}
	}
	a->hit_used = calloc(TNA_MAX_FDB, 1);
	if (!ret && !a->hit_used)
		ret = -ENOMEM;
	if (ret)
		applier_release(a);
	tna__destroy(skel);
	return ret;
}

static void set_error(struct applier *a, int ifindex, const char *fmt, int err)
{
	struct apply_error *e = NULL;

	for (int i = 0; i < a->nr_errors; i++)
		if (a->errors[i].ifindex == ifindex)
			e = &a->errors[i];
	if (!e && a->nr_errors < TNA_MAX_IFACES)
		e = &a->errors[a->nr_errors++];
	if (!e)
		return;
	e->ifindex = ifindex;
	snprintf(e->msg, sizeof(e->msg), fmt, strerror(-err));
}

static void clear_error(struct applier *a, int ifindex)
{
	for (int i = 0; i < a->nr_errors; i++)
		if (a->errors[i].ifindex == ifindex)
			a->errors[i] = a->errors[--a->nr_errors];
}

const char *applier_error(const struct applier *a, int ifindex)
{
	for (int i = 0; i < a->nr_errors; i++)
		if (a->errors[i].ifindex == ifindex)
			return a->errors[i].msg;
	return NULL;
}

static void zero_slot(struct applier *a, uint32_t slot)
{
	struct tna_counter *zero = calloc(a->ncpus, sizeof(*zero));

	if (!zero)
		return;
	for (uint32_t s = 0; s < TNA_STAT_MAX; s++) {
		uint32_t key = slot * TNA_STAT_MAX + s;

		bpf_map_update_elem(a->map_stats, &key, zero, BPF_ANY);
	}
	free(zero);
}

/* The index of bridge port ifindex (struct tna_port_ent), 0 if none. */
static uint32_t port_idx_of(const struct applier *a, int ifindex)
{
	for (uint32_t i = 1; i < TNA_MAX_IFACES; i++)
		if ((int)a->idx_ent[i].ifindex == ifindex)
			return i;
	return 0;
}

struct tna *applier_load_object(struct applier *a, const struct tna_cfg *cfg)
{
	struct tna *skel = tna__open();
	int err = 0;

	if (!skel)
		return NULL;
	memcpy((void *)&skel->rodata->tna_cfg, cfg, sizeof(*cfg));
	for (int i = 0; i < NR_SHARED; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(skel->obj, shared[i].name);

		err = m ? bpf_map__reuse_fd(m, *shared_fd(a, i)) : -ENOENT;
		if (err)
			break;
	}
	if (err || (err = tna__load(skel))) {
		tna__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/*
 * The read-only config of pi's program in stats slot `slot`, built in
 * this one place: loading, and deciding whether a loaded program still
 * fits (memcmp), both use it.
 */
static struct tna_cfg cfg_of(const struct applier *a,
			     const struct plan_iface *pi, uint32_t slot)
{
	struct tna_cfg c;

	memset(&c, 0, sizeof(c)); /* padding too: compared with memcmp */
	c.features = pi->features;
	c.ifindex = pi->ifindex;
	c.slot = slot;
	c.bridge = pi->bridge;
	c.l3_ifindex = pi->l3_ifindex;
	c.port_idx = port_idx_of(a, pi->ifindex);
	memcpy(c.mac, pi->mac, 6);
	return c;
}

static uint32_t prog_id(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

static int attach(struct applier *a, struct loaded *l)
{
	int prog_fd = bpf_program__fd(l->skel->progs.tna_xdp);
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd = -1;

	if (a->mode != MODE_GENERIC) {
		opts.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog_fd, l->ifindex, BPF_XDP, &opts);
	}
	if (fd < 0 && a->mode != MODE_NATIVE) {
		opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, l->ifindex, BPF_XDP, &opts);
		l->generic = 1;
	}
	if (fd < 0)
		return -errno;
	l->link_fd = fd;
	l->prog_id = prog_id(prog_fd);
	return 0;
}

static int slot_counters(const struct applier *a, uint32_t slot,
			 struct tna_counter out[TNA_STAT_MAX])
{
	struct tna_counter *v = calloc(a->ncpus, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (uint32_t s = 0; s < TNA_STAT_MAX; s++) {
		uint32_t key = slot * TNA_STAT_MAX + s;

		if (bpf_map_lookup_elem(a->map_stats, &key, v))
			continue;
		for (int c = 0; c < a->ncpus; c++) {
			out[s].packets += v[c].packets;
			out[s].bytes += v[c].bytes;
		}
	}
	free(v);
	return 0;
}

static struct counter_history *history(struct applier *a, int ifindex,
				       int create)
{
	for (int i = 0; i < a->nr_hist; i++)
		if (a->hist[i].ifindex == ifindex)
			return &a->hist[i];
	if (!create || a->nr_hist == TNA_MAX_IFACES)
		return NULL;
	memset(&a->hist[a->nr_hist], 0, sizeof(a->hist[0]));
	a->hist[a->nr_hist].ifindex = ifindex;
	return &a->hist[a->nr_hist++];
}

static void unload(struct applier *a, struct loaded *l, const char *why)
{
	struct counter_history *h;

	if (l->link_fd >= 0)
		close(l->link_fd);
	tna__destroy(l->skel);
	h = history(a, l->ifindex, 1);
	if (h)
		slot_counters(a, l->cfg.slot, h->c);
	zero_slot(a, l->cfg.slot);
	a->slot_used[l->cfg.slot] = 0;
	pr_info("%s: fast path detached: %s\n", l->name, why);
	*l = a->ifs[--a->nr];
}

static int free_slot(struct applier *a)
{
	for (int i = 0; i < TNA_MAX_IFACES; i++)
		if (!a->slot_used[i])
			return i;
	return -1;
}

static int iface_start(struct applier *a, const struct plan_iface *pi)
{
	char mods[128];
	struct loaded *l;
	int slot = free_slot(a), err;

	if (slot < 0 || a->nr == TNA_MAX_IFACES)
		return -ENOSPC;
	l = &a->ifs[a->nr];
	memset(l, 0, sizeof(*l));
	l->ifindex = pi->ifindex;
	l->link_fd = -1;
	l->cfg = cfg_of(a, pi, slot);
	snprintf(l->name, sizeof(l->name), "%s", pi->name);
	zero_slot(a, slot);
	l->skel = applier_load_object(a, &l->cfg);
	if (!l->skel)
		return -errno;
	err = attach(a, l);
	if (err) {
		tna__destroy(l->skel);
		return err;
	}
	a->slot_used[slot] = 1;
	a->nr++;
	pr_info("%s: fast path attached (%s, prog %u, modules %s)\n", l->name,
		l->generic ? "generic" : "native", l->prog_id,
		plan_modules(l->cfg.features, mods, sizeof(mods)));
	return 0;
}

/* Same link, new program: packets never see an interface without one. */
static int iface_swap(struct applier *a, struct loaded *l,
		      const struct plan_iface *pi)
{
	struct tna_cfg cfg = cfg_of(a, pi, l->cfg.slot);
	struct tna *skel = applier_load_object(a, &cfg);
	char was[128], now[128];
	int prog_fd;

	if (!skel)
		return -errno;
	prog_fd = bpf_program__fd(skel->progs.tna_xdp);
	if (bpf_link_update(l->link_fd, prog_fd, NULL)) {
		int err = -errno;

		tna__destroy(skel);
		return err;
	}
	tna__destroy(l->skel);
	l->skel = skel;
	plan_modules(l->cfg.features, was, sizeof(was));
	l->cfg = cfg;
	l->prog_id = prog_id(prog_fd);
	l->swaps++;
	pr_info("%s: fast path respecialized (prog %u): modules %s -> %s\n",
		l->name, l->prog_id, was,
		plan_modules(l->cfg.features, now, sizeof(now)));
	return 0;
}

static void sync_devmap(struct applier *a, const struct plan *p)
{
	int *want = calloc(p->nr + 1, sizeof(int)), nr = 0;

	if (!want)
		return;
	for (int i = 0; i < p->nr; i++) {
		struct bpf_devmap_val v = { .ifindex = p->ifaces[i].ifindex };
		__u32 key = v.ifindex;

		int present = 0;

		if (!p->ifaces[i].egress)
			continue;
		want[nr++] = key;
		for (int k = 0; k < a->nr_tx && !present; k++)
			present = a->tx[k] == (int)key;
		if (present)
			continue;
		if (bpf_map_update_elem(a->map_tx, &key, &v, BPF_ANY))
			pr_warn("%s: devmap update: %s\n", p->ifaces[i].name,
				strerror(errno));
	}
	for (int i = 0; i < a->nr_tx; i++) {
		const struct plan_iface *pi = plan_find(p, a->tx[i]);
		__u32 key = a->tx[i];

		if (!pi || !pi->egress)
			bpf_map_delete_elem(a->map_tx, &key);
	}
	free(a->tx);
	a->tx = want;
	a->nr_tx = nr;
}

static int key_in(const struct tna_addr_key *k, const struct tna_addr_key *set,
		  int nr)
{
	for (int i = 0; i < nr; i++)
		if (!memcmp(k, &set[i], sizeof(*k)))
			return 1;
	return 0;
}

/* IPv4 addresses (mapped, ::ffff:a.b.c.d) go to the u32-keyed map. */
static int local_map(const struct applier *a, const struct tna_addr_key *k,
		     const void **key)
{
	if (!k->addr[0] && !k->addr[1] && k->addr[2] == htonl(0xffff)) {
		*key = &k->addr[3];
		return a->map_local4;
	}
	*key = k;
	return a->map_local6;
}

/*
 * local_bits from the addresses now in the hashes (written before this):
 * a bit set for each, cleared once no address has it. Written only when
 * it changes; a reader meeting a half-written bitmap sees every bit of an
 * address kept, since those are set in the old and the new one alike.
 */
static void sync_local_bits(struct applier *a, const struct plan *p)
{
	struct tna_local_bits *b = calloc(2, sizeof(*b));

	if (!b)
		return;
	for (int i = 0; i < p->nr_local; i++) {
		const void *key;
		__u32 fam, bit;

		if (local_map(a, &p->local[i], &key) == a->map_local4) {
			fam = 0;
			bit = tna_local_bit4(*(const __u32 *)key);
		} else {
			fam = 1;
			bit = tna_local_bit6(p->local[i].addr);
		}
		b[fam].w[bit / 64] |= 1ULL << (bit % 64);
	}
	for (__u32 fam = 0; fam < 2; fam++) {
		if (!memcmp(&b[fam], &a->local_bits[fam], sizeof(*b)))
			continue;
		if (bpf_map_update_elem(a->map_local_bits, &fam, &b[fam],
					BPF_ANY))
			pr_warn("local address bitmap: %s\n", strerror(errno));
		else
			a->local_bits[fam] = b[fam];
	}
	free(b);
}

static void sync_local(struct applier *a, const struct plan *p)
{
	struct tna_addr_key *copy = calloc(p->nr_local + 1, sizeof(*copy));
	const void *key;
	__u8 one = 1;
	int fd;

	if (!copy)
		return;
	for (int i = 0; i < p->nr_local; i++) {
		fd = local_map(a, &p->local[i], &key);
		if (bpf_map_update_elem(fd, key, &one, BPF_ANY))
			pr_warn("local address map: %s\n", strerror(errno));
	}
	for (int i = 0; i < a->nr_local; i++) {
		if (key_in(&a->local[i], p->local, p->nr_local))
			continue;
		fd = local_map(a, &a->local[i], &key);
		bpf_map_delete_elem(fd, key);
	}
	sync_local_bits(a, p);
	memcpy(copy, p->local, p->nr_local * sizeof(*copy));
	free(a->local);
	a->local = copy;
	a->nr_local = p->nr_local;
}

static void sync_ports(struct applier *a, const struct plan *p)
{
	int nr = 0;

	for (int i = 0; i < a->nr_ports; i++) {
		const struct plan_iface *pi = plan_find(p, a->ports[i].ifindex);
		__u32 key = a->ports[i].ifindex;

		if (!pi || !pi->has_port)
			bpf_map_delete_elem(a->map_ports, &key);
	}
	for (int i = 0; i < p->nr && nr < TNA_MAX_IFACES; i++) {
		const struct plan_iface *pi = &p->ifaces[i];
		__u32 key = pi->ifindex;
		int k;

		if (!pi->has_port)
			continue;
		for (k = 0; k < a->nr_ports; k++)
			if (a->ports[k].ifindex == pi->ifindex)
				break;
		if ((k == a->nr_ports ||
		     memcmp(&a->ports[k].port, &pi->port, sizeof(pi->port))) &&
		    bpf_map_update_elem(a->map_ports, &key, &pi->port, BPF_ANY))
			pr_warn("%s: ports map: %s\n", pi->name,
				strerror(errno));
		a->ports[nr].ifindex = pi->ifindex;
		a->ports[nr++].port = pi->port;
	}
	a->nr_ports = nr;
}

static int is_port(const struct plan_iface *pi)
{
	return pi->has_port && !(pi->port.flags & TNA_PORT_IS_BRIDGE);
}

/* The entry first, so that no FDB entry or program still reaches it. */
static void idx_release(struct applier *a, uint32_t i)
{
	struct tna_port_ent none = { 0 };

	if (bpf_map_update_elem(a->map_port_tab, &i, &none, BPF_ANY))
		pr_warn("port index %u: %s\n", i, strerror(errno));
	if (a->idx_tx[i])
		bpf_map_delete_elem(a->map_tx_idx, &i);
	a->idx_tx[i] = 0;
	a->idx_ent[i] = none;
}

/* A free index, the least recently freed: FDB entries still in flight
 * with a released index never meet its next port. */
static uint32_t idx_alloc(struct applier *a)
{
	for (uint32_t n = 0; n < TNA_MAX_IFACES - 1; n++) {
		uint32_t i = 1 + (a->idx_next + n) % (TNA_MAX_IFACES - 1);

		if (!a->idx_ent[i].ifindex) {
			a->idx_next = i;
			return i;
		}
	}
	return 0;
}

/* Port indexes: port_tab and tx_idx from the plan's bridge ports. */
static void sync_port_idx(struct applier *a, const struct plan *p)
{
	uint32_t *idx = calloc(p->nr + 1, sizeof(*idx));

	for (uint32_t i = 1; i < TNA_MAX_IFACES; i++) {
		const struct plan_iface *pi;

		if (!a->idx_ent[i].ifindex)
			continue;
		pi = plan_find(p, a->idx_ent[i].ifindex);
		if (!pi || !is_port(pi))
			idx_release(a, i);
	}
	for (int n = 0; n < p->nr; n++) {
		const struct plan_iface *pi = &p->ifaces[n];
		struct tna_port_ent e = { .ifindex = pi->ifindex,
					  .port = pi->port };
		uint32_t i;

		if (!is_port(pi))
			continue;
		i = port_idx_of(a, pi->ifindex) ?: idx_alloc(a);
		if (!i) {
			pr_warn("%s: no port index left\n", pi->name);
			continue;
		}
		/* The device first, then the entry that leads to it. */
		if (pi->egress != a->idx_tx[i]) {
			struct bpf_devmap_val v = { .ifindex = pi->ifindex };

			if (!pi->egress)
				bpf_map_delete_elem(a->map_tx_idx, &i);
			else if (bpf_map_update_elem(a->map_tx_idx, &i, &v,
						     BPF_ANY))
				pr_warn("%s: devmap update: %s\n", pi->name,
					strerror(errno));
			a->idx_tx[i] = pi->egress;
		}
		if (memcmp(&a->idx_ent[i], &e, sizeof(e))) {
			if (bpf_map_update_elem(a->map_port_tab, &i, &e,
						BPF_ANY)) {
				pr_warn("%s: port map: %s\n", pi->name,
					strerror(errno));
				continue;
			}
			a->idx_ent[i] = e;
		}
		if (idx)
			idx[n] = i;
	}
	free(a->plan_idx);
	a->plan_idx = idx;
}

/* The port index an FDB entry of plan p carries. */
static uint32_t fdb_port_idx(const struct applier *a, const struct plan *p,
			     const struct tna_fdb_val *v)
{
	const struct plan_iface *pi;

	if ((v->flags & TNA_FDB_LOCAL) || !a->plan_idx)
		return 0;
	pi = plan_find(p, v->port);
	return pi ? a->plan_idx[pi - p->ifaces] : 0;
}

static void zero_hits(struct applier *a, __u32 idx)
{
	uint64_t *zero = calloc(a->ncpus, sizeof(*zero));

	if (zero)
		bpf_map_update_elem(a->map_fdb_hits, &idx, zero, BPF_ANY);
	free(zero);
}

static int alloc_hit(struct applier *a)
{
	for (int n = 0; n < TNA_MAX_FDB; n++) {
		uint32_t idx = a->next_hit;

		a->next_hit = (a->next_hit + 1) % TNA_MAX_FDB;
		if (!a->hit_used[idx]) {
			a->hit_used[idx] = 1;
			return idx;
		}
	}
	return -1;
}

/* New entry: a fresh hit counter, then the map entry that points at it. */
static int fdb_add(struct applier *a, const struct plan_fdb *e,
		   uint32_t port_idx, struct fdb_slot *out)
{
	int idx = alloc_hit(a);

	if (idx < 0)
		return -ENOSPC;
	zero_hits(a, idx);
	out->key = e->key;
	out->val = e->val;
	out->val.hit = idx;
	out->val.port_idx = port_idx;
	out->dynamic = e->dynamic;
	out->hits = 0;
	if (bpf_map_update_elem(a->map_fdb, &out->key, &out->val, BPF_ANY)) {
		a->hit_used[idx] = 0;
		return -errno;
	}
	return 0;
}

/*
 * Merge the plan's sorted FDB with the installed one: map writes only for
 * what changed. Returns how many entries it wrote or deleted.
 */
static int change_cmp(const void *x, const void *y)
{
	const struct fdb_change *a = x, *b = y;

	if (a->bridge != b->bridge)
		return a->bridge < b->bridge ? -1 : 1;
	return memcmp(a->mac, b->mac, 6);
}

/*
 * An event named k since the last apply (changes sorted by change_cmp;
 * nr < 0: every entry counts as named).
 */
static int named(const struct fdb_change *changes, int nr,
		 const struct tna_fdb_key *k)
{
	struct fdb_change c = { .bridge = k->bridge };

	if (nr <= 0)
		return nr < 0;
	memcpy(c.mac, k->mac, 6);
	return bsearch(&c, changes, nr, sizeof(c), change_cmp) != NULL;
}

static int sync_fdb(struct applier *a, const struct plan *p,
		    const struct fdb_change *changes, int nr_changes)
{
	struct fdb_slot *next = calloc(p->nr_fdb + 1, sizeof(*next));
	int i = 0, j = 0, nr = 0, writes = 0;

	if (!next)
		return 1; /* unknown: treat as changed */
	a->fdb_full = 0;
	while (i < a->nr_fdb || j < p->nr_fdb) {
		struct fdb_slot *o = i < a->nr_fdb ? &a->fdb[i] : NULL;
		const struct plan_fdb *e = j < p->nr_fdb ? &p->fdb[j] : NULL;
		uint32_t pidx;
		int cmp = !o ? 1 :
			  !e ? -1 :
			       memcmp(&o->key, &e->key, sizeof(o->key));

		if (cmp < 0) { /* gone */
			writes++;
			bpf_map_delete_elem(a->map_fdb, &o->key);
			a->hit_used[o->val.hit] = 0;
			i++;
			continue;
		}
		if (cmp > 0) { /* new */
			writes++;
			if (fdb_add(a, e, fdb_port_idx(a, p, &e->val),
				    &next[nr]))
				a->fdb_full++;
			else
				nr++;
			j++;
			continue;
		}
		next[nr] = *o;
		next[nr].dynamic = e->dynamic;
		pidx = fdb_port_idx(a, p, &e->val);
		if (o->val.port != e->val.port ||
		    o->val.flags != e->val.flags || o->val.port_idx != pidx ||
		    named(changes, nr_changes, &e->key)) {
			next[nr].val.port = e->val.port;
			next[nr].val.flags = e->val.flags;
			next[nr].val.port_idx = pidx;
			writes++;
			if (bpf_map_update_elem(a->map_fdb, &next[nr].key,
						&next[nr].val, BPF_ANY))
				pr_warn("fdb map: %s\n", strerror(errno));
		}
		nr++;
		i++;
		j++;
	}
	if (a->fdb_full)
		pr_warn("fdb map full: %lu entries left to Linux\n",
			a->fdb_full);
	free(a->fdb);
	a->fdb = next;
	a->nr_fdb = nr;
	return writes;
}

static uint64_t hits_of(const struct applier *a, __u32 idx)
{
	uint64_t v[a->ncpus], sum = 0;

	if (bpf_map_lookup_elem(a->map_fdb_hits, &idx, v))
		return 0;
	for (int c = 0; c < a->ncpus; c++)
		sum += v[c];
	return sum;
}

int applier_fdb_active(struct applier *a, int br, struct plan_fdb *out, int max)
{
	int n = 0;

	for (int i = 0; i < a->nr_fdb && n < max; i++) {
		struct fdb_slot *f = &a->fdb[i];
		uint64_t h;

		if ((int)f->key.bridge != br || !f->dynamic)
			continue;
		h = hits_of(a, f->val.hit);
		if (h == f->hits)
			continue;
		f->hits = h;
		out[n++] = (struct plan_fdb){ .key = f->key,
					      .val = f->val,
					      .dynamic = f->dynamic };
	}
	return n;
}

int applier_nh_used(const struct applier *a, uint64_t since_ns,
		    struct tna_nh_key *out, int max)
{
	struct tna_nh_key key, next;
	uint64_t v[a->ncpus];
	void *prev = NULL;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(a->map_nh_seen, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(a->map_nh_seen, &key, v))
			continue;
		for (int c = 0; c < a->ncpus; c++)
			if (v[c] >= since_ns) {
				out[n++] = key;
				break;
			}
	}
	return n;
}

static int sync_runtime(struct applier *a)
{
	__u32 zero = 0;

	return bpf_map_update_elem(a->map_runtime, &zero, &a->rt, BPF_ANY) ?
		       -errno :
		       0;
}

/* The program attached to l was specialized for another configuration. */
static int loads_due_one(const struct applier *a, const struct loaded *l,
			 const struct plan_iface *pi)
{
	struct tna_cfg want = cfg_of(a, pi, l->cfg.slot);

	return memcmp(&want, &l->cfg, sizeof(want)) != 0;
}

/*
 * A program to load (up to hundreds of ms of verifier time): the
 * controller reads no event meanwhile.
 */
static int loads_due(const struct applier *a, const struct plan *p)
{
	for (int i = 0; i < p->nr; i++) {
		const struct plan_iface *pi = &p->ifaces[i];
		const struct loaded *l = applier_find(a, pi->ifindex);

		if (pi->accelerate && (!l || loads_due_one(a, l, pi)))
			return 1;
	}
	return 0;
}

/* The runtime switches and generations the plan implies (runtime map). */
static void apply_runtime(struct applier *a, const struct plan *p)
{
	a->rt.route_mtu4 = p->route_mtu4;
	a->rt.route_mtu6 = p->route_mtu6;
	if (a->rt.family_off != p->family_off)
		pr_info("runtime switches: IPv4 routing %s, IPv6 routing %s, bridging %s\n",
			p->family_off & TNA_RT_ROUTE4_OFF ? "to Linux" : "fast",
			p->family_off & TNA_RT_ROUTE6_OFF ? "to Linux" : "fast",
			p->family_off & TNA_RT_BRIDGE_OFF ? "to Linux" :
							    "fast");
	a->rt.family_off = p->family_off;
	if (a->rt.fw != p->fw)
		pr_info("firewall in the fast path: IPv4 %s%s, IPv6 %s, bridge %s\n",
			p->fw & TNA_RT_FW4 ? "on" : "off",
			p->fw & TNA_RT_NAT4 ? " (NAT from conntrack)" : "",
			p->fw & TNA_RT_FW6 ? "on" : "off",
			p->fw & TNA_RT_FW_BR ? "on" : "off");
	/* A new ruleset or renamed interfaces: every cached verdict is stale. */
	if (p->fw_genid != a->fw_genid || p->fw_names != a->fw_names ||
	    a->fw_hold) {
		a->rt.fw_gen++;
		a->rt.fw_nmasks = 0; /* the other bank, written anew */
	}
	a->fw_genid = p->fw_genid;
	a->fw_names = p->fw_names;
	a->fw_hold = 0;
	a->rt.fw = p->fw;
	a->rt.ct_tcp_ms = p->ct_tcp_ms;
	a->rt.ct_udp_ms = p->ct_udp_ms;
	a->rt.ct_udp_early_ms = p->ct_udp_early_ms;
	if (a->rt.rc_mtu4 != p->rc_mtu4) {
		pr_info("IPv4 route cache: %s\n",
			p->rc_mtu4 ? "on" : p->rc_note);
		a->rt.rc_gen++;
	}
	a->rt.rc_mtu4 = p->rc_mtu4;
	if (sync_runtime(a))
		pr_warn("runtime map: %s\n", strerror(errno));
}

/* The maps' content (devices, addresses, ports, FDB). */
static void apply_maps(struct applier *a, const struct plan *p,
		       const struct fdb_change *changes, int nr_changes)
{
	struct fdb_change *sorted = NULL;
	int ret;

	/* Egresses first: a program may redirect only into a listed device. */
	sync_devmap(a, p);
	sync_local(a, p);
	sync_ports(a, p);
	sync_port_idx(a, p);
	/* After the writes: copies taken before them are retired. */
	if (nr_changes > 0) {
		sorted = malloc(nr_changes * sizeof(*sorted));
		if (sorted) {
			memcpy(sorted, changes, nr_changes * sizeof(*sorted));
			qsort(sorted, nr_changes, sizeof(*sorted), change_cmp);
		} else {
			nr_changes = -1; /* every entry named: written again */
		}
	}
	ret = sync_fdb(a, p, sorted, nr_changes);
	free(sorted);
	if (ret) {
		a->rt.fdb_gen++;
		if (sync_runtime(a))
			pr_warn("runtime map: %s\n", strerror(errno));
	}
}

/* Programs: unload what the plan drops, load or swap what it changed. */
static int apply_programs(struct applier *a, const struct plan *p)
{
	int failed = 0;

	for (int i = a->nr - 1; i >= 0; i--) {
		const struct plan_iface *pi = plan_find(p, a->ifs[i].ifindex);

		if (!pi || !pi->accelerate)
			unload(a, &a->ifs[i],
			       pi ? pi->reason : "interface gone");
	}
	for (int i = 0; i < p->nr; i++) {
		const struct plan_iface *pi = &p->ifaces[i];
		struct loaded *l =
			(struct loaded *)applier_find(a, pi->ifindex);
		int err = 0;

		if (!pi->accelerate) {
			clear_error(a, pi->ifindex);
			continue;
		}
		if (l && !loads_due_one(a, l, pi)) {
			clear_error(a, pi->ifindex);
			continue;
		}
		/* Not foreseen by loads_due() (a port index that changed). */
		if (!applier_is_busy(a)) {
			a->rt.bypass |= TNA_BYPASS_BUSY;
			if (sync_runtime(a))
				pr_warn("runtime map: %s\n", strerror(errno));
		}
		if (!l)
			err = iface_start(a, pi);
		else
			err = iface_swap(a, l, pi);
		if (err) {
			set_error(a, pi->ifindex, "attach failed: %s", err);
			pr_warn("%s: attach failed: %s\n", pi->name,
				strerror(-err));
			failed++;
		} else {
			clear_error(a, pi->ifindex);
		}
	}
	return failed ? -EIO : 0;
}

int applier_apply(struct applier *a, const struct plan *p,
		  const struct fdb_change *changes, int nr_changes)
{
	/*
	 * Events that arrive while programs load are read only afterwards:
	 * until then every fast path hands its packets to Linux (the
	 * caller resumes them once it has caught up, applier_resume()).
	 */
	if (loads_due(a, p))
		a->rt.bypass |= TNA_BYPASS_BUSY;
	apply_runtime(a, p);
	apply_maps(a, p, changes, nr_changes);
	return apply_programs(a, p);
}

static void applier_release(struct applier *a)
{
	while (a->nr)
		unload(a, &a->ifs[a->nr - 1], "daemon stopping");
	shared_close(a);
	free(a->tx);
	free(a->local);
	free(a->fdb);
	free(a->hit_used);
	free(a->plan_idx);
	a->plan_idx = NULL;
	a->tx = NULL;
	a->local = NULL;
	a->fdb = NULL;
	a->hit_used = NULL;
	a->nr_fdb = a->nr_ports = 0;
}

struct applier *applier_new(enum xdp_mode_pref mode)
{
	struct applier *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return NULL;
	err = applier_init(a, mode);
	if (err) {
		free(a);
		errno = -err;
		return NULL;
	}
	return a;
}

void applier_free(struct applier *a)
{
	if (!a)
		return;
	applier_release(a);
	free(a);
}

unsigned long applier_fdb_not_mirrored(const struct applier *a)
{
	return a->fdb_full;
}

int applier_ncpus(const struct applier *a)
{
	return a->ncpus;
}

int applier_fw_upcall_fd(const struct applier *a)
{
	return a->map_fw_upcall;
}

uint32_t applier_fw_gen(const struct applier *a)
{
	return a->rt.fw_gen;
}

int applier_fw_held(const struct applier *a)
{
	return a->fw_hold;
}

int applier_flow_get(const struct applier *a, const struct tna_fw_key *k,
		     struct tna_fw_val *v)
{
	return bpf_map_lookup_elem(a->map_fw_flows, k, v) ? -errno : 0;
}

int applier_flow_put(struct applier *a, const struct tna_fw_key *k,
		     const struct tna_fw_val *v)
{
	return bpf_map_update_elem(a->map_fw_flows, k, v, BPF_ANY) ? -errno : 0;
}

static int mask_bits(const struct tna_fw_key *m)
{
	const uint8_t *b = (const void *)m;
	int n = 0;

	for (size_t i = 0; i < sizeof(*m); i++)
		n += __builtin_popcount(b[i]);
	return n;
}

/* Every bit of m is in w: w's verdicts are exact for m's flows too. */
static int mask_covers(const struct tna_fw_key *w, const struct tna_fw_key *m)
{
	const uint8_t *a = (const void *)w, *b = (const void *)m;

	for (size_t i = 0; i < sizeof(*m); i++)
		if (b[i] & ~a[i])
			return 0;
	return 1;
}

/* Appends mask m to the generation's bank: its index, or -errno. */
static int mask_add(struct applier *a, const struct tna_fw_key *m)
{
	uint32_t n = a->rt.fw_nmasks, idx = tna_fw_bank(a->rt.fw_gen) + n;
	int ret;

	/* the mask first: a program that sees the count reads it whole */
	if (bpf_map_update_elem(a->map_fw_masks, &idx, m, BPF_ANY))
		return -errno;
	a->fw_mask[n] = *m;
	a->rt.fw_nmasks = n + 1;
	ret = sync_runtime(a);
	if (ret) {
		a->rt.fw_nmasks = n;
		return ret;
	}
	return (int)n;
}

int applier_fw_mask(struct applier *a, const struct tna_fw_key *m)
{
	uint32_t n = a->rt.fw_nmasks;
	struct tna_fw_key ones;
	int best = -1;

	memset(&ones, 0xff, sizeof(ones));
	ones.mask = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!memcmp(&a->fw_mask[i], m, sizeof(*m)))
			return (int)i;
	/* the last slot is kept for the all-ones mask */
	if (n + 1 < TNA_FW_MASKS ||
	    (n + 1 == TNA_FW_MASKS && !memcmp(m, &ones, sizeof(ones))))
		return mask_add(a, m);
	for (uint32_t i = 0; i < n; i++)
		if (mask_covers(&a->fw_mask[i], m) &&
		    (best < 0 ||
		     mask_bits(&a->fw_mask[i]) < mask_bits(&a->fw_mask[best])))
			best = (int)i;
	if (best >= 0)
		return best;
	return n < TNA_FW_MASKS ? mask_add(a, &ones) : -ENOSPC;
}

uint32_t applier_fw_nmasks(const struct applier *a)
{
	return a->rt.fw_nmasks;
}

const struct loaded *applier_find(const struct applier *a, int ifindex)
{
	for (int i = 0; i < a->nr; i++)
		if (a->ifs[i].ifindex == ifindex)
			return &a->ifs[i];
	return NULL;
}

int applier_prog_ids(const struct applier *a, uint32_t *ids, int max)
{
	int n = 0;

	for (int i = 0; i < a->nr && n < max; i++)
		ids[n++] = a->ifs[i].prog_id;
	return n;
}

int applier_counters(const struct applier *a, int ifindex,
		     struct tna_counter out[TNA_STAT_MAX])
{
	const struct loaded *l = applier_find(a, ifindex);
	const struct counter_history *h =
		history((struct applier *)a, ifindex, 0);

	memset(out, 0, TNA_STAT_MAX * sizeof(*out));
	if (!l && !h)
		return -ENOENT;
	if (l && slot_counters(a, l->cfg.slot, out))
		return -ENOMEM;
	for (int s = 0; h && s < TNA_STAT_MAX; s++) {
		out[s].packets += h->c[s].packets;
		out[s].bytes += h->c[s].bytes;
	}
	return 0;
}

int applier_fw_hold(struct applier *a)
{
	/* Until the next plan: every flow, routed or bridged, asks, and is
	 * answered only from the ruleset read after this. */
	a->rt.fw_gen++;
	a->rt.fw_nmasks = 0;
	a->rt.fw = TNA_RT_FW4 | TNA_RT_FW6 | TNA_RT_FW_BR;
	a->fw_hold = 1;
	return sync_runtime(a);
}

int applier_set_bypass(struct applier *a, int on)
{
	a->rt.bypass = (a->rt.bypass & ~TNA_BYPASS_USER) |
		       (on ? TNA_BYPASS_USER : 0);
	return sync_runtime(a);
}

int applier_route_event(struct applier *a)
{
	a->rt.rc_gen++;
	return sync_runtime(a);
}

int applier_busy(struct applier *a)
{
	if (a->rt.bypass & TNA_BYPASS_BUSY)
		return 0;
	a->rt.bypass |= TNA_BYPASS_BUSY;
	return sync_runtime(a);
}

int applier_is_busy(const struct applier *a)
{
	return !!(a->rt.bypass & TNA_BYPASS_BUSY);
}

int applier_resume(struct applier *a)
{
	a->rt.bypass &= ~TNA_BYPASS_BUSY;
	return sync_runtime(a);
}
