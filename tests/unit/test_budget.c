/*
 * test_budget.c - unit tests of the bounce budget (lib/relay/budget.h).
 *
 * The clock is the test's: every step names its time in milliseconds.
 *
 * Tables of named cases: rates parsed ("N/PERIOD" -> "N/SECONDS" or the
 * error), rates printed, and scenarios.  A scenario gives the rate of the
 * "t:" keys and of the "d:" keys and a list of steps; a step is a time, an
 * operation (check or consume), comma-separated keys, a count n and the
 * answer it wants:
 *
 *   ok                                   every key has room
 *   over I count=C/L retry=S             key I is full: C of L, S seconds
 *   never I retry=S                      n is over key I's limit
 *   error                                bad arguments
 *
 * Then the cap (least recently used keys pushed out, counted), many keys,
 * bad arguments, and threads sharing one budget.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay/budget.h"

static const unsigned char HKEY[16] = "0123456789abcdef";

/* ---- rates ---- */

struct rate_case {
	const char *name;
	const char *spec;
	const char *want;
};

static const struct rate_case rates[] = {
    {"per hour", "100/1h", "100/3600"},
    {"per ten minutes", "20/10m", "20/600"},
    {"per thirty seconds", "5/30s", "5/30"},
    {"per day", "1000/1d", "1000/86400"},
    {"per week", "7000/1w", "7000/604800"},
    {"unit alone", "100/h", "100/3600"},
    {"31 days", "1/31d", "1/2678400"},
    {"largest count", "1000000000/1s", "1000000000/1"},
    {"zero is no limit", "0", "none"},
    {"empty is no limit", "", "none"},
    {"NULL is no limit", NULL, "none"},
    {"zero with a period", "0/1h", "'0/1h': a count of 0 lets nothing through; say 0 for no limit"},
    {"no period", "100", "'100': missing /PERIOD (e.g. 100/1h; 0 for no limit)"},
    {"empty period", "100/", "'100/': missing period after '/'"},
    {"no unit", "100/3600", "'100/3600': the period needs a unit: s, m, h, d or w"},
    {"upper-case unit", "100/1H", "'100/1H': the period needs a unit: s, m, h, d or w"},
    {"zero period", "100/0m", "'100/0m': the period must be 1s..31d"},
    {"period too long", "1/32d", "'1/32d': the period must be 1s..31d"},
    {"weeks too long", "1/5w", "'1/5w': the period must be 1s..31d"},
    {"count too large", "1000000001/1h",
     "'1000000001/1h': the count must be 0..1000000000 "
     "(N/PERIOD)"},
    {"negative count", "-1/1h", "'-1/1h': the count must be 0..1000000000 (N/PERIOD)"},
    {"no count", "/1h", "'/1h': the count must be 0..1000000000 (N/PERIOD)"},
    {"space", "100 /1h", "'100 /1h': the count must be 0..1000000000 (N/PERIOD)"},
    {"bad period digits", "100/1.5h", "'100/1.5h': bad period"},
    {"huge period digits", "1/99999999999999s", "'1/99999999999999s': bad period"},
};

static void test_rate_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		const struct rate_case *c = &rates[i];
		struct ng_budget_rate r;
		char err[256] = "", got[300];
		if (ng_budget_rate_parse(c->spec, &r, err, sizeof(err)) != 0)
			snprintf(got, sizeof(got), "%s", err);
		else if (r.limit == 0)
			snprintf(got, sizeof(got), "none");
		else
			snprintf(got, sizeof(got), "%u/%u", r.limit, r.period_s);
		if (strcmp(got, c->want) != 0)
			fail_msg("rate \"%s\":\n got  %s\n want %s", c->name, got, c->want);
	}
}

