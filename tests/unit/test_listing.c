/*
 * test_listing.c - unit tests of the listings (include/ndrguard/listing.h).
 *
 * Tables of named cases, each compared as text with a got/want message:
 *
 *   nets       parse, format, the network of a hit, keys, containment
 *   scenarios  hits, manual changes and reads in the store against an
 *              injected clock (T0 + seconds), each run on the memory
 *              store and on LMDB in a fresh directory; a read is compared
 *              as a one-line summary of the record
 *   evidence   order, cap, spam leaving none
 *   redaction  trap addresses in evidence text
 *   records    encode/decode round trip; damaged records, decoded and in
 *              the store
 *   scan       key order, damaged records skipped, stop; lookup of the
 *              entries containing an address
 *   codes      dnsbld_codes
 *   import     the parser, line by line, whole and byte by byte
 *   export     golden rbldnsd and text output; export -> import round trip
 *
 * No case reads the clock or the network.
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

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <ndrguard/listing.h>
#include <ndrguard/store.h>

#include "util/buf.h"

#define DAY ((int64_t)86400)
#define T0  ((int64_t)1800000000)

static const struct ng_listing_opts OPTS = {.days = 28, .evidence = 5};

static struct ng_listing_net net_of(const char *s)
{
	struct ng_listing_net n;
	if (!ng_listing_net_parse(s, &n))
		fail_msg("net_of: '%s' does not parse", s);
	return n;
}

/* ---- stores: memory, and LMDB in a temporary directory ---- */

struct tstore {
	char dir[PATH_MAX];
	struct ng_store *s;
};

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL) {
		unlink(path);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char sub[PATH_MAX + 256];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static void store_open(struct tstore *t, bool lmdb)
{
	char err[512], spec[PATH_MAX + 16];
	t->dir[0] = '\0';
	if (lmdb) {
		const char *tmp = getenv("TMPDIR");
		snprintf(t->dir, sizeof(t->dir), "%s/test_listing.XXXXXX",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		if (mkdtemp(t->dir) == NULL)
			fail_msg("mkdtemp %s: %s", t->dir, strerror(errno));
		snprintf(spec, sizeof(spec), "lmdb:%s/db", t->dir);
	} else {
		snprintf(spec, sizeof(spec), "memory:");
	}
	struct ng_store_opts o = {.map_size = 16u << 20};
	t->s = ng_store_open(spec, &o, err, sizeof(err));
	if (t->s == NULL)
		fail_msg("open %s: %s", spec, err);
}

static void store_close(struct tstore *t)
{
	ng_store_close(t->s);
	if (t->dir[0] != '\0')
		rm_tree(t->dir);
}

/* ---- nets ---- */

struct net_case {
	const char *name;
	const char *in;
	const char *want; /* formatted, or NULL: refused */
};

static const struct net_case net_cases[] = {
    {"v4 host", "192.0.2.1", "192.0.2.1"},
    {"v4 host with /32", "192.0.2.1/32", "192.0.2.1"},
    {"v4 network", "192.0.2.0/24", "192.0.2.0/24"},
    {"v4 odd prefix", "192.0.2.64/26", "192.0.2.64/26"},
    {"v4 everything", "0.0.0.0/0", "0.0.0.0/0"},
    {"v4 host bits", "192.0.2.1/24", NULL},
    {"v4 prefix 33", "192.0.2.1/33", NULL},
    {"v4 short form", "192.0.2", NULL},
    {"v4 octet 256", "192.0.2.256", NULL},
    {"v4 five octets", "192.0.2.1.5", NULL},
    {"v4 four digits", "192.0.2.0001", NULL},
    {"v4 trailing dot", "192.0.2.1.", NULL},
    {"v4 junk after", "192.0.2.1x", NULL},
    {"v4 space before", " 192.0.2.1", NULL},
    {"empty slash", "192.0.2.1/", NULL},
    {"signed prefix", "192.0.2.0/+24", NULL},
    {"long prefix digits", "192.0.2.0/0024", NULL},
    {"empty", "", NULL},
    {"v6 host", "2001:db8::1", "2001:db8::1"},
    {"v6 upper case", "2001:DB8::A", "2001:db8::a"},
    {"v6 /64", "2001:db8:1:2::/64", "2001:db8:1:2::/64"},
    {"v6 /48", "2001:db8:1::/48", "2001:db8:1::/48"},
    {"v6 host bits", "2001:db8:1:2::1/64", NULL},
    {"v6 prefix 129", "2001:db8::/129", NULL},
    {"v6 rbldnsd word form is not strict", "2001:db8:1:2", NULL},
    {"v6 everything", "::/0", "::/0"},
    {"mapped host is v4", "::ffff:192.0.2.1", "192.0.2.1"},
    {"mapped hex is v4", "::ffff:c000:201", "192.0.2.1"},
    {"mapped /120 is v4 /24", "::ffff:192.0.2.0/120", "192.0.2.0/24"},
    {"mapped space /95 stays v6", "::fffe:0:0/95", "::fffe:0:0/95"},
    {"not an address", "mail.example.com", NULL},
};

static void test_net_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(net_cases) / sizeof(net_cases[0]); i++) {
		const struct net_case *c = &net_cases[i];
		struct ng_listing_net n;
		char got[NG_LISTING_NET_TEXT_MAX];
		bool ok = ng_listing_net_parse(c->in, &n);
		if (ok)
			ng_listing_net_format(&n, got, sizeof(got));
		if (ok != (c->want != NULL) || (ok && strcmp(got, c->want) != 0))
			fail_msg("%s: parse '%s': got %s, want %s", c->name, c->in,
			         ok ? got : "refused", c->want != NULL ? c->want : "refused");
		/* the formatted text parses back to the same network */
		struct ng_listing_net back;
		if (ok && (!ng_listing_net_parse(got, &back) || memcmp(&back, &n, sizeof(n)) != 0))
			fail_msg("%s: '%s' does not parse back", c->name, got);
	}
}

struct hit_case {
	const char *name;
	const char *ip;
	unsigned v6_prefix;
	const char *want;
};

static const struct hit_case hit_cases[] = {
    {"v4 is /32", "192.0.2.77", 64, "192.0.2.77"},
    {"v6 cut to /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"},
    {"v6 cut to /48", "2001:db8:1:2::1", 48, "2001:db8:1::/48"},
    {"v6 kept /128", "2001:db8::5", 128, "2001:db8::5"},
    {"v6 cut to /0", "2001:db8::5", 0, "::/0"},
    {"v6 odd prefix", "2001:db8:ffff::", 36, "2001:db8:f000::/36"},
    {"mapped is v4 /32", "::ffff:198.51.100.9", 64, "198.51.100.9"},
    {"prefix 129", "2001:db8::5", 129, NULL},
    {"a network is no hit", "192.0.2.0/24", 64, NULL},
    {"a name is no hit", "localhost", 64, NULL},
};

static void test_net_of_hit(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hit_cases) / sizeof(hit_cases[0]); i++) {
		const struct hit_case *c = &hit_cases[i];
		struct ng_listing_net n;
		char got[NG_LISTING_NET_TEXT_MAX];
		bool ok = ng_listing_net_of_hit(c->ip, c->v6_prefix, &n);
		if (ok)
			ng_listing_net_format(&n, got, sizeof(got));
		if (ok != (c->want != NULL) || (ok && strcmp(got, c->want) != 0))
			fail_msg("%s: got %s, want %s", c->name, ok ? got : "refused",
			         c->want != NULL ? c->want : "refused");
	}
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

struct key_case {
	const char *name;
	const char *net;
	const char *want_hex;
};

static const struct key_case key_cases[] = {
    {"v4 host", "192.0.2.1", "4c34c000020120"},
    {"v4 /24", "192.0.2.0/24", "4c34c000020018"},
    {"v6 /64", "2001:db8:1:2::/64", "4c3620010db800010002000000000000000040"},
    {"mapped is a v4 key", "::ffff:10.0.0.1", "4c340a00000120"},
};

