// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tna status --watch: a live view in a plain terminal. Every interval the
 * daemon's OpenMetrics status is read (the same text a Prometheus scrape
 * gets), and a compact table of rates is redrawn: per interface, packets
 * per second on the fast path and to Linux, and the reasons that sent the
 * most to Linux. Ends on SIGINT or SIGTERM with status 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl.h"
#include "watch.h"

#define WATCH_MAX 512 /* series followed (interface x reason) */
#define TOP_REASONS 3

struct series {
	char iface[32], reason[48]; /* reason "": the interface's totals */
	int to_linux; /* totals: 0 fast path, 1 to Linux */
	unsigned long long v, prev;
	int seen; /* in the last text read */
	unsigned long samples;
};

struct view {
	struct series s[WATCH_MAX];
	int n;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* The value of label key in a sample's {...}, or "" (not unescaped). */
static void label(const char *line, const char *key, char *out, size_t len)
{
	char pat[40];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	out[0] = 0;
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return;
	memcpy(out, p, e - p);
	out[e - p] = 0;
}

static struct series *find(struct view *w, const char *iface,
			   const char *reason, int to_linux)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->s[i].iface, iface) &&
		    !strcmp(w->s[i].reason, reason) &&
		    w->s[i].to_linux == to_linux)
			return &w->s[i];
	if (w->n == WATCH_MAX)
		return NULL;
	snprintf(w->s[w->n].iface, sizeof(w->s[0].iface), "%s", iface);
	snprintf(w->s[w->n].reason, sizeof(w->s[0].reason), "%s", reason);
	w->s[w->n].to_linux = to_linux;
	return &w->s[w->n++];
}

/* Takes the samples the view shows from one OpenMetrics text. */
static void take(struct view *w, char *text)
{
	static const char *const names[] = {
		"tna_fast_path_packets_total{", "tna_to_linux_packets_total{",
		"tna_to_linux_reason_packets_total{"
	};

	for (int i = 0; i < w->n; i++)
		w->s[i].seen = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char iface[32], reason[48];
		const char *v = strrchr(line, ' ');
		struct series *s;
		int k;

		for (k = 0; k < 3; k++)
			if (!strncmp(line, names[k], strlen(names[k])))
				break;
		if (k == 3 || !v)
			continue;
		label(line, "interface", iface, sizeof(iface));
		if (k == 2)
			label(line, "reason", reason, sizeof(reason));
		else
			reason[0] = 0;
		s = find(w, iface, reason, k != 0);
		if (!s)
			continue;
		s->prev = s->v;
		s->v = strtoull(v + 1, NULL, 10);
		s->seen = 1;
		s->samples++;
	}
}

static double rate(const struct series *s, double dt)
{
	return s->samples > 1 && s->v >= s->prev ? (s->v - s->prev) / dt : -1;
}

static void draw(const struct view *w, double interval, double dt)
{
	char when[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("\033[H\033[J"); /* home, clear: any ANSI terminal */
	printf("tna status --watch: every %g s, Ctrl-C to stop%*s\n\n",
	       interval, 24, when);
	printf("%-16s %14s %14s  %s\n", "INTERFACE", "FAST PKT/S",
	       "LINUX PKT/S", "TOP REASONS TO LINUX (PKT/S)");
	for (int i = 0; i < w->n; i++) {
		const struct series *f = &w->s[i], *l;
		const struct series *top[TOP_REASONS] = { 0 };
		double fr, lr;

		if (f->reason[0] || f->to_linux || !f->seen)
			continue;
		l = NULL;
		for (int j = 0; j < w->n; j++) {
			const struct series *r = &w->s[j];

			if (strcmp(r->iface, f->iface) || !r->seen)
				continue;
			if (!r->reason[0] && r->to_linux)
				l = r;
			if (!r->reason[0] || rate(r, dt) <= 0)
				continue;
			for (int t = 0; t < TOP_REASONS; t++)
				if (!top[t] || rate(r, dt) > rate(top[t], dt)) {
					memmove(&top[t + 1], &top[t],
						(TOP_REASONS - 1 - t) *
							sizeof(top[0]));
					top[t] = r;
					break;
				}
		}
		fr = rate(f, dt);
		lr = l ? rate(l, dt) : -1;
		printf("%-16s %14.0f %14.0f ", f->iface, fr < 0 ? 0 : fr,
		       lr < 0 ? 0 : lr);
		if (fr < 0)
			printf(" (rates from the next redraw)");
		for (int t = 0; t < TOP_REASONS && top[t]; t++)
			printf("%s%s %.0f", t ? ", " : " ", top[t]->reason,
			       rate(top[t], dt));
		printf("\n");
	}
	fflush(stdout);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int watch_run(double interval)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct view *w = calloc(1, sizeof(*w));
	double last = 0;

	if (!w)
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		struct timespec ts = { (time_t)interval,
				       (long)((interval - (time_t)interval) *
					      1e9) };
		char *resp;
		double now;
		int ret = ctl_request("status openmetrics", &resp);

		if (ret) {
			fprintf(stderr,
				"tna: no daemon answers in this network namespace (%s); start one with 'tna run'\n",
				strerror(-ret));
			free(w);
			return 1;
		}
		now = mono();
		take(w, resp);
		free(resp);
		draw(w, interval, last ? now - last : interval);
		last = now;
		while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	printf("\n");
	free(w);
	return 0;
}
