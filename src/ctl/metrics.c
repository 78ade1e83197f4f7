// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live status as OpenMetrics text (`tna status --format openmetrics`,
 * `tna run --metrics-file`): every counter `tna status --json` shows, per
 * interface and reason, and the daemon's own CPU time and memory. Each
 * family is written whole (TYPE, UNIT, HELP, then its samples); names
 * follow Prometheus' conventions (tna_ prefix, base units as suffixes,
 * counters' samples end in _total).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "metrics.h"

enum kind { COUNTER, GAUGE };

static void family(FILE *o, const char *name, enum kind k, const char *unit,
		   const char *help)
{
	fprintf(o, "# TYPE %s %s\n", name, k == COUNTER ? "counter" : "gauge");
	if (unit)
		fprintf(o, "# UNIT %s %s\n", name, unit);
	fprintf(o, "# HELP %s %s\n", name, help);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *o, const char *v)
{
	fputc('"', o);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', o);
		if (*v == '\n') {
			fputs("\\n", o);
			continue;
		}
		fputc(*v, o);
	}
	fputc('"', o);
}

/* One sample; labels: key, value pairs, NULL-terminated (or NULL). */
static void sample(FILE *o, const char *name, enum kind k,
		   const char *const *labels, unsigned long long v)
{
	fprintf(o, "%s%s", name, k == COUNTER ? "_total" : "");
	for (int i = 0; labels && labels[i]; i += 2) {
		fprintf(o, "%s%s=", i ? "," : "{", labels[i]);
		label_value(o, labels[i + 1]);
	}
	fprintf(o, "%s %llu\n", labels && labels[0] ? "}" : "", v);
}

/* A family with one unlabelled sample. */
static void single(FILE *o, const char *name, enum kind k, const char *unit,
		   const char *help, unsigned long long v)
{
	family(o, name, k, unit, help);
	sample(o, name, k, NULL, v);
}

/* Per-interface counters, read once: [i][stat] for the plan's interfaces. */
struct iface_ctrs {
	int ok;
	struct tna_counter c[TNA_STAT_MAX], fast, to_linux;
};

static void per_iface(FILE *o, const struct plan *p,
		      const struct iface_ctrs *ic, const char *name,
		      const char *unit, const char *help, int which)
{
	family(o, name, COUNTER, unit, help);
	for (int i = 0; i < p->nr; i++) {
		const char *l[] = { "interface", p->ifaces[i].name, NULL };
		const struct iface_ctrs *c = &ic[i];
		unsigned long long v;

		if (!c->ok)
			continue;
		switch (which) {
		case 0:
			v = c->fast.packets;
			break;
		case 1:
			v = c->fast.bytes;
			break;
		case 2:
			v = c->c[TNA_STAT_FORWARDED].packets;
			break;
		case 3:
			v = c->c[TNA_STAT_BRIDGED].packets;
			break;
		case 4:
			v = c->to_linux.packets;
			break;
		default:
			v = c->to_linux.bytes;
		}
		sample(o, name, COUNTER, l, v);
	}
}

