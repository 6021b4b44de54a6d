/*
 * dnsbl_fx.h - the fixture the DNSBL unit tests share (test_dnsbl.c,
 * test_dnsbl_selftest.c): a fake resolver, a fake clock, a captured log,
 * and a done callback that can re-enter the library.  Included by one
 * test program each, so its functions are static.
 */
#ifndef NG_TEST_DNSBL_FX_H
#define NG_TEST_DNSBL_FX_H

#define IP   "192.0.2.10"
#define QN   "10.2.0.192.bl.test"
#define LOC2 0x7f000002u
#define LOC4 0x7f000004u

/* ---- fixture: fake resolver, fake clock, captured log ---- */

struct fx {
	struct ng_dns_resolver *r;
	struct ng_dnsbl *bl;
	time_t now;
	struct ng_log log;
	char logbuf[8192];
	size_t loglen;
	unsigned warnings, infos;
	struct ng_dnsbl_opts o;
};

struct got {
	int calls;
	struct ng_dnsbl_result res;
	/* re-entry from the callback */
	struct ng_dnsbl *bl;
	struct ng_dnsbl_query *cancel_me;
	const char *lookup_ip;
	struct got *lookup_got;
};

static time_t fake_now(void *arg)
{
	return ((struct fx *)arg)->now;
}

static void emit(void *arg, enum ng_log_sev sev, const char *line)
{
	struct fx *f = arg;
	int n = snprintf(f->logbuf + f->loglen, sizeof(f->logbuf) - f->loglen, "%s: %s\n",
	                 ng_log_sev_name(sev), line);
	if (n > 0 && f->loglen + (size_t)n < sizeof(f->logbuf))
		f->loglen += (size_t)n;
	f->warnings += sev == NG_LOG_WARN;
	f->infos += sev == NG_LOG_INFO;
}

static void on_done(void *arg, const struct ng_dnsbl_result *res)
{
	struct got *g = arg;
	g->calls++;
	g->res = *res;
	if (g->cancel_me != NULL) {
		ng_dnsbl_cancel(g->cancel_me);
		g->cancel_me = NULL;
	}
	if (g->lookup_ip != NULL) {
		struct ng_dnsbl_query *q;
		const char *ip = g->lookup_ip;
		g->lookup_ip = NULL;
		assert_int_equal(ng_dnsbl_lookup(g->bl, ip, on_done, g->lookup_got, &q), 0);
	}
}

/* A zone whose test points answer as RFC 5782 wants. */
static void zone_ok(struct fx *f, const char *zone, uint32_t code2)
{
	char n[300];
	snprintf(n, sizeof(n), "2.0.0.127.%s", zone);
	assert_int_equal(ng_dns_fake_set_a(f->r, n, 300, &code2, 1), 0);
	snprintf(n, sizeof(n), "1.0.0.127.%s", zone);
	assert_int_equal(ng_dns_fake_set_rcode(f->r, n, NG_DNS_A, NG_DNS_NXDOMAIN, false, 0), 0);
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->r = ng_dns_fake_new();
	assert_non_null(f->r);
	f->now = 1000000;
	f->log.emit = emit;
	f->log.arg = f;
	f->log.min = NG_LOG_DEBUG;
	f->o.cache_size = 100;
	f->o.min_ttl = 10;
	f->o.max_ttl = 3600;
	f->o.negative_ttl = 120;
	f->o.resolver = f->r;
	f->o.log = &f->log;
	f->o.now = fake_now;
	f->o.now_arg = f;
}

/* Create the dnsbl on `zones` and let the self-tests complete. */
static void fx_start(struct fx *f, const char *const *zones, size_t n)
{
	char err[256];
	f->o.zones = zones;
	f->o.nzones = n;
	f->bl = ng_dnsbl_new(&f->o, err, sizeof(err));
	if (f->bl == NULL)
		fail_msg("ng_dnsbl_new: %s", err);
	assert_int_equal(ng_dnsbl_selftest_pending(f->bl), n);
	ng_dns_fake_run(f->r);
	assert_int_equal(ng_dnsbl_selftest_pending(f->bl), 0);
}

static void fx_done(struct fx *f)
{
	ng_dnsbl_free(f->bl);
	ng_dns_resolver_free(f->r);
}

/* Look IP up and complete the DNS (A, then TXT). */
static void lookup_run(struct fx *f, const char *ip, struct got *g)
{
	struct ng_dnsbl_query *q;
	memset(g, 0, sizeof(*g));
	assert_int_equal(ng_dnsbl_lookup(f->bl, ip, on_done, g, &q), 0);
	for (int i = 0; i < 3 && g->calls == 0; i++)
		ng_dns_fake_run(f->r);
	assert_int_equal(g->calls, 1);
}

#endif
