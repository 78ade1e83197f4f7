// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Traffic generator and sink for the demo and benchmarks (see traffic.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sink.skel.h"
#include "trafgen.skel.h"
#include "redirect.skel.h"
#include "sink.h"
#include "traffic.h"

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int netns_enter(const char *name, int *saved)
{
	char path[128];
	int fd, ret = 0;

	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || fd < 0 || setns(fd, CLONE_NEWNET))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

void netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET))
		perror("setns back");
	close(saved);
}

int if_mac(const char *ifname, unsigned char mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

/* A veth's lost-frame counters in `ethtool -S`; XDP_DROP is not a loss. */
static int lost_stat(const char *name)
{
	size_t n = strlen(name);

	return (n > 6 && !strcmp(name + n - 6, "_drops") &&
		!strstr(name, "xdp_drops")) ||
	       strstr(name, "xdp_tx_errors") || strstr(name, "xdp_xmit_errors");
}

static int ethtool_lost(int fd, const char *ifname, uint64_t *lost)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			    .sset_mask = 1ULL << ETH_SS_STATS } };
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_stats *st = NULL;
	struct ifreq ifr = { 0 };
	uint32_t n;
	int ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	n = sset.hdr.sset_mask ? sset.len : 0;
	strs = calloc(1, sizeof(*strs) + n * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + n * sizeof(uint64_t));
	if (!strs || !st) {
		ret = -ENOMEM;
		goto out;
	}
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = n;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	ifr.ifr_data = (void *)strs;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_data = (void *)st;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		ret = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1] = { 0 };

		memcpy(name, strs->data + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		if (lost_stat(name))
			*lost += st->data[i];
	}
out:
	free(strs);
	free(st);
	return ret;
}

/* rx and tx "drop" of ifname in this thread's namespace (/proc/net/dev). */
static int netdev_lost(const char *ifname, uint64_t *lost)
{
	FILE *f = fopen("/proc/thread-self/net/dev", "re");
	char line[512], want[IFNAMSIZ + 2];
	int ret = -ENODEV;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%s:", ifname);
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");
		unsigned long long v[12];

		if (strncmp(p, want, strlen(want)))
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * tx: bytes packets errs drop */
		if (sscanf(p + strlen(want),
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11]) == 12) {
			*lost += v[3] + v[11];
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

int if_lost(const char *ifname, uint64_t *lost)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	*lost = 0;
	if (fd < 0)
		return -errno;
	ret = ethtool_lost(fd, ifname, lost) ?: netdev_lost(ifname, lost);
	close(fd);
	return ret;
}

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int read_int_file(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int raw_send(const char *ifname, const unsigned char *frame, int len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = if_nametoindex(ifname);
	memcpy(sll.sll_addr, frame, 6);
	if (!sll.sll_ifindex ||
	    sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
		    len)
		ret = -errno ?: -EIO;
	close(fd);
	return ret;
}

int sink_attach(const char *ifname, struct sink_handle *s)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	int ifindex = if_nametoindex(ifname);

	s->link_fd = -1;
	s->skel = NULL;
	if (!ifindex)
		return -ENODEV;
	s->skel = sink__open_and_load();
	if (!s->skel)
		return -errno;
	s->link_fd = bpf_link_create(bpf_program__fd(s->skel->progs.sink_xdp),
				     ifindex, BPF_XDP, &opts);
	if (s->link_fd < 0) {
		int err = -errno;

		sink__destroy(s->skel);
		s->skel = NULL;
		return err;
	}
	return 0;
}

void sink_detach(struct sink_handle *s)
{
	if (s->link_fd >= 0)
		close(s->link_fd);
	sink__destroy(s->skel);
	s->skel = NULL;
	s->link_fd = -1;
}

