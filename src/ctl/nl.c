// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The controller's netlink layer (see nl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nl.h"

/*
 * One receive buffer kept for the next request (a request made from a
 * callback of another gets its own): the daemon asks many times a second
 * and need not allocate 64 KiB each time.
 */
static char *spare;

static char *buf_get(void)
{
	char *b = spare;

	spare = NULL;
	return b ? b : malloc(NL_BUF_SIZE);
}

static void buf_put(char *b)
{
	if (!spare)
		spare = b;
	else
		free(b);
}

int nl_request(struct mnl_socket *nl, unsigned int *seq, struct nlmsghdr *req,
	       mnl_cb_t cb, void *data, int *intr)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	char *buf = buf_get();
	int ret, n;

	if (!buf)
		return -ENOMEM;
	req->nlmsg_seq = ++*seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, NL_BUF_SIZE);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (intr) {
			int left = n;

			for (struct nlmsghdr *h = (void *)buf;
			     mnl_nlmsg_ok(h, left);
			     h = mnl_nlmsg_next(h, &left))
				if (h->nlmsg_flags & NLM_F_DUMP_INTR)
					*intr = 1;
		}
		ret = mnl_cb_run(buf, n, req->nlmsg_seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	ret = ret < 0 ? -errno : 0;
out:
	buf_put(buf);
	return ret;
}

void *nl_buf(void)
{
	return buf_get();
}

void nl_buf_put(void *b)
{
	buf_put(b);
}

struct tb {
	const struct nlattr **a;
	int max;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *t = data;
	int type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->a[type] = attr;
	return MNL_CB_OK;
}

void nl_parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
		    const struct nlattr **a, int max)
{
	struct tb t = { a, max };

	memset(a, 0, (max + 1) * sizeof(*a));
	mnl_attr_parse(nlh, hdrlen, tb_cb, &t);
}

void nl_parse_nested(const struct nlattr *nest, const struct nlattr **a,
		     int max)
{
	struct tb t = { a, max };

	memset(a, 0, (max + 1) * sizeof(*a));
	mnl_attr_parse_nested(nest, tb_cb, &t);
}
