// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tna: the command line (run, status, plan; demo runs tna-demo). Exit codes: 0 ok, 1 runtime error, 2 usage. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "daemon.h"
#include "watch.h"
#include "log.h"

#define TNA_VERSION "0.1.0"

static const char usage_text[] =
	"Usage: tna COMMAND [OPTIONS]\n"
	"\n"
	"Transparent Network Acceleration: mirrors this network namespace's Linux\n"
	"configuration into a minimal XDP fast path; Linux handles everything else.\n"
	"\n"
	"Commands:\n"
	"  run [--iface IF]... [--exclude IF]... [--mode auto|native|generic]\n"
	"      [--veth-gro] [--metrics-file PATH] [-v]\n"
	"        watch and accelerate this network namespace until SIGINT/SIGTERM\n"
	"  status [--json | --format text|json|openmetrics] [--watch [SECONDS]]\n"
	"                       what the running daemon attached, its counters and\n"
	"                       fallback reasons; --watch redraws the rates\n"
	"  plan [--json] [--iface IF]... [--exclude IF]...\n"
	"                       what would be attached now, attaching nothing\n"
	"  demo [OPTIONS]       runs tna-demo (a separate program, installed\n"
	"                       beside tna): a router or bridge in namespaces,\n"
	"                       real traffic, Linux alone vs tna (tna-demo --help)\n"
	"  help, --help         this text;  version, --version\n"
	"\n"
	"Options:\n"
	"  --iface IF     accelerate only these interfaces (repeatable)\n"
	"  --exclude IF   never attach to these interfaces (repeatable)\n"
	"  --mode M       auto (native, else generic), native or generic XDP\n"
	"  --veth-gro     turn GRO on in veth peers (containers' eth0) that cannot\n"
	"                 take XDP frames without it, and off again on exit\n"
	"  --metrics-file PATH\n"
	"                 rewrite PATH (atomically, every 5 s) with the status in\n"
	"                 OpenMetrics text, for node_exporter's textfile collector;\n"
	"                 removed on exit\n"
	"  -v, --verbose  log what changed and why (twice: debug)\n"
	"  --json         machine-readable output (schema: docs/status.md)\n"
	"  --format F     text (default), json, or openmetrics (Prometheus)\n"
	"  --watch [S]    redraw packets/s per interface and the top reasons to\n"
	"                 Linux every S seconds (default 2) until Ctrl-C\n"
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
	OPT_VETH_GRO,
	OPT_FORMAT,
	OPT_WATCH,
	OPT_METRICS_FILE,
};

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "veth-gro", no_argument, NULL, OPT_VETH_GRO },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "watch", optional_argument, NULL, OPT_WATCH },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "verbose", no_argument, NULL, 'v' },
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
		       opt == OPT_MODE || opt == OPT_VETH_GRO ||
		       opt == OPT_METRICS_FILE;
	if (!strcmp(cmd, "plan"))
		return opt == OPT_IFACE || opt == OPT_EXCLUDE ||
		       opt == OPT_JSON;
	if (!strcmp(cmd, "status"))
		return opt == OPT_JSON || opt == OPT_FORMAT || opt == OPT_WATCH;
	return 0;
}

#ifndef TNA_LIBEXECDIR
#define TNA_LIBEXECDIR "/usr/local/libexec/tna"
#endif

/*
 * `tna demo ARGS`: exec tna-demo, from beside this executable (the build
 * tree), from ../libexec/tna beside it (installed, wherever the tree was
 * put) or from TNA_LIBEXECDIR.
 */
static int cmd_demo(char **argv)
{
	static const char *const rel[] = { "tna-demo",
					   "../libexec/tna/tna-demo" };
	char self[PATH_MAX], path[PATH_MAX + 32], *dir;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = 0;
		dir = dirname(self);
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, rel[i]);
			if (!access(path, X_OK))
				execv(path, argv);
		}
	}
	snprintf(path, sizeof(path), "%s/tna-demo", TNA_LIBEXECDIR);
	execv(path, argv);
	fprintf(stderr,
		"tna: demo: tna-demo is neither beside tna nor in %s (%s); build it with make\n",
		TNA_LIBEXECDIR, strerror(errno));
	return 1;
}

static int cmd_status(const char *format)
{
	char req[32], *resp;
	int ret;

	snprintf(req, sizeof(req), "status%s%s", *format ? " " : "", format);
	ret = ctl_request(req, &resp);

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
	const char *cmd, *format = NULL;
	double watch = 0;
	char *end;
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
	if (!strcmp(cmd, "demo")) {
		argv[1] = "tna-demo";
		return cmd_demo(argv + 1);
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "status") && strcmp(cmd, "plan"))
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
			ro.json = 1;
			break;
		case OPT_VETH_GRO:
			ro.veth_gro = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json") &&
			    strcmp(optarg, "openmetrics"))
				return usage(
					"--format takes text, json or openmetrics");
			format = optarg;
			break;
		case OPT_WATCH:
			watch = 2;
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++]; /* --watch 5 */
			if (optarg) {
				watch = strtod(optarg, &end);
				if (*end || !(watch >= 0.1 && watch <= 3600))
					return usage(
						"--watch takes 0.1..3600 seconds");
			}
			break;
		case OPT_METRICS_FILE:
			ro.metrics_file = optarg;
			break;
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	log_route_libbpf();

	if (!strcmp(cmd, "run"))
		return daemon_run(&ro);
	if (!strcmp(cmd, "plan"))
		return plan_once(&ro);
	if (format && ro.json && strcmp(format, "json"))
		return usage("--json and --format disagree");
	if (watch && (format || ro.json))
		return usage(
			"--watch draws its own view: no --json or --format");
	if (watch)
		return watch_run(watch);
	if (!format || !strcmp(format, "text"))
		format = ro.json ? "json" : "";
	return cmd_status(format);
}