int redirect_attach(const char *ifname, const char *to_ifname, int fib,
		    struct redirect_handle *r)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	__u32 ifindex = if_nametoindex(ifname), to = if_nametoindex(to_ifname);
	__u32 zero = 0;

	r->link_fd = -1;
	r->skel = NULL;
	if (!ifindex || !to)
		return -ENODEV;
	r->skel = redirect__open_and_load();
	if (!r->skel)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.out), &zero, &to,
				BPF_ANY))
		goto err;
	r->link_fd = bpf_link_create(
		bpf_program__fd(fib ? r->skel->progs.fib_xdp :
				      r->skel->progs.redirect_xdp),
		ifindex, BPF_XDP, &opts);
	if (r->link_fd < 0)
		goto err;
	return 0;
err : {
	int err = -errno;

	redirect__destroy(r->skel);
	r->skel = NULL;
	return err;
}
}

void redirect_detach(struct redirect_handle *r)
{
	if (r->link_fd >= 0)
		close(r->link_fd);
	redirect__destroy(r->skel);
	r->skel = NULL;
	r->link_fd = -1;
}

uint64_t sink_counter(const struct sink_handle *s, int row)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *v, sum = 0;
	__u32 key = row;

	if (ncpus <= 0 || !s->skel)
		return 0;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.sink_count), &key,
				 v))
		for (int i = 0; i < ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

uint64_t sink_count(const struct sink_handle *s)
{
	return sink_counter(s, SINK_LOOPED) + sink_counter(s, SINK_DROPPED);
}

int sink_loop_target(struct sink_handle *s, const char *to_ns,
		     const char *to_ifname, const unsigned char *frame)
{
	__u32 zero = 0, ifindex;
	int saved, ret = netns_enter(to_ns, &saved);

	/* A devmap resolves the ifindex in the writer's namespace. */
	if (!ret) {
		ifindex = if_nametoindex(to_ifname);
		ret = !ifindex ? -ENODEV :
		      bpf_map_update_elem(bpf_map__fd(s->skel->maps.loop_to),
					  &zero, &ifindex, BPF_ANY) ?
				 -errno :
				 0;
	}
	netns_leave(saved);
	if (!ret)
		memcpy(s->skel->bss->template, frame, FRAME_LEN);
	return ret;
}

void sink_flows(struct sink_handle *s, unsigned int flows)
{
	s->skel->bss->flows = flows;
}

int engine_parse(const char *s)
{
	static const char *const names[] = { "auto", "loop", "live",
					     "pktsock" };

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *engine_name(int e)
{
	return e == ENGINE_LOOP	   ? "loop" :
	       e == ENGINE_LIVE	   ? "live" :
	       e == ENGINE_PKTSOCK ? "pktsock" :
				     "auto";
}

int live_probe(void)
{
	unsigned char data[FRAME_LEN] = { 0 };
	struct xdp_md ctx = { .data_end = FRAME_LEN, .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
		    .data_size_in = FRAME_LEN, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = 1);
	struct trafgen *skel = trafgen__open_and_load();
	int ret = 0;

	if (!skel)
		return -errno;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.probe_xdp),
				   &opts))
		ret = -errno;
	trafgen__destroy(skel);
	return ret;
}

/*
 * A counter row (-1: sink_count()) and the time it was read at: this CPU
 * also runs the traffic, so a read preempted between the clock and the
 * count would misplace frames between windows; such reads are retried.
 */
static uint64_t timed_count(const struct sink_handle *at, int row, double *t)
{
	uint64_t c = 0;

	for (int i = 0; i < 20; i++) {
		double t0 = now_sec(), t1;

		c = row < 0 ? sink_count(at) : sink_counter(at, row);
		t1 = now_sec();
		*t = (t0 + t1) / 2;
		if (t1 - t0 < 200e-6)
			break;
	}
	return c;
}

void sampler_start(struct sampler *s, const struct sink_handle *at)
{
	memset(s, 0, sizeof(*s));
	s->at = at;
	s->win = 1.0;
	s->c_last = timed_count(at, -1, &s->t_last);
}