static void test_rate_format(void **state)
{
	(void)state;
	static const struct {
		struct ng_budget_rate r;
		const char *want;
	} fmts[] = {
	    {{100, 3600}, "100/1h"}, {{20, 600}, "20/10m"},  {{5, 30}, "5/30s"},
	    {{1, 86400}, "1/1d"},    {{1, 1209600}, "1/2w"}, {{9, 90}, "9/90s"},
	    {{0, 3600}, "0"},        {{3, 5400}, "3/90m"},
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char got[32];
		ng_budget_rate_format(&fmts[i].r, got, sizeof(got));
		if (strcmp(got, fmts[i].want) != 0)
			fail_msg("format %u/%u:\n got  %s\n want %s", fmts[i].r.limit,
			         fmts[i].r.period_s, got, fmts[i].want);
		/* and it reads back */
		struct ng_budget_rate back;
		char err[128];
		assert_int_equal(ng_budget_rate_parse(got, &back, err, sizeof(err)), 0);
		if (fmts[i].r.limit != 0 && memcmp(&back, &fmts[i].r, sizeof(back)) != 0)
			fail_msg("format %s does not read back", got);
	}
}

/* ---- scenarios ---- */

struct step {
	uint64_t at_ms;
	char op; /* 'c' check, 'u' consume */
	const char *keys;
	unsigned n;
	const char *want;
};

struct scenario {
	const char *name;
	struct ng_budget_rate t_rate, d_rate;
	struct step steps[16];
};

#define MIN  60000
#define HOUR (60 * MIN)

