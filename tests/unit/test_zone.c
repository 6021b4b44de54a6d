/*
 * test_zone.c - unit tests of the list zone (include/ndrguard/zone.h): the
 * index builder and lookups, the zone's settings, the query parser and the
 * answer writer, and the response rate limiter.
 *
 * The answers are one table of named cases: a query (a name in any case, a
 * type, a class, header bits, EDNS) or raw bytes, against one of a few
 * zones, and the answer summed up as
 *
 *   RCODE[ aa][ tc] an=REC,REC ns=REC ar=REC
 *
 * with "-" for an empty section (nothing at all when no answer goes back).
 * Every answer to an A or TXT query is also read back with the project's
 * own DNS client parser (ng_dns_answer_parse), which must agree; every
 * answer echoes the ID and the question byte for byte.  The index has its
 * own table plus a differential test against a brute-force list, and a
 * memory test at a million addresses that prints the bytes per entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include <ndrguard/config.h>
#include <ndrguard/dns.h>
#include <ndrguard/zone.h>

#include "util/buf.h"
#include "util/limits.h"

#define B (1u << NG_ZONE_CAT_BOUNCE)
#define R (1u << NG_ZONE_CAT_AUTOREPLY)
#define C (1u << NG_ZONE_CAT_CALLOUT)

/* ----- fixtures: zones and an index ----- */

static const char *const codes3[] = {"bounce=127.0.0.2", "autoreply=127.0.0.3",
                                     "callout=127.0.0.4"};
static const char *const codes_bounce[] = {"bounce=127.0.0.2"};
static const char *const codes_same[] = {"bounce=127.0.0.2", "autoreply=127.0.0.2",
                                         "callout=127.0.0.4"};
static const char *const ns2[] = {"ns1.example.net", "ns2.example.net"};

enum { Z_MAIN, Z_LONGTXT, Z_BOUNCE, Z_SAME, Z_NOTXT, Z_COUNT };

static struct ng_zone *zones[Z_COUNT];
static struct ng_zone_index *ix;

static struct ng_zone *make_zone(const char *const *codes, size_t ncodes, const char *tmpl)
{
	struct ng_zone_settings s = {
	    .zone = "BL.test.",
	    .codes = codes,
	    .ncodes = ncodes,
	    .txt_template = tmpl,
	    .ns = ns2,
	    .nns = 2,
	    .hostmaster = "host.master@example.net",
	    .ttl = 300,
	    .negative_ttl = 60,
	};
	char err[256] = "";
	struct ng_zone *z = ng_zone_new(&s, err, sizeof(err));
	if (z == NULL)
		fail_msg("ng_zone_new: %s", err);
	return z;
}

static void add(struct ng_zone_builder *b, const char *net, unsigned cats)
{
	struct ng_zone_net n;
	if (ng_zone_net_parse(net, &n) != 0)
		fail_msg("bad fixture network %s", net);
	assert_int_equal(ng_zone_builder_add(b, &n, cats), 0);
}

static int setup(void **state)
{
	(void)state;
	static char longtxt[801];
	memset(longtxt, 'x', 800);
	longtxt[0] = '$';
	zones[Z_MAIN] = make_zone(codes3, 3, "Backscatter from $; see http://bl.test/?ip=$");
	zones[Z_LONGTXT] = make_zone(codes3, 3, longtxt);
	zones[Z_BOUNCE] = make_zone(codes_bounce, 1, "$");
	zones[Z_SAME] = make_zone(codes_same, 3, "$");
	zones[Z_NOTXT] = make_zone(codes3, 3, "");
	struct ng_zone_builder *b = ng_zone_builder_new();
	assert_non_null(b);
	add(b, "192.0.2.2", B);
	add(b, "192.0.2.3", B | R | C);
	add(b, "192.0.2.4", R);
	add(b, "192.0.2.4", C); /* merged with the line above */
	add(b, "198.51.100.0/24", C);
	add(b, "198.51.100.7", B); /* exact and range OR-ed */
	add(b, "127.0.0.0/8", B);  /* never lists the 127.0.0.1 test entry */
	add(b, "2001:db8:1:2::/64", B);
	add(b, "2001:db8:aa00::/40", R);
	add(b, "::ffff:203.0.113.9", B); /* an IPv4-mapped entry is IPv4 */
	ix = ng_zone_builder_finish(b, 2026010101u);
	assert_non_null(ix);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < Z_COUNT; i++)
		ng_zone_free(zones[i]);
	ng_zone_index_free(ix);
	return 0;
}

/* ----- building queries ----- */

struct q {
	const char *name; /* presentation; NULL: raw */
	uint16_t type, cls;
	uint16_t flags; /* header bits besides the ID */
	int edns;       /* 0 none, else the payload size */
	uint8_t edns_version;
	bool edns_do;
	const char *opt_data; /* hex of the OPT's RDATA, or NULL */
};

static size_t put_name(uint8_t *p, const char *name)
{
	size_t n = 0, start = 0, len = strlen(name);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i > start) {
			p[n++] = (uint8_t)(i - start);
			memcpy(p + n, name + start, i - start);
			n += i - start;
		}
		start = i + 1;
	}
	p[n++] = 0;
	return n;
}

static size_t hex_bytes(const char *hex, uint8_t *out)
{
	size_t n = 0;
	const char *h = hex;
	for (;;) {
		while (*h == ' ')
			h++;
		if (h[0] == '\0' || h[1] == '\0')
			break;
		char two[3] = {h[0], h[1], 0};
		out[n++] = (uint8_t)strtoul(two, NULL, 16);
		h += 2;
	}
	return n;
}

static size_t build_query(const struct q *q, uint8_t *p)
{
	size_t n = 0;
	p[n++] = 0xbe;
	p[n++] = 0xef;
	p[n++] = (uint8_t)(q->flags >> 8);
	p[n++] = (uint8_t)q->flags;
	uint8_t counts[8] = {0, 1, 0, 0, 0, 0, 0, q->edns ? 1 : 0};
	memcpy(p + n, counts, 8);
	n += 8;
	n += put_name(p + n, q->name);
	p[n++] = (uint8_t)(q->type >> 8);
	p[n++] = (uint8_t)q->type;
	p[n++] = (uint8_t)(q->cls >> 8);
	p[n++] = (uint8_t)q->cls;
	if (q->edns) {
		uint8_t opt_data[64];
		size_t dl = q->opt_data ? hex_bytes(q->opt_data, opt_data) : 0;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 41;
		p[n++] = (uint8_t)(q->edns >> 8);
		p[n++] = (uint8_t)q->edns;
		p[n++] = 0;
		p[n++] = q->edns_version;
		p[n++] = q->edns_do ? 0x80 : 0;
		p[n++] = 0;
		p[n++] = (uint8_t)(dl >> 8);
		p[n++] = (uint8_t)dl;
		memcpy(p + n, opt_data, dl);
		n += dl;
	}
	return n;
}

/* ----- summing up answers ----- */

/* A name at off (pointers followed, at most 20) in presentation form;
 * the offset after it in the record, or 0 when broken. */
static size_t get_name(const uint8_t *m, size_t len, size_t off, char *out, size_t cap)
{
	size_t o = 0, end = 0;
	int jumps = 0;
	out[0] = '\0';
	while (off < len) {
		uint8_t l = m[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++jumps > 20)
				return 0;
			if (end == 0)
				end = off + 2;
			off = (size_t)(l & 0x3f) << 8 | m[off + 1];
			continue;
		}
		if (l == 0) {
			if (o == 0 && cap > 1)
				out[o++] = '.';
			out[o] = '\0';
			return end ? end : off + 1;
		}
		if (off + 1 + l > len || o + l + 2 >= cap)
			return 0;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, m + off + 1, l);
		o += l;
		off += 1u + l;
	}
	return 0;
}

