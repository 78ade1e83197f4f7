// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The mirror's nf_tables source: events say a ruleset changed; the
 * nf_tables reader (nft.c, the only one) then reads the base chains (the
 * hook notes) and the ruleset, one whole generation at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/xfrm.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include "log.h"
#include "mirror.h"
#include "nl.h"
#include "netdev.h"
#include "nft.h"
#include "mirror_src.h"

/* --- nf_tables: base chains on the forwarding path --------------------- */

/*
 * The hook notes and the ruleset, from one read by the nf_tables reader
 * (nft.c): which families have base chains on the forwarding path, which
 * devices netdev chains are bound to, the rules themselves. When even the
 * chains could not be read, nothing is known: every family and device
 * counts as hooked, so everything goes to Linux until the next read.
 */
int nft_dump_chains(struct mirror *mi)
{
	struct model *m = mi->m;
	struct fw_hooks h = { 0 };
	struct nft_hook_note *note[3] = { &m->nft_fwd4, &m->nft_fwd6,
					  &m->nft_bridge };
	int *nr[3] = { &m->nr_nft_fwd4, &m->nr_nft_fwd6, &m->nr_nft_bridge };

	mi->chains_stale = 0;
	model_touch(m);
	fw_free(&m->fw);
	m->fw_err = fw_load(&m->fw, &h);
	if (m->fw_err)
		pr_warn("reading the nf_tables ruleset: %s\n",
			strerror(-m->fw_err));
	for (int f = 0; f < 3; f++) {
		*nr[f] = h.read ? h.nr[f] : 1;
		snprintf(note[f]->what, sizeof(note[f]->what), "%s",
			 h.read ? h.first[f] : "nf_tables base chains unread");
	}
	for (int i = 0; i < m->nr_links; i++) {
		struct link *l = &m->links[i];

		l->nft_netdev_hooks = !h.read;
		for (int d = 0; d < h.nr_devs; d++)
			l->nft_netdev_hooks += !strcmp(l->name, h.devs[d]);
	}
	fw_hooks_free(&h);
	return 0;
}

int nf_ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mirror *mi = data;

	/* Any change (events follow the commit): cached verdicts are stale. */
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_NFTABLES) {
		mi->read_events |= MIRROR_EV_NFT;
		mi->chains_stale = 1;
	}
	/* Never act on the events themselves: the dump reads one whole
	 * generation (the generation id is checked before and after). */
	return MNL_CB_OK;
}