static const struct scenario scenarios[] = {
    {"exactly N, then N+1, until the window slides",
     {5, 60},
     {0, 0},
     {{0, 'u', "t:a", 1, "ok"},
      {1, 'u', "t:a", 1, "ok"},
      {2, 'u', "t:a", 1, "ok"},
      {3, 'u', "t:a", 1, "ok"},
      {999, 'u', "t:a", 1, "ok"},
      {1000, 'u', "t:a", 1, "over 0 count=5/5 retry=60"},
      /* a whole period and one slot (1 s) after slot 0 began */
      {60999, 'c', "t:a", 1, "over 0 count=5/5 retry=1"},
      {61000, 'u', "t:a", 1, "ok"},
      {61000, 'u', "t:a", 5, "over 0 count=1/5 retry=61"},
      {61000, 'u', "t:a", 4, "ok"},
      {0}}},
    {"spread out: the oldest leaves first",
     {3, 60},
     {0, 0},
     {{0, 'u', "t:a", 1, "ok"},
      {20000, 'u', "t:a", 1, "ok"},
      {40000, 'u', "t:a", 1, "ok"},
      {50000, 'u', "t:a", 1, "over 0 count=3/3 retry=11"},
      {50000, 'u', "t:a", 2, "over 0 count=3/3 retry=31"},
      {61000, 'u', "t:a", 1, "ok"},
      {62000, 'u', "t:a", 1, "over 0 count=3/3 retry=19"},
      {81000, 'c', "t:a", 1, "ok"},
      {0}}},
    {"counts for at least a whole period",
     {2, 10},
     {0, 0},
     /* slots of 167 ms: both in slot 0, which leaves at 61 * 167 = 10187 ms */
     {{0, 'u', "t:a", 1, "ok"},
      {166, 'u', "t:a", 1, "ok"},
      {9999, 'c', "t:a", 1, "over 0 count=2/2 retry=1"},
      {10000, 'c', "t:a", 1, "over 0 count=2/2 retry=1"},
      {10186, 'c', "t:a", 1, "over 0 count=2/2 retry=1"},
      {10187, 'u', "t:a", 2, "ok"},
      {0}}},
    {"a check counts nothing",
     {1, 3600},
     {0, 0},
     {{0, 'c', "t:a", 1, "ok"},
      {1, 'c', "t:a", 1, "ok"},
      {2, 'c', "t:a", 1, "ok"},
      {3, 'u', "t:a", 1, "ok"},
      {4, 'c', "t:a", 1, "over 0 count=1/1 retry=3660"},
      {0}}},
    {"all or nothing across keys",
     {10, 3600},
     {2, 3600},
     {{0, 'u', "t:a,d:a/x,d:a/y", 1, "ok"},
      {0, 'u', "t:a,d:a/x,d:a/y", 1, "ok"},
      {0, 'u', "t:a,d:a/y,d:a/z", 1, "over 1 count=2/2 retry=3660"},
      /* the refused bounce counted nowhere: t:a holds 2, d:a/z nothing */
      {0, 'c', "t:a", 8, "ok"},
      {0, 'c', "t:a", 9, "over 0 count=2/10 retry=3660"},
      {0, 'u', "d:a/z", 2, "ok"},
      {0, 'u', "t:a,d:a/w", 8, "never 1 retry=3600"},
      {0, 'u', "t:a,d:a/w", 2, "ok"},
      {0}}},
    {"the first full key is named",
     {1, 60},
     {1, 60},
     {{0, 'u', "d:a/x", 1, "ok"},
      {0, 'u', "t:a", 1, "ok"},
      {5000, 'u', "d:a/y,t:a,d:a/x", 1, "over 1 count=1/1 retry=56"},
      {0}}},
    {"n more than the limit never fits",
     {3, 60},
     {0, 0},
     {{0, 'u', "t:a", 4, "never 0 retry=60"}, {0, 'u', "t:a", 3, "ok"}, {0}}},
    {"no limit: never stored, never over",
     {0, 0},
     {1, 60},
     {{0, 'u', "t:a", 1000000, "ok"},
      {0, 'u', "t:a,d:a/x", 1, "ok"},
      {0, 'u', "t:a,d:a/x", 1, "over 1 count=1/1 retry=61"},
      {0}}},
    {"a key twice in one request counts once",
     {2, 60},
     {0, 0},
     {{0, 'u', "t:a,t:a", 1, "ok"},
      {0, 'u', "t:a", 1, "ok"},
      {0, 'u', "t:a", 1, "over 0 count=2/2 retry=61"},
      {0}}},
    {"the clock going back counts as the latest time",
     {1, 60},
     {0, 0},
     {{100000, 'u', "t:a", 1, "ok"},
      {0, 'c', "t:a", 1, "over 0 count=1/1 retry=61"},
      {160999, 'c', "t:a", 1, "over 0 count=1/1 retry=1"},
      {161000, 'c', "t:a", 1, "ok"},
      {0}}},
    {"a long idle time empties the window",
     {2, 60},
     {0, 0},
     {{0, 'u', "t:a", 2, "ok"},
      {10 * HOUR, 'u', "t:a", 2, "ok"},
      {10 * HOUR, 'c', "t:a", 1, "over 0 count=2/2 retry=61"},
      {0}}},
    {"bad arguments count nothing",
     {1, 60},
     {1, 60},
     {{0, 'u', "t:a,", 1, "error"},
      {0, 'u', "t:a,d:1,d:2,d:3,d:4,d:5,d:6,d:7,d:8,d:9,d:10,d:11,d:12,d:13,d:14,d:15,d:16", 1,
       "error"},
      {0, 'u', "t:a", 1, "ok"},
      {0}}},
};

