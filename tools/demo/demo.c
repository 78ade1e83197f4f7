// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tna-demo: gen ns --veth-- dut ns (a router, or with --topology bridge
 * a Linux bridge, or with bridge-router a bridge port whose bridge routes
 * out of the other veth) --veth-- sink ns, configured with plain `ip`. Phases,
 * interleaved per round:
 *   linux: the DUT forwards with Linux alone;
 *   tna:   `tna run` is active in the router namespace;
 *   floor: (--floor) the router's ingress drops in XDP, measuring what the
 *          generator and receive cost alone, so forwarding ns/packet =
 *          1/rate - 1/floor_rate;
 *   bare:  (--bare) the ingress redirects every frame to the egress with
 *          no lookup at all: the practical limit of an XDP forwarder;
 *   fib:   (--bare, router) a minimal XDP router on the ingress (the
 *          kernel's xdp_fwd sample: bpf_fib_lookup, TTL, MACs, redirect),
 *          the reference an XDP forwarder is usually compared with.
 * --paired instead runs tna once per round and flips its runtime bypass
 * switch every 50 ms while traffic flows: each pair of windows compares
 * Linux and tna on the same live topology within 100 ms.
 * The whole run is serialized on CPU 0 (generator, veth NAPI, router).
 * Traffic comes from one of three engines (traffic.h): by default a closed
 * loop, where frames seeded once go round gen0 -> DUT -> sink0, whose XDP
 * program counts each and redirects it back into gen0 (the floor phase's
 * program on r0 does the same without the DUT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "demo.h"

enum phase { PH_LINUX, PH_TNA, PH_FLOOR, PH_BARE, PH_FIB, PH_MAX };
static const char *const phase_name[] = { "linux", "tna", "floor", "bare",
					  "fib" };

static const char *topo_name(const struct demo_opts *o)
{
	return o->bridge ? "bridge" : o->br_router ? "bridge-router" : "router";
}

/* Phases this run measures. */
static int phase_on(const struct demo_opts *o, int ph)
{
	switch (ph) {
	case PH_FLOOR:
		return o->floor;
	case PH_BARE:
		return o->bare;
	case PH_FIB:
		return o->bare && !o->bridge && !o->br_router;
	default:
		return 1;
	}
}

struct demo {
	char ns[3][48]; /* gen, dut, sink */
	const struct demo_opts *o;
	int engine; /* the engine in use (never ENGINE_AUTO) */
	double spread[PH_MAX]; /* largest 1 s window spread of each phase */
	char tna[PATH_MAX]; /* the tna executable */
	pid_t daemon;
	struct sink_handle sink;
	unsigned char frame[FRAME_LEN];
	unsigned char announce[FRAME_LEN]; /* bridge: the sink says where it is */
	int created;
	int br_netfilter; /* bridge: bridge-nf-call-iptables in the DUT */
};

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "tna demo: failed: %s\n", cmd);
	return rc == 0 ? 0 : -1;
}

static int in_ns_write(const char *ns, const char *path, const char *val)
{
	int saved, ret = netns_enter(ns, &saved);

	if (!ret)
		ret = write_file(path, val);
	netns_leave(saved);
	return ret;
}

static void teardown(struct demo *d)
{
	if (d->daemon > 0) {
		kill(d->daemon, SIGTERM);
		waitpid(d->daemon, NULL, 0);
		d->daemon = 0;
	}
	if (d->sink.skel)
		sink_detach(&d->sink);
	if (!d->created)
		return;
	for (int i = 0; i < 3; i++) {
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null",
			 d->ns[i]);
		if (system(cmd))
			fprintf(stderr, "tna demo: could not delete %s\n",
				d->ns[i]);
	}
	d->created = 0;
}

static int setup_router(struct demo *d)
{
	const char *g = d->ns[0], *r = d->ns[1], *s = d->ns[2];

	if (sh("ip -n %s addr add 10.10.1.1/24 dev gen0 && ip -n %s addr add 10.10.2.1/24 dev sink0",
	       g, s) ||
	    sh("ip -n %s addr add 10.10.1.254/24 dev r0 && ip -n %s addr add 10.10.2.254/24 dev r1",
	       r, r))
		return -1;
	return in_ns_write(r, "/proc/sys/net/ipv4/ip_forward", "1");
}

/*
 * bridge-router: r0 is br0's only port, the gateway address on br0; the
 * router's other leg is r1, as in the router topology.
 */
static int setup_br_router(struct demo *d)
{
	const char *g = d->ns[0], *r = d->ns[1], *s = d->ns[2];
	int saved;

	if (sh("ip -n %s addr add 10.10.1.1/24 dev gen0 && ip -n %s addr add 10.10.2.1/24 dev sink0",
	       g, s) ||
	    sh("ip -n %s link add br0 type bridge && ip -n %s link set r0 master br0 && ip -n %s link set br0 up",
	       r, r, r) ||
	    sh("ip -n %s addr add 10.10.1.254/24 dev br0 && ip -n %s addr add 10.10.2.254/24 dev r1",
	       r, r))
		return -1;
	if (d->o->br_netfilter >= 0 &&
	    in_ns_write(r, "/proc/sys/net/bridge/bridge-nf-call-iptables",
			d->o->br_netfilter ? "1" : "0")) {
		fprintf(stderr, "tna demo: br_netfilter: cannot set\n");
		return -1;
	}
	if (netns_enter(r, &saved))
		return -1;
	d->br_netfilter =
		read_int_file("/proc/sys/net/bridge/bridge-nf-call-iptables") ==
		1;
	netns_leave(saved);
	return in_ns_write(r, "/proc/sys/net/ipv4/ip_forward", "1");
}

/* Once the links are up: the hosts' routes through the router. */
static int setup_router_routes(struct demo *d)
{
	return sh(
		"ip -n %s route add default via 10.10.1.254 && ip -n %s route add default via 10.10.2.254",
		d->ns[0], d->ns[2]);
}

