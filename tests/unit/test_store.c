/*
 * test_store.c - unit tests of the store (include/ndrguard/store.h), every
 * case against both back-ends: LMDB in a fresh directory under $TMPDIR (or
 * /tmp), removed afterwards, and the memory table.
 *
 * Two kinds of named cases.  Scripts are tables of steps (put, get, del,
 * update, scan, expire) each with the answer it wants, run the same way on
 * both back-ends: that is what makes them interchangeable.  Functions test
 * what a table cannot say: many keys in random order, threads writing at
 * once, a read-only handle, a second process on the same directory, a
 * writer killed with SIGKILL in the middle of a burst (LMDB), a full map
 * (LMDB).  Every `now` is given; no case reads the clock.
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
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ndrguard/store.h>

/* ---- fixture: one store per case ---- */

struct fx {
	const char *backend; /* "lmdb" or "memory" */
	char dir[PATH_MAX];  /* lmdb: the temporary directory; the store is dir/db */
	char spec[PATH_MAX + 16];
	struct ng_store *s;
	struct ng_log log;
	pthread_mutex_t mu; /* guards what the log sink records */
	int errors;         /* error lines logged; a case that expects some says so */
	bool expect_errors;
	char last[512];
};

static void emit(void *arg, enum ng_log_sev sev, const char *line)
{
	struct fx *f = arg;
	pthread_mutex_lock(&f->mu);
	if (sev >= NG_LOG_ERROR)
		f->errors++;
	snprintf(f->last, sizeof(f->last), "%s", line);
	pthread_mutex_unlock(&f->mu);
}

static struct ng_store *open_or_fail(struct fx *f, const struct ng_store_opts *o)
{
	char err[512];
	struct ng_store_opts def = {.log = &f->log};
	struct ng_store *s = ng_store_open(f->spec, o != NULL ? o : &def, err, sizeof(err));
	if (s == NULL)
		fail_msg("open %s: %s", f->spec, err);
	return s;
}

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
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* ---- scripts ---- */

enum op { OP_END = 0, OP_PUT, OP_GET, OP_DEL, OP_UPD, OP_SCAN, OP_EXPIRE };

struct step {
	enum op op;
	const char *key; /* the key, or the scan prefix */
	size_t klen;     /* 0: strlen(key); with key NULL, a key of klen 'k's */
	const char *val; /* put: the value; update: what the callback does */
	int64_t t;       /* put: expires; get, update, scan, expire: now */
	int64_t x; /* get: expires wanted; update: expires set; scan: stop after; expire: max */
	int want;  /* the return wanted (expire: the count removed) */
	const char *got; /* get: the value wanted; scan: "key=value ..." wanted */
};

#define PUT(k, v, e)                                                                               \
	{                                                                                          \
		OP_PUT, k, 0, v, e, 0, 0, NULL                                                     \
	}
#define PUT_RC(k, n, e, rc)                                                                        \
	{                                                                                          \
		OP_PUT, k, n, "v", e, 0, rc, NULL                                                  \
	}
#define GET(k, now, rc, v, e)                                                                      \
	{                                                                                          \
		OP_GET, k, 0, NULL, now, e, rc, v                                                  \
	}
#define GET_N(k, n, rc)                                                                            \
	{                                                                                          \
		OP_GET, k, n, NULL, 0, 0, rc, NULL                                                 \
	}
#define DEL(k, rc)                                                                                 \
	{                                                                                          \
		OP_DEL, k, 0, NULL, 0, 0, rc, NULL                                                 \
	}
#define DEL_N(k, n, rc)                                                                            \
	{                                                                                          \
		OP_DEL, k, n, NULL, 0, 0, rc, NULL                                                 \
	}
#define UPD(k, how, now, e, rc)                                                                    \
	{                                                                                          \
		OP_UPD, k, 0, how, now, e, rc, NULL                                                \
	}
#define SCAN(p, now, stop, rc, out)                                                                \
	{                                                                                          \
		OP_SCAN, p, 0, NULL, now, stop, rc, out                                            \
	}
#define EXPIRE(now, max, n)                                                                        \
	{                                                                                          \
		OP_EXPIRE, NULL, 0, NULL, now, max, n, NULL                                        \
	}

struct script {
	const char *name;
	struct step steps[24];
};

