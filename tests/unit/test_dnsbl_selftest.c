/*
 * test_dnsbl_selftest.c - unit tests of the RFC 5782 self-test of
 * lib/dnsbl and its circuit breaker: a zone that fails is skipped (no
 * query, SKIPPED results, a warning), comes back when a later run passes
 * (info), keeps its state when a run cannot complete (DNS unknown), and is
 * tested again on schedule by lookups when selftest_interval is set.  On
 * the fake resolver and a fake clock (dnsbl_fx.h).
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

#include <ndrguard/dns.h>
#include <ndrguard/dnsbl.h>

#include "dnsbl/internal.h"
#include "dnsbl_fx.h"

/* ---- the self-test ---- */

static void test_selftest_skip_restore(void **state)
{
	(void)state;
	struct fx f;
	struct got g;
	uint32_t a = LOC2;
	fx_init(&f);
	zone_ok(&f, "good.test", LOC2);
	/* bad.test: 127.0.0.2 is not listed (NXDOMAIN by default) */
	const char *zones[] = {"good.test", "bad.test"};
	fx_start(&f, zones, 2);
	assert_int_equal(f.warnings, 1);
	assert_non_null(strstr(f.logbuf, "bad.test: self-test failed"));
	struct ng_dnsbl_zone_info zi;
	assert_int_equal(ng_dnsbl_zone_info(f.bl, 1, &zi), 0);
	assert_true(zi.skipped);
	assert_int_equal(zi.selftest, NG_DNSBL_SELFTEST_FAIL);
	assert_int_equal(zi.selftest_2, NG_DNSBL_NOT_LISTED);
	assert_int_equal(ng_dnsbl_zone_info(f.bl, 2, &zi), -1);
	assert_int_equal(ng_dnsbl_nzones(f.bl), 2);

	/* a skipped zone sends no query and says SKIPPED */
	unsigned long sent = ng_dns_fake_sent(f.r);
	lookup_run(&f, IP, &g);
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_NOT_LISTED);
	assert_int_equal(g.res.zones[1].status, NG_DNSBL_SKIPPED);
	assert_int_equal(ng_dns_fake_sent(f.r), sent + 1);
	assert_int_equal(ng_dnsbl_result_summary(&g.res), NG_DNSBL_UNKNOWN);
	struct ng_dnsbl_stats st;
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.zones_skipped_now, 1);
	assert_int_equal(st.selftest_failures, 1);
	assert_int_equal(st.skipped, 1);

	/* still failing: no new warning */
	ng_dnsbl_selftest(f.bl);
	ng_dns_fake_run(f.r);
	assert_int_equal(f.warnings, 1);
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.selftest_failures, 2);

	/* the zone is repaired: the next self-test restores it */
	zone_ok(&f, "bad.test", LOC2);
	ng_dns_fake_set_a(f.r, "10.2.0.192.bad.test", 60, &a, 1);
	ng_dnsbl_selftest(f.bl);
	ng_dnsbl_selftest(f.bl); /* no second run while one is in flight */
	assert_int_equal(ng_dnsbl_selftest_pending(f.bl), 2);
	ng_dns_fake_run(f.r);
	assert_int_equal(f.infos, 1);
	assert_non_null(strstr(f.logbuf, "bad.test: self-test passed; zone restored"));
	lookup_run(&f, IP, &g);
	assert_int_equal(g.res.zones[1].status, NG_DNSBL_LISTED);
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.zones_skipped_now, 0);
	assert_int_equal(st.selftest_restores, 1);

	/* the zone breaks again (lists the world): skipped, its cache dropped */
	uint32_t two = LOC2;
	ng_dns_fake_set_a(f.r, "1.0.0.127.bad.test", 60, &two, 1);
	ng_dnsbl_selftest(f.bl);
	ng_dns_fake_run(f.r);
	assert_int_equal(f.warnings, 2);
	ng_dnsbl_zone_info(f.bl, 1, &zi);
	assert_true(zi.skipped);
	assert_int_equal(zi.selftest_1, NG_DNSBL_LISTED);
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.cache_entries, 1); /* good.test's only */
	fx_done(&f);
}