/* br0 with ports r0 and r1; br_netfilter as asked, or as the kernel has it. */
static int setup_bridge(struct demo *d)
{
	const char *g = d->ns[0], *r = d->ns[1], *s = d->ns[2];
	const char *nf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
	const char *nf6 = "/proc/sys/net/bridge/bridge-nf-call-ip6tables";
	int saved;

	if (sh("ip -n %s addr add 10.10.1.1/24 dev gen0 && ip -n %s addr add 10.10.1.2/24 dev sink0",
	       g, s) ||
	    sh("ip -n %s link add br0 type bridge && ip -n %s link set r0 master br0 && ip -n %s link set r1 master br0 && ip -n %s link set br0 up",
	       r, r, r, r))
		return -1;
	if (d->o->br_netfilter >= 0 &&
	    (in_ns_write(r, nf, d->o->br_netfilter ? "1" : "0") ||
	     in_ns_write(r, nf6, d->o->br_netfilter ? "1" : "0"))) {
		fprintf(stderr, "tna demo: br_netfilter %s: %s\n",
			d->o->br_netfilter ? "on" : "off",
			d->o->br_netfilter ? "module not loaded" :
					     "cannot write the sysctl");
		return -1;
	}
	if (netns_enter(r, &saved))
		return -1;
	d->br_netfilter = read_int_file(nf) == 1;
	netns_leave(saved);
	return 0;
}

static int setup(struct demo *d)
{
	const char *g = d->ns[0], *r = d->ns[1], *s = d->ns[2];
	unsigned char gmac[6], rmac[6], smac[6];
	unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int saved, ret;

	d->created = 1;
	if (sh("ip netns add %s && ip netns add %s && ip netns add %s", g, r,
	       s) ||
	    sh("ip -n %s link add gen0 type veth peer name r0 netns %s", g,
	       r) ||
	    sh("ip -n %s link add r1 type veth peer name sink0 netns %s", r,
	       s) ||
	    (d->o->bridge    ? setup_bridge(d) :
	     d->o->br_router ? setup_br_router(d) :
			       setup_router(d)) ||
	    sh("ip -n %s link set gen0 up && ip -n %s link set lo up", g, g) ||
	    sh("ip -n %s link set r0 up && ip -n %s link set r1 up && ip -n %s link set lo up",
	       r, r, r) ||
	    sh("ip -n %s link set sink0 up && ip -n %s link set lo up", s, s) ||
	    (!d->o->bridge && setup_router_routes(d)) ||
	    /* frames the generator sends need NAPI on the receiving veth */
	    sh("ip netns exec %s ethtool -K r0 gro on >/dev/null", r))
		return -1;

	ret = netns_enter(s, &saved);
	if (!ret)
		ret = sink_attach("sink0", &d->sink);
	if (!ret)
		ret = if_mac("sink0", smac);
	netns_leave(saved);
	if (ret) {
		fprintf(stderr, "tna demo: sink: %s\n", strerror(-ret));
		return -1;
	}
	ret = netns_enter(r, &saved);
	if (!ret) /* the router's MAC on the generator's side */
		ret = if_mac(d->o->br_router ? "br0" : "r0", rmac);
	netns_leave(saved);
	ret = ret ?: netns_enter(g, &saved);
	if (!ret)
		ret = if_mac("gen0", gmac);
	netns_leave(saved);
	if (ret)
		return -1;
	if (d->o->bridge) {
		frame_udp4(d->frame, smac, gmac, inet_addr("10.10.1.1"),
			   inet_addr("10.10.1.2"));
		frame_udp4(d->announce, bcast, smac, inet_addr("10.10.1.2"),
			   inet_addr("10.10.1.255"));
	} else {
		frame_udp4(d->frame, rmac, gmac, inet_addr("10.10.1.1"),
			   inet_addr(d->o->nat == DEMO_NAT_DNAT ?
					     "10.10.1.254" :
					     "10.10.2.1"));
	}
	ret = sink_loop_target(&d->sink, g, "gen0", d->frame);
	if (!ret)
		sink_flows(&d->sink, d->o->flows);
	if (ret)
		fprintf(stderr, "tna demo: sink loop target: %s\n",
			strerror(-ret));
	return ret ? -1 : 0;
}

/* Bridge: the sink sends one broadcast so Linux (re)learns where it is. */
static int announce_sink(struct demo *d)
{
	int saved, ret;

	if (!d->o->bridge)
		return 0;
	ret = netns_enter(d->ns[2], &saved);
	if (!ret)
		ret = raw_send("sink0", d->announce, FRAME_LEN);
	netns_leave(saved);
	if (ret)
		fprintf(stderr, "tna demo: announce: %s\n", strerror(-ret));
	return ret;
}

/*
 * --rules N: an nft forward chain Linux walks for every packet (N rules on
 * other sources and ports), then the flow's accept; --stateful puts
 * "ct state established,related accept" first, as real firewalls do.
 * Replaces the ruleset the last call loaded, in one transaction.
 */
