/*
 * test_dnsbl.c - unit tests of lib/dnsbl on the fake resolver (dns.h) and
 * a fake clock: no network, no wall clock.
 *
 * Tables of named cases for query names, reply patterns, the verdict on an
 * answer, TTL clamps and the summary; scenario tests for the cache (hits,
 * expiry, negative entries, LRU bound), shared queries, cancel and
 * callbacks that re-enter the library.  The self-test circuit breaker is
 * in test_dnsbl_selftest.c.
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

#include <ndrguard/config.h>
#include <ndrguard/dns.h>
#include <ndrguard/dnsbl.h>

#include "dnsbl/internal.h"
#include "dnsbl_fx.h"

/* ---- query names ---- */

static void test_qname(void **state)
{
	(void)state;
	static const struct {
		const char *name, *ip, *zone, *want; /* want NULL: -1 */
	} cases[] = {
	    {"ipv4", "192.0.2.1", "bl.test", "1.2.0.192.bl.test"},
	    {"ipv4, final dot on the zone", "192.0.2.1", "bl.test.", "1.2.0.192.bl.test"},
	    {"ipv4 test point", "127.0.0.2", "bl.test", "2.0.0.127.bl.test"},
	    {"ipv6 compressed", "2001:db8::1", "bl.test",
	     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test"},
	    {"ipv6 upper case", "2001:DB8:0:0:0:0:0:ABCD", "bl.test",
	     "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test"},
	    {"ipv6 loopback", "::1", "bl.test",
	     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test"},
	    {"ipv4-mapped ipv6 is ipv4", "::ffff:192.0.2.1", "bl.test", "1.2.0.192.bl.test"},
	    {"ipv4-compatible is ipv6", "::192.0.2.1", "bl.test",
	     "1.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test"},
	    {"three octets", "192.0.2", "bl.test", NULL},
	    {"octet 256", "192.0.2.256", "bl.test", NULL},
	    {"leading zero", "192.0.2.010", "bl.test", NULL},
	    {"host name", "mail.example", "bl.test", NULL},
	    {"empty", "", "bl.test", NULL},
	    {"white space", " 192.0.2.1", "bl.test", NULL},
	    {"scope id", "fe80::1%eth0", "bl.test", NULL},
	    {"brackets", "[2001:db8::1]", "bl.test", NULL},
	    {"cidr", "192.0.2.0/24", "bl.test", NULL},
	    {"empty zone", "192.0.2.1", "", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[NG_DNS_NAME_MAX] = "";
		int rc = ng_dnsbl_qname(cases[i].ip, cases[i].zone, got, sizeof(got));
		if (cases[i].want == NULL && rc != -1)
			fail_msg("%s: got \"%s\" want an error", cases[i].name, got);
		if (cases[i].want != NULL && (rc != 0 || strcmp(got, cases[i].want) != 0))
			fail_msg("%s: got %d \"%s\" want \"%s\"", cases[i].name, rc, got,
			         cases[i].want);
	}
	/* A name that does not fit the caller's buffer, or 253 characters. */
	char small[20];
	assert_int_equal(ng_dnsbl_qname("192.0.2.1", "bl.test", small, sizeof(small)), 0);
	assert_int_equal(ng_dnsbl_qname("192.0.2.1", "bl.test.example", small, sizeof(small)), -1);
	char zone[200], out[300];
	memset(zone, 'a', sizeof(zone));
	for (size_t i = 50; i < sizeof(zone); i += 51)
		zone[i] = '.';
	zone[189] = '\0';
	assert_int_equal(ng_dnsbl_qname("2001:db8::1", zone, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 253);
	zone[189] = 'a';
	zone[190] = '\0';
	assert_int_equal(ng_dnsbl_qname("2001:db8::1", zone, out, sizeof(out)), -1);
}

/* ---- zone specs and reply patterns ---- */

struct codes_case {
	const char *spec;
	const char *name;    /* NULL: the spec is an error */
	const char *err;     /* a part of the error message */
	uint32_t match[4];   /* 0 ends */
	uint32_t nomatch[4]; /* 0 ends */
};

static const struct codes_case codes_cases[] = {
    {"bl.test",
     "bl.test",
     NULL,
     {LOC2, 0x7f000001, 0x7f0a0b0c},
     {0x7fffffff, 0x7fffff01, 0x0a000001}},
    {"BL.Test.", "bl.test", NULL, {LOC2}, {0x80000002}},
    {"bl.test=127.0.0.2", "bl.test", NULL, {LOC2}, {LOC4, 0x7f000102}},
    {"bl.test=127.0.0.[2;3]", "bl.test", NULL, {LOC2, 0x7f000003}, {LOC4, 0x7f000001}},
    {"bl.test=127.0.0.[2..11]",
     "bl.test",
     NULL,
     {LOC2, 0x7f00000b, 0x7f000007},
     {0x7f000001, 0x7f00000c}},
    {"bl.test=127.[0..1].0.[2;4;6..8]",
     "bl.test",
     NULL,
     {LOC2, 0x7f010008, LOC4},
     {0x7f020002, 0x7f000005}},
    {"bl.test=[127.0.0.2]", "bl.test", NULL, {LOC2}, {0x7f000003}},
    {"bl.test=127.0.0.[2]", "bl.test", NULL, {LOC2}, {0x7f000003}},
    {"bl.test=127.000.0.02", "bl.test", NULL, {LOC2}, {0x7f000003}},
    {"bl.test=[127].0.0.[0..255]", "bl.test", NULL, {LOC2, 0x7f0000ff}, {0x7f000100}},
    {"b_l-1.test", "b_l-1.test", NULL, {LOC2}, {0}},
    {"", NULL, "empty zone name", {0}, {0}},
    {".", NULL, "empty zone name", {0}, {0}},
    {"=127.0.0.2", NULL, "empty zone name", {0}, {0}},
    {"bl..test", NULL, "empty label", {0}, {0}},
    {"bl test", NULL, "letters, digits", {0}, {0}},
    {"bl.test=", NULL, "empty reply pattern", {0}, {0}},
    {"bl.test=127.0.0", NULL, "four fields", {0}, {0}},
    {"bl.test=127.0.0.2.5", NULL, "garbage after", {0}, {0}},
    {"bl.test=127.0.0.256", NULL, "0..255", {0}, {0}},
    {"bl.test=127.0.0.[2,3]", NULL, "use \";\"", {0}, {0}},
    {"bl.test=127.0.0.[3..2]", NULL, "LOW > HIGH", {0}, {0}},
    {"bl.test=127.0.0.[2", NULL, "need \";\" or \"]\" at \"127.0.0.[2>\"", {0}, {0}},
    {"bl.test=[127.0.0.2", NULL, "missing \"]\"", {0}, {0}},
    {"bl.test=127.0.0.[2;x]", NULL, "0..255 at \"127.0.0.[2;>x]\"", {0}, {0}},
    {"bl.test=127.0.0.[2;]", NULL, "decimal number", {0}, {0}},
    {"bl.test=127.0.0.3[6..9]", NULL, "garbage after", {0}, {0}},
    {"bl.test=127.0.[0.2]", NULL, "need \";\" or \"]\"", {0}, {0}},
    {"bl.test=a.b.c.d", NULL, "decimal number", {0}, {0}},
    {"bl.test=127.0.0.2=x", NULL, "garbage after", {0}, {0}},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test", NULL, "63", {0}, {0}},
};

static void test_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(codes_cases) / sizeof(codes_cases[0]); i++) {
		const struct codes_case *c = &codes_cases[i];
		struct ng_dnsbl_zone_spec z;
		char err[300] = "";
		int rc = ng_dnsbl_spec_parse(c->spec, &z, err, sizeof(err));
		if (ng_dnsbl_zone_check(c->spec, err, sizeof(err)) != rc)
			fail_msg("\"%s\": zone_check and spec_parse disagree", c->spec);
		if (c->name == NULL) {
			if (rc == 0)
				fail_msg("\"%s\": got ok, want an error with \"%s\"", c->spec,
				         c->err);
			if (strstr(err, c->err) == NULL || strstr(err, "bad dnsbl zone") == NULL)
				fail_msg("\"%s\": got error \"%s\", want one with \"%s\"", c->spec,
				         err, c->err);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\": got error \"%s\", want ok", c->spec, err);
		if (strcmp(z.name, c->name) != 0)
			fail_msg("\"%s\": got zone \"%s\" want \"%s\"", c->spec, z.name, c->name);
		for (size_t k = 0; k < 4 && c->match[k]; k++)
			if (!ng_dnsbl_codes_match(&z.codes, c->match[k]))
				fail_msg("\"%s\": %08x should match", c->spec, c->match[k]);
		for (size_t k = 0; k < 4 && c->nomatch[k]; k++)
			if (ng_dnsbl_codes_match(&z.codes, c->nomatch[k]))
				fail_msg("\"%s\": %08x should not match", c->spec, c->nomatch[k]);
	}
	/* A zone name as long as an IPv6 query name allows, and one more. */
	char spec[200];
	memset(spec, 'a', sizeof(spec));
	for (size_t i = 60; i < sizeof(spec); i += 61)
		spec[i] = '.';
	char err[300];
	spec[NG_DNSBL_ZONE_NAME_MAX] = '\0';
	assert_int_equal(ng_dnsbl_zone_check(spec, err, sizeof(err)), 0);
	spec[NG_DNSBL_ZONE_NAME_MAX] = 'a';
	spec[NG_DNSBL_ZONE_NAME_MAX + 1] = '\0';
	assert_int_equal(ng_dnsbl_zone_check(spec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
}

/* ---- the verdict on one answer, through the whole stack ---- */

struct class_case {
	const char *name;
	const char *spec;
	uint32_t selftest_code; /* what 127.0.0.2 answers; 0 = 127.0.0.2 */
	enum ng_dns_rcode rcode;
	uint32_t addrs[3];
	size_t naddrs;
	enum ng_dnsbl_status want;
	const char *want_txt;
	unsigned want_warnings;
};

static const struct class_case class_cases[] = {
    {"listed, any code", "bl.test", 0, NG_DNS_OK, {LOC2}, 1, NG_DNSBL_LISTED, "Listed: spam", 0},
    {"listed, 127.0.0.10 any code",
     "bl.test",
     0,
     NG_DNS_OK,
     {0x7f00000a},
     1,
     NG_DNSBL_LISTED,
     "Listed: spam",
     0},
    {"listed, second record matches",
     "bl.test=127.0.0.4",
     LOC4,
     NG_DNS_OK,
     {LOC2, LOC4},
     2,
     NG_DNSBL_LISTED,
     "Listed: spam",
     0},
    {"listed, range",
     "bl.test=127.0.0.[2..11]",
     0,
     NG_DNS_OK,
     {0x7f000009},
     1,
     NG_DNSBL_LISTED,
     "Listed: spam",
     0},
    {"query refused code", "bl.test", 0, NG_DNS_OK, {0x7ffffffe}, 1, NG_DNSBL_UNUSABLE, "", 1},
    {"error code beats a matching pattern",
     "bl.test=127.[0..255].[0..255].[0..255]",
     0,
     NG_DNS_OK,
     {0x7fffffff},
     1,
     NG_DNSBL_UNUSABLE,
     "",
     1},
    {"error code next to a listing",
     "bl.test",
     0,
     NG_DNS_OK,
     {LOC2, 0x7ffffffc},
     2,
     NG_DNSBL_UNUSABLE,
     "",
     1},
    {"not one of the zone's codes",
     "bl.test=127.0.0.2",
     0,
     NG_DNS_OK,
     {LOC4},
     1,
     NG_DNSBL_UNUSABLE,
     "",
     1},
    {"outside 127/8", "bl.test", 0, NG_DNS_OK, {0x0a000001}, 1, NG_DNSBL_UNUSABLE, "", 1},
    {"nxdomain", "bl.test", 0, NG_DNS_NXDOMAIN, {0}, 0, NG_DNSBL_NOT_LISTED, "", 0},
    {"nodata", "bl.test", 0, NG_DNS_NODATA, {0}, 0, NG_DNSBL_NOT_LISTED, "", 0},
    {"timeout", "bl.test", 0, NG_DNS_TIMEOUT, {0}, 0, NG_DNSBL_UNKNOWN, "", 0},
    {"servfail", "bl.test", 0, NG_DNS_SERVFAIL, {0}, 0, NG_DNSBL_UNKNOWN, "", 0},
    {"refused", "bl.test", 0, NG_DNS_REFUSED, {0}, 0, NG_DNSBL_UNKNOWN, "", 0},
    {"malformed answer", "bl.test", 0, NG_DNS_ERROR, {0}, 0, NG_DNSBL_UNKNOWN, "", 0},
};

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		const struct class_case *c = &class_cases[i];
		struct fx f;
		struct got g;
		fx_init(&f);
		zone_ok(&f, "bl.test", c->selftest_code ? c->selftest_code : LOC2);
		if (c->rcode == NG_DNS_OK)
			ng_dns_fake_set_a(f.r, QN, 300, c->addrs, c->naddrs);
		else
			ng_dns_fake_set_rcode(f.r, QN, NG_DNS_A, c->rcode, false, 0);
		ng_dns_fake_set_txt(f.r, QN, 300, "Listed: spam");
		const char *zones[] = {c->spec};
		fx_start(&f, zones, 1);
		unsigned warn0 = f.warnings;
		lookup_run(&f, IP, &g);
		const struct ng_dnsbl_zone_result *z = &g.res.zones[0];
		if (g.res.nzones != 1 || z->status != c->want)
			fail_msg("%s: got %s want %s\nlog:\n%s", c->name,
			         ng_dnsbl_status_name(z->status), ng_dnsbl_status_name(c->want),
			         f.logbuf);
		if (strcmp(z->zone, "bl.test") != 0)
			fail_msg("%s: zone got %s", c->name, z->zone);
		if (strcmp(z->txt, c->want_txt) != 0)
			fail_msg("%s: txt got \"%s\" want \"%s\"", c->name, z->txt, c->want_txt);
		if (z->ncodes != c->naddrs)
			fail_msg("%s: ncodes got %zu want %zu", c->name, z->ncodes, c->naddrs);
		for (size_t k = 0; k < c->naddrs; k++)
			if (z->codes[k] != c->addrs[k])
				fail_msg("%s: code %zu got %08x", c->name, k, z->codes[k]);
		if (f.warnings - warn0 != c->want_warnings)
			fail_msg("%s: warnings got %u want %u\n%s", c->name, f.warnings - warn0,
			         c->want_warnings, f.logbuf);
		/* TXT only when listed */
		unsigned long txt = ng_dns_fake_sent_for(f.r, QN, NG_DNS_TXT);
		if (txt != (c->want == NG_DNSBL_LISTED))
			fail_msg("%s: %lu TXT queries", c->name, txt);
		struct ng_dnsbl_stats st;
		ng_dnsbl_stats(f.bl, &st);
		unsigned long long counted = c->want == NG_DNSBL_LISTED       ? st.listed
		                             : c->want == NG_DNSBL_NOT_LISTED ? st.not_listed
		                             : c->want == NG_DNSBL_UNUSABLE   ? st.unusable
		                                                              : st.unknown;
		if (counted != 1 || st.lookups != 1)
			fail_msg("%s: stats counted %llu lookups %llu", c->name, counted,
			         st.lookups);
		fx_done(&f);
	}
}

/* ---- the cache ---- */

static void test_cache_hit_expiry(void **state)
{
	(void)state;
	struct fx f;
	struct got g;
	uint32_t a = LOC2;
	fx_init(&f);
	zone_ok(&f, "bl.test", LOC2);
	ng_dns_fake_set_a(f.r, QN, 300, &a, 1);
	ng_dns_fake_set_txt(f.r, QN, 200, "why");
	const char *zones[] = {"bl.test"};
	fx_start(&f, zones, 1);

	lookup_run(&f, IP, &g);
	assert_false(g.res.zones[0].cached);
	unsigned long sent = ng_dns_fake_sent(f.r);
	/* a hit: done runs inside lookup, *q is NULL, no DNS */
	struct ng_dnsbl_query *q = (struct ng_dnsbl_query *)1;
	memset(&g, 0, sizeof(g));
	f.now += 199; /* TTL = min(A 300, TXT 200) */
	assert_int_equal(ng_dnsbl_lookup(f.bl, IP, on_done, &g, &q), 0);
	assert_null(q);
	assert_int_equal(g.calls, 1);
	assert_true(g.res.zones[0].cached);
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_LISTED);
	assert_string_equal(g.res.zones[0].txt, "why");
	assert_int_equal(g.res.zones[0].ncodes, 1);
	assert_int_equal(ng_dns_fake_sent(f.r), sent);
	/* the same address written differently is the same key */
	lookup_run(&f, "::ffff:192.0.2.10", &g);
	assert_true(g.res.zones[0].cached);
	/* expired */
	f.now += 1;
	lookup_run(&f, IP, &g);
	assert_false(g.res.zones[0].cached);
	assert_int_equal(ng_dns_fake_sent(f.r), sent + 2);
	struct ng_dnsbl_stats st;
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.cache_hits, 2);
	assert_int_equal(st.lookups, 4);
	assert_int_equal(st.listed, 4);
	assert_int_equal(st.cache_entries, 1);
	fx_done(&f);
}