/* Split "a,b,c" into reqs with the scenario's rates; "" keys kept (errors). */
static size_t make_reqs(const struct scenario *s, const char *keys, char store[][64],
                        struct ng_budget_req *reqs, size_t max)
{
	size_t n = 0;
	const char *p = keys;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		assert_true(n < max && len < 64);
		memcpy(store[n], p, len);
		store[n][len] = '\0';
		reqs[n].key = store[n];
		reqs[n].rate = store[n][0] == 't' ? s->t_rate : s->d_rate;
		n++;
		if (comma == NULL)
			return n;
		p = comma + 1;
	}
}

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *s = &scenarios[i];
		char err[128];
		struct ng_budget_opts o = {.max_keys = 64, .hash_key = HKEY};
		struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
		assert_non_null(b);
		for (size_t k = 0; s->steps[k].keys != NULL; k++) {
			const struct step *st = &s->steps[k];
			char store[24][64];
			struct ng_budget_req reqs[24];
			size_t nr = make_reqs(s, st->keys, store, reqs, 24);
			struct ng_budget_over ov;
			enum ng_budget_status rc =
			    st->op == 'c' ? ng_budget_check(b, reqs, nr, st->n, st->at_ms, &ov)
			                  : ng_budget_consume(b, reqs, nr, st->n, st->at_ms, &ov);
			char got[128];
			if (rc == NG_BUDGET_OK)
				snprintf(got, sizeof(got), "ok");
			else if (rc == NG_BUDGET_ERROR)
				snprintf(got, sizeof(got), "error");
			else if (ov.never)
				snprintf(got, sizeof(got), "never %zu retry=%u", ov.index,
				         ov.retry_s);
			else
				snprintf(got, sizeof(got), "over %zu count=%u/%u retry=%u",
				         ov.index, ov.count, ov.limit, ov.retry_s);
			if (strcmp(got, st->want) != 0)
				fail_msg(
				    "budget \"%s\" step %zu (%c %s n=%u at %llu ms):\n got  %s\n "
				    "want %s",
				    s->name, k + 1, st->op, st->keys, st->n,
				    (unsigned long long)st->at_ms, got, st->want);
		}
		ng_budget_free(b);
	}
}

/* ---- the cap ---- */

static struct ng_budget_req req1(const char *key, unsigned limit, unsigned period)
{
	struct ng_budget_req r = {key, {limit, period}};
	return r;
}

static enum ng_budget_status take(struct ng_budget *b, const char *key, uint64_t at)
{
	struct ng_budget_req r = req1(key, 1, 3600);
	return ng_budget_consume(b, &r, 1, 1, at, NULL);
}

/* Full: the least recently used key goes, and its limit with it. */
static void test_eviction(void **state)
{
	(void)state;
	char err[128], key[32];
	struct ng_budget_opts o = {.max_keys = 16, .hash_key = HKEY};
	struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	for (int i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "d:a/k%d", i);
		assert_int_equal(take(b, key, (uint64_t)i), NG_BUDGET_OK);
	}
	/* k0 is used again (a refused check still counts as a use) */
	struct ng_budget_req r = req1("d:a/k0", 1, 3600);
	assert_int_equal(ng_budget_check(b, &r, 1, 1, 20, NULL), NG_BUDGET_OVER);
	/* a 17th key pushes out k1, the least recently used */
	assert_int_equal(take(b, "d:a/new", 21), NG_BUDGET_OK);
	struct ng_budget_stats st;
	ng_budget_stats(b, &st);
	if (st.keys != 16 || st.evictions != 1 || st.evictions_live != 1)
		fail_msg("after one eviction:\n got  keys=%zu evictions=%llu live=%llu\n want "
		         "keys=16 evictions=1 live=1",
		         st.keys, (unsigned long long)st.evictions,
		         (unsigned long long)st.evictions_live);
	assert_int_equal(take(b, "d:a/k0", 22), NG_BUDGET_OVER); /* kept */
	assert_int_equal(take(b, "d:a/k1", 23), NG_BUDGET_OK);   /* forgotten, and back */
	ng_budget_stats(b, &st);
	if (st.keys != 16 || st.evictions != 2 || st.evictions_live != 2)
		fail_msg("after two evictions:\n got  keys=%zu evictions=%llu live=%llu\n want "
		         "keys=16 evictions=2 live=2",
		         st.keys, (unsigned long long)st.evictions,
		         (unsigned long long)st.evictions_live);
	ng_budget_free(b);

	/* a key pushed out after its window emptied is no loss */
	b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	for (int i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "d:a/k%d", i);
		r = req1(key, 1, 60);
		assert_int_equal(ng_budget_consume(b, &r, 1, 1, 0, NULL), NG_BUDGET_OK);
	}
	r = req1("d:a/late", 1, 60);
	assert_int_equal(ng_budget_consume(b, &r, 1, 1, 2 * MIN, NULL), NG_BUDGET_OK);
	ng_budget_stats(b, &st);
	if (st.keys != 16 || st.evictions != 1 || st.evictions_live != 0)
		fail_msg("idle eviction:\n got  keys=%zu evictions=%llu live=%llu\n want keys=16 "
		         "evictions=1 live=0",
		         st.keys, (unsigned long long)st.evictions,
		         (unsigned long long)st.evictions_live);
	ng_budget_free(b);
}

