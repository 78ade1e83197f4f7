/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the traffic tools of the demo and benchmarks: three
 * traffic engines (a closed loop of frames recirculated by the sink, live
 * frames from BPF_PROG_RUN, a packet socket), the sink (an XDP program
 * counting UDP to the discard port, dropping it or sending it round the
 * loop), the reference forwarders, and the namespace helpers they need.
 */
#ifndef TNA_TRAFFIC_H
#define TNA_TRAFFIC_H

#include <stdint.h>

#define FRAME_LEN 64

struct sink;
struct trafgen;
struct redirect;

struct sink_handle {
	struct sink *skel;
	int link_fd;
};

enum engine { ENGINE_AUTO, ENGINE_LOOP, ENGINE_LIVE, ENGINE_PKTSOCK };

/* The engine named s, or -1. */
int engine_parse(const char *s);
const char *engine_name(int e);
/*
 * One harmless run of a program that drops, with live frames: 0 if this
 * kernel allows BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES, else -errno.
 */
int live_probe(void);

/*
 * Rate windows of about one second within a run: the sampler reads the
 * counter at `at` every time it is given the chance.
 */
struct sampler {
	const struct sink_handle *at;
	double t_last, win; /* window start, window length (s) */
	uint64_t c_last;
	double min, max; /* Mpps of the whole windows so far */
	int n;
};
void sampler_start(struct sampler *s, const struct sink_handle *at);
void sampler_poll(struct sampler *s);

/* Enter the namespace at /run/netns/name; *saved gets the old one back. */
int netns_enter(const char *name, int *saved);
void netns_leave(int saved);
int if_mac(const char *ifname, unsigned char mac[6]);
/*
 * Frames ifname lost so far (current namespace): a veth's ring drops and
 * XDP transmit errors (`ethtool -S`) plus the rx and tx dropped counters.
 */
int if_lost(const char *ifname, uint64_t *lost);
int write_file(const char *path, const char *val);
/* The integer in a file (a sysctl), or -1. */
int read_int_file(const char *path);
/* One frame out of ifname through a packet socket (current namespace). */
int raw_send(const char *ifname, const unsigned char *frame, int len);

/* Both must be called from inside the interface's namespace. */
int sink_attach(const char *ifname, struct sink_handle *s);
void sink_detach(struct sink_handle *s);
/* Frames counted so far (every mode). */
uint64_t sink_count(const struct sink_handle *s);
/* One row of sink_count (SINK_LOOPED ...). */
uint64_t sink_counter(const struct sink_handle *s, int row);
/*
 * Loop mode's target: frame becomes the template and to_ifname, resolved
 * in the namespace to_ns, the device frames are redirected into.
 */
int sink_loop_target(struct sink_handle *s, const char *to_ns,
		     const char *to_ifname, const unsigned char *frame);
/* Looped frames rotate over this many flows (IPv4; 0 or 1: one flow). */
void sink_flows(struct sink_handle *s, unsigned int flows);

/*
 * The loop engine: seeds inflight frames through a packet socket on
 * seed_if (namespace seed_ns), lets `at` send them round for about
 * `seconds` (or until *stop), then drains the loop. *looped gets the
 * frames counted during the timed window, *elapsed its length, *missing
 * the seeded frames that never came back (lost on the way), *counted
 * every frame counted at `at` from seeding to the end of the drain.
 */
#define LOOP_GRACE_S 2 /* the loop's deadline: the run's end plus this */
int loop_run(const char *seed_ns, const char *seed_if, struct sink_handle *at,
	     const unsigned char *frame, int inflight, double seconds,
	     volatile int *stop, struct sampler *smp, uint64_t *looped,
	     double *elapsed, uint64_t *missing, uint64_t *counted);

/*
 * The packet-socket engine: frame out of ifname in batches (sendmmsg,
 * PACKET_QDISC_BYPASS) for about seconds. Current namespace.
 */
int pktsock_run(const char *ifname, const unsigned char *frame, double seconds,
		volatile int *stop, struct sampler *smp, uint64_t *sent,
		double *elapsed);

/* The benchmark reference: every frame on ifname goes out of to_ifname. */
struct redirect_handle {
	struct redirect *skel;
	int link_fd;
};
/* fib: the minimal XDP router (bpf_fib_lookup) instead of a bare redirect. */
int redirect_attach(const char *ifname, const char *to_ifname, int fib,
		    struct redirect_handle *r);
void redirect_detach(struct redirect_handle *r);

/*
 * The live-frames engine: frame (FRAME_LEN bytes) out of ifname with
 * XDP_TX for about seconds, or until *stop becomes non-zero. Call from
 * inside the interface's namespace.
 */
int trafgen_run(const char *ifname, const unsigned char *frame, double seconds,
		volatile int *stop, struct sampler *smp, uint64_t *sent,
		double *elapsed);

/* A 64-byte IPv4/UDP frame to the discard port. */
void frame_udp4(unsigned char *f, const unsigned char dmac[6],
		const unsigned char smac[6], uint32_t saddr, uint32_t daddr);

double now_sec(void);

#endif /* TNA_TRAFFIC_H */