static unsigned u16at(const uint8_t *m, size_t o)
{
	return (unsigned)m[o] << 8 | m[o + 1];
}

static unsigned long u32at(const uint8_t *m, size_t o)
{
	return (unsigned long)u16at(m, o) << 16 | u16at(m, o + 2);
}

static const char *rcode_name(unsigned rc)
{
	static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                    "NXDOMAIN", "NOTIMP",  "REFUSED"};
	if (rc == 16)
		return "BADVERS";
	return rc < 6 ? names[rc] : "RCODE?";
}

/* One record into s; the offset after it, or 0. */
static size_t summarize_rr(const uint8_t *m, size_t len, size_t off, ng_buf *s, unsigned *ext)
{
	char owner[300], name[300];
	off = get_name(m, len, off, owner, sizeof(owner));
	if (off == 0 || off + 10 > len)
		return 0;
	unsigned type = u16at(m, off), cls = u16at(m, off + 2);
	unsigned long ttl = u32at(m, off + 4);
	unsigned rdlen = u16at(m, off + 8);
	size_t rd = off + 10;
	if (rd + rdlen > len)
		return 0;
	switch (type) {
	case 1:
		ng_buf_printf(s, "A %u.%u.%u.%u", m[rd], m[rd + 1], m[rd + 2], m[rd + 3]);
		break;
	case 16: {
		ng_buf_puts(s, "TXT ");
		for (size_t o = rd; o < rd + rdlen;) {
			unsigned l = m[o];
			if (o > rd)
				ng_buf_puts(s, "|");
			ng_buf_append(s, m + o + 1, l);
			o += 1u + l;
		}
		break;
	}
	case 2:
		get_name(m, len, rd, name, sizeof(name));
		ng_buf_printf(s, "NS %s", name);
		break;
	case 6: {
		size_t o = get_name(m, len, rd, name, sizeof(name));
		char rname[300];
		o = get_name(m, len, o, rname, sizeof(rname));
		ng_buf_printf(s, "SOA %s %s %s %lu %lu", owner, name, rname, u32at(m, o),
		              u32at(m, o + 16));
		break;
	}
	case 41:
		*ext = (unsigned)(ttl >> 24);
		ng_buf_printf(s, "OPT %u%s v%lu", cls, (ttl & 0x8000u) ? " do" : "",
		              (ttl >> 16) & 0xffu);
		return rd + rdlen;
	default:
		ng_buf_printf(s, "TYPE%u", type);
	}
	if (type != 41 && ttl != 300 && ttl != 60)
		ng_buf_printf(s, " ttl=%lu", ttl);
	return rd + rdlen;
}

static void summarize(const uint8_t *m, size_t len, ng_buf *s)
{
	if (len == 0)
		return;
	if (len < 12) {
		ng_buf_puts(s, "SHORT");
		return;
	}
	unsigned flags = u16at(m, 2);
	unsigned counts[4] = {u16at(m, 4), u16at(m, 6), u16at(m, 8), u16at(m, 10)};
	size_t off = 12;
	if (counts[0] == 1) {
		char q[300];
		off = get_name(m, len, off, q, sizeof(q));
		off = off ? off + 4 : 0;
	}
	ng_buf s2;
	ng_buf_init(&s2, 8192);
	unsigned ext = 0;
	static const char *const secs[] = {" an=", " ns=", " ar="};
	for (int sec = 1; sec < 4; sec++) {
		ng_buf_puts(&s2, secs[sec - 1]);
		if (counts[sec] == 0)
			ng_buf_puts(&s2, "-");
		for (unsigned i = 0; i < counts[sec] && off != 0; i++) {
			if (i > 0)
				ng_buf_puts(&s2, ",");
			off = summarize_rr(m, len, off, &s2, &ext);
		}
	}
	if (off != len)
		ng_buf_puts(&s2, " BROKEN");
	ng_buf_puts(s, rcode_name((flags & 0xf) | ext << 4));
	if (flags & 0x0400)
		ng_buf_puts(s, " aa");
	if (flags & 0x0200)
		ng_buf_puts(s, " tc");
	if (flags & 0x0100)
		ng_buf_puts(s, " rd");
	if (flags & 0x0010)
		ng_buf_puts(s, " cd");
	if (!(flags & 0x8000))
		ng_buf_puts(s, " NOT-A-RESPONSE");
	ng_buf_puts(s, s2.data ? s2.data : "");
	ng_buf_free(&s2);
}

/* ----- the answers ----- */

#define V6NAME(n) n ".bl.test"
/* 2001:db8:1:2::1 */
#define V6_LISTED "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"
/* 2001:db8:aa12::5 inside 2001:db8:aa00::/40 */
#define V6_RANGE    "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.a.a.8.b.d.0.1.0.0.2"
#define V6_UNLISTED "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"
#define V6_TEST2    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
#define V6_TEST1    "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
#define SOA         "SOA bl.test ns1.example.net host.master.example.net 2026010101 60"

struct answer_case {
	const char *name;
	int zone;
	struct q q;
	const char *raw; /* hex of a raw packet instead of q */
	unsigned flags;  /* NG_ZONE_TCP, NG_ZONE_SLIP */
	size_t outcap;   /* 0: 4096 */
	const char *want;
};

#define A_  1
#define NS_ 2
#define TXT 16
#define IN  1

/* A query of name and type, class IN, over UDP into a 4096-byte buffer;
 * any query with transport flags and a buffer size (0: 4096); a raw packet
 * in hex to the main zone. */
/* clang-format off */
#define ANS(label, zone, qname, qtype, want) \
	{label, zone, {.name = qname, .type = qtype, .cls = IN}, NULL, 0, 0, want}
#define ANSQ(label, zone, q, flags, cap, want) {label, zone, UNPAREN q, NULL, flags, cap, want}
#define UNPAREN(...) __VA_ARGS__
#define RAW(label, hex, want) {label, Z_MAIN, {.name = NULL}, hex, 0, 0, want}
/* clang-format on */

