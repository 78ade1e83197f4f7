// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon: mirror -> planner -> applier, driven by netlink events, a
 * 1 s timer for what has no events, the control socket and signals.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <linux/neighbour.h>
#include <linux/netfilter.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "daemon.h"
#include "flows.h"
#include "metrics.h"
#include "vethpeer.h"
#include "log.h"
#include "mirror.h"
#include "status.h"
#include "nft.h"

#define OWN_IDS 1024

struct daemon {
	const struct run_opts *o;
	struct model m;
	struct mirror mi;
	struct applier *a;
	struct flows fl;
	struct vethpeers vp;
	struct plan plan;
	/* Every program id this process attached: link events can arrive late. */
	uint32_t own[OWN_IDS];
	int nr_own;
	int bypass;
	/* FDB refresh: when each bridge (by ifindex) was last looked at. */
	struct {
		int ifindex;
		uint64_t at_ms;
	} refreshed[TNA_MAX_IFACES];
	unsigned long fdb_refreshes;
	struct plan_fdb *active; /* scratch: TNA_MAX_FDB entries */
	uint64_t nh_scanned_ns; /* CLOCK_MONOTONIC_COARSE of the last scan */
	unsigned long neigh_revalidations;
	int lfd, sfd, tfd; /* control socket, signalfd, 250 ms timer */
	int stop;
	unsigned long metrics_ticks; /* timer ticks, for --metrics-file */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static const struct neigh *find_neigh(const struct model *m,
				      const struct tna_nh_key *k)
{
	int len = k->family == AF_INET ? 4 : 16;

	for (int i = 0; i < m->nr_neighs; i++) {
		const struct neigh *n = &m->neighs[i];

		if (n->family == (int)k->family &&
		    n->ifindex == (int)k->ifindex &&
		    !memcmp(n->dst, k->addr, len))
			return n;
	}
	return NULL;
}

/*
 * Linux re-validates a STALE neighbour when it forwards a packet to it
 * (STALE -> DELAY -> probe); packets only the fast path carries do not.
 * Once a second, next hops the fast path sampled since the last look whose
 * entry is STALE get NTF_USE, which starts exactly that. A neighbour that
 * stopped answering then fails, and the FIB helper sends its traffic to
 * Linux (no_neighbour).
 */
static void neigh_keepalive(struct daemon *d)
{
	struct tna_nh_key used[256];
	struct timespec ts;
	uint64_t now;
	int n;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (now < d->nh_scanned_ns + 1000000000ULL)
		return;
	n = applier_nh_used(d->a, d->nh_scanned_ns, used, 256);
	d->nh_scanned_ns = now;
	for (int i = 0; i < n; i++) {
		const struct neigh *ne = find_neigh(&d->m, &used[i]);

		if (!ne || !(ne->state & NUD_STALE))
			continue;
		int err = mirror_neigh_use(&d->mi, used[i].family,
					   used[i].ifindex, used[i].addr);

		if (err) {
			pr_debug("neighbour revalidation: %s\n",
				 strerror(-err));
			continue;
		}
		d->neigh_revalidations++;
		pr_debug("neighbour in use and stale: revalidation started\n");
	}
}

/*
 * Keep Linux's FDB from ageing out stations whose frames only the fast
 * path sees: every quarter of ageing_time, entries whose source the fast
 * path carried since the last look get a silent NTF_USE refresh. Idle
 * stations are left alone and age out on Linux's schedule.
 */
static void fdb_refresh(struct daemon *d)
{
	uint64_t now = now_ms();
	struct plan_fdb *act = d->active;

	for (int b = 0; b < d->plan.nr_bridges && b < TNA_MAX_IFACES; b++) {
		const struct plan_bridge *br = &d->plan.bridges[b];
		uint64_t period = br->ageing_cs * 10ULL / 4;
		int n;

		if (!br->accelerate)
			continue;
		if (period < 250)
			period = 250;
		if (period > 30000)
			period = 30000;
		if (d->refreshed[b].ifindex == br->ifindex &&
		    now < d->refreshed[b].at_ms + period)
			continue;
		d->refreshed[b].ifindex = br->ifindex;
		d->refreshed[b].at_ms = now;
		n = applier_fdb_active(d->a, br->ifindex, act, TNA_MAX_FDB);
		for (int i = 0; i < n; i++) {
			int err = mirror_fdb_use(&d->mi, act[i].val.port,
						 act[i].key.mac);

			if (err)
				pr_debug("%s: fdb refresh: %s\n", br->name,
					 strerror(-err));
			else
				d->fdb_refreshes++;
		}
		if (n)
			pr_debug("%s: refreshed %d active FDB entries\n",
				 br->name, n);
	}
}

static void remember_own(struct daemon *d)
{
	uint32_t ids[TNA_MAX_IFACES];
	int n = applier_prog_ids(d->a, ids, TNA_MAX_IFACES);

	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int k = 0; k < d->nr_own && k < OWN_IDS && !seen; k++)
			seen = d->own[k] == ids[i];
		if (!seen)
			d->own[d->nr_own++ % OWN_IDS] = ids[i];
	}
}

