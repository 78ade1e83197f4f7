// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test packet tool for the namespace tests: sends frames built by
 * tests/unit/pkt.h through AF_PACKET, and captures received frames as one
 * hex line each, optionally filtered.
 *   tna-pktio send IFACE DMAC [--v6] --src A --dst B [--ttl N] [--proto udp|tcp|icmp]
 *             [--sport N] [--dport N] [--payload N] [--pad N] [--icmp-type N] [--stamp]
 *             [--count N] [--flows N] [--df] [--ethertype HEX] [--bad-csum] [--partial-csum]
 *             [--ip-options] [--frag-offset N] [--truncate N] [--arp request|reply]
 *   tna-pktio send-file IFACE FILE      one "DMAC [send options]" per line
 *   tna-pktio send-seq FILE   one "NETNS IFACE SMAC|- DMAC [send options]" per
 *             line, all from one process with no pause (a sequence across
 *             hosts, as back to back as a wire would carry it)
 *   tna-pktio recv IFACE --seconds S [--max N] [--ready FILE] [--stop FILE] [--udp-dport N] [--tcp-dport N]
 *             [--icmp-type N] [--no-control] [--norm-id] [--timestamps] [--wire]
 *   tna-pktio tcp-sink ADDR PORT SECONDS    accept, count bytes, print the total
 *   tna-pktio tcp-send ADDR PORT BYTES      connect, send, print bytes sent
 *   tna-pktio udp-echo ADDR PORT SECONDS    answer every datagram, print count
 *   tna-pktio udp-ping ADDR PORT COUNT MS [SPORT]   COUNT datagrams, MS apart,
 *             from SPORT (default: any); print replies
 * (real sockets: flows that conntrack sees established)
 * --no-control drops ARP, IPv6 hop-by-hop (MLD) and ICMPv6 neighbour
 * discovery/MLD, the traffic hosts generate on their own. --norm-id zeroes
 * the IPv4 identification of frames whose header checksum is right (and
 * recomputes it): kernels number the packets they generate (replies,
 * errors) differently from run to run; a wrong checksum stays visible.
 * --wire shows a frame the kernel marks as having its transport checksum
 * still to be completed (CHECKSUM_PARTIAL: TP_STATUS_CSUMNOTREADY) with the
 * checksum a NIC would complete it with, as it would cross a wire.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "../unit/pkt.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tna-pktio send IFACE DMAC [--v6] --src A --dst B [--ttl N] [--proto udp|tcp|icmp]\n"
		"                 [--sport N] [--dport N] [--payload N] [--pad N] [--icmp-type N] [--count N] [--flows N] [--df] [--stamp]\n"
		"                 [--ethertype HEX] [--bad-csum] [--partial-csum] [--ip-options] [--frag-offset N] [--truncate N]\n"
		"                 [--arp request|reply]\n"
		"       tna-pktio send-file IFACE FILE\n"
		"       tna-pktio send-seq FILE      (lines: NETNS IFACE SMAC|- DMAC [send options])\n"
		"       tna-pktio recv IFACE --seconds S [--max N] [--ready FILE] [--stop FILE] [--udp-dport N] [--tcp-dport N] [--icmp-type N]\n"
		"                 [--no-control] [--norm-id] [--timestamps]\n"
		"       tna-pktio tcp-sink ADDR PORT SECONDS | tcp-send ADDR PORT BYTES\n"
		"       tna-pktio udp-echo ADDR PORT SECONDS | udp-ping ADDR PORT COUNT MS [SPORT]\n");
	return 2;
}

static int open_sock(const char *ifname, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = if_nametoindex(ifname);
	if (fd < 0 || !sll->sll_ifindex ||
	    bind(fd, (struct sockaddr *)sll, sizeof(*sll))) {
		perror("tna-pktio: socket");
		exit(1);
	}
	return fd;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ?
		       0 :
		       -1;
}