void sampler_poll(struct sampler *s)
{
	double t, mpps;
	uint64_t c;

	if (!s || now_sec() - s->t_last < s->win * 0.98)
		return;
	c = timed_count(s->at, -1, &t);
	mpps = (c - s->c_last) / (t - s->t_last) / 1e6;
	if (!s->n || mpps < s->min)
		s->min = mpps;
	if (!s->n || mpps > s->max)
		s->max = mpps;
	s->n++;
	s->t_last = t;
	s->c_last = c;
}

/* Sleep until t (CLOCK_MONOTONIC seconds), or about 10 ms. */
static void sleep_until(double t)
{
	double now = now_sec();

	if (t > now)
		usleep((useconds_t)((t - now > 0.01 ? 0.01 : t - now) * 1e6));
}

#define NSEC 1000000000ULL

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/*
 * n copies of frame out of ifname in one sendmmsg() (current namespace):
 * the loop already runs while the seeds go out, and each frame's
 * transmit may run it for a while (softirq on bottom-half enable); one
 * call keeps that from costing a socket and a syscall per frame. Returns
 * the frames sent or -errno.
 */
static int seed(const char *ifname, const unsigned char *frame, int n)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_halen = 6 };
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = FRAME_LEN };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), done = 0;
	struct mmsghdr msgs[256];

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = if_nametoindex(ifname);
	memcpy(sll.sll_addr, frame, 6);
	if (!sll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -ENODEV;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < n && i < 256; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int k = sendmmsg(fd, msgs + done, n - done, 0);

		if (k <= 0) {
			done = done ?: -errno;
			break;
		}
		done += k;
	}
	close(fd);
	return done;
}

int loop_run(const char *seed_ns, const char *seed_if, struct sink_handle *at,
	     const unsigned char *frame, int inflight, double seconds,
	     volatile int *stop, struct sampler *smp, uint64_t *looped,
	     double *elapsed, uint64_t *missing, uint64_t *counted)
{
	uint64_t c0 = sink_count(at), d0 = sink_counter(at, SINK_DROPPED);
	uint64_t l0, l1, d, last = 0;
	double t0, t1, settle, quiet, t_deadline;
	int saved, ret, sent = 0;

	*looped = *missing = *counted = 0;
	*elapsed = 0;
	/*
	 * The program's own deadline: the loop ends with the run, however
	 * the run ends (a stopped or killed process, a leaked link). While
	 * seeding it allows for the seeding; then for the phase.
	 */
	at->skel->bss->deadline_ns = mono_ns() + (__u64)(seconds + 10) * NSEC;
	at->skel->bss->loop_on = 1;
	ret = netns_enter(seed_ns, &saved);
	if (!ret)
		ret = seed(seed_if, frame, inflight);
	netns_leave(saved);
	sent = ret < 0 ? 0 : ret;
	ret = ret < 0 ? ret : 0;
	at->skel->bss->deadline_ns =
		mono_ns() + (__u64)((seconds + LOOP_GRACE_S) * NSEC);
	t_deadline = now_sec() + seconds + LOOP_GRACE_S;
	/* The timed window starts once the seeds are round. */
	t0 = now_sec();
	while (!ret && now_sec() < t0 + 0.01)
		sleep_until(t0 + 0.01);
	l0 = timed_count(at, SINK_LOOPED, &t0);
	if (smp)
		sampler_start(smp, at);
	while (!ret && !*stop && now_sec() < t0 + seconds) {
		sleep_until(t0 + seconds);
		sampler_poll(smp);
	}
	l1 = timed_count(at, SINK_LOOPED, &t1);
	if (!ret && t1 >= t_deadline) {
		fprintf(stderr,
			"tna demo: the loop's own deadline passed before the window ended (this process was held off the CPU): not a measurement\n");
		ret = -ETIME;
	}
	/* Drain: every frame still in flight is counted once more, dropped. */
	at->skel->bss->loop_on = 0;
	settle = now_sec() + 2;
	quiet = now_sec();
	while ((d = sink_counter(at, SINK_DROPPED) - d0) < (uint64_t)sent &&
	       now_sec() < settle) {
		if (d != last) {
			last = d;
			quiet = now_sec();
		} else if (now_sec() - quiet > 0.1) {
			break; /* nothing came back for 100 ms: lost */
		}
		usleep(1000);
	}
	*looped = l1 - l0;
	*elapsed = t1 - t0;
	*missing = d < (uint64_t)sent ? sent - d : 0;
	*counted = sink_count(at) - c0;
	return ret;
}

