/*
 * test_dns.c - unit tests of lib/dns: the raw answer reader
 * (ng_dns_answer_parse, and the records of ng_dns_answer_parse_rrs for A,
 * AAAA, MX, PTR and TXT), DNS name checks, the fake resolver's contract
 * (records added one by one, CNAMEs, NODATA, deferrals) and the server
 * strings of the c-ares resolver.  No network: packets are built here byte
 * by byte, and the c-ares resolver is only created and freed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <ndrguard/dns.h>

/* ---- a packet builder ---- */

struct pkt {
	uint8_t b[16384];
	size_t n;
};

static void put8(struct pkt *p, unsigned v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = (uint8_t)v;
}

static void put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 255);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

/* An uncompressed name; "" is the root. */
static void putname(struct pkt *p, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		put8(p, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			put8(p, (unsigned char)name[i]);
		name += l + (dot ? 1 : 0);
	}
	put8(p, 0);
}

static void putptr(struct pkt *p, unsigned off)
{
	put16(p, 0xc000 | off);
}

#define QR      0x8000
#define AA      0x0400
#define T_A     1
#define T_CNAME 5
#define T_SOA   6
#define T_PTR   12
#define T_MX    15
#define T_TXT   16
#define T_AAAA  28

static void header(struct pkt *p, unsigned flags, unsigned qd, unsigned an, unsigned ns)
{
	p->n = 0;
	put16(p, 0x4e47);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, 0);
}

static void question(struct pkt *p, const char *name, unsigned type)
{
	putname(p, name);
	put16(p, type);
	put16(p, 1);
}

static void rr_head(struct pkt *p, const char *name, unsigned type, uint32_t ttl, unsigned rdlen)
{
	putname(p, name);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	put16(p, rdlen);
}

static void rr_a(struct pkt *p, const char *name, uint32_t ttl, uint32_t a)
{
	rr_head(p, name, T_A, ttl, 4);
	put32(p, a);
}

static void rr_soa(struct pkt *p, const char *name, uint32_t ttl, uint32_t minimum)
{
	rr_head(p, name, T_SOA, ttl, 2 + 2 + 20);
	putptr(p, 12); /* MNAME and RNAME: pointers to the question name */
	putptr(p, 12);
	put32(p, 1);
	put32(p, 600);
	put32(p, 300);
	put32(p, 86400);
	put32(p, minimum);
}

#define Q "2.0.0.127.bl.test"

/* ---- answers built by the cases ---- */

static void b_a_one(struct pkt *p)
{
	header(p, QR | AA, 1, 1, 0);
	question(p, Q, T_A);
	rr_a(p, Q, 300, 0x7f000002);
}

static void b_a_two_ttls(struct pkt *p)
{
	header(p, QR, 1, 3, 0);
	question(p, Q, T_A);
	rr_a(p, Q, 300, 0x7f000002);
	rr_a(p, "other.bl.test", 5, 0x7f000009); /* another owner: ignored */
	/* the owner as a compression pointer to the question, upper case
	 * differences do not matter */
	putptr(p, 12);
	put16(p, T_A);
	put16(p, 1);
	put32(p, 120);
	put16(p, 4);
	put32(p, 0x7f00000a);
}

static void b_a_case(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	rr_a(p, "2.0.0.127.BL.Test", 60, 0x7f000002);
}

static void b_a_many(struct pkt *p)
{
	header(p, QR, 1, 10, 0);
	question(p, Q, T_A);
	for (unsigned i = 0; i < 10; i++)
		rr_a(p, Q, 60, 0x7f000002 + i);
}

static void b_txt(struct pkt *p)
{
	header(p, QR, 1, 2, 0);
	question(p, Q, T_TXT);
	rr_head(p, Q, T_TXT, 90, 1 + 5 + 1 + 6);
	put8(p, 5);
	for (const char *s = "Liste"; *s; s++)
		put8(p, (unsigned char)*s);
	put8(p, 6);
	for (const char *s = "d here"; *s; s++)
		put8(p, (unsigned char)*s);
	rr_head(p, Q, T_TXT, 30, 1 + 3);
	put8(p, 3);
	put8(p, 'a');
	put8(p, 0); /* a NUL byte: dropped */
	put8(p, 'b');
}

static void b_cname(struct pkt *p)
{
	header(p, QR, 1, 2, 0);
	question(p, Q, T_A);
	/* the A first, then the CNAME that leads to it: order does not matter */
	rr_a(p, "target.bl.test", 400, 0x7f000003);
	rr_head(p, Q, T_CNAME, 100, 16);
	putname(p, "target.bl.test");
}

static void b_cname_loop(struct pkt *p)
{
	header(p, QR, 1, 2, 0);
	question(p, Q, T_A);
	rr_head(p, Q, T_CNAME, 100, 8);
	putname(p, "x.test");
	rr_head(p, "x.test", T_CNAME, 100, 19);
	putname(p, Q);
}

static void b_nxdomain_soa(struct pkt *p)
{
	header(p, QR | 3, 1, 0, 1);
	question(p, Q, T_A);
	rr_soa(p, "bl.test", 3600, 30);
}

static void b_nxdomain_soa_ttl(struct pkt *p)
{
	header(p, QR | 3, 1, 0, 1);
	question(p, Q, T_A);
	rr_soa(p, "bl.test", 20, 300); /* RFC 2308: min(TTL, MINIMUM) */
}

