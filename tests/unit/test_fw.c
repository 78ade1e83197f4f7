// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Firewall model cases: each case loads a real ruleset (nft -f or
 * iptables-nft) into a private network namespace, reads it back with
 * fw_load() over nfnetlink and evaluates flows with fw_eval(): the verdict,
 * whether it depended on conntrack, and for rulesets that cannot be
 * modelled, that the family is reported unsupported and why.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/rtnetlink.h>
#include "model.h"
#include "nft.h"
#include "flows.h"
#include "tna/abi.h"

static int failed;

struct flow {
	const char *src, *dst; /* IPv4 or IPv6 literal */
	int proto; /* 6 or 17 */
	int sport, dport;
	int flags; /* TCP flags */
	const char *in, *out;
	/* bridged by br: the bridge family's forward hook sees it, with
	 * source MAC 02:00:00:00:00:01 and destination 02:00:00:00:00:02 */
	const char *br;
	int nat; /* TNA_NAT_* of the key (TNA_NAT_CT_*: the entry's status) */
	/* br_netfilter's ports (xt physdev): 1 bridged from in to out, 0
	 * routed, -1 unknown; link types (meta iiftype, oiftype; 0: ether) */
	int phys;
	uint16_t iiftype, oiftype;
};

struct fcase {
	const struct flow f;
	enum fw_result want;
	int ct; /* 1: verdict must have depended on conntrack */
	int hits; /* -1: don't care; else number of rule counters hit */
	const char *why; /* FW_UNKNOWN: a substring of the reason */
};

#define ACK 0x10
#define PSH 0x08
#define F(s, d, p, sp, dp, fl, i, o)            \
	{                                       \
		s, d, p, sp, dp, fl, i, o, NULL \
	}
#define FX(s, d, p, sp, dp, fl, i, o, nat, phys, it, ot)           \
	{                                                          \
		s, d, p, sp, dp, fl, i, o, NULL, nat, phys, it, ot \
	}
#define FB(s, d, p, sp, dp, fl, i, o, br)     \
	{                                     \
		s, d, p, sp, dp, fl, i, o, br \
	}
/* a chain name as long as kube-proxy's (nf_tables allows 255) */
#define LONG                                                                   \
	"KUBE-SEP-0123456789abcdef0123456789abcdef0123456789abcdef0123456789a" \
	"bcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" \
	"f0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01"  \
	"23456789abcdef0123456789abcdef0123"
#define END                                                                 \
	{                                                                   \
		{ NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL }, 0, 0, 0, NULL \
	}

struct rcase {
	const char *name;
	const char *setup; /* shell run in the namespace */
	/* substring of the IPv4 or bridge family's reason, NULL: modelled */
	const char *unsupported;
	struct fcase flows[12];
};

