// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tna: the command line (run, status, plan, demo). Exit codes: 0 ok, 1 runtime error, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "daemon.h"
#include "demo.h"
#include "log.h"

#define TNA_VERSION "0.1.0"

static const char usage_text[] =
	"Usage: tna COMMAND [OPTIONS]\n"
	"\n"
	"Transparent Network Acceleration: mirrors this network namespace's Linux\n"
	"configuration into a minimal XDP fast path; Linux handles everything else.\n"
	"\n"
	"Commands:\n"
	"  run [--iface IF]... [--exclude IF]... [--mode auto|native|generic] [-v]\n"
	"        watch and accelerate this network namespace until SIGINT/SIGTERM\n"
	"  status [--json]      what the running daemon attached, its counters and\n"
	"                       fallback reasons\n"
	"  plan [--json] [--iface IF]... [--exclude IF]...\n"
	"                       what would be attached now, attaching nothing\n"
	"  demo [--topology router|bridge|bridge-router] [--br-netfilter on|off]\n"
	"       [--seconds N] [--rounds N] [--floor] [--bare] [--paired]\n"
	"       [--rules N[,N...] [--stateful] [--iptables]] [--json]\n"
	"                       build a router (or bridge) in namespaces, send traffic\n"
	"                       with Linux alone and with tna, print both rates\n"
	"  help, --help         this text;  version, --version\n"
	"\n"
	"Options:\n"
	"  --iface IF     accelerate only these interfaces (repeatable)\n"
	"  --exclude IF   never attach to these interfaces (repeatable)\n"
	"  --mode M       auto (native, else generic), native or generic XDP\n"
	"  -v, --verbose  log what changed and why (twice: debug)\n"
	"  --json         machine-readable output (schema: docs/status.md)\n"
	"  --seconds N    demo: traffic time per phase (default 3)\n"
	"  --rounds N     demo: interleaved rounds, medians reported (default 1)\n"
	"  --floor        demo: also measure generator+sink cost alone, report\n"
	"                 forwarding ns/packet\n"
	"  --bare         demo: also measure a bare XDP redirect with no lookup, the\n"
	"                 practical limit of any XDP forwarder here, and (router)\n"
	"                 a minimal bpf_fib_lookup XDP router\n"
	"  --paired       demo: one tna run per round, its bypass switch flipped\n"
	"                 every 50 ms; ratio per adjacent Linux/tna window pair\n"
	"  --topology T   demo: router (default), bridge (a Linux bridge br0) or\n"
	"                 bridge-router (the ingress a port of br0, routed out)\n"
	"  --br-netfilter on|off\n"
	"                 demo with a bridge: force bridge-nf-call-iptables in the\n"
	"                 bridge's namespace (default: as the kernel has it)\n"
	"  --rules N[,N...]\n"
	"                 demo router: an nft forward chain of N rules the traffic\n"
	"                 does not match, then accepted; with several counts (at\n"
	"                 most 8) each round loads and measures each in turn\n"
	"  --stateful     demo router: the chain starts with ct state\n"
	"                 established,related accept (policy drop); the flow is\n"
	"                 answered once, so conntrack sees it established\n"
	"  --iptables     demo router: the same rules with iptables-restore\n"
	"                 (iptables-nft) instead of nft\n"
	"\n"
	"Exit status: 0 ok, 1 runtime error, 2 usage error.\n";

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "tna: %s\n", msg);
	fputs(usage_text, stderr);
	return 2;
}

enum {
	OPT_IFACE = 256,
	OPT_EXCLUDE,
	OPT_MODE,
	OPT_JSON,
	OPT_SECONDS,
	OPT_ROUNDS,
	OPT_FLOOR,
	OPT_TOPOLOGY,
	OPT_BRNF,
	OPT_RULES,
	OPT_STATEFUL,
	OPT_BARE,
	OPT_PAIRED,
	OPT_IPTABLES
};

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Which options each command takes. */
static int allowed(const char *cmd, int opt)
{
	if (opt == 'v' || opt == 'h')
		return 1;
	if (!strcmp(cmd, "run"))
		return opt == OPT_IFACE || opt == OPT_EXCLUDE ||
		       opt == OPT_MODE;
	if (!strcmp(cmd, "plan"))
		return opt == OPT_IFACE || opt == OPT_EXCLUDE ||
		       opt == OPT_JSON;
	if (!strcmp(cmd, "status"))
		return opt == OPT_JSON;
	if (!strcmp(cmd, "demo"))
		return opt == OPT_SECONDS || opt == OPT_ROUNDS ||
		       opt == OPT_FLOOR || opt == OPT_JSON ||
		       opt == OPT_TOPOLOGY || opt == OPT_BRNF ||
		       opt == OPT_BARE || opt == OPT_PAIRED ||
		       opt == OPT_RULES || opt == OPT_STATEFUL ||
		       opt == OPT_IPTABLES;
	return 0;
}

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

