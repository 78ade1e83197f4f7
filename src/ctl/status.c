// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Plan and status output: one walk over the plan, in text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "status.h"

#define STAT_NAME(n, s) s,
static const char *const stat_names[] = { TNA_STATS(STAT_NAME) };
#undef STAT_NAME

const char *status_stat_name(int stat)
{
	return stat_names[stat];
}

void status_counters_total(const struct tna_counter *c,
			   struct tna_counter *fast, struct tna_counter *linux_)
{
	memset(fast, 0, sizeof(*fast));
	memset(linux_, 0, sizeof(*linux_));
	for (int s = 0; s < TNA_STAT_MAX; s++) {
		struct tna_counter *t = s < TNA_STAT_FIRST_FALLBACK ? fast :
								      linux_;

		t->packets += c[s].packets;
		t->bytes += c[s].bytes;
	}
}

static const char *stp_state_name(uint32_t state)
{
	static const char *const names[] = { "disabled", "listening",
					     "learning", "forwarding",
					     "blocking" };

	return state < 5 ? names[state] : "?";
}

static const char *bridge_name(const struct plan *p, int ifindex)
{
	const struct plan_bridge *b = plan_bridge_find(p, ifindex);

	return b ? b->name : "?";
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

static void render_iface_json(struct json *j, const struct plan *p,
			      const struct plan_iface *pi,
			      const struct applier *a)
{
	const struct loaded *l = a ? applier_find(a, pi->ifindex) : NULL;
	const char *err = a ? applier_error(a, pi->ifindex) : NULL;
	struct tna_counter c[TNA_STAT_MAX], fast, to_linux;

	json_obj_open(j, NULL);
	json_str(j, "name", pi->name);
	json_int(j, "ifindex", pi->ifindex);
	json_bool(j, "accelerated", pi->accelerate);
	if (pi->accelerate)
		json_null(j, "reason");
	else
		json_str(j, "reason", pi->reason);
	render_modules_json(j, pi->features);
	if (pi->bridge)
		json_str(j, "bridge", bridge_name(p, pi->bridge));
	else
		json_null(j, "bridge");
	if (pi->has_port && !(pi->port.flags & TNA_PORT_IS_BRIDGE))
		json_int(j, "port_state", pi->port.state);
	else
		json_null(j, "port_state");
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
		status_counters_total(c, &fast, &to_linux);
		json_obj_open(j, "counters");
		json_obj_open(j, "fast_path");
		json_u64(j, "packets", fast.packets);
		json_u64(j, "bytes", fast.bytes);
		json_u64(j, "routed", c[TNA_STAT_FORWARDED].packets);
		json_u64(j, "bridged", c[TNA_STAT_BRIDGED].packets);
		json_obj_close(j);
		json_obj_open(j, "to_linux");
		json_u64(j, "packets", to_linux.packets);
		json_u64(j, "bytes", to_linux.bytes);
		json_obj_close(j);
		json_obj_open(j, "fallback");
		for (int s = TNA_STAT_FIRST_FALLBACK; s < TNA_STAT_MAX; s++)
			json_u64(j, stat_names[s],
				 (unsigned long long)c[s].packets);
		json_obj_close(j);
		json_obj_close(j);
	}
	json_obj_close(j);
}

/* "Ip: Forwarding DefaultTTL ... ForwDatagrams" header line, then values. */
static long long snmp4_field(const char *field)
{
	char head[1024], vals[1024], *hs, *vs, *h, *v;
	long long ret = -1;
	FILE *f = fopen("/proc/net/snmp", "r");

	if (!f)
		return -1;
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(head, "Ip: ", 4))
			continue;
		h = strtok_r(head + 4, " \n", &hs);
		v = strtok_r(vals + 4, " \n", &vs);
		for (; h && v; h = strtok_r(NULL, " \n", &hs),
			       v = strtok_r(NULL, " \n", &vs))
			if (!strcmp(h, field))
				ret = atoll(v);
		break;
	}
	fclose(f);
	return ret;
}