static int setup_firewall(struct demo *d, int rules)
{
	char path[] = "/tmp/tna-demo-rules.XXXXXX";
	int fd = mkstemp(path), ret;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return -1;
	if (d->o->iptables) {
		fprintf(f, "*filter\n:FORWARD %s [0:0]\n",
			d->o->stateful ? "DROP" : "ACCEPT");
		if (d->o->stateful)
			fprintf(f,
				"-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
				"-A FORWARD -m conntrack --ctstate INVALID -j DROP\n");
		for (int i = 0; i < rules; i++)
			fprintf(f,
				"-A FORWARD -s 198.18.%d.%d -p udp --dport %d -j DROP\n",
				(i / 250) % 250, i % 250 + 1, 1000 + i % 30000);
		fprintf(f,
			"-A FORWARD -d 10.10.2.1 -p udp --dport 9 -j ACCEPT\nCOMMIT\n");
		fclose(f);
		ret = sh("ip netns exec %s iptables-nft-restore %s", d->ns[1],
			 path);
		unlink(path);
		return ret;
	}
	fprintf(f,
		"table inet demo\ndelete table inet demo\n"
		"table inet demo {\n chain forward {\n"
		"  type filter hook forward priority 0; policy %s;\n",
		d->o->stateful ? "drop" : "accept");
	if (d->o->stateful)
		fprintf(f, "  ct state established,related accept\n"
			   "  ct state invalid drop\n");
	for (int i = 0; i < rules; i++)
		fprintf(f, "  ip saddr 198.18.%d.%d udp dport %d drop\n",
			(i / 250) % 250, i % 250 + 1, 1000 + i % 30000);
	fprintf(f, "  ip daddr 10.10.2.1 udp dport 9 accept\n }\n");
	if (d->o->nat == DEMO_NAT_MASQ)
		fprintf(f, " chain post {\n"
			   "  type nat hook postrouting priority srcnat;\n"
			   "  oifname \"r1\" masquerade\n }\n");
	if (d->o->nat == DEMO_NAT_DNAT)
		fprintf(f,
			" chain pre {\n"
			"  type nat hook prerouting priority dstnat;\n"
			"  ip daddr 10.10.1.254 udp dport 9 dnat ip to 10.10.2.1\n }\n");
	fprintf(f, "}\n");
	fclose(f);
	ret = sh("ip netns exec %s nft -f %s", d->ns[1], path);
	unlink(path);
	return ret;
}

/* --stateful: the sink answers the flow once, so conntrack sees a reply. */
static int answer_flow(struct demo *d)
{
	unsigned char reply[FRAME_LEN], smac[6], rmac[6];
	int saved, ret;

	ret = netns_enter(d->ns[1], &saved);
	if (!ret)
		ret = if_mac("r1", rmac);
	netns_leave(saved);
	ret = ret ?: netns_enter(d->ns[2], &saved);
	if (ret)
		return ret;
	ret = if_mac("sink0", smac);
	if (!ret) {
		/* masqueraded: to the router's address on the sink's side */
		frame_udp4(reply, rmac, smac, inet_addr("10.10.2.1"),
			   inet_addr(d->o->nat == DEMO_NAT_MASQ ?
					     "10.10.2.254" :
					     "10.10.1.1"));
		/* ports swapped: 9 -> 1234 */
		memcpy(reply + 34, d->frame + 36, 2);
		memcpy(reply + 36, d->frame + 34, 2);
		ret = raw_send("sink0", reply, FRAME_LEN);
	}
	netns_leave(saved);
	return ret;
}

/* Ask the daemon in the router namespace; -1 when none answers. */
static int daemon_query(struct demo *d, const char *req, char **resp)
{
	int saved, ret = netns_enter(d->ns[1], &saved);

	if (!ret)
		ret = ctl_request(req, resp);
	netns_leave(saved);
	return ret;
}

static int daemon_start(struct demo *d)
{
	double deadline = now_sec() + 10;
	char *resp;

	d->daemon = fork();
	if (d->daemon < 0)
		return -1;
	if (d->daemon == 0) {
		int saved;

		if (netns_enter(d->ns[1], &saved))
			_exit(1);
		if (strchr(d->tna, '/'))
			execl(d->tna, "tna", "run", (char *)NULL);
		else
			execlp(d->tna, "tna", "run", (char *)NULL);
		fprintf(stderr, "tna demo: cannot run %s: %s\n", d->tna,
			strerror(errno));
		_exit(1);
	}
	while (now_sec() < deadline && !stop) {
		if (!daemon_query(d, "attached r0", &resp)) {
			int ok = resp[0] == '1';

			free(resp);
			if (ok)
				return 0;
		}
		if (waitpid(d->daemon, NULL, WNOHANG) == d->daemon) {
			d->daemon = 0;
			break;
		}
		usleep(20000);
	}
	fprintf(stderr, "tna demo: tna run did not attach to r0\n");
	return -1;
}

static void daemon_stop(struct demo *d)
{
	if (d->daemon <= 0)
		return;
	kill(d->daemon, SIGTERM);
	waitpid(d->daemon, NULL, 0);
	d->daemon = 0;
}

/* Packets r0's fast path forwarded so far, from `tna status --json`. */
static long long fast_path_packets(struct demo *d)
{
	long long v = -1;
	char *resp, *p;

	if (daemon_query(d, "status json", &resp))
		return -1;
	p = strstr(resp, "\"name\":\"r0\"");
	p = p ? strstr(p, "\"fast_path\":{\"packets\":") : NULL;
	if (p)
		v = atoll(p + strlen("\"fast_path\":{\"packets\":"));
	free(resp);
	return v;
}

/* Where a frame can be lost on its way, and what the loss would mean. */
static const struct {
	int ns;
	const char *ifname, *what;
} lossy[] = {
	{ 0, "gen0", "the generator's transmit" },
	{ 1, "r0", "the DUT's ingress" },
	{ 1, "r1", "the DUT's egress" },
	{ 2, "sink0", "the sink's receive" },
};
#define NR_LOSSY (sizeof(lossy) / sizeof(lossy[0]))

static int lost_now(struct demo *d, uint64_t v[NR_LOSSY])
{
	for (size_t i = 0; i < NR_LOSSY; i++) {
		int saved, ret = netns_enter(d->ns[lossy[i].ns], &saved);

		if (!ret)
			ret = if_lost(lossy[i].ifname, &v[i]);
		netns_leave(saved);
		if (ret) {
			fprintf(stderr, "tna demo: %s counters: %s\n",
				lossy[i].ifname, strerror(-ret));
			return -1;
		}
	}
	return 0;
}

