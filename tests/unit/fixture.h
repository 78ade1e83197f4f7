/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the fixture the BPF_PROG_TEST_RUN tests share: the
 * namespace tests/unit/fastpath.sh prepares (in0/in1/out0/out1, br0 with
 * bp0-bp5, routes, neighbours) and the maps a controller would fill for
 * it, so every test runs the fast path against the same picture.
 */
#ifndef TNA_TEST_FIXTURE_H
#define TNA_TEST_FIXTURE_H

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tna/abi.h"
#include "tna.skel.h"
#include "pkt.h"

#define R46 (TNA_F_ROUTE4 | TNA_F_ROUTE6)

static const uint8_t NEIGH_OUT0[6] = { 2, 0, 0, 0, 2, 2 };
static const uint8_t OTHER_MAC[6] = { 2, 0, 0, 0, 0x77, 0x77 };

/*
 * The bridge br0 of fastpath.sh as the controller would mirror it: ports
 * bp0-bp4 (port flags and states below), FDB entries H0-H4 behind them,
 * the neighbour of 10.20.0.2 behind bp1, a station that moved to bp1.
 */
#define BR_IP (TNA_F_BRIDGE | TNA_F_BR_IP4 | TNA_F_BR_IP6)
#define BR_NF (TNA_F_BR_NF4 | TNA_F_BR_NF6)
static const uint8_t H0[6] = { 2, 0, 0, 0, 0xb0, 0 };
static const uint8_t H1[6] = { 2, 0, 0, 0, 0xb1, 0 };
static const uint8_t H2[6] = { 2, 0, 0, 0, 0xb2, 0 };
static const uint8_t H3[6] = { 2, 0, 0, 0, 0xb3, 0 };
static const uint8_t H4[6] = { 2, 0, 0, 0, 0xb4, 0 };
static const uint8_t H5[6] = { 2, 0, 0, 0, 0xb5, 0 };
static const uint8_t MOVED[6] = { 2, 0, 0, 0, 0xb9, 0 };
static const uint8_t NEIGH_BR[6] = { 2, 0, 0, 0, 0x20, 2 };

static const struct {
	const char *port;
	uint32_t state, flags, mtu;
	int xdp; /* listed in the devmap */
} br_ports[] = {
	{ "bp0", 3, TNA_PORT_LEARNING | TNA_PORT_ISOLATED, 1500, 1 },
	{ "bp1", 3, TNA_PORT_LEARNING, 1500, 1 },
	{ "bp2", 4, TNA_PORT_LEARNING, 1500, 1 }, /* blocking */
	{ "bp3", 3, TNA_PORT_ISOLATED, 200, 1 }, /* learning off */
	{ "bp4", 3, TNA_PORT_LEARNING, 1500, 0 }, /* cannot take XDP frames */
	{ "bp5", 3, TNA_PORT_LEARNING | TNA_PORT_IP4_OFF, 1500, 1 },
};

static const uint8_t STALE[6] = { 2, 0, 0, 0, 0xbe, 0 };

static const struct {
	const uint8_t *mac;
	const char *port; /* NULL: local (the bridge's own) */
	/* the port index the entry carries, if not its port's (stale) */
	uint32_t port_idx;
} br_fdb[] = {
	{ .mac = H0, .port = "bp0" },
	{ .mac = H1, .port = "bp1" },
	{ .mac = H2, .port = "bp2" },
	{ .mac = H3, .port = "bp3" },
	{ .mac = H4, .port = "bp4" },
	{ .mac = MOVED, .port = "bp1" },
	{ .mac = NEIGH_BR, .port = "bp1" },
	{ .mac = NULL, .port = "br0" },
	{ .mac = NULL, .port = "bp0" },
	{ .mac = H5, .port = "bp5" },
	{ .mac = STALE, .port = "bp1", .port_idx = 4 }, /* index 4 is bp3's */
};