static const struct script scripts[] = {
    {"put_get",
     {PUT("a", "1", 0), GET("a", 0, 0, "1", 0), GET("b", 0, 1, NULL, 0), PUT("a", "22", 7),
      GET("a", 0, 0, "22", 7), PUT("e", "", 0), GET("e", 0, 0, "", 0), PUT("a/", "x", 0),
      GET("a", 0, 0, "22", 7), GET("a/", 0, 0, "x", 0)}},
    {"expiry_as_of_now",
     {PUT("k", "v", 100), GET("k", 99, 0, "v", 100), GET("k", 100, 1, NULL, 0),
      GET("k", 101, 1, NULL, 0), PUT("n", "never", 0), GET("n", INT64_MAX, 0, "never", 0),
      PUT("p", "past", 5), GET("p", 6, 1, NULL, 0), GET("p", 4, 0, "past", 5)}},
    {"replace_moves_expiry",
     {PUT("k", "v", 100), PUT("k", "w", 0), GET("k", 1000, 0, "w", 0), EXPIRE(1000, 0, 0),
      GET("k", 1000, 0, "w", 0), PUT("k", "x", 50), EXPIRE(49, 0, 0), GET("k", 49, 0, "x", 50),
      PUT("k", "y", 60), EXPIRE(55, 0, 0), GET("k", 55, 0, "y", 60), EXPIRE(60, 0, 1),
      GET("k", 0, 1, NULL, 0), EXPIRE(1000, 0, 0)}},
    {"del",
     {PUT("a", "1", 0), DEL("a", 0), DEL("a", 1), GET("a", 0, 1, NULL, 0), DEL("zz", 1),
      PUT("a", "2", 10), GET("a", 20, 1, NULL, 0), DEL("a", 0), DEL("a", 1), EXPIRE(20, 0, 0)}},
    {"key_limits",
     {PUT_RC(NULL, 511, 0, 0), GET_N(NULL, 511, 0), PUT_RC(NULL, 512, 0, NG_STORE_EKEY),
      GET_N(NULL, 512, NG_STORE_EKEY), DEL_N(NULL, 512, NG_STORE_EKEY),
      PUT_RC("", 0, 0, NG_STORE_EKEY), GET_N("", 0, NG_STORE_EKEY),
      PUT_RC("k", 1, -1, NG_STORE_EINVAL), DEL_N(NULL, 511, 0), DEL_N(NULL, 511, 1)}},
    {"scan_prefix_order",
     {PUT("b/2", "2", 0), PUT("a/1", "a", 0), PUT("b/10", "10", 0), PUT("b/1", "1", 0),
      PUT("b", "b", 0), PUT("c/1", "c", 0), PUT("b/3", "3", 5), PUT("b0", "b0", 0),
      SCAN("b/", 0, 0, 0, "b/1=1 b/10=10 b/2=2 b/3=3"), SCAN("b/", 5, 0, 0, "b/1=1 b/10=10 b/2=2"),
      SCAN("b", 9, 0, 0, "b=b b/1=1 b/10=10 b/2=2 b0=b0"),
      SCAN("", 9, 0, 0, "a/1=a b=b b/1=1 b/10=10 b/2=2 b0=b0 c/1=c"),
      SCAN("b/", 0, 2, 99, "b/1=1 b/10=10"), SCAN("zz", 0, 0, 0, ""), SCAN("c/1/", 0, 0, 0, ""),
      SCAN("0", 0, 0, 0, "")}},
    {"update",
     {UPD("n", "inc", 0, 0, NG_STORE_SET),
      GET("n", 0, 0, "1", 0),
      UPD("n", "inc", 0, 0, 1),
      UPD("n", "inc", 0, 0, 1),
      GET("n", 0, 0, "3", 0),
      UPD("n", "keep", 0, 0, NG_STORE_KEEP),
      GET("n", 0, 0, "3", 0),
      UPD("n", "abort", 0, 0, -42),
      GET("n", 0, 0, "3", 0),
      UPD("n", "bad", 0, 0, NG_STORE_EINVAL),
      UPD("n", "negexp", 0, 0, NG_STORE_EINVAL),
      GET("n", 0, 0, "3", 0),
      UPD("n", "touch", 0, 100, NG_STORE_SET),
      GET("n", 99, 0, "3", 100),
      UPD("n", "inc", 100, 200, NG_STORE_SET),
      GET("n", 100, 0, "1", 200),
      EXPIRE(150, 0, 0),
      UPD("n", "del", 0, 0, NG_STORE_DELETE),
      GET("n", 0, 1, NULL, 0),
      EXPIRE(1000, 0, 0),
      UPD("none", "del", 0, 0, NG_STORE_DELETE),
      UPD("none", "keep", 0, 0, NG_STORE_KEEP),
      GET("none", 0, 1, NULL, 0)}},
    {"expire_oldest_first",
     {PUT("a", "a", 30), PUT("b", "b", 10), PUT("c", "c", 20), PUT("d", "d", 0), PUT("e", "e", 10),
      EXPIRE(100, 2, 2), GET("b", 0, 1, NULL, 0), GET("e", 0, 1, NULL, 0), GET("a", 0, 0, "a", 30),
      GET("c", 0, 0, "c", 20), EXPIRE(15, 0, 0), EXPIRE(100, 0, 2), GET("d", 0, 0, "d", 0),
      SCAN("", 0, 0, 0, "d=d")}},
};

/* The update callbacks of the scripts: counters and the rest. */
struct upd_arg {
	const char *how;
	int64_t expires;
	char buf[32];
};