/* A request of the cap's size pushes out none of its own keys. */
static void test_eviction_atomic(void **state)
{
	(void)state;
	char err[128], keys[NG_RELAY_BUDGET_MULTI_MAX][32];
	struct ng_budget_req reqs[NG_RELAY_BUDGET_MULTI_MAX];
	struct ng_budget_opts o = {.max_keys = NG_RELAY_BUDGET_MULTI_MAX, .hash_key = HKEY};
	struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NG_RELAY_BUDGET_MULTI_MAX; i++) {
			snprintf(keys[i], sizeof(keys[i]), "d:r%d/%d", round, i);
			reqs[i] = req1(keys[i], 2, 3600);
		}
		assert_int_equal(
		    ng_budget_consume(b, reqs, NG_RELAY_BUDGET_MULTI_MAX, 1, (uint64_t)round, NULL),
		    NG_BUDGET_OK);
		/* every key of the round holds its count */
		for (int i = 0; i < NG_RELAY_BUDGET_MULTI_MAX; i++) {
			struct ng_budget_over ov;
			if (ng_budget_check(b, &reqs[i], 1, 2, (uint64_t)round, &ov) !=
			        NG_BUDGET_OVER ||
			    ov.count != 1)
				fail_msg("round %d key %s:\n got  count %u\n want 1", round,
				         keys[i], ov.count);
		}
	}
	ng_budget_free(b);
}

/* Many keys, each with its own count. */
static void test_many_keys(void **state)
{
	(void)state;
	char err[128], key[48];
	struct ng_budget_opts o = {.max_keys = 5000, .hash_key = NULL};
	struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 4000; i++) {
			snprintf(key, sizeof(key), "d:tenant/domain%d.example", i);
			struct ng_budget_req r = req1(key, 2, 600);
			enum ng_budget_status want = round < 2 ? NG_BUDGET_OK : NG_BUDGET_OVER;
			enum ng_budget_status got = ng_budget_consume(b, &r, 1, 1, 1000, NULL);
			if (got != want)
				fail_msg("key %s round %d:\n got  %d\n want %d", key, round, got,
				         want);
		}
	struct ng_budget_stats st;
	ng_budget_stats(b, &st);
	if (st.keys != 4000 || st.evictions != 0 || st.consumed != 8000 || st.over != 4000 ||
	    st.max_keys != 5000)
		fail_msg("stats:\n got  keys=%zu evictions=%llu consumed=%llu over=%llu max=%zu\n "
		         "want keys=4000 evictions=0 consumed=8000 over=4000 max=5000",
		         st.keys, (unsigned long long)st.evictions, (unsigned long long)st.consumed,
		         (unsigned long long)st.over, st.max_keys);
	ng_budget_free(b);
}