enum {
	O_V6 = 256,
	O_SRC,
	O_DST,
	O_TTL,
	O_PROTO,
	O_SPORT,
	O_DPORT,
	O_PAYLOAD,
	O_PAD,
	O_STAMP,
	O_ICMP,
	O_COUNT,
	O_FLOWS,
	O_SECONDS,
	O_MAX,
	O_READY,
	O_STOP,
	O_UDP_DPORT,
	O_TCP_DPORT,
	O_DF,
	O_NO_CONTROL,
	O_NORM_ID,
	O_WIRE,
	O_ETHERTYPE,
	O_BAD_CSUM,
	O_PARTIAL_CSUM,
	O_IP_OPTIONS,
	O_FRAG_OFFSET,
	O_TRUNCATE,
	O_TIMESTAMPS,
	O_ARP
};

static const struct option opts[] = {
	{ "v6", no_argument, NULL, O_V6 },
	{ "src", required_argument, NULL, O_SRC },
	{ "dst", required_argument, NULL, O_DST },
	{ "ttl", required_argument, NULL, O_TTL },
	{ "proto", required_argument, NULL, O_PROTO },
	{ "sport", required_argument, NULL, O_SPORT },
	{ "dport", required_argument, NULL, O_DPORT },
	{ "payload", required_argument, NULL, O_PAYLOAD },
	{ "pad", required_argument, NULL, O_PAD },
	{ "stamp", no_argument, NULL, O_STAMP },
	{ "icmp-type", required_argument, NULL, O_ICMP },
	{ "count", required_argument, NULL, O_COUNT },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "seconds", required_argument, NULL, O_SECONDS },
	{ "max", required_argument, NULL, O_MAX },
	{ "ready", required_argument, NULL, O_READY },
	{ "stop", required_argument, NULL, O_STOP },
	{ "udp-dport", required_argument, NULL, O_UDP_DPORT },
	{ "tcp-dport", required_argument, NULL, O_TCP_DPORT },
	{ "df", no_argument, NULL, O_DF },
	{ "no-control", no_argument, NULL, O_NO_CONTROL },
	{ "norm-id", no_argument, NULL, O_NORM_ID },
	{ "wire", no_argument, NULL, O_WIRE },
	{ "ethertype", required_argument, NULL, O_ETHERTYPE },
	{ "bad-csum", no_argument, NULL, O_BAD_CSUM },
	{ "partial-csum", no_argument, NULL, O_PARTIAL_CSUM },
	{ "ip-options", no_argument, NULL, O_IP_OPTIONS },
	{ "frag-offset", required_argument, NULL, O_FRAG_OFFSET },
	{ "truncate", required_argument, NULL, O_TRUNCATE },
	{ "timestamps", no_argument, NULL, O_TIMESTAMPS },
	{ "arp", required_argument, NULL, O_ARP },
	{ NULL, 0, NULL, 0 },
};

/*
 * Hosts' own ARP and neighbour discovery (their timing is theirs); ARP
 * naming 10.99.0.0/16 as sender or target is a test's own and not control.
 */
static int control(const uint8_t *f, int len)
{
	uint16_t et = (f[12] << 8) | f[13];

	if (et == 0x0806)
		return len < 42 || !((f[28] == 10 && f[29] == 99) ||
				     (f[38] == 10 && f[39] == 99));
	if (et != 0x86dd || len < 55)
		return 0;
	return f[20] == 0 || (f[20] == 58 && f[54] >= 130 && f[54] <= 143);
}

static int wanted(const uint8_t *f, int len, int udp_dport, int tcp_dport,
		  int icmp_type, int no_control)
{
	uint16_t et;
	int l4, proto;

	if (len < 14)
		return 0;
	if (no_control && control(f, len))
		return 0;
	if (udp_dport < 0 && tcp_dport < 0 && icmp_type < 0)
		return 1;
	et = (f[12] << 8) | f[13];
	if (et == 0x0800 && len >= 34) {
		proto = f[23];
		l4 = 14 + (f[14] & 15) * 4;
	} else if (et == 0x86dd && len >= 54) {
		proto = f[20];
		l4 = 54;
	} else {
		return 0;
	}
	if (udp_dport >= 0 && proto == 17 && len >= l4 + 4)
		return ((f[l4 + 2] << 8) | f[l4 + 3]) == udp_dport;
	if (tcp_dport >= 0 && proto == 6 && len >= l4 + 4)
		return ((f[l4 + 2] << 8) | f[l4 + 3]) == tcp_dport;
	if (icmp_type >= 0 && (proto == 1 || proto == 58) && len > l4)
		return f[l4] == icmp_type;
	return 0;
}

