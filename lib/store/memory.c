/*
 * memory.c - the "memory:" store back-end: a sorted array of records in
 * this process, behind one mutex (store.h, store/internal.h).
 *
 * It exists for tests and has the LMDB back-end's semantics (byte-order
 * keys, expiry as of the caller's `now`, snapshot scans, atomic updates),
 * not its costs: insertion and deletion move pointers (O(n)), and expiry
 * walks every record.  Each "memory:" open is a new, empty store that no
 * other handle shares; read_only gives a store that stays empty.
 *
 * Every record is one allocation (struct, key, value), so replacing a
 * record swaps one pointer.  Scans copy the matching records under the
 * lock and call back without it, which gives the same snapshot LMDB gives
 * and lets the callback use the store.  Updates call back under the lock:
 * the callback must not use the store (store.h says so for every
 * back-end).
 *
 * Thread-safety: every operation holds the handle's mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

struct rec {
	size_t klen, vlen;
	int64_t expires;
	unsigned char *val;   /* = data + klen */
	unsigned char data[]; /* key, then value, then a NUL */
};

struct mem {
	struct ng_store base; /* first: the vtable */
	pthread_mutex_t mu;
	struct rec **v; /* sorted by key */
	size_t n, cap;
};

static const struct ng_store_ops mem_ops;

static struct mem *to_mem(struct ng_store *s)
{
	return (struct mem *)s;
}

/* memcmp order, a prefix before its extensions: LMDB's default order. */
static int keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The index of the first record >= key; *found when it is equal. */
static size_t lower_bound(const struct mem *m, const void *key, size_t klen, bool *found)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keycmp(m->v[mid]->data, m->v[mid]->klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && keycmp(m->v[lo]->data, m->v[lo]->klen, key, klen) == 0;
	return lo;
}

static struct rec *rec_new(const void *key, size_t klen, const void *val, size_t vlen,
                           int64_t expires)
{
	if (vlen > SIZE_MAX - sizeof(struct rec) - klen - 1)
		return NULL;
	struct rec *r = malloc(sizeof(*r) + klen + vlen + 1);
	if (r == NULL)
		return NULL;
	r->klen = klen;
	r->vlen = vlen;
	r->expires = expires;
	r->val = r->data + klen;
	memcpy(r->data, key, klen);
	if (vlen != 0)
		memcpy(r->val, val, vlen);
	r->val[vlen] = '\0';
	return r;
}

/* Put r at index i: replace the record there when `replace`, else insert.
 * The caller holds the lock.  0, or NG_STORE_ENOMEM (r not taken). */
static int place(struct mem *m, size_t i, bool replace, struct rec *r)
{
	if (replace) {
		free(m->v[i]);
		m->v[i] = r;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap != 0 ? m->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*m->v))
			return NG_STORE_ENOMEM;
		struct rec **v = realloc(m->v, cap * sizeof(*v));
		if (v == NULL)
			return NG_STORE_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof(*m->v));
	m->v[i] = r;
	m->n++;
	return 0;
}

static void remove_at(struct mem *m, size_t i)
{
	free(m->v[i]);
	memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof(*m->v));
	m->n--;
}

static int mem_put(struct ng_store *s, const void *key, size_t klen, const void *val, size_t vlen,
                   int64_t expires)
{
	struct mem *m = to_mem(s);
	struct rec *r = rec_new(key, klen, val, vlen, expires);
	if (r == NULL)
		return NG_STORE_ENOMEM;
	pthread_mutex_lock(&m->mu);
	bool found;
	size_t i = lower_bound(m, key, klen, &found);
	int rc = place(m, i, found, r);
	pthread_mutex_unlock(&m->mu);
	if (rc != 0)
		free(r);
	return rc;
}

