/*
 * fuzz_dns_query.c - libFuzzer target for the list zone's DNS query parser
 * and answer writer (ng_zone_query_parse, ng_zone_respond; lib/zone/wire.c):
 * every byte of a query comes from the network, from anyone.
 *
 * The first input byte picks the transport and the rate limiter's slip
 * (bits 0-1) and the output buffer (bit 2: 512 bytes or the full TCP
 * size); the rest is the packet.  One zone and a small index (IPv4 /32s, a
 * /24, IPv6 /64s and a /48, the RFC 5782 test entries built in) are made
 * once and only read.
 *
 * Oracles beyond the sanitizers: the parser gives the same result twice;
 * an answer fits the buffer and the transport (512 bytes without EDNS,
 * NG_DNSBLD_UDP_MAX with it, over UDP), is a response with the query's ID
 * and, when the query parsed, its question byte for byte; an error answer
 * (FORMERR, NOTIMP) is a bare header, never larger than the query; a query
 * that does not parse never gets a real answer; and an answer to an A or
 * TXT query reads back cleanly with the project's DNS client parser
 * (ng_dns_answer_parse) unless it is truncated.
 */
#include <ndrguard/dns.h>
#include <ndrguard/zone.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ng_zone *zone;
static struct ng_zone_index *ix;

static void init(void)
{
	static const char *const codes[] = {"bounce=127.0.0.2", "autoreply=127.0.0.3",
	                                    "callout=127.0.0.4"};
	static const char *const ns[] = {"ns1.example.net", "ns2.example.net"};
	static const char *const nets[] = {"192.0.2.2",        "192.0.2.3",
	                                   "198.51.100.0/24",  "2001:db8:1:2::/64",
	                                   "2001:db8:aa::/48", "10.0.0.1"};
	struct ng_zone_settings s = {
	    "bl.test", codes, 3, "Listed: $ see http://bl.test/?$", ns, 2, "hostmaster@example.net",
	    300,       60};
	char err[256];
	zone = ng_zone_new(&s, err, sizeof(err));
	struct ng_zone_builder *b = ng_zone_builder_new();
	if (zone == NULL || b == NULL)
		abort();
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct ng_zone_net n;
		if (ng_zone_net_parse(nets[i], &n) != 0 ||
		    ng_zone_builder_add(b, &n, 1u + i % 7) != 0)
			abort();
	}
	ix = ng_zone_builder_finish(b, 1);
	if (ix == NULL)
		abort();
}

/* The query's name in presentation form (for the client parser); false
 * when it holds a dot or a byte the comparison could not survive. */
static bool qname_text(const struct ng_zone_query *q, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; q->qname[i] != 0; i += 1u + q->qname[i]) {
		if (o + q->qname[i] + 2 > cap)
			return false;
		if (o > 0)
			out[o++] = '.';
		for (size_t k = 1; k <= q->qname[i]; k++) {
			uint8_t c = q->qname[i + k];
			if (c == '.' || c <= 0x20 || c >= 0x7f)
				return false;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o > 0;
}

static void check(const uint8_t *pkt, size_t len, unsigned flags, size_t cap)
{
	static uint8_t out[NG_DNSBLD_TCP_ANSWER_MAX];
	struct ng_zone_query q, q2;
	enum ng_zone_parse p = ng_zone_query_parse(pkt, len, &q);
	if (ng_zone_query_parse(pkt, len, &q2) != p || q.qname_len != q2.qname_len ||
	    memcmp(q.qname, q2.qname, q.qname_len) != 0 || q.question_end != q2.question_end)
		abort();
	if (p != NG_ZONE_Q_OK && q.error == NULL)
		abort();
	struct ng_zone_reply r;
	size_t n = ng_zone_respond(zone, ix, pkt, len, flags, out, cap, &r);
	if (n > cap)
		abort();
	if (n == 0) {
		if (r.kind != NG_ZONE_DROPPED || p == NG_ZONE_Q_FORMERR || p == NG_ZONE_Q_NOTIMP)
			abort();
		return;
	}
	if (n < 12 || out[0] != pkt[0] || out[1] != pkt[1] || !(out[2] & 0x80))
		abort();
	if (p != NG_ZONE_Q_OK) {
		if (n != 12 || n > len || (r.kind != NG_ZONE_FORMERR && r.kind != NG_ZONE_NOTIMP))
			abort();
		return;
	}
	if (!(flags & NG_ZONE_TCP) && n > (q.edns ? NG_DNSBLD_UDP_MAX : 512))
		abort();
	if (memcmp(out + 12, pkt + 12, q.question_end - 12) != 0)
		abort();
	if (r.kind == NG_ZONE_DROPPED || r.kind == NG_ZONE_FORMERR || r.kind == NG_ZONE_NOTIMP)
		abort();
	if (r.edns != q.edns)
		abort();
	char name[NG_ZONE_NAME_MAX * 4];
	if ((q.qtype == 1 || q.qtype == 16) && !r.truncated &&
	    (r.kind == NG_ZONE_LISTED || r.kind == NG_ZONE_NODATA || r.kind == NG_ZONE_NXDOMAIN) &&
	    qname_text(&q, name, sizeof(name))) {
		struct ng_dns_answer a;
		ng_dns_answer_parse(out, n, name, q.qtype == 1 ? NG_DNS_A : NG_DNS_TXT, &a);
		enum ng_dns_rcode want = r.kind == NG_ZONE_LISTED   ? NG_DNS_OK
		                         : r.kind == NG_ZONE_NODATA ? NG_DNS_NODATA
		                                                    : NG_DNS_NXDOMAIN;
		if (a.rcode != want)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (zone == NULL)
		init();
	if (size < 1)
		return 0;
	unsigned flags = data[0] & (NG_ZONE_TCP | NG_ZONE_SLIP);
	size_t cap = data[0] & 4 ? NG_DNSBLD_TCP_ANSWER_MAX : 512;
	/* a copy of exactly the packet's size, so that ASan sees any overread */
	uint8_t *pkt = malloc(size - 1 ? size - 1 : 1);
	if (pkt == NULL)
		return 0;
	memcpy(pkt, data + 1, size - 1);
	check(pkt, size - 1, flags, cap);
	/* the other transport, the same packet */
	check(pkt, size - 1, flags ^ NG_ZONE_TCP, NG_DNSBLD_TCP_ANSWER_MAX);
	free(pkt);
	return 0;
}