static void interfaces(FILE *o, const struct plan *p, const struct applier *a)
{
	struct iface_ctrs *ic = calloc(p->nr ? p->nr : 1, sizeof(*ic));

	if (!ic)
		return;
	for (int i = 0; a && i < p->nr; i++) {
		ic[i].ok = !applier_counters(a, p->ifaces[i].ifindex, ic[i].c);
		if (ic[i].ok)
			status_counters_total(ic[i].c, &ic[i].fast,
					      &ic[i].to_linux);
	}
	family(o, "tna_interface_accelerated", GAUGE, NULL,
	       "1 if the plan accelerates the interface, else 0 (tna status says why).");
	for (int i = 0; i < p->nr; i++) {
		const char *l[] = { "interface", p->ifaces[i].name, NULL };

		sample(o, "tna_interface_accelerated", GAUGE, l,
		       p->ifaces[i].accelerate);
	}
	if (a) {
		family(o, "tna_interface_attached", GAUGE, NULL,
		       "1 if tna's program is attached to the interface, by attach mode.");
		for (int i = 0; i < p->nr; i++) {
			const struct loaded *ld =
				applier_find(a, p->ifaces[i].ifindex);
			const char *l[] = {
				"interface", p->ifaces[i].name, "mode",
				ld && ld->generic ? "generic" : "native", NULL
			};

			sample(o, "tna_interface_attached", GAUGE, l,
			       ld != NULL);
		}
		family(o, "tna_interface_program_swaps", COUNTER, NULL,
		       "Programs replaced in place on the interface (respecialized).");
		for (int i = 0; i < p->nr; i++) {
			const struct loaded *ld =
				applier_find(a, p->ifaces[i].ifindex);
			const char *l[] = { "interface", p->ifaces[i].name,
					    NULL };

			if (ld)
				sample(o, "tna_interface_program_swaps",
				       COUNTER, l, ld->swaps);
		}
	}
	per_iface(o, p, ic, "tna_fast_path_packets", NULL,
		  "Packets the fast path carried from the interface.", 0);
	per_iface(o, p, ic, "tna_fast_path_bytes", "bytes",
		  "Bytes the fast path carried from the interface.", 1);
	per_iface(o, p, ic, "tna_fast_path_routed_packets", NULL,
		  "Packets the fast path routed from the interface.", 2);
	per_iface(o, p, ic, "tna_fast_path_bridged_packets", NULL,
		  "Packets the fast path bridged from the interface.", 3);
	per_iface(o, p, ic, "tna_to_linux_packets", NULL,
		  "Packets the fast path handed to Linux on the interface.", 4);
	per_iface(o, p, ic, "tna_to_linux_bytes", "bytes",
		  "Bytes the fast path handed to Linux on the interface.", 5);
	family(o, "tna_to_linux_reason_packets", COUNTER, NULL,
	       "Packets handed to Linux, by interface and reason (docs/status.md).");
	for (int i = 0; i < p->nr; i++)
		for (int s = TNA_STAT_FIRST_FALLBACK;
		     ic[i].ok && s < TNA_STAT_MAX; s++) {
			const char *l[] = { "interface", p->ifaces[i].name,
					    "reason", status_stat_name(s),
					    NULL };

			sample(o, "tna_to_linux_reason_packets", COUNTER, l,
			       ic[i].c[s].packets);
		}
	free(ic);
}

/* Rule counters, one sample for Linux's count and one for the fast path's. */
static void rule_family(FILE *o, const struct status_extra *x, const char *name,
			const char *unit, const char *help, int bytes)
{
	family(o, name, COUNTER, unit, help);
	for (int i = 0; i < x->nr_rules; i++) {
		const struct rule_line *r = &x->rules[i];
		const char *ll[] = { "rule", r->what, "path", "linux", NULL };
		const char *lf[] = { "rule", r->what, "path", "fast_path",
				     NULL };

		sample(o, name, COUNTER, ll,
		       bytes ? r->linux_bytes : r->linux_packets);
		sample(o, name, COUNTER, lf,
		       bytes ? r->fast_bytes : r->fast_packets);
	}
}

static void firewall(FILE *o, const struct status_extra *x)
{
	single(o, "tna_firewall_flows_evaluated", COUNTER, NULL,
	       "Flows the controller evaluated against the ruleset (upcalls).",
	       x->fw_upcalls);
	single(o, "tna_firewall_flows_accepted", COUNTER, NULL,
	       "Evaluated flows the ruleset accepts (carried by the fast path).",
	       x->fw_accepted);
	single(o, "tna_firewall_flows_dropped", COUNTER, NULL,
	       "Evaluated flows the ruleset drops or rejects (left to Linux).",
	       x->fw_dropped);
	single(o, "tna_firewall_flows_undecidable", COUNTER, NULL,
	       "Evaluated flows that reach something not modelled (left to Linux).",
	       x->fw_undecided);
	single(o, "tna_firewall_verdicts_wildcarded", COUNTER, NULL,
	       "Verdicts cached for every flow agreeing on the bits the rules read.",
	       x->fw_wildcarded);
	single(o, "tna_firewall_wildcard_masks", GAUGE, NULL,
	       "Masks of wildcarded verdicts in use for the current ruleset.",
	       x->fw_masks);
	single(o, "tna_firewall_conntrack_window_tracking_off", COUNTER, NULL,
	       "Connections whose TCP window tracking tna turned off before carrying them.",
	       x->ct_liberal);
	single(o, "tna_firewall_conntrack_not_yet_there", COUNTER, NULL,
	       "Verdicts not cached yet: conntrack had no entry for the flow.",
	       x->ct_missing);
	family(o, "tna_firewall_undecidable_reason_flows", COUNTER, NULL,
	       "Flows left to Linux by the firewall model, by reason.");
	for (int i = 0; i < x->nr_whys; i++) {
		const char *l[] = { "reason",
				    x->whys[i].why[0] ? x->whys[i].why :
							"other",
				    NULL };

		sample(o, "tna_firewall_undecidable_reason_flows", COUNTER, l,
		       x->whys[i].flows);
	}
	rule_family(
		o, x, "tna_firewall_rule_packets", NULL,
		"Packets a forward-path rule with a counter counted, by who saw them.",
		0);
	rule_family(
		o, x, "tna_firewall_rule_bytes", "bytes",
		"Bytes a forward-path rule with a counter counted, by who saw them.",
		1);
}