static const struct answer_case answers[] = {
    /* listed addresses */
    ANS("A listed bounce", Z_MAIN, "2.2.0.192.bl.test", A_, "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("A listed in three categories: one A each", Z_MAIN, "3.2.0.192.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.3,A 127.0.0.4 ns=- ar=-"),
    ANS("A duplicates merged", Z_MAIN, "4.2.0.192.bl.test", A_,
        "NOERROR aa an=A 127.0.0.3,A 127.0.0.4 ns=- ar=-"),
    ANS("A listed by a /24", Z_MAIN, "200.100.51.198.bl.test", A_,
        "NOERROR aa an=A 127.0.0.4 ns=- ar=-"),
    ANS("A exact entry inside a /24: OR-ed", Z_MAIN, "7.100.51.198.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.4 ns=- ar=-"),
    ANS("TXT listed: $ is the address", Z_MAIN, "2.2.0.192.bl.test", TXT,
        "NOERROR aa an=TXT Backscatter from 192.0.2.2; see http://bl.test/?ip=192.0.2.2 ns=- ar=-"),
    ANS("TXT with no template: NODATA", Z_NOTXT, "2.2.0.192.bl.test", TXT,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("AAAA on a listed name: NODATA", Z_MAIN, "2.2.0.192.bl.test", 28,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("ANY on a listed name: NODATA, never an amplifier", Z_MAIN, "3.2.0.192.bl.test", 255,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("MX on a listed name: NODATA", Z_MAIN, "3.2.0.192.bl.test", 15,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("IPv4-mapped entry answers as IPv4", Z_MAIN, "9.113.0.203.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("codes shared by two categories: one A", Z_SAME, "3.2.0.192.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.4 ns=- ar=-"),
    ANS("unpublished category only: NXDOMAIN", Z_BOUNCE, "4.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("published part only", Z_BOUNCE, "3.2.0.192.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    /* not listed, and the names in between */
    ANS("A not listed: NXDOMAIN with SOA", Z_MAIN, "9.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("empty non-terminal, 3 labels", Z_MAIN, "2.0.192.bl.test", A_,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("empty non-terminal, 1 label", Z_MAIN, "198.bl.test", TXT,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("empty non-terminal inside a /24", Z_MAIN, "100.51.198.bl.test", A_,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("prefix of nothing: NXDOMAIN", Z_MAIN, "3.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("below a listed name: NXDOMAIN", Z_MAIN, "x.2.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("five octets: NXDOMAIN", Z_MAIN, "1.2.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("leading zero octet: NXDOMAIN", Z_MAIN, "02.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("octet 256: NXDOMAIN", Z_MAIN, "256.2.0.192.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("label of letters: NXDOMAIN", Z_MAIN, "www.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    /* case */
    ANS("mixed-case name", Z_MAIN, "2.2.0.192.Bl.TeST", A_, "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("mixed-case NXDOMAIN: SOA owner points into the question", Z_MAIN, "9.2.0.192.bL.tEst", A_,
        "NXDOMAIN aa an=- ns=SOA bL.tEst ns1.example.net host.master.example.net 2026010101 60 "
        "ar=-"),
    /* the apex */
    ANS("apex SOA", Z_MAIN, "bl.test", 6,
        "NOERROR aa an=SOA bl.test ns1.example.net host.master.example.net 2026010101 60 ns=- "
        "ar=-"),
    ANS("apex NS", Z_MAIN, "BL.test", NS_,
        "NOERROR aa an=NS ns1.example.net,NS ns2.example.net ns=- ar=-"),
    ANS("apex A: NODATA", Z_MAIN, "bl.test", A_, "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("apex ANY: NODATA", Z_MAIN, "bl.test", 255, "NOERROR aa an=- ns=" SOA " ar=-"),
    /* other zones, classes, types */
    ANS("other zone: REFUSED", Z_MAIN, "2.2.0.192.other.test", A_, "REFUSED an=- ns=- ar=-"),
    ANS("the parent: REFUSED", Z_MAIN, "test", NS_, "REFUSED an=- ns=- ar=-"),
    ANS("the root: REFUSED", Z_MAIN, "", NS_, "REFUSED an=- ns=- ar=-"),
    ANS("suffix off a label boundary: REFUSED", Z_MAIN, "2.2.0.192.xbl.test", A_,
        "REFUSED an=- ns=- ar=-"),
    ANSQ("class CH: REFUSED", Z_MAIN, ({.name = "2.2.0.192.bl.test", .type = A_, .cls = 3}), 0, 0,
         "REFUSED an=- ns=- ar=-"),
    ANSQ("class ANY: answered", Z_MAIN, ({.name = "2.2.0.192.bl.test", .type = A_, .cls = 255}), 0,
         0, "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANSQ("AXFR: REFUSED", Z_MAIN, ({.name = "bl.test", .type = 252, .cls = IN}), NG_ZONE_TCP, 0,
         "REFUSED an=- ns=- ar=-"),
    ANS("IXFR: REFUSED", Z_MAIN, "bl.test", 251, "REFUSED an=- ns=- ar=-"),
    /* IPv6 */
    ANS("IPv6 /64 listed", Z_MAIN, V6NAME(V6_LISTED), A_, "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("IPv6 TXT: the address compressed", Z_MAIN, V6NAME(V6_LISTED), TXT,
        "NOERROR aa an=TXT Backscatter from 2001:db8:1:2::1; see "
        "http://bl.test/?ip=2001:db8:1:2::1 "
        "ns=- ar=-"),
    ANS("IPv6 upper-case nibbles", Z_MAIN,
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("IPv6 inside a /40", Z_MAIN, V6NAME(V6_RANGE), A_, "NOERROR aa an=A 127.0.0.3 ns=- ar=-"),
    ANS("IPv6 not listed", Z_MAIN, V6NAME(V6_UNLISTED), A_, "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("IPv6 empty non-terminal, 16 nibbles", Z_MAIN, "2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test",
        A_, "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("IPv6 empty non-terminal, 31 nibbles", Z_MAIN,
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test", A_,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    ANS("IPv6 33 nibbles: NXDOMAIN", Z_MAIN, "0." V6_LISTED ".bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("IPv6 two-digit label: NXDOMAIN", Z_MAIN,
        "10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("IPv6 prefix of nothing: NXDOMAIN", Z_MAIN, "3.0.0.2.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("short numeric name is also an IPv6 prefix", Z_MAIN, "1.0.0.2.bl.test", A_,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    /* the RFC 5782 test entries */
    ANS("test entry 127.0.0.2: every category", Z_MAIN, "2.0.0.127.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.3,A 127.0.0.4 ns=- ar=-"),
    ANS("test entry 127.0.0.2 TXT", Z_MAIN, "2.0.0.127.bl.test", TXT,
        "NOERROR aa an=TXT Backscatter from 127.0.0.2; see http://bl.test/?ip=127.0.0.2 ns=- ar=-"),
    ANS("test entry 127.0.0.1 unlisted despite 127/8", Z_MAIN, "1.0.0.127.bl.test", A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("127/8 still lists 127.0.0.5", Z_MAIN, "5.0.0.127.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("test entry ::ffff:7f00:2", Z_MAIN, V6NAME(V6_TEST2), A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.3,A 127.0.0.4 ns=- ar=-"),
    ANS("test entry ::ffff:7f00:2 TXT", Z_MAIN, V6NAME(V6_TEST2), TXT,
        "NOERROR aa an=TXT Backscatter from ::ffff:127.0.0.2; see "
        "http://bl.test/?ip=::ffff:127.0.0.2 ns=- ar=-"),
    ANS("test entry ::ffff:7f00:1 unlisted", Z_MAIN, V6NAME(V6_TEST1), A_,
        "NXDOMAIN aa an=- ns=" SOA " ar=-"),
    ANS("test entry in a zone of one category", Z_BOUNCE, "2.0.0.127.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    ANS("test entry's parent exists", Z_MAIN, "0.0.127.bl.test", A_,
        "NOERROR aa an=- ns=" SOA " ar=-"),
    /* header bits */
    ANSQ("RD and CD copied, never RA", Z_MAIN,
         ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN, .flags = 0x0110}), 0, 0,
         "NOERROR aa rd cd an=A 127.0.0.2 ns=- ar=-"),
    ANSQ("AD in the query: not echoed", Z_MAIN,
         ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN, .flags = 0x0020}), 0, 0,
         "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    /* EDNS */
    ANSQ("EDNS echoed with our size", Z_MAIN,
         ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN, .flags = 0, .edns = 4096}), 0, 0,
         "NOERROR aa an=A 127.0.0.2 ns=- ar=OPT 1232 v0"),
    ANSQ("EDNS DO echoed", Z_MAIN,
         ({.name = "2.2.0.192.bl.test",
           .type = A_,
           .cls = IN,
           .flags = 0,
           .edns = 1232,
           .edns_version = 0,
           .edns_do = true}),
         0, 0, "NOERROR aa an=A 127.0.0.2 ns=- ar=OPT 1232 do v0"),
    ANSQ("EDNS on NXDOMAIN", Z_MAIN,
         ({.name = "9.2.0.192.bl.test", .type = A_, .cls = IN, .flags = 0, .edns = 1232}), 0, 0,
         "NXDOMAIN aa an=- ns=" SOA " ar=OPT 1232 v0"),
    ANSQ("EDNS on REFUSED", Z_MAIN,
         ({.name = "x.other", .type = A_, .cls = IN, .flags = 0, .edns = 1232}), 0, 0,
         "REFUSED an=- ns=- ar=OPT 1232 v0"),
    ANSQ("EDNS version 1: BADVERS", Z_MAIN,
         ({.name = "2.2.0.192.bl.test",
           .type = A_,
           .cls = IN,
           .flags = 0,
           .edns = 1232,
           .edns_version = 1}),
         0, 0, "BADVERS an=- ns=- ar=OPT 1232 v0"),
    ANSQ("EDNS options ignored (cookie)", Z_MAIN,
         ({.name = "2.2.0.192.bl.test",
           .type = A_,
           .cls = IN,
           .flags = 0,
           .edns = 1232,
           .edns_version = 0,
           .edns_do = false,
           .opt_data = "000a0008 0102030405060708"}),
         0, 0, "NOERROR aa an=A 127.0.0.2 ns=- ar=OPT 1232 v0"),
    ANSQ("EDNS size below 512 counts as 512", Z_LONGTXT,
         ({.name = "2.2.0.192.bl.test", .type = TXT, .cls = IN, .flags = 0, .edns = 100}), 0, 0,
         "NOERROR aa tc an=- ns=- ar=OPT 1232 v0"),
    /* truncation */
    ANS("long TXT over UDP: truncated", Z_LONGTXT, "2.2.0.192.bl.test", TXT,
        "NOERROR aa tc an=- ns=- ar=-"),
    ANSQ("long TXT within the EDNS size", Z_LONGTXT,
         ({.name = "2.2.0.192.bl.test", .type = TXT, .cls = IN, .flags = 0, .edns = 1232}), 0, 0,
         NULL),
    ANSQ("long TXT over an EDNS size too small: truncated", Z_LONGTXT,
         ({.name = "2.2.0.192.bl.test", .type = TXT, .cls = IN, .flags = 0, .edns = 700}), 0, 0,
         "NOERROR aa tc an=- ns=- ar=OPT 1232 v0"),
    ANSQ("long TXT over TCP", Z_LONGTXT, ({.name = "2.2.0.192.bl.test", .type = TXT, .cls = IN}),
         NG_ZONE_TCP, 0, NULL),
    ANSQ("long TXT into a 512-byte buffer over TCP: truncated", Z_LONGTXT,
         ({.name = "2.2.0.192.bl.test", .type = TXT, .cls = IN}), NG_ZONE_TCP, 512,
         "NOERROR aa tc an=- ns=- ar=-"),
    ANS("A over UDP fits 512", Z_LONGTXT, "3.2.0.192.bl.test", A_,
        "NOERROR aa an=A 127.0.0.2,A 127.0.0.3,A 127.0.0.4 ns=- ar=-"),
    /* rate limited */
    ANSQ("slipped: TC, question only", Z_MAIN,
         ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN}), NG_ZONE_SLIP, 0,
         "NOERROR tc an=- ns=- ar=-"),
    ANSQ("slipped with EDNS", Z_MAIN,
         ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN, .flags = 0, .edns = 1232}),
         NG_ZONE_SLIP, 0, "NOERROR tc an=- ns=- ar=OPT 1232 v0"),
    ANSQ("never slipped over TCP", Z_MAIN, ({.name = "2.2.0.192.bl.test", .type = A_, .cls = IN}),
         NG_ZONE_TCP | NG_ZONE_SLIP, 0, "NOERROR aa an=A 127.0.0.2 ns=- ar=-"),
    /* malformed: dropped or FORMERR, never more than a header */
    RAW("empty packet: dropped", "", ""),
    RAW("10 bytes: dropped", "beef0000000100000000", ""),
    RAW("a response: dropped", "beef8000 0001 0000 0000 0000 0131 0474657374 00 0001 0001", ""),
    RAW("opcode NOTIFY: NOTIMP", "beef2000 0001 0000 0000 0000 07626c2d7465737400 0006 0001",
        "NOTIMP an=- ns=- ar=-"),
    RAW("no question: FORMERR", "beef0100 0000 0000 0000 0000", "FORMERR rd an=- ns=- ar=-"),
    RAW("two questions: FORMERR",
        "beef0000 0002 0000 0000 0000 02626c0474657374 00 0001 0001 02626c0474657374 00 0001 0001",
        "FORMERR an=- ns=- ar=-"),
    RAW("an answer in the query: FORMERR",
        "beef0000 0001 0001 0000 0000 02626c0474657374 00 0001 0001", "FORMERR an=- ns=- ar=-"),
    RAW("two additional records: FORMERR",
        "beef0000 0001 0000 0000 0002 02626c0474657374 00 0001 0001", "FORMERR an=- ns=- ar=-"),
    RAW("compression pointer in the question: FORMERR",
        "beef0000 0001 0000 0000 0000 0132 c00c 0001 0001", "FORMERR an=- ns=- ar=-"),
    RAW("pointer to itself: FORMERR", "beef0000 0001 0000 0000 0000 c00c 0001 0001",
        "FORMERR an=- ns=- ar=-"),
    RAW("label type 0x40: FORMERR", "beef0000 0001 0000 0000 0000 41 00 0001 0001",
        "FORMERR an=- ns=- ar=-"),
    RAW("label past the end: FORMERR", "beef0000 0001 0000 0000 0000 3f414243",
        "FORMERR an=- ns=- ar=-"),
    RAW("question without type: FORMERR", "beef0000 0001 0000 0000 0000 02626c0474657374 00 00",
        "FORMERR an=- ns=- ar=-"),
    RAW("bytes after the question: FORMERR",
        "beef0000 0001 0000 0000 0000 02626c0474657374 00 0001 0001 ff", "FORMERR an=- ns=- ar=-"),
    RAW("OPT with a name: FORMERR",
        "beef0000 0001 0000 0000 0001 02626c0474657374 00 0001 0001 0161 00 0029 1000 00000000 "
        "0000",
        "FORMERR an=- ns=- ar=-"),
    RAW("additional record not an OPT: FORMERR",
        "beef0000 0001 0000 0000 0001 02626c0474657374 00 0001 0001 00 00fa 00ff 00000000 0000",
        "FORMERR an=- ns=- ar=-"),
    RAW("OPT option longer than the RDATA: FORMERR",
        "beef0000 0001 0000 0000 0001 02626c0474657374 00 0001 0001 00 0029 1000 00000000 0004 "
        "000a 0008",
        "FORMERR an=- ns=- ar=-"),
    RAW("OPT cut short: FORMERR",
        "beef0000 0001 0000 0000 0001 02626c0474657374 00 0001 0001 00 0029 10",
        "FORMERR an=- ns=- ar=-"),
    RAW("type OPT asked for: FORMERR", "beef0000 0001 0000 0000 0000 02626c0474657374 00 0029 0001",
        "FORMERR an=- ns=- ar=-"),
};

/* The name's 256-byte and 255-byte forms are built here. */
static void long_name(char *buf, size_t labels_of_63)
{
	size_t o = 0;
	for (size_t i = 0; i < labels_of_63; i++) {
		memset(buf + o, 'a', 63);
		o += 63;
		buf[o++] = '.';
	}
	buf[o] = '\0';
}

static bool hex_raw(const char *hex, uint8_t *out, size_t *n)
{
	*n = hex_bytes(hex, out);
	return true;
}

/* Cross-check an A or TXT answer with the project's DNS client parser. */
static void oracle(const struct answer_case *c, const uint8_t *ans, size_t len,
                   const struct ng_zone_reply *r)
{
	if (c->q.name == NULL || (c->q.type != A_ && c->q.type != TXT) || r->truncated ||
	    (r->kind != NG_ZONE_LISTED && r->kind != NG_ZONE_NODATA && r->kind != NG_ZONE_NXDOMAIN))
		return;
	struct ng_dns_answer a;
	ng_dns_answer_parse(ans, len, c->q.name, c->q.type == A_ ? NG_DNS_A : NG_DNS_TXT, &a);
	enum ng_dns_rcode want = r->kind == NG_ZONE_LISTED   ? NG_DNS_OK
	                         : r->kind == NG_ZONE_NODATA ? NG_DNS_NODATA
	                                                     : NG_DNS_NXDOMAIN;
	if (a.rcode != want)
		fail_msg("%s: the DNS client reads rcode %d (%s), want %d", c->name, (int)a.rcode,
		         a.detail, (int)want);
	if (want != NG_DNS_OK && (!a.has_ttl || a.ttl != 60))
		fail_msg("%s: negative TTL %u (has %d), want 60", c->name, a.ttl, a.has_ttl);
}

static void test_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer_case *c = &answers[i];
		uint8_t pkt[1024], out[NG_DNSBLD_TCP_ANSWER_MAX];
		size_t len;
		if (c->raw != NULL)
			hex_raw(c->raw, pkt, &len);
		else
			len = build_query(&c->q, pkt);
		size_t cap = c->outcap ? c->outcap : sizeof(out);
		struct ng_zone_reply r;
		size_t n = ng_zone_respond(zones[c->zone], ix, pkt, len, c->flags, out, cap, &r);
		if (n > cap)
			fail_msg("%s: %zu bytes into %zu", c->name, n, cap);
		ng_buf got;
		ng_buf_init(&got, 1 << 16);
		summarize(out, n, &got);
		const char *g = got.data ? got.data : "";
		if (c->want != NULL && strcmp(g, c->want) != 0)
			fail_msg("answer \"%s\":\n got  %s\n want %s", c->name, g, c->want);
		if (c->want == NULL) { /* the long TXT: whole, one record of 4 strings */
			if (strncmp(g, "NOERROR aa an=TXT 192.0.2.2xxx", 30) != 0 ||
			    strstr(g, "|") == NULL || strstr(g, " ns=- ar=") == NULL)
				fail_msg("answer \"%s\": got %s", c->name, g);
		}
		if (n > 0) {
			/* the ID and the question come back byte for byte */
			if (out[0] != pkt[0] || out[1] != pkt[1])
				fail_msg("%s: ID not echoed", c->name);
			struct ng_zone_query q;
			if (ng_zone_query_parse(pkt, len, &q) == NG_ZONE_Q_OK &&
			    memcmp(out + 12, pkt + 12, q.question_end - 12) != 0)
				fail_msg("%s: question not echoed exactly", c->name);
			if (r.kind == NG_ZONE_FORMERR || r.kind == NG_ZONE_NOTIMP) {
				if (n > len)
					fail_msg("%s: %zu-byte error for a %zu-byte query", c->name,
					         n, len);
				assert_non_null(r.error);
			}
		} else {
			assert_int_equal(r.kind, NG_ZONE_DROPPED);
			assert_non_null(r.error);
		}
		oracle(c, out, n, &r);
		ng_buf_free(&got);
	}
}

/* Names at and past 255 bytes; the reply kinds and the test-entry flag. */
static void test_answer_details(void **state)
{
	(void)state;
	char name[400];
	uint8_t pkt[600], out[4096];
	struct ng_zone_reply r;
	/* 3 x 64 + 54 + "bl.test" labels = 255 bytes: NXDOMAIN */
	long_name(name, 3);
	memset(name + strlen(name), 'b', 53);
	name[3 * 64 + 53] = '\0';
	strncat(name, ".bl.test", sizeof(name) - strlen(name) - 1);
	struct q q = {name, A_, IN, 0, 0, 0, false, NULL};
	size_t len = build_query(&q, pkt);
	assert_int_equal(len - 12 - 4, 255);
	size_t n = ng_zone_respond(zones[Z_MAIN], ix, pkt, len, 0, out, sizeof(out), &r);
	assert_true(n > 0);
	assert_int_equal(r.kind, NG_ZONE_NXDOMAIN);
	/* one byte more: FORMERR */
	long_name(name, 3);
	memset(name + strlen(name), 'b', 54);
	name[3 * 64 + 54] = '\0';
	strncat(name, ".bl.test", sizeof(name) - strlen(name) - 1);
	len = build_query(&q, pkt);
	n = ng_zone_respond(zones[Z_MAIN], ix, pkt, len, 0, out, sizeof(out), &r);
	assert_int_equal(n, 12);
	assert_int_equal(r.kind, NG_ZONE_FORMERR);
	assert_string_equal(r.error, "name longer than 255 bytes");

	q.name = "2.0.0.127.bl.test";
	len = build_query(&q, pkt);
	n = ng_zone_respond(zones[Z_MAIN], ix, pkt, len, 0, out, sizeof(out), &r);
	assert_true(r.test_entry);
	assert_int_equal(r.kind, NG_ZONE_LISTED);
	assert_int_equal(r.cats, B | R | C);
	q.name = "3.2.0.192.bl.test";
	len = build_query(&q, pkt);
	n = ng_zone_respond(zones[Z_MAIN], NULL, pkt, len, 0, out, sizeof(out), &r);
	assert_int_equal(r.kind, NG_ZONE_NXDOMAIN); /* empty index */
	assert_false(r.test_entry);
	/* a buffer below 512 bytes is refused */
	assert_int_equal(ng_zone_respond(zones[Z_MAIN], ix, pkt, len, 0, out, 511, &r), 0);
	assert_string_equal(ng_zone_kind_name(NG_ZONE_NXDOMAIN), "nxdomain");
	assert_string_equal(ng_zone_kind_name(NG_ZONE_KINDS), "unknown");
}

/* ----- the parser on its own ----- */

static void test_parse(void **state)
{
	(void)state;
	uint8_t pkt[600];
	struct ng_zone_query q;
	struct q in = {"2.2.0.192.BL.test", TXT, IN, 0x0100, 1400, 0, true, "000a0002 abcd"};
	size_t len = build_query(&in, pkt);
	assert_int_equal(ng_zone_query_parse(pkt, len, &q), NG_ZONE_Q_OK);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(q.flags, 0x0100);
	assert_int_equal(q.qtype, TXT);
	assert_int_equal(q.qclass, IN);
	assert_int_equal(q.labels, 6);
	assert_int_equal(q.qname_len, 19);
	assert_memory_equal(q.qname, "\0012\0012\0010\003192\002bl\004test", 19);
	assert_true(q.edns);
	assert_true(q.edns_do);
	assert_int_equal(q.edns_udp, 1400);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.question_end, 12 + 19 + 4);
	assert_null(q.error);
	/* every prefix of a good query is refused, never read past */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, pkt, cut);
		enum ng_zone_parse p = ng_zone_query_parse(copy, cut, &q);
		if (p == NG_ZONE_Q_OK)
			fail_msg("a query cut at %zu of %zu bytes parsed", cut, len);
		assert_non_null(q.error);
		free(copy);
	}
}

/* ----- the index ----- */

struct lookup_case {
	const char *name;
	const char *entries[6]; /* "NET/CATS" with CATS a digit mask */
	const char *probe;      /* an address */
	unsigned want;
};

static const struct lookup_case lookups[] = {
    {"empty", {NULL}, "192.0.2.1", 0},
    {"exact", {"192.0.2.1/32=1"}, "192.0.2.1", 1},
    {"exact neighbour", {"192.0.2.1/32=1"}, "192.0.2.2", 0},
    {"duplicates OR-ed", {"192.0.2.1=1", "192.0.2.1=4"}, "192.0.2.1", 5},
    {"nested ranges OR-ed", {"10.0.0.0/8=1", "10.1.0.0/16=2"}, "10.1.2.3", 3},
    {"outer range only", {"10.0.0.0/8=1", "10.1.0.0/16=2"}, "10.2.0.0", 1},
    {"after the inner range", {"10.0.0.0/8=1", "10.1.0.0/16=2"}, "10.255.255.255", 1},
    {"range start", {"10.1.0.0/16=2"}, "10.1.0.0", 2},
    {"range end", {"10.1.0.0/16=2"}, "10.1.255.255", 2},
    {"past the range", {"10.1.0.0/16=2"}, "10.2.0.0", 0},
    {"adjacent ranges", {"10.0.0.0/24=1", "10.0.1.0/24=1"}, "10.0.1.255", 1},
    {"the whole IPv4 space", {"0.0.0.0/0=4", "255.255.255.255=1"}, "255.255.255.255", 5},
    {"top of IPv4", {"255.255.255.0/24=2"}, "255.255.255.255", 2},
    {"IPv4 /31", {"192.0.2.0/31=1"}, "192.0.2.1", 1},
    {"IPv6 /64", {"2001:db8::/64=1"}, "2001:db8::ffff:1", 1},
    {"IPv6 next /64", {"2001:db8::/64=1"}, "2001:db8:0:1::", 0},
    {"IPv6 /128", {"2001:db8::5/128=2"}, "2001:db8::5", 2},
    {"IPv6 /128 neighbour", {"2001:db8::5/128=2"}, "2001:db8::6", 0},
    {"IPv6 /48 and a /64 inside", {"2001:db8::/48=1", "2001:db8:0:7::/64=2"}, "2001:db8:0:7::9", 3},
    {"IPv6 everything", {"::/0=4"}, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 4},
    {"IPv6 everything and the top",
     {"::/0=4", "ffff:ffff:ffff:ffff::/64=1"},
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     5},
    {"IPv4-mapped /120 is an IPv4 /24", {"::ffff:192.0.2.0/120=1"}, "192.0.2.77", 1},
    {"IPv4-mapped /128", {"::ffff:192.0.2.9=2"}, "192.0.2.9", 2},
    {"IPv4 and IPv6 apart", {"0.0.0.0/0=1"}, "2001:db8::1", 0},
};

static void build_entries(const char *const *entries, struct ng_zone_index **out)
{
	struct ng_zone_builder *b = ng_zone_builder_new();
	assert_non_null(b);
	for (size_t i = 0; i < 6 && entries[i] != NULL; i++) {
		char net[80];
		const char *eq = strchr(entries[i], '=');
		assert_non_null(eq);
		memcpy(net, entries[i], (size_t)(eq - entries[i]));
		net[eq - entries[i]] = '\0';
		add(b, net, (unsigned)(eq[1] - '0'));
	}
	*out = ng_zone_builder_finish(b, 1);
	assert_non_null(*out);
}

static unsigned probe(const struct ng_zone_index *x, const char *addr)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, addr, a) == 1)
		return ng_zone_index_lookup4(x, (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		                                    (uint32_t)a[2] << 8 | a[3]);
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return ng_zone_index_lookup6(x, a);
}

static void test_lookups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup_case *c = &lookups[i];
		struct ng_zone_index *x;
		build_entries(c->entries, &x);
		unsigned got = probe(x, c->probe);
		if (got != c->want)
			fail_msg("lookup \"%s\": %s\n got  %u\n want %u", c->name, c->probe, got,
			         c->want);
		ng_zone_index_free(x);
	}
}

