/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the traffic tools of the demo and benchmarks: a
 * generator (BPF_PROG_RUN with live frames, XDP_TX out of an interface)
 * and a sink (XDP program counting and dropping UDP to the discard port),
 * plus the network namespace helpers they need.
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
uint64_t sink_count(const struct sink_handle *s);

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
 * Send frame (FRAME_LEN bytes) out of ifname for about seconds, or until
 * *stop becomes non-zero. Call from inside the interface's namespace.
 */
int trafgen_run(const char *ifname, const unsigned char *frame, double seconds,
		volatile int *stop, uint64_t *sent, double *elapsed);

/* A 64-byte IPv4/UDP frame to the discard port. */
void frame_udp4(unsigned char *f, const unsigned char dmac[6],
		const unsigned char smac[6], uint32_t saddr, uint32_t daddr);

double now_sec(void);

#endif /* TNA_TRAFFIC_H */