static int cmd_status(int json)
{
	char *resp;
	int ret = ctl_request(json ? "status json" : "status", &resp);

	if (ret) {
		fprintf(stderr,
			"tna: no daemon answers in this network namespace (%s); start one with 'tna run'\n",
			strerror(-ret));
		return 1;
	}
	fputs(resp, stdout);
	free(resp);
	return 0;
}

int main(int argc, char **argv)
{
	struct run_opts ro = { .mode = MODE_AUTO };
	struct demo_opts dopt = { .seconds = 3,
				  .rounds = 1,
				  .br_netfilter = -1 };
	const char *cmd;
	int opt;

	if (argc < 2)
		return usage("missing command");
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("tna %s\n", TNA_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "status") &&
	    strcmp(cmd, "plan") && strcmp(cmd, "demo"))
		return usage("unknown command");

	optind = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		if (opt == '?' || !allowed(cmd, opt))
			return usage("bad option for this command");
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			log_verbosity++;
			break;
		case OPT_IFACE:
			if (ro.nr_include == TNA_MAX_IFACES)
				return usage("too many --iface");
			ro.include[ro.nr_include++] = optarg;
			break;
		case OPT_EXCLUDE:
			if (ro.nr_exclude == TNA_MAX_IFACES)
				return usage("too many --exclude");
			ro.exclude[ro.nr_exclude++] = optarg;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "auto"))
				ro.mode = MODE_AUTO;
			else if (!strcmp(optarg, "native"))
				ro.mode = MODE_NATIVE;
			else if (!strcmp(optarg, "generic"))
				ro.mode = MODE_GENERIC;
			else
				return usage(
					"--mode takes auto, native or generic");
			break;
		case OPT_JSON:
			ro.json = dopt.json = 1;
			break;
		case OPT_SECONDS:
			if (parse_count(optarg, 1, 600, &dopt.seconds))
				return usage("--seconds takes 1..600");
			break;
		case OPT_ROUNDS:
			if (parse_count(optarg, 1, 100, &dopt.rounds))
				return usage("--rounds takes 1..100");
			break;
		case OPT_FLOOR:
			dopt.floor = 1;
			break;
		case OPT_TOPOLOGY:
			if (strcmp(optarg, "router") &&
			    strcmp(optarg, "bridge") &&
			    strcmp(optarg, "bridge-router"))
				return usage(
					"--topology takes router, bridge or bridge-router");
			dopt.bridge = !strcmp(optarg, "bridge");
			dopt.br_router = !strcmp(optarg, "bridge-router");
			break;
		case OPT_IPTABLES:
			dopt.iptables = 1;
			break;
		case OPT_BARE:
			dopt.bare = 1;
			break;
		case OPT_PAIRED:
			dopt.paired = 1;
			break;
		case OPT_RULES:
			if (parse_rules(optarg, &dopt))
				return usage(
					"--rules takes N or N,N,... (0 to 100000 each, at most 8)");
			break;
		case OPT_STATEFUL:
			dopt.stateful = 1;
			break;
		case OPT_BRNF:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return usage("--br-netfilter takes on or off");
			dopt.br_netfilter = !strcmp(optarg, "on");
			break;
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (dopt.br_netfilter >= 0 && !dopt.bridge && !dopt.br_router)
		return usage("--br-netfilter needs a bridge topology");
	if ((dopt.nr_rules || dopt.stateful || dopt.iptables) &&
	    (dopt.bridge || dopt.br_router))
		return usage(
			"--rules, --stateful and --iptables need the router topology");
	if (dopt.stateful && !dopt.nr_rules)
		dopt.nr_rules = 1; /* rules[0] = 0 */
	if (dopt.iptables && !dopt.nr_rules)
		return usage("--iptables needs --rules N");
	if (dopt.paired && dopt.nr_rules > 1)
		return usage("--paired takes one rule count");
	if (dopt.paired && (dopt.floor || dopt.bare))
		return usage("--paired compares Linux and tna only");
	log_route_libbpf();

	if (!strcmp(cmd, "run"))
		return daemon_run(&ro);
	if (!strcmp(cmd, "plan"))
		return plan_once(&ro);
	if (!strcmp(cmd, "status"))
		return cmd_status(ro.json);
	return demo_run(&dopt, argv[0]);
}