struct ttl_case {
	const char *name;
	enum ng_dns_rcode rcode;
	bool has_ttl;
	uint32_t ttl;
	uint32_t min_ttl, max_ttl, negative_ttl;
	uint32_t want; /* seconds cached; 0 = not cached */
};

static const struct ttl_case ttl_cases[] = {
    {"positive, inside the clamps", NG_DNS_OK, true, 300, 10, 3600, 120, 300},
    {"positive, raised to min", NG_DNS_OK, true, 2, 10, 3600, 120, 10},
    {"positive, cut to max", NG_DNS_OK, true, 100000, 10, 3600, 120, 3600},
    {"positive TTL 0, min 0: not cached", NG_DNS_OK, true, 0, 0, 3600, 120, 0},
    {"nxdomain with SOA", NG_DNS_NXDOMAIN, true, 30, 10, 3600, 120, 30},
    {"nxdomain with SOA, raised to min", NG_DNS_NXDOMAIN, true, 1, 10, 3600, 120, 10},
    {"nxdomain without SOA: negative_ttl", NG_DNS_NXDOMAIN, false, 0, 10, 3600, 120, 120},
    {"nodata without SOA, negative_ttl cut", NG_DNS_NODATA, false, 0, 10, 60, 120, 60},
    {"nodata with SOA", NG_DNS_NODATA, true, 45, 10, 3600, 120, 45},
    {"timeout: never cached", NG_DNS_TIMEOUT, false, 0, 10, 3600, 120, 0},
    {"servfail: never cached", NG_DNS_SERVFAIL, false, 0, 10, 3600, 120, 0},
};