static void b_nxdomain_bare(struct pkt *p)
{
	header(p, QR | 3, 1, 0, 0);
	question(p, Q, T_A);
}

static void b_nodata(struct pkt *p)
{
	header(p, QR, 1, 1, 1);
	question(p, Q, T_A);
	rr_head(p, Q, T_TXT, 60, 2);
	put8(p, 1);
	put8(p, 'x');
	rr_soa(p, "bl.test", 3600, 45);
}

static void b_servfail(struct pkt *p)
{
	header(p, QR | 2, 1, 0, 0);
	question(p, Q, T_A);
}

static void b_refused(struct pkt *p)
{
	header(p, QR | 5, 1, 0, 0);
	question(p, Q, T_A);
}

static void b_notimp(struct pkt *p)
{
	header(p, QR | 4, 1, 0, 0);
	question(p, Q, T_A);
}

static void b_query(struct pkt *p)
{
	header(p, 0, 1, 0, 0);
	question(p, Q, T_A);
}

static void b_short(struct pkt *p)
{
	b_a_one(p);
	p->n -= 2; /* the last two bytes of the address */
}

static void b_header_only(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	p->n = 7;
}

static void b_ptr_loop(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	size_t here = p->n;
	putptr(p, (unsigned)here); /* points at itself */
	put16(p, T_A);
	put16(p, 1);
	put32(p, 60);
	put16(p, 4);
	put32(p, 0x7f000002);
}

static void b_ptr_out(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	putptr(p, 1000);
	put16(p, T_A);
	put16(p, 1);
	put32(p, 60);
	put16(p, 4);
	put32(p, 0x7f000002);
}

static void b_a_bad_len(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	rr_head(p, Q, T_A, 60, 5);
	put32(p, 0x7f000002);
	put8(p, 0);
}

static void b_txt_overrun(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_TXT);
	rr_head(p, Q, T_TXT, 60, 3);
	put8(p, 9); /* a string longer than the RDATA */
	put8(p, 'a');
	put8(p, 'b');
}

static void b_ttl_msb(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	rr_a(p, Q, 0x80000001u, 0x7f000002);
}

static void b_class_chaos(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_A);
	putname(p, Q);
	put16(p, T_A);
	put16(p, 3); /* CH */
	put32(p, 60);
	put16(p, 4);
	put32(p, 0x7f000002);
}

struct wire_case {
	const char *name;
	void (*build)(struct pkt *p);
	enum ng_dns_type type;
	enum ng_dns_rcode rcode;
	bool has_ttl;
	uint32_t ttl;
	size_t naddrs;
	uint32_t addrs[3];
	bool addrs_cut;
	const char *txt;
};

static const struct wire_case wire_cases[] = {
    {"one A", b_a_one, NG_DNS_A, NG_DNS_OK, true, 300, 1, {0x7f000002}, false, ""},
    {"two A, min TTL, other owner ignored",
     b_a_two_ttls,
     NG_DNS_A,
     NG_DNS_OK,
     true,
     120,
     2,
     {0x7f000002, 0x7f00000a},
     false,
     ""},
    {"owner case differs", b_a_case, NG_DNS_A, NG_DNS_OK, true, 60, 1, {0x7f000002}, false, ""},
    {"more A than kept",
     b_a_many,
     NG_DNS_A,
     NG_DNS_OK,
     true,
     60,
     NG_DNS_ADDRS_MAX,
     {0x7f000002, 0x7f000003, 0x7f000004},
     true,
     ""},
    {"TXT strings joined, records by space",
     b_txt,
     NG_DNS_TXT,
     NG_DNS_OK,
     true,
     30,
     0,
     {0},
     false,
     "Listed here ab"},
    {"CNAME chain, any order", b_cname, NG_DNS_A, NG_DNS_OK, true, 100, 1, {0x7f000003}, false, ""},
    {"CNAME loop", b_cname_loop, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"NXDOMAIN with SOA", b_nxdomain_soa, NG_DNS_A, NG_DNS_NXDOMAIN, true, 30, 0, {0}, false, ""},
    {"NXDOMAIN, SOA TTL below MINIMUM",
     b_nxdomain_soa_ttl,
     NG_DNS_A,
     NG_DNS_NXDOMAIN,
     true,
     20,
     0,
     {0},
     false,
     ""},
    {"NXDOMAIN without SOA",
     b_nxdomain_bare,
     NG_DNS_A,
     NG_DNS_NXDOMAIN,
     false,
     0,
     0,
     {0},
     false,
     ""},
    {"NODATA: other type only, SOA",
     b_nodata,
     NG_DNS_A,
     NG_DNS_NODATA,
     true,
     45,
     0,
     {0},
     false,
     ""},
    {"SERVFAIL", b_servfail, NG_DNS_A, NG_DNS_SERVFAIL, false, 0, 0, {0}, false, ""},
    {"REFUSED", b_refused, NG_DNS_A, NG_DNS_REFUSED, false, 0, 0, {0}, false, ""},
    {"NOTIMP is an error", b_notimp, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"a query, not a response", b_query, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"truncated record", b_short, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"truncated header", b_header_only, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"compression loop", b_ptr_loop, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"pointer out of the message", b_ptr_out, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"A with 5 bytes", b_a_bad_len, NG_DNS_A, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"TXT string past RDATA", b_txt_overrun, NG_DNS_TXT, NG_DNS_ERROR, false, 0, 0, {0}, false, ""},
    {"TTL with the top bit set is 0",
     b_ttl_msb,
     NG_DNS_A,
     NG_DNS_OK,
     true,
     0,
     1,
     {0x7f000002},
     false,
     ""},
    {"class CH ignored", b_class_chaos, NG_DNS_A, NG_DNS_NODATA, false, 0, 0, {0}, false, ""},
};