static void test_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];
		struct ng_listing_net n = net_of(c->net), back;
		uint8_t key[20];
		char got[64];
		size_t kl = ng_listing_key(&n, key);
		hex(key, kl, got);
		if (strcmp(got, c->want_hex) != 0)
			fail_msg("%s: key got %s, want %s", c->name, got, c->want_hex);
		if (!ng_listing_key_parse(key, kl, &back) || memcmp(&back, &n, sizeof(n)) != 0)
			fail_msg("%s: the key does not parse back", c->name);
	}
	/* keys that are not listing keys */
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
	} bad[] = {
	    {"short", "L4\xc0\x00\x02", 5},
	    {"other module", "m/abc@example", 13},
	    {"family 5", "L5\xc0\x00\x02\x01\x20", 7},
	    {"v4 prefix 33", "L4\xc0\x00\x02\x01\x21", 7},
	    {"v4 host bits", "L4\xc0\x00\x02\x01\x18", 7},
	    {"v6 key in mapped space", "L6\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01\x80", 19},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ng_listing_net n;
		if (ng_listing_key_parse(bad[i].bytes, bad[i].len, &n))
			fail_msg("key %s: got accepted, want refused", bad[i].name);
	}
}

static void test_contains(void **state)
{
	(void)state;
	static const struct {
		const char *outer, *inner;
		bool want;
	} cases[] = {
	    {"192.0.2.0/24", "192.0.2.7", true},
	    {"192.0.2.0/24", "192.0.2.0/24", true},
	    {"192.0.2.0/24", "192.0.3.1", false},
	    {"192.0.2.0/25", "192.0.2.0/24", false},
	    {"0.0.0.0/0", "203.0.113.9", true},
	    {"2001:db8:1:2::/64", "2001:db8:1:2::99", true},
	    {"2001:db8:1:2::/64", "2001:db8:1:3::1", false},
	    {"::/0", "192.0.2.1", false}, /* families differ */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_listing_net o = net_of(cases[i].outer), in = net_of(cases[i].inner);
		bool got = ng_listing_net_contains(&o, &in);
		if (got != cases[i].want)
			fail_msg("%s contains %s: got %d, want %d", cases[i].outer, cases[i].inner,
			         got, cases[i].want);
	}
}

/* ---- scenarios ---- */

static void rel(int64_t t, char *buf, size_t cap)
{
	if (t == 0) {
		snprintf(buf, cap, "-");
		return;
	}
	int64_t d = t - T0;
	const char *sign = d < 0 ? "-" : "+";
	if (d < 0)
		d = -d;
	if (d % DAY == 0)
		snprintf(buf, cap, "%s%lldd", sign, (long long)(d / DAY));
	else
		snprintf(buf, cap, "%s%lldd%llds", sign, (long long)(d / DAY),
		         (long long)(d % DAY));
}

/* "listed=1 cats=bounce exp=+28d first=+0d last=+0d hits=1/0/0/0 m=0 r=0 d=0 ev=0" */
static void summary(const struct ng_listing *l, int64_t now, char *buf, size_t cap)
{
	char cats[64] = "", e[32], f[32], la[32];
	for (unsigned i = 0; i < NG_CAT_N; i++)
		if ((l->cats & (1u << i)) != 0) {
			if (cats[0] != '\0')
				strncat(cats, ",", sizeof(cats) - strlen(cats) - 1);
			strncat(cats, ng_cat_name((enum ng_cat)i), sizeof(cats) - strlen(cats) - 1);
		}
	rel(l->expires, e, sizeof(e));
	rel(l->first, f, sizeof(f));
	rel(l->last, la, sizeof(la));
	snprintf(buf, cap,
	         "listed=%d cats=%s exp=%s first=%s last=%s hits=%llu/%llu/%llu/%llu m=%d "
	         "r=%d d=%u ev=%u",
	         ng_listing_is_listed(l, now), cats[0] != '\0' ? cats : "-", e, f, la,
	         (unsigned long long)l->hits[0], (unsigned long long)l->hits[1],
	         (unsigned long long)l->hits[2], (unsigned long long)l->hits[3], l->manual,
	         l->removed, l->delistings, l->nev);
}

enum sop { S_END = 0, S_HIT, S_ADD, S_DEL, S_GET };

struct sstep {
	enum sop op;
	const char *net;
	int cat;   /* hit: the category; add: a mask */
	int64_t t; /* now - T0 */
	unsigned days;
	int want_rc;
	const char *want; /* get: the summary */
};

#define B (1 << NG_CAT_BOUNCE)
#define A (1 << NG_CAT_AUTOREPLY)
#define C (1 << NG_CAT_CALLOUT)
#define HIT(n, c, t)                                                                               \
	{                                                                                          \
		S_HIT, n, c, t, 0, 0, NULL                                                         \
	}
#define ADD(n, m, d, t)                                                                            \
	{                                                                                          \
		S_ADD, n, m, t, d, 0, NULL                                                         \
	}
#define DEL(n, t, rc)                                                                              \
	{                                                                                          \
		S_DEL, n, 0, t, 0, rc, NULL                                                        \
	}
#define GET(n, t, w)                                                                               \
	{                                                                                          \
		S_GET, n, 0, t, 0, 0, w                                                            \
	}
#define NONE(n, t)                                                                                 \
	{                                                                                          \
		S_GET, n, 0, t, 0, 1, NULL                                                         \
	}

struct scenario {
	const char *name;
	struct sstep steps[16];
};

