/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* This file contains the interface of `tna status --watch`. */
#ifndef TNA_WATCH_H
#define TNA_WATCH_H

/* Redraws the daemon's rates every interval seconds until SIGINT: 0, or
 * 1 when no daemon answers. */
int watch_run(double interval);

#endif /* TNA_WATCH_H */