static int upd_fn(void *argp, struct ng_store_rmw *r)
{
	struct upd_arg *a = argp;
	if (strcmp(a->how, "inc") == 0) {
		long n = 0;
		if (r->old != NULL) {
			char tmp[32];
			snprintf(tmp, sizeof(tmp), "%.*s", (int)r->old_len, (const char *)r->old);
			n = strtol(tmp, NULL, 10);
		}
		snprintf(a->buf, sizeof(a->buf), "%ld", n + 1);
		r->val = a->buf;
		r->vlen = strlen(a->buf);
		r->expires = a->expires != 0 ? a->expires : r->old_expires;
		return NG_STORE_SET;
	}
	if (strcmp(a->how, "touch") == 0) { /* the new value is the old one, in place */
		r->val = r->old;
		r->vlen = r->old_len;
		r->expires = a->expires;
		return NG_STORE_SET;
	}
	if (strcmp(a->how, "negexp") == 0) {
		r->val = "x";
		r->vlen = 1;
		r->expires = -5;
		return NG_STORE_SET;
	}
	if (strcmp(a->how, "del") == 0)
		return NG_STORE_DELETE;
	if (strcmp(a->how, "abort") == 0)
		return -42;
	if (strcmp(a->how, "bad") == 0)
		return 7;
	return NG_STORE_KEEP;
}

/* Scans into "key=value key=value"; stops (99) after `stop` records. */
struct scan_acc {
	char out[1024];
	size_t n, stop;
};

static int scan_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                   int64_t expires)
{
	struct scan_acc *a = argp;
	(void)expires;
	size_t used = strlen(a->out);
	snprintf(a->out + used, sizeof(a->out) - used, "%s%.*s=%.*s", used != 0 ? " " : "",
	         (int)klen, (const char *)key, (int)vlen, (const char *)val);
	return ++a->n == a->stop ? 99 : 0;
}

static void run_script(struct fx *f, const struct script *sc)
{
	for (size_t i = 0; sc->steps[i].op != OP_END; i++) {
		const struct step *st = &sc->steps[i];
		char kbuf[NG_STORE_KEY_MAX + 8];
		const char *key = st->key;
		size_t klen = st->klen;
		if (key == NULL) {
			memset(kbuf, 'k', sizeof(kbuf));
			key = kbuf;
		} else if (klen == 0) {
			klen = strlen(key);
		}
		int rc;
		switch (st->op) {
		case OP_PUT:
			rc = ng_store_put(f->s, key, klen, st->val, strlen(st->val), st->t);
			if (rc != st->want)
				fail_msg("%s/%s step %zu put: got %d, want %d", f->backend,
				         sc->name, i, rc, st->want);
			break;
		case OP_GET: {
			void *v = (void *)1;
			size_t vlen = 99;
			int64_t exp = 99;
			rc = ng_store_get(f->s, key, klen, st->t, &v, &vlen, &exp);
			if (rc != st->want)
				fail_msg("%s/%s step %zu get: got %d, want %d", f->backend,
				         sc->name, i, rc, st->want);
			if (rc != 0 && v != NULL)
				fail_msg("%s/%s step %zu get: val not NULL", f->backend, sc->name,
				         i);
			if (rc == 0 && st->got != NULL &&
			    (vlen != strlen(st->got) || strcmp(v, st->got) != 0 || exp != st->x))
				fail_msg("%s/%s step %zu get: got '%s'@%lld, want '%s'@%lld",
				         f->backend, sc->name, i, (char *)v, (long long)exp,
				         st->got, (long long)st->x);
			free(v);
			break;
		}
		case OP_DEL:
			rc = ng_store_del(f->s, key, klen);
			if (rc != st->want)
				fail_msg("%s/%s step %zu del: got %d, want %d", f->backend,
				         sc->name, i, rc, st->want);
			break;
		case OP_UPD: {
			struct upd_arg a = {.how = st->val, .expires = st->x};
			rc = ng_store_update(f->s, key, klen, st->t, upd_fn, &a);
			if (rc != st->want)
				fail_msg("%s/%s step %zu update %s: got %d, want %d", f->backend,
				         sc->name, i, st->val, rc, st->want);
			break;
		}
		case OP_SCAN: {
			struct scan_acc a = {.stop = (size_t)st->x};
			rc = ng_store_scan(f->s, st->key, strlen(st->key), st->t, scan_fn, &a);
			if (rc != st->want || strcmp(a.out, st->got) != 0)
				fail_msg("%s/%s step %zu scan '%s': got %d \"%s\", want %d \"%s\"",
				         f->backend, sc->name, i, st->key, rc, a.out, st->want,
				         st->got);
			break;
		}
		case OP_EXPIRE: {
			size_t n = 99;
			rc = ng_store_expire(f->s, st->t, (size_t)st->x, &n);
			if (rc != 0 || n != (size_t)st->want)
				fail_msg(
				    "%s/%s step %zu expire: got %d, %zu removed; want %d removed",
				    f->backend, sc->name, i, rc, n, st->want);
			break;
		}
		case OP_END:
			break;
		}
	}
}

/* ---- function cases ---- */

static int count_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	(void)key, (void)klen, (void)val, (void)vlen, (void)expires;
	++*(size_t *)argp;
	return 0;
}

static size_t count(struct ng_store *s, const char *prefix, int64_t now)
{
	size_t n = 0;
	int rc = ng_store_scan(s, prefix, strlen(prefix), now, count_fn, &n);
	if (rc != 0)
		fail_msg("scan '%s': %d", prefix, rc);
	return n;
}