struct cfg {
	struct pkt_spec s;
	int count, flows, seconds, max, stamp;
	int udp_dport, tcp_dport, icmp_type, no_control, norm_id, timestamps;
	int wire;
	const char *ready, *stop;
};

static void cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->count = c->flows = 1;
	c->seconds = 2;
	c->max = 1 << 30;
	c->udp_dport = c->tcp_dport = c->icmp_type = -1;
}

/*
 * Options from argv[1] on (argv[0] is whatever precedes them); 0 or -1.
 * optind = 0 makes getopt start afresh for every vector parsed.
 */
static int parse(int argc, char **argv, struct cfg *c)
{
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_V6:
			c->s.v6 = 1;
			break;
		case O_SRC:
			c->s.src = optarg;
			break;
		case O_DST:
			c->s.dst = optarg;
			break;
		case O_TTL:
			c->s.ttl = atoi(optarg);
			break;
		case O_PROTO:
			c->s.proto =
				!strcmp(optarg, "tcp")	? 6 :
				!strcmp(optarg, "icmp") ? (c->s.v6 ? 58 : 1) :
							  17;
			break;
		case O_SPORT:
			c->s.sport = atoi(optarg);
			break;
		case O_DPORT:
			c->s.dport = atoi(optarg);
			break;
		case O_PAYLOAD:
			c->s.payload = atoi(optarg);
			break;
		case O_PAD:
			c->s.pad = atoi(optarg);
			break;
		case O_STAMP: /* payload starts with the send time, in us */
			c->stamp = 1;
			break;
		case O_ICMP:
			c->s.icmp_type = c->icmp_type = atoi(optarg);
			break;
		case O_COUNT:
			c->count = atoi(optarg);
			break;
		case O_FLOWS:
			c->flows = atoi(optarg);
			break;
		case O_SECONDS:
			c->seconds = atoi(optarg);
			break;
		case O_MAX:
			c->max = atoi(optarg);
			break;
		case O_READY:
			c->ready = optarg;
			break;
		case O_STOP: /* ends early once FILE exists (checked every 0.1 s) */
			c->stop = optarg;
			break;
		case O_UDP_DPORT:
			c->udp_dport = atoi(optarg);
			break;
		case O_TCP_DPORT:
			c->tcp_dport = atoi(optarg);
			break;
		case O_DF:
			c->s.frag_off = 0x4000;
			break;
		case O_NO_CONTROL:
			c->no_control = 1;
			break;
		case O_WIRE:
			c->wire = 1;
			break;
		case O_NORM_ID:
			c->norm_id = 1;
			break;
		case O_ETHERTYPE:
			c->s.ethertype = strtol(optarg, NULL, 16);
			break;
		case O_BAD_CSUM:
			c->s.bad_csum = 1;
			break;
		case O_PARTIAL_CSUM: /* as a local stack leaves it to offload */
			c->s.l4_csum = 1;
			break;
		case O_IP_OPTIONS:
			c->s.ihl = 6;
			break;
		case O_FRAG_OFFSET: /* in 8-byte units, More Fragments set */
			c->s.frag_off = 0x2000 | (atoi(optarg) & 0x1fff);
			break;
		case O_TRUNCATE:
			c->s.truncate = atoi(optarg);
			break;
		case O_TIMESTAMPS: /* "SECONDS.NANOS " (CLOCK_REALTIME) first */
			c->timestamps = 1;
			break;
		case O_ARP: /* request or reply; --src/--dst: sender, target */
			if (!strcmp(optarg, "request"))
				c->s.arp = 1;
			else if (!strcmp(optarg, "reply"))
				c->s.arp = 2;
			else
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int send_frames(int fd, struct cfg *c, const uint8_t dmac[6],
		       const uint8_t smac[6])
{
	uint8_t buf[PKT_MAX];
	uint16_t sport0 = c->s.sport ? c->s.sport : 1000;

	if (!c->s.src || !c->s.dst)
		return usage();
	for (int i = 0; i < c->count; i++) {
		int len;

		c->s.sport = sport0 + i % c->flows;
		if (c->stamp) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			c->s.stamp = ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
			if (c->s.payload < 8)
				c->s.payload = 8;
		}
		len = pkt_build(buf, &c->s, dmac, smac);
		if (send(fd, buf, len, 0) != len) {
			perror("tna-pktio: send");
			return 1;
		}
	}
	return 0;
}

