/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the firewall model: the nf_tables ruleset of the
 * forwarding path as Linux holds it (chains, rules as expression lists,
 * sets), read with libnftnl (nft.c), and an evaluator that runs it on one
 * flow the way nft_do_chain() does, register by register, hook by hook
 * (prerouting, forward, postrouting). The fast path caches its verdict per
 * flow (struct tna_fw_key); any byte of the packet the flow key does not
 * carry, or any expression the evaluator cannot run, makes the verdict
 * "unknown" when the flow's evaluation reaches it, and that flow stays on
 * Linux. Flows whose evaluation never reaches it are not affected.
 */
#ifndef TNA_CTL_FW_H
#define TNA_CTL_FW_H

#include <stdint.h>
#include <stddef.h>
#include "tna/abi.h"

#define FW_NAME_LEN 256 /* NFT_NAME_MAXLEN: kube-proxy's chains run to 240 */
#define FW_REASON_LEN 192
#define FW_MAX_KEY 64 /* bytes of a set key or data (all registers) */

enum fw_op {
	FW_PAYLOAD,
	FW_META,
	FW_CMP,
	FW_BITWISE,
	FW_RANGE,
	FW_LOOKUP,
	FW_IMM,
	FW_COUNTER,
	FW_CT,
	FW_REJECT, /* nft reject, xt REJECT: Linux answers, never forwarded */
	FW_XT_TRUE, /* xt comment */
	FW_XT_CONNTRACK, /* xt conntrack/state: state matching only */
	FW_XT_MULTIPORT,
	FW_XT_ICMP,
	FW_XT_TCPUDP, /* xt tcp/udp: ports and TCP flags */
	FW_XT_PHYSDEV, /* xt physdev: br_netfilter's bridge ports */
	FW_XT_ADDRTYPE, /* xt addrtype (rev 1) */
	FW_FIB, /* nft fib ... type: key holds the NFTA_FIB_F_* flags */
	FW_MARK_SET, /* meta mark set (sreg), or xt MARK: data = mark, mask */
	FW_OPAQUE, /* not modelled: data holds why; a flow reaching it: Linux */
};

/* Verdict codes as in the kernel (NF_DROP, NF_ACCEPT, NFT_*). */
#define FW_V_DROP 0
#define FW_V_ACCEPT 1
#define FW_V_CONTINUE (-1)
#define FW_V_BREAK (-2)
#define FW_V_JUMP (-3)
#define FW_V_GOTO (-4)
#define FW_V_RETURN (-5)

struct fw_expr {
	enum fw_op op;
	int sreg, dreg; /* byte offsets into the register file */
	uint32_t len;
	uint32_t base, offset; /* payload */
	uint32_t key; /* meta or ct key */
	uint32_t cmp_op, invert;
	uint8_t data[FW_MAX_KEY],
		data2[FW_MAX_KEY]; /* cmp/imm, range to, xor */
	uint8_t mask[FW_MAX_KEY];
	int verdict; /* immediate into the verdict register */
	int chain; /* jump/goto target: index in fw_ruleset.chains */
	int set; /* lookup: index in fw_ruleset.sets */
	uint8_t xt[72]; /* decoded xt match (fw_xt.h) */
};

struct fw_rule {
	uint64_t handle;
	struct fw_expr *e;
	int n;
	int counter; /* has a counter expression */
	uint64_t packets, bytes; /* its values when the ruleset was read */
};

struct fw_chain {
	int family; /* NFPROTO_* of the table */
	char table[FW_NAME_LEN], name[FW_NAME_LEN];
	int base, hook, prio, policy; /* base chains */
	int nat; /* type nat: runs only for a connection's first packet */
	char bad[FW_REASON_LEN]; /* first rule that cannot be modelled */
	struct fw_rule *r;
	int n;
};

struct fw_elem {
	uint8_t key[FW_MAX_KEY], key_end[FW_MAX_KEY]; /* [key, key_end] */
	uint8_t data[FW_MAX_KEY];
	int verdict, chain; /* verdict maps */
	int closed; /* interval: key_end known (else up to the next end) */
};

struct fw_set {
	int family;
	char table[FW_NAME_LEN], name[FW_NAME_LEN];
	uint32_t id, flags, key_len, data_len, data_type;
	int interval;
	struct fw_elem *el;
	int n;
};

struct fw_ruleset {
	struct fw_chain *chains;
	int nr_chains;
	struct fw_set *sets;
	int nr_sets;
	uint32_t genid; /* nf_tables generation it was read at */
	/*
	 * Per family (FW_IP4, FW_IP6, FW_BRIDGE): base chains that can see
	 * forwarded packets, and why the family cannot be modelled ("" if it
	 * can). For ip/ip6/inet, prerouting, forward and postrouting chains
	 * are modelled (nat-type chains only see a connection's first packet,
	 * which is Linux's). For the bridge family every base chain counts;
	 * only the forward hook is modelled.
	 */
	int nr_fwd[3];
	char unsupported[3][FW_REASON_LEN];
	/*
	 * Per IP family: some rule (in any chain, reached or not) makes
	 * Linux track connections, so conntrack sees every packet. A flow
	 * the fast path carries must then keep its conntrack entry as Linux
	 * would: every verdict counts as depending on conntrack.
	 */
	int tracked[2];
	/*
	 * ip/inet nat-type base chains on prerouting or postrouting: IPv4
	 * connections may be translated, and the fast path then carries
	 * routed IPv4 only as conntrack's established connections,
	 * translated as their entries say (TNA_RT_NAT4).
	 */
	int nat4;
};