/* Many binary keys in random order come back sorted, as memcmp says. */
struct order_acc {
	unsigned char prev[8];
	size_t prevlen, n;
	bool bad;
};

static int order_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	struct order_acc *a = argp;
	(void)val, (void)vlen, (void)expires;
	size_t m = klen < a->prevlen ? klen : a->prevlen;
	int c = memcmp(a->prevlen != 0 ? a->prev : (const void *)"", key, m);
	if (a->n != 0 && (c > 0 || (c == 0 && a->prevlen >= klen)))
		a->bad = true;
	memcpy(a->prev, key, klen);
	a->prevlen = klen;
	a->n++;
	return 0;
}

static void case_scan_many(struct fx *f)
{
	unsigned seed = 12345;
	size_t distinct = 0;
	for (int i = 0; i < 300; i++) {
		unsigned char k[8];
		seed = seed * 1103515245u + 12345u;
		size_t len = 2 + (seed >> 16) % 5;
		k[0] = 'x';
		for (size_t j = 1; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			k[j] = (unsigned char)((seed >> 16) % 4 == 0 ? 0xff : (seed >> 16) % 3);
		}
		void *v = NULL;
		if (ng_store_get(f->s, k, len, 0, &v, NULL, NULL) == 1)
			distinct++;
		free(v);
		assert_int_equal(ng_store_put(f->s, k, len, "v", 1, 0), 0);
	}
	assert_int_equal(ng_store_put(f->s, "w", 1, "", 0, 0), 0);
	assert_int_equal(ng_store_put(f->s, "y", 1, "", 0, 0), 0);
	struct order_acc a = {0};
	assert_int_equal(ng_store_scan(f->s, "x", 1, 0, order_fn, &a), 0);
	if (a.bad || a.n != distinct)
		fail_msg("%s: %zu keys back (want %zu), order %s", f->backend, a.n, distinct,
		         a.bad ? "wrong" : "right");
}

/* A scan callback may read and write the store; its writes are not seen. */
struct reenter {
	struct ng_store *s;
	size_t n;
	int rc;
};

static int reenter_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                      int64_t expires)
{
	struct reenter *r = argp;
	(void)val, (void)vlen, (void)expires;
	char nk[64];
	snprintf(nk, sizeof(nk), "r/%.*s+", (int)klen, (const char *)key);
	void *v = NULL;
	if (r->rc == 0)
		r->rc = ng_store_get(r->s, key, klen, 0, &v, NULL, NULL);
	free(v);
	if (r->rc == 0)
		r->rc = ng_store_put(r->s, nk, strlen(nk), "new", 3, 0);
	r->n++;
	return 0;
}

static void case_scan_reenter(struct fx *f)
{
	for (int i = 0; i < 5; i++) {
		char k[16];
		snprintf(k, sizeof(k), "r/%d", i);
		assert_int_equal(ng_store_put(f->s, k, strlen(k), "old", 3, 0), 0);
	}
	struct reenter r = {.s = f->s};
	assert_int_equal(ng_store_scan(f->s, "r/", 2, 0, reenter_fn, &r), 0);
	if (r.rc != 0 || r.n != 5)
		fail_msg("%s: callback rc %d after %zu records, want 0 after 5", f->backend, r.rc,
		         r.n);
	assert_int_equal(count(f->s, "r/", 0), 10);
}

/* Expiry in more than one transaction, bounded by max, oldest first,
 * never touching records without expiry. */
static int tally_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	size_t *by_exp = argp; /* [0] never, [1 + e - 1000] expiring at e */
	(void)key, (void)klen, (void)val, (void)vlen;
	by_exp[expires == 0 ? 0 : 1 + (size_t)(expires - 1000)]++;
	return 0;
}

static void case_expire_many(struct fx *f)
{
	size_t want[6] = {0};
	for (int i = 0; i < 1500; i++) {
		char k[16];
		snprintf(k, sizeof(k), "e/%04d", i);
		int64_t exp = i % 6 == 0 ? 0 : 1000 + i % 5; /* 1,250 expiring at 1000..1004 */
		assert_int_equal(ng_store_put(f->s, k, strlen(k), k, strlen(k), exp), 0);
		want[exp == 0 ? 0 : 1 + i % 5]++;
	}
	size_t n = 0;
	assert_int_equal(ng_store_expire(f->s, 999, 0, &n), 0);
	assert_int_equal(n, 0);
	/* all 1,250 expired at 1004; the 1,100 oldest go, over two LMDB
	 * transactions (1,000 + 100): everything expiring before 1004 */
	assert_int_equal(ng_store_expire(f->s, 1004, 1100, &n), 0);
	assert_int_equal(n, 1100);
	size_t left = want[1] + want[2] + want[3] + want[4] + want[5] - 1100;
	want[1] = want[2] = want[3] = want[4] = 0;
	want[5] = left;
	size_t got[6] = {0};
	assert_int_equal(ng_store_scan(f->s, "e/", 2, 0, tally_fn, got), 0);
	for (size_t i = 0; i < 6; i++)
		if (got[i] != want[i])
			fail_msg(
			    "%s: %zu records expiring at %s%zu after the first sweep, want %zu",
			    f->backend, got[i], i == 0 ? "never " : "", i == 0 ? 0 : 999 + i,
			    want[i]);
	assert_int_equal(ng_store_expire(f->s, 5000, 0, &n), 0);
	assert_int_equal(n, left);
	assert_int_equal(count(f->s, "e/", 0), want[0]);
	assert_int_equal(ng_store_expire(f->s, INT64_MAX, 0, &n), 0);
	assert_int_equal(n, 0);
}