static void test_selftest_unknown(void **state)
{
	(void)state;
	struct fx f;
	struct got g;
	fx_init(&f);
	ng_dns_fake_set_rcode(f.r, "2.0.0.127.bl.test", NG_DNS_A, NG_DNS_TIMEOUT, false, 0);
	const char *zones[] = {"bl.test"};
	/* at start: DNS trouble keeps the zone active, with a warning */
	fx_start(&f, zones, 1);
	struct ng_dnsbl_zone_info zi;
	ng_dnsbl_zone_info(f.bl, 0, &zi);
	assert_false(zi.skipped);
	assert_int_equal(zi.selftest, NG_DNSBL_SELFTEST_UNKNOWN);
	assert_int_equal(f.warnings, 1);
	assert_non_null(strstr(f.logbuf, "could not complete (127.0.0.2: timeout"));
	lookup_run(&f, IP, &g);
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_NOT_LISTED);

	/* fail: skipped; then unknown: stays skipped */
	ng_dns_fake_set_rcode(f.r, "2.0.0.127.bl.test", NG_DNS_A, NG_DNS_NXDOMAIN, false, 0);
	ng_dnsbl_selftest(f.bl);
	ng_dns_fake_run(f.r);
	ng_dnsbl_zone_info(f.bl, 0, &zi);
	assert_true(zi.skipped);
	ng_dns_fake_set_rcode(f.r, "1.0.0.127.bl.test", NG_DNS_A, NG_DNS_SERVFAIL, false, 0);
	ng_dnsbl_selftest(f.bl);
	ng_dns_fake_run(f.r);
	ng_dnsbl_zone_info(f.bl, 0, &zi);
	assert_true(zi.skipped);
	assert_int_equal(zi.selftest, NG_DNSBL_SELFTEST_UNKNOWN);
	assert_non_null(strstr(f.logbuf, "zone stays skipped"));
	struct ng_dnsbl_stats st;
	ng_dnsbl_stats(f.bl, &st);
	assert_int_equal(st.selftest_unknown, 2);
	assert_int_equal(st.selftest_failures, 1);
	fx_done(&f);
}

static void test_selftest_periodic(void **state)
{
	(void)state;
	struct fx f;
	struct got g;
	fx_init(&f);
	f.o.selftest_interval = 300;
	f.o.cache_size = 0;
	zone_ok(&f, "bl.test", LOC2);
	const char *zones[] = {"bl.test"};
	fx_start(&f, zones, 1);
	unsigned long st2 = ng_dns_fake_sent_for(f.r, "2.0.0.127.bl.test", NG_DNS_A);
	assert_int_equal(st2, 1);
	f.now += 299;
	lookup_run(&f, IP, &g);
	assert_int_equal(ng_dns_fake_sent_for(f.r, "2.0.0.127.bl.test", NG_DNS_A), 1);
	/* due: the lookup starts the next run; the zone breaks meanwhile */
	f.now += 1;
	ng_dns_fake_set_rcode(f.r, "2.0.0.127.bl.test", NG_DNS_A, NG_DNS_NXDOMAIN, false, 0);
	lookup_run(&f, IP, &g);
	assert_int_equal(ng_dns_fake_sent_for(f.r, "2.0.0.127.bl.test", NG_DNS_A), 2);
	struct ng_dnsbl_zone_info zi;
	ng_dnsbl_zone_info(f.bl, 0, &zi);
	assert_true(zi.skipped);
	lookup_run(&f, IP, &g);
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_SKIPPED);
	/* a skipped zone is tested again on schedule and comes back */
	zone_ok(&f, "bl.test", LOC2);
	f.now += 300;
	lookup_run(&f, IP, &g); /* starts the run; this lookup is still skipped */
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_SKIPPED);
	ng_dns_fake_run(f.r);
	lookup_run(&f, IP, &g);
	assert_int_equal(g.res.zones[0].status, NG_DNSBL_NOT_LISTED);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_selftest_skip_restore),
	    cmocka_unit_test(test_selftest_unknown),
	    cmocka_unit_test(test_selftest_periodic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
