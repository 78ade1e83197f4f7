/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the maps of the fast path; the controller shares them between all instances. */
#ifndef TNA_BPF_MAPS_H
#define TNA_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tna/abi.h"

/* Egress devices able to take XDP frames, keyed by ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

/* Per-CPU counters, TNA_STAT_MAX rows per interface slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_MAX_IFACES *TNA_STAT_MAX);
	__type(key, __u32);
	__type(value, struct tna_counter);
} stats SEC(".maps");

/* Local and broadcast IPv4 addresses of the namespace (network order). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_LOCAL_ADDRS);
	__type(key, __u32);
	__type(value, __u8);
} local_addrs4 SEC(".maps");

/* Bitmaps of the local addresses' hashes: see struct tna_local_bits. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct tna_local_bits);
} local_bits SEC(".maps");

/* Local IPv6 addresses of the namespace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_LOCAL_ADDRS);
	__type(key, struct tna_addr_key);
	__type(value, __u8);
} local_addrs6 SEC(".maps");

/* Bridge FDB mirrored from netlink (AF_BRIDGE neighbours), all bridges. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_FDB);
	__type(key, struct tna_fdb_key);
	__type(value, struct tna_fdb_val);
} fdb SEC(".maps");

/* Per-CPU copies of fdb entries: see struct tna_fdbc_ent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1U << TNA_FDB_SLOTS_LOG);
	__type(key, __u32);
	__type(value, struct tna_fdbc_ent);
} fdb_cache SEC(".maps");

/* Entries the fast path marked TNA_FDB_MOVED, ever (one __u32). */
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
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_MAX_FDB);
	__type(key, __u32);
	__type(value, __u64);
} fdb_hits SEC(".maps");

/* Bridge ports (STP state, flags, MTU) and bridges, keyed by ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct tna_port);
} ports SEC(".maps");

/* Bridge ports by index (struct tna_port_ent). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct tna_port_ent);
} port_tab SEC(".maps");

/* Bridge ports able to take XDP frames, by port index. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, TNA_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_idx SEC(".maps");

/* IPv4 FIB results by (ingress, destination), per CPU: see tna_rc_slot(). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TNA_RC_SLOTS);
	__type(key, __u32);
	__type(value, struct tna_rc_ent);
} route_cache4 SEC(".maps");

/* Next hops in use, sampled (see struct tna_nh_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, TNA_MAX_NH);
	__type(key, struct tna_nh_key);
	__type(value, __u64);
} nh_seen SEC(".maps");

/* Runtime switches (bypass for paired benchmarks and pausing). */
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
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, TNA_MAX_FLOWS);
	__type(key, struct tna_fw_key);
	__type(value, struct tna_fw_val);
} fw_flows SEC(".maps");

/* Flows the fast path has no verdict for: the controller evaluates them. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} fw_upcall SEC(".maps");

#endif /* TNA_BPF_MAPS_H */
