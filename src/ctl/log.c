// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Logging to stderr with a level; libbpf's messages go through the same filter. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

int log_verbosity = LOG_WARN;

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "warn", "info", "debug" };
	struct timespec ts;

	if ((int)level > log_verbosity)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "tna[%ld.%03ld] %s: ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, tag[level]);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum log_level l = level == LIBBPF_WARN ? LOG_WARN :
			   level == LIBBPF_INFO ? LOG_DEBUG :
						  LOG_DEBUG + 1;

	log_vmsg(l, fmt, ap);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