/* Threads writing at once: 4 x 1000 puts, gets, and 400 increments of one
 * counter through ng_store_update(). */
#define NTHREADS 4
#define NPUTS    1000

struct worker {
	struct ng_store *s;
	int id;
	int failures;
	pthread_barrier_t *start;
};

static int inc_fn(void *argp, struct ng_store_rmw *r)
{
	char *buf = argp;
	long n = 0;
	if (r->old != NULL && r->old_len < 20) {
		char tmp[24];
		memcpy(tmp, r->old, r->old_len);
		tmp[r->old_len] = '\0';
		n = strtol(tmp, NULL, 10);
	}
	snprintf(buf, 24, "%ld", n + 1);
	r->val = buf;
	r->vlen = strlen(buf);
	r->expires = 0;
	return NG_STORE_SET;
}

static void *worker_main(void *argp)
{
	struct worker *w = argp;
	pthread_barrier_wait(w->start);
	for (int i = 0; i < NPUTS; i++) {
		char k[32], v[64];
		snprintf(k, sizeof(k), "t/%d/%04d", w->id, i);
		snprintf(v, sizeof(v), "value of %s", k);
		if (ng_store_put(w->s, k, strlen(k), v, strlen(v), 0) != 0)
			w->failures++;
		if (i % 10 == 0) {
			char buf[24];
			if (ng_store_update(w->s, "t/counter", 9, 0, inc_fn, buf) != NG_STORE_SET)
				w->failures++;
			void *got = NULL;
			if (ng_store_get(w->s, k, strlen(k), 0, &got, NULL, NULL) != 0 ||
			    strcmp(got, v) != 0)
				w->failures++;
			free(got);
		}
	}
	return NULL;
}

static void case_threads(struct fx *f)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.s = f->s, .id = i, .start = &start};
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failures != 0)
			fail_msg("%s: thread %d: %d failures", f->backend, i, w[i].failures);
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(count(f->s, "t/", 0), NTHREADS * NPUTS + 1);
	void *v = NULL;
	assert_int_equal(ng_store_get(f->s, "t/counter", 9, 0, &v, NULL, NULL), 0);
	assert_string_equal(v, "400");
	free(v);
}

/* A read-only handle reads and refuses every write; LMDB's needs a store. */
static void case_read_only(struct fx *f)
{
	assert_int_equal(ng_store_put(f->s, "k", 1, "v", 1, 0), 0);
	bool lmdb = strcmp(f->backend, "lmdb") == 0;
	if (lmdb) { /* one handle per directory per process */
		ng_store_close(f->s);
		f->s = NULL;
	}
	struct ng_store_opts o = {.read_only = true, .log = &f->log};
	struct ng_store *ro = open_or_fail(f, &o);
	void *v = NULL;
	assert_int_equal(ng_store_get(ro, "k", 1, 0, &v, NULL, NULL), lmdb ? 0 : 1);
	free(v);
	assert_int_equal(count(ro, "", 0), lmdb ? 1 : 0);
	size_t n = 7;
	struct upd_arg a = {.how = "inc"};
	const struct {
		const char *name;
		int got;
	} writes[] = {
	    {"put", ng_store_put(ro, "k", 1, "w", 1, 0)},
	    {"del", ng_store_del(ro, "k", 1)},
	    {"update", ng_store_update(ro, "k", 1, 0, upd_fn, &a)},
	    {"expire", ng_store_expire(ro, 0, 0, &n)},
	};
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (writes[i].got != NG_STORE_ERDONLY)
			fail_msg("%s: read-only %s: got %d, want %d", f->backend, writes[i].name,
			         writes[i].got, NG_STORE_ERDONLY);
	assert_int_equal(n, 0);
	ng_store_close(ro);
	if (!lmdb)
		return;
	f->s = open_or_fail(f, NULL);
	/* a read-only open creates nothing */
	char spec[PATH_MAX + 32], err[512];
	snprintf(spec, sizeof(spec), "lmdb:%s/none", f->dir);
	assert_null(ng_store_open(spec, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "no store"));
	struct stat st;
	assert_int_not_equal(stat(spec + 5, &st), 0);
}

