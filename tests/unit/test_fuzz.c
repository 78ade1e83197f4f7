// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fast-path fuzzing through BPF_PROG_TEST_RUN, every feature combination
 * the planner can produce, in the fixture namespace (tests/unit/fuzz.sh):
 * random bytes and mutated valid frames (flipped bytes, truncations,
 * padding, wrong MACs, bad checksums, fragments, options ...). For every
 * frame, checked against an independent reference written here:
 *   - the verdict is XDP_PASS or XDP_REDIRECT, nothing else;
 *   - a frame handed to Linux is untouched;
 *   - a frame the reference says is not forwardable is handed to Linux;
 *   - a redirected frame is exactly what Linux would send: for a bridged
 *     frame the same bytes (trimmed to the IP length with br_netfilter),
 *     for a routed one TTL/hop limit minus one, checksum updated, trimmed,
 *     new MACs; and nothing is bridged without a source Linux learned;
 *     on a veth ingress (TNA_F_CSUM), a TCP/UDP checksum left to offload
 *     (the field holds the pseudo-header sum) completed as whoever sends
 *     it last would complete it.
 * The second half of every combination's frames runs with the firewall
 * switched on for every family and NAT on for IPv4 (no verdict cached, no
 * conntrack entry: keyed flows ask and go to Linux), so their parsing sees
 * the same malformed frames.
 * Default: 1,000,000 frames per combination; TNA_FUZZ_SEED and
 * TNA_FUZZ_FRAMES (total) override the defaults; a failure prints the
 * seed, the combination and the frame. Combinations run in parallel, one
 * worker process per CPU (TNA_FUZZ_WORKERS).
 */
#include <sys/wait.h>
#include "fixture.h"
#include "plan.h"

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* --- the reference: what Linux could forward ----------------------------- */