static void plan_opts_from(const struct run_opts *o, struct plan_opts *po)
{
	memset(po, 0, sizeof(*po));
	po->include = o->include;
	po->nr_include = o->nr_include;
	po->exclude = o->exclude;
	po->nr_exclude = o->nr_exclude;
}

static int replan(struct daemon *d)
{
	const struct fdb_change *changes;
	struct plan_opts po;
	struct plan next;
	int ret, nr_changes;

	plan_opts_from(d->o, &po);
	po.own_prog_ids = d->own;
	po.nr_own = d->nr_own < OWN_IDS ? d->nr_own : OWN_IDS;
	d->m.dirty = 0;
	ret = plan_build(&d->m, &po, &next);
	if (ret)
		return ret;
	changes = mirror_fdb_changes(&d->mi, &nr_changes);
	ret = applier_apply(d->a, &next, changes, nr_changes);
	mirror_fdb_changes_clear(&d->mi);
	remember_own(d);
	plan_free(&d->plan);
	d->plan = next;
	/* the peers' GRO events replan with them as egresses */
	if (d->o->veth_gro)
		vethpeers_sync(&d->vp, &d->m, &d->plan);
	return ret;
}

/*
 * Rules with counters on the forward path: Linux's values read now, plus
 * what the fast path carried for flows those rules counted.
 */
static int rule_lines(struct daemon *d, struct rule_line **out)
{
	struct fw_ruleset rs;
	int n = 0;

	*out = NULL;
	if (!d->plan.fw && !d->fl.nr_rules)
		return 0;
	flows_harvest(&d->fl);
	if (fw_load(&rs, NULL))
		return 0;
	for (int c = 0; c < rs.nr_chains; c++)
		for (int r = 0; r < rs.chains[c].n; r++)
			n += rs.chains[c].r[r].counter;
	*out = calloc(n ? n : 1, sizeof(**out));
	n = 0;
	for (int c = 0; *out && c < rs.nr_chains; c++) {
		const struct fw_chain *ch = &rs.chains[c];

		for (int r = 0; r < ch->n; r++) {
			struct rule_line *l = &(*out)[n];
			uint64_t fp, fb;

			if (!ch->r[r].counter)
				continue;
			flows_rule_totals(&d->fl, ch->family, ch->table,
					  ch->name, ch->r[r].handle, &fp, &fb);
			snprintf(l->what, sizeof(l->what),
				 "%s %.60s %.60s handle %llu",
				 fw_family_name(ch->family), ch->table,
				 ch->name, (unsigned long long)ch->r[r].handle);
			l->linux_packets = ch->r[r].packets;
			l->linux_bytes = ch->r[r].bytes;
			l->fast_packets = fp;
			l->fast_bytes = fb;
			n++;
		}
	}
	fw_free(&rs);
	return *out ? n : 0;
}