#define MEASURE_TRIES 3

/* All `sent` frames arrived, but for a batch still in flight at the end. */
static int all_arrived(uint64_t received, uint64_t sent)
{
	return received + received / 10000 + 64 >= sent;
}

/* One engine run through the DUT, counted at a sink. */
struct run {
	double mpps; /* in the timed window */
	uint64_t counted; /* frames counted at the sink, the whole run */
	uint64_t sent; /* frames sent (loop: seeded) */
	uint64_t missing; /* of those, never counted: lost on the way */
	struct sampler smp; /* 1 s windows of the timed window */
};

/* The engine sends for `seconds`; `at` (the sink, or r0 for floor) counts. */
static int traffic(struct demo *d, double seconds, struct sink_handle *at,
		   struct run *r)
{
	uint64_t before = sink_count(at), looped = 0;
	double elapsed = 0;
	int saved, ret;

	memset(r, 0, sizeof(*r));
	if (d->engine == ENGINE_LOOP) {
		r->sent = d->o->inflight;
		ret = loop_run(d->ns[0], "gen0", at, d->frame, d->o->inflight,
			       seconds, &stop, &r->smp, &looped, &elapsed,
			       &r->missing, &r->counted);
		r->mpps = elapsed > 0 ? looped / elapsed / 1e6 : 0;
	} else {
		sampler_start(&r->smp, at);
		ret = netns_enter(d->ns[0], &saved);
		if (!ret)
			ret = d->engine == ENGINE_LIVE ?
				      trafgen_run("gen0", d->frame, seconds,
						  &stop, &r->smp, &r->sent,
						  &elapsed) :
				      pktsock_run("gen0", d->frame, seconds,
						  &stop, &r->smp, &r->sent,
						  &elapsed);
		netns_leave(saved);
		r->counted = sink_count(at) - before;
		r->mpps = elapsed > 0 ? r->counted / elapsed / 1e6 : 0;
		r->missing = all_arrived(r->counted, r->sent) ?
				     0 :
				     r->sent - r->counted;
	}
	if (ret || elapsed <= 0) {
		fprintf(stderr, "tna demo: %s engine: %s\n",
			engine_name(d->engine),
			ret ? strerror(-ret) : "no traffic time");
		return -1;
	}
	return 0;
}

/*
 * 1 if frames were lost between two lost_now() readings or did not arrive,
 * naming the counter that saw it; else 0.
 */
static int any_lost(const struct demo *d, const uint64_t l0[NR_LOSSY],
		    const uint64_t l1[NR_LOSSY], const struct run *r)
{
	int ret = 0;

	for (size_t i = 0; i < NR_LOSSY; i++) {
		if (l1[i] == l0[i])
			continue;
		fprintf(stderr,
			"tna demo: %llu frames lost at %s (%s, ethtool -S and ip -s link)\n",
			(unsigned long long)(l1[i] - l0[i]), lossy[i].what,
			lossy[i].ifname);
		ret = 1;
	}
	if (r->missing) {
		fprintf(stderr,
			d->engine == ENGINE_LOOP ?
				"tna demo: %llu of %llu frames in the loop did not come back: not a measurement of the DUT\n" :
				"tna demo: %llu of %llu frames sent did not arrive: not a measurement of the DUT\n",
			(unsigned long long)r->missing,
			(unsigned long long)r->sent);
		ret = 1;
	}
	return ret;
}

/*
 * traffic() for a measurement. Generator, DUT and sink share one CPU, so
 * every frame is processed before the next is sent (live, pktsock) or
 * all of the loop's frames go round (loop): all of them arrive. A frame
 * lost on the way (a full ring, a veth without NAPI, a port not
 * forwarding yet) would make the rate measure that instead of the DUT:
 * 1, naming the counter when one saw it (-1: an error).
 */
static int measure(struct demo *d, double seconds, struct sink_handle *at,
		   struct run *r)
{
	uint64_t l0[NR_LOSSY], l1[NR_LOSSY];
	int ret = lost_now(d, l0)		     ?:
			  traffic(d, seconds, at, r) ?:
						       lost_now(d, l1);

	return ret ? -1 : any_lost(d, l0, l1, r);
}

/*
 * Traffic until the path delivers every frame: the first ones wait for a
 * neighbour, and a new bridge port forwards only once the kernel's
 * link watch has run, up to a second after the link came up.
 */
static int warm_up(struct demo *d)
{
	struct run r;

	for (int i = 0; i < 50 && !stop; i++) {
		if (announce_sink(d) || traffic(d, 0.1, &d->sink, &r))
			return -1;
		if (r.counted && !r.missing)
			return 0;
	}
	fprintf(stderr,
		"tna demo: Linux did not deliver the generator's frames within 5 s\n");
	return -1;
}

/* A run's spread between its 1 s windows (max/min - 1), -1: fewer than 2. */
static double window_spread(const struct run *r)
{
	return r->smp.n >= 2 && r->smp.min > 0 ? r->smp.max / r->smp.min - 1 :
						 -1;
}