static const struct scenario scenarios[] = {
    {"a hit lists for listing_days",
     {HIT("192.0.2.1", NG_CAT_BOUNCE, 0),
      GET("192.0.2.1", 1,
          "listed=1 cats=bounce exp=+28d first=+0d last=+0d hits=1/0/0/0 m=0 r=0 d=0 ev=0"),
      GET("192.0.2.1", 28 * DAY - 1,
          "listed=1 cats=bounce exp=+28d first=+0d last=+0d hits=1/0/0/0 m=0 r=0 d=0 ev=0"),
      NONE("192.0.2.1", 28 * DAY), NONE("192.0.2.2", 1)}},
    {"spam is counted, never listed",
     {HIT("192.0.2.1", NG_CAT_SPAM, 0), HIT("192.0.2.1", NG_CAT_SPAM, DAY),
      GET("192.0.2.1", DAY,
          "listed=0 cats=- exp=- first=+0d last=+1d hits=0/0/0/2 m=0 r=0 d=0 ev=0"),
      NONE("192.0.2.1", 29 * DAY), DEL("192.0.2.1", DAY, 1)}},
    {"a later hit extends the listing",
     {HIT("192.0.2.1", NG_CAT_BOUNCE, 0), HIT("192.0.2.1", NG_CAT_BOUNCE, 10 * DAY),
      GET("192.0.2.1", 37 * DAY,
          "listed=1 cats=bounce exp=+38d first=+0d last=+10d hits=2/0/0/0 m=0 r=0 d=0 ev=0")}},
    {"categories add up",
     {HIT("198.51.100.7", NG_CAT_BOUNCE, 0), HIT("198.51.100.7", NG_CAT_AUTOREPLY, DAY),
      HIT("198.51.100.7", NG_CAT_CALLOUT, 2 * DAY), HIT("198.51.100.7", NG_CAT_SPAM, 3 * DAY),
      GET("198.51.100.7", 3 * DAY,
          "listed=1 cats=bounce,autoreply,callout exp=+30d first=+0d last=+3d hits=1/1/1/1 m=0 "
          "r=0 d=0 ev=0")}},
    {"a relisting after expiry is for the new category alone",
     {HIT("192.0.2.1", NG_CAT_BOUNCE, 0), HIT("192.0.2.1", NG_CAT_SPAM, 27 * DAY),
      GET("192.0.2.1", 29 * DAY,
          "listed=0 cats=bounce exp=+28d first=+0d last=+27d hits=1/0/0/1 m=0 r=0 d=0 ev=0"),
      HIT("192.0.2.1", NG_CAT_CALLOUT, 30 * DAY),
      GET("192.0.2.1", 30 * DAY,
          "listed=1 cats=callout exp=+58d first=+0d last=+30d hits=1/0/1/1 m=0 r=0 d=0 ev=0")}},
    {"back-off stretches relistings up to 4x",
     {HIT("192.0.2.9", NG_CAT_BOUNCE, 0), DEL("192.0.2.9", 1, 0),
      HIT("192.0.2.9", NG_CAT_BOUNCE, 2),
      GET("192.0.2.9", 2,
          "listed=1 cats=bounce exp=+56d2s first=+0d last=+0d2s hits=2/0/0/0 m=0 "
          "r=0 d=1 ev=0"),
      DEL("192.0.2.9", 3, 0), HIT("192.0.2.9", NG_CAT_BOUNCE, 4),
      GET("192.0.2.9", 4,
          "listed=1 cats=bounce exp=+84d4s first=+0d last=+0d4s hits=3/0/0/0 m=0 "
          "r=0 d=2 ev=0"),
      DEL("192.0.2.9", 5, 0), HIT("192.0.2.9", NG_CAT_BOUNCE, 6),
      GET("192.0.2.9", 6,
          "listed=1 cats=bounce exp=+112d6s first=+0d last=+0d6s hits=4/0/0/0 "
          "m=0 r=0 d=3 ev=0"),
      DEL("192.0.2.9", 7, 0), HIT("192.0.2.9", NG_CAT_BOUNCE, 8),
      GET("192.0.2.9", 8,
          "listed=1 cats=bounce exp=+112d8s first=+0d last=+0d8s hits=5/0/0/0 "
          "m=0 r=0 d=4 ev=0")}},
    {"a removed entry stays until it would have expired",
     {HIT("192.0.2.1", NG_CAT_AUTOREPLY, 0), DEL("192.0.2.1", DAY, 0),
      GET("192.0.2.1", 27 * DAY,
          "listed=0 cats=autoreply exp=+28d first=+0d last=+0d hits=0/1/0/0 m=0 r=1 d=1 ev=0"),
      DEL("192.0.2.1", 27 * DAY, 1), NONE("192.0.2.1", 28 * DAY)}},
    {"del of nothing", {DEL("192.0.2.1", 0, 1), DEL("2001:db8::/64", 0, 1), NONE("192.0.2.1", 0)}},
    {"add, del, add again",
     {ADD("192.0.2.0/24", B, 0, 0),
      GET("192.0.2.0/24", 0,
          "listed=1 cats=bounce exp=+28d first=- last=- hits=0/0/0/0 m=1 r=0 "
          "d=0 ev=0"),
      DEL("192.0.2.0/24", DAY, 0),
      GET("192.0.2.0/24", DAY,
          "listed=0 cats=bounce exp=+28d first=- last=- hits=0/0/0/0 m=1 "
          "r=1 d=1 ev=0"),
      ADD("192.0.2.0/24", A, 7, 2 * DAY),
      GET("192.0.2.0/24", 2 * DAY,
          "listed=1 cats=autoreply exp=+9d first=- last=- "
          "hits=0/0/0/0 m=1 r=0 d=1 ev=0"),
      NONE("192.0.2.0/24", 9 * DAY)}},
    {"add keeps the history and a longer listing",
     {HIT("2001:db8:1:2::/64", NG_CAT_BOUNCE, 0), ADD("2001:db8:1:2::/64", C, 7, DAY),
      GET("2001:db8:1:2::/64", DAY,
          "listed=1 cats=bounce,callout exp=+28d first=+0d last=+0d "
          "hits=1/0/0/0 m=1 r=0 d=0 ev=0"),
      ADD("2001:db8:1:2::/64", B | A, 100, 2 * DAY),
      GET("2001:db8:1:2::/64", 2 * DAY,
          "listed=1 cats=bounce,autoreply,callout exp=+102d "
          "first=+0d last=+0d hits=1/0/0/0 m=1 r=0 d=0 ev=0")}},
    {"a hit on a removed entry lists it again, not by hand",
     {ADD("192.0.2.5", B | C, 0, 0), DEL("192.0.2.5", 1, 0), HIT("192.0.2.5", NG_CAT_AUTOREPLY, 2),
      GET("192.0.2.5", 2,
          "listed=1 cats=autoreply exp=+56d2s first=+0d2s last=+0d2s "
          "hits=0/1/0/0 m=0 r=0 d=1 ev=0")}},
    {"a network and a host in it are two entries",
     {ADD("192.0.2.0/24", B, 0, 0), HIT("192.0.2.7", NG_CAT_CALLOUT, 0), DEL("192.0.2.0/24", 0, 0),
      GET("192.0.2.7", 0,
          "listed=1 cats=callout exp=+28d first=+0d last=+0d hits=0/0/1/0 m=0 "
          "r=0 d=0 ev=0")}},
};

static void run_scenarios(bool lmdb)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *sc = &scenarios[i];
		struct tstore ts;
		store_open(&ts, lmdb);
		for (size_t k = 0; k < sizeof(sc->steps) / sizeof(sc->steps[0]); k++) {
			const struct sstep *st = &sc->steps[k];
			if (st->op == S_END)
				break;
			struct ng_listing_net n = net_of(st->net);
			int64_t now = T0 + st->t;
			struct ng_listing l;
			char got[256];
			int rc;
			switch (st->op) {
			case S_HIT:
				rc = ng_listing_hit(ts.s, &OPTS, &n, (enum ng_cat)st->cat, NULL,
				                    now);
				break;
			case S_ADD:
				rc = ng_listing_add(ts.s, &OPTS, &n, (unsigned)st->cat, "by hand",
				                    st->days, now);
				break;
			case S_DEL:
				rc = ng_listing_del(ts.s, &n, "sorry", now);
				break;
			default:
				rc = ng_listing_get(ts.s, &n, now, &l);
				break;
			}
			if (rc != st->want_rc)
				fail_msg("%s (%s), step %zu: rc got %d, want %d", sc->name,
				         lmdb ? "lmdb" : "memory", k + 1, rc, st->want_rc);
			if (st->op == S_GET && rc == 0) {
				summary(&l, now, got, sizeof(got));
				if (strcmp(got, st->want) != 0)
					fail_msg("%s (%s), step %zu:\n got  %s\n want %s", sc->name,
					         lmdb ? "lmdb" : "memory", k + 1, got, st->want);
			}
		}
		store_close(&ts);
	}
}

static void test_scenarios_memory(void **state)
{
	(void)state;
	run_scenarios(false);
}

static void test_scenarios_lmdb(void **state)
{
	(void)state;
	run_scenarios(true);
}

static void test_bad_args(void **state)
{
	(void)state;
	struct tstore ts;
	store_open(&ts, false);
	struct ng_listing_net n = net_of("192.0.2.1"), hostbits = n;
	hostbits.prefix = 24;
	struct ng_listing_opts zero_days = {.days = 0, .evidence = 5};
	struct ng_listing_opts many_ev = {.days = 28, .evidence = NG_LISTING_EV_MAX + 1};
	static const char *const names[] = {"hit: category out of range",
	                                    "hit: days 0",
	                                    "hit: evidence over the cap",
	                                    "hit: host bits",
	                                    "hit: now 0",
	                                    "add: no category",
	                                    "add: spam",
	                                    "add: 36501 days",
	                                    "del: host bits"};
	int got[] = {
	    ng_listing_hit(ts.s, &OPTS, &n, NG_CAT_N, NULL, T0),
	    ng_listing_hit(ts.s, &zero_days, &n, NG_CAT_BOUNCE, NULL, T0),
	    ng_listing_hit(ts.s, &many_ev, &n, NG_CAT_BOUNCE, NULL, T0),
	    ng_listing_hit(ts.s, &OPTS, &hostbits, NG_CAT_BOUNCE, NULL, T0),
	    ng_listing_hit(ts.s, &OPTS, &n, NG_CAT_BOUNCE, NULL, 0),
	    ng_listing_add(ts.s, &OPTS, &n, 0, "x", 0, T0),
	    ng_listing_add(ts.s, &OPTS, &n, 1u << NG_CAT_SPAM, "x", 0, T0),
	    ng_listing_add(ts.s, &OPTS, &n, B, "x", 36501, T0),
	    ng_listing_del(ts.s, &hostbits, "x", T0),
	};
	for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++)
		if (got[i] != NG_STORE_EINVAL)
			fail_msg("%s: got %d, want NG_STORE_EINVAL", names[i], got[i]);
	struct ng_listing l;
	if (ng_listing_get(ts.s, &n, T0, &l) != 1)
		fail_msg("bad calls left a record behind");
	store_close(&ts);
}

/* ---- evidence ---- */

static struct ng_listing_ev ev_of(const char *helo)
{
	struct ng_listing_ev e;
	memset(&e, 0, sizeof(e));
	snprintf(e.helo, sizeof(e.helo), "%s", helo);
	snprintf(e.sender, sizeof(e.sender), "%s", "");
	snprintf(e.rcpt, sizeof(e.rcpt), "<trap>@trap.test");
	snprintf(e.headers, sizeof(e.headers), "Subject: Undeliverable: %s", helo);
	e.time = 1;          /* overwritten by the hit */
	e.cat = NG_CAT_SPAM; /* overwritten by the hit */
	return e;
}

