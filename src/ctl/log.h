/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the controller's logging: pr_warn/pr_info/pr_debug and libbpf's output routing. */
#ifndef TNA_LOG_H
#define TNA_LOG_H

enum log_level { LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_verbosity;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_route_libbpf(void);

#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* TNA_LOG_H */
