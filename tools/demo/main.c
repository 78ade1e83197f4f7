// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tna-demo: the demo and benchmark driver, a program of its own (the
 * daemon carries no namespaces, generator or sink). Exit codes: 0 ok,
 * 1 runtime error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo.h"

static const char usage_text[] =
	"Usage: tna-demo [--topology router|bridge|bridge-router] [--br-netfilter on|off]\n"
	"                [--seconds N] [--rounds N] [--floor] [--bare] [--paired]\n"
	"                [--rules N[,N...] [--stateful] [--iptables]]\n"
	"                [--nat masquerade|dnat] [--flows N]\n"
	"                [--engine auto|loop|live|pktsock] [--inflight N] [--json]\n"
	"\n"
	"Builds a router (or a Linux bridge) in network namespaces, sends real\n"
	"traffic through it with Linux alone and with `tna run`, prints both rates.\n"
	"\n"
	"  --seconds N    traffic time per phase (default 3)\n"
	"  --rounds N     interleaved rounds, medians reported (default 1)\n"
	"  --floor        also measure generator+sink cost alone, report\n"
	"                 forwarding ns/packet\n"
	"  --bare         also measure a bare XDP redirect with no lookup, the\n"
	"                 practical limit of any XDP forwarder here, and (router)\n"
	"                 a minimal bpf_fib_lookup XDP router\n"
	"  --paired       one tna run per round, its bypass switch flipped every\n"
	"                 50 ms; ratio per adjacent Linux/tna window pair\n"
	"  --topology T   router (default), bridge (a Linux bridge br0) or\n"
	"                 bridge-router (the ingress a port of br0, routed out)\n"
	"  --br-netfilter on|off\n"
	"                 with a bridge: force bridge-nf-call-iptables in the\n"
	"                 bridge's namespace (default: as the kernel has it)\n"
	"  --rules N[,N...]\n"
	"                 router: an nft forward chain of N rules the traffic\n"
	"                 does not match, then its accept; several counts are\n"
	"                 each measured every round (at most 8)\n"
	"  --stateful     router: the chain starts with ct state\n"
	"                 established,related accept (policy drop); the flow is\n"
	"                 answered once, so conntrack sees it established\n"
	"  --nat K        router: the flow NAT'ed, K masquerade (out r1) or\n"
	"                 dnat (sent to the router's r0 address, port 9,\n"
	"                 translated to the sink); implies --stateful\n"
	"  --flows N      router: the looped frames rotate over N UDP flows\n"
	"                 (source ports, then source addresses: past\n"
	"                 64,000 flows every packet may be a new flow)\n"
	"  --iptables     router: the same rules with iptables-restore\n"
	"                 (iptables-nft) instead of nft\n"
	"  --engine E     traffic engine: auto (default: the first this kernel\n"
	"                 allows of loop, live), loop (frames seeded once,\n"
	"                 recirculated by the sink through a devmap), live\n"
	"                 (BPF_PROG_RUN with live frames) or pktsock (a packet\n"
	"                 socket, qdisc bypassed)\n"
	"  --inflight N   loop: frames in flight (1..256, default 128)\n"
	"  --tna PATH     the tna executable to run (default: next to tna-demo,\n"
	"                 then ../sbin/tna, then tna on PATH)\n"
	"  --json         machine-readable output, one object per measurement\n"
	"\n"
	"Exit status: 0 ok, 1 runtime error, 2 usage error.\n";

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "tna-demo: %s\n", msg);
	fputs(usage_text, stderr);
	return 2;
}

