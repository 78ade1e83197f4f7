// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads every feature combination of the fast path through the verifier
 * (and the demo's traffic programs), printing each program's size so the
 * specialization is visible: modules that are off are not in the program.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tna/abi.h"
#include "plan.h"
#include "tna.skel.h"
#include "sink.skel.h"
#include "trafgen.skel.h"
#include "redirect.skel.h"

static int prog_insns(int fd, unsigned int *verified)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	*verified = info.verified_insns;
	return info.xlated_prog_len / 8;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int libbpf_quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	if (l == LIBBPF_WARN)
		return vfprintf(stderr, f, ap);
	return 0;
}

int main(void)
{
	static const char *const names[] = TNA_FEATURE_NAMES;
	int failed = 0, insns_none = -1, insns_all = -1;

	libbpf_set_print(libbpf_quiet);
	for (uint64_t f = 0; f < (1ULL << TNA_NR_FEATURES); f++) {
		struct tna *skel = tna__open();
		char mods[128] = "";
		unsigned int verified = 0;
		double ms = 0;
		int n = -1;

		if (!plan_features_possible(f) && f != TNA_F_ALL)
			continue;

		for (int i = 0; i < TNA_NR_FEATURES; i++)
			if (f & (1ULL << i))
				snprintf(mods + strlen(mods),
					 sizeof(mods) - strlen(mods), "%s%s",
					 mods[0] ? "," : "", names[i]);
		if (skel) {
			/* a port without an index is compiled as never
			 * forwarding: give it one, as the applier does */
			struct tna_cfg c = { .features = f,
					     .ifindex = 1,
					     .port_idx = f & TNA_F_BRIDGE ? 1 :
									    0 };

			memcpy((void *)&skel->rodata->tna_cfg, &c, sizeof(c));
			ms = now_ms();
			if (!tna__load(skel))
				n = prog_insns(
					bpf_program__fd(skel->progs.tna_xdp),
					&verified);
			ms = now_ms() - ms;
			tna__destroy(skel);
		}
		if (n <= 0) {
			printf("FAIL verifier: features [%s]\n", mods);
			failed++;
			continue;
		}
		if (f == 0)
			insns_none = n;
		if (f == TNA_F_ALL)
			insns_all = n;
		printf("PASS verifier: features [%s] %d insns (%u verified, %.0f ms)\n",
		       mods[0] ? mods : "none", n, verified, ms);
	}
	/* Specialization must really remove code. */
	if (insns_none > 0 && insns_all > insns_none * 2)
		printf("PASS specialization: %d insns with no module, %d with all\n",
		       insns_none, insns_all);
	else
		printf("FAIL specialization: %d insns with no module, %d with all\n",
		       insns_none, insns_all),
			failed++;
	{
		struct sink *s = sink__open_and_load();
		struct trafgen *t = trafgen__open_and_load();
		struct redirect *r = redirect__open_and_load();

		printf("%s verifier: the demo's sink, live-frames generator and reference forwarders\n",
		       s && t && r ? "PASS" : "FAIL");
		failed += !(s && t && r);
		sink__destroy(s);
		trafgen__destroy(t);
		redirect__destroy(r);
	}
	return failed ? 1 : 0;
}