static void child_exit(bool ok)
{
	_exit(ok ? 0 : 1);
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Two handles on one store see each other's writes: LMDB, from a second
 * process (LMDB allows one handle per directory per process), even when
 * the other process grew the data past this handle's map; memory: stores
 * are private, so two handles see nothing of each other. */
static void case_two_handles(struct fx *f)
{
	assert_int_equal(ng_store_put(f->s, "from/parent", 11, "p", 1, 0), 0);
	if (strcmp(f->backend, "memory") == 0) {
		struct ng_store *other = open_or_fail(f, NULL);
		assert_int_equal(ng_store_get(other, "from/parent", 11, 0, NULL, NULL, NULL), 1);
		assert_int_equal(ng_store_put(other, "from/other", 10, "o", 1, 0), 0);
		assert_int_equal(ng_store_get(f->s, "from/other", 10, 0, NULL, NULL, NULL), 1);
		ng_store_close(other);
		return;
	}
	int to_child[2], to_parent[2];
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c, err[512];
		/* a map smaller than what the parent will write: the child must
		 * adopt the parent's map size (MDB_MAP_RESIZED) to read on */
		struct ng_store_opts o = {.map_size = 256 * 1024};
		struct ng_store *s = ng_store_open(f->spec, &o, err, sizeof(err));
		bool ok = s != NULL &&
		          ng_store_get(s, "from/parent", 11, 0, NULL, NULL, NULL) == 0 &&
		          ng_store_put(s, "from/child", 10, "c", 1, 0) == 0;
		ok = ok && write(to_parent[1], "w", 1) == 1 && read(to_child[0], &c, 1) == 1;
		/* written by the parent after this handle was opened */
		ok = ok && ng_store_get(s, "from/parent2", 12, 0, NULL, NULL, NULL) == 0;
		ok = ok && ng_store_get(s, "big/99", 6, 0, NULL, NULL, NULL) == 0;
		ok = ok && ng_store_del(s, "from/parent", 11) == 0;
		ng_store_close(s);
		child_exit(ok);
	}
	char c = 0;
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_int_equal(ng_store_get(f->s, "from/child", 10, 0, NULL, NULL, NULL), 0);
	assert_int_equal(ng_store_put(f->s, "from/parent2", 12, "p2", 2, 0), 0);
	static char big[4000];
	for (int i = 0; i < 100; i++) { /* 800 KiB of data */
		char k[16];
		snprintf(k, sizeof(k), "big/%d", i);
		assert_int_equal(ng_store_put(f->s, k, strlen(k), big, sizeof(big), 0), 0);
	}
	assert_int_equal(write(to_child[1], "g", 1), 1);
	assert_int_equal(wait_child(pid), 0);
	assert_int_equal(ng_store_get(f->s, "from/parent", 11, 0, NULL, NULL, NULL), 1);
	for (int i = 0; i < 2; i++) {
		close(to_child[i]);
		close(to_parent[i]);
	}
}

/* A writer killed with SIGKILL in the middle of a burst: every write it
 * acknowledged is there, the one after at most, the expiry index agrees
 * with the records, and the store takes writes again at once (LMDB's
 * robust lock) and after reopening. */
#define CRASH_ACKS 300

static void crash_writer(const char *spec, int ack)
{
	char err[512];
	struct ng_store *s = ng_store_open(spec, NULL, err, sizeof(err));
	if (s == NULL)
		child_exit(false);
	for (int i = 0; i < 100000; i++) {
		char k[32], v[256], buf[24];
		snprintf(k, sizeof(k), "c/%06d", i);
		int n = snprintf(v, sizeof(v), "%0200d", i);
		if (ng_store_put(s, k, strlen(k), v, (size_t)n, i % 3 == 0 ? 0 : 1000 + i) != 0 ||
		    ng_store_update(s, "counter", 7, 0, inc_fn, buf) != NG_STORE_SET ||
		    write(ack, &i, sizeof(i)) != sizeof(i))
			child_exit(false);
	}
	child_exit(false); /* should have been killed long before */
}

struct crash_acc {
	int next;
	int expiring;
	bool bad;
};

static int crash_fn(void *argp, const void *key, size_t klen, const void *val, size_t vlen,
                    int64_t expires)
{
	struct crash_acc *a = argp;
	char want_key[32], want_val[256];
	snprintf(want_key, sizeof(want_key), "c/%06d", a->next);
	int n = snprintf(want_val, sizeof(want_val), "%0200d", a->next);
	if (klen != strlen(want_key) || memcmp(key, want_key, klen) != 0 || vlen != (size_t)n ||
	    memcmp(val, want_val, vlen) != 0 || expires != (a->next % 3 == 0 ? 0 : 1000 + a->next))
		a->bad = true;
	a->expiring += a->next % 3 != 0;
	a->next++;
	return 0;
}