static void process(FILE *o)
{
	struct rusage ru;
	unsigned long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	if (!getrusage(RUSAGE_SELF, &ru)) {
		unsigned long long us =
			(unsigned long long)(ru.ru_utime.tv_sec +
					     ru.ru_stime.tv_sec) *
				1000000ULL +
			ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;

		family(o, "tna_process_cpu_seconds", COUNTER, "seconds",
		       "CPU time the daemon used, user and system.");
		fprintf(o, "tna_process_cpu_seconds_total %llu.%06llu\n",
			us / 1000000, us % 1000000);
	}
	single(o, "tna_process_resident_memory_bytes", GAUGE, "bytes",
	       "The daemon's resident memory.",
	       rss * (unsigned long long)sysconf(_SC_PAGESIZE));
}

void metrics_render(FILE *o, const struct plan *p, const struct applier *a,
		    const struct status_extra *x)
{
	single(o, "tna_running", GAUGE, NULL,
	       "1 while the daemon runs and its programs are attached.",
	       a != NULL);
	if (x) {
		single(o, "tna_model_changes", COUNTER, NULL,
		       "Changes of the mirrored Linux configuration seen.",
		       x->generation);
		single(o, "tna_netlink_resyncs", COUNTER, NULL,
		       "Full netlink re-dumps (after a lost event).",
		       x->resyncs);
		single(o, "tna_bypass", GAUGE, NULL,
		       "1 while every packet is handed to Linux (bypass switch).",
		       x->bypass);
		single(o, "tna_fdb_refreshes", COUNTER, NULL,
		       "FDB entries refreshed in Linux for stations the fast path saw.",
		       x->fdb_refreshes);
		single(o, "tna_neigh_revalidations", COUNTER, NULL,
		       "Stale next hops the fast path used, sent to Linux to re-probe.",
		       x->neigh_revalidations);
		family(o, "tna_ip_forwarded_packets", COUNTER, NULL,
		       "IP packets forwarded, by Linux (its IP MIB) and by the fast path.");
		if (x->kernel_fwd4 >= 0)
			sample(o, "tna_ip_forwarded_packets", COUNTER,
			       (const char *[]){ "path", "linux", "family",
						 "ipv4", NULL },
			       (unsigned long long)x->kernel_fwd4);
		if (x->kernel_fwd6 >= 0)
			sample(o, "tna_ip_forwarded_packets", COUNTER,
			       (const char *[]){ "path", "linux", "family",
						 "ipv6", NULL },
			       (unsigned long long)x->kernel_fwd6);
		sample(o, "tna_ip_forwarded_packets", COUNTER,
		       (const char *[]){ "path", "fast_path", NULL },
		       status_fast_routed(p, a));
	}
	single(o, "tna_local_addresses", GAUGE, NULL,
	       "Local addresses the fast path hands to Linux.", p->nr_local);
	single(o, "tna_route_cache_ipv4_mtu_bytes", GAUGE, "bytes",
	       "Longest IPv4 packet the route cache serves (0: cache off).",
	       p->rc_mtu4);
	if (a)
		single(o, "tna_fdb_not_mirrored", GAUGE, NULL,
		       "FDB entries left to Linux because the map is full.",
		       applier_fdb_not_mirrored(a));
	family(o, "tna_bridge_fdb_entries", GAUGE, NULL,
	       "FDB entries mirrored into the fast path, per bridge.");
	for (int i = 0; i < p->nr_bridges; i++)
		sample(o, "tna_bridge_fdb_entries", GAUGE,
		       (const char *[]){ "bridge", p->bridges[i].name, NULL },
		       p->bridges[i].nr_fdb);
	if (x && x->veth_gro) {
		family(o, "tna_veth_peer_gro", GAUGE, NULL,
		       "1 if tna turned GRO on in the veth's peer (--veth-gro).");
		for (int i = 0; i < x->nr_peers; i++)
			sample(o, "tna_veth_peer_gro", GAUGE,
			       (const char *[]){ "veth", x->peers[i].veth_name,
						 "peer", x->peers[i].peer_name,
						 NULL },
			       x->peers[i].on);
	}
	interfaces(o, p, a);
	if (x)
		firewall(o, x);
	process(o);
	fputs("# EOF\n", o);
}