static int csum_ok(const uint8_t *ip, int len)
{
	uint32_t sum = 0;

	for (int i = 0; i < len; i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static uint32_t sum16(const uint8_t *b, int len, uint32_t sum)
{
	for (int i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * A local stack's CHECKSUM_PARTIAL packet as skb_checksum_help() completes
 * it: TCP/UDP (not a fragment) whose checksum does not verify and whose
 * field holds the pseudo-header sum gets the segment's sum, folded and
 * inverted (0 written as 0xffff). Any other frame is left as it is.
 */
static void complete_l4(uint8_t *f, int len)
{
	uint8_t *ip = f + 14, *th;
	int et = (f[12] << 8) | f[13], hl, l4len, proto, off, alen;
	uint32_t ps, field, v;

	if (et == 0x0800 && len >= 34 && (ip[0] >> 4) == 4) {
		hl = (ip[0] & 15) * 4;
		proto = ip[9];
		l4len = ((ip[2] << 8) | ip[3]) - hl;
		alen = 8;
		if (hl < 20 || (((ip[6] << 8) | ip[7]) & 0x3fff))
			return;
	} else if (et == 0x86dd && len >= 54) {
		hl = 40;
		proto = ip[6];
		l4len = (ip[4] << 8) | ip[5];
		alen = 32;
	} else {
		return;
	}
	off = proto == 6 ? 16 : 6;
	if ((proto != 6 && proto != 17) || l4len < off + 2 ||
	    14 + hl + l4len > len)
		return;
	th = ip + hl;
	ps = sum16(ip + (alen == 8 ? 12 : 8), alen, proto + l4len);
	field = (th[off] << 8) | th[off + 1];
	if ((alen == 8 && proto == 17 && !field) ||
	    sum16(th, l4len, ps) == 0xffff || field != ps)
		return;
	v = ~sum16(th, l4len, 0) & 0xffff;
	if (!v)
		v = 0xffff;
	th[off] = v >> 8;
	th[off + 1] = v & 0xff;
}

/* Length of the IP packet if its header is sane (br_validate_ipv4/6), else 0. */
static int ip_len(const uint8_t *f, int len)
{
	const uint8_t *ip = f + 14;
	int et = (f[12] << 8) | f[13], n;

	if (et == 0x0800 && len >= 34) {
		if ((ip[0] >> 4) != 4 || (ip[0] & 15) < 5 ||
		    len < 14 + (ip[0] & 15) * 4 ||
		    !csum_ok(ip, (ip[0] & 15) * 4))
			return 0;
		n = (ip[2] << 8) | ip[3];
		return n >= (ip[0] & 15) * 4 && 14 + n <= len ? n : 0;
	}
	if (et == 0x86dd && len >= 54) {
		n = 40 + ((ip[4] << 8) | ip[5]);
		return (ip[0] >> 4) == 6 && 14 + n <= len ? n : 0;
	}
	return 0;
}

/* A packet a router may forward at all: sane, no options, no fragment, TTL > 1. */
static int routable(const uint8_t *f, int len)
{
	const uint8_t *ip = f + 14;

	if (!ip_len(f, len))
		return 0;
	if (((f[12] << 8) | f[13]) == 0x0800)
		return (ip[0] & 15) == 5 &&
		       !(((ip[6] << 8) | ip[7]) & 0x3fff) && ip[8] > 1;
	return ip[6] != 0 && ip[6] != 44 && ip[7] > 1;
}

static int mac_in(const uint8_t *m, const uint8_t *const *set, int n)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(m, set[i], 6))
			return 1;
	return 0;
}

struct ctx {
	uint64_t features;
	const char *ingress;
	uint8_t own[3][6]; /* addresses a routed frame may be sent to */
	int nr_own;
};

/* Returns NULL if the output is what Linux could send for this input, else why not. */
static const char *check(const struct ctx *c, const uint8_t *in, int len,
			 int verdict, const uint8_t *out, int out_len)
{
	static const uint8_t *const learned_on_bp0[] = { H0 };
	int v4 = len >= 14 && ((in[12] << 8) | in[13]) == 0x0800;
	uint8_t want[PKT_MAX], done[PKT_MAX];
	int n;

	if (verdict != XDP_PASS && verdict != XDP_REDIRECT)
		return "verdict other than PASS or REDIRECT";
	if (verdict == XDP_PASS)
		return out_len == len && !memcmp(in, out, len) ?
			       NULL :
			       "handed to Linux modified";
	if (len < 14 || (in[0] & 1))
		return "redirected a frame that is short or not unicast";
	memcpy(done, in, len);
	if (c->features & TNA_F_CSUM)
		complete_l4(done, len);
	if (!memcmp(in, out, 12)) { /* bridged: MACs as they came */
		if (!(c->features & TNA_F_BRIDGE))
			return "bridged without the bridge module";
		if ((in[6] & 1) || !memcmp(in + 6, (uint8_t[6]){ 0 }, 6) ||
		    !mac_in(in + 6, learned_on_bp0, 1))
			return "bridged from a source Linux has not learned here";
		if (mac_in(in,
			   (const uint8_t *const[]){ c->own[0], c->own[1],
						     c->own[2] },
			   c->nr_own))
			return "bridged a frame for the bridge itself";
		if (((in[12] << 8) | in[13]) != 0x0800 &&
		    ((in[12] << 8) | in[13]) != 0x86dd)
			return "bridged a non-IP frame";
		if (c->features & (v4 ? TNA_F_BR_NF4 : TNA_F_BR_NF6)) {
			n = ip_len(in, len);
			if (!n)
				return "br_netfilter: bridged a malformed header";
			return out_len == 14 + n &&
					       !memcmp(done, out, out_len) ?
				       NULL :
				       "br_netfilter: not trimmed as Linux does";
		}
		return out_len == len && !memcmp(done, out, len) ?
			       NULL :
			       "bridged frame changed";
	}
	/* routed */
	if (!(c->features & R46))
		return "routed without a route module";
	if (!mac_in(in,
		    (const uint8_t *const[]){ c->own[0], c->own[1], c->own[2] },
		    c->nr_own))
		return "routed a frame not addressed to this host";
	if (!routable(in, len))
		return "routed a packet Linux would not forward as is";
	n = pkt_forwarded(want, done, len, out, out + 6);
	return out_len == n && !memcmp(want, out, n) ?
		       NULL :
		       "routed packet differs from Linux's rewrite";
}

/* --- frames -------------------------------------------------------------- */

static const char *const dsts4[] = { "10.3.0.9",  "10.2.0.2",  "10.20.0.2",
				     "10.4.0.1",  "10.9.0.5",  "10.1.0.7",
				     "127.0.0.1", "224.0.0.9", "10.20.0.6" };
static const char *const dsts6[] = { "fd03::9", "fd02::2", "fd20::2",
				     "fd20::6", "fe80::1", "ff02::1" };

/* A valid frame of a random kind, then (usually) damaged. */
static int make_frame(const struct ctx *c, uint8_t *f)
{
	struct pkt_spec s = { 0 };
	const uint8_t *dmac, *smac;
	uint8_t rmac[6];
	int len, kind = rnd() % 16;

	if (kind == 0) { /* random bytes */
		len = 14 + rnd() % 120;
		for (int i = 0; i < len; i++)
			f[i] = rnd();
		if (rnd() % 2)
			memcpy(f, c->own[rnd() % c->nr_own], 6);
		return len;
	}
	for (int i = 0; i < 6; i++)
		rmac[i] = rnd();
	s.v6 = rnd() % 3 == 0;
	s.src = s.v6 ? (rnd() % 2 ? "fd01::5" : "fd20::5") :
		       (rnd() % 2 ? "10.1.0.5" : "10.20.0.5");
	s.dst = s.v6 ? dsts6[rnd() % 6] : dsts4[rnd() % 9];
	s.proto = (uint8_t[]){ 17, 6, 1, 47 }[rnd() % 4];
	if (s.v6 && s.proto == 1)
		s.proto = 58;
	s.payload = rnd() % 64;
	s.ttl = rnd() % 4 == 0 ? rnd() % 3 : 0;
	s.pad = rnd() % 4 == 0 ? rnd() % 20 : 0;
	s.ihl = !s.v6 && rnd() % 8 == 0 ? 6 : 0;
	s.frag_off = rnd() % 8 == 0 ? (uint16_t)(rnd() & 0x3fff) : 0;
	s.bad_csum = rnd() % 8 == 0;
	s.l4_csum = rnd() % 4 == 0; /* left to offload, as from a local stack */
	s.hbh = s.v6 && rnd() % 8 == 0;
	s.icmp_type = rnd() % 2 ? 8 : rnd() % 16;
	s.ethertype = rnd() % 16 == 0 ?
			      (uint16_t[]){ 0x0806, 0x8100, 0x88a8, 0x0800,
					    0x86dd }[rnd() % 5] :
			      0;
	dmac = (const uint8_t *const[]){ c->own[0], c->own[rnd() % c->nr_own],
					 H1,	    H2,
					 H3,	    H4,
					 NEIGH_BR,  rmac }[rnd() % 8];
	smac = (const uint8_t *const[]){ H0, H0, OTHER_MAC, MOVED,
					 rmac }[rnd() % 5];
	len = pkt_build(f, &s, dmac, smac);
	switch (rnd() % 4) {
	case 0: /* flip bytes */
		for (int n = 1 + rnd() % 4; n > 0; n--)
			f[rnd() % len] ^= 1 << (rnd() % 8);
		break;
	case 1: /* truncate */
		len = 14 + rnd() % (len - 13);
		break;
	default: /* intact */
		break;
	}
	return len;
}

/*
 * One feature combination: per frames through a program specialized for
 * feat, from a generator seeded by the seed and feat alone (a failing
 * combination re-runs the same frames whichever worker ran it).
 */
static int fuzz_combination(uint64_t feat, uint64_t seed, long per,
			    long *redirected)
{
	struct ctx c = { .features = feat };
	uint8_t f[PKT_MAX], out[PKT_MAX];
	struct tna *skel;
	int failed = 0;

	rng = (seed ^ (feat * 0x9e3779b97f4a7c15ull)) ?: 1;
	c.ingress = (feat & TNA_F_BRIDGE) ? "bp0" : "in0";
	skel = fixture_load(c.ingress, feat);
	if (!skel || mac_of(c.ingress, c.own[0])) {
		printf("FAIL fuzz: cannot load features %llx\n",
		       (unsigned long long)feat);
		tna__destroy(skel);
		return 1;
	}
	c.nr_own = 1;
	if (feat & TNA_F_BRIDGE) { /* the bridge's own addresses */
		mac_of("br0", c.own[1]);
		c.nr_own = 2;
	}
	set_runtime(skel, 0, 0);
	for (long i = 0; i < per && !failed; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		uint64_t state = rng;
		const char *why;
		int len = make_frame(&c, f);

		if (i == per / 2)
			set_firewall(skel, TNA_RT_FW4 | TNA_RT_FW6 |
						   TNA_RT_FW_BR | TNA_RT_NAT4);

		if (fixture_run(skel, &opts, f, len, out, sizeof(out))) {
			printf("FAIL fuzz: test run: %s\n", strerror(errno));
			failed = 1;
			break;
		}
		*redirected += opts.retval == XDP_REDIRECT;
		why = check(&c, f, len, opts.retval, out, opts.data_size_out);
		if (!why)
			continue;
		printf("FAIL fuzz: %s (features %llx, ingress %s, verdict %u, rng state %#llx, seed %#llx)\n",
		       why, (unsigned long long)feat, c.ingress, opts.retval,
		       (unsigned long long)state, (unsigned long long)seed);
		hexdiff(f, len, out, opts.data_size_out);
		failed = 1;
	}
	tna__destroy(skel);
	return failed;
}

/*
 * One worker per CPU (TNA_FUZZ_WORKERS overrides), combinations dealt
 * round-robin; each reports "frames redirected failed" on its pipe.
 */
int main(void)
{
	const char *seed_env = getenv("TNA_FUZZ_SEED");
	const char *frames_env = getenv("TNA_FUZZ_FRAMES");
	const char *workers_env = getenv("TNA_FUZZ_WORKERS");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x7a11ce;
	long total = frames_env ? atol(frames_env) : 0;
	long workers = workers_env ? atol(workers_env) :
				     sysconf(_SC_NPROCESSORS_ONLN);
	long done = 0, redirected = 0, combos = 0, per;
	int failed = 0, fds[64];
	pid_t pids[64];

	if (workers < 1)
		workers = 1;
	if (workers > 64)
		workers = 64;
	for (uint64_t feat = 0; feat <= TNA_F_ALL; feat++)
		combos += plan_features_possible(feat) && feat;
	per = total ? total / combos + 1 : 1000000;
	fflush(NULL);
	for (long w = 0; w < workers; w++) {
		int pfd[2];

		if (pipe(pfd) || (pids[w] = fork()) < 0) {
			printf("FAIL fuzz: worker %ld: %s\n", w,
			       strerror(errno));
			return 1;
		}
		if (pids[w] == 0) {
			long n = 0, red = 0, k = 0;
			int bad = 0;
			FILE *res;

			close(pfd[0]);
			for (uint64_t feat = 1; feat <= TNA_F_ALL && !bad;
			     feat++) {
				if (!plan_features_possible(feat) ||
				    k++ % workers != w)
					continue;
				bad = fuzz_combination(feat, seed, per, &red);
				n += per;
			}
			res = fdopen(pfd[1], "w");
			if (res)
				fprintf(res, "%ld %ld %d\n", n, red, bad);
			exit(res && !fclose(res) ? bad : 1);
		}
		close(pfd[1]);
		fds[w] = pfd[0];
	}
	for (long w = 0; w < workers; w++) {
		FILE *res = fdopen(fds[w], "r");
		long n = 0, red = 0;
		int bad = 0, status = 0, lost;

		/* a worker that found a violation has said so itself */
		lost = !res || fscanf(res, "%ld %ld %d", &n, &red, &bad) != 3;
		if (res)
			fclose(res);
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != bad)
			lost = 1;
		if (lost)
			printf("FAIL fuzz: worker %ld of %ld died without a result (status %#x)\n",
			       w, workers, status);
		failed |= bad | lost;
		done += n;
		redirected += red;
	}
	if (!failed)
		printf("PASS fuzz: %ld frames through %ld feature combinations (%ld workers), %ld redirected, 0 violations (seed %#llx)\n",
		       done, combos, workers, redirected,
		       (unsigned long long)seed);
	return failed;
}