static void case_crash(struct fx *f)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		crash_writer(f->spec, p[1]);
	}
	close(p[1]);
	int i, last = -1;
	while (last < CRASH_ACKS && read(p[0], &i, sizeof(i)) == sizeof(i))
		last = i;
	if (last < CRASH_ACKS)
		fail_msg("writer died after %d writes: %d", last + 1, wait_child(pid));
	kill(pid, SIGKILL);
	while (read(p[0], &i, sizeof(i)) == sizeof(i))
		last = i;
	close(p[0]);
	assert_int_equal(wait_child(pid), 128 + SIGKILL);

	/* this handle was open all along: the dead writer's lock is taken over */
	assert_int_equal(ng_store_put(f->s, "after", 5, "x", 1, 0), 0);
	for (int round = 0; round < 2; round++) {
		struct crash_acc a = {0};
		assert_int_equal(ng_store_scan(f->s, "c/", 2, 0, crash_fn, &a), 0);
		if (a.bad || a.next < last + 1 || a.next > last + 2)
			fail_msg("round %d: %d records back (%s), %d acknowledged", round, a.next,
			         a.bad ? "some wrong" : "all right", last + 1);
		void *v = NULL;
		assert_int_equal(ng_store_get(f->s, "counter", 7, 0, &v, NULL, NULL), 0);
		long c = strtol(v, NULL, 10);
		free(v);
		/* the put of a record comes before its increment */
		if (c < last + 1 || c > last + 2 || (c != a.next && c != a.next - 1))
			fail_msg("counter %ld after %d acknowledged writes, %d records", c,
			         last + 1, a.next);
		if (round == 1) {
			size_t n = 0;
			assert_int_equal(ng_store_expire(f->s, INT64_MAX, 0, &n), 0);
			assert_int_equal(n, (size_t)a.expiring);
			assert_int_equal(count(f->s, "c/", 0), (size_t)(a.next - a.expiring));
		}
		ng_store_close(f->s);
		f->s = open_or_fail(f, NULL);
	}
}

/* A writer killed while it holds the write lock (inside an update
 * callback): the lock passes to the next writer, the update never lands. */
static int stall_fn(void *argp, struct ng_store_rmw *r)
{
	int fd = *(int *)argp;
	r->val = "stalled";
	r->vlen = 7;
	if (write(fd, "s", 1) != 1)
		_exit(1);
	for (;;)
		pause();
	return NG_STORE_SET;
}

static void case_killed_holding_lock(struct fx *f)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		struct ng_store *s = ng_store_open(f->spec, NULL, err, sizeof(err));
		if (s != NULL)
			ng_store_update(s, "held", 4, 0, stall_fn, &p[1]);
		child_exit(false);
	}
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	kill(pid, SIGKILL);
	assert_int_equal(wait_child(pid), 128 + SIGKILL);
	close(p[0]);
	close(p[1]);
	alarm(20); /* a lock that is not robust would hang here */
	assert_int_equal(ng_store_put(f->s, "next", 4, "n", 1, 0), 0);
	alarm(0);
	assert_int_equal(ng_store_get(f->s, "held", 4, 0, NULL, NULL, NULL), 1);
	assert_int_equal(ng_store_get(f->s, "next", 4, 0, NULL, NULL, NULL), 0);
}

/* A full map is an error, not a crash: the map doubles once, then writes
 * fail with NG_STORE_EFULL (logged), and reads, deletes and new writes
 * that fit still work. */
static void case_map_full(struct fx *f)
{
	ng_store_close(f->s);
	f->s = NULL;
	f->expect_errors = true;
	struct ng_store_opts o = {.map_size = 256 * 1024, .log = &f->log};
	struct ng_store *s = open_or_fail(f, &o);
	char v[4000];
	memset(v, 'v', sizeof(v));
	int i, rc = 0;
	for (i = 0; i < 1000 && rc == 0; i++) {
		char k[16];
		snprintf(k, sizeof(k), "f/%04d", i);
		rc = ng_store_put(s, k, strlen(k), v, sizeof(v), 0);
	}
	/* a 4,000-byte value takes two 4 KiB pages: at most 32 fit unless the map grew */
	if (rc != NG_STORE_EFULL || i <= 36 || f->errors < 2)
		fail_msg("%d records in a 256 KiB map, then %d; %d errors logged (\"%s\")", i - 1,
		         rc, f->errors, f->last);
	assert_non_null(strstr(f->last, "map full"));
	assert_int_equal(ng_store_get(s, "f/0000", 6, 0, NULL, NULL, NULL), 0);
	assert_int_equal(ng_store_del(s, "f/0000", 6), 0);
	assert_int_equal(ng_store_del(s, "f/0001", 6), 0);
	assert_int_equal(ng_store_put(s, "small", 5, "x", 1, 0), 0);
	ng_store_close(s);
	f->s = open_or_fail(f, NULL); /* the default map: everything fits */
	assert_int_equal(ng_store_put(f->s, "f/more", 6, v, sizeof(v), 0), 0);
}

