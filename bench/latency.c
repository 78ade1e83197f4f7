// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reconfiguration latency: from a configuration change made with the
 * ordinary tools to the first packet the attached fast path handles
 * accordingly, measured from when the command was started (an upper bound:
 * it includes starting the tool) and from when it returned (the kernel has
 * the change and the netlink event is out; the daemon may already have
 * acted before the tool exits, so this can be 0). The packet is run through the program attached to the
 * ingress right now (BPF_PROG_TEST_RUN on the attached program's id, so a
 * program swap is seen too), polled every POLL_US.
 *
 *   tna-latency INGRESS DMAC SRC DST SMAC ROUNDS "CMD making it PASS" "CMD making it REDIRECT"
 *
 * Runs inside the namespace under test, where `tna run` is active. Prints
 * one JSON object: p50/p99/max in microseconds for each direction.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "../tests/unit/pkt.h"

#define POLL_US 50
#define TIMEOUT_US 2000000
#define MAX_ROUNDS 1000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Verdict of the program attached to ifindex right now (none: Linux, XDP_PASS), or -1. */
static int verdict(int ifindex, uint8_t *frame, int len)
{
	uint8_t out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out));
	__u32 id = 0;
	int fd, ret;

	if (bpf_xdp_query_id(ifindex, 0, &id))
		return -1;
	if (!id)
		return XDP_PASS;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	ret = bpf_prog_test_run_opts(fd, &opts) ? -1 : (int)opts.retval;
	close(fd);
	return ret;
}

/*
 * Run cmd, then poll until the verdict is want; *since_start and the
 * return value are microseconds since cmd started and since it returned.
 */
static double change(const char *cmd, int want, int ifindex, uint8_t *frame,
		     int len, double *since_start)
{
	double start = now_us(), t0, t;

	if (system(cmd) != 0) {
		fprintf(stderr, "tna-latency: failed: %s\n", cmd);
		return -1;
	}
	t0 = now_us();
	for (t = t0; t - t0 < TIMEOUT_US; t = now_us()) {
		if (verdict(ifindex, frame, len) == want) {
			*since_start = t - start;
			return t - t0;
		}
		usleep(POLL_US);
	}
	fprintf(stderr, "tna-latency: no effect within %d ms: %s\n",
		TIMEOUT_US / 1000, cmd);
	return -1;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print_stats(const char *name, double *v, int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	printf("\"%s\":{\"n\":%d,\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f}",
	       name, n, v[n / 2],
	       v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], v[n - 1]);
}

int main(int argc, char **argv)
{
	static double to_pass[MAX_ROUNDS], to_fwd[MAX_ROUNDS];
	static double to_pass_s[MAX_ROUNDS], to_fwd_s[MAX_ROUNDS];
	struct pkt_spec spec = { .payload = 18 };
	struct ether_addr dmac, smac;
	uint8_t frame[PKT_MAX];
	int ifindex, rounds, len;

	if (argc != 9) {
		fprintf(stderr,
			"usage: tna-latency INGRESS DMAC SRC DST SMAC ROUNDS CMD-TO-PASS CMD-TO-FORWARD\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	rounds = atoi(argv[6]);
	if (!ifindex || !ether_aton_r(argv[2], &dmac) ||
	    !ether_aton_r(argv[5], &smac) || rounds < 1 ||
	    rounds > MAX_ROUNDS) {
		fprintf(stderr, "tna-latency: bad arguments\n");
		return 2;
	}
	spec.src = argv[3];
	spec.dst = argv[4];
	spec.v6 = strchr(argv[4], ':') != NULL;
	len = pkt_build(frame, &spec, dmac.ether_addr_octet,
			smac.ether_addr_octet);
	if (verdict(ifindex, frame, len) != XDP_REDIRECT) {
		fprintf(stderr,
			"tna-latency: the fast path does not forward the probe before any change\n");
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		to_pass[i] = change(argv[7], XDP_PASS, ifindex, frame, len,
				    &to_pass_s[i]);
		to_fwd[i] = change(argv[8], XDP_REDIRECT, ifindex, frame, len,
				   &to_fwd_s[i]);
		if (to_pass[i] < 0 || to_fwd[i] < 0)
			return 1;
	}
	printf("{");
	print_stats("to_linux", to_pass, rounds);
	printf(",");
	print_stats("to_fast_path", to_fwd, rounds);
	printf(",");
	print_stats("to_linux_from_start", to_pass_s, rounds);
	printf(",");
	print_stats("to_fast_path_from_start", to_fwd_s, rounds);
	printf("}\n");
	return 0;
}
