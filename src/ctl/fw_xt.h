/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the xt matches iptables-nft leaves as compat blobs,
 * decoded by nft.c into what the evaluator (fw.c) needs; struct fw_expr.xt
 * holds one of them.
 */
#ifndef TNA_CTL_FW_XT_H
#define TNA_CTL_FW_XT_H

#include <stdint.h>

/* conntrack (rev 1-3) and state: --ctstate / --state only */
struct fw_xt_ct {
	uint16_t state_mask; /* XT_CONNTRACK_STATE_BIT(), nft's ct state bits */
	uint8_t invert;
	uint8_t has_state, has_status; /* --ctstate, --ctstatus given */
	uint8_t status_invert;
	uint32_t status_mask; /* --ctstatus: IPS_* bits */
};

#define FW_MP_SRC 0 /* XT_MULTIPORT_SOURCE */
#define FW_MP_DST 1 /* XT_MULTIPORT_DESTINATION; 2: either */
struct fw_xt_multiport {
	uint8_t flags, count, invert;
	uint16_t ports[15];
	uint8_t pflags[15]; /* ports[i] starts a range ending at ports[i+1] */
};

struct fw_xt_icmp {
	uint8_t type, code[2], invert; /* type 0xff: any */
};

#define FW_XT_INV_SRC 0x01 /* XT_TCP_INV_SRCPT, XT_UDP_INV_SRCPT */
#define FW_XT_INV_DST 0x02
#define FW_XT_INV_FLAGS 0x08 /* XT_TCP_INV_FLAGS */
struct fw_xt_tcpudp {
	uint16_t spts[2], dpts[2];
	uint8_t flg_mask, flg_cmp, invflags, tcp;
};

/* physdev: struct xt_physdev_info as iptables gives it */
#define FW_PHYS_IN 0x01 /* XT_PHYSDEV_OP_IN */
#define FW_PHYS_OUT 0x02
#define FW_PHYS_BRIDGED 0x04
#define FW_PHYS_ISIN 0x08
#define FW_PHYS_ISOUT 0x10
struct fw_xt_physdev {
	char in[16], in_mask[16], out[16], out_mask[16];
	uint8_t invert, bitmask;
};

/* addrtype rev 1: source/dest are masks of 1 << RTN_* */
#define FW_AT_INV_SRC 0x1 /* XT_ADDRTYPE_INVERT_SOURCE */
#define FW_AT_INV_DST 0x2
#define FW_AT_IFACE_IN 0x4 /* XT_ADDRTYPE_LIMIT_IFACE_IN */
#define FW_AT_IFACE_OUT 0x8
struct fw_xt_addrtype {
	uint16_t source, dest;
	uint32_t flags;
};

#endif /* TNA_CTL_FW_XT_H */