/* The counters the status shows besides the plan's (x->rules: free()). */
static void extra_fill(struct daemon *d, struct status_extra *x)
{
	*x = (struct status_extra){
		.generation = d->m.generation,
		.resyncs = d->mi.resyncs,
		.bypass = d->bypass,
		.fdb_refreshes = d->fdb_refreshes,
		.neigh_revalidations = d->neigh_revalidations,
		.fw_upcalls = d->fl.upcalls,
		.fw_accepted = d->fl.accepted,
		.fw_dropped = d->fl.dropped,
		.fw_undecided = d->fl.undecided,
		.peers = d->vp.p,
		.nr_peers = d->vp.n,
		.veth_gro = d->o->veth_gro,
		.whys = d->fl.whys,
		.nr_whys = d->fl.nr_whys,
		.ct_liberal = d->fl.ct_liberal,
		.ct_missing = d->fl.ct_missing,
		.fw_wildcarded = d->fl.wildcarded,
		.fw_masks = applier_fw_nmasks(d->a),
	};
	status_kernel_counters(x);
	x->nr_rules = rule_lines(d, (struct rule_line **)&x->rules);
}

/*
 * --metrics-file: the OpenMetrics status written beside PATH and renamed
 * over it, so a reader (node_exporter's textfile collector) never sees a
 * partial file.
 */
static void metrics_file(struct daemon *d)
{
	char tmp[PATH_MAX];
	struct status_extra x;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", d->o->metrics_file) >=
	    (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f) {
		pr_warn("metrics file %s: %s\n", tmp, strerror(errno));
		return;
	}
	extra_fill(d, &x);
	metrics_render(f, &d->plan, d->a, &x);
	free((void *)x.rules);
	if (fclose(f) || rename(tmp, d->o->metrics_file)) {
		pr_warn("metrics file %s: %s\n", d->o->metrics_file,
			strerror(errno));
		unlink(tmp);
	}
}