static long long snmp6_field(const char *field)
{
	char name[128];
	long long v, ret = -1;
	FILE *f = fopen("/proc/net/snmp6", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127s %lld", name, &v) == 2)
		if (!strcmp(name, field))
			ret = v;
	fclose(f);
	return ret;
}

void status_kernel_counters(struct status_extra *x)
{
	x->kernel_fwd4 = snmp4_field("ForwDatagrams");
	x->kernel_fwd6 = snmp6_field("Ip6OutForwDatagrams");
}

/* Packets routed by the fast path on every interface since the daemon started. */
unsigned long long status_fast_routed(const struct plan *p,
				      const struct applier *a)
{
	struct tna_counter c[TNA_STAT_MAX];
	unsigned long long n = 0;

	for (int i = 0; a && i < p->nr; i++)
		if (!applier_counters(a, p->ifaces[i].ifindex, c))
			n += c[TNA_STAT_FORWARDED].packets;
	return n;
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
	/* up to which length IPv4 packets may use it; 0: off, see the note */
	json_u64(&j, "route_cache_ipv4_mtu", p->rc_mtu4);
	if (!p->rc_mtu4)
		json_str(&j, "route_cache_ipv4_off", p->rc_note);
	if (x) {
		json_u64(&j, "fdb_refreshes", x->fdb_refreshes);
		json_u64(&j, "neigh_revalidations", x->neigh_revalidations);
		/* The IP MIB misses fast-path packets: both, and their sum. */
		json_obj_open(&j, "ip_forwarded");
		json_int(&j, "linux_ipv4", x->kernel_fwd4);
		json_int(&j, "linux_ipv6", x->kernel_fwd6);
		json_u64(&j, "fast_path", status_fast_routed(p, a));
		json_u64(&j, "total",
			 (x->kernel_fwd4 > 0 ? x->kernel_fwd4 : 0) +
				 (x->kernel_fwd6 > 0 ? x->kernel_fwd6 : 0) +
				 status_fast_routed(p, a));
		json_obj_close(&j);
	}
	if (a)
		json_u64(&j, "fdb_not_mirrored", applier_fdb_not_mirrored(a));
	if (x && x->veth_gro) {
		json_arr_open(&j, "veth_peer_gro");
		for (int i = 0; i < x->nr_peers; i++) {
			const struct vethpeer *vp = &x->peers[i];

			json_obj_open(&j, NULL);
			json_str(&j, "veth", vp->veth_name);
			json_str(&j, "peer", vp->peer_name);
			json_int(&j, "peer_ifindex", vp->peer_ifindex);
			json_bool(&j, "gro_on_by_tna", vp->on);
			if (vp->on)
				json_null(&j, "reason");
			else
				json_str(&j, "reason", vp->why);
			json_obj_close(&j);
		}
		json_arr_close(&j);
	}
	json_obj_open(&j, "firewall");
	json_str(&j, "ipv4", p->fw_note[0]);
	json_str(&j, "ipv6", p->fw_note[1]);
	json_str(&j, "bridge", p->fw_note[2]);
	if (x) {
		json_u64(&j, "flows_evaluated", x->fw_upcalls);
		json_u64(&j, "flows_accepted", x->fw_accepted);
		json_u64(&j, "flows_dropped", x->fw_dropped);
		json_u64(&j, "flows_undecidable", x->fw_undecided);
		json_u64(&j, "verdicts_wildcarded", x->fw_wildcarded);
		json_u64(&j, "wildcard_masks", x->fw_masks);
		json_arr_open(&j, "undecidable_reasons");
		for (int i = 0; i < x->nr_whys; i++) {
			json_obj_open(&j, NULL);
			json_str(&j, "reason",
				 x->whys[i].why[0] ? x->whys[i].why : "other");
			json_u64(&j, "flows", x->whys[i].flows);
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_u64(&j, "conntrack_window_tracking_off", x->ct_liberal);
		json_u64(&j, "conntrack_not_yet_there", x->ct_missing);
		/* Linux counts what it sees, the fast path what it carries. */
		json_arr_open(&j, "rule_counters");
		for (int i = 0; i < x->nr_rules; i++) {
			const struct rule_line *r = &x->rules[i];

			json_obj_open(&j, NULL);
			json_str(&j, "rule", r->what);
			json_u64(&j, "linux_packets", r->linux_packets);
			json_u64(&j, "linux_bytes", r->linux_bytes);
			json_u64(&j, "fast_path_packets", r->fast_packets);
			json_u64(&j, "fast_path_bytes", r->fast_bytes);
			json_u64(&j, "packets",
				 r->linux_packets + r->fast_packets);
			json_u64(&j, "bytes", r->linux_bytes + r->fast_bytes);
			json_obj_close(&j);
		}
		json_arr_close(&j);
	}
	json_obj_close(&j);
	json_arr_open(&j, "bridges");
	for (int i = 0; i < p->nr_bridges; i++) {
		const struct plan_bridge *b = &p->bridges[i];

		json_obj_open(&j, NULL);
		json_str(&j, "name", b->name);
		json_int(&j, "ifindex", b->ifindex);
		json_bool(&j, "accelerated", b->accelerate);
		if (b->accelerate)
			json_null(&j, "reason");
		else
			json_str(&j, "reason", b->reason);
		json_u64(&j, "ageing_time_cs", b->ageing_cs);
		json_int(&j, "ports", b->nr_ports);
		json_int(&j, "fdb_entries", b->nr_fdb);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_arr_open(&j, "interfaces");
	for (int i = 0; i < p->nr; i++)
		render_iface_json(&j, p, &p->ifaces[i], a);
	json_arr_close(&j);
	json_obj_close(&j);
	fputc('\n', out);
}

static void render_iface_text(FILE *out, const struct plan *p,
			      const struct plan_iface *pi,
			      const struct applier *a)
{
	const struct loaded *l = a ? applier_find(a, pi->ifindex) : NULL;
	const char *err = a ? applier_error(a, pi->ifindex) : NULL;
	struct tna_counter c[TNA_STAT_MAX], fast, to_linux;
	char mods[128];

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
	if (pi->has_port && !(pi->port.flags & TNA_PORT_IS_BRIDGE))
		fprintf(out, "%-15s   port of bridge %s, STP state %s\n", "",
			bridge_name(p, pi->port.bridge),
			stp_state_name(pi->port.state));
	if (!pi->egress)
		fprintf(out, "%-15s   egress: %s\n", "", pi->egress_reason);
	if (!a || applier_counters(a, pi->ifindex, c))
		return;
	status_counters_total(c, &fast, &to_linux);
	fprintf(out,
		"%-15s   fast path %llu pkts %llu bytes (routed %llu, bridged %llu), to Linux %llu pkts\n",
		"", (unsigned long long)fast.packets,
		(unsigned long long)fast.bytes,
		(unsigned long long)c[TNA_STAT_FORWARDED].packets,
		(unsigned long long)c[TNA_STAT_BRIDGED].packets,
		(unsigned long long)to_linux.packets);
	for (int s = TNA_STAT_FIRST_FALLBACK; s < TNA_STAT_MAX; s++)
		if (c[s].packets)
			fprintf(out, "%-15s     %-24s %llu\n", "",
				stat_names[s],
				(unsigned long long)c[s].packets);
}

void status_render(FILE *out, const struct plan *p, const struct applier *a,
		   const struct status_extra *x, enum status_format f)
{
	if (f == STATUS_JSON) {
		render_json(out, p, a, x);
		return;
	}
	fprintf(out, "%s\n", a ? "tna status" : "tna plan (nothing attached)");
	if (x && x->bypass)
		fprintf(out, "bypass on: every packet is handed to Linux\n");
	if (x)
		fprintf(out,
			"IP forwarded since boot: Linux %lld (IPv4) + %lld (IPv6), fast path %llu (since start; not in the kernel's IP counters)\n",
			x->kernel_fwd4, x->kernel_fwd6,
			status_fast_routed(p, a));
	if (p->rc_mtu4)
		fprintf(out, "IPv4 route cache: on (packets up to %u bytes)\n",
			p->rc_mtu4);
	else
		fprintf(out, "IPv4 route cache: off (%s)\n", p->rc_note);
	fprintf(out, "firewall: IPv4 %s; IPv6 %s; bridge family %s\n",
		p->fw_note[0], p->fw_note[1], p->fw_note[2]);
	if (x && (p->fw & (TNA_RT_FW4 | TNA_RT_FW6)))
		fprintf(out,
			"firewall flows: %lu evaluated, %lu accepted, %lu dropped, %lu left to Linux; %lu verdicts wildcarded (%lu masks)\n",
			x->fw_upcalls, x->fw_accepted, x->fw_dropped,
			x->fw_undecided, x->fw_wildcarded, x->fw_masks);
	for (int i = 0; x && i < x->nr_whys; i++)
		fprintf(out, "  left to Linux: %lu flows: %s\n",
			x->whys[i].flows,
			x->whys[i].why[0] ? x->whys[i].why : "other reasons");
	for (int i = 0; x && i < x->nr_rules; i++)
		fprintf(out,
			"  rule %s: %llu packets %llu bytes (Linux %llu, fast path %llu)\n",
			x->rules[i].what,
			x->rules[i].linux_packets + x->rules[i].fast_packets,
			x->rules[i].linux_bytes + x->rules[i].fast_bytes,
			x->rules[i].linux_packets, x->rules[i].fast_packets);
	for (int i = 0; i < p->nr_bridges; i++) {
		const struct plan_bridge *b = &p->bridges[i];

		if (b->accelerate)
			fprintf(out,
				"bridge %s: %d ports, %d FDB entries mirrored, ageing %u.%02u s\n",
				b->name, b->nr_ports, b->nr_fdb,
				b->ageing_cs / 100, b->ageing_cs % 100);
		else
			fprintf(out, "bridge %s: not accelerated: %s\n",
				b->name, b->reason);
	}
	if (x && p->nr_bridges)
		fprintf(out, "FDB refreshes sent: %lu\n", x->fdb_refreshes);
	if (a && applier_fdb_not_mirrored(a))
		fprintf(out, "FDB map full: %lu entries left to Linux\n",
			applier_fdb_not_mirrored(a));
	for (int i = 0; x && i < x->nr_peers; i++)
		fprintf(out, "veth %s: peer %s (ifindex %d): %s%s\n",
			x->peers[i].veth_name, x->peers[i].peer_name,
			x->peers[i].peer_ifindex,
			x->peers[i].on ? "GRO turned on by tna (--veth-gro)" :
					 "GRO not turned on: ",
			x->peers[i].on ? "" : x->peers[i].why);
	for (int i = 0; i < p->nr; i++)
		render_iface_text(out, p, &p->ifaces[i], a);
}
