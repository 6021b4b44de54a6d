/*
 * test_batv.c - unit tests of BATV (ng_batv_* in include/ndrguard/batv.h).
 *
 * Tables of named cases.  The signing vectors were produced by Exim 4.96
 * itself (Debian exim4-daemon-light, `exim4 -C MINIMAL.conf -be
 * '${prvs{ADDR}{KEY}{K}}'` with libfaketime fixing the clock to the second
 * given in each row, TZ=UTC), so they pin down byte for byte what Exim
 * hashes.  The expiry rows include Exim's own answers (`${prvscheck}` at
 * the same fixed days) where both agree, and name the one place where we
 * differ on purpose: Exim keeps a tag of day 999 valid after the wrap to
 * day 000 (its check is "DDD >= today"), long after its lifetime.
 *
 * The clock is always a parameter; key files live in a mkdtemp() folder.
 * CRYPTO_memcmp is wrapped (-Wl,--wrap, tests/CMakeLists.txt) to prove that
 * every MAC comparison goes through the constant-time compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include <ndrguard/batv.h>
#include <ndrguard/config.h>

#define DAY 86400

/* ----- constant-time compare: count the calls ----- */

int __real_CRYPTO_memcmp(const volatile void *a, const volatile void *b, size_t len);
int __wrap_CRYPTO_memcmp(const volatile void *a, const volatile void *b, size_t len);
static unsigned memcmp_calls;

int __wrap_CRYPTO_memcmp(const volatile void *a, const volatile void *b, size_t len)
{
	memcmp_calls++;
	return __real_CRYPTO_memcmp(a, b, len);
}

/* ----- helpers ----- */

struct keyspec {
	unsigned num;
	const char *data;
};

/* A handle with the given keys (NULL-terminated data), lifetime 7. */
static struct ng_batv *make(const struct keyspec *ks, size_t n, bool sub)
{
	struct ng_batv_key keys[NG_BATV_KEYS_MAX];
	static const char *const domains[] = {"example.com", "Example.ORG."};
	for (size_t i = 0; i < n; i++) {
		keys[i].num = ks[i].num;
		keys[i].data = (const unsigned char *)ks[i].data;
		keys[i].len = strlen(ks[i].data);
	}
	struct ng_batv_opts o = {.keys = keys,
	                         .nkeys = n,
	                         .domains = domains,
	                         .ndomains = 2,
	                         .lifetime_days = 7,
	                         .subaddress = sub,
	                         .enforce_after = 1000 * (time_t)DAY};
	char err[256];
	struct ng_batv *b = ng_batv_new(&o, err, sizeof(err));
	if (b == NULL)
		fail_msg("ng_batv_new: %s", err);
	return b;
}

#define K64 "KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK"

/* ----- Exim's own signatures ----- */