static void test_ttl_clamps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ttl_cases) / sizeof(ttl_cases[0]); i++) {
		const struct ttl_case *c = &ttl_cases[i];
		struct fx f;
		struct got g;
		uint32_t a = 0x7f00000a; /* listed; no TXT (NXDOMAIN) */
		fx_init(&f);
		f.o.min_ttl = c->min_ttl;
		f.o.max_ttl = c->max_ttl;
		f.o.negative_ttl = c->negative_ttl;
		zone_ok(&f, "bl.test", LOC2);
		if (c->rcode == NG_DNS_OK)
			ng_dns_fake_set_a(f.r, QN, c->ttl, &a, 1);
		else
			ng_dns_fake_set_rcode(f.r, QN, NG_DNS_A, c->rcode, c->has_ttl, c->ttl);
		const char *zones[] = {"bl.test"};
		fx_start(&f, zones, 1);
		lookup_run(&f, IP, &g);
		time_t t0 = f.now;
		if (c->want > 0) {
			f.now = t0 + c->want - 1;
			lookup_run(&f, IP, &g);
			if (!g.res.zones[0].cached)
				fail_msg("%s: not cached after %u s", c->name, c->want - 1);
		}
		f.now = t0 + c->want;
		lookup_run(&f, IP, &g);
		if (g.res.zones[0].cached)
			fail_msg("%s: still cached after %u s", c->name, c->want);
		fx_done(&f);
	}
}