static int run_phase(struct demo *d, enum phase ph, double seconds,
		     double *mpps, double *share, double *spread)
{
	struct sink_handle floor_sink = { NULL, -1 };
	struct redirect_handle bare = { NULL, -1 };
	long long fp0 = 0, fp1;
	struct run r;
	int saved, ret = 0;

	*share = -1;
	*spread = -1;
	if (ph == PH_TNA) {
		if (daemon_start(d))
			return -1;
	} else if (ph == PH_FLOOR) {
		ret = netns_enter(d->ns[1], &saved);
		if (!ret)
			ret = sink_attach("r0", &floor_sink);
		netns_leave(saved);
		if (!ret)
			ret = sink_loop_target(&floor_sink, d->ns[0], "gen0",
					       d->frame);
		if (!ret)
			sink_flows(&floor_sink, d->o->flows);
		if (ret) {
			fprintf(stderr, "tna demo: floor sink: %s\n",
				strerror(-ret));
			if (floor_sink.skel)
				sink_detach(&floor_sink);
			return -1;
		}
	} else if (ph == PH_BARE || ph == PH_FIB) {
		ret = netns_enter(d->ns[1], &saved);
		if (!ret)
			ret = redirect_attach("r0", "r1", ph == PH_FIB, &bare);
		netns_leave(saved);
		if (ret) {
			fprintf(stderr, "tna demo: %s reference: %s\n",
				phase_name[ph], strerror(-ret));
			return -1;
		}
	}
	/* A phase that lost frames measured something else: again, twice. */
	for (int try = 0; try < MEASURE_TRIES; try++) {
		if (ph == PH_TNA)
			fp0 = fast_path_packets(d);
		ret = announce_sink(d) ?:
					 measure(d, seconds,
					 ph == PH_FLOOR ? &floor_sink : &d->sink,
						 &r);
		*mpps = r.mpps;
		*spread = window_spread(&r);
		if (ph == PH_TNA) {
			fp1 = fast_path_packets(d);
			if (fp0 >= 0 && fp1 >= 0 && r.counted)
				*share = (double)(fp1 - fp0) / r.counted;
		}
		if (ret <= 0)
			break;
		fprintf(stderr, "tna demo: %s phase lost frames%s\n",
			phase_name[ph],
			try + 1 < MEASURE_TRIES ? ": measured again" :
						  ": run failed");
		ret = -1;
	}
	if (ph == PH_TNA)
		daemon_stop(d);
	if (floor_sink.skel)
		sink_detach(&floor_sink);
	if (bare.skel)
		redirect_detach(&bare);
	return ret;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[100];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), dbl_cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double minimum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double maximum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* tna's cost per packet in round i, floor subtracted; 0 if not above it. */
static double tna_cost(const double r[PH_MAX][100], int i)
{
	double t = r[PH_TNA][i], f = r[PH_FLOOR][i];

	return t > 0 && f > t ? 1e3 / t - 1e3 / f : 0;
}

/*
 * Set s against the first rule count, round by round (the same floor, a
 * few seconds apart), medians: the scaling a drift between runs cannot
 * fake. Returns 0 when not computed.
 */
static int vs_first(const struct demo *d, double r[][PH_MAX][100], int s,
		    double *cost, double *rate)
{
	double c[100], t[100];
	int n = 0;

	for (int i = 0; i < d->o->rounds; i++) {
		double c0 = tna_cost(r[0], i), cs = tna_cost(r[s], i);

		if (c0 <= 0 || cs <= 0)
			continue;
		c[n] = cs / c0;
		t[n++] = r[s][PH_TNA][i] / r[0][PH_TNA][i];
	}
	if (!n)
		return 0;
	*cost = median(c, n);
	*rate = median(t, n);
	return 1;
}

static void report(const struct demo *d, int s, double rs[][PH_MAX][100],
		   double shares[][100])
{
	const struct demo_opts *o = d->o;
	double(*r)[100] = rs[s], *share = shares[s];
	int n = o->rounds;
	double ml = median(r[PH_LINUX], n), mt = median(r[PH_TNA], n);
	double mf = o->floor ? median(r[PH_FLOOR], n) : 0;
	double mb = o->bare ? median(r[PH_BARE], n) : 0;
	double mx = phase_on(o, PH_FIB) ? median(r[PH_FIB], n) : 0;
	double cl = 0, ct = 0, cb = 0, cx = 0, vc, vr;
	int vs = s > 0 && o->floor && vs_first(d, rs, s, &vc, &vr);

	if (o->floor && mf > ml && mf > mt) {
		cl = 1e3 / ml - 1e3 / mf; /* ns per packet */
		ct = 1e3 / mt - 1e3 / mf;
		if (mb > 0 && mf > mb)
			cb = 1e3 / mb - 1e3 / mf;
		if (mx > 0 && mf > mx)
			cx = 1e3 / mx - 1e3 / mf;
	}
	if (o->json) {
		printf("{\"topology\":\"%s\",\"engine\":\"%s\",\"rounds\":%d,\"seconds\":%d",
		       topo_name(o), engine_name(d->engine), n, o->seconds);
		if (d->engine == ENGINE_LOOP)
			printf(",\"inflight\":%d", o->inflight);
		if (o->nr_rules)
			printf(",\"ruleset\":\"%s\",\"rules\":%d,\"stateful\":%s",
			       o->iptables ? "iptables" : "nft", o->rules[s],
			       o->stateful ? "true" : "false");
		if (o->flows > 1)
			printf(",\"flows\":%d", o->flows);
		if (o->nat)
			printf(",\"nat\":\"%s\"",
			       o->nat == DEMO_NAT_MASQ ? "masquerade" : "dnat");
		if (vs)
			printf(",\"vs_rules\":%d,\"tna_cost_vs_first\":%.3f,\"tna_rate_vs_first\":%.3f",
			       o->rules[0], vc, vr);
		if (o->bridge || o->br_router)
			printf(",\"br_netfilter\":%s",
			       d->br_netfilter ? "true" : "false");
		for (int ph = 0; ph < PH_MAX; ph++) {
			if (!phase_on(o, ph))
				continue;
			printf(",\"%s_mpps\":{\"min\":%.4f,\"median\":%.4f,\"max\":%.4f}",
			       phase_name[ph], minimum(r[ph], n),
			       median(r[ph], n), maximum(r[ph], n));
			if (d->spread[ph] >= 0)
				printf(",\"%s_window_spread\":%.4f",
				       phase_name[ph], d->spread[ph]);
		}
		printf(",\"fast_path_share\":%.4f,\"ratio\":%.3f",
		       median(share, n), mt / ml);
		if (cl > 0 && ct > 0)
			printf(",\"linux_ns_per_pkt\":%.1f,\"tna_ns_per_pkt\":%.1f,\"cost_ratio\":%.3f",
			       cl, ct, cl / ct);
		if (cb > 0 && ct > 0)
			printf(",\"bare_ns_per_pkt\":%.1f,\"tna_vs_bare\":%.3f",
			       cb, ct / cb);
		if (cx > 0 && ct > 0)
			printf(",\"fib_ns_per_pkt\":%.1f,\"tna_vs_fib\":%.3f",
			       cx, ct / cx);
		printf("}\n");
		return;
	}
	if (o->nr_rules > 1)
		printf("\nforward chain of %d rule%s%s:", o->rules[s],
		       o->rules[s] == 1 ? "" : "s",
		       o->stateful ? " (stateful)" : "");
	printf("\n%-22s %8s %8s %8s   (Mpps, %d round(s) of %d s)\n", "", "min",
	       "median", "max", n, o->seconds);
	for (int ph = 0; ph < PH_MAX; ph++) {
		if (!phase_on(o, ph))
			continue;
		printf("%-22s %8.3f %8.3f %8.3f\n",
		       ph == PH_LINUX ? "Linux alone" :
		       ph == PH_TNA   ? "tna" :
		       ph == PH_BARE  ? "bare XDP redirect" :
		       ph == PH_FIB   ? "minimal XDP router" :
					"floor (gen+sink only)",
		       minimum(r[ph], n), median(r[ph], n), maximum(r[ph], n));
	}
	printf("\nthroughput ratio tna / Linux: %.2fx (medians); fast path carried %.1f%% of tna's packets\n",
	       mt / ml, 100 * median(share, n));
	if (cl > 0 && ct > 0)
		printf("forwarding cost per packet (floor subtracted): Linux %.0f ns, tna %.0f ns -> %.2fx\n",
		       cl, ct, cl / ct);
	if (cb > 0 && ct > 0)
		printf("bare redirect costs %.0f ns: tna is %.2fx the practical limit\n",
		       cb, ct / cb);
	if (cx > 0 && ct > 0)
		printf("minimal XDP router (bpf_fib_lookup) costs %.0f ns: tna is %.2fx it\n",
		       cx, ct / cx);
	if (vs)
		printf("tna at %d rules vs %d, same rounds: cost %.2fx, rate %.2fx (medians of per-round ratios)\n",
		       o->rules[s], o->rules[0], vc, vr);
	if (s == 0 && d->spread[PH_LINUX] >= 0) {
		printf("1 s windows within a phase, largest spread (max/min - 1):");
		for (int ph = 0; ph < PH_MAX; ph++)
			if (phase_on(o, ph) && d->spread[ph] >= 0)
				printf(" %s %.1f%%", phase_name[ph],
				       100 * d->spread[ph]);
		printf("\n");
	}
}