static void test_exim_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned knum;
		const char *key;
		long long now;
		const char *addr, *want;
	} t[] = {
	    {"plain, key 0", 0, "secret", 20786LL * DAY + 5000, "user@example.com",
	     "prvs=079341e088=user@example.com"},
	    {"key 3, upper-case domain hashed as given", 3, "secret", 20786LL * DAY + 5000,
	     "user@EXAMPLE.com", "prvs=3793756794=user@EXAMPLE.com"},
	    {"expiry day wraps to 002", 0, "secret", 20995LL * DAY + 3600, "user@example.com",
	     "prvs=00023e8ff5=user@example.com"},
	    {"expiry day 999", 0, "secret", 20992LL * DAY + 3600, "user@example.com",
	     "prvs=099999d073=user@example.com"},
	    {"expiry day 000, late in the day", 5, "secret", 20993LL * DAY + 80000,
	     "user@example.com", "prvs=500052c081=user@example.com"},
	    {"64-byte key, key 9, mixed case", 9, K64, 20000LL * DAY, "Some.User@Example.COM",
	     "prvs=9007e66363=Some.User@Example.COM"},
	    {"one-letter key and address", 1, "x", 21000LL * DAY + 43200, "a@b",
	     "prvs=10070f4fbe=a@b"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct keyspec ks = {t[i].knum, t[i].key};
		struct ng_batv *b = make(&ks, 1, false);
		char out[NG_BATV_SIGNED_MAX], orig[NG_BATV_SIGNED_MAX];
		int r = ng_batv_sign(b, t[i].addr, (time_t)t[i].now, out, sizeof(out));
		if (r != 0 || strcmp(out, t[i].want) != 0)
			fail_msg("%s: sign got %d '%s', want '%s'", t[i].name, r, out, t[i].want);
		struct ng_batv_check c;
		enum ng_batv_status s =
		    ng_batv_verify(b, t[i].want, (time_t)t[i].now, &c, orig, sizeof(orig));
		if (s != NG_BATV_VALID || strcmp(orig, t[i].addr) != 0 || c.folded ||
		    c.key != (int)t[i].knum || c.form != NG_BATV_FORM_PRVS)
			fail_msg("%s: verify got %s '%s' key %d", t[i].name, ng_batv_status_name(s),
			         orig, c.key);
		/* the same tag all day long: retries of one message */
		char again[NG_BATV_SIGNED_MAX];
		long long midnight = t[i].now / DAY * DAY;
		ng_batv_sign(b, t[i].addr, (time_t)midnight, again, sizeof(again));
		if (strcmp(again, out) != 0)
			fail_msg("%s: tag changed within the day: %s", t[i].name, again);
		ng_batv_sign(b, t[i].addr, (time_t)(midnight + DAY - 1), again, sizeof(again));
		if (strcmp(again, out) != 0)
			fail_msg("%s: tag changed within the day: %s", t[i].name, again);
		ng_batv_free(b);
	}
}

/* ----- the day check around the wrap ----- */

static void test_expiry(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *addr;
		long long day;
		enum ng_batv_status want;
	} t[] = {
	    /* DDD = 002, signed on day 20995 */
	    {"002: signing day (Exim: valid)", "prvs=00023e8ff5=user@example.com", 20995,
	     NG_BATV_VALID},
	    {"002: day 999, before the wrap (Exim: valid)", "prvs=00023e8ff5=user@example.com",
	     20999, NG_BATV_VALID},
	    {"002: day 000, after the wrap (Exim: valid)", "prvs=00023e8ff5=user@example.com",
	     21000, NG_BATV_VALID},
	    {"002: its last day (Exim: valid)", "prvs=00023e8ff5=user@example.com", 21002,
	     NG_BATV_VALID},
	    {"002: the day after (Exim: expired)", "prvs=00023e8ff5=user@example.com", 21003,
	     NG_BATV_EXPIRED},
	    {"002: 8 days ahead: never signed so", "prvs=00023e8ff5=user@example.com", 20994,
	     NG_BATV_EXPIRED},
	    {"002: 1,000 days later looks fresh again", "prvs=00023e8ff5=user@example.com", 21995,
	     NG_BATV_VALID},
	    /* DDD = 999, signed on day 20992 */
	    {"999: signing day (Exim: valid)", "prvs=099999d073=user@example.com", 20992,
	     NG_BATV_VALID},
	    {"999: its last day (Exim: valid)", "prvs=099999d073=user@example.com", 20999,
	     NG_BATV_VALID},
	    {"999: day 000 after the wrap (Exim says valid: its flaw)",
	     "prvs=099999d073=user@example.com", 21000, NG_BATV_EXPIRED},
	    {"999: day 001 (Exim says valid: its flaw)", "prvs=099999d073=user@example.com", 21001,
	     NG_BATV_EXPIRED},
	    /* DDD = 000 */
	    {"000: day 993 (Exim: valid)", "prvs=500052c081=user@example.com", 20993,
	     NG_BATV_VALID},
	    {"000: day 000 (Exim: valid)", "prvs=500052c081=user@example.com", 21000,
	     NG_BATV_VALID},
	    {"000: day 001", "prvs=500052c081=user@example.com", 21001, NG_BATV_EXPIRED},
	    /* the MAC is checked before the day */
	    {"bad MAC on an expired day", "prvs=00023e8ff6=user@example.com", 21500,
	     NG_BATV_BAD_SIGNATURE},
	};
	struct keyspec ks[] = {{0, "secret"}, {5, "secret"}};
	struct ng_batv *b = make(ks, 2, false);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (long long sec = 0; sec < DAY; sec += DAY - 1) { /* first and last second */
			enum ng_batv_status s = ng_batv_verify(
			    b, t[i].addr, (time_t)(t[i].day * DAY + sec), NULL, NULL, 0);
			if (s != t[i].want)
				fail_msg("%s (+%llds): got %s, want %s", t[i].name, sec,
				         ng_batv_status_name(s), ng_batv_status_name(t[i].want));
		}
	}
	ng_batv_free(b);
}