/* Specs, names and messages: the same for every back-end. */
static void case_specs(struct fx *f)
{
	const struct {
		const char *spec;
		int want;
		const char *msg; /* part of the message wanted */
	} t[] = {
	    {"lmdb:/var/lib/ndrguard", 0, ""},
	    {"lmdb:relative/dir", 0, ""},
	    {"memory:", 0, ""},
	    {"lmdb:", -1, "lmdb:/path"},
	    {"memory:x", -1, "no arguments"},
	    {"redis://localhost", -1, "unknown back-end \"redis\""},
	    {"", -1, "empty"},
	    {"nocolon", -1, "BACKEND:ARGS"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char err[256] = "";
		int rc = ng_store_check_spec(t[i].spec, err, sizeof(err));
		if (rc != t[i].want || strstr(err, t[i].msg) == NULL)
			fail_msg("spec '%s': got %d '%s', want %d '%s'", t[i].spec, rc, err,
			         t[i].want, t[i].msg);
	}
	assert_string_equal(ng_store_backend(f->s), f->backend);
	assert_string_equal(ng_store_strerror(NG_STORE_EFULL), "store full");
	assert_string_equal(ng_store_strerror(12345), "unknown error");
	char err[256];
	assert_null(ng_store_open("bogus:", NULL, err, sizeof(err)));
	if (strcmp(f->backend, "lmdb") == 0) {
		/* a file where the directory should be; a missing parent */
		char spec[PATH_MAX + 32];
		snprintf(spec, sizeof(spec), "lmdb:%s/db/data.mdb", f->dir);
		assert_null(ng_store_open(spec, NULL, err, sizeof(err)));
		snprintf(spec, sizeof(spec), "lmdb:%s/no/such", f->dir);
		assert_null(ng_store_open(spec, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "mkdir"));
	}
}

/* ---- the table of cases and the runner ---- */

#define B_LMDB   1u
#define B_MEMORY 2u
#define B_BOTH   (B_LMDB | B_MEMORY)

struct tcase {
	const char *name;
	void (*fn)(struct fx *f);
	const struct script *script;
	unsigned backends;
};

static const struct tcase fcases[] = {
    {"scan_many_keys_in_order", case_scan_many, NULL, B_BOTH},
    {"scan_callback_uses_store", case_scan_reenter, NULL, B_BOTH},
    {"expire_in_bounded_batches", case_expire_many, NULL, B_BOTH},
    {"threads_write_at_once", case_threads, NULL, B_BOTH},
    {"read_only", case_read_only, NULL, B_BOTH},
    {"two_handles", case_two_handles, NULL, B_BOTH},
    {"writer_killed_mid_burst", case_crash, NULL, B_LMDB},
    {"writer_killed_holding_lock", case_killed_holding_lock, NULL, B_LMDB},
    {"map_full", case_map_full, NULL, B_LMDB},
    {"specs_and_names", case_specs, NULL, B_BOTH},
};

struct run {
	const struct tcase *c;
	const char *backend;
	struct fx f;
};

static int setup(void **state)
{
	struct run *r = *state;
	struct fx *f = &r->f;
	memset(f, 0, sizeof(*f));
	f->backend = r->backend;
	pthread_mutex_init(&f->mu, NULL);
	f->log = (struct ng_log){.emit = emit, .arg = f, .min = NG_LOG_DEBUG};
	if (strcmp(f->backend, "lmdb") == 0) {
		const char *tmp = getenv("TMPDIR");
		snprintf(f->dir, sizeof(f->dir), "%s/ng-store.XXXXXX",
		         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(f->dir) == NULL)
			fail_msg("mkdtemp %s: %s", f->dir, strerror(errno));
		snprintf(f->spec, sizeof(f->spec), "lmdb:%s/db", f->dir);
	} else {
		snprintf(f->spec, sizeof(f->spec), "memory:");
	}
	f->s = open_or_fail(f, NULL);
	return 0;
}

static int teardown(void **state)
{
	struct run *r = *state;
	ng_store_close(r->f.s);
	r->f.s = NULL;
	if (r->f.dir[0] != '\0')
		rm_tree(r->f.dir);
	pthread_mutex_destroy(&r->f.mu);
	/* the store logs only trouble: a case that went well logged nothing */
	if (r->f.errors != 0 && !r->f.expect_errors)
		fail_msg("%s/%s: %d errors logged, the last \"%s\"", r->backend, r->c->name,
		         r->f.errors, r->f.last);
	return 0;
}

static void run_case(void **state)
{
	struct run *r = *state;
	if (r->c->script != NULL)
		run_script(&r->f, r->c->script);
	else
		r->c->fn(&r->f);
}

#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))
#define NFCASES  (sizeof(fcases) / sizeof(fcases[0]))

int main(void)
{
	static const char *const backends[] = {"lmdb", "memory"};
	static struct tcase all[NSCRIPTS + NFCASES];
	static struct run runs[2 * (NSCRIPTS + NFCASES)];
	static char names[2 * (NSCRIPTS + NFCASES)][80];
	static struct CMUnitTest tests[2 * (NSCRIPTS + NFCASES)];
	size_t ncases = 0, n = 0;
	for (size_t i = 0; i < NSCRIPTS; i++)
		all[ncases++] = (struct tcase){scripts[i].name, NULL, &scripts[i], B_BOTH};
	for (size_t i = 0; i < NFCASES; i++)
		all[ncases++] = fcases[i];
	for (size_t b = 0; b < 2; b++)
		for (size_t i = 0; i < ncases; i++) {
			if ((all[i].backends & (1u << b)) == 0)
				continue;
			runs[n] = (struct run){.c = &all[i], .backend = backends[b]};
			snprintf(names[n], sizeof(names[n]), "%s/%s", backends[b], all[i].name);
			tests[n] = (struct CMUnitTest){.name = names[n],
			                               .test_func = run_case,
			                               .setup_func = setup,
			                               .teardown_func = teardown,
			                               .initial_state = &runs[n]};
			n++;
		}
	return _cmocka_run_group_tests("store", tests, n, NULL, NULL);
}