/*
 * The base chains Linux runs that matter before any rule is modelled, as
 * the nf_tables reader (nft.c) saw them in its chain dump: per family
 * (FW_IP4, FW_IP6, FW_BRIDGE), the chains on the forwarding path
 * (ip/ip6/inet prerouting, forward, postrouting; every bridge-family hook)
 * and the first one ("family table chain hook H"); the devices netdev
 * chains (and inet ingress chains) are bound to. read: the chain dump
 * completed (else nothing here is known).
 */
struct fw_hooks {
	int read;
	int nr[3];
	char first[3][FW_REASON_LEN];
	char (*devs)[16];
	int nr_devs;
};

#define FW_IP4 0
#define FW_IP6 1
#define FW_BRIDGE 2

/*
 * One flow as the fast path keys it, plus what Linux knows about it, seen
 * from one family's hooks: the ip/ip6/inet hooks (routed, or bridged
 * through br_netfilter: iif = oif = the bridge) or the bridge family's
 * forward hook (iif, oif: the ports). iif and oif are as the forward hook
 * sees them; the evaluator hides oif on prerouting and iif on postrouting.
 */
struct fw_pkt {
	int v6;
	int bridge_hook; /* evaluate the bridge family's forward chains */
	int brnf; /* IP hooks called by br_netfilter: no iif on postrouting */
	uint32_t iif, oif;
	const char *iifname, *oifname;
	uint8_t pkttype; /* PACKET_HOST, PACKET_OTHERHOST */
	int ll; /* the Ethernet header below is known */
	uint8_t ll_hdr[14];
	uint8_t saddr[16], daddr[16]; /* daddr: after DNAT */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport, dport; /* host order; dport: after DNAT */
	/*
	 * TNA_NAT_DST: the connection's DNAT changed the destination, which
	 * was pre_daddr:pre_dport on arrival (prerouting chains before the
	 * nat chain see that); TNA_NAT_SRC: its source changes after the
	 * forward hook (postrouting chains after the nat chain see what).
	 */
	int nat;
	uint8_t pre_daddr[16];
	uint16_t pre_dport;
	uint8_t tcp_flags;
	/* meta iiftype, oiftype: the devices' ARPHRD_* */
	uint16_t iiftype, oiftype;
	/*
	 * br_netfilter's bridge information (xt physdev): 0 the packet has
	 * none (routed between devices whose packets br_netfilter does not
	 * see); 1 it is bridged from port physin to port physout (physout
	 * not yet chosen on prerouting); -1 not known (routed from or to a
	 * bridge whose packets br_netfilter sees: the port is not keyed).
	 */
	int phys;
	const char *physin, *physout;
	/*
	 * inet_dev_addr_type() of an address (network order, IPv4) for
	 * device dev (0: any), as RTN_*, or -1 when it cannot be told;
	 * NULL: never known.
	 */
	int (*addrtype)(const void *ctx, const uint8_t *addr, uint32_t dev);
	const void *addrtype_ctx;
	/*
	 * Where in struct tna_fw_key each field above came from (offset + 1;
	 * 0: not from the key): the bits the evaluation reads are recorded
	 * there (struct fw_trace.read). Fields not listed (devices, family,
	 * protocol, path, NAT flags) the controller always keys exactly.
	 */
	struct {
		uint16_t saddr, daddr, pre_daddr, sport, dport, pre_dport;
		uint16_t tcp_flags, dmac, smac;
	} org;
};

enum fw_result { FW_ACCEPT, FW_DROP, FW_UNKNOWN };

/* A reason flows were left to Linux, and how many were (tna status). */
struct fw_why {
	char why[FW_REASON_LEN]; /* "": all the other reasons */
	unsigned long flows;
};

#define FW_MAX_HITS 64
struct fw_hit {
	int chain, rule;
};

struct fw_trace {
	int uses_ct; /* the verdict depended on the conntrack state */
	char why[FW_REASON_LEN]; /* FW_UNKNOWN: what the key does not carry */
	struct fw_hit hits[FW_MAX_HITS]; /* rules whose counter counted it */
	int nr_hits;
	/*
	 * The key bits (struct fw_pkt.org) the result depends on: a flow
	 * that agrees with this one on them, and on the fields always keyed,
	 * gets the same result, counters and reason (a wildcarded verdict).
	 * A comparison that fails reads only the bits up to the first that
	 * differs, as a prefix does.
	 */
	uint8_t read[sizeof(struct tna_fw_key)];
};

/*
 * Linux's verdict for pkt: for the IP families the prerouting, forward and
 * postrouting hooks in turn (each hook's base chains in priority order,
 * nat-type chains left out: pkt is a packet of an established connection
 * without NAT), for the bridge family its forward hook. Hits are appended
 * to t (clear it first), so the verdicts of two families a bridged packet
 * passes can share one trace.
 */
enum fw_result fw_eval(const struct fw_ruleset *rs, const struct fw_pkt *pkt,
		       struct fw_trace *t);

/* "ip", "ip6", "inet", "bridge" for an NFPROTO_* table family. */
const char *fw_family_name(int family);

#endif /* TNA_CTL_FW_H */