static void test_cache_lru(void **state)
{
	(void)state;
	struct fx f;
	struct got g;
	fx_init(&f);
	f.o.cache_size = 2;
	zone_ok(&f, "bl.test", LOC2);
	const char *zones[] = {"bl.test"};
	fx_start(&f, zones, 1);
	lookup_run(&f, "192.0.2.1", &g);
	lookup_run(&f, "192.0.2.2", &g);
	lookup_run(&f, "192.0.2.1", &g); /* .1 is now the most recent */
	assert_true(g.res.zones[0].cached);
	lookup_run(&f, "192.0.2.3", &g); /* evicts .2 */
	struct ng_dnsbl_stats st;
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.cache_entries, 2);
	lookup_run(&f, "192.0.2.1", &g);
	assert_true(g.res.zones[0].cached);
	lookup_run(&f, "192.0.2.3", &g);
	assert_true(g.res.zones[0].cached);
	lookup_run(&f, "192.0.2.2", &g);
	assert_false(g.res.zones[0].cached);
	fx_done(&f);

	/* cache_size 0: no cache at all */
	fx_init(&f);
	f.o.cache_size = 0;
	zone_ok(&f, "bl.test", LOC2);
	fx_start(&f, zones, 1);
	lookup_run(&f, IP, &g);
	lookup_run(&f, IP, &g);
	assert_false(g.res.zones[0].cached);
	fx_done(&f);

	/* many entries through a small cache: the bound holds */
	fx_init(&f);
	f.o.cache_size = 7;
	zone_ok(&f, "bl.test", LOC2);
	fx_start(&f, zones, 1);
	for (int i = 0; i < 100; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		lookup_run(&f, ip, &g);
	}
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.cache_entries, 7);
	fx_done(&f);
}

