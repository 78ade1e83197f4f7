// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Plan and status output: one walk over the plan, in text or JSON. */
#include <string.h>
#include "json.h"
#include "status.h"

#define STAT_NAME(n, s) s,
static const char *const stat_names[] = { TNA_STATS(STAT_NAME) };
#undef STAT_NAME

static void counters_total(const struct tna_counter *c,
			   struct tna_counter *linux_total)
{
	memset(linux_total, 0, sizeof(*linux_total));
	for (int s = 1; s < TNA_STAT_MAX; s++) {
		linux_total->packets += c[s].packets;
		linux_total->bytes += c[s].bytes;
	}
}

static void render_modules_json(struct json *j, uint64_t features)
{
	static const char *const names[] = TNA_FEATURE_NAMES;

	json_arr_open(j, "modules");
	for (int i = 0; i < TNA_NR_FEATURES; i++)
		if (features & (1ULL << i))
			json_str(j, NULL, names[i]);
	json_arr_close(j);
}

static void render_iface_json(struct json *j, const struct plan_iface *pi,
			      const struct applier *a)
{
	const struct loaded *l = a ? applier_find(a, pi->ifindex) : NULL;
	const char *err = a ? applier_error(a, pi->ifindex) : NULL;
	struct tna_counter c[TNA_STAT_MAX], to_linux;

	json_obj_open(j, NULL);
	json_str(j, "name", pi->name);
	json_int(j, "ifindex", pi->ifindex);
	json_bool(j, "accelerated", pi->accelerate);
	if (pi->accelerate)
		json_null(j, "reason");
	else
		json_str(j, "reason", pi->reason);
	render_modules_json(j, pi->features);
	json_obj_open(j, "family_fallback");
	for (int f = 0; f < 2; f++) {
		const char *k = f ? "ipv6" : "ipv4";

		if (pi->family_note[f][0])
			json_str(j, k, pi->family_note[f]);
		else
			json_null(j, k);
	}
	json_obj_close(j);
	json_bool(j, "egress_xdp", pi->egress);
	if (pi->egress)
		json_null(j, "egress_reason");
	else
		json_str(j, "egress_reason", pi->egress_reason);
	if (a) {
		json_bool(j, "attached", l != NULL);
		if (err)
			json_str(j, "error", err);
		else
			json_null(j, "error");
	}
	if (l) {
		json_str(j, "mode", l->generic ? "generic" : "native");
		json_u64(j, "prog_id", l->prog_id);
		json_u64(j, "swaps", l->swaps);
	}
	if (a && !applier_counters(a, pi->ifindex, c)) {
		counters_total(c, &to_linux);
		json_obj_open(j, "counters");
		json_obj_open(j, "fast_path");
		json_u64(j, "packets", c[0].packets);
		json_u64(j, "bytes", c[0].bytes);
		json_obj_close(j);
		json_obj_open(j, "to_linux");
		json_u64(j, "packets", to_linux.packets);
		json_u64(j, "bytes", to_linux.bytes);
		json_obj_close(j);
		json_obj_open(j, "fallback");
		for (int s = 1; s < TNA_STAT_MAX; s++)
			json_u64(j, stat_names[s],
				 (unsigned long long)c[s].packets);
		json_obj_close(j);
		json_obj_close(j);
	}
	json_obj_close(j);
}

static void render_json(FILE *out, const struct plan *p,
			const struct applier *a, const struct status_extra *x)
{
	struct json j;

	json_init(&j, out);
	json_obj_open(&j, NULL);
	json_int(&j, "version", 1);
	json_bool(&j, "running", a != NULL);
	if (x) {
		json_u64(&j, "model_generation", x->generation);
		json_u64(&j, "netlink_resyncs", x->resyncs);
		json_bool(&j, "bypass", x->bypass);
	}
	json_u64(&j, "local_addresses", p->nr_local);
	json_arr_open(&j, "interfaces");
	for (int i = 0; i < p->nr; i++)
		render_iface_json(&j, &p->ifaces[i], a);
	json_arr_close(&j);
	json_obj_close(&j);
	fputc('\n', out);
}

static void render_iface_text(FILE *out, const struct plan_iface *pi,
			      const struct applier *a)
{
	const struct loaded *l = a ? applier_find(a, pi->ifindex) : NULL;
	const char *err = a ? applier_error(a, pi->ifindex) : NULL;
	struct tna_counter c[TNA_STAT_MAX], to_linux;
	char mods[64];

	if (!pi->accelerate) {
		fprintf(out, "%-15s not accelerated: %s\n", pi->name,
			pi->reason);
	} else if (a && !l) {
		fprintf(out, "%-15s not attached: %s\n", pi->name,
			err ? err : "pending");
	} else {
		fprintf(out, "%-15s %-8s modules %s", pi->name,
			!l	   ? "planned" :
			l->generic ? "generic" :
				     "native",
			plan_modules(pi->features, mods, sizeof(mods)));
		for (int f = 0; f < 2; f++)
			if (pi->family_note[f][0])
				fprintf(out, "; %s to Linux: %s",
					f ? "ipv6" : "ipv4",
					pi->family_note[f]);
		fputc('\n', out);
	}
	if (!pi->egress)
		fprintf(out, "%-15s   egress: %s\n", "", pi->egress_reason);
	if (!a || applier_counters(a, pi->ifindex, c))
		return;
	counters_total(c, &to_linux);
	fprintf(out,
		"%-15s   fast path %llu pkts %llu bytes, to Linux %llu pkts\n",
		"", (unsigned long long)c[0].packets,
		(unsigned long long)c[0].bytes,
		(unsigned long long)to_linux.packets);
	for (int s = 1; s < TNA_STAT_MAX; s++)
		if (c[s].packets)
			fprintf(out, "%-15s     %-24s %llu\n", "",
				stat_names[s],
				(unsigned long long)c[s].packets);
}

void status_render(FILE *out, const struct plan *p, const struct applier *a,
		   const struct status_extra *x, int json)
{
	if (json) {
		render_json(out, p, a, x);
		return;
	}
	fprintf(out, "%s\n", a ? "tna status" : "tna plan (nothing attached)");
	if (x && x->bypass)
		fprintf(out, "bypass on: every packet is handed to Linux\n");
	for (int i = 0; i < p->nr; i++)
		render_iface_text(out, &p->ifaces[i], a);
}