/* One "DMAC [send options]" per line. */
static int send_file(int fd, const char *path, const uint8_t smac[6])
{
	char line[1024], *argv[64], *tok, *save;
	FILE *f = fopen(path, "r");
	uint8_t dmac[6];
	int ret = 0, nr = 0;

	if (!f) {
		perror(path);
		return 1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		struct cfg c;
		int argc;

		nr++;
		argc = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok && argc < 63;
		     tok = strtok_r(NULL, " \t\n", &save))
			argv[argc++] = tok;
		argv[argc] = NULL;
		if (argc == 0)
			continue;
		cfg_init(&c);
		if (parse_mac(argv[0], dmac) || parse(argc, argv, &c)) {
			fprintf(stderr, "tna-pktio: %s:%d: bad line\n", path,
				nr);
			ret = 2;
			break;
		}
		ret = send_frames(fd, &c, dmac, smac);
	}
	fclose(f);
	return ret;
}

static int if_mac(int fd, const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static void norm_id(uint8_t *f, int len)
{
	uint8_t *ip = f + 14;
	int hl = (ip[0] & 15) * 4;
	uint16_t v;

	if (len < 34 || ((f[12] << 8) | f[13]) != 0x0800 || hl < 20 ||
	    len < 14 + hl || pkt_csum(ip, hl, 0) != 0)
		return;
	ip[4] = ip[5] = 0;
	ip[10] = ip[11] = 0;
	v = pkt_csum(ip, hl, 0);
	memcpy(ip + 10, &v, 2);
}

/* The transport checksum a NIC completes a CHECKSUM_PARTIAL frame with. */
static void wire_csum(uint8_t *f, int len)
{
	int et = (f[12] << 8) | f[13], v6 = et == 0x86dd, hl, l4len, proto;
	uint8_t *ip = f + 14, *th;
	uint32_t sum = 0;
	uint16_t v;
	int off;

	if (len < 54 || (et != 0x0800 && !v6))
		return;
	hl = v6 ? 40 : (ip[0] & 15) * 4;
	proto = v6 ? ip[6] : ip[9];
	l4len = v6 ? (ip[4] << 8) | ip[5] : ((ip[2] << 8) | ip[3]) - hl;
	off = proto == 6 ? 16 : 6;
	if ((proto != 6 && proto != 17) || l4len < off + 2 ||
	    14 + hl + l4len > len)
		return;
	th = ip + hl;
	for (int i = v6 ? 8 : 12; i < (v6 ? 40 : 20); i += 2)
		sum += (ip[i] << 8) | ip[i + 1];
	sum += proto + l4len;
	th[off] = th[off + 1] = 0;
	v = pkt_csum(th, l4len, sum);
	if (proto == 17 && !v)
		v = 0xffff;
	memcpy(th + off, &v, 2);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int recv_frames(int fd, const struct cfg *c)
{
	struct timeval tv = { 0, 100000 };
	/* a full window from now (time(NULL) would make it 0-1 s shorter) */
	long long end = mono_ns() + c->seconds * 1000000000LL;
	int size = 8 << 20, n = 0, on = 1;
	uint8_t buf[PKT_MAX];

	/* Bursts of thousands of frames must not overflow the socket. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the kernel's receive time, not the time this loop got to it */
	if (c->timestamps)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	if (c->wire)
		setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on));
	if (c->ready) {
		FILE *f = fopen(c->ready, "w");

		if (f)
			fclose(f);
	}
	while (n < c->max && mono_ns() < end &&
	       !(c->stop && !access(c->stop, F_OK))) {
		struct sockaddr_ll from;
		char ctl[CMSG_SPACE(sizeof(struct timespec)) +
			 CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr *cm;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct timespec ts = { 0, 0 };
		int len = recvmsg(fd, &mh, 0);

		if (len < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    !wanted(buf, len, c->udp_dport, c->tcp_dport, c->icmp_type,
			    c->no_control))
			continue;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				wire_csum(buf, len);
		}
		if (c->norm_id)
			norm_id(buf, len);
		if (c->timestamps) {
			if (!ts.tv_sec)
				clock_gettime(CLOCK_REALTIME, &ts);
			printf("%lld.%09ld ", (long long)ts.tv_sec, ts.tv_nsec);
		}
		for (int i = 0; i < len; i++)
			printf("%02x", buf[i]);
		printf("\n");
		fflush(stdout);
		n++;
	}
	return 0;
}