static void test_wire(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wire_cases) / sizeof(wire_cases[0]); i++) {
		const struct wire_case *c = &wire_cases[i];
		struct pkt p;
		struct ng_dns_answer got;
		c->build(&p);
		ng_dns_answer_parse(p.b, p.n, Q, c->type, &got);
		if (got.rcode != c->rcode)
			fail_msg("%s: rcode got %s want %s (%s)", c->name,
			         ng_dns_rcode_name(got.rcode), ng_dns_rcode_name(c->rcode),
			         got.detail);
		if (got.has_ttl != c->has_ttl || got.ttl != c->ttl)
			fail_msg("%s: ttl got %d/%u want %d/%u", c->name, got.has_ttl, got.ttl,
			         c->has_ttl, c->ttl);
		if (got.naddrs != c->naddrs || got.addrs_cut != c->addrs_cut)
			fail_msg("%s: naddrs got %zu cut %d want %zu cut %d", c->name, got.naddrs,
			         got.addrs_cut, c->naddrs, c->addrs_cut);
		for (size_t k = 0; k < 3 && k < c->naddrs; k++)
			if (got.addrs[k] != c->addrs[k])
				fail_msg("%s: addr %zu got %08x want %08x", c->name, k,
				         got.addrs[k], c->addrs[k]);
		if (strcmp(got.txt, c->txt) != 0 || got.txt_len != strlen(c->txt))
			fail_msg("%s: txt got \"%s\" want \"%s\"", c->name, got.txt, c->txt);
		if (got.rcode == NG_DNS_ERROR && (got.detail == NULL || got.detail[0] == '\0'))
			fail_msg("%s: an error without detail", c->name);
		/* Every prefix of the message is read without a crash (ASan)
		 * and never gives more than the whole. */
		for (size_t n = 0; n < p.n; n++) {
			struct ng_dns_answer part;
			ng_dns_answer_parse(p.b, n, Q, c->type, &part);
			if (part.rcode == NG_DNS_OK && part.naddrs > got.naddrs)
				fail_msg("%s: prefix %zu gives more records", c->name, n);
		}
	}
}

static void test_wire_txt_cap(void **state)
{
	(void)state;
	struct pkt p;
	struct ng_dns_answer got;
	header(&p, QR, 1, 3, 0);
	question(&p, Q, T_TXT);
	for (int r = 0; r < 3; r++) {
		rr_head(&p, Q, T_TXT, 60, 256);
		put8(&p, 255);
		for (int i = 0; i < 255; i++)
			put8(&p, 'a' + r);
	}
	ng_dns_answer_parse(p.b, p.n, Q, NG_DNS_TXT, &got);
	assert_int_equal(got.rcode, NG_DNS_OK);
	assert_true(got.txt_cut);
	assert_int_equal(got.txt_len, NG_DNS_TXT_MAX - 1);
	assert_int_equal(strlen(got.txt), NG_DNS_TXT_MAX - 1);
	/* a wrong query name finds nothing */
	ng_dns_answer_parse(p.b, p.n, "3.0.0.127.bl.test", NG_DNS_TXT, &got);
	assert_int_equal(got.rcode, NG_DNS_NODATA);
	ng_dns_answer_parse(p.b, p.n, "bad..name", NG_DNS_TXT, &got);
	assert_int_equal(got.rcode, NG_DNS_ERROR);
	ng_dns_answer_parse(NULL, 0, Q, NG_DNS_TXT, &got);
	assert_int_equal(got.rcode, NG_DNS_ERROR);
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int want;
	} cases[] = {
	    {"bl.test", 0},
	    {"bl.test.", 0},
	    {"a", 0},
	    {"", -1},
	    {".", -1},
	    {"bl..test", -1},
	    {".bl.test", -1},
	    {"bl test", -1},
	    {"bl\\.test", -1},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test", 0},   /* 63 */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test", -1}, /* 64 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = ng_dns_name_check(cases[i].name);
		if (got != cases[i].want)
			fail_msg("name \"%s\": got %d want %d", cases[i].name, got, cases[i].want);
	}
	/* 253 characters fit, 254 do not */
	char name[300];
	memset(name, 'a', sizeof(name));
	for (size_t i = 63; i < sizeof(name); i += 64)
		name[i] = '.';
	name[253] = '\0';
	assert_int_equal(ng_dns_name_check(name), 0);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(ng_dns_name_check(name), -1);
	assert_string_equal(ng_dns_rcode_name(NG_DNS_NXDOMAIN), "nxdomain");
	assert_string_equal(ng_dns_rcode_name((enum ng_dns_rcode)99), "error");
}

/* ---- the records of an answer (ng_dns_answer_parse_rrs) ---- */