/* --paired: windows of one tna phase, alternately bypassed (Linux) and not. */
#define PAIR_WINDOW_US 50000
#define MAX_WINDOWS 4096

struct toggler {
	struct demo *d;
	volatile int done;
	int nr;
	uint64_t packets[MAX_WINDOWS];
	double seconds[MAX_WINDOWS];
	int bypassed[MAX_WINDOWS];
	int failed;
};

static int set_bypass(struct demo *d, int on)
{
	char *resp;
	int ret = ctl_request(on ? "bypass on" : "bypass off", &resp);

	if (!ret) {
		ret = strncmp(resp, "ok", 2) ? -EIO : 0;
		free(resp);
	}
	(void)d;
	return ret;
}

/* Runs in the DUT's namespace (setns is per thread): flip, wait, count. */
static void *toggle(void *arg)
{
	struct toggler *t = arg;
	int saved, on = 1;
	uint64_t c0;
	double t0;

	if (netns_enter(t->d->ns[1], &saved) || set_bypass(t->d, on)) {
		t->failed = 1;
		return NULL;
	}
	/*
	 * A window ends once the daemon has flipped the switch (the request
	 * returned): frames carried while it was still on its way belong to
	 * the window that is ending. Real-time priority, so the generator's
	 * thread on this CPU does not hold the count back after the flip.
	 */
	pthread_setschedparam(pthread_self(), SCHED_FIFO,
			      &(struct sched_param){ .sched_priority = 1 });
	/*
	 * The loop engine runs the traffic in softirq on CPU 0, which would
	 * also run in this thread between a flip and its count: on another
	 * CPU, the count follows the flip's answer at once.
	 */
	if (t->d->engine == ENGINE_LOOP && libbpf_num_possible_cpus() > 1) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(1, &one);
		pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	}
	c0 = sink_count(&t->d->sink);
	t0 = now_sec();

	while (!t->done && t->nr < MAX_WINDOWS) {
		uint64_t c1;
		double t1;

		usleep(PAIR_WINDOW_US);
		if (set_bypass(t->d, !on)) {
			t->failed = 1;
			break;
		}
		c1 = sink_count(&t->d->sink);
		t1 = now_sec();
		t->packets[t->nr] = c1 - c0;
		t->seconds[t->nr] = t1 - t0;
		t->bypassed[t->nr++] = on;
		on = !on;
		c0 = c1;
		t0 = t1;
	}
	set_bypass(t->d, 0);
	netns_leave(saved);
	return NULL;
}