static void serve(struct daemon *d, int lfd)
{
	struct status_extra x = { 0 };
	char req[128];
	FILE *out;
	int fd = ctl_accept(lfd, req, sizeof(req));

	if (fd < 0)
		return;
	if (!strncmp(req, "status", 6))
		extra_fill(d, &x);
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		return;
	}
	if (!strcmp(req, "status") || !strcmp(req, "status json") ||
	    !strcmp(req, "status openmetrics")) {
		if (!strcmp(req, "status openmetrics"))
			metrics_render(out, &d->plan, d->a, &x);
		else
			status_render(out, &d->plan, d->a, &x,
				      req[6] ? STATUS_JSON : STATUS_TEXT);
	} else if (!strncmp(req, "attached ", 9)) {
		int ok = 0;

		for (int i = 0; i < d->plan.nr; i++)
			if (!strcmp(d->plan.ifaces[i].name, req + 9))
				ok = applier_find(d->a,
						  d->plan.ifaces[i].ifindex) !=
				     NULL;
		fprintf(out, "%d\n", ok);
	} else if (!strcmp(req, "bypass on") || !strcmp(req, "bypass off")) {
		d->bypass = !strcmp(req, "bypass on");
		fprintf(out, "%s\n",
			applier_set_bypass(d->a, d->bypass) ? "error" : "ok");
	} else {
		fprintf(out, "error: unknown request\n");
	}
	fclose(out);
	free((void *)x.rules);
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int setup_timer(void)
{
	/* Polls what has no events (sysctls, captures opened with -p). */
	struct itimerspec its = { { 0, 250000000 }, { 0, 250000000 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Events were lost (or SIGHUP): until the re-dump is applied, the maps may
 * be stale. Cached routes retire now; none is cached while busy.
 */
static void resync_begin(struct daemon *d)
{
	if (applier_busy(d->a) || applier_route_event(d->a))
		pr_warn("runtime map: %s\n", strerror(errno));
}

/*
 * Events on one netlink socket: the model takes them, the fast path is
 * told what cannot wait for the next plan, then the mirror reads what
 * they left stale.
 */
static void on_events(struct daemon *d, int fd)
{
	unsigned int ev = mirror_read(&d->mi, fd);
	int err = 0;

	if (ev & MIRROR_EV_RESYNC)
		resync_begin(d);
	if (ev & MIRROR_EV_ROUTE)
		err = applier_route_event(d->a);
	/* The new ruleset is read next: no verdict cached before it holds. */
	if (ev & MIRROR_EV_NFT)
		err = err ?: applier_fw_hold(d->a);
	if (err)
		pr_warn("runtime map: %s\n", strerror(errno));
	err = mirror_refresh(&d->mi);
	if (err)
		pr_warn("reading the configuration: %s\n", strerror(-err));
}

/*
 * The controller was busy (programs loaded, a full re-dump) and read no
 * event meanwhile, so the fast paths hand everything to Linux. Read what
 * queued up and apply it, again if that loaded programs, then resume. A
 * steady stream of events keeps them handing over; the main loop comes
 * back here after serving its other sources.
 */
static void settle(struct daemon *d)
{
	for (int round = 0; round < 64 && applier_is_busy(d->a); round++) {
		int fds[4], n = mirror_fds(&d->mi, fds, 4), ready = 0;
		struct pollfd p[4];

		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i],
						.events = POLLIN };
		if (poll(p, n, 0) < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("poll: %s\n", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++)
			if (p[i].revents) {
				on_events(d, p[i].fd);
				ready = 1;
			}
		if (d->m.dirty)
			replan(d);
		else if (!ready && applier_resume(d->a))
			pr_warn("runtime map: %s\n", strerror(errno));
	}
}

enum { FD_SIG, FD_TIMER, FD_CTL, FD_FLOWS, FD_NL };

/* Everything the loop needs, in order; 0, or 1 with the reason printed. */
static int daemon_open(struct daemon *d)
{
	d->active = calloc(TNA_MAX_FDB, sizeof(*d->active));
	if (!d->active)
		return 1;
	d->lfd = ctl_listen();
	if (d->lfd == -EADDRINUSE) {
		fprintf(stderr,
			"tna: already running in this network namespace\n");
		return 1;
	}
	if (d->lfd < 0) {
		fprintf(stderr, "tna: control socket: %s\n", strerror(-d->lfd));
		return 1;
	}
	d->sfd = setup_signals();
	d->tfd = setup_timer();
	if (d->sfd < 0 || d->tfd < 0) {
		fprintf(stderr, "tna: signals/timer: %s\n", strerror(errno));
		return 1;
	}
	if (mirror_open(&d->mi, &d->m, 1) || mirror_sync(&d->mi)) {
		fprintf(stderr, "tna: cannot read the network configuration\n");
		return 1;
	}
	d->a = applier_new(d->o->mode);
	if (!d->a) {
		fprintf(stderr, "tna: cannot create BPF maps: %s\n",
			strerror(errno));
		return 1;
	}
	if (flows_open(&d->fl, d->a, &d->m)) {
		fprintf(stderr, "tna: firewall flow verdicts: %s\n",
			strerror(errno));
		return 1;
	}
	if (d->o->veth_gro && vethpeers_open(&d->vp)) {
		fprintf(stderr, "tna: --veth-gro: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* Detaches everything (the applier's links) and frees what was opened. */
static void daemon_close(struct daemon *d)
{
	flows_close(&d->fl);
	applier_free(d->a);
	/* after the programs are gone: nothing redirects into a peer any more */
	vethpeers_close(&d->vp);
	mirror_close(&d->mi);
	if (d->sfd >= 0)
		close(d->sfd);
	if (d->tfd >= 0)
		close(d->tfd);
	if (d->lfd >= 0)
		close(d->lfd);
	plan_free(&d->plan);
	model_free(&d->m);
	free(d->active);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGHUP) {
		d->stop = 1;
		return;
	}
	pr_info("SIGHUP: full resync\n");
	resync_begin(d);
	if (mirror_sync(&d->mi))
		pr_warn("resync failed\n");
}

/*
 * One round of the loop: signals, the timer's polls, netlink events, a
 * new plan if the model changed, verdict upcalls, the timer's
 * keepalives, control requests. -1 when poll() failed.
 */
static int daemon_step(struct daemon *d)
{
	struct pollfd pfd[FD_NL + 4];
	int fds[4], n = mirror_fds(&d->mi, fds, 4), tick = 0, nfds;

	pfd[FD_SIG] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
	pfd[FD_TIMER] = (struct pollfd){ .fd = d->tfd, .events = POLLIN };
	pfd[FD_CTL] = (struct pollfd){ .fd = d->lfd, .events = POLLIN };
	pfd[FD_FLOWS] =
		(struct pollfd){ .fd = flows_fd(&d->fl), .events = POLLIN };
	for (int i = 0; i < n; i++)
		pfd[FD_NL + i] =
			(struct pollfd){ .fd = fds[i], .events = POLLIN };
	nfds = FD_NL + n;
	if (poll(pfd, nfds, -1) < 0)
		return errno == EINTR ? 0 : -1;
	if (pfd[FD_SIG].revents)
		on_signal(d);
	if (pfd[FD_TIMER].revents) {
		uint64_t ticks;

		if (read(d->tfd, &ticks, sizeof(ticks)) < 0)
			pr_debug("timer read: %s\n", strerror(errno));
		mirror_poll(&d->mi);
		tick = 1;
	}
	for (int i = FD_NL; i < nfds; i++)
		if (pfd[i].revents)
			on_events(d, pfd[i].fd);
	if (d->m.dirty && !d->stop)
		replan(d);
	if (!d->stop)
		settle(d);
	/* After the plan: verdicts come from the newest ruleset. */
	if (pfd[FD_FLOWS].revents)
		flows_poll(&d->fl);
	/* After the events: a station that moved is not refreshed back. */
	if (tick && !d->stop) {
		flows_harvest(&d->fl);
		fdb_refresh(d);
		neigh_keepalive(d);
		if (d->o->metrics_file && ++d->metrics_ticks % 20 == 1)
			metrics_file(d); /* every 5 s, and at once */
	}
	if (pfd[FD_CTL].revents)
		serve(d, d->lfd);
	return 0;
}

int daemon_run(const struct run_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int ret = 1;

	if (!d)
		return 1;
	d->o = o;
	d->lfd = d->sfd = d->tfd = d->vp.self_fd = -1;
	model_init(&d->m);
	if (!daemon_open(d)) {
		replan(d);
		settle(d);
		pr_info("running\n");
		while (!d->stop && !daemon_step(d))
			;
		pr_info("stopping: detaching everything\n");
		ret = 0;
	}
	if (o->metrics_file) /* no stale numbers once nothing runs */
		unlink(o->metrics_file);
	daemon_close(d);
	free(d);
	return ret;
}

/* Programs named like ours are a running daemon's, not someone else's. */
static int tna_prog_ids(const struct model *m, uint32_t *ids, int max)
{
	int n = 0;

	for (int i = 0; i < m->nr_links && n < max; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (!m->links[i].xdp_prog_id)
			continue;
		fd = bpf_prog_get_fd_by_id(m->links[i].xdp_prog_id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "tna_xdp"))
			ids[n++] = info.id;
		close(fd);
	}
	return n;
}

int plan_once(const struct run_opts *o)
{
	uint32_t own[TNA_MAX_IFACES];
	struct plan_opts po;
	struct mirror mi;
	struct model m;
	struct plan p;
	int ret = 1;

	model_init(&m);
	if (mirror_open(&mi, &m, 0) || mirror_sync(&mi)) {
		fprintf(stderr, "tna: cannot read the network configuration\n");
		goto out;
	}
	plan_opts_from(o, &po);
	po.own_prog_ids = own;
	po.nr_own = tna_prog_ids(&m, own, TNA_MAX_IFACES);
	if (plan_build(&m, &po, &p)) {
		fprintf(stderr, "tna: planning failed\n");
		goto out_mirror;
	}
	status_render(stdout, &p, NULL, NULL,
		      o->json ? STATUS_JSON : STATUS_TEXT);
	plan_free(&p);
	ret = 0;
out_mirror:
	mirror_close(&mi);
out:
	model_free(&m);
	return ret;
}