static void test_evidence(void **state)
{
	(void)state;
	struct tstore ts;
	store_open(&ts, false);
	struct ng_listing_net n = net_of("192.0.2.1");
	struct ng_listing_opts o3 = {.days = 28, .evidence = 3};
	static const char *const helos[] = {"h1", "h2", "h3", "h4", "h5"};
	for (unsigned i = 0; i < 5; i++) {
		struct ng_listing_ev e = ev_of(helos[i]);
		assert_int_equal(ng_listing_hit(ts.s, &o3, &n,
		                                i % 2 ? NG_CAT_AUTOREPLY : NG_CAT_BOUNCE, &e,
		                                T0 + i),
		                 0);
	}
	struct ng_listing_ev spam = ev_of("spammer");
	assert_int_equal(ng_listing_hit(ts.s, &o3, &n, NG_CAT_SPAM, &spam, T0 + 10), 0);
	struct ng_listing l;
	assert_int_equal(ng_listing_get(ts.s, &n, T0 + 10, &l), 0);
	char got[512] = "", one[128];
	for (unsigned i = 0; i < l.nev; i++) {
		snprintf(one, sizeof(one), "%s%s/%s/+%llds", i > 0 ? " " : "", l.ev[i].helo,
		         ng_cat_name(l.ev[i].cat), (long long)(l.ev[i].time - T0));
		strncat(got, one, sizeof(got) - strlen(got) - 1);
	}
	const char *want = "h5/bounce/+4s h4/autoreply/+3s h3/bounce/+2s";
	if (strcmp(got, want) != 0)
		fail_msg("evidence, newest first, 3 kept:\n got  %s\n want %s", got, want);
	if (strcmp(l.ev[0].headers, "Subject: Undeliverable: h5") != 0)
		fail_msg("headers got '%s'", l.ev[0].headers);
	/* listing_evidence lowered: the next hit keeps only that many */
	struct ng_listing_opts o1 = {.days = 28, .evidence = 1};
	struct ng_listing_ev e6 = ev_of("h6");
	assert_int_equal(ng_listing_hit(ts.s, &o1, &n, NG_CAT_CALLOUT, &e6, T0 + 11), 0);
	assert_int_equal(ng_listing_get(ts.s, &n, T0 + 11, &l), 0);
	if (l.nev != 1 || strcmp(l.ev[0].helo, "h6") != 0)
		fail_msg("evidence 1: got %u records, first '%s'", l.nev, l.ev[0].helo);
	/* listing_evidence 0: none */
	struct ng_listing_opts o0 = {.days = 28, .evidence = 0};
	assert_int_equal(ng_listing_hit(ts.s, &o0, &n, NG_CAT_CALLOUT, &e6, T0 + 12), 0);
	assert_int_equal(ng_listing_get(ts.s, &n, T0 + 12, &l), 0);
	if (l.nev != 0)
		fail_msg("evidence 0: got %u records", l.nev);
	store_close(&ts);
}

/* ---- redaction ---- */

struct redact_case {
	const char *name;
	const char *text;
	size_t cap;
	const char *want;
	size_t count;
};

static const char *const TRAPS[] = {"trap.test", "Trap2.Test."};

static const struct redact_case redact_cases[] = {
    {"rcpt", "RCPT TO:<john@trap.test>", 64, "RCPT TO:<<trap>@trap.test>", 1},
    {"case and dots", "John.Doe@TRAP.TEST", 64, "<trap>@TRAP.TEST", 1},
    {"subdomain", "x@mx.trap.test", 64, "<trap>@mx.trap.test", 1},
    {"suffix that is no subdomain", "x@nottrap.test", 64, "x@nottrap.test", 0},
    {"other domain", "x@example.org", 64, "x@example.org", 0},
    {"trap domain written with a dot", "a@trap2.test", 64, "<trap>@trap2.test", 1},
    {"final dot of the address", "a@trap.test.", 64, "<trap>@trap.test.", 1},
    {"several", "To: a@trap.test, b@example.org, c@trap2.test", 80,
     "To: <trap>@trap.test, b@example.org, <trap>@trap2.test", 2},
    {"quoted local part", "<\"john doe\"@trap.test>", 64, "<<trap>@trap.test>", 1},
    {"BATV tag", "prvs=1234abcdef=john@trap.test", 64, "<trap>@trap.test", 1},
    {"header lines", "To: j@trap.test\nSubject: mail for j@trap.test failed", 80,
     "To: <trap>@trap.test\nSubject: mail for <trap>@trap.test failed", 2},
    {"already redacted", "<trap>@trap.test", 64, "<trap>@trap.test", 0},
    {"no local part", "@trap.test", 64, "@trap.test", 0},
    {"no domain", "john@", 64, "john@", 0},
    {"longer local part shrinks", "averyveryverylongname@trap.test", 64, "<trap>@trap.test", 1},
    {"grows past the cap: cut", "a@trap.test", 12, "<trap>@trap", 1},
    {"grows past the cap: cut after the mark", "ab a@trap.test", 15, "ab <trap>@trap", 1},
    {"empty", "", 8, "", 0},
};

static void test_redact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(redact_cases) / sizeof(redact_cases[0]); i++) {
		const struct redact_case *c = &redact_cases[i];
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", c->text);
		if (strlen(buf) >= c->cap)
			fail_msg("%s: the case's text does not fit its cap", c->name);
		size_t n = ng_listing_redact(buf, c->cap, TRAPS, 2);
		if (strcmp(buf, c->want) != 0 || n != c->count)
			fail_msg("%s:\n got  '%s' (%zu)\n want '%s' (%zu)", c->name, buf, n,
			         c->want, c->count);
		/* and again: nothing left to redact */
		char again[128];
		snprintf(again, sizeof(again), "%s", buf);
		if (ng_listing_redact(again, c->cap, TRAPS, 2) != 0 || strcmp(again, buf) != 0)
			fail_msg("%s: a second redaction changed '%s'", c->name, buf);
	}
	/* a trap domain so short that "<trap>" itself does not fit: cut before it */
	static const char *const short_domain[] = {"t"};
	char buf[16] = "xxxxxxxx a@t";
	size_t n = ng_listing_redact(buf, 13, short_domain, 1);
	if (strcmp(buf, "xxxxxxxx ") != 0 || n != 1)
		fail_msg("no room for the mark: got '%s' (%zu), want 'xxxxxxxx ' (1)", buf, n);
}

/* ---- records ---- */

static struct ng_listing full_record(void)
{
	struct ng_listing l;
	memset(&l, 0, sizeof(l));
	l.net = net_of("2001:db8:1:2::/64");
	l.first = T0;
	l.last = T0 + 5;
	l.expires = T0 + 28 * DAY;
	l.hits[0] = 3;
	l.hits[1] = 1;
	l.hits[3] = 9000000000ull;
	l.cats = B | A;
	l.manual = true;
	l.delistings = 2;
	snprintf(l.reason, sizeof(l.reason), "ticket #42: bounces=yes\\no");
	l.nev = NG_LISTING_EV_MAX;
	for (unsigned i = 0; i < l.nev; i++) {
		struct ng_listing_ev *e = &l.ev[i];
		e->time = T0 + 100 - i;
		e->cat = (enum ng_cat)(i % 3);
		snprintf(e->helo, sizeof(e->helo), "mx%u.example.\x01\x7f", i);
		snprintf(e->sender, sizeof(e->sender), "%s",
		         i == 0 ? "" : "postmaster@example.org");
		snprintf(e->rcpt, sizeof(e->rcpt), "<trap>@trap.test");
		snprintf(e->headers, sizeof(e->headers),
		         "Subject: Delivery failure\r\nFrom: MAILER-DAEMON\nX-Esc: a=b\\n");
	}
	memset(l.ev[0].headers, 'h', sizeof(l.ev[0].headers) - 1); /* a full field */
	l.ev[0].headers[sizeof(l.ev[0].headers) - 1] = '\0';
	return l;
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct ng_listing l = full_record(), back;
	size_t len;
	uint8_t key[20];
	char *enc = ng_listing_encode(&l, &len);
	assert_non_null(enc);
	size_t kl = ng_listing_key(&l.net, key);
	if (!ng_listing_decode(key, kl, enc, len, &back))
		fail_msg("round trip: the encoded record does not decode:\n%s", enc);
	free(enc);
	char a[256], b[256];
	summary(&l, T0, a, sizeof(a));
	summary(&back, T0, b, sizeof(b));
	if (strcmp(a, b) != 0 || back.hits[3] != l.hits[3] || strcmp(back.reason, l.reason) != 0)
		fail_msg("round trip:\n got  %s '%s'\n want %s '%s'", b, back.reason, a, l.reason);
	for (unsigned i = 0; i < l.nev; i++) {
		const struct ng_listing_ev *x = &l.ev[i], *y = &back.ev[i];
		if (x->time != y->time || x->cat != y->cat || strcmp(x->helo, y->helo) != 0 ||
		    strcmp(x->sender, y->sender) != 0 || strcmp(x->rcpt, y->rcpt) != 0 ||
		    strcmp(x->headers, y->headers) != 0)
			fail_msg("round trip: evidence %u differs", i);
	}
}