/* Cases leave out the fields they don't care about (why). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
/* clang-format off */
static const struct rcase cases[] = {
{ "empty ruleset accepts", "true", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1000, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "drop by source prefix, policy accept",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f ip saddr 10.9.0.0/16 counter drop'", NULL, {
	{ F("10.9.3.4", "10.1.0.1", 6, 1000, 80, ACK, "a", "b"), FW_DROP, 0, 1 },
	{ F("10.8.3.4", "10.1.0.1", 6, 1000, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "default drop, established accept, ssh in",
  "nft 'add table inet t; add chain inet t f { type filter hook forward priority 0; policy drop; }; "
  "add rule inet t f ct state established,related accept; "
  "add rule inet t f ct state invalid drop; "
  "add rule inet t f iifname \"a\" tcp dport 22 accept'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 5555, 80, ACK, "a", "b"), FW_ACCEPT, 1, -1 },
	{ F("fd00::1", "fd01::1", 17, 5555, 53, 0, "b", "a"), FW_ACCEPT, 1, -1 },
	END } },
{ "port range, set, interval set, negation",
  "nft 'add table ip t; add set ip t bad { type ipv4_addr; flags interval; elements = { 10.5.0.0/16, 10.7.1.1-10.7.1.9 }; }; "
  "add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f ip saddr @bad drop; "
  "add rule ip t f tcp dport 1000-2000 drop; "
  "add rule ip t f udp dport { 53, 123 } accept; "
  "add rule ip t f udp dport != 9999 drop'", NULL, {
	{ F("10.5.200.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.7.1.9", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.7.1.10", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.7.1.0", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.6.0.1", "10.1.0.1", 6, 1, 1500, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.6.0.1", "10.1.0.1", 6, 1, 2001, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.6.0.1", "10.1.0.1", 17, 1, 123, 0, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.6.0.1", "10.1.0.1", 17, 1, 124, 0, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.6.0.1", "10.1.0.1", 17, 1, 9999, 0, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "interface wildcard, jump/return, verdict map",
  "nft 'add table ip t; add chain ip t u; add chain ip t v; "
  "add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t u ip saddr 10.0.0.1 return; add rule ip t u drop; "
  "add rule ip t v drop; "
  "add rule ip t f iifname \"vx*\" jump u; "
  "add rule ip t f tcp dport vmap { 23 : jump v, 25 : drop, 80 : accept }; "
  "add rule ip t f oifname \"b\" drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 443, ACK, "vx1", "c"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 443, ACK, "vx1", "c"), FW_DROP, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 443, ACK, "v", "c"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 23, ACK, "a", "c"), FW_DROP, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 25, ACK, "a", "c"), FW_DROP, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.2", "10.1.0.1", 6, 1, 81, ACK, "a", "b"), FW_DROP, 0, 0 },
	END } },
{ "two base chains: both must accept, priority order",
  "nft 'add table ip t; add chain ip t f1 { type filter hook forward priority 10; }; "
  "add chain ip t f2 { type filter hook forward priority -10; policy drop; }; "
  "add rule ip t f1 tcp dport 80 drop; add rule ip t f2 ip daddr 10.1.0.0/24 accept'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 443, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.0.0.1", "10.2.0.1", 6, 1, 443, ACK, "a", "b"), FW_DROP, 0, 0 },
	END } },
{ "tcp flags read: known for TCP, unknown byte for UDP",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f @th,104,8 & 0x08 == 0x08 drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK | PSH, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 80, 0, "a", "b"), FW_UNKNOWN, 0, 0 },
	END } },
{ "ip ttl is not in the flow key",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f ip ttl 5 drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_UNKNOWN, 0, 0 },
	END } },
{ "iptables-nft: conntrack, multiport, ranges, user chain, REJECT",
  "iptables -P FORWARD DROP && "
  "iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP && "
  "iptables -A FORWARD -s 10.9.0.0/16 -j DROP && "
  "iptables -A FORWARD -p tcp --dport 1000:2000 -j REJECT && "
  "iptables -A FORWARD -p udp -m multiport --dports 53,123,5000:5010 -j ACCEPT && "
  "iptables -N USR && iptables -A USR -s 10.0.0.7 -j RETURN && iptables -A USR -j DROP && "
  "iptables -A FORWARD -i veth+ -j USR && "
  "iptables -A FORWARD -m state --state ESTABLISHED -m comment --comment x -j ACCEPT && "
  "iptables -A FORWARD -p tcp --tcp-flags SYN,ACK ACK -j ACCEPT", NULL, {
	{ F("10.9.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 1, 1 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 1500, ACK, "a", "b"), FW_DROP, 1, 1 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 5005, 0, "a", "b"), FW_ACCEPT, 1, 1 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 5011, 0, "veth3", "b"), FW_DROP, 1, 2 },
	{ F("10.0.0.7", "10.1.0.1", 17, 1, 5011, 0, "veth3", "b"), FW_ACCEPT, 1, 3 },
	END } },
{ "iptables-nft: stateless only, no conntrack dependency",
  "iptables -A FORWARD -p tcp --tcp-flags SYN,ACK ACK -j ACCEPT && iptables -A FORWARD -p tcp -j DROP", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 1 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, 0, "a", "b"), FW_DROP, 0, 1 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 80, 0, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "ip6tables-nft",
  "ip6tables -A FORWARD -s fd00::/64 -p udp --dport 53 -j DROP", NULL, {
	{ F("fd00::5", "fd01::1", 17, 1, 53, 0, "a", "b"), FW_DROP, 0, 1 },
	{ F("fd02::5", "fd01::1", 17, 1, 53, 0, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "meta mark: 0 on the path (nothing sets one)",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f meta mark 1 drop; add rule ip t f meta mark & 0x4000 == 0 counter'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 1 },
	END } },
{ "log reached: that flow to Linux, the others not",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f tcp dport 22 log; add rule ip t f tcp dport 23 drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "expression 'log'" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 23, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "limit in a chain reached by a jump: only the flows that jump",
  "nft 'add table ip t; add chain ip t u; add rule ip t u limit rate 1/second accept; "
  "add chain ip t f { type filter hook forward priority 0; }; add rule ip t f tcp dport 22 jump u'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "expression 'limit'" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "nat chains: not run for established connections, conntrack on",
  "nft 'add table ip n; add chain ip n p { type nat hook postrouting priority 100; }; "
  "add rule ip n p oifname \"b\" masquerade; "
  "add chain ip n d { type nat hook prerouting priority -100; }; "
  "add rule ip n d tcp dport 8080 dnat to 10.1.0.9:80'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 8080, ACK, "a", "b"), FW_ACCEPT, 1, 0 },
	{ F("fd00::1", "fd01::1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "iptables LOG target reached: that flow to Linux",
  "iptables -A FORWARD -p udp -j LOG && iptables -A FORWARD -p tcp --dport 9 -j DROP", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 53, 0, "a", "b"), FW_UNKNOWN, 0, 0, "xt target 'LOG'" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 9, ACK, "a", "b"), FW_DROP, 0, 1 },
	END } },
{ "dynamic set: flows reaching the lookup to Linux",
  "nft 'add table ip t; add set ip t s { type ipv4_addr; flags timeout; }; "
  "add chain ip t f { type filter hook forward priority 0; }; add rule ip t f tcp dport 22 ip saddr @s drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "changes by itself" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "ether in the ip family (after meta iiftype ether): to Linux when reached",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f ether saddr 02:00:00:00:00:01 tcp dport 22 drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "link-layer header" },
	END } },
{ "prerouting and postrouting filter chains, each hook's devices",
  "nft 'add table ip t; add chain ip t pre { type filter hook prerouting priority -150; }; "
  "add rule ip t pre tcp dport 25 counter drop; add rule ip t pre oifname \"b\" drop; "
  "add rule ip t pre iifname \"c\" tcp dport 27 drop; "
  "add chain ip t post { type filter hook postrouting priority 0; policy accept; }; "
  "add rule ip t post oifname \"b\" tcp dport 26 drop; add rule ip t post tcp dport 28 iifname \"a\" drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 25, ACK, "a", "b"), FW_DROP, 0, 1 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 26, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 26, ACK, "a", "c"), FW_ACCEPT, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 27, ACK, "c", "b"), FW_DROP, 0, 0 },
	/* which input device postrouting shows differs between kernels */
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 28, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "postrouting" },
	END } },
{ "prerouting before conntrack (raw): ct state unknown there",
  "nft 'add table ip t; add chain ip t raw { type filter hook prerouting priority -300; }; "
  "add rule ip t raw tcp dport 22 ct state invalid drop; "
  "add chain ip t m { type filter hook prerouting priority -150; }; add rule ip t m ct state invalid drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_UNKNOWN, 0, 0, "before conntrack" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 1, 0 },
	END } },
{ "MSS clamping only SYN packets reach",
  "nft 'add table inet t; add chain inet t f { type filter hook forward priority -150; }; "
  "add rule inet t f oifname \"b\" tcp flags syn tcp option maxseg size set rt mtu'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	{ F("fd00::1", "fd01::1", 6, 1, 80, ACK | PSH, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "chain names of 240 characters, reached by a verdict map",
  "nft 'add table ip t; add chain ip t " LONG "; add rule ip t " LONG " drop; "
  "add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f tcp dport vmap { 22 : jump " LONG " }'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_DROP, 0, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "bridge family: ports, Ethernet and IP headers, pkttype",
  "nft 'add table bridge b; add chain bridge b f { type filter hook forward priority 0; }; "
  "add rule bridge b f ether saddr 02:00:00:00:00:09 drop; "
  "add rule bridge b f ether daddr 02:00:00:00:00:02 udp dport 7 drop; "
  "add rule bridge b f ip saddr 10.9.0.0/16 tcp dport 22 counter drop; "
  "add rule bridge b f iifname \"p2\" oifname \"p1\" drop; "
  "add rule bridge b f meta pkttype host drop; "
  "add rule bridge b f meta protocol ip6 counter'", NULL, {
	{ FB("10.9.0.1", "10.9.0.2", 6, 1, 22, ACK, "p1", "p2", "br0"), FW_DROP, 0, 1 },
	{ FB("10.9.0.1", "10.9.0.2", 6, 1, 80, ACK, "p1", "p2", "br0"), FW_ACCEPT, 0, 0 },
	{ FB("10.9.0.1", "10.9.0.2", 17, 1, 7, 0, "p1", "p2", "br0"), FW_DROP, 0, 0 },
	{ FB("10.9.0.1", "10.9.0.2", 6, 1, 80, ACK, "p2", "p1", "br0"), FW_DROP, 0, 0 },
	{ FB("fd00::1", "fd00::2", 6, 1, 22, ACK, "p1", "p2", "br0"), FW_ACCEPT, 0, 1 },
	/* routed: the bridge family's forward hook is not on its path */
	{ F("10.9.0.1", "10.9.0.2", 6, 1, 22, ACK, "p2", "p1"), FW_ACCEPT, 0, 0 },
	END } },
{ "unsupported: bridge prerouting chain",
  "nft 'add table bridge b; add chain bridge b p { type filter hook prerouting priority 0; }'",
  "bridge b p hook prerouting", { END } },
{ "unsupported: bridge output chain (routed frames into a bridge)",
  "nft 'add table bridge b; add chain bridge b o { type filter hook output priority 0; }'",
  "bridge b o hook output", { END } },
{ "bridge forward chain with a mark (0: nothing sets one)",
  "nft 'add table bridge b; add chain bridge b f { type filter hook forward priority 0; }; "
  "add rule bridge b f meta mark 3 drop'", NULL, {
	{ FB("10.9.0.1", "10.9.0.2", 6, 1, 22, ACK, "p1", "p2", "br0"), FW_ACCEPT, 0, 0 },
	END } },
{ "conntrack on in the family (a ct rule on input): every verdict depends on it",
  "nft 'add table ip t; add chain ip t i { type filter hook input priority 0; }; "
  "add rule ip t i ct state invalid drop; "
  "add chain ip t f { type filter hook forward priority 0; }; add rule ip t f tcp dport 22 drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 1, 0 },
	{ F("fd00::1", "fd01::1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
/*
 * Rulesets as their tools write them (Docker 27, kube-proxy in both modes,
 * libvirt's default NAT network, OpenWrt's firewall4), cut to the rules
 * a forwarded packet can meet.
 */
{ "Docker 27 (iptables-nft): bridge, isolation, published port, masquerade",
  "iptables -N DOCKER && iptables -N DOCKER-ISOLATION-STAGE-1 && iptables -N DOCKER-ISOLATION-STAGE-2 && "
  "iptables -N DOCKER-USER && iptables -P FORWARD DROP && "
  "iptables -A FORWARD -j DOCKER-USER && iptables -A FORWARD -j DOCKER-ISOLATION-STAGE-1 && "
  "iptables -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && "
  "iptables -A FORWARD -o docker0 -j DOCKER && "
  "iptables -A FORWARD -i docker0 ! -o docker0 -j ACCEPT && "
  "iptables -A FORWARD -i docker0 -o docker0 -j ACCEPT && "
  "iptables -A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT && "
  "iptables -A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2 && "
  "iptables -A DOCKER-ISOLATION-STAGE-1 -j RETURN && "
  "iptables -A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP && "
  "iptables -A DOCKER-ISOLATION-STAGE-2 -j RETURN && iptables -A DOCKER-USER -j RETURN && "
  "iptables -t nat -N DOCKER && "
  "iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER && "
  "iptables -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER && "
  "iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE && "
  "iptables -t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE && "
  "iptables -t nat -A DOCKER -i docker0 -j RETURN && "
  "iptables -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80", NULL, {
	/* container to container: br_netfilter shows docker0 both ways */
	{ F("172.17.0.2", "172.17.0.3", 6, 40000, 5432, ACK, "docker0", "docker0"), FW_ACCEPT, 1, -1 },
	{ F("172.17.0.2", "10.1.0.1", 6, 40000, 443, ACK, "docker0", "eth0"), FW_ACCEPT, 1, -1 },
	{ F("10.1.0.1", "172.17.0.2", 6, 443, 40000, ACK, "eth0", "docker0"), FW_ACCEPT, 1, -1 },
	{ F("172.17.0.2", "10.1.0.1", 17, 40000, 53, 0, "docker0", "eth0"), FW_ACCEPT, 1, -1 },
	END } },
{ "kube-proxy, iptables mode: forwarding rules, marks, services on NEW only",
  "iptables -N KUBE-FORWARD && iptables -N KUBE-SERVICES && iptables -N KUBE-EXTERNAL-SERVICES && "
  "iptables -N KUBE-NODEPORTS && iptables -N KUBE-PROXY-FIREWALL && "
  "iptables -t mangle -N KUBE-IPTABLES-HINT && iptables -t mangle -N KUBE-KUBELET-CANARY && "
  "iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL && "
  "iptables -A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD && "
  "iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES && "
  "iptables -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES && "
  "iptables -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP && "
  "iptables -A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT && "
  "iptables -A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && "
  "iptables -A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS && "
  "iptables -A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j REJECT && "
  "iptables -t nat -N KUBE-SERVICES && iptables -t nat -N KUBE-POSTROUTING && iptables -t nat -N KUBE-MARK-MASQ && "
  "iptables -t nat -N KUBE-SVC-NPX46M4PTMTKRN6Y && iptables -t nat -N KUBE-SEP-ABCDEFGHIJKLMNOP && "
  "iptables -t nat -A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES && "
  "iptables -t nat -A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING && "
  "iptables -t nat -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000 && "
  "iptables -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN && "
  "iptables -t nat -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000 && "
  "iptables -t nat -A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully && "
  "iptables -t nat -A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y && "
  "iptables -t nat -A KUBE-SVC-NPX46M4PTMTKRN6Y -m statistic --mode random --probability 0.5 -j KUBE-SEP-ABCDEFGHIJKLMNOP && "
  "iptables -t nat -A KUBE-SEP-ABCDEFGHIJKLMNOP -s 10.244.0.5/32 -j KUBE-MARK-MASQ && "
  "iptables -t nat -A KUBE-SEP-ABCDEFGHIJKLMNOP -p tcp -m tcp -j DNAT --to-destination 10.244.0.5:6443", NULL, {
	{ F("10.244.0.5", "10.244.1.7", 6, 40000, 8080, ACK, "veth1a", "veth2b"), FW_ACCEPT, 1, -1 },
	{ F("10.244.1.7", "10.244.0.5", 6, 8080, 40000, ACK, "veth2b", "veth1a"), FW_ACCEPT, 1, -1 },
	{ F("10.244.0.5", "10.96.0.10", 17, 40000, 53, 0, "veth1a", "eth0"), FW_ACCEPT, 1, -1 },
	END } },
{ "kube-proxy, nftables mode: ct state new jumps, vmaps, masquerading chain",
  "nft 'add table ip kube-proxy; "
  "add chain ip kube-proxy firewall-check; add chain ip kube-proxy service-endpoints-check; "
  "add chain ip kube-proxy cluster-ips-check; add chain ip kube-proxy services; add chain ip kube-proxy masquerading; "
  "add chain ip kube-proxy " LONG "; "
  "add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110; }; "
  "add rule ip kube-proxy filter-prerouting ct state new jump firewall-check; "
  "add chain ip kube-proxy filter-forward { type filter hook forward priority -110; }; "
  "add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check; "
  "add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check; "
  "add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap { 10.96.0.10 . udp . 53 : goto " LONG " }; "
  "add rule ip kube-proxy " LONG " reject; "
  "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100; }; "
  "add rule ip kube-proxy nat-prerouting jump services; "
  "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100; }; "
  "add rule ip kube-proxy nat-postrouting jump masquerading; "
  "add rule ip kube-proxy masquerading meta mark & 0x4000 == 0 return; "
  "add rule ip kube-proxy masquerading meta mark set meta mark ^ 0x4000; "
  "add rule ip kube-proxy masquerading masquerade fully-random'", NULL, {
	{ F("10.244.0.5", "10.244.1.7", 6, 40000, 8080, ACK, "veth1a", "veth2b"), FW_ACCEPT, 1, -1 },
	{ F("10.244.0.5", "10.96.0.10", 17, 40000, 53, 0, "veth1a", "eth0"), FW_ACCEPT, 1, -1 },
	END } },
{ "libvirt default NAT network (iptables-nft): CHECKSUM only for DHCP replies",
  "iptables -N LIBVIRT_FWX && iptables -N LIBVIRT_FWI && iptables -N LIBVIRT_FWO && "
  "iptables -A FORWARD -j LIBVIRT_FWX && iptables -A FORWARD -j LIBVIRT_FWI && iptables -A FORWARD -j LIBVIRT_FWO && "
  "iptables -A LIBVIRT_FWO -s 192.168.122.0/24 -i virbr0 -j ACCEPT && "
  "iptables -A LIBVIRT_FWO -i virbr0 -j REJECT --reject-with icmp-port-unreachable && "
  "iptables -A LIBVIRT_FWI -d 192.168.122.0/24 -o virbr0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && "
  "iptables -A LIBVIRT_FWI -o virbr0 -j REJECT --reject-with icmp-port-unreachable && "
  "iptables -A LIBVIRT_FWX -i virbr0 -o virbr0 -j ACCEPT && "
  "iptables -t nat -N LIBVIRT_PRT && iptables -t nat -A POSTROUTING -j LIBVIRT_PRT && "
  "iptables -t nat -A LIBVIRT_PRT -s 192.168.122.0/24 -d 224.0.0.0/24 -j RETURN && "
  "iptables -t nat -A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535 && "
  "iptables -t nat -A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE && "
  "iptables -t mangle -N LIBVIRT_PRT && iptables -t mangle -A POSTROUTING -j LIBVIRT_PRT && "
  "iptables -t mangle -A LIBVIRT_PRT -o virbr0 -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill", NULL, {
	{ F("192.168.122.5", "10.1.0.1", 6, 40000, 443, ACK, "virbr0", "eth0"), FW_ACCEPT, 1, -1 },
	{ F("10.1.0.1", "192.168.122.5", 6, 443, 40000, ACK, "eth0", "virbr0"), FW_ACCEPT, 1, -1 },
	{ F("10.1.0.1", "192.168.122.5", 17, 67, 68, 0, "eth0", "virbr0"), FW_UNKNOWN, 1, -1, "xt target 'CHECKSUM'" },
	{ F("192.168.122.5", "192.168.122.6", 17, 40000, 53, 0, "virbr0", "virbr0"), FW_ACCEPT, 1, -1 },
	END } },
{ "OpenWrt firewall4 default: ct state vmap, zones, empty hooks, MSS clamping, ct helper",
  "nft 'add table inet fw4; "
  "add ct helper inet fw4 ftp { type \"ftp\" protocol tcp; }; "
  "add chain inet fw4 forward { type filter hook forward priority filter; policy drop; }; "
  "add chain inet fw4 prerouting { type filter hook prerouting priority filter; }; "
  "add chain inet fw4 handle_reject; add chain inet fw4 forward_lan; add chain inet fw4 forward_wan; "
  "add chain inet fw4 helper_lan; add chain inet fw4 accept_to_lan; add chain inet fw4 accept_to_wan; "
  "add chain inet fw4 reject_to_wan; add chain inet fw4 srcnat_wan; "
  "add rule inet fw4 forward ct state vmap { established : accept, related : accept }; "
  "add rule inet fw4 forward iifname \"br-lan\" jump forward_lan; "
  "add rule inet fw4 forward iifname \"wan\" jump forward_wan; "
  "add rule inet fw4 forward jump handle_reject; "
  "add rule inet fw4 prerouting iifname \"br-lan\" jump helper_lan; "
  "add rule inet fw4 handle_reject meta l4proto tcp reject with tcp reset; add rule inet fw4 handle_reject reject; "
  "add rule inet fw4 forward_lan jump accept_to_wan; add rule inet fw4 forward_lan jump accept_to_lan; "
  "add rule inet fw4 forward_wan icmpv6 type { destination-unreachable, time-exceeded, packet-too-big, parameter-problem } limit rate 1000/second accept; "
  "add rule inet fw4 forward_wan ct status dnat accept; "
  "add rule inet fw4 forward_wan jump reject_to_wan; "
  "add rule inet fw4 helper_lan meta l4proto tcp tcp dport 21 ct helper set \"ftp\"; "
  "add rule inet fw4 accept_to_lan oifname \"br-lan\" accept; "
  "add rule inet fw4 accept_to_wan meta nfproto ipv4 oifname \"wan\" ct state invalid counter drop; "
  "add rule inet fw4 accept_to_wan oifname \"wan\" accept; "
  "add rule inet fw4 reject_to_wan oifname \"wan\" jump handle_reject; "
  "add chain inet fw4 dstnat { type nat hook prerouting priority dstnat; }; "
  "add chain inet fw4 srcnat { type nat hook postrouting priority srcnat; }; "
  "add rule inet fw4 srcnat oifname \"wan\" jump srcnat_wan; "
  "add rule inet fw4 srcnat_wan meta nfproto ipv4 masquerade; "
  "add chain inet fw4 raw_prerouting { type filter hook prerouting priority raw; }; "
  "add chain inet fw4 mangle_prerouting { type filter hook prerouting priority mangle; }; "
  "add chain inet fw4 mangle_postrouting { type filter hook postrouting priority mangle; }; "
  "add chain inet fw4 mangle_forward { type filter hook forward priority mangle; }; "
  "add rule inet fw4 mangle_forward iifname \"wan\" tcp flags syn tcp option maxseg size set rt mtu; "
  "add rule inet fw4 mangle_forward oifname \"wan\" tcp flags syn tcp option maxseg size set rt mtu'", NULL, {
	{ F("192.168.1.10", "10.1.0.1", 6, 40000, 443, ACK, "br-lan", "wan"), FW_ACCEPT, 1, 0 },
	{ F("10.1.0.1", "192.168.1.10", 6, 443, 40000, ACK | PSH, "wan", "br-lan"), FW_ACCEPT, 1, 0 },
	{ F("fd00::10", "2001:db8::1", 17, 40000, 443, 0, "br-lan", "wan"), FW_ACCEPT, 1, 0 },
	{ F("192.168.1.10", "10.1.0.1", 6, 40000, 21, ACK, "br-lan", "wan"), FW_UNKNOWN, 0, -1, "expression 'objref'" },
	END } },
{ "ct status dnat (firewall4's port forwards), policy drop",
  "nft 'add table inet t; add chain inet t f { type filter hook forward priority 0; policy drop; }; "
  "add rule inet t f ct status dnat accept; "
  "add rule inet t f ct status snat udp dport 53 accept; "
  "add rule inet t f iifname \"a\" tcp dport 22 accept'", NULL, {
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", TNA_NAT_DST | TNA_NAT_CT_DNAT, 0, 0, 0), FW_ACCEPT, 1, 0 },
	{ FX("10.1.0.1", "10.0.0.1", 6, 80, 1, ACK, "b", "a", TNA_NAT_SRC | TNA_NAT_CT_DNAT, 0, 0, 0), FW_ACCEPT, 1, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 1, 0 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 22, ACK, "a", "b"), FW_ACCEPT, 1, 0 },
	{ FX("10.0.0.1", "10.1.0.1", 17, 1, 53, 0, "a", "b", TNA_NAT_SRC | TNA_NAT_SNAT_ORIG | TNA_NAT_CT_SNAT, 0, 0, 0), FW_ACCEPT, 1, 0 },
	{ F("fd00::1", "fd01::1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 1, 0 },
	END } },
{ "ct status bits a carried flow does not fix: that flow to Linux",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f tcp dport 80 ct status assured accept; "
  "add rule ip t f udp dport 53 ct status assured accept; "
  "add rule ip t f ct status expected drop'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 1, 0 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 53, 0, "a", "b"), FW_UNKNOWN, 1, -1, "ct status bits" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 443, ACK, "a", "b"), FW_UNKNOWN, 1, -1, "ct status bits" },
	END } },
{ "iptables-nft conntrack --ctstatus, policy DROP",
  "iptables-nft -P FORWARD DROP && "
  "iptables-nft -A FORWARD -m conntrack ! --ctstatus CONFIRMED -j ACCEPT && "
  "iptables-nft -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED --ctstatus ASSURED -j ACCEPT", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 1, -1 },
	{ F("10.0.0.1", "10.1.0.1", 17, 1, 53, 0, "a", "b"), FW_UNKNOWN, 1, -1, "xt match" },
	END } },
{ "xt physdev (OpenStack's bridged security groups, br_netfilter)",
  "iptables-nft -P FORWARD DROP && "
  "iptables-nft -A FORWARD -m physdev --physdev-out tap1 --physdev-is-bridged -j DROP && "
  "iptables-nft -A FORWARD -m physdev --physdev-in tap+ --physdev-is-bridged -j ACCEPT && "
  "iptables-nft -A FORWARD -m physdev ! --physdev-is-bridged -s 10.0.0.0/8 -j ACCEPT", NULL, {
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "tap0", "tap2", 0, 1, 0, 0), FW_ACCEPT, 0, -1 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "tap0", "tap1", 0, 1, 0, 0), FW_DROP, 0, -1 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "eth0", "tap2", 0, 1, 0, 0), FW_DROP, 0, -1 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", 0, 0, 0, 0), FW_ACCEPT, 0, -1 },
	{ FX("11.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", 0, 0, 0, 0), FW_DROP, 0, -1 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "br0", "b", 0, -1, 0, 0), FW_UNKNOWN, 0, -1, "xt match" },
	END } },
{ "meta iiftype and oiftype (no output device on prerouting: no match)",
  "nft 'add table ip t; add chain ip t p { type filter hook prerouting priority 0; }; "
  "add rule ip t p meta oiftype ether drop; "
  "add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f meta iiftype loopback drop; add rule ip t f meta oiftype ppp drop'", NULL, {
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", 0, 0, 1, 1), FW_ACCEPT, 0, 0 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", 0, 0, 772, 1), FW_DROP, 0, 0 },
	{ FX("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b", 0, 0, 1, 512), FW_DROP, 0, 0 },
	END } },
{ "fib daddr type and xt addrtype, from the local routing table",
  "nft 'add table inet t; add chain inet t f { type filter hook forward priority 0; }; "
  "add rule inet t f fib daddr type local drop; "
  "add rule inet t f fib saddr . iif type local drop; "
  "add rule inet t f tcp dport 81 fib daddr . oif type broadcast drop' && "
  "iptables-nft -A FORWARD -m addrtype --dst-type MULTICAST,BROADCAST -j DROP && "
  "iptables-nft -A FORWARD -p tcp --dport 82 -m addrtype ! --src-type UNICAST -j DROP", NULL, {
	{ F("10.0.0.1", "10.2.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, -1 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, -1 },
	{ F("10.1.0.1", "10.2.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, -1 },
	{ F("10.1.0.1", "10.2.0.1", 6, 1, 80, ACK, "b", "a"), FW_DROP, 0, -1 },
	{ F("10.0.0.1", "10.1.0.255", 6, 1, 81, ACK, "a", "b"), FW_DROP, 0, -1 },
	{ F("10.0.0.1", "10.1.0.255", 6, 1, 81, ACK, "b", "a"), FW_DROP, 0, -1 },
	{ F("10.0.0.1", "10.3.0.1", 6, 1, 81, ACK, "b", "a"), FW_ACCEPT, 0, -1 },
	{ F("127.0.0.9", "10.3.0.1", 6, 1, 82, ACK, "b", "a"), FW_DROP, 0, -1 },
	{ F("10.9.9.9", "10.3.0.1", 6, 1, 82, ACK, "b", "a"), FW_ACCEPT, 0, -1 },
	{ F("fd00::1", "fd01::1", 6, 1, 80, ACK, "a", "b"), FW_UNKNOWN, 0, -1, "IPv6" },
	END } },
{ "meta mark set on forward, read by later rules and by postrouting",
  "nft 'add table ip t; add chain ip t f { type filter hook forward priority 0; }; "
  "add rule ip t f tcp dport 80 meta mark set meta mark | 0x10000; "
  "add rule ip t f meta mark & 0x10000 == 0x10000 counter; "
  "add chain ip t post { type filter hook postrouting priority 0; }; "
  "add rule ip t post meta mark 0x10000 tcp dport 80 drop; "
  "add rule ip t post meta mark 0 accept'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, 1 },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 443, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "iptables MARK (Calico's accept marks): set, matched, cleared",
  "iptables-nft -N cali-fw && "
  "iptables-nft -A FORWARD -j MARK --set-xmark 0x0/0x10000 && "
  "iptables-nft -A FORWARD -j cali-fw && "
  "iptables-nft -A FORWARD -m mark --mark 0x10000/0x10000 -j ACCEPT && "
  "iptables-nft -A FORWARD -j DROP && "
  "iptables-nft -A cali-fw -s 10.0.0.0/24 -j MARK --set-xmark 0x10000/0x10000", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, -1 },
	{ F("10.0.1.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_DROP, 0, -1 },
	END } },
{ "mark set on prerouting (it could choose the route): that flow to Linux",
  "nft 'add table ip t; add chain ip t p { type filter hook prerouting priority -150; }; "
  "add rule ip t p tcp dport 80 meta mark set 7'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_UNKNOWN, 0, -1, "mark set on hook 0" },
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 443, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
{ "input chain does not affect forwarding",
  "nft 'add table ip t; add chain ip t i { type filter hook input priority 0; policy drop; }; add rule ip t i log'", NULL, {
	{ F("10.0.0.1", "10.1.0.1", 6, 1, 80, ACK, "a", "b"), FW_ACCEPT, 0, 0 },
	END } },
};
/* clang-format on */

static int addr(const char *s, uint8_t *out, int *v6)
{
	*v6 = strchr(s, ':') != NULL;
	return inet_pton(*v6 ? AF_INET6 : AF_INET, s, out) == 1 ? 0 : -1;
}

/*
 * Address types from a model's local table: interface "b" (ifindex 3)
 * holds 10.1.0.1/24, as Linux records it; lo the loopback net.
 */
static struct model addrs;

static int addrtype(const void *ctx, const uint8_t *a, uint32_t dev)
{
	return model_addrtype4(ctx, a, (int)dev);
}

static void local_route(const char *dst, int len, int type, int oif)
{
	struct route r = { .family = AF_INET,
			   .table = RT_TABLE_LOCAL,
			   .type = type,
			   .dst_len = len,
			   .oif = oif };

	inet_pton(AF_INET, dst, r.dst);
	model_route_set(&addrs, &r, 0);
}

/*
 * Wildcarded verdicts: a flow that agrees with an evaluated one on the key
 * bits its mask keeps (flows_mask()) must get the same verdict, conntrack
 * dependence, counters and reason from a full evaluation. The flows are
 * routed through a model whose links carry the names flows use.
 */
static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int same_eval(enum fw_result r1, const struct fw_trace *a,
		     enum fw_result r2, const struct fw_trace *b)
{
	if (r1 != r2 || a->uses_ct != b->uses_ct || a->nr_hits != b->nr_hits ||
	    (r1 == FW_UNKNOWN && strcmp(a->why, b->why)))
		return 0;
	for (int i = 0; i < a->nr_hits; i++)
		if (a->hits[i].chain != b->hits[i].chain ||
		    a->hits[i].rule != b->hits[i].rule)
			return 0;
	return 1;
}

static int link_of(struct model *m, const char *name)
{
	struct link *l;

	for (int i = 0; i < m->nr_links; i++)
		if (!strcmp(m->links[i].name, name))
			return m->links[i].ifindex;
	l = model_link_add(m, m->nr_links + 2);
	if (!l)
		return 0;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = 1; /* ARPHRD_ETHER */
	return l->ifindex;
}

/* Checks variants of base; the number of wrong ones (printed). */
static int wild_variants(struct model *m, const struct tna_fw_key *base,
			 const char *what, int n)
{
	struct fw_trace t = { 0 }, t2;
	struct tna_fw_key mask, k;
	enum fw_result r = flows_eval(m, base, &t), r2;
	int bad = 0;

	flows_mask(&t, &mask);
	for (int v = 0; v < n; v++) {
		for (size_t i = 0; i < sizeof(k); i++)
			((uint8_t *)&k)[i] =
				(((const uint8_t *)base)[i] &
				 ((uint8_t *)&mask)[i]) |
				((uint8_t)rnd() & ~((uint8_t *)&mask)[i]);
		if (k.family == AF_INET) /* the rest of an IPv4 address is 0 */
			memset(&k.saddr[1], 0,
			       sizeof(k.saddr) - sizeof(k.saddr[0]));
		if (k.family == AF_INET && !(k.nat & TNA_NAT_DST)) {
			memset(&k.daddr[1], 0,
			       sizeof(k.daddr) - sizeof(k.daddr[0]));
			k.nat_dport = 0;
		} else if (k.family == AF_INET) {
			memset(&k.daddr[2], 0, 2 * sizeof(k.daddr[0]));
		}
		if (k.path != TNA_FW_BRIDGED)
			memset(k.dmac, 0, 12);
		if (k.proto != IPPROTO_TCP)
			k.tcp_flags = 0;
		memset(&t2, 0, sizeof(t2));
		r2 = flows_eval(m, &k, &t2);
		if (!same_eval(r, &t, r2, &t2)) {
			if (!bad)
				printf("FAIL wildcard %s: verdict %d (%s) but %d (%s) for a flow agreeing on every bit read\n",
				       what, r, t.why, r2, t2.why);
			bad++;
		}
	}
	return bad;
}

static void flow_key(struct model *m, const struct flow *f,
		     struct tna_fw_key *k)
{
	int v6;

	memset(k, 0, sizeof(*k));
	addr(f->src, (uint8_t *)k->saddr, &v6);
	addr(f->dst, (uint8_t *)k->daddr, &v6);
	k->family = v6 ? AF_INET6 : AF_INET;
	k->proto = f->proto;
	k->sport = htons(f->sport);
	k->dport = htons(f->dport);
	k->tcp_flags = f->proto == IPPROTO_TCP ? f->flags : 0;
	k->iif = link_of(m, f->in);
	k->oif = link_of(m, f->out);
	k->nat = f->nat;
	if (!v6 && (f->nat & TNA_NAT_DST)) {
		k->daddr[1] = k->daddr[0] ^ htonl(0x00010000);
		k->nat_dport = htons(f->dport + 1);
	}
}

/* The case's routed flows, each and mutated, against their variants. */
static int wild_check(const struct rcase *c, struct fw_ruleset *rs)
{
	struct model m;
	int bad = 0, n = 0;

	model_init(&m);
	m.fw = *rs;
	for (const struct fcase *fc = c->flows; fc->f.src; fc++) {
		struct tna_fw_key k;

		if (fc->f.br)
			continue;
		flow_key(&m, &fc->f, &k);
		for (int j = 0; j < 8; j++, n++) {
			bad += wild_variants(&m, &k, c->name, 40);
			((uint8_t *)&k.saddr)[rnd() % 4] ^= 1 << (rnd() % 8);
			k.sport ^= htons(1 << (rnd() % 16));
			if (rnd() % 2)
				k.dport ^= htons(1 << (rnd() % 16));
		}
	}
	memset(&m.fw, 0, sizeof(m.fw)); /* rs is the caller's */
	model_free(&m);
	if (bad)
		return 1;
	printf("PASS wildcard %s: %d flows, 40 variants each agree\n", c->name,
	       n);
	return 0;
}

static int run_case(const struct rcase *c)
{
	struct fw_ruleset rs;
	char cmd[4096];
	int ret, nf = 0;

	if (system("nft flush ruleset") != 0) {
		printf("FAIL %s: nft flush ruleset\n", c->name);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", c->setup);
	if (system(cmd) != 0) {
		printf("FAIL %s: setup failed: %s\n", c->name, c->setup);
		return 1;
	}
	ret = fw_load(&rs, NULL);
	if (ret) {
		printf("FAIL %s: fw_load: %s\n", c->name, strerror(-ret));
		return 1;
	}
	if (c->unsupported) {
		const char *why = rs.unsupported[FW_IP4][0] ?
					  rs.unsupported[FW_IP4] :
					  rs.unsupported[FW_BRIDGE];

		ret = !strstr(why, c->unsupported);
		printf("%s %s: reason '%s'\n", ret ? "FAIL" : "PASS", c->name,
		       why);
		fw_free(&rs);
		return ret;
	}
	if (rs.unsupported[0][0] || rs.unsupported[1][0] ||
	    rs.unsupported[2][0]) {
		printf("FAIL %s: unexpectedly unsupported: '%s' '%s' '%s'\n",
		       c->name, rs.unsupported[0], rs.unsupported[1],
		       rs.unsupported[2]);
		fw_free(&rs);
		return 1;
	}
	for (const struct fcase *fc = c->flows; fc->f.src; fc++, nf++) {
		static const uint8_t ll[14] = { 2, 0, 0, 0, 0, 2,
						2, 0, 0, 0, 0, 1 };
		struct fw_pkt p = { 0 };
		struct fw_trace t = { 0 };
		enum fw_result r;
		int v6b;

		if (addr(fc->f.src, p.saddr, &p.v6) ||
		    addr(fc->f.dst, p.daddr, &v6b)) {
			printf("FAIL %s: bad address\n", c->name);
			fw_free(&rs);
			return 1;
		}
		p.iif = !strcmp(fc->f.in, "b") ? 3 : 2;
		p.oif = !strcmp(fc->f.out, "b") ? 3 : 2;
		p.iifname = fc->f.in;
		p.oifname = fc->f.out;
		p.proto = fc->f.proto;
		p.sport = fc->f.sport;
		p.dport = fc->f.dport;
		p.tcp_flags = fc->f.flags;
		p.nat = fc->f.nat;
		p.phys = fc->f.phys;
		p.physin = fc->f.in;
		p.physout = fc->f.out;
		p.iiftype = fc->f.iiftype ? fc->f.iiftype :
					    1; /* ARPHRD_ETHER */
		p.oiftype = fc->f.oiftype ? fc->f.oiftype : 1;
		p.addrtype = addrtype;
		p.addrtype_ctx = &addrs;
		if (fc->f.nat & TNA_NAT_DST) { /* as flows.c views the key */
			memcpy(p.pre_daddr, p.daddr, 16);
			p.pre_dport = p.dport;
		}
		if (fc->f.br) {
			p.bridge_hook = p.ll = 1;
			p.pkttype = 3; /* PACKET_OTHERHOST */
			memcpy(p.ll_hdr, ll, sizeof(ll));
			p.ll_hdr[12] = p.v6 ? 0x86 : 0x08;
			p.ll_hdr[13] = p.v6 ? 0xdd : 0x00;
		}
		r = fw_eval(&rs, &p, &t);
		if (r != fc->want || t.uses_ct != fc->ct ||
		    (fc->hits >= 0 && r != FW_UNKNOWN &&
		     t.nr_hits != fc->hits) ||
		    (fc->why && !strstr(t.why, fc->why))) {
			printf("FAIL %s: flow %d (%s -> %s %d/%d): verdict %d want %d, ct %d want %d, counters %d want %d (%s)\n",
			       c->name, nf, fc->f.src, fc->f.dst, fc->f.proto,
			       fc->f.dport, r, fc->want, t.uses_ct, fc->ct,
			       t.nr_hits, fc->hits, t.why);
			fw_free(&rs);
			return 1;
		}
	}
	printf("PASS %s (%d flows)\n", c->name, nf);
	ret = wild_check(c, &rs);
	fw_free(&rs);
	return ret;
}

/*
 * A connection NAT changes, evaluated from its key (the packet as it
 * arrived, its new destination): prerouting chains before the nat chain
 * see the destination as it arrived, the others the translated one;
 * postrouting chains after the nat chain would see the new source, which
 * the key does not carry.
 */
static int nat_case(void)
{
	static const struct {
		const char *what;
		int nat; /* TNA_NAT_* */
		const char *dst, *pre_dst;
		int dport, pre_dport;
		enum fw_result want;
		int hits;
	} flows[] = {
		{ "DNAT'ed: pre sees 10.9.9.9:8080, forward 10.1.0.1:80",
		  TNA_NAT_DST, "10.1.0.1", "10.9.9.9", 80, 8080, FW_ACCEPT, 4 },
		{ "DNAT'ed and SNAT'ed: the source after srcnat is unknown",
		  TNA_NAT_DST | TNA_NAT_SRC, "10.1.0.1", "10.9.9.9", 80, 8080,
		  FW_UNKNOWN, 0 },
		{ "not NAT'ed, to 10.9.9.9:8080: forward drops it", 0,
		  "10.9.9.9", "10.9.9.9", 8080, 8080, FW_DROP, 1 },
	};
	struct fw_ruleset rs;
	int failed_here = 0;

	if (system("nft flush ruleset") ||
	    system("nft 'add table ip t; "
		   "add chain ip t pre { type filter hook prerouting priority -150; }; "
		   "add rule ip t pre ip daddr 10.9.9.9 tcp dport 8080 counter; "
		   "add chain ip t f { type filter hook forward priority 0; }; "
		   "add rule ip t f ip daddr 10.1.0.1 tcp dport 80 counter accept; "
		   "add rule ip t f drop; "
		   "add chain ip t post2 { type filter hook postrouting priority 50; }; "
		   "add rule ip t post2 ip saddr 10.0.0.1 counter; "
		   "add chain ip t post { type filter hook postrouting priority 200; }; "
		   "add rule ip t post ip saddr 10.0.0.1 counter'") ||
	    fw_load(&rs, NULL)) {
		printf("FAIL nat: ruleset setup\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct fw_pkt p = { .iif = 2,
				    .oif = 3,
				    .iifname = "a",
				    .oifname = "b",
				    .proto = 6,
				    .sport = 1000,
				    .tcp_flags = ACK,
				    .pkttype = 0 };
		struct fw_trace t = { 0 };
		enum fw_result r;

		p.nat = flows[i].nat;
		inet_pton(AF_INET, "10.0.0.1", p.saddr);
		inet_pton(AF_INET, flows[i].dst, p.daddr);
		inet_pton(AF_INET, flows[i].pre_dst, p.pre_daddr);
		p.dport = flows[i].dport;
		p.pre_dport = flows[i].pre_dport;
		r = fw_eval(&rs, &p, &t);
		if (r != flows[i].want ||
		    (r != FW_UNKNOWN && t.nr_hits != flows[i].hits)) {
			printf("FAIL nat: %s: verdict %d want %d, counters %d want %d (%s)\n",
			       flows[i].what, r, flows[i].want, t.nr_hits,
			       flows[i].hits, t.why);
			failed_here = 1;
		} else {
			printf("PASS nat: %s\n", flows[i].what);
		}
	}
	fw_free(&rs);
	return failed_here;
}

/* A random rule over small ranges of addresses and ports (flows hit them). */
static void random_rule(char *buf, size_t len)
{
	unsigned int a = rnd() % 4, b = rnd() % 4, p = 1000 + rnd() % 8,
		     q = p + 1 + rnd() % 3;
	const char *v = rnd() % 2 ? "accept" : "drop";

	switch (rnd() % 14) {
	case 0:
		if (rnd() % 2)
			snprintf(buf, len, "ip saddr 10.%u.0.0/16 %s", a, v);
		else
			snprintf(buf, len, "ip saddr 10.%u.%u.0/24 %s", a, b,
				 v);
		break;
	case 1:
		snprintf(buf, len, "ip daddr 10.%u.0.%u %s", a, rnd() % 4, v);
		break;
	case 2:
		snprintf(buf, len, "tcp dport %u counter %s", p, v);
		break;
	case 3:
		snprintf(buf, len, "udp sport %u-%u %s", p, p + rnd() % 4, v);
		break;
	case 4:
		snprintf(buf, len, "th dport { %u, %u } %s", p, q, v);
		break;
	case 5:
		snprintf(buf, len, "ip saddr . th dport { 10.%u.0.1 . %u } %s",
			 a, p, v);
		break;
	case 6:
		snprintf(buf, len, "tcp flags & (syn | ack) == ack counter");
		break;
	case 7:
		snprintf(buf, len, "ip daddr != 10.%u.0.0/16 udp dport %u %s",
			 a, p, v);
		break;
	case 8:
		snprintf(buf, len, "ip saddr & 0.0.255.0 == 0.0.%u.0 %s", b, v);
		break;
	case 9:
		snprintf(buf, len,
			 "iifname \"a\" ip saddr 10.%u.0.0/16 jump sub", a);
		break;
	case 10:
		snprintf(buf, len, "udp dport vmap { %u : accept, %u : drop }",
			 p, q);
		break;
	case 11:
		snprintf(buf, len, "ip saddr @blk %s", v);
		break;
	case 12:
		snprintf(buf, len, "tcp sport < %u counter", p);
		break;
	default:
		snprintf(buf, len, "ct state established %s", v);
	}
}

/* Random rulesets, random flows: wildcarded verdicts agree with full ones. */
static int random_rulesets(void)
{
	int failed_here = 0;

	for (int n = 0; n < 40; n++) {
		char cmd[4096], rule[160], name[32];
		struct fw_ruleset rs;
		struct rcase c = { 0 };
		int len;

		len = snprintf(
			cmd, sizeof(cmd),
			"nft 'add table ip r; add set ip r blk { type ipv4_addr; flags interval; elements = { 10.%u.0.0/16, 10.1.%u.0-10.1.%u.255 }; }; add chain ip r sub; "
			"add rule ip r sub tcp dport 1003 return; add rule ip r sub drop; "
			"add chain ip r f { type filter hook forward priority 0; policy %s; }; ",
			(rnd() % 3 + 2) % 4, rnd() % 2, 2 + rnd() % 2,
			rnd() % 3 ? "accept" : "drop");
		for (int i = 0, nr = 2 + rnd() % 7; i < nr; i++) {
			random_rule(rule, sizeof(rule));
			len += snprintf(cmd + len, sizeof(cmd) - len,
					"add rule ip r f %s; ", rule);
		}
		snprintf(cmd + len, sizeof(cmd) - len, "' >/dev/null 2>&1");
		if (system("nft flush ruleset") || system(cmd) ||
		    fw_load(&rs, NULL)) {
			printf("FAIL wildcard random ruleset %d: setup: %s\n",
			       n, cmd);
			failed_here = 1;
			continue;
		}
		snprintf(name, sizeof(name), "random ruleset %d", n);
		c.name = name;
		for (int i = 0; i < 8; i++) {
			static char src[8][20], dst[8][20];
			struct flow *f = (struct flow *)&c.flows[i].f;

			snprintf(src[i], sizeof(src[i]), "10.%u.%u.%u",
				 rnd() % 4, rnd() % 4, rnd() % 4);
			snprintf(dst[i], sizeof(dst[i]), "10.%u.0.%u",
				 rnd() % 4, rnd() % 4);
			f->src = src[i];
			f->dst = dst[i];
			f->proto = rnd() % 2 ? 6 : 17;
			f->sport = 1000 + rnd() % 8;
			f->dport = 1000 + rnd() % 8;
			f->flags = rnd() % 2 ? ACK : ACK | PSH;
			f->in = rnd() % 2 ? "a" : "b";
			f->out = "c";
		}
		failed_here |= wild_check(&c, &rs);
		fw_free(&rs);
	}
	return failed_here;
}

int main(void)
{
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		printf("FAIL setup: a private network namespace is needed\n");
		return 1;
	}
	model_init(&addrs);
	local_route("10.1.0.1", 32, RTN_LOCAL, 3);
	local_route("10.1.0.255", 32, RTN_BROADCAST, 3);
	local_route("127.0.0.0", 8, RTN_LOCAL, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failed |= run_case(&cases[i]);
	model_free(&addrs);
	failed |= nat_case();
	failed |= random_rulesets();
	return failed;
}
