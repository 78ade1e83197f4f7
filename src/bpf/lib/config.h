/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the read-only per-interface config and the one macro that reads it. */
#ifndef TNA_BPF_CONFIG_H
#define TNA_BPF_CONFIG_H

#include "tna/abi.h"

/* Set by the controller between open and load; constant to the verifier. */
const volatile struct tna_cfg tna_cfg = {};

#define CFG(field) (tna_cfg.field)
#define HAS(feature) ((CFG(features) & (feature)) != 0)
/* Where Linux's IP layer sees this interface's packets: its bridge, or itself. */
#define L3_IFINDEX (CFG(l3_ifindex) ?: CFG(ifindex))

#endif /* TNA_BPF_CONFIG_H */
