/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * This file contains the test packet builder shared by the fast-path table
 * tests and the namespace packet tool: Ethernet + IPv4/IPv6 + UDP/TCP/ICMP
 * with every field a test may want wrong, and the reference forwarding
 * rewrite (what Linux's ip_forward() produces), computed from scratch.
 */
#ifndef TNA_TEST_PKT_H
#define TNA_TEST_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 2048

struct pkt_spec {
	int v6;
	const char *src, *dst;
	uint8_t ttl; /* 0: 64 */
	uint8_t proto; /* 0: UDP */
	uint16_t sport, dport; /* 0: 1000, 9 */
	int payload; /* L4 payload bytes */
	int pad; /* bytes past the IP length (Ethernet padding) */
	int truncate; /* bytes cut from the end after building */
	int ihl; /* 0: 5; 6 adds a NOP option word */
	uint16_t frag_off; /* host order, flags included */
	int bad_csum;
	uint16_t ethertype; /* 0: by family */
	uint8_t icmp_type;
	uint8_t nexthdr; /* IPv6: override the next header */
	int hbh; /* IPv6: next header 0 (hop-by-hop) */
	uint8_t tos;
	int l3_len; /* >0: only this many bytes of L3 header (truncated frame) */
	/* TCP/UDP checksum: 0 right; 1 left to offload (the pseudo-header
	 * sum, as a local stack's CHECKSUM_PARTIAL); 2 zero (UDP: none);
	 * 3 wrong by one bit (corrupted on the way) */
	int l4_csum;
	/* TCP/UDP: the first two payload bytes chosen so that the complete
	 * checksum sums to 0 (UDP writes it as 0xffff) */
	int csum_zero;
	/* 1 ARP request, 2 ARP reply: src/dst are the sender's and target's
	 * IPv4 addresses, smac the sender's MAC (a reply targets dmac) */
	int arp;
	/* nonzero: the first 8 payload bytes carry it, big-endian (a send
	 * time, for tests that judge a frame by when it was sent) */
	uint64_t stamp;
};

static inline uint16_t pkt_csum(const void *p, int len, uint32_t sum)
{
	const uint8_t *b = p;

	for (int i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* Builds the frame into buf; returns its length. */
static inline int pkt_build(uint8_t *buf, const struct pkt_spec *s,
			    const uint8_t dmac[6], const uint8_t smac[6])
{
	uint8_t proto = s->proto ? s->proto : 17;
	int ihl = s->ihl ? s->ihl : 5, l3 = s->v6 ? 40 : ihl * 4;
	int l4 = proto == 6 ? 20 : proto == 17 ? 8 : 8;
	int ip_len = l3 + l4 + s->payload, len;
	uint8_t *ip = buf + 14, *th = ip + l3;
	uint16_t v;

	if (s->arp) {
		uint8_t *a = buf + 14;

		memset(buf, 0, 42 + s->pad);
		memcpy(buf, dmac, 6);
		memcpy(buf + 6, smac, 6);
		buf[12] = 0x08;
		buf[13] = 0x06;
		a[1] = 1; /* Ethernet */
		a[2] = 0x08; /* IPv4 */
		a[4] = 6;
		a[5] = 4;
		a[7] = (uint8_t)s->arp;
		memcpy(a + 8, smac, 6);
		inet_pton(AF_INET, s->src, a + 14);
		if (s->arp == 2)
			memcpy(a + 18, dmac, 6);
		inet_pton(AF_INET, s->dst, a + 24);
		return 42 + s->pad;
	}
	memset(buf, 0, 14 + ip_len + s->pad);
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	v = htons(s->ethertype ? s->ethertype : s->v6 ? 0x86dd : 0x0800);
	memcpy(buf + 12, &v, 2);
	for (int i = 0; i < s->payload; i++)
		th[l4 + i] = (uint8_t)(i * 7 + 3);
	for (int i = 0; s->stamp && i < 8 && i < s->payload; i++)
		th[l4 + i] = (uint8_t)(s->stamp >> (56 - 8 * i));
	if (proto == 17) {
		v = htons(s->sport ? s->sport : 1000);
		memcpy(th, &v, 2);
		v = htons(s->dport ? s->dport : 9);
		memcpy(th + 2, &v, 2);
		v = htons(l4 + s->payload);
		memcpy(th + 4, &v, 2);
	} else if (proto == 6) {
		v = htons(s->sport ? s->sport : 1000);
		memcpy(th, &v, 2);
		v = htons(s->dport ? s->dport : 80);
		memcpy(th + 2, &v, 2);
		th[12] = 5 << 4;
		th[13] = 0x10; /* ACK */
		th[15] = 0xff;
	} else {
		th[0] = s->icmp_type ? s->icmp_type : (s->v6 ? 128 : 8);
	}
	if (s->v6) {
		ip[0] = 0x60 | (s->tos >> 4);
		ip[1] = (uint8_t)(s->tos << 4);
		v = htons(l4 + s->payload);
		memcpy(ip + 4, &v, 2);
		ip[6] = s->hbh ? 0 : s->nexthdr ? s->nexthdr : proto;
		ip[7] = s->ttl ? s->ttl : 64;
		inet_pton(AF_INET6, s->src, ip + 8);
		inet_pton(AF_INET6, s->dst, ip + 24);
		if (proto == 58) /* ICMPv6 checksum over the pseudo-header */ {
			uint32_t sum = 0;
			uint8_t ph[40] = { 0 };

			memcpy(ph, ip + 8, 32);
			ph[35] = (uint8_t)(l4 + s->payload);
			ph[39] = 58;
			for (int i = 0; i < 40; i += 2)
				sum += (ph[i] << 8) | ph[i + 1];
			v = pkt_csum(th, l4 + s->payload, sum);
			memcpy(th + 2, &v, 2);
		}
	} else {
		ip[0] = 0x40 | ihl;
		ip[1] = s->tos;
		v = htons(ip_len);
		memcpy(ip + 2, &v, 2);
		v = htons(s->frag_off);
		memcpy(ip + 6, &v, 2);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = proto;
		inet_pton(AF_INET, s->src, ip + 12);
		inet_pton(AF_INET, s->dst, ip + 16);
		for (int i = 20; i < l3; i++)
			ip[i] = 1; /* NOP options */
		v = pkt_csum(ip, l3, 0);
		if (s->bad_csum)
			v ^= 0x5a5a;
		memcpy(ip + 10, &v, 2);
		if (proto == 1) {
			v = pkt_csum(th, l4 + s->payload, 0);
			memcpy(th + 2, &v, 2);
		}
	}
	if (proto == 6 || proto == 17) {
		uint32_t sum = 0;
		uint8_t *a = ip + (s->v6 ? 8 : 12);
		int alen = s->v6 ? 32 : 8, off = proto == 6 ? 16 : 6;

		for (int i = 0; i < alen; i += 2)
			sum += (a[i] << 8) | a[i + 1];
		sum += proto + l4 + s->payload;
		if (s->csum_zero && s->payload >= 2) {
			th[l4] = th[l4 + 1] = 0;
			memset(th + off, 0, 2);
			v = pkt_csum(th, l4 + s->payload, sum); /* ~fold */
			memcpy(th + l4, &v,
			       2); /* now the sum folds to 0xffff */
		}
		if (s->l4_csum == 1) {
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			v = htons((uint16_t)sum);
		} else {
			v = s->l4_csum == 2 ?
				    0 :
				    pkt_csum(th, l4 + s->payload, sum);
			if (proto == 17 && s->l4_csum != 2 && !v)
				v = 0xffff;
			if (s->l4_csum == 3)
				v ^= htons(0x0100);
		}
		memcpy(th + off, &v, 2);
	}
	len = 14 + ip_len + s->pad - s->truncate;
	if (s->l3_len)
		len = 14 + s->l3_len;
	return len;
}

/*
 * What Linux forwards for a valid frame: trimmed to the IP length, TTL or
 * hop limit minus one, header checksum recomputed, new MACs.
 */
static inline int pkt_forwarded(uint8_t *out, const uint8_t *in, int len,
				const uint8_t dmac[6], const uint8_t smac[6])
{
	uint8_t *ip = out + 14;
	uint16_t v;
	int n;

	memcpy(out, in, len);
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	if ((ip[0] >> 4) == 6) {
		n = 14 + 40 + ((ip[4] << 8) | ip[5]);
		ip[7]--;
		return n;
	}
	n = 14 + ((ip[2] << 8) | ip[3]);
	ip[8]--;
	ip[10] = ip[11] = 0;
	v = pkt_csum(ip, (ip[0] & 15) * 4, 0);
	memcpy(ip + 10, &v, 2);
	return n;
}

/* What a Linux bridge forwards: the frame as is, or trimmed to the IP length (br_netfilter). */
static inline int pkt_bridged(uint8_t *out, const uint8_t *in, int len,
			      int trim)
{
	const uint8_t *ip = in + 14;

	memcpy(out, in, len);
	if (!trim)
		return len;
	if ((ip[0] >> 4) == 6)
		return 14 + 40 + ((ip[4] << 8) | ip[5]);
	return 14 + ((ip[2] << 8) | ip[3]);
}

#endif /* TNA_TEST_PKT_H */