enum {
	OPT_JSON = 256,
	OPT_SECONDS,
	OPT_ROUNDS,
	OPT_FLOOR,
	OPT_TOPOLOGY,
	OPT_BRNF,
	OPT_RULES,
	OPT_STATEFUL,
	OPT_BARE,
	OPT_PAIRED,
	OPT_IPTABLES,
	OPT_ENGINE,
	OPT_INFLIGHT,
	OPT_TNA,
	OPT_NAT,
	OPT_FLOWS,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "floor", no_argument, NULL, OPT_FLOOR },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "br-netfilter", required_argument, NULL, OPT_BRNF },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "stateful", no_argument, NULL, OPT_STATEFUL },
	{ "bare", no_argument, NULL, OPT_BARE },
	{ "paired", no_argument, NULL, OPT_PAIRED },
	{ "iptables", no_argument, NULL, OPT_IPTABLES },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "tna", required_argument, NULL, OPT_TNA },
	{ "nat", required_argument, NULL, OPT_NAT },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_count(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* --rules N[,N...]: up to DEMO_MAX_RULESETS counts, no empty ones. */
static int parse_rules(const char *arg, struct demo_opts *o)
{
	char buf[128], *p = buf, *tok;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	o->nr_rules = 0;
	while ((tok = strsep(&p, ","))) {
		if (o->nr_rules == DEMO_MAX_RULESETS || !*tok ||
		    parse_count(tok, 0, 100000, &o->rules[o->nr_rules]))
			return -1;
		o->nr_rules++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct demo_opts o = { .seconds = 3,
			       .rounds = 1,
			       .br_netfilter = -1,
			       .engine = ENGINE_AUTO,
			       .inflight = 128 };
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_SECONDS:
			if (parse_count(optarg, 1, 600, &o.seconds))
				return usage("--seconds takes 1..600");
			break;
		case OPT_ROUNDS:
			if (parse_count(optarg, 1, 100, &o.rounds))
				return usage("--rounds takes 1..100");
			break;
		case OPT_FLOOR:
			o.floor = 1;
			break;
		case OPT_TOPOLOGY:
			if (strcmp(optarg, "router") &&
			    strcmp(optarg, "bridge") &&
			    strcmp(optarg, "bridge-router"))
				return usage(
					"--topology takes router, bridge or bridge-router");
			o.bridge = !strcmp(optarg, "bridge");
			o.br_router = !strcmp(optarg, "bridge-router");
			break;
		case OPT_IPTABLES:
			o.iptables = 1;
			break;
		case OPT_BARE:
			o.bare = 1;
			break;
		case OPT_PAIRED:
			o.paired = 1;
			break;
		case OPT_RULES:
			if (parse_rules(optarg, &o))
				return usage(
					"--rules takes N or N,N,... (0 to 100000 each, at most 8)");
			break;
		case OPT_STATEFUL:
			o.stateful = 1;
			break;
		case OPT_BRNF:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return usage("--br-netfilter takes on or off");
			o.br_netfilter = !strcmp(optarg, "on");
			break;
		case OPT_ENGINE:
			o.engine = engine_parse(optarg);
			if (o.engine < 0)
				return usage(
					"--engine takes auto, loop, live or pktsock");
			break;
		case OPT_INFLIGHT:
			if (parse_count(optarg, 1, 256, &o.inflight))
				return usage("--inflight takes 1..256");
			break;
		case OPT_TNA:
			o.tna = optarg;
			break;
		case OPT_NAT:
			if (!strcmp(optarg, "masquerade"))
				o.nat = DEMO_NAT_MASQ;
			else if (!strcmp(optarg, "dnat"))
				o.nat = DEMO_NAT_DNAT;
			else
				return usage("--nat takes masquerade or dnat");
			o.stateful = 1;
			break;
		case OPT_FLOWS:
			if (parse_count(optarg, 1, 16000000, &o.flows))
				return usage("--flows takes 1..16000000");
			break;
		default:
			return usage("bad option");
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (o.br_netfilter >= 0 && !o.bridge && !o.br_router)
		return usage("--br-netfilter needs a bridge topology");
	if ((o.nr_rules || o.stateful || o.iptables || o.nat) &&
	    (o.bridge || o.br_router))
		return usage(
			"--rules, --stateful, --nat and --iptables need the router topology");
	if (o.nat && o.iptables)
		return usage("--nat sets its rules with nft");
	if (o.stateful && !o.nr_rules)
		o.nr_rules = 1; /* rules[0] = 0 */
	if (o.iptables && !o.nr_rules)
		return usage("--iptables needs --rules N");
	if (o.paired && o.nr_rules > 1)
		return usage("--paired takes one rule count");
	if (o.paired && (o.floor || o.bare))
		return usage("--paired compares Linux and tna only");
	return demo_run(&o);
}