static void putbytes(struct pkt *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(p, (unsigned char)s[i]);
}

/* A TXT RDATA of the given character-strings. */
static void rr_txt(struct pkt *p, const char *name, uint32_t ttl, const char *const *strs, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += 1 + strlen(strs[i]);
	rr_head(p, name, T_TXT, ttl, (unsigned)len);
	for (size_t i = 0; i < n; i++) {
		put8(p, (unsigned)strlen(strs[i]));
		putbytes(p, strs[i], strlen(strs[i]));
	}
}

static void rr_aaaa(struct pkt *p, const char *name, const char *addr)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	rr_head(p, name, T_AAAA, 60, 16);
	for (int i = 0; i < 16; i++)
		put8(p, a[i]);
}

static void b_aaaa(struct pkt *p)
{
	header(p, QR, 1, 3, 0);
	question(p, Q, T_AAAA);
	rr_aaaa(p, Q, "2001:db8::1");
	rr_a(p, Q, 60, 0x7f000002); /* another type: not a record of the answer */
	rr_aaaa(p, Q, "2001:db8::2");
}

static void b_mx(struct pkt *p)
{
	header(p, QR, 1, 3, 0);
	question(p, Q, T_MX);
	/* the exchange "mx1" + a pointer to "bl.test" in the question */
	rr_head(p, Q, T_MX, 300, 2 + 4 + 2);
	put16(p, 10);
	put8(p, 3);
	putbytes(p, "mx1", 3);
	putptr(p, 12 + 10); /* "2.0.0.127." is 10 bytes: "bl.test" follows */
	rr_head(p, Q, T_MX, 100, 2 + 17);
	put16(p, 20);
	putname(p, "Mail.Other.test");
	rr_head(p, Q, T_MX, 100, 2 + 1); /* a null MX (RFC 7505) */
	put16(p, 0);
	put8(p, 0);
}

static void b_ptr(struct pkt *p)
{
	header(p, QR, 1, 2, 0);
	question(p, Q, T_PTR);
	rr_head(p, Q, T_PTR, 60, 11);
	putname(p, "host.test");
	/* a label holding a dot and a space: escaped, so no query takes it */
	rr_head(p, Q, T_PTR, 60, 9);
	put8(p, 3);
	putbytes(p, "a.b", 3);
	put8(p, 3);
	putbytes(p, "c d", 3);
	put8(p, 0);
}

static void b_txt_records(struct pkt *p)
{
	static const char *const r1[] = {"v=spf1 ip4:", "192.0.2.5 -all"};
	static const char *const r2[] = {"other"};
	header(p, QR, 1, 4, 0);
	question(p, Q, T_TXT);
	rr_txt(p, Q, 60, r1, 2);
	rr_txt(p, Q, 60, r2, 1);
	rr_head(p, Q, T_TXT, 60, 0); /* no string at all: an empty record */
	rr_head(p, Q, T_TXT, 60, 4); /* a NUL byte: kept in the record */
	put8(p, 3);
	put8(p, 'a');
	put8(p, 0);
	put8(p, 'b');
}

static void b_mx_cname(struct pkt *p)
{
	header(p, QR, 1, 2, 0);
	question(p, Q, T_MX);
	rr_head(p, Q, T_CNAME, 100, 12);
	putname(p, "alias.test");
	rr_head(p, "alias.test", T_MX, 60, 2 + 10);
	put16(p, 5);
	putname(p, "mx.alias");
}

static void b_mx_overrun(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_MX);
	rr_head(p, Q, T_MX, 60, 2 + 3); /* the name takes 6 bytes */
	put16(p, 10);
	putname(p, "mx.t");
}

static void b_mx_short(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_MX);
	rr_head(p, Q, T_MX, 60, 1);
	put8(p, 0);
}

static void b_aaaa_short(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_AAAA);
	rr_head(p, Q, T_AAAA, 60, 4);
	put32(p, 1);
}

static void b_ptr_trailing(struct pkt *p)
{
	header(p, QR, 1, 1, 0);
	question(p, Q, T_PTR);
	rr_head(p, Q, T_PTR, 60, 7);
	putname(p, "h.t");
	put8(p, 0xff); /* past the name, inside the RDATA */
}

/* The records in one line: "TYPE value; ...". */
static void describe_rrs(const struct ng_dns_answer *a, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < a->nrrs && n < cap; i++) {
		const struct ng_dns_rr *rr = &a->rrs[i];
		char v[512];
		size_t m = 0;
		switch (rr->type) {
		case NG_DNS_A:
		case NG_DNS_AAAA:
			inet_ntop(rr->type == NG_DNS_A ? AF_INET : AF_INET6, rr->addr, v,
			          sizeof(v));
			break;
		case NG_DNS_MX:
			snprintf(v, sizeof(v), "%u %s", rr->pref, rr->text[0] ? rr->text : ".");
			break;
		case NG_DNS_PTR:
			snprintf(v, sizeof(v), "%s", rr->text);
			break;
		default:
			v[m++] = '\'';
			for (size_t k = 0; k < rr->len && m + 6 < sizeof(v); k++) {
				unsigned char ch = (unsigned char)rr->text[k];
				if (ch >= 0x20 && ch < 0x7f)
					v[m++] = (char)ch;
				else
					m += (size_t)snprintf(v + m, sizeof(v) - m, "\\x%02x", ch);
			}
			v[m++] = '\'';
			v[m] = '\0';
			break;
		}
		n += (size_t)snprintf(out + n, cap - n, "%s%s %s%s", i ? "; " : "",
		                      ng_dns_type_name(rr->type), v, rr->cut ? " (cut)" : "");
	}
}