struct net_case {
	const char *text;
	int want; /* 0 or NG_ZONE_EINVAL */
	unsigned prefix;
};

static const struct net_case nets[] = {
    {"192.0.2.1", 0, 32},
    {"192.0.2.0/24", 0, 24},
    {"0.0.0.0/0", 0, 0},
    {"2001:db8::/64", 0, 64},
    {"2001:db8::1", 0, 128},
    {"192.0.2.1/24", NG_ZONE_EINVAL, 0},   /* host bits */
    {"2001:db8::1/64", NG_ZONE_EINVAL, 0}, /* host bits */
    {"192.0.2.0/33", NG_ZONE_EINVAL, 0},
    {"192.0.2.0/", NG_ZONE_EINVAL, 0},
    {"192.0.2.0/2x", NG_ZONE_EINVAL, 0},
    {"192.0.2.0/0024", NG_ZONE_EINVAL, 0},
    {"192.0.2", NG_ZONE_EINVAL, 0},
    {"", NG_ZONE_EINVAL, 0},
    {"/24", NG_ZONE_EINVAL, 0},
    {"host.example", NG_ZONE_EINVAL, 0},
};

static void test_nets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct ng_zone_net n;
		int rc = ng_zone_net_parse(nets[i].text, &n);
		if (rc != nets[i].want || (rc == 0 && n.prefix != nets[i].prefix))
			fail_msg("net \"%s\": got rc=%d prefix=%u, want rc=%d prefix=%u",
			         nets[i].text, rc, rc == 0 ? n.prefix : 0, nets[i].want,
			         nets[i].prefix);
	}
	/* the builder checks what it is given, too */
	struct ng_zone_builder *b = ng_zone_builder_new();
	struct ng_zone_net bad = {false, {192, 0, 2, 1}, 24};
	assert_int_equal(ng_zone_builder_add(b, &bad, 1), NG_ZONE_EINVAL);
	bad.prefix = 40;
	assert_int_equal(ng_zone_builder_add(b, &bad, 1), NG_ZONE_EINVAL);
	struct ng_zone_net good = {false, {192, 0, 2, 1}, 32};
	assert_int_equal(ng_zone_builder_add(b, &good, 0), 0); /* no category: nothing */
	struct ng_zone_index *x = ng_zone_builder_finish(b, 7);
	struct ng_zone_index_stats st;
	ng_zone_index_stats(x, &st);
	assert_int_equal(st.v4 + st.v6 + st.ranges4 + st.ranges6, 0);
	assert_int_equal(st.serial, 7);
	assert_true(ng_zone_index_equal(x, NULL));
	ng_zone_index_free(x);
	ng_zone_builder_free(NULL);
	ng_zone_index_free(NULL);
}