/* Every signing day of a whole cycle and more: valid for the lifetime, then
 * expired; the wrap needs no special case. */
static void test_expiry_sweep(void **state)
{
	(void)state;
	struct keyspec ks = {4, "sweep-key"};
	struct ng_batv *b = make(&ks, 1, false);
	for (long long day = 20900; day < 22100; day++) {
		char out[NG_BATV_SIGNED_MAX];
		assert_int_equal(
		    ng_batv_sign(b, "x@example.com", (time_t)(day * DAY + 7), out, sizeof(out)), 0);
		for (long long d = day; d <= day + 9; d++) {
			enum ng_batv_status want = d <= day + 7 ? NG_BATV_VALID : NG_BATV_EXPIRED;
			enum ng_batv_status s =
			    ng_batv_verify(b, out, (time_t)(d * DAY), NULL, NULL, 0);
			if (s != want)
				fail_msg("signed day %lld, checked day %lld: %s", day, d,
				         ng_batv_status_name(s));
		}
	}
	ng_batv_free(b);
}

/* ----- keys ----- */

static void test_rotation(void **state)
{
	(void)state;
	time_t now = 20786 * (time_t)DAY + 5000;
	struct keyspec old[] = {{0, "secret"}};
	struct keyspec both[] = {{0, "secret"}, {1, "newer"}};
	struct keyspec new_only[] = {{1, "newer"}};
	struct ng_batv *b0 = make(old, 1, false);
	struct ng_batv *b01 = make(both, 2, false);
	struct ng_batv *b1 = make(new_only, 1, false);
	char s0[NG_BATV_SIGNED_MAX], s1[NG_BATV_SIGNED_MAX];

	assert_int_equal(ng_batv_sign(b0, "user@example.com", now, s0, sizeof(s0)), 0);
	assert_string_equal(s0, "prvs=079341e088=user@example.com");
	/* the highest key signs */
	assert_int_equal(ng_batv_sign(b01, "user@example.com", now, s1, sizeof(s1)), 0);
	assert_true(strncmp(s1, "prvs=1793", 9) == 0);
	/* every listed key verifies */
	assert_int_equal(ng_batv_verify(b01, s0, now, NULL, NULL, 0), NG_BATV_VALID);
	assert_int_equal(ng_batv_verify(b01, s1, now, NULL, NULL, 0), NG_BATV_VALID);
	/* the old key removed: its tags have no key any more */
	assert_int_equal(ng_batv_verify(b1, s0, now, NULL, NULL, 0), NG_BATV_UNKNOWN_KEY);
	assert_int_equal(ng_batv_verify(b1, s1, now, NULL, NULL, 0), NG_BATV_VALID);
	/* before rotation, a new key's tag is unknown */
	assert_int_equal(ng_batv_verify(b0, s1, now, NULL, NULL, 0), NG_BATV_UNKNOWN_KEY);
	/* a same-numbered but different key: bad signature */
	struct keyspec other[] = {{0, "other"}};
	struct ng_batv *bx = make(other, 1, false);
	assert_int_equal(ng_batv_verify(bx, s0, now, NULL, NULL, 0), NG_BATV_BAD_SIGNATURE);
	ng_batv_free(bx);
	ng_batv_free(b0);
	ng_batv_free(b01);
	ng_batv_free(b1);
}

