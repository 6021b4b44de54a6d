/*
 * test_ac.c - unit tests of the Aho-Corasick matcher (lib/util/ac.c).
 *
 * Tables of named cases: patterns, a text, and the exact list of reported
 * (id, end) pairs in report order.  Then the edge cases of the API and a
 * randomised comparison against a naive matcher with a fixed seed, so a
 * failure always reproduces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/ac.h"

#define MAX_PATS 8
#define MAX_HITS 32

struct hit {
	uint32_t id;
	size_t end;
};

struct hits {
	struct hit v[MAX_HITS];
	size_t n;
	size_t stop_after; /* 0 = never stop */
};

static int collect(void *ctx, uint32_t id, size_t end)
{
	struct hits *h = ctx;
	if (h->n < MAX_HITS) {
		h->v[h->n].id = id;
		h->v[h->n].end = end;
	}
	h->n++;
	return h->stop_after != 0 && h->n >= h->stop_after;
}

struct ac_case {
	const char *name;
	const char *pats[MAX_PATS]; /* id = index */
	const char *text;
	size_t nwant;
	struct hit want[MAX_HITS];
};

static const struct ac_case cases[] = {
    {"classic he/she/his/hers",
     {"he", "she", "his", "hers"},
     "ushers",
     3,
     {{1, 4}, {0, 4}, {3, 6}}},
    {"suffix pattern reported with longer one",
     {"user unknown", "unknown"},
     "550 User Unknown",
     2,
     {{0, 16}, {1, 16}}},
    {"overlapping repeats", {"aa"}, "aaaa", 3, {{0, 2}, {0, 3}, {0, 4}}},
    {"nested prefixes", {"a", "ab", "abc"}, "abc", 3, {{0, 1}, {1, 2}, {2, 3}}},
    {"case folding both ways",
     {"MailBox FULL"},
     "mailbox full / MAILBOX FULL",
     2,
     {{0, 12}, {0, 27}}},
    {"no match", {"spam"}, "ham and eggs", 0, {{0, 0}}},
    {"empty text", {"x"}, "", 0, {{0, 0}}},
    {"failure chain across patterns", {"abcd", "bce", "c"}, "abce", 2, {{2, 3}, {1, 4}}},
    {"non-letters match exactly", {"5.1.1", "<>"}, "550 5.1.1 <> 5x1x1", 2, {{0, 9}, {1, 12}}},
    {"duplicate pattern, two ids", {"quota", "quota"}, "over quota", 2, {{0, 10}, {1, 10}}},
    {"high bytes are literal",
     {"\xc3\xa9t\xc3\xa9"},
     "l'\xc3\xa9t\xc3\xa9 \xc3\x89T\xc3\x89",
     1,
     {{0, 7}}},
    {"pattern equal to whole text", {"relay access denied"}, "Relay Access Denied", 1, {{0, 19}}},
};

static ng_ac *build_case(const struct ac_case *c)
{
	ng_ac *ac = ng_ac_new();
	assert_non_null(ac);
	for (uint32_t i = 0; i < MAX_PATS && c->pats[i] != NULL; i++)
		assert_int_equal(ng_ac_add(ac, c->pats[i], strlen(c->pats[i]), i), 0);
	assert_int_equal(ng_ac_build(ac), 0);
	return ac;
}

static void test_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct ac_case *c = &cases[k];
		ng_ac *ac = build_case(c);
		struct hits h = {0};
		int rc = ng_ac_scan(ac, c->text, strlen(c->text), collect, &h);
		if (rc != 0 || h.n != c->nwant)
			fail_msg("case \"%s\": got %zu hits (rc %d), want %zu", c->name, h.n, rc,
			         c->nwant);
		for (size_t i = 0; i < h.n; i++) {
			if (h.v[i].id != c->want[i].id || h.v[i].end != c->want[i].end)
				fail_msg("case \"%s\": hit %zu: got (id %u, end %zu), want (id %u, "
				         "end %zu)",
				         c->name, i, h.v[i].id, h.v[i].end, c->want[i].id,
				         c->want[i].end);
		}
		ng_ac_free(ac);
	}
}

static void test_stop_from_callback(void **state)
{
	(void)state;
	ng_ac *ac = ng_ac_new();
	assert_non_null(ac);
	assert_int_equal(ng_ac_add(ac, "a", 1, 7), 0);
	assert_int_equal(ng_ac_build(ac), 0);
	struct hits h = {.stop_after = 2};
	assert_int_equal(ng_ac_scan(ac, "aaaaa", 5, collect, &h), 1);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.v[1].end, 2);
	/* Stop inside one state's output list: the rest is not reported. */
	ng_ac *ac2 = ng_ac_new();
	assert_non_null(ac2);
	assert_int_equal(ng_ac_add(ac2, "abc", 3, 1), 0);
	assert_int_equal(ng_ac_add(ac2, "bc", 2, 2), 0);
	assert_int_equal(ng_ac_add(ac2, "c", 1, 3), 0);
	assert_int_equal(ng_ac_build(ac2), 0);
	struct hits h2 = {.stop_after = 1};
	assert_int_equal(ng_ac_scan(ac2, "abc", 3, collect, &h2), 1);
	assert_int_equal(h2.n, 1);
	assert_int_equal(h2.v[0].id, 1);
	ng_ac_free(ac);
	ng_ac_free(ac2);
}