struct rrs_case {
	const char *name;
	void (*build)(struct pkt *p);
	enum ng_dns_type type;
	enum ng_dns_rcode rcode;
	const char *rrs; /* describe_rrs() */
	const char *txt; /* the joined TXT of the short shape */
};

static const struct rrs_case rrs_cases[] = {
    {"AAAA records", b_aaaa, NG_DNS_AAAA, NG_DNS_OK, "AAAA 2001:db8::1; AAAA 2001:db8::2", ""},
    {"A records", b_a_two_ttls, NG_DNS_A, NG_DNS_OK, "A 127.0.0.2; A 127.0.0.10", ""},
    {"MX: compressed exchange, case kept, null MX", b_mx, NG_DNS_MX, NG_DNS_OK,
     "MX 10 mx1.bl.test; MX 20 Mail.Other.test; MX 0 .", ""},
    {"PTR: escapes", b_ptr, NG_DNS_PTR, NG_DNS_OK, "PTR host.test; PTR a\\046b.c d", ""},
    {"TXT: one record each, strings joined, NUL kept", b_txt_records, NG_DNS_TXT, NG_DNS_OK,
     "TXT 'v=spf1 ip4:192.0.2.5 -all'; TXT 'other'; TXT ''; TXT 'a\\x00b'",
     "v=spf1 ip4:192.0.2.5 -all other  ab"},
    {"MX through a CNAME", b_mx_cname, NG_DNS_MX, NG_DNS_OK, "MX 5 mx.alias", ""},
    {"A asked, AAAA only", b_aaaa, NG_DNS_A, NG_DNS_OK, "A 127.0.0.2", ""},
    {"MX name past its RDATA", b_mx_overrun, NG_DNS_MX, NG_DNS_ERROR, "", ""},
    {"MX shorter than a preference", b_mx_short, NG_DNS_MX, NG_DNS_ERROR, "", ""},
    {"AAAA of 4 bytes", b_aaaa_short, NG_DNS_AAAA, NG_DNS_ERROR, "", ""},
    {"PTR with bytes after the name", b_ptr_trailing, NG_DNS_PTR, NG_DNS_ERROR, "", ""},
    {"NXDOMAIN has no records", b_nxdomain_soa, NG_DNS_TXT, NG_DNS_NXDOMAIN, "", ""},
};

static void test_wire_rrs(void **state)
{
	(void)state;
	struct ng_dns_rrset *set = malloc(sizeof(*set));
	assert_non_null(set);
	for (size_t i = 0; i < sizeof(rrs_cases) / sizeof(rrs_cases[0]); i++) {
		const struct rrs_case *c = &rrs_cases[i];
		struct pkt p;
		struct ng_dns_answer got;
		char desc[2048];
		c->build(&p);
		ng_dns_answer_parse_rrs(p.b, p.n, Q, c->type, &got, set);
		describe_rrs(&got, desc, sizeof(desc));
		if (got.rcode != c->rcode)
			fail_msg("%s: rcode got %s want %s (%s)", c->name,
			         ng_dns_rcode_name(got.rcode), ng_dns_rcode_name(c->rcode),
			         got.detail);
		if (strcmp(desc, c->rrs) != 0)
			fail_msg("%s: records got \"%s\" want \"%s\"", c->name, desc, c->rrs);
		if (strcmp(got.txt, c->txt) != 0)
			fail_msg("%s: txt got \"%s\" want \"%s\"", c->name, got.txt, c->txt);
		if (got.rcode != NG_DNS_OK && (got.nrrs != 0 || got.rrs != NULL))
			fail_msg("%s: records in a failed answer", c->name);
		/* the short shape alone: the same answer, no records */
		struct ng_dns_answer plain;
		ng_dns_answer_parse(p.b, p.n, Q, c->type, &plain);
		if (plain.rcode != got.rcode || plain.nrrs != 0 || plain.rrs != NULL)
			fail_msg("%s: ng_dns_answer_parse differs", c->name);
		/* every prefix: no crash, never more records */
		for (size_t n = 0; n < p.n; n++) {
			struct ng_dns_answer part;
			ng_dns_answer_parse_rrs(p.b, n, Q, c->type, &part, set);
			if (part.nrrs > got.nrrs)
				fail_msg("%s: prefix %zu gives more records", c->name, n);
		}
	}
	/* a type no query asks for */
	struct pkt p;
	struct ng_dns_answer got;
	b_a_one(&p);
	ng_dns_answer_parse_rrs(p.b, p.n, Q, NG_DNS_CNAME, &got, set);
	assert_int_equal(got.rcode, NG_DNS_ERROR);
	free(set);
}