static void test_build_errors(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		struct ng_batv_key keys[2];
		size_t nkeys;
		unsigned lifetime;
		const char *domain;
		const char *want;
	} t[] = {
	    {"no keys", {{0, NULL, 0}}, 0, 7, NULL, "no keys configured"},
	    {"key 10",
	     {{10, (const unsigned char *)"k", 1}},
	     1,
	     7,
	     NULL,
	     "key number 10: not 0..9"},
	    {"twice",
	     {{2, (const unsigned char *)"k", 1}, {2, (const unsigned char *)"j", 1}},
	     2,
	     7,
	     NULL,
	     "key number 2 given twice"},
	    {"empty key", {{0, (const unsigned char *)"", 0}}, 1, 7, NULL, "key 0: 0 bytes"},
	    {"65-byte key",
	     {{0, (const unsigned char *)K64 "K", 65}},
	     1,
	     7,
	     NULL,
	     "key 0: 65 bytes"},
	    {"lifetime", {{0, (const unsigned char *)"k", 1}}, 1, 1000, NULL, "lifetime 1000"},
	    {"domain with @", {{0, (const unsigned char *)"k", 1}}, 1, 7, "a@b", "'a@b': not a"},
	    {"empty domain", {{0, (const unsigned char *)"k", 1}}, 1, 7, "", "'': not a domain"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *doms[1] = {t[i].domain};
		struct ng_batv_opts o = {.keys = t[i].keys,
		                         .nkeys = t[i].nkeys,
		                         .domains = doms,
		                         .ndomains = t[i].domain ? 1 : 0,
		                         .lifetime_days = t[i].lifetime};
		char err[256] = "";
		struct ng_batv *b = ng_batv_new(&o, err, sizeof(err));
		if (b != NULL || strstr(err, t[i].want) == NULL)
			fail_msg("%s: got %p '%s', want '%s'", t[i].name, (void *)b, err,
			         t[i].want);
	}
}

/* ----- case, forms ----- */

static void test_case_folding(void **state)
{
	(void)state;
	time_t now = 20786 * (time_t)DAY + 5000;
	struct keyspec ks[] = {{0, "secret"}, {3, "secret"}};
	struct ng_batv *b = make(ks, 2, false);
	static const struct {
		const char *name, *addr;
		enum ng_batv_status want;
		bool folded;
		const char *orig;
	} t[] = {
	    {"as signed", "prvs=079341e088=user@example.com", NG_BATV_VALID, false,
	     "user@example.com"},
	    {"domain upper-cased on the way", "prvs=079341e088=user@EXAMPLE.COM", NG_BATV_VALID,
	     true, "user@EXAMPLE.COM"},
	    {"signed over an upper-case domain, as given", "prvs=3793756794=user@EXAMPLE.com",
	     NG_BATV_VALID, false, "user@EXAMPLE.com"},
	    {"signed upper, folded to lower: no way back", "prvs=3793756794=user@example.com",
	     NG_BATV_BAD_SIGNATURE, false, "user@example.com"},
	    {"local part case is significant", "prvs=079341e088=User@example.com",
	     NG_BATV_BAD_SIGNATURE, false, "User@example.com"},
	    {"PRVS= prefix in upper case", "PRVS=079341e088=user@example.com", NG_BATV_VALID, false,
	     "user@example.com"},
	    {"hex in upper case", "prvs=079341E088=user@example.com", NG_BATV_VALID, false,
	     "user@example.com"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ng_batv_check c;
		char orig[NG_BATV_SIGNED_MAX];
		enum ng_batv_status s = ng_batv_verify(b, t[i].addr, now, &c, orig, sizeof(orig));
		if (s != t[i].want || c.folded != t[i].folded || strcmp(orig, t[i].orig) != 0)
			fail_msg("%s: got %s folded=%d '%s'", t[i].name, ng_batv_status_name(s),
			         c.folded, orig);
	}
	ng_batv_free(b);
}

static void test_subaddress(void **state)
{
	(void)state;
	time_t now = 20786 * (time_t)DAY + 5000;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, true);
	char out[NG_BATV_SIGNED_MAX], orig[NG_BATV_SIGNED_MAX];
	struct ng_batv_check c;

	/* the same MAC as the prvs form: it covers the original address */
	assert_int_equal(ng_batv_sign(b, "user@example.com", now, out, sizeof(out)), 0);
	assert_string_equal(out, "user+prvs=079341e088@example.com");
	assert_int_equal(ng_batv_verify(b, out, now, &c, orig, sizeof(orig)), NG_BATV_VALID);
	assert_int_equal(c.form, NG_BATV_FORM_SUB);
	assert_string_equal(orig, "user@example.com");
	/* a local part with its own '+' */
	assert_int_equal(ng_batv_sign(b, "a+b@example.com", now, out, sizeof(out)), 0);
	assert_int_equal(ng_batv_verify(b, out, now, &c, orig, sizeof(orig)), NG_BATV_VALID);
	assert_string_equal(orig, "a+b@example.com");
	/* either form verifies whatever the signing form */
	assert_int_equal(ng_batv_verify(b, "prvs=079341e088=user@example.com", now, NULL, NULL, 0),
	                 NG_BATV_VALID);
	/* never re-tag: ours in either form, and foreign ones */
	static const char *const tagged[] = {
	    "user+prvs=079341e088@example.com", "prvs=079341e088=user@example.com",
	    "btv1==1a2b3c4d5e6==user@example.com", "msprvs1=17827Qk8aB3Zo=bounces-123@example.com"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ng_batv_sign(b, tagged[i], now, out, sizeof(out)), 1);
		assert_string_equal(out, tagged[i]);
	}
	/* sub form with a bad tag is just a local part */
	assert_int_equal(ng_batv_verify(b, "user+prvs=0793x1e088@example.com", now, &c, NULL, 0),
	                 NG_BATV_NOT_SIGNED);
	assert_int_equal(c.form, NG_BATV_FORM_NONE);
	ng_batv_free(b);
}