/* ---- sharing, cancel, re-entry ---- */

static void test_share_and_cancel(void **state)
{
	(void)state;
	struct fx f;
	struct got g1, g2, g3;
	struct ng_dnsbl_query *q1, *q2, *q3;
	uint32_t a = LOC2;
	fx_init(&f);
	zone_ok(&f, "bl.test", LOC2);
	zone_ok(&f, "two.test", LOC2);
	ng_dns_fake_set_a(f.r, QN, 300, &a, 1);
	const char *zones[] = {"bl.test", "two.test"};
	fx_start(&f, zones, 2);

	memset(&g1, 0, sizeof(g1));
	memset(&g2, 0, sizeof(g2));
	memset(&g3, 0, sizeof(g3));
	assert_int_equal(ng_dnsbl_lookup(f.bl, IP, on_done, &g1, &q1), 0);
	assert_int_equal(ng_dnsbl_lookup(f.bl, IP, on_done, &g2, &q2), 0);
	assert_int_equal(ng_dnsbl_lookup(f.bl, IP, on_done, &g3, &q3), 0);
	assert_non_null(q1);
	/* one A query per zone, shared by three lookups */
	assert_int_equal(ng_dns_fake_sent_for(f.r, QN, NG_DNS_A), 1);
	assert_int_equal(ng_dns_fake_pending(f.r), 2);
	ng_dnsbl_cancel(q2); /* the others still wait */
	assert_int_equal(ng_dns_fake_pending(f.r), 2);
	ng_dns_fake_run(f.r); /* A answers; TXT for bl.test */
	ng_dns_fake_run(f.r);
	assert_int_equal(g1.calls, 1);
	assert_int_equal(g2.calls, 0);
	assert_int_equal(g3.calls, 1);
	assert_int_equal(g1.res.zones[0].status, NG_DNSBL_LISTED);
	assert_int_equal(g1.res.zones[1].status, NG_DNSBL_NOT_LISTED);
	assert_int_equal(g3.res.zones[0].status, NG_DNSBL_LISTED);

	/* the last waiter cancels: the DNS queries are cancelled too */
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.99", on_done, &g1, &q1), 0);
	assert_int_equal(ng_dns_fake_pending(f.r), 2);
	ng_dnsbl_cancel(q1);
	assert_int_equal(ng_dns_fake_pending(f.r), 0);
	ng_dnsbl_cancel(NULL);

	/* a done callback cancels a lookup that waits on the same queries */
	memset(&g1, 0, sizeof(g1));
	memset(&g2, 0, sizeof(g2));
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.98", on_done, &g1, &q1), 0);
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.98", on_done, &g2, &q2), 0);
	/* waiters are served newest first: g2 runs first and cancels g1 */
	g2.cancel_me = q1;
	ng_dns_fake_run(f.r);
	assert_int_equal(g2.calls, 1);
	assert_int_equal(g1.calls, 0);

	/* a done callback starts a lookup: it finds the fresh cache entry */
	memset(&g1, 0, sizeof(g1));
	memset(&g3, 0, sizeof(g3));
	g1.bl = f.bl;
	g1.lookup_ip = "192.0.2.97";
	g1.lookup_got = &g3;
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.97", on_done, &g1, &q1), 0);
	ng_dns_fake_run(f.r);
	assert_int_equal(g1.calls, 1);
	assert_int_equal(g3.calls, 1);
	assert_true(g3.res.zones[0].cached);

	/* free with lookups in flight: no callbacks, no leaks (ASan) */
	memset(&g1, 0, sizeof(g1));
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.96", on_done, &g1, &q1), 0);
	assert_int_equal(ng_dnsbl_lookup(f.bl, "192.0.2.95", on_done, &g1, &q2), 0);
	ng_dnsbl_free(f.bl);
	f.bl = NULL;
	assert_int_equal(ng_dns_fake_pending(f.r), 0);
	assert_int_equal(g1.calls, 0);
	fx_done(&f);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct fx f;
	struct got g = {0};
	struct ng_dnsbl_query *q = (struct ng_dnsbl_query *)1;
	char err[256];
	fx_init(&f);
	zone_ok(&f, "bl.test", LOC2);
	const char *zones[] = {"bl.test"};
	fx_start(&f, zones, 1);
	assert_int_equal(ng_dnsbl_lookup(f.bl, "not-an-ip", on_done, &g, &q), -1);
	assert_null(q);
	assert_int_equal(ng_dnsbl_lookup(f.bl, NULL, on_done, &g, &q), -1);
	assert_int_equal(g.calls, 0);
	ng_dnsbl_free(f.bl);
	f.bl = NULL;

	const char *bad[] = {"bl.test", "bl.test=127.0.0.[2,3]"};
	f.o.zones = bad;
	f.o.nzones = 2;
	assert_null(ng_dnsbl_new(&f.o, err, sizeof(err)));
	assert_non_null(strstr(err, "127.0.0.[2,3]"));
	f.o.nzones = NG_DNSBL_ZONES_MAX + 1;
	assert_null(ng_dnsbl_new(&f.o, err, sizeof(err)));
	assert_non_null(strstr(err, "too many"));
	f.o.zones = zones;
	f.o.nzones = 1;
	f.o.min_ttl = 100;
	f.o.max_ttl = 10;
	assert_null(ng_dnsbl_new(&f.o, err, sizeof(err)));
	f.o.min_ttl = 1;
	f.o.resolver = NULL;
	assert_null(ng_dnsbl_new(&f.o, err, sizeof(err)));
	/* The resolver cannot start a query (out of memory): the lookup fails
	 * as a whole and leaves nothing behind, for the first zone's query as
	 * for the second's. */
	const char *two[] = {"bl.test", "two.test"};
	f.o.zones = two;
	f.o.nzones = 2;
	f.o.resolver = f.r;
	zone_ok(&f, "two.test", LOC2);
	f.bl = ng_dnsbl_new(&f.o, err, sizeof(err));
	assert_non_null(f.bl);
	ng_dns_fake_run(f.r);
	for (unsigned long nth = 1; nth <= 2; nth++) {
		ng_dns_fake_fail_nth(f.r, nth);
		q = (struct ng_dnsbl_query *)1;
		if (ng_dnsbl_lookup(f.bl, "192.0.2.77", on_done, &g, &q) != -1)
			fail_msg("query %lu failing: lookup did not fail", nth);
		assert_null(q);
		assert_int_equal(ng_dns_fake_pending(f.r), 0);
	}
	assert_int_equal(g.calls, 0);
	/* a self-test that cannot start is UNKNOWN: the zone stays active */
	ng_dns_fake_fail_nth(f.r, 1);
	ng_dnsbl_selftest(f.bl);
	ng_dns_fake_run(f.r);
	struct ng_dnsbl_zone_info zi;
	ng_dnsbl_zone_info(f.bl, 0, &zi);
	assert_int_equal(zi.selftest, NG_DNSBL_SELFTEST_UNKNOWN);
	assert_false(zi.skipped);
	ng_dnsbl_zone_info(f.bl, 1, &zi);
	assert_int_equal(zi.selftest, NG_DNSBL_SELFTEST_PASS);
	ng_dnsbl_free(f.bl);
	f.bl = NULL;

	/* no zones (and no resolver needed): every lookup answers at once */
	f.o.nzones = 0;
	f.o.resolver = NULL;
	f.bl = ng_dnsbl_new(&f.o, err, sizeof(err));
	assert_non_null(f.bl);
	assert_int_equal(ng_dnsbl_lookup(f.bl, IP, on_done, &g, &q), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.res.nzones, 0);
	assert_int_equal(ng_dnsbl_result_summary(&g.res), NG_DNSBL_NOT_LISTED);
	fx_done(&f);
}

