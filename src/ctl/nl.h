/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the controller's one netlink layer (nl.c) over
 * libmnl: a request and its answers, and attribute tables. mirror.c
 * (rtnetlink, generic netlink, nf_tables events, xfrm, sock_diag), nft.c
 * (the ruleset) and flows.c (ctnetlink) all talk through it.
 */
#ifndef TNA_NL_H
#define TNA_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#define NL_BUF_SIZE (1 << 16)

/*
 * Send req on nl (its sequence number becomes ++*seq) and run every answer
 * through cb (NULL: an ACK is all that is wanted) until the dump ends or
 * the ACK arrives. *intr, if given, is set when the kernel says a dump was
 * interrupted (NLM_F_DUMP_INTR: it changed while being dumped). 0 or
 * -errno (the kernel's error for a NACK).
 */
int nl_request(struct mnl_socket *nl, unsigned int *seq, struct nlmsghdr *req,
	       mnl_cb_t cb, void *data, int *intr);

/* A receive buffer of NL_BUF_SIZE bytes (NULL: no memory), and its return. */
void *nl_buf(void);
void nl_buf_put(void *b);

/* The attributes of a message (after hdrlen bytes) or a nest, by type. */
void nl_parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
		    const struct nlattr **a, int max);
void nl_parse_nested(const struct nlattr *nest, const struct nlattr **a,
		     int max);

#endif /* TNA_NL_H */