static void test_foreign(void **state)
{
	(void)state;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, false);
	static const struct {
		const char *addr;
		enum ng_batv_form form;
	} t[] = {
	    {"btv1==1a2b3c4d5e6==user@example.com", NG_BATV_FORM_BTV1},
	    {"BTV1==abc==u@example.com", NG_BATV_FORM_BTV1},
	    {"msprvs1=17827Qk8aB3Zo=bounces-123@sparkpostmail.com", NG_BATV_FORM_MSPRVS1},
	    {"msprvs1=x=y@example.com", NG_BATV_FORM_MSPRVS1},
	    {"btv1==abc@example.com", NG_BATV_FORM_NONE},    /* no second "==" */
	    {"btv1====u@example.com", NG_BATV_FORM_NONE},    /* nothing between */
	    {"msprvs1=abc@example.com", NG_BATV_FORM_NONE},  /* no second '=' */
	    {"msprvs1=abc=@example.com", NG_BATV_FORM_NONE}, /* no local part */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ng_batv_check c;
		char orig[NG_BATV_SIGNED_MAX];
		enum ng_batv_status s = ng_batv_verify(b, t[i].addr, 0, &c, orig, sizeof(orig));
		if (s != NG_BATV_NOT_SIGNED || c.form != t[i].form ||
		    strcmp(orig, t[i].addr) != 0 || ng_batv_form(t[i].addr) != t[i].form)
			fail_msg("%s: got %s form %s '%s'", t[i].addr, ng_batv_status_name(s),
			         ng_batv_form_name(c.form), orig);
	}
	ng_batv_free(b);
}

