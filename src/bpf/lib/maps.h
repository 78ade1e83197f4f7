/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains every map of the fast path. Each says its scope:
 *   namespace: what it holds is true for the whole network namespace
 *     (Linux's tables, the controller's runtime switches, generations)
 *     or must be seen by every port at once (a move one port saw);
 *   scratch: a per-CPU buffer used within one run only (a program runs
 *     to its end on one CPU, and one CPU runs one program at a time).
 * The applier creates each map once and loads every program of the
 * namespace on it (shared[] in src/ctl/apply.c, which refuses a map it
 * does not name): no map has one instance per program. The read-only
 * tna_cfg (config.h) is the one per-program datum, by design.
 */
#ifndef TNA_BPF_MAPS_H
#define TNA_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tna/abi.h"

/* Egress devices able to take XDP frames, keyed by ifindex. */
/* Scope: namespace: which devices can take XDP frames is a fact of the device. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

/* Per-CPU counters, TNA_STAT_MAX rows per interface slot. */
/* Scope: namespace: rows per interface slot; the applier reads and keeps totals. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_MAX_IFACES *TNA_STAT_MAX);
	__type(key, __u32);
	__type(value, struct tna_counter);
} stats SEC(".maps");

/* Local and broadcast IPv4 addresses of the namespace (network order). */
/* Scope: namespace: addresses belong to the namespace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_LOCAL_ADDRS);
	__type(key, __u32);
	__type(value, __u8);
} local_addrs4 SEC(".maps");

/* Bitmaps of the local addresses' hashes: see struct tna_local_bits. */
/* Scope: namespace: same as the local address hashes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct tna_local_bits);
} local_bits SEC(".maps");

/* Local IPv6 addresses of the namespace. */
/* Scope: namespace: addresses belong to the namespace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_LOCAL_ADDRS);
	__type(key, struct tna_addr_key);
	__type(value, __u8);
} local_addrs6 SEC(".maps");

/* Bridge FDB mirrored from netlink (AF_BRIDGE neighbours), all bridges. */
/* Scope: namespace: one FDB per bridge; a move one port marks holds for all. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_FDB);
	__type(key, struct tna_fdb_key);
	__type(value, struct tna_fdb_val);
} fdb SEC(".maps");

/* Per-CPU copies of fdb entries: see struct tna_fdbc_ent. */
/* Scope: namespace: a copy one port took must retire when any port sees a move (fdb_moves). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1U << TNA_FDB_SLOTS_LOG);
	__type(key, __u32);
	__type(value, struct tna_fdbc_ent);
} fdb_cache SEC(".maps");

/* Entries the fast path marked TNA_FDB_MOVED, ever (one __u32). */
/* Scope: namespace: a move seen on any port retires every copy on every CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fdb_moves SEC(".maps");

/*
 * Per-CPU count of frames the fast path bridged per source FDB entry: the
 * controller refreshes active entries in Linux's FDB from it, so stations
 * whose traffic Linux no longer sees do not age out.
 */
/* Scope: namespace: indexed by FDB entry, read by the controller. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_MAX_FDB);
	__type(key, __u32);
	__type(value, __u64);
} fdb_hits SEC(".maps");

/* Bridge ports (STP state, flags, MTU) and bridges, keyed by ifindex. */
/* Scope: namespace: bridge ports as Linux has them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct tna_port);
} ports SEC(".maps");

/* Bridge ports by index (struct tna_port_ent). */
/* Scope: namespace: indexes the applier assigns. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct tna_port_ent);
} port_tab SEC(".maps");

/* Bridge ports able to take XDP frames, by port index. */
/* Scope: namespace: as tx_ports. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_idx SEC(".maps");

/* IPv4 FIB results by (ingress, destination), per CPU: see tna_rc_slot(). */
/* Scope: namespace: FIB results of the namespace, retired by the controller generation. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_RC_SLOTS);
	__type(key, __u32);
	__type(value, struct tna_rc_ent);
} route_cache4 SEC(".maps");

/* Next hops in use, sampled (see struct tna_nh_key). */
/* Scope: namespace: the controller reads next hops in use. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, TNA_MAX_NH);
	__type(key, struct tna_nh_key);
	__type(value, __u64);
} nh_seen SEC(".maps");

/* Runtime switches (bypass for paired benchmarks and pausing). */
/* Scope: namespace: one set of switches and generations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tna_runtime);
} runtime SEC(".maps");

/*
 * Firewall verdict per flow, written by the controller to every CPU's copy
 * (see struct tna_fw_key); each CPU counts what it carries in its own.
 */
/* Scope: namespace: verdicts of the namespace's ruleset, one generation. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, TNA_MAX_FLOWS);
	__type(key, struct tna_fw_key);
	__type(value, struct tna_fw_val);
} fw_flows SEC(".maps");

/* The masks of wildcarded verdicts, two banks (tna_fw_bank()). */
/* Scope: namespace: the verdicts' masks, as fw_flows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * TNA_FW_MASKS);
	__type(key, __u32);
	__type(value, struct tna_fw_key);
} fw_masks SEC(".maps");

/* Flows asked about lately, per CPU (struct tna_fw_asked). */
/* Scope: namespace: one controller answers. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_FW_ASK_SLOTS);
	__type(key, __u32);
	__type(value, struct tna_fw_asked);
} fw_asked SEC(".maps");

/*
 * What conntrack makes of a routed IPv4 flow while a nat chain exists
 * (TNA_RT_NAT4): each CPU asks conntrack once per clock tick per flow and
 * keeps the answer in its own direct-mapped slot (struct tna_nat_ent).
 */
/* Scope: namespace: conntrack's entries are the namespace's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_NAT_SLOTS);
	__type(key, __u32);
	__type(value, struct tna_nat_ent);
} nat_cache SEC(".maps");

/* Flows the fast path has no verdict for: the controller evaluates them. */
/* Scope: namespace: one ring the controller reads. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} fw_upcall SEC(".maps");

#define CSUM_MAX_L4 4096 /* longer: Linux (jumbo frames from a local peer) */

/*
 * Per-CPU copy of the transport segment being checked (csum.h), with room
 * for 32-bit padding.
 */
struct csum_buf {
	__u8 b[CSUM_MAX_L4 + 4];
};

/* Scope: scratch (shared too: one buffer per CPU is enough). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_buf);
} csum_scratch SEC(".maps");

#endif /* TNA_BPF_MAPS_H */