static void test_bad_args(void **state)
{
	(void)state;
	char err[128], longkey[NG_RELAY_BUDGET_KEY_MAX + 1];
	struct ng_budget_opts o = {.max_keys = NG_RELAY_BUDGET_MULTI_MAX - 1};
	assert_null(ng_budget_new(&o, err, sizeof(err)));
	if (strcmp(err, "budget keys 15: must be 16..4194304") != 0)
		fail_msg("small cap:\n got  %s\n want budget keys 15: must be 16..4194304", err);
	o.max_keys = (size_t)NG_RELAY_BUDGET_KEYS_MAX + 1;
	assert_null(ng_budget_new(&o, err, sizeof(err)));
	assert_null(ng_budget_new(NULL, err, sizeof(err)));
	o.max_keys = 16;
	struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	struct ng_budget_req r[2] = {req1("t:a", 1, 60), req1(longkey, 1, 60)};
	assert_int_equal(ng_budget_consume(b, r, 2, 1, 0, NULL), NG_BUDGET_ERROR);
	longkey[NG_RELAY_BUDGET_KEY_MAX - 1] = '\0'; /* the longest allowed */
	assert_int_equal(ng_budget_consume(b, r, 2, 1, 0, NULL), NG_BUDGET_OK);
	r[1] = req1(NULL, 1, 60);
	assert_int_equal(ng_budget_check(b, r, 2, 1, 0, NULL), NG_BUDGET_ERROR);
	r[1] = req1("t:b", 1, 0); /* a limit without a period */
	assert_int_equal(ng_budget_check(b, r, 2, 1, 0, NULL), NG_BUDGET_ERROR);
	r[1] = req1("t:b", 1, NG_RELAY_BUDGET_PERIOD_MAX + 1);
	assert_int_equal(ng_budget_check(b, r, 2, 1, 0, NULL), NG_BUDGET_ERROR);
	r[1] = req1("t:b", NG_RELAY_BUDGET_LIMIT_MAX + 1, 60);
	assert_int_equal(ng_budget_check(b, r, 2, 1, 0, NULL), NG_BUDGET_ERROR);
	assert_int_equal(ng_budget_check(b, NULL, 1, 1, 0, NULL), NG_BUDGET_ERROR);
	assert_int_equal(ng_budget_check(NULL, r, 1, 1, 0, NULL), NG_BUDGET_ERROR);
	assert_int_equal(ng_budget_check(b, NULL, 0, 1, 0, NULL), NG_BUDGET_OK);
	/* nothing of the refused requests was counted: t:a holds the one */
	struct ng_budget_over ov;
	assert_int_equal(ng_budget_check(b, r, 1, 1, 0, &ov), NG_BUDGET_OVER);
	assert_int_equal(ov.count, 1);
	ng_budget_free(b);
	ng_budget_free(NULL);
}

/* Threads share one budget: exactly the limit gets through. */
struct worker {
	struct ng_budget *b;
	int ok;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct ng_budget_req r[2] = {req1("t:shared", 2000, 3600), req1("d:shared/x", 3000, 3600)};
	for (int i = 0; i < 1000; i++)
		if (ng_budget_consume(w->b, r, 2, 1, (uint64_t)i, NULL) == NG_BUDGET_OK)
			w->ok++;
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	char err[128];
	struct ng_budget_opts o = {.max_keys = 16, .hash_key = HKEY};
	struct ng_budget *b = ng_budget_new(&o, err, sizeof(err));
	assert_non_null(b);
	pthread_t th[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i].b = b;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += w[i].ok;
	}
	if (total != 2000)
		fail_msg("threads:\n got  %d through\n want 2000", total);
	struct ng_budget_over ov;
	struct ng_budget_req r = req1("d:shared/x", 3000, 3600);
	assert_int_equal(ng_budget_check(b, &r, 1, 1001, 1000, &ov), NG_BUDGET_OVER);
	assert_int_equal(ov.count, 2000);
	ng_budget_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_parse),      cmocka_unit_test(test_rate_format),
	    cmocka_unit_test(test_scenarios),       cmocka_unit_test(test_eviction),
	    cmocka_unit_test(test_eviction_atomic), cmocka_unit_test(test_many_keys),
	    cmocka_unit_test(test_bad_args),        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