static void test_malformed(void **state)
{
	(void)state;
	time_t now = 20786 * (time_t)DAY + 5000;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, false);
	static const struct {
		const char *name, *addr;
	} t[] = {
	    {"plain address", "user@example.com"},
	    {"bad hex", "prvs=079341g088=user@example.com"},
	    {"hex too short", "prvs=079341e08=user@example.com"},
	    {"hex too long", "prvs=079341e0888=user@example.com"},
	    {"K not a digit", "prvs=x79341e088=user@example.com"},
	    {"DDD not digits", "prvs=07a341e088=user@example.com"},
	    {"missing '=' after the tag", "prvs=079341e088user@example.com"},
	    {"missing '=' after prvs", "prvs079341e088=user@example.com"},
	    {"empty original local part", "prvs=079341e088=@example.com"},
	    {"no domain", "prvs=079341e088=user@"},
	    {"no '@'", "prvs=079341e088=user"},
	    {"empty", ""},
	    {"only '@'", "@"},
	    {"sub form without local part", "+prvs=079341e088@example.com"},
	    {"sub form, tag too short", "user+prvs=079341e08@example.com"},
	    {"tag in the domain", "user@prvs=079341e088=example.com"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ng_batv_check c;
		char orig[NG_BATV_SIGNED_MAX];
		enum ng_batv_status s = ng_batv_verify(b, t[i].addr, now, &c, orig, sizeof(orig));
		if (s != NG_BATV_NOT_SIGNED || c.form != NG_BATV_FORM_NONE ||
		    strcmp(orig, t[i].addr) != 0)
			fail_msg("%s: got %s form %s '%s'", t[i].name, ng_batv_status_name(s),
			         ng_batv_form_name(c.form), orig);
	}
	/* bytes: a NUL inside, and too long */
	static const char nul[] = "prvs=079341e088=user@exa\0mple.com";
	assert_int_equal(ng_batv_verify_mem(b, nul, sizeof(nul) - 1, now, NULL, NULL, 0),
	                 NG_BATV_NOT_SIGNED);
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "prvs=079341e088=", 16);
	big[300] = '@';
	char orig[8];
	assert_int_equal(ng_batv_verify(b, big, now, NULL, orig, sizeof(orig)), NG_BATV_NOT_SIGNED);
	assert_string_equal(orig, "");
	ng_batv_free(b);
}

static void test_sign_errors(void **state)
{
	(void)state;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, false);
	char out[NG_BATV_SIGNED_MAX], small[20];
	static const char *const bad[] = {"", "user", "@example.com", "user@"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ng_batv_sign(b, bad[i], 0, out, sizeof(out)), -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(ng_batv_sign(b, "user@example.com", 0, small, sizeof(small)), -1);
	assert_string_equal(small, "");
	char addr[NG_BATV_ADDR_MAX + 2];
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	addr[10] = '@';
	assert_int_equal(ng_batv_sign(b, addr, 0, out, sizeof(out)), -1);
	addr[NG_BATV_ADDR_MAX] = '\0'; /* exactly the maximum: fits */
	assert_int_equal(ng_batv_sign(b, addr, 0, out, sizeof(out)), 0);
	assert_int_equal(ng_batv_verify(b, out, 0, NULL, NULL, 0), NG_BATV_VALID);
	ng_batv_free(b);
}

static void test_constant_time(void **state)
{
	(void)state;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, false);
	time_t now = 20786 * (time_t)DAY + 5000;
	memcmp_calls = 0;
	assert_int_equal(ng_batv_verify(b, "prvs=079341e088=user@example.com", now, NULL, NULL, 0),
	                 NG_BATV_VALID);
	assert_int_equal(memcmp_calls, 1);
	/* wrong, with an upper-case domain: compared twice (as given, folded) */
	assert_int_equal(ng_batv_verify(b, "prvs=079341e089=user@Example.com", now, NULL, NULL, 0),
	                 NG_BATV_BAD_SIGNATURE);
	assert_int_equal(memcmp_calls, 3);
	ng_batv_free(b);
}

static void test_domains_enforce(void **state)
{
	(void)state;
	struct keyspec ks = {0, "secret"};
	struct ng_batv *b = make(&ks, 1, false);
	assert_true(ng_batv_domain_signed(b, "example.com"));
	assert_true(ng_batv_domain_signed(b, "EXAMPLE.com."));
	assert_true(ng_batv_domain_signed(b, "example.org"));
	assert_false(ng_batv_domain_signed(b, "sub.example.com"));
	assert_false(ng_batv_domain_signed(b, "example.co"));
	assert_true(ng_batv_addr_signed(b, "x@Example.Org"));
	assert_false(ng_batv_addr_signed(b, "x@example.net"));
	assert_false(ng_batv_addr_signed(b, "example.com"));
	assert_false(ng_batv_enforced(b, 1000 * (time_t)DAY - 1));
	assert_true(ng_batv_enforced(b, 1000 * (time_t)DAY));
	assert_int_equal(ng_batv_lifetime(b), 7);
	ng_batv_free(b);
}

/* ----- files, dates, configuration ----- */

static char dir[64];

static void put_file(const char *name, const char *data, size_t len, time_t mtime)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	struct timeval tv[2] = {{mtime, 0}, {mtime, 0}};
	assert_int_equal(utimes(path, tv), 0);
}