/* --- real sockets ----------------------------------------------------- */

static int sock_addr(const char *a, int port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* bind_it: a listening/receiving socket on a:port; else connected from sport (0: any). */
static int sock_for(const char *a, int port, int type, int bind_it, int sport)
{
	struct sockaddr_storage ss, src;
	socklen_t len;
	int fd, one = 1;

	if (sock_addr(a, port, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	src = ss; /* the family's any address, port sport */
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&src)->sin_addr.s_addr = INADDR_ANY;
		((struct sockaddr_in *)&src)->sin_port = htons(sport);
	} else {
		((struct sockaddr_in6 *)&src)->sin6_addr = in6addr_any;
		((struct sockaddr_in6 *)&src)->sin6_port = htons(sport);
	}
	if (!bind_it && sport && bind(fd, (void *)&src, len)) {
		close(fd);
		return -1;
	}
	if (bind_it ? bind(fd, (void *)&ss, len) :
		      connect(fd, (void *)&ss, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void timeout_s(int fd, double s)
{
	struct timeval tv = { (time_t)s, (long)((s - (time_t)s) * 1e6) };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_sink(const char *a, int port, double secs)
{
	int fd = sock_for(a, port, SOCK_STREAM, 1, 0), c;
	long long total = 0;
	char buf[65536];
	ssize_t n;

	if (fd < 0 || listen(fd, 4)) {
		perror("tna-pktio: tcp-sink");
		return 1;
	}
	timeout_s(fd, secs);
	c = accept(fd, NULL, NULL);
	if (c >= 0) {
		timeout_s(c, secs);
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += n;
		close(c);
	}
	printf("%lld\n", total);
	close(fd);
	return 0;
}

static int tcp_send(const char *a, int port, long long bytes)
{
	int fd = sock_for(a, port, SOCK_STREAM, 0, 0);
	long long sent = 0;
	char buf[1400];
	ssize_t n;

	if (fd < 0) {
		perror("tna-pktio: tcp-send");
		return 1;
	}
	timeout_s(fd, 10);
	memset(buf, 'x', sizeof(buf));
	while (sent < bytes) {
		size_t want = bytes - sent < (long long)sizeof(buf) ?
				      (size_t)(bytes - sent) :
				      sizeof(buf);

		n = write(fd, buf, want);
		if (n <= 0)
			break;
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0) /* until the peer closes */
		;
	close(fd);
	printf("%lld\n", sent);
	return sent == bytes ? 0 : 1;
}

static int udp_echo(const char *a, int port, double secs)
{
	int fd = sock_for(a, port, SOCK_DGRAM, 1, 0), count = 0;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char buf[2048];
	ssize_t n;

	if (fd < 0) {
		perror("tna-pktio: udp-echo");
		return 1;
	}
	timeout_s(fd, secs);
	while ((n = recvfrom(fd, buf, sizeof(buf), 0, (void *)&peer, &len)) >
	       0) {
		sendto(fd, buf, n, 0, (void *)&peer, len);
		count++;
		len = sizeof(peer);
	}
	printf("%d\n", count);
	close(fd);
	return 0;
}

static int udp_ping(const char *a, int port, int count, int ms, int sport)
{
	int fd = sock_for(a, port, SOCK_DGRAM, 0, sport), replies = 0;
	char buf[64] = "tna";

	if (fd < 0) {
		perror("tna-pktio: udp-ping");
		return 1;
	}
	timeout_s(fd, ms / 1000.0 + 0.2);
	for (int i = 0; i < count; i++) {
		if (send(fd, buf, sizeof(buf), 0) < 0)
			continue;
		if (recv(fd, buf, sizeof(buf), 0) > 0)
			replies++;
		usleep(ms * 1000);
	}
	printf("%d\n", replies);
	close(fd);
	return 0;
}

/* A packet socket on ifname in the namespace /run/netns/ns (or -1). */
static int open_sock_in(const char *ns, const char *ifname)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;
	char path[256];
	struct sockaddr_ll sll;
	int nsfd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (self >= 0 && nsfd >= 0 && !setns(nsfd, CLONE_NEWNET)) {
		fd = open_sock(ifname, &sll);
		if (setns(self, CLONE_NEWNET))
			fd = -1;
	}
	if (nsfd >= 0)
		close(nsfd);
	if (self >= 0)
		close(self);
	return fd;
}

/*
 * One "NETNS IFACE SMAC|- DMAC [send options]" per line: every socket is
 * opened first, then all frames go out in file order with no pause.
 */
#define SEQ_MAX 4096
static int send_seq(const char *path)
{
	static struct {
		int fd;
		uint8_t smac[6], dmac[6];
		struct cfg c;
		char words[1024];
	} seq[SEQ_MAX];
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0, ret = 0;

	if (!f) {
		perror(path);
		return 1;
	}
	while (!ret && n < SEQ_MAX && fgets(line, sizeof(line), f)) {
		char *argv[64], *tok, *save;
		int argc = 0;

		snprintf(seq[n].words, sizeof(seq[n].words), "%s", line);
		for (tok = strtok_r(seq[n].words, " \t\n", &save);
		     tok && argc < 63; tok = strtok_r(NULL, " \t\n", &save))
			argv[argc++] = tok;
		argv[argc] = NULL;
		if (argc == 0)
			continue;
		cfg_init(&seq[n].c);
		if (argc < 4 || parse_mac(argv[3], seq[n].dmac) ||
		    (strcmp(argv[2], "-") && parse_mac(argv[2], seq[n].smac)) ||
		    parse(argc - 3, argv + 3, &seq[n].c)) {
			fprintf(stderr, "tna-pktio: %s:%d: bad line\n", path,
				n + 1);
			ret = 2;
			break;
		}
		seq[n].fd = open_sock_in(argv[0], argv[1]);
		if (seq[n].fd < 0 ||
		    (!strcmp(argv[2], "-") &&
		     if_mac(seq[n].fd, argv[1], seq[n].smac))) {
			fprintf(stderr, "tna-pktio: %s:%d: no %s in %s\n", path,
				n + 1, argv[1], argv[0]);
			ret = 1;
			break;
		}
		n++;
	}
	fclose(f);
	for (int i = 0; i < n && !ret; i++)
		ret = send_frames(seq[i].fd, &seq[i].c, seq[i].dmac,
				  seq[i].smac);
	for (int i = 0; i < n; i++)
		close(seq[i].fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll;
	uint8_t dmac[6], smac[6];
	struct cfg c;
	int fd;

	if (argc < 3)
		return usage();
	if (argc == 5 && !strcmp(argv[1], "tcp-sink"))
		return tcp_sink(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "tcp-send"))
		return tcp_send(argv[2], atoi(argv[3]), atoll(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "udp-echo"))
		return udp_echo(argv[2], atoi(argv[3]), atof(argv[4]));
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "udp-ping"))
		return udp_ping(argv[2], atoi(argv[3]), atoi(argv[4]),
				atoi(argv[5]), argc == 7 ? atoi(argv[6]) : 0);
	if (argc == 3 && !strcmp(argv[1], "send-seq"))
		return send_seq(argv[2]);
	cfg_init(&c);
	if (!strcmp(argv[1], "send")) {
		if (argc < 4 || parse_mac(argv[3], dmac) ||
		    parse(argc - 3, argv + 3, &c))
			return usage();
	} else if (!strcmp(argv[1], "send-file")) {
		if (argc != 4)
			return usage();
	} else if (strcmp(argv[1], "recv") || parse(argc - 2, argv + 2, &c)) {
		return usage();
	}
	fd = open_sock(argv[2], &sll);
	if (!strcmp(argv[1], "recv"))
		return recv_frames(fd, &c);
	if (if_mac(fd, argv[2], smac))
		return 1;
	if (!strcmp(argv[1], "send-file"))
		return send_file(fd, argv[3], smac);
	return send_frames(fd, &c, dmac, smac);
}