struct damaged_case {
	const char *name;
	const char *val;
	bool want_ok;
};

static const struct damaged_case damaged_cases[] = {
    {"minimal", "v=1\n", true},
    {"no version", "first=1\n", false},
    {"empty", "", false},
    {"version 2", "v=2\n", false},
    {"bad number", "v=1\nfirst=abc\n", false},
    {"negative expiry", "v=1\nexpires=-5\n", false},
    {"spam is no listing category", "v=1\ncats=spam\n", false},
    {"unknown category", "v=1\ncats=bounce,phish\n", false},
    {"manual 2", "v=1\nmanual=2\n", false},
    {"huge delistings", "v=1\ndelistings=99999999\n", false},
    {"evidence before its time", "v=1\nev_helo=x\n", false},
    {"unknown evidence category", "v=1\nev_time=5\nev_cat=worm\n", false},
    {"unknown field of a later version", "v=1\ncolour=blue\nev_time=5\nev_shape=x\n", true},
    {"line without '='", "v=1\ngarbage\n", true},
    {"no final newline", "v=1\ncats=callout", true},
    {"over-long reason is cut",
     "v=1\nreason="
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xx\n",
     true},
    {"eleven evidence records: ten kept",
     "v=1\nev_time=1\nev_time=2\nev_time=3\nev_time=4\nev_time=5\nev_time=6\nev_time=7\n"
     "ev_time=8\nev_time=9\nev_time=10\nev_time=11\nev_cat=bounce\nev_helo=x\n",
     true},
};

static void test_damaged(void **state)
{
	(void)state;
	struct ng_listing_net n = net_of("192.0.2.1");
	uint8_t key[20];
	size_t kl = ng_listing_key(&n, key);
	for (size_t i = 0; i < sizeof(damaged_cases) / sizeof(damaged_cases[0]); i++) {
		const struct damaged_case *c = &damaged_cases[i];
		struct ng_listing l;
		bool ok = ng_listing_decode(key, kl, c->val, strlen(c->val), &l);
		if (ok != c->want_ok)
			fail_msg("%s: decode got %s, want %s", c->name, ok ? "ok" : "damaged",
			         c->want_ok ? "ok" : "damaged");
		if (ok && (strlen(l.reason) >= NG_LISTING_REASON_MAX || l.nev > NG_LISTING_EV_MAX))
			fail_msg("%s: a field past its cap", c->name);
	}
	/* in the store: get says so, a scan skips it, a hit replaces it, del deletes it */
	struct tstore ts;
	store_open(&ts, false);
	struct ng_listing l;
	struct ng_listing_net n2 = net_of("192.0.2.2");
	uint8_t key2[20];
	size_t kl2 = ng_listing_key(&n2, key2);
	assert_int_equal(ng_store_put(ts.s, key, kl, "v=9\n", 4, 0), 0);
	assert_int_equal(ng_store_put(ts.s, key2, kl2, "junk", 4, 0), 0);
	assert_int_equal(ng_listing_get(ts.s, &n, T0, &l), NG_LISTING_EDAMAGED);
	assert_string_equal(ng_listing_strerror(NG_LISTING_EDAMAGED), "damaged record");
	assert_int_equal(ng_listing_hit(ts.s, &OPTS, &n, NG_CAT_BOUNCE, NULL, T0), 0);
	assert_int_equal(ng_listing_get(ts.s, &n, T0, &l), 0);
	char got[256];
	summary(&l, T0, got, sizeof(got));
	assert_string_equal(got, "listed=1 cats=bounce exp=+28d first=+0d last=+0d hits=1/0/0/0 "
	                         "m=0 r=0 d=0 ev=0");
	assert_int_equal(ng_listing_del(ts.s, &n2, "gone", T0), 0);
	assert_int_equal(ng_store_get(ts.s, key2, kl2, T0, NULL, NULL, NULL), 1);
	store_close(&ts);
}

/* ---- scan and lookup ---- */

struct collect {
	char out[1024];
	int stop_after;
	int n;
};

static int collect_fn(void *arg, const struct ng_listing *l)
{
	struct collect *c = arg;
	char net[NG_LISTING_NET_TEXT_MAX];
	ng_listing_net_format(&l->net, net, sizeof(net));
	if (c->out[0] != '\0')
		strncat(c->out, " ", sizeof(c->out) - strlen(c->out) - 1);
	strncat(c->out, net, sizeof(c->out) - strlen(c->out) - 1);
	c->n++;
	return c->stop_after != 0 && c->n >= c->stop_after ? 7 : 0;
}

static void test_scan_lookup(bool lmdb)
{
	struct tstore ts;
	store_open(&ts, lmdb);
	static const char *const nets[] = {"10.0.0.1",        "2001:db8::/32", "9.0.0.0/8",
	                                   "10.0.0.0/8",      "192.0.2.1",     "2001:db8:1:2::/64",
	                                   "198.51.100.0/24", "198.51.100.7",  "0.0.0.0/0"};
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct ng_listing_net n = net_of(nets[i]);
		assert_int_equal(ng_listing_add(ts.s, &OPTS, &n, B, "x", 0, T0), 0);
	}
	/* something else in the store, and a damaged record */
	assert_int_equal(ng_store_put(ts.s, "m/other", 7, "x", 1, 0), 0);
	struct ng_listing_net dn = net_of("10.9.9.9");
	uint8_t key[20];
	size_t kl = ng_listing_key(&dn, key);
	assert_int_equal(ng_store_put(ts.s, key, kl, "broken", 6, 0), 0);
	struct {
		const char *name;
		const char *q; /* NULL: scan */
		int stop;
		int want_rc;
		const char *want;
	} cases[] = {
	    {"scan: key order, v4 first, shorter prefix first", NULL, 0, 0,
	     "0.0.0.0/0 9.0.0.0/8 10.0.0.0/8 10.0.0.1 192.0.2.1 198.51.100.0/24 198.51.100.7 "
	     "2001:db8::/32 2001:db8:1:2::/64"},
	    {"scan: stopped", NULL, 2, 7, "0.0.0.0/0 9.0.0.0/8"},
	    {"lookup: a host, then its networks", "198.51.100.7", 0, 0,
	     "198.51.100.7 198.51.100.0/24 0.0.0.0/0"},
	    {"lookup: inside a range", "198.51.100.8", 0, 0, "198.51.100.0/24 0.0.0.0/0"},
	    {"lookup: a v6 address in a listed /64", "2001:db8:1:2::99", 0, 0,
	     "2001:db8:1:2::/64 2001:db8::/32"},
	    {"lookup: a network", "10.0.0.0/8", 0, 0, "10.0.0.0/8 0.0.0.0/0"},
	    {"lookup: only the catch-all", "203.0.113.1", 0, 0, "0.0.0.0/0"},
	    {"lookup: damaged skipped", "10.9.9.9", 0, 0, "10.0.0.0/8 0.0.0.0/0"},
	    {"lookup: v6 nothing", "2001:db9::1", 0, 0, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collect c;
		memset(&c, 0, sizeof(c));
		c.stop_after = cases[i].stop;
		int rc;
		if (cases[i].q == NULL) {
			rc = ng_listing_scan(ts.s, T0, collect_fn, &c);
		} else {
			struct ng_listing_net q = net_of(cases[i].q);
			rc = ng_listing_lookup(ts.s, &q, T0, collect_fn, &c);
		}
		if (rc != cases[i].want_rc || strcmp(c.out, cases[i].want) != 0)
			fail_msg("%s (%s):\n got  %d '%s'\n want %d '%s'", cases[i].name,
			         lmdb ? "lmdb" : "memory", rc, c.out, cases[i].want_rc,
			         cases[i].want);
	}
	store_close(&ts);
}

static void test_scan_memory(void **state)
{
	(void)state;
	test_scan_lookup(false);
}

static void test_scan_lmdb(void **state)
{
	(void)state;
	test_scan_lookup(true);
}

/* ---- dnsbld_codes ---- */