static void test_wire_rrs_caps(void **state)
{
	(void)state;
	struct ng_dns_rrset *set = malloc(sizeof(*set));
	struct pkt *p = malloc(sizeof(*p));
	struct ng_dns_answer got;
	assert_non_null(set);
	assert_non_null(p);

	/* more records than NG_DNS_RRS_MAX */
	header(p, QR, 1, NG_DNS_RRS_MAX + 2, 0);
	question(p, Q, T_A);
	for (unsigned i = 0; i < NG_DNS_RRS_MAX + 2; i++)
		rr_a(p, Q, 60, 0x0a000000 + i);
	ng_dns_answer_parse_rrs(p->b, p->n, Q, NG_DNS_A, &got, set);
	assert_int_equal(got.rcode, NG_DNS_OK);
	assert_int_equal(got.nrrs, NG_DNS_RRS_MAX);
	assert_true(got.rrs_cut);
	assert_int_equal(got.rrs[NG_DNS_RRS_MAX - 1].addr[3], NG_DNS_RRS_MAX - 1);

	/* a TXT record longer than NG_DNS_RDATA_MAX - 1: cut, flagged */
	header(p, QR, 1, 2, 0);
	question(p, Q, T_TXT);
	unsigned strings = NG_DNS_RDATA_MAX / 255 + 2;
	rr_head(p, Q, T_TXT, 60, strings * 256);
	for (unsigned s = 0; s < strings; s++) {
		put8(p, 255);
		for (int i = 0; i < 255; i++)
			put8(p, 'a' + s % 26);
	}
	static const char *const tail[] = {"after"};
	rr_txt(p, Q, 60, tail, 1);
	ng_dns_answer_parse_rrs(p->b, p->n, Q, NG_DNS_TXT, &got, set);
	assert_int_equal(got.rcode, NG_DNS_OK);
	assert_int_equal(got.nrrs, 2);
	assert_true(got.rrs[0].cut);
	assert_int_equal(got.rrs[0].len, NG_DNS_RDATA_MAX - 1);
	assert_int_equal(got.rrs[0].text[got.rrs[0].len], '\0');
	assert_false(got.rrs[1].cut);
	assert_string_equal(got.rrs[1].text, "after");
	assert_true(got.txt_cut);
	free(p);
	free(set);
}

static void test_query_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int want;
	} cases[] = {
	    {"bl.test", 0},
	    {"macro%percent  space%20url-space.example.com", 0},
	    {"foo:bar/baz.example.com", 0},
	    {"caf\xc3\xa9.example", 0},
	    {"a\\.b.test", -1},
	    {"tab\there.test", -1},
	    {"del\x7f.test", -1},
	    {"a..b", -1},
	    {"", -1},
	    {".", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = ng_dns_query_name_check(cases[i].name);
		if (got != cases[i].want)
			fail_msg("query name \"%s\": got %d want %d", cases[i].name, got,
			         cases[i].want);
	}
	assert_int_equal(ng_dns_name_check("a b.test"), -1);
	assert_string_equal(ng_dns_type_name(NG_DNS_AAAA), "AAAA");
	assert_string_equal(ng_dns_type_name(NG_DNS_MX), "MX");
	assert_string_equal(ng_dns_type_name(NG_DNS_PTR), "PTR");
	assert_string_equal(ng_dns_type_name((enum ng_dns_type)99), "?");
}

/* ---- the fake resolver ---- */

struct rec {
	int calls;
	struct ng_dns_answer last; /* its records are gone after the callback: */
	char rrs[1024];            /* describe_rrs() of them */
	struct ng_dns_resolver *r;
	struct ng_dns_query *to_cancel;
	bool start_another;
};

static void on_answer(void *arg, const struct ng_dns_answer *a)
{
	struct rec *rec = arg;
	rec->calls++;
	rec->last = *a;
	describe_rrs(a, rec->rrs, sizeof(rec->rrs));
	rec->last.rrs = NULL;
	if (rec->to_cancel != NULL) {
		ng_dns_cancel(rec->r, rec->to_cancel);
		rec->to_cancel = NULL;
	}
	if (rec->start_another) {
		rec->start_another = false;
		assert_non_null(ng_dns_query(rec->r, "later.test", NG_DNS_A, on_answer, rec));
	}
}

