// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test packet tool for the namespace tests: sends frames built by
 * tests/unit/pkt.h through AF_PACKET, and captures received frames as one
 * hex line each, optionally filtered.
 *   tna-pktio send IFACE DMAC [--v6] --src A --dst B [--ttl N] [--proto udp|tcp|icmp]
 *             [--sport N] [--dport N] [--payload N] [--pad N] [--icmp-type N]
 *             [--count N] [--flows N]
 *   tna-pktio recv IFACE --seconds S [--max N] [--ready FILE] [--udp-dport N] [--tcp-dport N] [--icmp-type N]
 */
#include <arpa/inet.h>
#include <errno.h>
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
		"                 [--sport N] [--dport N] [--payload N] [--pad N] [--icmp-type N] [--count N] [--flows N] [--df]\n"
		"       tna-pktio recv IFACE --seconds S [--max N] [--ready FILE] [--udp-dport N] [--tcp-dport N] [--icmp-type N]\n");
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
	O_ICMP,
	O_COUNT,
	O_FLOWS,
	O_SECONDS,
	O_MAX,
	O_READY,
	O_UDP_DPORT,
	O_TCP_DPORT,
	O_DF
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
	{ "icmp-type", required_argument, NULL, O_ICMP },
	{ "count", required_argument, NULL, O_COUNT },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "seconds", required_argument, NULL, O_SECONDS },
	{ "max", required_argument, NULL, O_MAX },
	{ "ready", required_argument, NULL, O_READY },
	{ "udp-dport", required_argument, NULL, O_UDP_DPORT },
	{ "tcp-dport", required_argument, NULL, O_TCP_DPORT },
	{ "df", no_argument, NULL, O_DF },
	{ NULL, 0, NULL, 0 },
};

/* Frame matches the recv filters (-1: not filtering on it)? */
static int wanted(const uint8_t *f, int len, int udp_dport, int tcp_dport,
		  int icmp_type)
{
	uint16_t et;
	int l4, proto;

	if (udp_dport < 0 && tcp_dport < 0 && icmp_type < 0)
		return 1;
	if (len < 14)
		return 0;
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

int main(int argc, char **argv)
{
	struct pkt_spec s = { 0 };
	int count = 1, flows = 1, seconds = 2, max = 1 << 30;
	int udp_dport = -1, tcp_dport = -1, icmp_type = -1, opt;
	const char *ready = NULL;
	struct sockaddr_ll sll;
	uint8_t dmac[6], smac[6], buf[PKT_MAX];
	int send_mode, fd, n = 0;

	if (argc < 3)
		return usage();
	send_mode = !strcmp(argv[1], "send");
	if (!send_mode && strcmp(argv[1], "recv"))
		return usage();
	optind = send_mode ? 4 : 3;
	if (send_mode && (argc < 4 || parse_mac(argv[3], dmac)))
		return usage();
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_V6:
			s.v6 = 1;
			break;
		case O_SRC:
			s.src = optarg;
			break;
		case O_DST:
			s.dst = optarg;
			break;
		case O_TTL:
			s.ttl = atoi(optarg);
			break;
		case O_PROTO:
			s.proto = !strcmp(optarg, "tcp")  ? 6 :
				  !strcmp(optarg, "icmp") ? (s.v6 ? 58 : 1) :
							    17;
			break;
		case O_SPORT:
			s.sport = atoi(optarg);
			break;
		case O_DPORT:
			s.dport = atoi(optarg);
			break;
		case O_PAYLOAD:
			s.payload = atoi(optarg);
			break;
		case O_PAD:
			s.pad = atoi(optarg);
			break;
		case O_ICMP:
			s.icmp_type = icmp_type = atoi(optarg);
			break;
		case O_COUNT:
			count = atoi(optarg);
			break;
		case O_FLOWS:
			flows = atoi(optarg);
			break;
		case O_SECONDS:
			seconds = atoi(optarg);
			break;
		case O_MAX:
			max = atoi(optarg);
			break;
		case O_READY:
			ready = optarg;
			break;
		case O_UDP_DPORT:
			udp_dport = atoi(optarg);
			break;
		case O_TCP_DPORT:
			tcp_dport = atoi(optarg);
			break;
		case O_DF:
			s.frag_off = 0x4000;
			break;
		default:
			return usage();
		}
	}
	fd = open_sock(argv[2], &sll);
	if (send_mode) {
		struct ifreq ifr = { 0 };
		uint16_t sport0;

		if (!s.src || !s.dst)
			return usage();
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr))
			return 1;
		memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
		sport0 = s.sport ? s.sport : 1000;
		for (int i = 0; i < count; i++) {
			int len;

			s.sport = sport0 + i % flows;
			len = pkt_build(buf, &s, dmac, smac);
			if (send(fd, buf, len, 0) != len) {
				perror("tna-pktio: send");
				return 1;
			}
		}
		return 0;
	}
	{
		struct timeval tv = { 0, 100000 };
		time_t end = time(NULL) + seconds;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (ready) {
			FILE *f = fopen(ready, "w");

			if (f)
				fclose(f);
		}
		while (n < max && time(NULL) < end) {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			int len = recvfrom(fd, buf, sizeof(buf), 0,
					   (struct sockaddr *)&from, &fl);

			if (len < 0)
				continue;
			if (from.sll_pkttype == PACKET_OUTGOING ||
			    !wanted(buf, len, udp_dport, tcp_dport, icmp_type))
				continue;
			for (int i = 0; i < len; i++)
				printf("%02x", buf[i]);
			printf("\n");
			fflush(stdout);
			n++;
		}
	}
	return 0;
}
