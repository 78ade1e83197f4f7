// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The control socket: abstract Unix stream socket, peer checked with SO_PEERCRED. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "ctl.h"
#include "log.h"

static socklen_t ctl_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Abstract name: sun_path[0] stays 0; the namespace is the netns. */
	memcpy(sun->sun_path + 1, CTL_NAME, strlen(CTL_NAME));
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(CTL_NAME);
}

int ctl_listen(void)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int ctl_accept(int lfd, char *req, int len)
{
	struct pollfd pfd;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, n = 0;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    cred.uid != 0) {
		pr_warn("control socket: refused a non-root client\n");
		close(fd);
		return -EPERM;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* One short line; a client that does not send it within 1 s is dropped. */
	while (n < len - 1 && poll(&pfd, 1, 1000) == 1) {
		int r = read(fd, req + n, len - 1 - n);

		if (r <= 0)
			break;
		n += r;
		if (memchr(req, '\n', n))
			break;
	}
	req[n] = 0;
	req[strcspn(req, "\n")] = 0;
	return fd;
}

int ctl_request(const char *req, char **resp)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	size_t size = 0, cap = 4096;
	char *buf = NULL;
	int fd, ret = 0;
	ssize_t n;

	*resp = NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, len) ||
	    dprintf(fd, "%s\n", req) < 0) {
		ret = -errno;
		goto out;
	}
	shutdown(fd, SHUT_WR);
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf + size, cap - size - 1)) > 0) {
		size += n;
		if (size + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
	}
	buf[size] = 0;
	*resp = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}