/* Port indexes as the controller would give them: bp0 1, bp1 2, ... */
static inline uint32_t port_idx(const char *ifname)
{
	for (size_t i = 0; i < sizeof(br_ports) / sizeof(br_ports[0]); i++)
		if (!strcmp(br_ports[i].port, ifname))
			return i + 1;
	return 0;
}

static inline int mac_of(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

/* Sets addr's bit in local_bits, as the controller does for a local address. */
static inline void add_local_bit(struct tna *skel, const char *addr)
{
	int fd = bpf_map__fd(skel->maps.local_bits);
	struct tna_local_bits b;
	struct tna_addr_key k = { 0 };
	__u32 fam = !!strchr(addr, ':'), bit;

	inet_pton(fam ? AF_INET6 : AF_INET, addr, k.addr);
	bit = fam ? tna_local_bit6(k.addr) : tna_local_bit4(k.addr[0]);
	if (bpf_map_lookup_elem(fd, &fam, &b))
		return;
	b.w[bit / 64] |= 1ULL << (bit % 64);
	bpf_map_update_elem(fd, &fam, &b, BPF_ANY);
}

static inline void add_local(struct tna *skel, const char *addr)
{
	struct tna_addr_key k = { 0 };
	__u32 k4 = 0;
	__u8 one = 1;

	if (strchr(addr, ':')) {
		inet_pton(AF_INET6, addr, k.addr);
		bpf_map_update_elem(bpf_map__fd(skel->maps.local_addrs6), &k,
				    &one, BPF_ANY);
	} else {
		inet_pton(AF_INET, addr, &k4);
		bpf_map_update_elem(bpf_map__fd(skel->maps.local_addrs4), &k4,
				    &one, BPF_ANY);
	}
	add_local_bit(skel, addr);
}

static inline void add_tx(struct tna *skel, const char *ifname)
{
	__u32 key = if_nametoindex(ifname);
	struct bpf_devmap_val v = { .ifindex = key };

	bpf_map_update_elem(bpf_map__fd(skel->maps.tx_ports), &key, &v,
			    BPF_ANY);
}

/* The bridge maps as the controller fills them (br_ports, br_fdb). */
static inline int add_bridge(struct tna *skel)
{
	struct tna_port br = { .flags = TNA_PORT_IS_BRIDGE };
	__u32 key = if_nametoindex("br0");
	int err = 0;

	br.bridge = key;
	err |= bpf_map_update_elem(bpf_map__fd(skel->maps.ports), &key, &br,
				   BPF_ANY);
	for (size_t i = 0; i < sizeof(br_ports) / sizeof(br_ports[0]); i++) {
		struct tna_port v = { .bridge = br.bridge,
				      .state = br_ports[i].state,
				      .flags = br_ports[i].flags,
				      .mtu = br_ports[i].mtu };

		struct tna_port_ent e = { .port = v };
		__u32 idx = i + 1;

		key = if_nametoindex(br_ports[i].port);
		err |= bpf_map_update_elem(bpf_map__fd(skel->maps.ports), &key,
					   &v, BPF_ANY);
		e.ifindex = key;
		err |= bpf_map_update_elem(bpf_map__fd(skel->maps.port_tab),
					   &idx, &e, BPF_ANY);
		if (br_ports[i].xdp) {
			struct bpf_devmap_val d = { .ifindex = key };

			add_tx(skel, br_ports[i].port);
			err |= bpf_map_update_elem(
				bpf_map__fd(skel->maps.tx_idx), &idx, &d,
				BPF_ANY);
		}
	}
	for (size_t i = 0; i < sizeof(br_fdb) / sizeof(br_fdb[0]); i++) {
		struct tna_fdb_key k = { .bridge = br.bridge };
		struct tna_fdb_val v = { .hit = i };

		if (br_fdb[i].mac) {
			memcpy(k.mac, br_fdb[i].mac, 6);
			v.port = if_nametoindex(br_fdb[i].port);
			v.port_idx = br_fdb[i].port_idx ?:
					     port_idx(br_fdb[i].port);
		} else {
			err |= mac_of(br_fdb[i].port, k.mac);
			v.flags = TNA_FDB_LOCAL;
		}
		err |= bpf_map_update_elem(bpf_map__fd(skel->maps.fdb), &k, &v,
					   BPF_ANY);
	}
	return err;
}

/* The maps as the controller fills them for the fixture (through skel's fds). */
static inline int fixture_maps(struct tna *skel)
{
	static const char *const local[] = { "10.1.0.1", "10.1.0.255",
					     "10.2.0.1", "10.2.0.255",
					     "fd01::1",	 "fd02::1" };

	/* out0 takes XDP frames; out1 deliberately not listed. */
	add_tx(skel, "out0");
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		add_local(skel, local[i]);
	/*
	 * Sources of many forwarded cases whose bit is set with no address
	 * behind it (another address's hash, or a deleted one's): a set bit
	 * is only a reason to look, never a verdict.
	 */
	add_local_bit(skel, "10.20.0.5");
	add_local_bit(skel, "fd20::5");
	return add_bridge(skel);
}

/*
 * The read-only config the controller would give the program of an
 * ingress of the fixture (stats slot `slot`); -1 if it has no MAC.
 */
static inline int fixture_cfg(const char *ingress, uint64_t features,
			      uint32_t slot, struct tna_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->features = features;
	c->ifindex = if_nametoindex(ingress);
	c->slot = slot;
	if (!strncmp(ingress, "bp", 2)) {
		c->bridge = if_nametoindex("br0");
		c->l3_ifindex = if_nametoindex("br0");
		c->port_idx = port_idx(ingress);
	}
	return mac_of(ingress, c->mac);
}

/* Load the object for an ingress of the fixture with the maps filled. */
static inline struct tna *fixture_load(const char *ingress, uint64_t features)
{
	struct tna *skel = tna__open();
	struct tna_cfg c;

	if (!skel || fixture_cfg(ingress, features, 0, &c)) {
		tna__destroy(skel);
		return NULL;
	}
	memcpy((void *)&skel->rodata->tna_cfg, &c, sizeof(c));
	if (tna__load(skel) || fixture_maps(skel)) {
		tna__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The controller's runtime values for this namespace (fd12::/64 has mtu 1280). */
static inline void set_runtime(struct tna *skel, int bypass,
			       uint32_t family_off)
{
	struct tna_runtime rt = { .bypass = bypass,
				  .route_mtu6 = 1280,
				  .family_off = family_off };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(skel->maps.runtime), &zero, &rt,
			    BPF_ANY);
}

/*
 * Runtime with the firewall on for the given families (TNA_RT_FW*), and the
 * IPv4 route cache on as the controller would set it here (bp3's MTU and
 * 10.12.0.0/24's are 200).
 */
static inline void set_firewall(struct tna *skel, uint32_t fw)
{
	struct tna_runtime rt = { .route_mtu6 = 1280,
				  .fw = fw,
				  .fw_gen = 1,
				  .rc_mtu4 = 200,
				  .rc_gen = 1 };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(skel->maps.runtime), &zero, &rt,
			    BPF_ANY);
}

/* One BPF_PROG_TEST_RUN of the program on in[0..len); out gets the result. */
static inline int fixture_run(struct tna *skel, struct bpf_test_run_opts *opts,
			      const void *in, int len, void *out, int out_size)
{
	opts->data_in = in;
	opts->data_size_in = len;
	opts->data_out = out;
	opts->data_size_out = out_size;
	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tna_xdp),
				      opts);
}

static inline void hexdiff(const uint8_t *a, int alen, const uint8_t *b,
			   int blen)
{
	fprintf(stderr, "    expected (%d bytes):", alen);
	for (int i = 0; i < alen; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", a[i]);
	fprintf(stderr, "\n    got (%d bytes):", blen);
	for (int i = 0; i < blen; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", b[i]);
	fprintf(stderr, "\n");
}

#endif /* TNA_TEST_FIXTURE_H */