static void test_codes(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *items[4];
		size_t n;
		const char *want; /* "B A C" codes in hex, or the error */
	} cases[] = {
	    {"the default",
	     {"bounce=127.0.0.2", "autoreply=127.0.0.3", "callout=127.0.0.4"},
	     3,
	     "7f000002 7f000003 7f000004"},
	    {"one category", {"callout=127.0.1.9"}, 1, "0 0 7f000109"},
	    {"two share a code",
	     {"bounce=127.0.0.2", "autoreply=127.0.0.2"},
	     2,
	     "7f000002 7f000002 0"},
	    {"none", {NULL}, 0, "0 0 0"},
	    {"spam",
	     {"spam=127.0.0.5"},
	     1,
	     "'spam=127.0.0.5': unknown category (bounce, autoreply, callout)"},
	    {"twice",
	     {"bounce=127.0.0.2", "bounce=127.0.0.3"},
	     2,
	     "'bounce=127.0.0.3': bounce given twice"},
	    {"not loopback",
	     {"bounce=10.0.0.2"},
	     1,
	     "'bounce=10.0.0.2': the code must be an address in 127.0.0.0/8"},
	    {"127.0.0.1",
	     {"bounce=127.0.0.1"},
	     1,
	     "'bounce=127.0.0.1': 127.0.0.1 means \"not listed\" (RFC 5782)"},
	    {"no '='", {"bounce"}, 1, "'bounce': want CATEGORY=127.0.0.N"},
	    {"short code",
	     {"bounce=2"},
	     1,
	     "'bounce=2': the code must be an address in 127.0.0.0/8"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_listing_codes c;
		char err[256] = "", got[256];
		if (ng_listing_codes_parse(cases[i].items, cases[i].n, &c, err, sizeof(err)) == 0)
			snprintf(got, sizeof(got), "%x %x %x", c.a[0], c.a[1], c.a[2]);
		else
			snprintf(got, sizeof(got), "%s", err);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s", cases[i].name, got, cases[i].want);
	}
}

/* ---- import ---- */

static const struct ng_listing_codes CODES = {{0x7f000002, 0x7f000003, 0x7f000004, 0}};

/* Every item of text as "NET CATS" (CATS "-" for the caller's default) or
 * "LINE: ERROR", separated by " | "; pushed in chunks of `chunk` bytes. */
static void import_all(enum ng_listing_fmt fmt, const char *text, size_t len, size_t chunk,
                       char *out, size_t cap)
{
	struct ng_listing_import *im = ng_listing_import_new(fmt, &CODES);
	assert_non_null(im);
	out[0] = '\0';
	size_t off = 0;
	struct ng_listing_item it;
	bool ended = false;
	for (;;) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (n == 0 && !ended) {
			ng_listing_import_end(im);
			ended = true;
		}
		size_t took = 0;
		do {
			took += ng_listing_import_push(im, text + off + took, n - took);
			int rc;
			while ((rc = ng_listing_import_next(im, &it)) != 0) {
				char one[256], net[NG_LISTING_NET_TEXT_MAX], cats[64] = "";
				if (rc < 0) {
					snprintf(one, sizeof(one), "%u: %s", it.line, it.err);
				} else {
					for (unsigned i = 0; i < NG_CAT_SPAM; i++)
						if ((it.cats & (1u << i)) != 0) {
							if (cats[0] != '\0')
								strncat(cats, ",", 2);
							strncat(cats, ng_cat_name((enum ng_cat)i),
							        sizeof(cats) - strlen(cats) - 1);
						}
					snprintf(one, sizeof(one), "%s %s",
					         ng_listing_net_format(&it.net, net, sizeof(net)),
					         cats[0] != '\0' ? cats : "-");
				}
				if (out[0] != '\0')
					strncat(out, " | ", cap - strlen(out) - 1);
				strncat(out, one, cap - strlen(out) - 1);
			}
		} while (took < n);
		off += n;
		if (ended)
			break;
	}
	ng_listing_import_free(im);
}

struct import_case {
	const char *name;
	enum ng_listing_fmt fmt;
	const char *in;
	const char *want;
};

static const struct import_case import_cases[] = {
    {"plain list", NG_LISTING_FMT_AUTO, "192.0.2.1\n198.51.100.0/24\n2001:db8::/48\n",
     "192.0.2.1 - | 198.51.100.0/24 - | 2001:db8::/48 -"},
    {"comments, blanks, directives, CRLF", NG_LISTING_FMT_AUTO,
     "# c\n; c\n\n  \n$SOA 0 a. b. 1 2 3 4 5\r\n$TTL 300\n192.0.2.1\r\n  192.0.2.2  # why\n",
     "192.0.2.1 - | 192.0.2.2 -"},
    {"last line without newline", NG_LISTING_FMT_AUTO, "192.0.2.1\n192.0.2.2",
     "192.0.2.1 - | 192.0.2.2 -"},
    {"ip4set short forms", NG_LISTING_FMT_IP4SET, "127.0.0\n10/8\n172.16/12\n192.0.2\n",
     "127.0.0.0/24 - | 10.0.0.0/8 - | 172.16.0.0/12 - | 192.0.2.0/24 -"},
    {"ip4set ranges", NG_LISTING_FMT_IP4SET,
     "192.0.2.0-192.0.2.255\n192.0.2.1-3\n10.16-31\n0.0.0.0-255.255.255.255\n"
     "198.51.100.5-198.51.100.4\n",
     "192.0.2.0/24 - | 192.0.2.1 - | 192.0.2.2/31 - | 10.16.0.0/12 - | 0.0.0.0/0 - | "
     "5: '198.51.100.5-198.51.100.4': the range ends before it starts"},
    {"ip4set values", NG_LISTING_FMT_IP4SET,
     "192.0.2.1 :127.0.0.3:Auto-reply from $\n192.0.2.2 :4\n192.0.2.3 :3:\n"
     "192.0.2.4 just a TXT\n192.0.2.5 :127.0.0.9:x\n",
     "192.0.2.1 autoreply | 192.0.2.2 callout | 192.0.2.3 autoreply | 192.0.2.4 - | "
     "5: A value '127.0.0.9' is no category's code (dnsbld_codes)"},
    {"ip4set default value lines", NG_LISTING_FMT_IP4SET,
     "192.0.2.1\n:127.0.0.4:Callout from $\n192.0.2.2\n192.0.2.3 :2:x\n:2\n192.0.2.4\n"
     ":9:bad\n192.0.2.5\n",
     "192.0.2.1 - | 192.0.2.2 callout | 192.0.2.3 bounce | 192.0.2.4 bounce | "
     "7: A value '9' is no category's code (dnsbld_codes) | 192.0.2.5 -"},
    {"ip4set refuses v6", NG_LISTING_FMT_IP4SET, "2001:db8::1\n",
     "1: '2001:db8::1': an IPv6 entry in ip4set data"},
    {"not a range", NG_LISTING_FMT_AUTO, "not-an-ip\n192.0.2.1-x\n",
     "1: 'not-an-ip': not an IPv4 address, network or range | "
     "2: '192.0.2.1-x': not an IPv4 address, network or range"},
    {"exclusions", NG_LISTING_FMT_IP4SET, "!192.0.2.1\n",
     "1: '!192.0.2.1': exclusions are not supported"},
    {"host bits", NG_LISTING_FMT_AUTO, "192.0.2.1/24\n2001:db8::1/64\n",
     "1: '192.0.2.1/24': host bits set (want the network address) | "
     "2: '2001:db8::1/64': host bits set (want the network address)"},
    {"bad entries", NG_LISTING_FMT_AUTO,
     "example.org\n300.1.1.1\n192.0.2.0/33\n1:2:3:4:5:6:7:8:9\n",
     "1: 'example.org': not an IPv4 address or network | "
     "2: '300.1.1.1': not an IPv4 address or network | 3: '192.0.2.0/33': bad prefix length | "
     "4: '1:2:3:4:5:6:7:8:9': not an IPv6 address or network"},
    {"the RFC 5782 test point is skipped", NG_LISTING_FMT_AUTO,
     "127.0.0.2 :127.0.0.2:test\n::ffff:7f00:2\n127.0.0.3\n", "127.0.0.3 -"},
    {"ip6tset", NG_LISTING_FMT_IP6TSET,
     ":127.0.0.3:Auto from $\n2001:db8:1:2\nabac:adab:ad00:42f\n2001:db8::/48\n2001:db8::1\n"
     "192.0.2.1\n",
     "2001:db8:1:2::/64 autoreply | abac:adab:ad00:42f::/64 autoreply | "
     "4: '2001:db8::/48': ip6tset data lists /64 prefixes only | "
     "5: '2001:db8::1': ip6tset data lists /64 prefixes only | "
     "6: '192.0.2.1': an IPv4 entry in IPv6 data"},
    {"ip6trie", NG_LISTING_FMT_IP6TRIE,
     "2001:21ab:c000/36\n2001:21ab:def7:4242 :127.0.0.3: x\n2605:6001:42::/52\n::1 # lo\n"
     "::ffff:192.0.2.1\n",
     "2001:21ab:c000::/36 - | 2001:21ab:def7:4242::/64 autoreply | 2605:6001:42::/52 - | ::1 - "
     "| 192.0.2.1 -"},
    {"text export", NG_LISTING_FMT_TEXT,
     "# ndrguard listings\n192.0.2.1 bounce,callout 2027-01-01T00:00:00Z - - 1 0 1 0 -\n"
     "192.0.2.2 - - - - 0 0 0 5 -\n2001:db8:1:2::/64 autoreply\n192.0.2.3 spam\n"
     "192.0.2.4\n:127.0.0.2:x\n",
     "192.0.2.1 bounce,callout | 2001:db8:1:2::/64 autoreply | "
     "5: 'spam': want CATEGORIES (bounce,autoreply,callout or -) | "
     "6: '': want CATEGORIES (bounce,autoreply,callout or -) | "
     "7: ':127.0.0.2:x': an rbldnsd value line in text data"},
    {"text export read as auto", NG_LISTING_FMT_AUTO,
     "192.0.2.1 bounce,callout 2027-01-01T00:00:00Z - - 1 0 1 0 -\n192.0.2.2 - - - -\n",
     "192.0.2.1 bounce,callout"},
    {"text has no ranges", NG_LISTING_FMT_TEXT, "192.0.2.1-5 bounce\n",
     "1: '192.0.2.1-5': not an IPv4 address or network"},
};