/* One paired round: median tna/Linux ratio over adjacent window pairs. */
static int run_paired(struct demo *d, double seconds, double *ratio,
		      double *linux_mpps, double *tna_mpps, double *share)
{
	static struct toggler t;
	double rl[MAX_WINDOWS], rt[MAX_WINDOWS], rr[MAX_WINDOWS];
	uint64_t fast_windows = 0, l0[NR_LOSSY], l1[NR_LOSSY];
	long long fp0, fp1;
	struct run run;
	int ret, nl = 0, nt = 0, np = 0;
	pthread_t th;

	memset(&t, 0, sizeof(t));
	t.d = d;
	if (announce_sink(d) || lost_now(d, l0))
		return -1;
	fp0 = fast_path_packets(d);
	if (pthread_create(&th, NULL, toggle, &t))
		return -1;
	ret = traffic(d, seconds, &d->sink, &run);
	t.done = 1;
	pthread_join(th, NULL);
	fp1 = fast_path_packets(d);
	if (ret || t.failed || t.nr < 4 || lost_now(d, l1)) {
		fprintf(stderr, "tna demo: paired round failed\n");
		return -1;
	}
	/* Every frame of the round arrives, as in measure(). */
	if (any_lost(d, l0, l1, &run))
		return 1;
	for (int i = 0; i < t.nr; i++)
		if (!t.bypassed[i])
			fast_windows += t.packets[i];
	/* The last window may have outlived the traffic: no rate from it. */
	for (int i = 0; i < t.nr - 1; i++) {
		double mpps = t.packets[i] / t.seconds[i] / 1e6;

		if (t.bypassed[i])
			rl[nl++] = mpps;
		else
			rt[nt++] = mpps;
		if (i > 0 && t.bypassed[i] != t.bypassed[i - 1] && i % 2 == 1)
			rr[np++] = t.bypassed[i] ? rt[nt - 1] / mpps :
						   mpps / rl[nl - 1];
	}
	if (!nl || !nt || !np)
		return -1;
	*ratio = median(rr, np);
	*linux_mpps = median(rl, nl);
	*tna_mpps = median(rt, nt);
	*share = fast_windows ? (double)(fp1 - fp0) / fast_windows : 0;
	return 0;
}

static int demo_paired(struct demo *d)
{
	const struct demo_opts *o = d->o;
	static double ratio[100], lin[100], tna[100], share[100];
	int n = o->rounds;

	if (daemon_start(d))
		return -1;
	for (int i = 0; i < n && !stop; i++) {
		int ret = 1;

		for (int try = 0; ret > 0 && try < MEASURE_TRIES; try++) {
			ret = run_paired(d, o->seconds, &ratio[i], &lin[i],
					 &tna[i], &share[i]);
			if (ret > 0)
				fprintf(stderr, "tna demo: paired round %s\n",
					try + 1 < MEASURE_TRIES ?
						"lost frames: measured again" :
						"lost frames: run failed");
		}
		if (ret) {
			daemon_stop(d);
			return -1;
		}
		/*
		 * Frames at a flip blur the split a little, no more: the
		 * daemon flips on CPU 0, where the loop engine's softirq may
		 * delay its answer (measured: up to 2.6% of a 1 s round's
		 * frames land in the neighbouring window).
		 */
		if (share[i] < 0.95 || share[i] > 1.05) {
			fprintf(stderr,
				"tna demo: fast path carried %.1f%% of the tna windows' packets: not a clean comparison\n",
				100 * share[i]);
			daemon_stop(d);
			return -1;
		}
		if (!o->json)
			printf("round %d: paired windows: Linux %.3f Mpps, tna %.3f Mpps, ratio %.2fx\n",
			       i + 1, lin[i], tna[i], ratio[i]);
		fflush(stdout);
	}
	daemon_stop(d);
	if (stop)
		return -1;
	if (o->json) {
		printf("{\"topology\":\"%s\",\"engine\":\"%s\",\"mode\":\"paired\",\"rounds\":%d,\"seconds\":%d,\"window_ms\":%d,\"linux_mpps\":%.4f,\"tna_mpps\":%.4f,\"ratio\":{\"min\":%.3f,\"median\":%.3f,\"max\":%.3f},\"fast_path_share\":%.4f}\n",
		       topo_name(o), engine_name(d->engine), n, o->seconds,
		       PAIR_WINDOW_US / 1000, median(lin, n), median(tna, n),
		       minimum(ratio, n), median(ratio, n), maximum(ratio, n),
		       median(share, n));
		return 0;
	}
	printf("\npaired (bypass flipped every %d ms in one live tna run): Linux %.3f Mpps, tna %.3f Mpps;\n"
	       "ratio tna / Linux per window pair, median of rounds: %.2fx (min %.2fx, max %.2fx); fast path share %.1f%%\n",
	       PAIR_WINDOW_US / 1000, median(lin, n), median(tna, n),
	       median(ratio, n), minimum(ratio, n), maximum(ratio, n),
	       100 * median(share, n));
	return 0;
}

/* Loads the demo ruleset of o->rules[s] in the router namespace. */
static int load_rules(struct demo *d, int s)
{
	if (!setup_firewall(d, d->o->rules[s]))
		return 0;
	fprintf(stderr, "tna demo: loading the %s ruleset of %d rules failed\n",
		d->o->iptables ? "iptables" : "nft", d->o->rules[s]);
	return -1;
}

/* Phase ph of round i (under ruleset s, -1: any), into r and share. */
static int round_phase(struct demo *d, int i, int ph, int s,
		       double r[PH_MAX][100], double share[100])
{
	double sh, sp;

	if (run_phase(d, ph, d->o->seconds, &r[ph][i], &sh, &sp))
		return -1;
	if (ph == PH_TNA)
		share[i] = sh;
	if (sp > d->spread[ph])
		d->spread[ph] = sp;
	if (!d->o->json) {
		printf("round %d: %-6s %7.3f Mpps%s", i + 1, phase_name[ph],
		       r[ph][i], ph == PH_TNA ? " (tna run active)" : "");
		if (s >= 0 && d->o->nr_rules > 1)
			printf(" [%d rule%s]", d->o->rules[s],
			       d->o->rules[s] == 1 ? "" : "s");
		printf("\n");
	}
	fflush(stdout);
	return 0;
}