static void test_api_edges(void **state)
{
	(void)state;
	struct hits h = {0};
	ng_ac *ac = ng_ac_new();
	assert_non_null(ac);
	assert_int_equal(ng_ac_states(ac), 0);
	assert_int_equal(ng_ac_add(ac, "", 0, 1), -1); /* empty pattern refused */
	/* Scanning before build reports nothing. */
	assert_int_equal(ng_ac_add(ac, "x", 1, 1), 0);
	assert_int_equal(ng_ac_scan(ac, "x", 1, collect, &h), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(ng_ac_build(ac), 0);
	assert_int_equal(ng_ac_build(ac), 0); /* idempotent */
	assert_int_equal(ng_ac_states(ac), 2);
	assert_int_equal(ng_ac_add(ac, "y", 1, 2), -1); /* after build */
	assert_int_equal(ng_ac_scan(ac, NULL, 0, collect, &h), 0);
	assert_int_equal(ng_ac_scan(ac, "xx", 0, collect, &h), 0);
	assert_int_equal(h.n, 0);
	/* NUL is an ordinary byte in the text. */
	assert_int_equal(ng_ac_scan(ac, "\0x\0x", 4, collect, &h), 0);
	assert_int_equal(h.n, 2);
	ng_ac_free(ac);
	ng_ac_free(NULL);

	/* An automaton without patterns builds and never matches. */
	ng_ac *empty = ng_ac_new();
	assert_non_null(empty);
	assert_int_equal(ng_ac_build(empty), 0);
	assert_int_equal(ng_ac_states(empty), 1);
	h.n = 0;
	assert_int_equal(ng_ac_scan(empty, "anything", 8, collect, &h), 0);
	assert_int_equal(h.n, 0);
	ng_ac_free(empty);

	/* Freed while still building: nothing leaks (checked by ASan). */
	ng_ac *unbuilt = ng_ac_new();
	assert_non_null(unbuilt);
	assert_int_equal(ng_ac_add(unbuilt, "abc", 3, 0), 0);
	ng_ac_free(unbuilt);
}

/* Deterministic xorshift so a failing run reproduces. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

struct rhits {
	struct hit *v;
	size_t n, cap;
};

static int rcollect(void *ctx, uint32_t id, size_t end)
{
	struct rhits *h = ctx;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		assert_non_null(h->v);
	}
	h->v[h->n].id = id;
	h->v[h->n].end = end;
	h->n++;
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static void test_random_vs_naive(void **state)
{
	(void)state;
	enum { NPAT = 1000, TLEN = 20000 };
	static const char alpha[] = "abcdAB. ";
	static char pats[NPAT][9];
	static size_t plen[NPAT];
	static char text[TLEN];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	ng_ac *ac = ng_ac_new();
	assert_non_null(ac);
	for (uint32_t i = 0; i < NPAT; i++) {
		plen[i] = 1 + rnd(&seed) % 8;
		for (size_t j = 0; j < plen[i]; j++)
			pats[i][j] = alpha[rnd(&seed) % (sizeof(alpha) - 1)];
		assert_int_equal(ng_ac_add(ac, pats[i], plen[i], i), 0);
	}
	assert_int_equal(ng_ac_build(ac), 0);
	for (size_t j = 0; j < TLEN; j++)
		text[j] = alpha[rnd(&seed) % (sizeof(alpha) - 1)];

	struct rhits got = {0}, want = {0};
	assert_int_equal(ng_ac_scan(ac, text, TLEN, rcollect, &got), 0);
	for (size_t end = 1; end <= TLEN; end++) {
		for (uint32_t i = 0; i < NPAT; i++) {
			if (plen[i] > end)
				continue;
			size_t st = end - plen[i], j = 0;
			while (j < plen[i] && lower(text[st + j]) == lower(pats[i][j]))
				j++;
			if (j == plen[i])
				rcollect(&want, i, end);
		}
	}
	/* Report order within one end offset is by length, so compare sorted. */
	for (size_t i = 1; i < got.n; i++)
		if (got.v[i].end < got.v[i - 1].end)
			fail_msg("hit %zu reported out of end order", i);
	qsort(got.v, got.n, sizeof(*got.v), cmp_hit);
	qsort(want.v, want.n, sizeof(*want.v), cmp_hit);
	if (got.n != want.n)
		fail_msg("random: got %zu hits, naive search found %zu", got.n, want.n);
	for (size_t i = 0; i < got.n; i++)
		if (cmp_hit(&got.v[i], &want.v[i]) != 0)
			fail_msg("random: hit %zu: got (id %u, end %zu), want (id %u, end %zu)", i,
			         got.v[i].id, got.v[i].end, want.v[i].id, want.v[i].end);
	free(got.v);
	free(want.v);
	ng_ac_free(ac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_stop_from_callback),
	    cmocka_unit_test(test_api_edges),
	    cmocka_unit_test(test_random_vs_naive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