/* ---- the summary and names ---- */

static void test_summary(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		size_t n;
		enum ng_dnsbl_status s[3];
		enum ng_dnsbl_status want;
	} cases[] = {
	    {"no zones", 0, {0}, NG_DNSBL_NOT_LISTED},
	    {"all not listed", 2, {NG_DNSBL_NOT_LISTED, NG_DNSBL_NOT_LISTED}, NG_DNSBL_NOT_LISTED},
	    {"listed wins over unknown",
	     3,
	     {NG_DNSBL_UNKNOWN, NG_DNSBL_LISTED, NG_DNSBL_SKIPPED},
	     NG_DNSBL_LISTED},
	    {"unknown", 2, {NG_DNSBL_NOT_LISTED, NG_DNSBL_UNKNOWN}, NG_DNSBL_UNKNOWN},
	    {"unusable counts as unknown",
	     2,
	     {NG_DNSBL_UNUSABLE, NG_DNSBL_NOT_LISTED},
	     NG_DNSBL_UNKNOWN},
	    {"skipped counts as unknown", 1, {NG_DNSBL_SKIPPED}, NG_DNSBL_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_dnsbl_result r;
		memset(&r, 0, sizeof(r));
		r.nzones = cases[i].n;
		for (size_t k = 0; k < cases[i].n; k++)
			r.zones[k].status = cases[i].s[k];
		enum ng_dnsbl_status got = ng_dnsbl_result_summary(&r);
		if (got != cases[i].want)
			fail_msg("%s: got %s want %s", cases[i].name, ng_dnsbl_status_name(got),
			         ng_dnsbl_status_name(cases[i].want));
	}
	assert_string_equal(ng_dnsbl_status_name(NG_DNSBL_NOT_LISTED), "not-listed");
	assert_string_equal(ng_dnsbl_status_name(NG_DNSBL_UNUSABLE), "unusable");
	assert_string_equal(ng_dnsbl_status_name(NG_DNSBL_SKIPPED), "skipped");
	assert_string_equal(ng_dnsbl_selftest_name(NG_DNSBL_SELFTEST_PASS), "pass");
}