static void test_key_files(void **state)
{
	(void)state;
	static const struct {
		const char *name, *data;
		size_t len;
		const char *want; /* key bytes, or NULL */
		const char *err;
	} t[] = {
	    {"k-nl", "secret\n", 7, "secret", NULL},
	    {"k-crlf", "secret\r\n", 8, "secret", NULL},
	    {"k-raw", "secret", 6, "secret", NULL},
	    {"k-two-nl", "secret\n\n", 8, "secret\n", NULL},
	    {"k-64", K64 "\n", 65, K64, NULL},
	    {"k-65", K64 "K\n", 66, NULL, "longer than 64 bytes"},
	    {"k-65-raw", K64 "K", 65, NULL, "longer than 64 bytes"},
	    {"k-empty", "", 0, NULL, "the key is empty"},
	    {"k-nl-only", "\n", 1, NULL, "the key is empty"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[128], err[256] = "";
		unsigned char key[NG_BATV_KEY_MAX];
		size_t len = 0;
		time_t mt = 0;
		put_file(t[i].name, t[i].data, t[i].len, 1234567);
		snprintf(path, sizeof(path), "%s/%s", dir, t[i].name);
		int r = ng_batv_load_key(path, key, &len, &mt, err, sizeof(err));
		if (t[i].want != NULL) {
			if (r != 0 || len != strlen(t[i].want) ||
			    memcmp(key, t[i].want, len) != 0 || mt != 1234567)
				fail_msg("%s: got %d len %zu: %s", t[i].name, r, len, err);
		} else if (r == 0 || strstr(err, t[i].err) == NULL || strstr(err, path) == NULL) {
			fail_msg("%s: got %d '%s', want '%s'", t[i].name, r, err, t[i].err);
		}
	}
	char err[256];
	unsigned char key[NG_BATV_KEY_MAX];
	size_t len;
	assert_int_equal(
	    ng_batv_load_key("/nonexistent/batv.key", key, &len, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/batv.key: cannot read"));
	assert_int_equal(ng_batv_load_key(dir, key, &len, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_dates(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		long long want; /* -1: refused */
	} t[] = {
	    {"1970-01-01", 0},
	    {"2024-02-29", 19782LL * DAY},
	    {"2027-07-01", 21000LL * DAY},
	    {"2000-03-01", 11017LL * DAY},
	    {"2023-02-29", -1},
	    {"2024-02-30", -1},
	    {"2100-02-29", -1},
	    {"2024-13-01", -1},
	    {"2024-00-10", -1},
	    {"2024-04-31", -1},
	    {"2024-4-1", -1},
	    {"2024-04-01 ", -1},
	    {" 2024-04-01", -1},
	    {"2024/04/01", -1},
	    {"1969-12-31", -1},
	    {"", -1},
	    {"tomorrow", -1},
	    {"+024-04-01", -1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		time_t got = 42;
		int r = ng_batv_parse_date(t[i].s, &got);
		if (t[i].want < 0 ? r != -1 : (r != 0 || (long long)got != t[i].want))
			fail_msg("'%s': got %d %lld", t[i].s, r, (long long)got);
	}
}

static struct ng_config *conf(const char *text)
{
	char err[512];
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	if (ng_config_parse_text(cfg, "t.conf", text, strlen(text), err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	return cfg;
}

static void test_from_config(void **state)
{
	(void)state;
	char text[1024], err[512];
	put_file("c0", "secret\n", 7, 100 * (time_t)DAY + 50);
	put_file("c1", "newer\n", 6, 200 * (time_t)DAY);
	put_file("bad", "", 0, 0);

	/* no keys: off */
	struct ng_config *cfg = conf("batv_domains = example.com\n");
	assert_false(ng_batv_configured(cfg));
	assert_null(ng_batv_from_config(cfg, err, sizeof(err)));
	assert_string_equal(err, "default: batv_keys: no keys configured");
	ng_config_free(cfg);

	/* two keys; enforcement one lifetime after the OLDEST key file */
	snprintf(text, sizeof(text),
	         "batv_keys = 1:%s/c1, 0:%s/c0\nbatv_domains = example.com\n"
	         "batv_lifetime_days = 10\n",
	         dir, dir);
	cfg = conf(text);
	assert_true(ng_batv_configured(cfg));
	struct ng_batv *b = ng_batv_from_config(cfg, err, sizeof(err));
	if (b == NULL)
		fail_msg("%s", err);
	assert_int_equal((long long)ng_batv_enforce_after(b), 110LL * DAY + 50);
	assert_int_equal(ng_batv_lifetime(b), 10);
	char out[NG_BATV_SIGNED_MAX];
	assert_int_equal(ng_batv_sign(b, "u@example.com", 300 * (time_t)DAY, out, sizeof(out)), 0);
	assert_true(strncmp(out, "prvs=1310", 9) == 0);
	assert_true(ng_batv_domain_signed(b, "example.com"));
	ng_batv_free(b);
	ng_config_free(cfg);

	/* an explicit date */
	snprintf(text, sizeof(text),
	         "batv_keys = 0:%s/c0\nbatv_enforce_after = 2027-07-01\nbatv_subaddress = yes\n",
	         dir);
	cfg = conf(text);
	b = ng_batv_from_config(cfg, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal((long long)ng_batv_enforce_after(b), 21000LL * DAY);
	assert_int_equal(ng_batv_sign(b, "u@example.com", 0, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "u+prvs=0"));
	ng_batv_free(b);
	ng_config_free(cfg);

	/* errors name where and the key */
	static const struct {
		const char *name, *text, *want;
	} t[] = {
	    {"bad item", "batv_keys = x:/a\n", "t.conf:1: batv_keys: 'x:/a': not N:/path"},
	    {"no path", "batv_keys = 3:\n", "t.conf:1: batv_keys: '3:': not N:/path"},
	    {"two digits", "batv_keys = 10:/a\n", "t.conf:1: batv_keys: '10:/a': not N:/path"},
	    {"missing file", "batv_keys = 2:/nonexistent/k\n",
	     "t.conf:1: batv_keys: 2:/nonexistent/k: cannot read: No such file"},
	    {"twice", "batv_keys = 0:DIR/c0 0:DIR/c1\n", "t.conf:1: batv_keys: '0:"},
	    {"empty key", "batv_keys = 0:DIR/bad\n", "the key is empty"},
	    {"bad date", "batv_keys = 0:DIR/c0\n\nbatv_enforce_after = 2024-02-30\n",
	     "t.conf:3: batv_enforce_after: '2024-02-30': not a date (YYYY-MM-DD)"},
	    {"bad domain", "batv_keys = 0:DIR/c0\nbatv_domains = ok.example, a@b\n",
	     "t.conf:2: batv_domains: 'a@b': not a domain"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* DIR -> dir */
		size_t o = 0;
		for (const char *p = t[i].text; *p != '\0' && o + 64 < sizeof(text); p++) {
			if (strncmp(p, "DIR", 3) == 0) {
				o += (size_t)snprintf(text + o, sizeof(text) - o, "%s", dir);
				p += 2;
			} else {
				text[o++] = *p;
			}
		}
		text[o] = '\0';
		cfg = conf(text);
		err[0] = '\0';
		b = ng_batv_from_config(cfg, err, sizeof(err));
		if (b != NULL || strstr(err, t[i].want) == NULL)
			fail_msg("%s: got '%s', want '%s'", t[i].name, err, t[i].want);
		ng_config_free(cfg);
	}
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ng-batv-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
	(void)state;
	static const char *const names[] = {"k-nl",      "k-crlf", "k-raw",    "k-two-nl",
	                                    "k-64",      "k-65",   "k-65-raw", "k-empty",
	                                    "k-nl-only", "c0",     "c1",       "bad"};
	char path[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exim_vectors),  cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_expiry_sweep),  cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_build_errors),  cmocka_unit_test(test_case_folding),
	    cmocka_unit_test(test_subaddress),    cmocka_unit_test(test_foreign),
	    cmocka_unit_test(test_malformed),     cmocka_unit_test(test_sign_errors),
	    cmocka_unit_test(test_constant_time), cmocka_unit_test(test_domains_enforce),
	    cmocka_unit_test(test_key_files),     cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_from_config),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