static void test_fake(void **state)
{
	(void)state;
	struct ng_dns_resolver *r = ng_dns_fake_new();
	struct rec a = {.r = r}, b = {.r = r}, c = {.r = r};
	uint32_t addr = 0x7f000002;

	assert_non_null(r);
	assert_int_equal(ng_dns_fake_set_a(r, "x.test", 60, &addr, 1), 0);
	assert_int_equal(ng_dns_fake_set_txt(r, "X.Test.", 30, "why"), 0);
	assert_non_null(ng_dns_query(r, "x.test", NG_DNS_A, on_answer, &a));
	struct ng_dns_query *qb = ng_dns_query(r, "x.test", NG_DNS_TXT, on_answer, &b);
	assert_non_null(qb);
	assert_non_null(ng_dns_query(r, "none.test", NG_DNS_A, on_answer, &c));
	assert_null(ng_dns_query(r, "bad..name", NG_DNS_A, on_answer, &c));
	/* never from inside query() */
	assert_int_equal(a.calls + b.calls + c.calls, 0);
	assert_int_equal(ng_dns_fake_pending(r), 3);

	/* a's callback cancels b, and starts a query that waits for the next run */
	a.to_cancel = qb;
	a.start_another = true;
	assert_int_equal(ng_dns_fake_run(r), 2);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.last.rcode, NG_DNS_OK);
	assert_int_equal(a.last.addrs[0], addr);
	assert_int_equal(b.calls, 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last.rcode, NG_DNS_NXDOMAIN);
	assert_int_equal(ng_dns_fake_pending(r), 1);
	assert_int_equal(ng_dns_fake_run(r), 1);
	assert_int_equal(a.calls, 2);
	assert_int_equal(ng_dns_fake_sent(r), 4);
	assert_int_equal(ng_dns_fake_sent_for(r, "x.test", NG_DNS_TXT), 1);
	assert_int_equal(ng_dns_fake_sent_for(r, "nobody.test", NG_DNS_TXT), 0);

	/* a changed table answers queries that wait */
	assert_non_null(ng_dns_query(r, "x.test", NG_DNS_A, on_answer, &a));
	assert_int_equal(ng_dns_fake_set_rcode(r, "x.test", NG_DNS_A, NG_DNS_TIMEOUT, false, 0), 0);
	ng_dns_fake_run(r);
	assert_int_equal(a.last.rcode, NG_DNS_TIMEOUT);
	/* free with queries pending: no callbacks, no leaks */
	assert_non_null(ng_dns_query(r, "x.test", NG_DNS_A, on_answer, &a));
	ng_dns_resolver_free(r);
	assert_int_equal(a.calls, 3);
	ng_dns_resolver_free(NULL);
	/* the fake's setters refuse other resolvers */
	assert_int_equal(ng_dns_fake_set_a(NULL, "x.test", 1, &addr, 1), -1);
}

static void test_fake_records(void **state)
{
	(void)state;
	struct ng_dns_resolver *r = ng_dns_fake_new();
	struct rec a = {.r = r};
	char desc[1024];
	assert_non_null(r);

	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_MX, 300, "10 mx1.test."), 0);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_MX, 60, "0 ."), 0);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_AAAA, 60, "2001:db8::5"), 0);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_A, 60, "192.0.2.1"), 0);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_A, 30, "192.0.2.2"), 0);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_TXT, 60, "v=spf1 mx"), 0);
	struct ng_dns_rr nul = {.type = NG_DNS_TXT, .ttl = 60, .text = "x\0y", .len = 3};
	assert_int_equal(ng_dns_fake_add_rr(r, "m.test", &nul), 0);
	assert_int_equal(ng_dns_fake_add(r, "2.0.0.127.in-addr.arpa", NG_DNS_PTR, 60, "m.test"), 0);
	assert_int_equal(ng_dns_fake_set_cname(r, "alias.test", "m.test"), 0);
	assert_int_equal(ng_dns_fake_set_cname(r, "loop1.test", "loop2.test"), 0);
	assert_int_equal(ng_dns_fake_set_cname(r, "loop2.test", "loop1.test"), 0);
	/* refused values */
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_A, 60, "2001:db8::5"), -1);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_MX, 60, "mx1.test"), -1);
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_CNAME, 60, "x.test"), -1);
	assert_int_equal(ng_dns_fake_add(r, "bad..name", NG_DNS_A, 60, "192.0.2.1"), -1);

	static const struct {
		const char *name;
		enum ng_dns_type type;
		enum ng_dns_rcode rcode;
		uint32_t ttl;
		const char *rrs;
		const char *txt;
	} cases[] = {
	    {"m.test", NG_DNS_MX, NG_DNS_OK, 60, "MX 10 mx1.test; MX 0 .", ""},
	    {"M.TEST.", NG_DNS_A, NG_DNS_OK, 30, "A 192.0.2.1; A 192.0.2.2", ""},
	    {"m.test", NG_DNS_AAAA, NG_DNS_OK, 60, "AAAA 2001:db8::5", ""},
	    {"m.test", NG_DNS_TXT, NG_DNS_OK, 60, "TXT 'v=spf1 mx'; TXT 'x\\x00y'", "v=spf1 mx xy"},
	    {"2.0.0.127.in-addr.arpa", NG_DNS_PTR, NG_DNS_OK, 60, "PTR m.test", ""},
	    {"2.0.0.127.in-addr.arpa", NG_DNS_A, NG_DNS_NODATA, 0, "", ""},
	    {"alias.test", NG_DNS_AAAA, NG_DNS_OK, 60, "AAAA 2001:db8::5", ""},
	    {"alias.test", NG_DNS_PTR, NG_DNS_NODATA, 0, "", ""},
	    {"loop1.test", NG_DNS_A, NG_DNS_SERVFAIL, 0, "", ""},
	    {"nowhere.test", NG_DNS_A, NG_DNS_NXDOMAIN, 0, "", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(ng_dns_query(r, cases[i].name, cases[i].type, on_answer, &a));
		assert_int_equal(ng_dns_fake_run(r), 1);
		snprintf(desc, sizeof(desc), "%s", a.rrs);
		if (a.last.rcode != cases[i].rcode || a.last.ttl != cases[i].ttl ||
		    strcmp(desc, cases[i].rrs) != 0 || strcmp(a.last.txt, cases[i].txt) != 0)
			fail_msg("%s/%s: got %s ttl %u \"%s\" \"%s\" want %s ttl %u \"%s\" \"%s\"",
			         cases[i].name, ng_dns_type_name(cases[i].type),
			         ng_dns_rcode_name(a.last.rcode), a.last.ttl, desc, a.last.txt,
			         ng_dns_rcode_name(cases[i].rcode), cases[i].ttl, cases[i].rrs,
			         cases[i].txt);
	}
	/* the short shape of A records added one by one */
	assert_non_null(ng_dns_query(r, "m.test", NG_DNS_A, on_answer, &a));
	ng_dns_fake_run(r);
	assert_int_equal(a.last.naddrs, 2);
	assert_int_equal(a.last.addrs[1], 0xc0000202);

	/* an answer set whole replaces the records, and has records of its own */
	uint32_t addr = 0x7f000002;
	assert_int_equal(ng_dns_fake_set_a(r, "m.test", 10, &addr, 1), 0);
	assert_non_null(ng_dns_query(r, "m.test", NG_DNS_A, on_answer, &a));
	ng_dns_fake_run(r);
	assert_string_equal(a.rrs, "A 127.0.0.2");
	assert_int_equal(ng_dns_fake_set_txt(r, "t.test", 10, "joined text"), 0);
	assert_non_null(ng_dns_query(r, "t.test", NG_DNS_TXT, on_answer, &a));
	ng_dns_fake_run(r);
	assert_string_equal(a.rrs, "TXT 'joined text'");
	/* and records added later replace the answer set whole */
	assert_int_equal(ng_dns_fake_add(r, "m.test", NG_DNS_A, 60, "192.0.2.7"), 0);
	assert_non_null(ng_dns_query(r, "m.test", NG_DNS_A, on_answer, &a));
	ng_dns_fake_run(r);
	assert_string_equal(a.rrs, "A 192.0.2.7");

	/* deferrals: later, in order, cancellable, not counted as queries */
	unsigned long sent = ng_dns_fake_sent(r);
	struct rec d1 = {.r = r}, d2 = {.r = r};
	struct ng_dns_query *q1 = ng_dns_defer(r, on_answer, &d1);
	assert_non_null(q1);
	assert_non_null(ng_dns_defer(r, on_answer, &d2));
	assert_int_equal(d1.calls + d2.calls, 0);
	assert_int_equal(ng_dns_fake_pending(r), 2);
	ng_dns_cancel(r, q1);
	assert_int_equal(ng_dns_fake_run(r), 1);
	assert_int_equal(d1.calls, 0);
	assert_int_equal(d2.calls, 1);
	assert_int_equal(d2.last.rcode, NG_DNS_OK);
	assert_string_equal(d2.last.detail, "deferred");
	assert_int_equal(ng_dns_fake_sent(r), sent);
	/* a deferral pending at free: no callback, no leak */
	assert_non_null(ng_dns_defer(r, on_answer, &d2));
	ng_dns_resolver_free(r);
	assert_int_equal(d2.calls, 1);
}