static int mem_get(struct ng_store *s, const void *key, size_t klen, int64_t now, void **val,
                   size_t *vlen, int64_t *expires)
{
	struct mem *m = to_mem(s);
	int rc = 1;
	pthread_mutex_lock(&m->mu);
	bool found;
	size_t i = lower_bound(m, key, klen, &found);
	if (found && ng_store_live(m->v[i]->expires, now)) {
		const struct rec *r = m->v[i];
		rc = 0;
		if (val != NULL && (*val = ng_store_dup(r->val, r->vlen)) == NULL)
			rc = NG_STORE_ENOMEM;
		if (rc == 0 && vlen != NULL)
			*vlen = r->vlen;
		if (rc == 0 && expires != NULL)
			*expires = r->expires;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int mem_del(struct ng_store *s, const void *key, size_t klen)
{
	struct mem *m = to_mem(s);
	pthread_mutex_lock(&m->mu);
	bool found;
	size_t i = lower_bound(m, key, klen, &found);
	if (found)
		remove_at(m, i);
	pthread_mutex_unlock(&m->mu);
	return found ? 0 : 1;
}

static int mem_update(struct ng_store *s, const void *key, size_t klen, int64_t now,
                      ng_store_update_fn *fn, void *arg)
{
	struct mem *m = to_mem(s);
	pthread_mutex_lock(&m->mu);
	bool found;
	size_t i = lower_bound(m, key, klen, &found);
	struct ng_store_rmw r = {0};
	if (found && ng_store_live(m->v[i]->expires, now)) {
		r.old = m->v[i]->val;
		r.old_len = m->v[i]->vlen;
		r.old_expires = m->v[i]->expires;
	}
	int rc = ng_store_rmw_check(fn(arg, &r), &r);
	if (rc == NG_STORE_SET) {
		/* built before the old record goes: r.val may point into it */
		struct rec *nr = rec_new(key, klen, r.val, r.vlen, r.expires);
		int prc = nr != NULL ? place(m, i, found, nr) : NG_STORE_ENOMEM;
		if (prc != 0) {
			free(nr);
			rc = prc;
		}
	} else if (rc == NG_STORE_DELETE && found) {
		remove_at(m, i);
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static void free_recs(struct rec **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int mem_scan(struct ng_store *s, const void *prefix, size_t plen, int64_t now,
                    ng_store_scan_fn *fn, void *arg)
{
	struct mem *m = to_mem(s);
	struct rec **snap = NULL;
	size_t n = 0;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	bool found;
	size_t first = plen != 0 ? lower_bound(m, prefix, plen, &found) : 0, last = first;
	while (last < m->n && m->v[last]->klen >= plen &&
	       (plen == 0 || memcmp(m->v[last]->data, prefix, plen) == 0))
		last++;
	if (last > first && (snap = calloc(last - first, sizeof(*snap))) == NULL)
		rc = NG_STORE_ENOMEM;
	for (size_t i = first; rc == 0 && i < last; i++) {
		const struct rec *r = m->v[i];
		if (!ng_store_live(r->expires, now))
			continue;
		if ((snap[n] = rec_new(r->data, r->klen, r->val, r->vlen, r->expires)) == NULL)
			rc = NG_STORE_ENOMEM;
		else
			n++;
	}
	pthread_mutex_unlock(&m->mu);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = fn(arg, snap[i]->data, snap[i]->klen, snap[i]->val, snap[i]->vlen,
		        snap[i]->expires);
	free_recs(snap, n);
	return rc;
}

/* Oldest expiry first, then key order: the order LMDB's index gives. */
static int by_expiry(const void *a, const void *b)
{
	const struct rec *x = *(struct rec *const *)a, *y = *(struct rec *const *)b;
	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return keycmp(x->data, x->klen, y->data, y->klen);
}

static int mem_expire(struct ng_store *s, int64_t now, size_t max, size_t *removed)
{
	struct mem *m = to_mem(s);
	int rc = 0;
	pthread_mutex_lock(&m->mu);
	size_t nexp = 0;
	for (size_t i = 0; i < m->n; i++)
		nexp += !ng_store_live(m->v[i]->expires, now);
	/* When not all may go, the max oldest go: sort the expired ones and
	 * free them from that list, after the array lost them. */
	struct rec **gone = NULL;
	if (max != 0 && nexp > max) {
		if ((gone = malloc(nexp * sizeof(*gone))) == NULL) {
			pthread_mutex_unlock(&m->mu);
			return NG_STORE_ENOMEM;
		}
		size_t j = 0;
		for (size_t i = 0; i < m->n; i++)
			if (!ng_store_live(m->v[i]->expires, now))
				gone[j++] = m->v[i];
		qsort(gone, nexp, sizeof(*gone), by_expiry);
		for (size_t i = 0; i < max; i++)
			gone[i]->expires = -1; /* a mark: no stored record has it */
	}
	size_t out = 0;
	for (size_t i = 0; i < m->n; i++) {
		struct rec *r = m->v[i];
		if (gone != NULL ? r->expires == -1 : !ng_store_live(r->expires, now)) {
			if (gone == NULL)
				free(r);
			++*removed;
		} else {
			m->v[out++] = r;
		}
	}
	m->n = out;
	for (size_t i = 0; gone != NULL && i < max; i++)
		free(gone[i]);
	free(gone);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static void mem_close(struct ng_store *s)
{
	struct mem *m = to_mem(s);
	free_recs(m->v, m->n);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static const struct ng_store_ops mem_ops = {
    .name = "memory",
    .put = mem_put,
    .get = mem_get,
    .del = mem_del,
    .update = mem_update,
    .scan = mem_scan,
    .expire = mem_expire,
    .close = mem_close,
};

static int mem_check(const char *rest, char *err, size_t errlen)
{
	if (*rest != '\0') {
		snprintf(err, errlen, "store spec \"memory:%.64s\": memory: takes no arguments",
		         rest);
		return -1;
	}
	return 0;
}

static struct ng_store *mem_open(const char *rest, const struct ng_store_opts *opts, char *err,
                                 size_t errlen)
{
	(void)rest;
	struct mem *m = calloc(1, sizeof(*m));
	if (m == NULL || pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		snprintf(err, errlen, "memory store: out of memory");
		return NULL;
	}
	m->base.ops = &mem_ops;
	m->base.log = opts->log;
	m->base.read_only = opts->read_only;
	return &m->base;
}

const struct ng_store_scheme ng_store_memory_scheme = {
    .scheme = "memory",
    .check = mem_check,
    .open = mem_open,
};
