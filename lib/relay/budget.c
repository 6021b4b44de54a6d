/*
 * budget.c - sliding-window rate limits keyed by strings (budget.h).
 *
 * A chained hash table (buckets: the next power of two at or above the
 * cap, allocated once) and one doubly linked LRU list, most recent first.
 * Each key holds a ring of SLOTS counters: slot j counts what happened in
 * [j*width, (j+1)*width) ms, width = ceil(period / (SLOTS - 1)); at time
 * now (slot k) the window is slots k-SLOTS+1..k.  `head` is the newest slot
 * the ring has been moved to and `total` the sum of the ring, so counting
 * costs the slots that expired since the key was last seen, at most SLOTS.
 *
 * A request of several keys is checked first and counted second, under
 * one lock: all or nothing.  The keys the request already has are moved to
 * the front of the LRU list before any new key is made, and the cap is at
 * least NG_RELAY_BUDGET_MULTI_MAX, so making one key of a request never
 * pushes out another key of the same request; new keys are all made (the
 * only step that can fail) before anything is counted.
 *
 * The keys name tenants and recipient domains, and the domains come from
 * the mail: the bucket is chosen by SipHash-2-4 under a random key so that
 * nobody can pile keys into one chain.  The hash key places entries and
 * changes no result.
 */
#include "relay/budget.h"
#include "util/siphash.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* 60 slots make a period; one more so that a bounce counts for a whole
 * period at least (budget.h: the error bound). */
#define SLOTS 61

struct entry {
	struct entry *hnext;       /* bucket chain */
	struct entry *prev, *next; /* LRU list */
	uint64_t hash;
	uint64_t head;     /* the newest slot number the ring holds */
	unsigned period_s; /* the period the ring was made for */
	uint32_t total;    /* sum of slot[] */
	uint32_t slot[SLOTS];
	size_t keylen;
	char key[]; /* NUL-terminated */
};

struct ng_budget {
	pthread_mutex_t mu;
	struct entry **buckets;
	size_t mask;
	size_t len, cap;
	struct entry *head, *tail;
	uint8_t hkey[16];
	uint64_t last_ms; /* the latest time seen: the clock never goes back */
	struct ng_budget_stats st;
};

/* ---- rates ---- */