/* What `ndrguard config` checks of the DNS and DNSBL keys: named cases of
 * -o overrides and the error each must give (NULL: valid). */
static void test_config_check(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *set[3];
		const char *want;
	} cases[] = {
	    {"defaults", {NULL}, NULL},
	    {"servers with ports", {"dns_servers=127.0.0.1:5300, [::1]:53 192.0.2.1", NULL}, NULL},
	    {"server not an address",
	     {"dns_servers=localhost", NULL},
	     "-o: dns_servers: bad DNS server 'localhost': want HOST, HOST:PORT or [IPV6]:PORT"},
	    {"server port 0",
	     {"dns_servers=127.0.0.1:0", NULL},
	     "-o: dns_servers: bad DNS server '127.0.0.1:0': want HOST, HOST:PORT or [IPV6]:PORT"},
	    {"nine servers",
	     {"dns_servers=1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9",
	      NULL},
	     "-o: dns_servers: too many DNS servers: 9 (at most 8)"},
	    {"min ttl above max ttl",
	     {"dnsbl_cache_min_ttl=2h", NULL},
	     "-o: dnsbl_cache_min_ttl: longer than dnsbl_cache_max_ttl (default)"},
	    {"min ttl equal to max ttl", {"dnsbl_cache_min_ttl=1h", NULL}, NULL},
	    {"bad zone pattern",
	     {"dnsbl_zones=bl.example=127.0.0.[2", NULL},
	     "-o: dnsbl_zones: bad dnsbl zone \"bl.example=127.0.0.[2\": need \";\" or \"]\" at "
	     "\"127.0.0.[2>\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_config *cfg = ng_config_new();
		char err[512] = "";
		assert_non_null(cfg);
		for (size_t k = 0; cases[i].set[k] != NULL; k++)
			if (ng_config_override(cfg, cases[i].set[k], err, sizeof(err)) != 0)
				fail_msg("%s: override: %s", cases[i].name, err);
		int rc = ng_dnsbl_config_check(cfg, err, sizeof(err));
		if (cases[i].want == NULL && rc != 0)
			fail_msg("%s: got error \"%s\", want none", cases[i].name, err);
		if (cases[i].want != NULL && (rc == 0 || strcmp(err, cases[i].want) != 0))
			fail_msg("%s: got rc %d \"%s\", want \"%s\"", cases[i].name, rc, err,
			         cases[i].want);
		ng_config_free(cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qname),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_cache_hit_expiry),
	    cmocka_unit_test(test_ttl_clamps),
	    cmocka_unit_test(test_cache_lru),
	    cmocka_unit_test(test_share_and_cancel),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_config_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