static void test_import(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
		const struct import_case *c = &import_cases[i];
		char whole[4096], bytes[4096];
		size_t len = strlen(c->in);
		import_all(c->fmt, c->in, len, len + 1, whole, sizeof(whole));
		if (strcmp(whole, c->want) != 0)
			fail_msg("%s:\n got  %s\n want %s", c->name, whole, c->want);
		import_all(c->fmt, c->in, len, 1, bytes, sizeof(bytes));
		if (strcmp(bytes, whole) != 0)
			fail_msg("%s: byte by byte:\n got  %s\n want %s", c->name, bytes, whole);
	}
	/* what strlen() cannot carry: a NUL byte, a line past the cap */
	char got[512];
	static const char nul[] = "192.0.2.1\n192.0\0.2.2\n192.0.2.3\n";
	import_all(NG_LISTING_FMT_AUTO, nul, sizeof(nul) - 1, 7, got, sizeof(got));
	assert_string_equal(got, "192.0.2.1 - | 2: NUL byte in the line | 192.0.2.3 -");
	size_t big = NG_LISTING_LINE_MAX + 100;
	char *longline = malloc(big + 32);
	assert_non_null(longline);
	memset(longline, '#', big);
	memcpy(longline + big, "\n10.0.0.1\n", 10);
	import_all(NG_LISTING_FMT_AUTO, longline, big + 10, 1000, got, sizeof(got));
	free(longline);
	assert_string_equal(got, "1: line longer than 4096 bytes | 10.0.0.1 -");
	/* bad format */
	assert_null(ng_listing_import_new((enum ng_listing_fmt)99, &CODES));
}

/* ---- export ---- */

/* A store with a few entries: hits, manual ones, a removed one, spam. */
static void populate(struct ng_store *s)
{
	struct {
		const char *net;
		int op; /* 0 hit, 1 add, 2 add+del */
		int cat;
	} e[] = {
	    {"192.0.2.1", 0, NG_CAT_BOUNCE},
	    {"192.0.2.1", 0, NG_CAT_AUTOREPLY},
	    {"198.51.100.0/24", 1, C},
	    {"203.0.113.5", 2, B},
	    {"203.0.113.6", 0, NG_CAT_SPAM},
	    {"2001:db8:1:2::/64", 0, NG_CAT_CALLOUT},
	    {"2001:db8:9:9::/64", 0, NG_CAT_BOUNCE},
	    {"2001:db8:77::/48", 1, B | A},
	};
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		struct ng_listing_net n = net_of(e[i].net);
		if (e[i].op == 0)
			assert_int_equal(
			    ng_listing_hit(s, &OPTS, &n, (enum ng_cat)e[i].cat, NULL, T0), 0);
		else
			assert_int_equal(
			    ng_listing_add(s, &OPTS, &n, (unsigned)e[i].cat, "x", 0, T0), 0);
		if (e[i].op == 2)
			assert_int_equal(ng_listing_del(s, &n, "y", T0), 0);
	}
}

struct exp_ctx {
	const struct ng_listing_export *x;
	ng_buf *b;
	int left_out;
};

static int export_fn(void *arg, const struct ng_listing *l)
{
	struct exp_ctx *c = arg;
	if (ng_listing_export_entry(c->b, c->x, l) < 0)
		c->left_out++;
	return 0;
}

static void export_store(struct ng_store *s, enum ng_listing_fmt fmt, unsigned cats, bool head,
                         ng_buf *b, int *left_out)
{
	static const char *const ns[] = {"ns1.bl.test", "ns2.bl.test."};
	struct ng_listing_export x = {
	    .fmt = fmt,
	    .codes = CODES,
	    .txt = "Backscatter from $",
	    .cats = cats,
	    .now = T0 + 1,
	    .ns = ns,
	    .nns = 2,
	    .hostmaster = "host.master@bl.test",
	    .ttl = 300,
	    .negative_ttl = 60,
	};
	struct exp_ctx c = {&x, b, 0};
	if (head)
		ng_listing_export_head(b, &x);
	assert_int_equal(ng_listing_scan(s, x.now, export_fn, &c), 0);
	assert_false(b->failed || b->overflow);
	if (left_out != NULL)
		*left_out = c.left_out;
}

struct golden_case {
	const char *name;
	enum ng_listing_fmt fmt;
	unsigned cats;
	const char *want;
	int left_out;
};