static int rate_err(char *err, size_t errlen, const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int rate_err(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (errlen > 0)
		snprintf(err, errlen, "'%.80s': %s", spec, why);
	return -1;
}

/* Decimal digits of s[0..n), at most `max`; false otherwise. */
static bool digits(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int ng_budget_rate_parse(const char *spec, struct ng_budget_rate *out, char *err, size_t errlen)
{
	static const struct {
		char unit;
		unsigned secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	uint64_t limit, count = 1;

	memset(out, 0, sizeof(*out));
	if (spec == NULL || spec[0] == '\0' || strcmp(spec, "0") == 0)
		return 0;
	const char *slash = strchr(spec, '/');
	size_t n = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
	if (!digits(spec, n, NG_RELAY_BUDGET_LIMIT_MAX, &limit))
		return rate_err(err, errlen, spec, "the count must be 0..%u (N/PERIOD)",
		                NG_RELAY_BUDGET_LIMIT_MAX);
	if (slash == NULL)
		return rate_err(err, errlen, spec, "missing /PERIOD (e.g. 100/1h; 0 for no limit)");
	if (limit == 0)
		return rate_err(err, errlen, spec,
		                "a count of 0 lets nothing through; say 0 for "
		                "no limit");
	const char *p = slash + 1;
	size_t plen = strlen(p);
	if (plen == 0)
		return rate_err(err, errlen, spec, "missing period after '/'");
	unsigned secs = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (p[plen - 1] == units[i].unit)
			secs = units[i].secs;
	if (secs == 0)
		return rate_err(err, errlen, spec, "the period needs a unit: s, m, h, d or w");
	if (plen > 1 && !digits(p, plen - 1, NG_RELAY_BUDGET_PERIOD_MAX, &count))
		return rate_err(err, errlen, spec, "bad period");
	if (count == 0 || count * secs > NG_RELAY_BUDGET_PERIOD_MAX)
		return rate_err(err, errlen, spec, "the period must be 1s..%dd",
		                NG_RELAY_BUDGET_PERIOD_MAX / 86400);
	out->limit = (unsigned)limit;
	out->period_s = (unsigned)(count * secs);
	return 0;
}

void ng_budget_rate_format(const struct ng_budget_rate *r, char *out, size_t cap)
{
	static const struct {
		char unit;
		unsigned secs;
	} units[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
	if (r->limit == 0 || r->period_s == 0) {
		snprintf(out, cap, "0");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (r->period_s % units[i].secs == 0) {
			snprintf(out, cap, "%u/%u%c", r->limit, r->period_s / units[i].secs,
			         units[i].unit);
			return;
		}
}

static bool rate_ok(const struct ng_budget_rate *r)
{
	return r->limit == 0 || (r->limit <= NG_RELAY_BUDGET_LIMIT_MAX && r->period_s >= 1 &&
	                         r->period_s <= NG_RELAY_BUDGET_PERIOD_MAX);
}

/* ---- the window of one key ---- */

static uint64_t width_ms(unsigned period_s)
{
	return ((uint64_t)period_s * 1000 + SLOTS - 2) / (SLOTS - 1);
}

/* Move the ring to slot k, dropping the slots that left the window. */
static void advance(struct entry *e, uint64_t k)
{
	if (k <= e->head)
		return;
	if (k - e->head >= SLOTS) {
		memset(e->slot, 0, sizeof(e->slot));
		e->total = 0;
	} else {
		for (uint64_t j = e->head + 1; j <= k; j++) {
			e->total -= e->slot[j % SLOTS];
			e->slot[j % SLOTS] = 0;
		}
	}
	e->head = k;
}

/* Start the ring again for a new period. */
static void reset(struct entry *e, unsigned period_s, uint64_t now_ms)
{
	memset(e->slot, 0, sizeof(e->slot));
	e->total = 0;
	e->period_s = period_s;
	e->head = now_ms / width_ms(period_s);
}

/* In the window at now_ms, the ring moved there; 0 for a missing key. */
static uint32_t count_at(struct entry *e, const struct ng_budget_rate *r, uint64_t now_ms)
{
	if (e == NULL)
		return 0;
	if (e->period_s != r->period_s)
		return 0; /* counted afresh once consumed: see reset() */
	advance(e, now_ms / width_ms(e->period_s));
	return e->total;
}

/* Milliseconds from now_ms until `need` counts have left the window. */
static uint64_t free_after(const struct entry *e, uint32_t need, uint64_t now_ms)
{
	uint64_t w = width_ms(e->period_s);
	uint64_t first = e->head >= SLOTS - 1 ? e->head - (SLOTS - 1) : 0;
	uint64_t freed = 0;
	for (uint64_t j = first; j <= e->head; j++) {
		freed += e->slot[j % SLOTS];
		if (freed >= need) {
			uint64_t at = (j + SLOTS) * w;
			return at > now_ms ? at - now_ms : 1;
		}
	}
	return (uint64_t)e->period_s * 1000; /* not reached: need <= total */
}

/* ---- the table ---- */

static struct entry *find(struct ng_budget *b, const char *key, size_t len, uint64_t h)
{
	for (struct entry *e = b->buckets[h & b->mask]; e != NULL; e = e->hnext)
		if (e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

static void lru_unlink(struct ng_budget *b, struct entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		b->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		b->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(struct ng_budget *b, struct entry *e)
{
	if (b->head == e)
		return;
	if (e->prev != NULL || e->next != NULL || b->tail == e)
		lru_unlink(b, e);
	e->next = b->head;
	if (b->head != NULL)
		b->head->prev = e;
	b->head = e;
	if (b->tail == NULL)
		b->tail = e;
}

static void drop(struct ng_budget *b, struct entry *e, uint64_t now_ms)
{
	struct entry **pp = &b->buckets[e->hash & b->mask];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(b, e);
	advance(e, now_ms / width_ms(e->period_s));
	b->st.evictions++;
	if (e->total > 0)
		b->st.evictions_live++;
	b->len--;
	free(e);
}

/* A new empty key at the front, pushing out the least recently used key
 * when full; NULL when out of memory. */
static struct entry *make(struct ng_budget *b, const char *key, size_t len, uint64_t h,
                          unsigned period_s, uint64_t now_ms)
{
	if (b->len >= b->cap && b->tail != NULL)
		drop(b, b->tail, now_ms);
	struct entry *e = malloc(sizeof(*e) + len + 1);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->keylen = len;
	e->hash = h;
	reset(e, period_s, now_ms);
	e->hnext = b->buckets[h & b->mask];
	b->buckets[h & b->mask] = e;
	b->len++;
	lru_front(b, e);
	return e;
}

struct ng_budget *ng_budget_new(const struct ng_budget_opts *opts, char *err, size_t errlen)
{
	size_t cap = opts != NULL ? opts->max_keys : 0;
	if (cap < NG_RELAY_BUDGET_MULTI_MAX || cap > NG_RELAY_BUDGET_KEYS_MAX) {
		snprintf(err, errlen, "budget keys %zu: must be %d..%d", cap,
		         NG_RELAY_BUDGET_MULTI_MAX, NG_RELAY_BUDGET_KEYS_MAX);
		return NULL;
	}
	struct ng_budget *b = calloc(1, sizeof(*b));
	size_t nb = 1;
	while (nb < cap)
		nb <<= 1;
	if (b == NULL || (b->buckets = calloc(nb, sizeof(*b->buckets))) == NULL) {
		free(b);
		snprintf(err, errlen, "budget: out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		free(b->buckets);
		free(b);
		snprintf(err, errlen, "budget: cannot make a mutex");
		return NULL;
	}
	b->mask = nb - 1;
	b->cap = cap;
	if (opts->hash_key != NULL) {
		memcpy(b->hkey, opts->hash_key, sizeof(b->hkey));
	} else if (getrandom(b->hkey, sizeof(b->hkey), GRND_NONBLOCK) != (ssize_t)sizeof(b->hkey)) {
		/* No entropy yet (early boot): still unknown outside, and placement
		 * is all it changes. */
		uint64_t x = (uint64_t)(uintptr_t)b ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
		for (size_t i = 0; i < sizeof(b->hkey); i++) {
			x ^= x >> 33;
			x *= 0xff51afd7ed558ccdULL;
			b->hkey[i] = (uint8_t)(x >> 56);
		}
	}
	return b;
}

void ng_budget_free(struct ng_budget *b)
{
	if (b == NULL)
		return;
	for (struct entry *e = b->head, *n; e != NULL; e = n) {
		n = e->next;
		free(e);
	}
	free(b->buckets);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* ---- requests ---- */

/* What the check step learnt about one key of a request. */
struct slot_ref {
	struct entry *e; /* NULL: not stored yet */
	size_t len;
	uint64_t hash;
	bool skip; /* no limit, or the same key earlier in the request */
};

static enum ng_budget_status run(struct ng_budget *b, const struct ng_budget_req *reqs,
                                 size_t nreqs, unsigned n, uint64_t now_ms,
                                 struct ng_budget_over *over, bool consume)
{
	struct slot_ref ref[NG_RELAY_BUDGET_MULTI_MAX];
	struct ng_budget_over dummy;

	if (over == NULL)
		over = &dummy;
	memset(over, 0, sizeof(*over));
	if (b == NULL || nreqs > NG_RELAY_BUDGET_MULTI_MAX || (nreqs > 0 && reqs == NULL))
		return NG_BUDGET_ERROR;
	for (size_t i = 0; i < nreqs; i++) {
		if (reqs[i].key == NULL || !rate_ok(&reqs[i].rate))
			return NG_BUDGET_ERROR;
		ref[i].len = strnlen(reqs[i].key, NG_RELAY_BUDGET_KEY_MAX);
		if (ref[i].len == 0 || ref[i].len >= NG_RELAY_BUDGET_KEY_MAX)
			return NG_BUDGET_ERROR;
		ref[i].skip = reqs[i].rate.limit == 0;
		for (size_t k = 0; k < i && !ref[i].skip; k++)
			if (ref[k].len == ref[i].len &&
			    memcmp(reqs[k].key, reqs[i].key, ref[i].len) == 0)
				ref[i].skip = true;
		ref[i].hash = ng_siphash24(b->hkey, (const uint8_t *)reqs[i].key, ref[i].len);
		ref[i].e = NULL;
	}

	pthread_mutex_lock(&b->mu);
	if (now_ms < b->last_ms)
		now_ms = b->last_ms;
	b->last_ms = now_ms;
	enum ng_budget_status rc = NG_BUDGET_OK;
	/* check every key; the ones stored move to the front */
	for (size_t i = 0; i < nreqs; i++) {
		if (ref[i].skip)
			continue;
		const struct ng_budget_rate *r = &reqs[i].rate;
		struct entry *e = find(b, reqs[i].key, ref[i].len, ref[i].hash);
		ref[i].e = e;
		if (e != NULL)
			lru_front(b, e);
		uint32_t have = count_at(e, r, now_ms);
		if (rc == NG_BUDGET_OK && (uint64_t)have + n > r->limit) {
			rc = NG_BUDGET_OVER;
			over->index = i;
			over->count = have;
			over->limit = r->limit;
			over->never = n > r->limit;
			uint64_t ms = over->never || e == NULL || e->period_s != r->period_s
			                  ? (uint64_t)r->period_s * 1000
			                  : free_after(e, (uint32_t)(have + n - r->limit), now_ms);
			over->retry_s = (unsigned)((ms + 999) / 1000);
			if (over->retry_s == 0)
				over->retry_s = 1;
		}
	}
	if (rc == NG_BUDGET_OVER)
		b->st.over++;
	if (rc != NG_BUDGET_OK || !consume) {
		pthread_mutex_unlock(&b->mu);
		return rc;
	}
	/* make the missing keys (the only step that can fail), then count */
	for (size_t i = 0; i < nreqs; i++) {
		if (ref[i].skip || ref[i].e != NULL)
			continue;
		ref[i].e =
		    make(b, reqs[i].key, ref[i].len, ref[i].hash, reqs[i].rate.period_s, now_ms);
		if (ref[i].e == NULL) {
			pthread_mutex_unlock(&b->mu);
			return NG_BUDGET_ERROR;
		}
	}
	for (size_t i = 0; i < nreqs; i++) {
		struct entry *e = ref[i].e;
		if (ref[i].skip)
			continue;
		if (e->period_s != reqs[i].rate.period_s)
			reset(e, reqs[i].rate.period_s, now_ms);
		advance(e, now_ms / width_ms(e->period_s));
		e->slot[e->head % SLOTS] += n;
		e->total += n;
	}
	b->st.consumed++;
	pthread_mutex_unlock(&b->mu);
	return NG_BUDGET_OK;
}

enum ng_budget_status ng_budget_check(struct ng_budget *b, const struct ng_budget_req *reqs,
                                      size_t nreqs, unsigned n, uint64_t now_ms,
                                      struct ng_budget_over *over)
{
	return run(b, reqs, nreqs, n, now_ms, over, false);
}

enum ng_budget_status ng_budget_consume(struct ng_budget *b, const struct ng_budget_req *reqs,
                                        size_t nreqs, unsigned n, uint64_t now_ms,
                                        struct ng_budget_over *over)
{
	return run(b, reqs, nreqs, n, now_ms, over, true);
}

void ng_budget_stats(struct ng_budget *b, struct ng_budget_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	*st = b->st;
	st->keys = b->len;
	st->max_keys = b->cap;
	pthread_mutex_unlock(&b->mu);
}
