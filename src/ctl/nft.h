/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the nf_tables reader's interface (nft.c): the ruleset
 * read over nfnetlink with libnftnl, and the names of the hooks chains
 * sit on.
 */
#ifndef TNA_NFT_H
#define TNA_NFT_H

#include "fw.h"

/*
 * Reads the ruleset over nfnetlink, one whole generation; 0 or -errno.
 * hooks (if not NULL) gets the base chains from the same chain dump,
 * every family's, even when the rules could not be read.
 */
int fw_load(struct fw_ruleset *rs, struct fw_hooks *hooks);
void fw_free(struct fw_ruleset *rs);
void fw_hooks_free(struct fw_hooks *h);

/*
 * The name of hook number hook in an NFPROTO_* family: netdev's ingress
 * and egress, else the inet hooks (prerouting ... postrouting, ingress).
 */
const char *nft_hook_name(int family, int hook);

#endif /* TNA_NFT_H */