static const struct golden_case golden_cases[] = {
    {"ip4set", NG_LISTING_FMT_IP4SET, 0,
     "# ndrguard listings as of 2027-01-15T08:00:01Z (rbldnsd ip4set)\n"
     "$SOA 0 ns1.bl.test. host\\.master.bl.test. 1800000001 3600 600 604800 60\n"
     "$NS 0 ns1.bl.test. ns2.bl.test.\n"
     "$TTL 300\n"
     "# RFC 5782 test point\n"
     "127.0.0.2 :127.0.0.2:Backscatter from $\n"
     "192.0.2.1 :127.0.0.2:Backscatter from $\n"
     "192.0.2.1 :127.0.0.3:Backscatter from $\n"
     "198.51.100.0/24 :127.0.0.4:Backscatter from $\n",
     0},
    {"ip4set, callouts only", NG_LISTING_FMT_IP4SET, C,
     "# ndrguard listings as of 2027-01-15T08:00:01Z (rbldnsd ip4set)\n"
     "$SOA 0 ns1.bl.test. host\\.master.bl.test. 1800000001 3600 600 604800 60\n"
     "$NS 0 ns1.bl.test. ns2.bl.test.\n"
     "$TTL 300\n"
     "# RFC 5782 test point\n"
     "127.0.0.2 :127.0.0.4:Backscatter from $\n"
     "198.51.100.0/24 :127.0.0.4:Backscatter from $\n",
     0},
    {"ip6trie", NG_LISTING_FMT_IP6TRIE, 0,
     "# ndrguard listings as of 2027-01-15T08:00:01Z (rbldnsd ip6trie)\n"
     "$SOA 0 ns1.bl.test. host\\.master.bl.test. 1800000001 3600 600 604800 60\n"
     "$NS 0 ns1.bl.test. ns2.bl.test.\n"
     "$TTL 300\n"
     "# RFC 5782 test point\n"
     "::ffff:7f00:2 :127.0.0.2:Backscatter from $\n"
     "2001:db8:1:2::/64 :127.0.0.4:Backscatter from $\n"
     "2001:db8:9:9::/64 :127.0.0.2:Backscatter from $\n"
     "2001:db8:77::/48 :127.0.0.2:Backscatter from $\n",
     0},
    {"ip6tset", NG_LISTING_FMT_IP6TSET, 0,
     "# ndrguard listings as of 2027-01-15T08:00:01Z (rbldnsd ip6tset)\n"
     "$SOA 0 ns1.bl.test. host\\.master.bl.test. 1800000001 3600 600 604800 60\n"
     "$NS 0 ns1.bl.test. ns2.bl.test.\n"
     "$TTL 300\n"
     "# the entries listed as bounce\n"
     ":127.0.0.2:Backscatter from $\n"
     "2001:db8:9:9\n",
     1},
    {"ip6tset, callouts", NG_LISTING_FMT_IP6TSET, C,
     "# ndrguard listings as of 2027-01-15T08:00:01Z (rbldnsd ip6tset)\n"
     "$SOA 0 ns1.bl.test. host\\.master.bl.test. 1800000001 3600 600 604800 60\n"
     "$NS 0 ns1.bl.test. ns2.bl.test.\n"
     "$TTL 300\n"
     "# the entries listed as callout\n"
     ":127.0.0.4:Backscatter from $\n"
     "2001:db8:1:2\n",
     0},
    {"text", NG_LISTING_FMT_TEXT, 0,
     "# ndrguard listings as of 2027-01-15T08:00:01Z\n"
     "# NET CATEGORIES FIRST LAST EXPIRES BOUNCE AUTOREPLY CALLOUT SPAM FLAGS\n"
     "192.0.2.1 bounce,autoreply 2027-01-15T08:00:00Z 2027-01-15T08:00:00Z "
     "2027-02-12T08:00:00Z 1 1 0 0 -\n"
     "198.51.100.0/24 callout - - 2027-02-12T08:00:00Z 0 0 0 0 manual\n"
     "203.0.113.5 - - - - 0 0 0 0 manual,removed,delistings=1\n"
     "203.0.113.6 - 2027-01-15T08:00:00Z 2027-01-15T08:00:00Z - 0 0 0 1 -\n"
     "2001:db8:1:2::/64 callout 2027-01-15T08:00:00Z 2027-01-15T08:00:00Z "
     "2027-02-12T08:00:00Z 0 0 1 0 -\n"
     "2001:db8:9:9::/64 bounce 2027-01-15T08:00:00Z 2027-01-15T08:00:00Z "
     "2027-02-12T08:00:00Z 1 0 0 0 -\n"
     "2001:db8:77::/48 bounce,autoreply - - 2027-02-12T08:00:00Z 0 0 0 0 manual\n",
     0},
};

static void test_export_golden(void **state)
{
	(void)state;
	struct tstore ts;
	store_open(&ts, false);
	populate(ts.s);
	for (size_t i = 0; i < sizeof(golden_cases) / sizeof(golden_cases[0]); i++) {
		const struct golden_case *c = &golden_cases[i];
		ng_buf b;
		int left = 0;
		ng_buf_init(&b, 1 << 20);
		export_store(ts.s, c->fmt, c->cats, true, &b, &left);
		const char *got = b.data != NULL ? b.data : "";
		if (strcmp(got, c->want) != 0 || left != c->left_out)
			fail_msg("%s:\n--- got (%d left out)\n%s--- want (%d left out)\n%s",
			         c->name, left, got, c->left_out, c->want);
		ng_buf_free(&b);
	}
	store_close(&ts);
}

/* "NET CATS" of every entry listed at now, in scan order. */
static int listed_fn(void *arg, const struct ng_listing *l)
{
	struct collect *c = arg;
	char net[NG_LISTING_NET_TEXT_MAX], one[128], cats[64] = "";
	if (!ng_listing_is_listed(l, T0 + 1))
		return 0;
	for (unsigned i = 0; i < NG_CAT_SPAM; i++)
		if ((l->cats & (1u << i)) != 0) {
			if (cats[0] != '\0')
				strncat(cats, ",", 2);
			strncat(cats, ng_cat_name((enum ng_cat)i), sizeof(cats) - strlen(cats) - 1);
		}
	snprintf(one, sizeof(one), "%s%s %s", c->out[0] != '\0' ? " | " : "",
	         ng_listing_net_format(&l->net, net, sizeof(net)), cats);
	strncat(c->out, one, sizeof(c->out) - strlen(c->out) - 1);
	return 0;
}

static void test_export_import(void **state)
{
	(void)state;
	struct tstore src;
	store_open(&src, false);
	populate(src.s);
	struct {
		const char *name;
		enum ng_listing_fmt out, in;
		const char *want; /* what the second store lists */
	} cases[] = {
	    {"text", NG_LISTING_FMT_TEXT, NG_LISTING_FMT_TEXT,
	     "192.0.2.1 bounce,autoreply | 198.51.100.0/24 callout | 2001:db8:1:2::/64 callout | "
	     "2001:db8:9:9::/64 bounce | 2001:db8:77::/48 bounce,autoreply"},
	    {"text as auto", NG_LISTING_FMT_TEXT, NG_LISTING_FMT_AUTO,
	     "192.0.2.1 bounce,autoreply | 198.51.100.0/24 callout | 2001:db8:1:2::/64 callout | "
	     "2001:db8:9:9::/64 bounce | 2001:db8:77::/48 bounce,autoreply"},
	    {"ip4set", NG_LISTING_FMT_IP4SET, NG_LISTING_FMT_IP4SET,
	     "192.0.2.1 bounce,autoreply | 198.51.100.0/24 callout"},
	    {"ip6trie: one category an entry", NG_LISTING_FMT_IP6TRIE, NG_LISTING_FMT_IP6TRIE,
	     "2001:db8:1:2::/64 callout | 2001:db8:9:9::/64 bounce | 2001:db8:77::/48 bounce"},
	    {"ip6tset: /64s of one category", NG_LISTING_FMT_IP6TSET, NG_LISTING_FMT_IP6TSET,
	     "2001:db8:9:9::/64 bounce"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ng_buf b;
		ng_buf_init(&b, 1 << 20);
		export_store(src.s, cases[i].out, 0, true, &b, NULL);
		struct tstore dst;
		store_open(&dst, false);
		struct ng_listing_import *im = ng_listing_import_new(cases[i].in, &CODES);
		assert_non_null(im);
		size_t off = 0;
		struct ng_listing_item it;
		int rc;
		while (off < b.len) {
			off += ng_listing_import_push(im, b.data + off, b.len - off);
			while ((rc = ng_listing_import_next(im, &it)) != 0) {
				if (rc < 0)
					fail_msg("%s: line %u: %s", cases[i].name, it.line, it.err);
				assert_int_equal(ng_listing_add(dst.s, &OPTS, &it.net,
				                                it.cats != 0 ? it.cats : B,
				                                "import", 0, T0),
				                 0);
			}
		}
		ng_listing_import_end(im);
		assert_int_equal(ng_listing_import_next(im, &it), 0);
		ng_listing_import_free(im);
		struct collect c;
		memset(&c, 0, sizeof(c));
		assert_int_equal(ng_listing_scan(dst.s, T0 + 1, listed_fn, &c), 0);
		if (strcmp(c.out, cases[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s\n--- export\n%s", cases[i].name, c.out,
			         cases[i].want, b.data);
		store_close(&dst);
		ng_buf_free(&b);
	}
	store_close(&src);
}

static void test_names(void **state)
{
	(void)state;
	enum ng_cat c;
	enum ng_listing_fmt f;
	assert_string_equal(ng_cat_name(NG_CAT_CALLOUT), "callout");
	assert_string_equal(ng_cat_name(NG_CAT_N), "?");
	assert_true(ng_cat_parse("autoreply", &c) && c == NG_CAT_AUTOREPLY);
	assert_false(ng_cat_parse("Bounce", &c));
	assert_false(ng_cat_parse(NULL, &c));
	assert_true(ng_listing_fmt_parse("ip6tset", &f) && f == NG_LISTING_FMT_IP6TSET);
	assert_false(ng_listing_fmt_parse("rbldnsd", &f));
	assert_string_equal(ng_listing_fmt_name(NG_LISTING_FMT_IP4SET), "ip4set");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_net_parse),
	    cmocka_unit_test(test_net_of_hit),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_contains),
	    cmocka_unit_test(test_scenarios_memory),
	    cmocka_unit_test(test_scenarios_lmdb),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_evidence),
	    cmocka_unit_test(test_redact),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_scan_memory),
	    cmocka_unit_test(test_scan_lmdb),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_export_golden),
	    cmocka_unit_test(test_export_import),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