/* Empty non-terminals: does any entry fall in [lo, hi]? */
static void test_any(void **state)
{
	(void)state;
	struct ng_zone_index *x;
	const char *e[] = {"192.0.2.9=1", "10.0.0.0/16=2", "2001:db8:5::/64=1", "2001:db9::/32=1",
	                   NULL};
	build_entries(e, &x);
	assert_true(ng_zone_index_any4(x, 0xc0000200u, 0xc00002ffu));  /* 192.0.2/24 */
	assert_false(ng_zone_index_any4(x, 0xc0000300u, 0xc00003ffu)); /* 192.0.3/24 */
	assert_true(ng_zone_index_any4(x, 0xc0000209u, 0xc0000209u));
	assert_false(ng_zone_index_any4(x, 0xc000020au, 0xc00002ffu));
	assert_true(ng_zone_index_any4(x, 0x0a000500u, 0x0a0005ffu));  /* inside the /16 */
	assert_true(ng_zone_index_any4(x, 0x00000000u, 0x0a000000u));  /* touches its start */
	assert_false(ng_zone_index_any4(x, 0x0a010000u, 0x0affffffu)); /* after it */
	assert_false(ng_zone_index_any4(x, 5, 4));
	uint8_t lo[16], hi[16];
	inet_pton(AF_INET6, "2001:db8::", lo);
	inet_pton(AF_INET6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", hi);
	assert_true(ng_zone_index_any6(x, lo, hi));
	inet_pton(AF_INET6, "2001:db8:6::", lo);
	inet_pton(AF_INET6, "2001:db8:ffff::", hi);
	assert_false(ng_zone_index_any6(x, lo, hi));
	inet_pton(AF_INET6, "2001:db9:1234::", lo);
	inet_pton(AF_INET6, "2001:db9:1234::ff", hi);
	assert_true(ng_zone_index_any6(x, lo, hi)); /* inside the /32 */
	assert_false(ng_zone_index_any4(NULL, 0, 0xffffffffu));
	assert_false(ng_zone_index_any6(NULL, lo, hi));
	ng_zone_index_free(x);
}

/* A random list against brute force: lookups, equality, order. */
static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

struct brute {
	uint32_t start, end;
	unsigned mask;
};

/* count entries (past NG_ZONE_BUCKET_MIN, 4096, the index has a /16 table and
 * keeps 16-bit keys); any4 is also asked about spans that cross /16s. */
static void differential(size_t count, size_t probes)
{
	struct brute *list = calloc(count, sizeof(*list));
	struct ng_zone_builder *b1 = ng_zone_builder_new(), *b2 = ng_zone_builder_new();
	for (size_t i = 0; i < count; i++) {
		/* addresses from a /12 so that entries and ranges collide */
		unsigned prefix = rnd() % 4 == 0 ? 20 + rnd() % 12 : 32;
		uint32_t ip = 0x0a000000u | (rnd() & 0x000fffffu);
		uint32_t span = prefix == 32 ? 0 : 0xffffffffu >> prefix;
		ip &= ~span;
		list[i] = (struct brute){ip, ip | span, 1u << (rnd() % 3)};
		struct ng_zone_net n = {
		    false,
		    {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip},
		    prefix};
		assert_int_equal(ng_zone_builder_add(b1, &n, list[i].mask), 0);
	}
	/* the same entries backwards: an equal index */
	for (size_t i = count; i-- > 0;) {
		uint32_t ip = list[i].start;
		unsigned prefix = 32;
		while (prefix > 0 && (list[i].end - list[i].start) >> (32 - prefix) != 0)
			prefix--;
		struct ng_zone_net n = {
		    false,
		    {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip},
		    prefix};
		assert_int_equal(ng_zone_builder_add(b2, &n, list[i].mask), 0);
	}
	struct ng_zone_index *x1 = ng_zone_builder_finish(b1, 1);
	struct ng_zone_index *x2 = ng_zone_builder_finish(b2, 2);
	assert_true(ng_zone_index_equal(x1, x2));
	for (size_t p = 0; p < probes; p++) {
		uint32_t ip = 0x0a000000u | (rnd() & 0x000fffffu);
		if (p % 2 == 0)
			ip = list[rnd() % count].start + (p % 4 == 0 ? 1 : 0);
		unsigned want = 0;
		for (size_t i = 0; i < count; i++)
			if (list[i].start <= ip && ip <= list[i].end)
				want |= list[i].mask;
		unsigned got = ng_zone_index_lookup4(x1, ip);
		if (got != want)
			fail_msg("differential: %08x got %u want %u", ip, got, want);
		uint32_t lo = ip & ~0xffu, hi = ip | 0xffu;
		bool any = false;
		for (size_t i = 0; i < count && !any; i++)
			any = list[i].start <= hi && lo <= list[i].end;
		if (ng_zone_index_any4(x1, lo, hi) != any)
			fail_msg("differential any: %08x/24 want %d", lo, any);
		/* a span of up to 2^18 addresses, from anywhere (/16s crossed) */
		lo = ip - (rnd() & 0x3ffffu);
		hi = lo + (rnd() & 0x3ffffu);
		if (p % 7 == 0)
			hi = 0xffffffffu;
		any = false;
		for (size_t i = 0; i < count && !any; i++)
			any = list[i].start <= hi && lo <= list[i].end;
		if (ng_zone_index_any4(x1, lo, hi) != any)
			fail_msg("differential any: %08x-%08x want %d", lo, hi, any);
	}
	/* one more entry: no longer equal */
	struct ng_zone_builder *b3 = ng_zone_builder_new();
	struct ng_zone_net extra = {false, {11, 0, 0, 1}, 32};
	ng_zone_builder_add(b3, &extra, 1);
	struct ng_zone_index *x3 = ng_zone_builder_finish(b3, 3);
	assert_false(ng_zone_index_equal(x1, x3));
	assert_false(ng_zone_index_equal(x3, NULL));
	ng_zone_index_free(x1);
	ng_zone_index_free(x2);
	ng_zone_index_free(x3);
	free(list);
}

static void test_differential(void **state)
{
	(void)state;
	differential(3000, 20000);
}

static void test_differential_bucketed(void **state)
{
	(void)state;
	differential(20000, 4000);
}

/* 1,000,000 IPv4 addresses and 100,000 IPv6 /64s: the bytes per entry. */
static void test_memory(void **state)
{
	(void)state;
	enum { N4 = 1000000, N6 = 100000 };
	struct ng_zone_builder *b = ng_zone_builder_new();
	for (uint32_t i = 0; i < N4; i++) {
		uint32_t ip = 0x01000000u + i * 2654435761u % 0xde000000u; /* spread */
		struct ng_zone_net n = {
		    false,
		    {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip},
		    32};
		assert_int_equal(ng_zone_builder_add(b, &n, 1u << (i % 3)), 0);
	}
	struct ng_zone_builder *b6 = ng_zone_builder_new();
	for (uint32_t i = 0; i < N6; i++) {
		uint32_t v = i * 2654435761u;
		struct ng_zone_net n = {true,
		                        {0x20, 0x01, 0x0d, 0xb8, (uint8_t)(v >> 24),
		                         (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v},
		                        64};
		assert_int_equal(ng_zone_builder_add(b, &n, 1), 0);
		assert_int_equal(ng_zone_builder_add(b6, &n, 1), 0);
	}
	struct ng_zone_index *x = ng_zone_builder_finish(b, 1);
	struct ng_zone_index *x6 = ng_zone_builder_finish(b6, 1);
	assert_non_null(x);
	struct ng_zone_index_stats st, st6;
	ng_zone_index_stats(x, &st);
	ng_zone_index_stats(x6, &st6);
	assert_int_equal(st.v6, N6);
	double per6 = (double)st6.bytes / (double)st6.v6;
	double per4 = (double)(st.bytes - st6.bytes) / (double)st.v4;
	printf("index: %zu IPv4 + %zu IPv6 /64 in %zu bytes: %.2f bytes per IPv4 address, "
	       "%.2f per IPv6 /64 (category mask included)\n",
	       st.v4, st.v6, st.bytes, per4, per6);
	if (per4 > 6.0 || per6 > 10.0)
		fail_msg("memory: %.2f bytes per IPv4 (want <= 6), %.2f per IPv6 /64 (want <= 10)",
		         per4, per6);
	/* every address added is found */
	for (uint32_t i = 0; i < N4; i += 997) {
		uint32_t ip = 0x01000000u + i * 2654435761u % 0xde000000u;
		assert_true(ng_zone_index_lookup4(x, ip) & (1u << (i % 3)));
	}
	ng_zone_index_free(x);
	ng_zone_index_free(x6);
}

/* ----- the zone's settings ----- */

struct settings_case {
	const char *name;
	const char *zone;
	const char *codes[4];
	const char *tmpl;
	const char *ns[2];
	const char *hostmaster;
	const char *want_err; /* NULL: builds */
};

static const struct settings_case settings[] = {
    {"good", "bl.example", {"bounce=127.0.0.2"}, "$", {"ns.example"}, "h@example", NULL},
    {"hostmaster as a name",
     "bl.example",
     {"callout=127.0.0.4"},
     "",
     {"ns.example"},
     "hostmaster.example",
     NULL},
    {"no codes",
     "bl.example",
     {NULL},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: no category has a code"},
    {"unknown category",
     "bl.example",
     {"spam=127.0.0.5"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: 'spam=127.0.0.5': the categories are bounce, autoreply, callout"},
    {"category twice",
     "bl.example",
     {"bounce=127.0.0.2", "bounce=127.0.0.3"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: 'bounce=127.0.0.3': category given twice"},
    {"code outside 127/8",
     "bl.example",
     {"bounce=10.0.0.2"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: 'bounce=10.0.0.2': the code must be in 127.0.0.0/8"},
    {"code 127.0.0.1",
     "bl.example",
     {"bounce=127.0.0.1"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: 'bounce=127.0.0.1': 127.0.0.1 means \"not listed\" (RFC 5782)"},
    {"code without =",
     "bl.example",
     {"bounce"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_codes: 'bounce' is not CATEGORY=127.X.Y.Z"},
    {"bad zone",
     "bl..example",
     {"bounce=127.0.0.2"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_zone: 'bl..example' is not a domain name"},
    {"root zone",
     ".",
     {"bounce=127.0.0.2"},
     "$",
     {"ns.example"},
     "h@example",
     "dnsbld_zone: '.' is not a domain name"},
    {"no name server",
     "bl.example",
     {"bounce=127.0.0.2"},
     "$",
     {NULL},
     "h@example",
     "dnsbld_ns: give 1 to 13 name servers"},
    {"bad name server",
     "bl.example",
     {"bounce=127.0.0.2"},
     "$",
     {"ns example"},
     "h@example",
     "dnsbld_ns: 'ns example' is not a host name"},
    {"bad hostmaster",
     "bl.example",
     {"bounce=127.0.0.2"},
     "$",
     {"ns.example"},
     "h m@example",
     "dnsbld_hostmaster: 'h m@example' is not a mail address"},
    {"control character in the template",
     "bl.example",
     {"bounce=127.0.0.2"},
     "a\tb",
     {"ns.example"},
     "h@example",
     "dnsbld_txt_template: control character in the template"},
    {"template too long",
     "bl.example",
     {"bounce=127.0.0.2"},
     NULL,
     {"ns.example"},
     "h@example",
     "dnsbld_txt_template: the TXT record could be longer than 1023 bytes"},
};

static void test_settings(void **state)
{
	(void)state;
	char many[64];
	memset(many, '$', 30);
	many[30] = '\0'; /* 30 x 45 bytes > 1023 */
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct settings_case *c = &settings[i];
		size_t nc = 0, nn = 0;
		while (nc < 4 && c->codes[nc])
			nc++;
		while (nn < 2 && c->ns[nn])
			nn++;
		struct ng_zone_settings s = {
		    c->zone,       c->codes, nc, c->tmpl ? c->tmpl : many, c->ns, nn,
		    c->hostmaster, 60,       30};
		char err[256] = "";
		struct ng_zone *z = ng_zone_new(&s, err, sizeof(err));
		if (c->want_err == NULL && z == NULL)
			fail_msg("settings \"%s\": refused: %s", c->name, err);
		if (c->want_err != NULL && (z != NULL || strcmp(err, c->want_err) != 0))
			fail_msg("settings \"%s\":\n got  %s\n want %s", c->name,
			         z ? "(built)" : err, c->want_err);
		ng_zone_free(z);
	}
	assert_string_equal(ng_zone_name(zones[Z_MAIN]), "bl.test");
	assert_int_equal(ng_zone_published(zones[Z_BOUNCE]), B);
	assert_string_equal(ng_zone_cat_name(NG_ZONE_CAT_CALLOUT), "callout");
	assert_null(ng_zone_cat_name(NG_ZONE_CATS));
}

/* From the configuration: defaults build; errors name the key's origin. */
static void test_from_config(void **state)
{
	(void)state;
	char err[512];
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	struct ng_zone *z = ng_zone_from_config(cfg, err, sizeof(err));
	if (z == NULL)
		fail_msg("the default dnsbld_* keys: %s", err);
	assert_int_equal(ng_zone_published(z), B | R | C);
	ng_zone_free(z);
	const char *text = "dnsbld_codes = bounce=127.0.0.2, bogus=127.0.0.9\n";
	assert_int_equal(ng_config_parse_text(cfg, "t.conf", text, strlen(text), err, sizeof(err)),
	                 0);
	assert_null(ng_zone_from_config(cfg, err, sizeof(err)));
	assert_string_equal(
	    err, "t.conf:1: dnsbld_codes: 'bogus=127.0.0.9': the categories are bounce, autoreply, "
	         "callout");
	ng_config_free(cfg);
}

/* ----- rate limiting ----- */

static void test_rrl(void **state)
{
	(void)state;
	assert_null(ng_zone_rrl_new(0, 1));
	struct ng_zone_rrl *r = ng_zone_rrl_new(5, 42);
	assert_non_null(r);
	assert_true(ng_zone_rrl_bytes(r) > 0);
	const uint8_t a[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 200}, other[4] = {192, 0, 3, 1};
	uint64_t t = 1000000;
	for (int i = 0; i < 5; i++)
		assert_int_equal(ng_zone_rrl_check(r, false, a, t), NG_ZONE_RRL_PASS);
	/* the same /24: over the limit, slip and drop in turn */
	assert_int_equal(ng_zone_rrl_check(r, false, a2, t), NG_ZONE_RRL_SLIP);
	assert_int_equal(ng_zone_rrl_check(r, false, a, t), NG_ZONE_RRL_DROP);
	assert_int_equal(ng_zone_rrl_check(r, false, a, t), NG_ZONE_RRL_SLIP);
	/* another /24 has its own bucket */
	assert_int_equal(ng_zone_rrl_check(r, false, other, t), NG_ZONE_RRL_PASS);
	/* 200 ms later: one more token (5 a second) */
	assert_int_equal(ng_zone_rrl_check(r, false, a, t + 200), NG_ZONE_RRL_PASS);
	assert_int_equal(ng_zone_rrl_check(r, false, a, t + 200), NG_ZONE_RRL_SLIP);
	/* a long pause refills to the burst, no more */
	for (int i = 0; i < 5; i++)
		assert_int_equal(ng_zone_rrl_check(r, false, a, t + 100000), NG_ZONE_RRL_PASS);
	assert_int_equal(ng_zone_rrl_check(r, false, a, t + 100000), NG_ZONE_RRL_SLIP);
	/* IPv6: one bucket per /56 */
	uint8_t v6a[16], v6b[16], v6c[16];
	inet_pton(AF_INET6, "2001:db8:0:1::1", v6a);
	inet_pton(AF_INET6, "2001:db8:0:ff::2", v6b); /* same /56 */
	inet_pton(AF_INET6, "2001:db8:0:100::1", v6c);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ng_zone_rrl_check(r, true, i % 2 ? v6a : v6b, t),
		                 NG_ZONE_RRL_PASS);
	assert_int_equal(ng_zone_rrl_check(r, true, v6a, t), NG_ZONE_RRL_SLIP);
	assert_int_equal(ng_zone_rrl_check(r, true, v6c, t), NG_ZONE_RRL_PASS);
	/* a flood from 200,000 networks evicts, never grows, never blocks a newcomer */
	for (uint32_t i = 0; i < 200000; i++) {
		uint8_t n[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		ng_zone_rrl_check(r, false, n, t + 200000);
	}
	const uint8_t fresh[4] = {203, 0, 113, 1};
	assert_int_equal(ng_zone_rrl_check(r, false, fresh, t + 200001), NG_ZONE_RRL_PASS);
	ng_zone_rrl_free(r);
	ng_zone_rrl_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers),      cmocka_unit_test(test_answer_details),
	    cmocka_unit_test(test_parse),        cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_nets),         cmocka_unit_test(test_any),
	    cmocka_unit_test(test_differential), cmocka_unit_test(test_differential_bucketed),
	    cmocka_unit_test(test_memory),       cmocka_unit_test(test_settings),
	    cmocka_unit_test(test_from_config),  cmocka_unit_test(test_rrl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