/* ---- c-ares: construction only ---- */

static void test_ares_servers(void **state)
{
	(void)state;
	static const struct {
		const char *server;
		bool ok;
	} cases[] = {
	    {"127.0.0.1", true},
	    {"127.0.0.1:5300", true},
	    {"[::1]:5300", true},
	    {"[::1]", true},
	    {"::1", true},
	    {"2001:db8::53", true},
	    {"localhost", false},
	    {"127.0.0.1:", false},
	    {"127.0.0.1:0", false},
	    {"127.0.0.1:65536", false},
	    {"[::1", false},
	    {"[::1]x", false},
	    {"127.0.0.1:53x", false},
	    {"", false},
	    {"127.0.0.1:-1", false},
	    {"[127.0.0.1]:53", true},
	};
	struct event_base *base = event_base_new();
	assert_non_null(base);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		const char *s[1] = {cases[i].server};
		struct ng_dns_resolver *r =
		    ng_dns_ares_new(base, s, 1, 500, 1, NULL, err, sizeof(err));
		if ((r != NULL) != cases[i].ok)
			fail_msg("server \"%s\": got %s want %s (%s)", cases[i].server,
			         r ? "ok" : "error", cases[i].ok ? "ok" : "error", err);
		if (r == NULL && strstr(err, cases[i].server) == NULL)
			fail_msg("server \"%s\": the error does not name it: %s", cases[i].server,
			         err);
		ng_dns_resolver_free(r);
	}
	const char *many[NG_DNS_SERVERS_MAX + 1];
	for (size_t i = 0; i <= NG_DNS_SERVERS_MAX; i++)
		many[i] = "127.0.0.1";
	char err[256];
	assert_null(
	    ng_dns_ares_new(base, many, NG_DNS_SERVERS_MAX + 1, 500, 1, NULL, err, sizeof(err)));
	struct ng_dns_resolver *r =
	    ng_dns_ares_new(base, many, NG_DNS_SERVERS_MAX, 500, 1, NULL, err, sizeof(err));
	assert_non_null(r);
	/* No query is sent here: unit tests do not touch the network
	 * (tests/integration/lookup.sh runs this resolver against rbldnsd). */
	ng_dns_resolver_free(r);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire),         cmocka_unit_test(test_wire_txt_cap),
	    cmocka_unit_test(test_wire_rrs),     cmocka_unit_test(test_wire_rrs_caps),
	    cmocka_unit_test(test_names),        cmocka_unit_test(test_query_names),
	    cmocka_unit_test(test_fake),         cmocka_unit_test(test_fake_records),
	    cmocka_unit_test(test_ares_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