/*
 * The tna executable: --tna, else beside this program (the build tree),
 * else ../sbin/tna (installed: libexec/tna/tna-demo), else tna on PATH.
 */
static void find_tna(struct demo *d)
{
	char self[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	snprintf(d->tna, sizeof(d->tna), "%s", d->o->tna ? d->o->tna : "tna");
	if (d->o->tna || n <= 0)
		return;
	self[n] = 0;
	dir = dirname(self);
	snprintf(d->tna, sizeof(d->tna), "%s/tna", dir);
	if (!access(d->tna, X_OK))
		return;
	snprintf(d->tna, sizeof(d->tna), "%s/../../sbin/tna", dir);
	if (!access(d->tna, X_OK))
		return;
	snprintf(d->tna, sizeof(d->tna), "tna");
}

/*
 * The engine of this run: --engine, or by preference the first this
 * kernel allows. The loop needs only what tna itself needs (XDP redirect
 * into a veth through a devmap) and a packet socket; live frames are a
 * test facility a kernel may refuse (lockdown). One line says which.
 */
static int choose_engine(struct demo *d, char *note, size_t len)
{
	static const int preference[] = { ENGINE_LOOP, ENGINE_LIVE };
	int live = live_probe();

	d->engine = d->o->engine;
	if (d->engine == ENGINE_LIVE && live) {
		fprintf(stderr,
			"tna demo: the live engine needs BPF_PROG_RUN with live frames (BPF_F_TEST_XDP_LIVE_FRAMES), which this kernel refuses (%s); --engine loop does without it\n",
			strerror(-live));
		return -1;
	}
	for (size_t i = 0; d->engine == ENGINE_AUTO &&
			   i < sizeof(preference) / sizeof(preference[0]);
	     i++)
		if (preference[i] != ENGINE_LIVE || !live)
			d->engine = preference[i];
	if (d->engine == ENGINE_LOOP)
		snprintf(
			note, len,
			"traffic engine: loop (%d frames seeded once, recirculated by the sink)",
			d->o->inflight);
	else
		snprintf(note, len, "traffic engine: %s",
			 engine_name(d->engine));
	snprintf(note + strlen(note), len - strlen(note),
		 "; live frames %s%s%s",
		 live ? "refused by this kernel (" : "allowed",
		 live ? strerror(-live) : "", live ? ")" : "");
	return 0;
}

int demo_run(const struct demo_opts *o)
{
	static double r[DEMO_MAX_RULESETS][PH_MAX][100],
		share[DEMO_MAX_RULESETS][100];
	int sets = o->nr_rules > 1 ? o->nr_rules : 1;
	struct demo d = { .o = o, .sink = { NULL, -1 } };
	char note[256];
	struct sigaction sa = { .sa_handler = on_signal };
	cpu_set_t cpus;
	int ret = 1;

	if (geteuid() != 0) {
		fprintf(stderr, "tna demo: needs root (namespaces, XDP)\n");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < 3; i++)
		snprintf(d.ns[i], sizeof(d.ns[i]), "tna-demo-%d-%s", getpid(),
			 i == 0 ? "gen" :
			 i == 1 ? "dut" :
				  "sink");
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	for (int ph = 0; ph < PH_MAX; ph++)
		d.spread[ph] = -1;
	find_tna(&d);
	if (choose_engine(&d, note, sizeof(note)))
		return 1;

	if (setup(&d))
		goto out;
	if (!o->json)
		printf("tna demo: %s --veth-- %s (%s) --veth-- %s\n"
		       "%s\n"
		       "64-byte UDP frames 10.10.1.1 -> %s, %d s per phase, %d round(s), all on CPU 0\n",
		       d.ns[0], d.ns[1],
		       o->br_router   ? "bridge port, routed" :
		       !o->bridge     ? "router" :
		       d.br_netfilter ? "bridge, br_netfilter on" :
					"bridge, br_netfilter off",
		       d.ns[2], note, o->bridge ? "10.10.1.2" : "10.10.2.1",
		       o->seconds, o->rounds);
	{
		struct run warm;

		/* --nat dnat: the flow reaches the sink only through the rule */
		if (o->nat && load_rules(&d, 0))
			goto out;
		/* Let Linux resolve the sink's neighbour (or learn both stations) first. */
		if (warm_up(&d))
			goto out;
		if (o->nr_rules && !o->nat && load_rules(&d, 0))
			goto out;
		/* Conntrack: a reply, then traffic 2 s later: assured. */
		if (o->stateful &&
		    (traffic(&d, 0.2, &d.sink, &warm) || answer_flow(&d) ||
		     (usleep(2200000), traffic(&d, 0.3, &d.sink, &warm))))
			goto out;
	}
	if (o->paired) {
		ret = demo_paired(&d) ? 1 : 0;
		goto out;
	}
	/* Per round: Linux and tna under each ruleset in turn, then the rest. */
	for (int i = 0; i < o->rounds && !stop; i++) {
		for (int s = 0; s < sets && !stop; s++) {
			if (sets > 1 && load_rules(&d, s))
				goto out;
			for (int ph = PH_LINUX; ph <= PH_TNA && !stop; ph++)
				if (round_phase(&d, i, ph, s, r[s], share[s]))
					goto out;
		}
		for (int ph = PH_TNA + 1; ph < PH_MAX && !stop; ph++) {
			if (!phase_on(o, ph))
				continue;
			if (round_phase(&d, i, ph, -1, r[0], share[0]))
				goto out;
			for (int s = 1; s < sets; s++)
				r[s][ph][i] = r[0][ph][i];
		}
	}
	if (stop) {
		fprintf(stderr, "tna demo: interrupted\n");
		goto out;
	}
	for (int s = 0; s < sets; s++)
		report(&d, s, r, share);
	ret = 0;
out:
	teardown(&d);
	return ret;
}
