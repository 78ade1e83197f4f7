/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the control socket: an abstract Unix socket, so one
 * per network namespace, answering root only. Requests are one line
 * ("status", "status json", "attached IFNAME", "bypass on|off").
 */
#ifndef TNA_CTL_H
#define TNA_CTL_H

#define CTL_NAME "tna.ctl.v1"

int ctl_listen(void) __attribute__((warn_unused_result));
/* Accept one client on the listening fd; returns the client fd, or -errno. */
int ctl_accept(int lfd, char *req, int len);
/* Send req, collect the whole answer into *resp (malloc'ed). */
int ctl_request(const char *req, char **resp)
	__attribute__((warn_unused_result));

#endif /* TNA_CTL_H */