int pktsock_run(const char *ifname, const unsigned char *frame, double seconds,
		volatile int *stop, struct sampler *smp, uint64_t *sent,
		double *elapsed)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1,
	    ret = 0;
	struct mmsghdr msgs[64];
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = FRAME_LEN };
	double t0 = now_sec(), end = t0 + seconds;

	*sent = 0;
	if (fd < 0)
		return -errno;
	sll.sll_ifindex = if_nametoindex(ifname);
	memcpy(sll.sll_addr, frame, 6);
	if (!sll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one))) {
		ret = -errno ?: -ENODEV;
		close(fd);
		return ret;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 64; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!*stop && now_sec() < end) {
		for (int k = 0; k < 64; k++) {
			int n = sendmmsg(fd, msgs, 64, 0);

			if (n < 0) {
				ret = -errno;
				break;
			}
			*sent += n;
		}
		if (ret)
			break;
		sampler_poll(smp);
	}
	*elapsed = now_sec() - t0;
	close(fd);
	return ret;
}

int trafgen_run(const char *ifname, const unsigned char *frame, double seconds,
		volatile int *stop, struct sampler *smp, uint64_t *sent,
		double *elapsed)
{
	struct xdp_md ctx = { .data_end = FRAME_LEN,
			      .ingress_ifindex = if_nametoindex(ifname) };
	unsigned char data[FRAME_LEN];
	struct trafgen *skel;
	double t0, t, end;
	/* Small first: a DUT at a few kpps (Linux walking 10,000 rules) paces
	 * the generator, and 65,536 frames would take it ten seconds. */
	__u32 repeat = 1 << 12;
	int ret = 0;

	*sent = 0;
	if (!ctx.ingress_ifindex)
		return -ENODEV;
	skel = trafgen__open_and_load();
	if (!skel)
		return -errno;
	memcpy(skel->bss->gen_frame, frame, FRAME_LEN);
	memcpy(data, frame, FRAME_LEN);
	t0 = now_sec();
	end = t0 + seconds;
	/* Each call costs an RCU grace period: keep calls around 0.25 s. */
	while (!*stop && (t = now_sec()) < end) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
			    .data_size_in = FRAME_LEN, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .repeat = repeat, .batch_size = 64);
		double dt;

		if (bpf_prog_test_run_opts(
			    bpf_program__fd(skel->progs.trafgen_xdp), &opts)) {
			ret = -errno;
			break;
		}
		*sent += repeat;
		sampler_poll(smp);
		dt = now_sec() - t;
		if (dt > 0) {
			double want = repeat / dt * 0.25;

			repeat = want < 1024	  ? 1024 :
				 want > (1 << 24) ? (1 << 24) :
						    (__u32)want;
		}
	}
	*elapsed = now_sec() - t0;
	trafgen__destroy(skel);
	return ret;
}

static uint16_t csum16(const void *p, int len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (int i = 0; i < len / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

void frame_udp4(unsigned char *f, const unsigned char dmac[6],
		const unsigned char smac[6], uint32_t saddr, uint32_t daddr)
{
	unsigned char *ip = f + 14, *udp = ip + 20;
	uint16_t v;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	v = htons(FRAME_LEN - 14);
	memcpy(ip + 2, &v, 2);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	v = csum16(ip, 20);
	memcpy(ip + 10, &v, 2);
	v = htons(1234);
	memcpy(udp, &v, 2);
	v = htons(9);
	memcpy(udp + 2, &v, 2);
	v = htons(FRAME_LEN - 34);
	memcpy(udp + 4, &v, 2);
	for (int i = 42; i < FRAME_LEN; i++)
		f[i] = (unsigned char)i;
}
