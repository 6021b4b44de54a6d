/*
 * dnsbl.c - DNSBL lookups on several zones, the cache in front of them,
 * and the RFC 5782 self-test with its circuit breaker (dnsbl.h).
 *
 * One lookup of a client address becomes, per zone, a cache hit, SKIPPED,
 * or a wait on a zone query (struct zq): the A query, then the TXT query
 * when the A answer lists.  Zone queries in flight sit in a small hash
 * table keyed like the cache, so concurrent lookups of the same address
 * share one DNS query: each lookup hangs a `slot` on the zone query's
 * waiter list, and the answer is copied into every waiter.
 *
 * Re-entrancy.  A done callback may start lookups, cancel other lookups
 * (even ones waiting on the zone query being delivered) and run the
 * self-test; it may not free the ng_dnsbl nor cancel its own lookup.  To
 * allow that, a zone query leaves the in-flight table before it delivers
 * (a new lookup then finds the cache or starts a fresh query), is marked
 * `finishing` so that a cancel does not free it under the delivery loop,
 * and pops its waiters one at a time.
 *
 * Counting: `lookups` per ng_dnsbl_lookup() call, `queries` per DNS query
 * sent (A, TXT, self-test), the per-status counters per zone result handed
 * to a caller (cached ones included), `cache_hits` per zone result from
 * the cache.
 */
#include "ndrguard/dnsbl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dnsbl/internal.h"

#define ADDR_TEXT_MAX 64

struct ng_dnsbl;
struct zq;

/* One self-test query: 127.0.0.2 (which 0) or 127.0.0.1 (which 1). */
struct probe {
	struct ng_dnsbl *bl;
	size_t zone;
	struct ng_dns_query *dq;
	bool done;
	enum ng_dnsbl_status status;
	enum ng_dns_rcode rcode;
};

struct zone {
	struct ng_dnsbl_zone_spec spec;
	bool skipped;
	bool st_running;
	time_t st_started;
	struct probe probes[2];
	enum ng_dnsbl_selftest_result st_last;
	enum ng_dnsbl_status st_2, st_1;
	time_t st_time;
};

struct slot {
	struct ng_dnsbl_query *q;
	struct zq *zq; /* NULL when not waiting */
	struct slot *prev, *next;
	size_t zone;
};

struct ng_dnsbl_query {
	struct ng_dnsbl *bl;
	struct ng_dnsbl_query *prev, *next; /* every lookup in flight */
	ng_dnsbl_done_fn *done;
	void *arg;
	size_t waiting;
	struct slot slots[NG_DNSBL_ZONES_MAX];
	struct ng_dnsbl_result res;
};

struct zq {
	struct zq *hnext;
	uint64_t hash;
	struct ng_dnsbl *bl;
	size_t zone;
	struct ng_dnsbl_addr addr;
	char qname[NG_DNS_NAME_MAX];
	struct ng_dns_query *dq;
	bool finishing;
	uint32_t ttl; /* clamped */
	struct ng_dnsbl_zone_result r;
	struct slot *waiters;
};

struct ng_dnsbl {
	struct zone zones[NG_DNSBL_ZONES_MAX];
	size_t nzones;
	struct ng_dnsbl_cache *cache;
	uint32_t min_ttl, max_ttl, negative_ttl, selftest_interval;
	struct ng_dns_resolver *res;
	const struct ng_log *log;
	time_t (*now)(void *arg);
	void *now_arg;
	uint8_t key[16];
	struct zq *inflight[NG_DNSBL_INFLIGHT_BUCKETS];
	struct ng_dnsbl_query *queries;
	struct ng_dnsbl_stats st;
};

static const char *const selftest_names[] = {"none", "pass", "fail", "unknown"};

const char *ng_dnsbl_selftest_name(enum ng_dnsbl_selftest_result r)
{
	if ((unsigned)r >= sizeof(selftest_names) / sizeof(selftest_names[0]))
		return "unknown";
	return selftest_names[r];
}

static time_t now(const struct ng_dnsbl *bl)
{
	return bl->now != NULL ? bl->now(bl->now_arg) : time(NULL);
}

static uint32_t clamp_ttl(const struct ng_dnsbl *bl, uint32_t ttl)
{
	if (ttl < bl->min_ttl)
		return bl->min_ttl;
	if (ttl > bl->max_ttl)
		return bl->max_ttl;
	return ttl;
}

static void count(struct ng_dnsbl *bl, enum ng_dnsbl_status s)
{
	switch (s) {
	case NG_DNSBL_LISTED:
		bl->st.listed++;
		break;
	case NG_DNSBL_NOT_LISTED:
		bl->st.not_listed++;
		break;
	case NG_DNSBL_UNUSABLE:
		bl->st.unusable++;
		break;
	case NG_DNSBL_SKIPPED:
		bl->st.skipped++;
		break;
	default:
		bl->st.unknown++;
		break;
	}
}

static void format_codes(const uint32_t *codes, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o < cap; i++) {
		int k = snprintf(out + o, cap - o, "%s%u.%u.%u.%u", i ? "," : "", codes[i] >> 24,
		                 (codes[i] >> 16) & 255, (codes[i] >> 8) & 255, codes[i] & 255);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

/* ---- self-test ---- */

static void selftest_finish(struct ng_dnsbl *bl, size_t i)
{
	struct zone *z = &bl->zones[i];
	struct probe *p2 = &z->probes[0], *p1 = &z->probes[1];

	z->st_running = false;
	z->st_time = now(bl);
	z->st_2 = p2->status;
	z->st_1 = p1->status;
	if (p2->status == NG_DNSBL_UNKNOWN || p1->status == NG_DNSBL_UNKNOWN) {
		z->st_last = NG_DNSBL_SELFTEST_UNKNOWN;
		bl->st.selftest_unknown++;
		ng_log(bl->log, NG_LOG_WARN,
		       "dnsbl: %s: self-test could not complete (127.0.0.2: %s, 127.0.0.1: %s); "
		       "zone stays %s",
		       z->spec.name, ng_dns_rcode_name(p2->rcode), ng_dns_rcode_name(p1->rcode),
		       z->skipped ? "skipped" : "active");
		return;
	}
	if (p2->status == NG_DNSBL_LISTED && p1->status == NG_DNSBL_NOT_LISTED) {
		z->st_last = NG_DNSBL_SELFTEST_PASS;
		if (z->skipped) {
			z->skipped = false;
			bl->st.selftest_restores++;
			ng_log(bl->log, NG_LOG_INFO, "dnsbl: %s: self-test passed; zone restored",
			       z->spec.name);
		}
		return;
	}
	z->st_last = NG_DNSBL_SELFTEST_FAIL;
	bl->st.selftest_failures++;
	if (z->skipped) {
		ng_log(bl->log, NG_LOG_DEBUG, "dnsbl: %s: self-test still fails", z->spec.name);
		return;
	}
	z->skipped = true;
	ng_dnsbl_cache_flush_zone(bl->cache, i);
	ng_log(bl->log, NG_LOG_WARN,
	       "dnsbl: %s: self-test failed (127.0.0.2: %s, want listed; 127.0.0.1: %s, want "
	       "not-listed); zone skipped until it passes",
	       z->spec.name, ng_dnsbl_status_name(p2->status), ng_dnsbl_status_name(p1->status));
}

static void on_probe(void *arg, const struct ng_dns_answer *ans)
{
	struct probe *p = arg;
	struct ng_dnsbl *bl = p->bl;
	struct zone *z = &bl->zones[p->zone];

	p->dq = NULL;
	p->done = true;
	p->rcode = ans->rcode;
	p->status = ng_dnsbl_classify(&z->spec.codes, ans);
	if (z->probes[0].done && z->probes[1].done)
		selftest_finish(bl, p->zone);
}

static void selftest_start(struct ng_dnsbl *bl, size_t i, time_t t)
{
	static const char *const test_ip[2] = {"127.0.0.2", "127.0.0.1"};
	struct zone *z = &bl->zones[i];

	if (z->st_running)
		return;
	z->st_running = true;
	z->st_started = t;
	for (int k = 0; k < 2; k++) {
		struct probe *p = &z->probes[k];
		char qname[NG_DNS_NAME_MAX];
		p->bl = bl;
		p->zone = i;
		p->done = false;
		p->dq = NULL;
		if (ng_dnsbl_qname(test_ip[k], z->spec.name, qname, sizeof(qname)) == 0)
			p->dq = ng_dns_query(bl->res, qname, NG_DNS_A, on_probe, p);
		if (p->dq == NULL) { /* out of memory: this run cannot complete */
			p->done = true;
			p->status = NG_DNSBL_UNKNOWN;
			p->rcode = NG_DNS_ERROR;
		} else {
			bl->st.queries++;
		}
	}
	if (z->probes[0].done && z->probes[1].done)
		selftest_finish(bl, i);
}

void ng_dnsbl_selftest(struct ng_dnsbl *bl)
{
	time_t t = now(bl);
	for (size_t i = 0; i < bl->nzones; i++)
		selftest_start(bl, i, t);
}

static void selftest_due(struct ng_dnsbl *bl, time_t t)
{
	if (bl->selftest_interval == 0)
		return;
	for (size_t i = 0; i < bl->nzones; i++) {
		struct zone *z = &bl->zones[i];
		if (!z->st_running &&
		    (t < z->st_started || t - z->st_started >= (time_t)bl->selftest_interval))
			selftest_start(bl, i, t);
	}
}

/* ---- zone queries ---- */

static struct zq **inflight_bucket(struct ng_dnsbl *bl, uint64_t h)
{
	return &bl->inflight[h % NG_DNSBL_INFLIGHT_BUCKETS];
}

static void inflight_remove(struct ng_dnsbl *bl, struct zq *zq)
{
	struct zq **pp = inflight_bucket(bl, zq->hash);
	while (*pp != NULL && *pp != zq)
		pp = &(*pp)->hnext;
	if (*pp == zq)
		*pp = zq->hnext;
	zq->hnext = NULL;
}

static void slot_detach(struct slot *s)
{
	struct zq *zq = s->zq;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		zq->waiters = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	s->zq = NULL;
}

static void query_unlink(struct ng_dnsbl *bl, struct ng_dnsbl_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		bl->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
}

/* The zone query has its verdict: cache it, hand it to every waiter. */
static void zq_finish(struct zq *zq)
{
	struct ng_dnsbl *bl = zq->bl;

	inflight_remove(bl, zq);
	zq->finishing = true;
	if (bl->cache != NULL && zq->r.status != NG_DNSBL_UNKNOWN && zq->ttl > 0) {
		struct ng_dnsbl_cache_val v = {
		    .status = zq->r.status, .ncodes = zq->r.ncodes, .txt = zq->r.txt};
		memcpy(v.codes, zq->r.codes, sizeof(v.codes));
		if (ng_dnsbl_cache_put(bl->cache, zq->zone, &zq->addr, &v,
		                       now(bl) + (time_t)zq->ttl) != 0)
			ng_log(bl->log, NG_LOG_ERROR, "dnsbl: cache: out of memory");
	}
	while (zq->waiters != NULL) {
		struct slot *s = zq->waiters;
		struct ng_dnsbl_query *q = s->q;
		slot_detach(s);
		q->res.zones[s->zone] = zq->r;
		count(bl, zq->r.status);
		if (--q->waiting == 0) {
			query_unlink(bl, q);
			q->done(q->arg, &q->res);
			free(q);
		}
	}
	free(zq);
}

static void on_txt(void *arg, const struct ng_dns_answer *ans)
{
	struct zq *zq = arg;
	zq->dq = NULL;
	if (ans->rcode == NG_DNS_OK) {
		size_t n =
		    ans->txt_len < NG_DNSBL_TXT_MAX - 1 ? ans->txt_len : NG_DNSBL_TXT_MAX - 1;
		memcpy(zq->r.txt, ans->txt, n);
		zq->r.txt[n] = '\0';
		if (ans->has_ttl && clamp_ttl(zq->bl, ans->ttl) < zq->ttl)
			zq->ttl = clamp_ttl(zq->bl, ans->ttl);
	} else if (ans->rcode != NG_DNS_NXDOMAIN && ans->rcode != NG_DNS_NODATA) {
		/* The reason could not be fetched: keep the listing, but not
		 * for long without its text. */
		zq->ttl = clamp_ttl(zq->bl, 0);
	}
	zq_finish(zq);
}

static void on_a(void *arg, const struct ng_dns_answer *ans)
{
	struct zq *zq = arg;
	struct ng_dnsbl *bl = zq->bl;
	struct zone *z = &bl->zones[zq->zone];
	enum ng_dnsbl_status s = ng_dnsbl_classify(&z->spec.codes, ans);

	zq->dq = NULL;
	zq->r.status = s;
	zq->r.ncodes = 0;
	if (ans->rcode == NG_DNS_OK)
		for (size_t i = 0; i < ans->naddrs && zq->r.ncodes < NG_DNSBL_CODES_MAX; i++)
			zq->r.codes[zq->r.ncodes++] = ans->addrs[i];
	if (s == NG_DNSBL_NOT_LISTED)
		zq->ttl = clamp_ttl(bl, ans->has_ttl ? ans->ttl : bl->negative_ttl);
	else
		zq->ttl = clamp_ttl(bl, ans->has_ttl ? ans->ttl : 0);
	if (s == NG_DNSBL_UNUSABLE) {
		char ip[ADDR_TEXT_MAX], codes[NG_DNSBL_CODES_MAX * 16];
		ng_dnsbl_addr_format(&zq->addr, ip, sizeof(ip));
		format_codes(zq->r.codes, zq->r.ncodes, codes, sizeof(codes));
		ng_log(bl->log, NG_LOG_WARN,
		       "dnsbl: %s: unusable answer %s for %s: an error code or not one of the "
		       "zone's codes%s%s; not a listing",
		       z->spec.name, codes, ip, z->spec.codes_text[0] ? " " : "",
		       z->spec.codes_text);
	}
	if (s == NG_DNSBL_LISTED) {
		zq->dq = ng_dns_query(bl->res, zq->qname, NG_DNS_TXT, on_txt, zq);
		if (zq->dq != NULL) {
			bl->st.queries++;
			return;
		}
	}
	zq_finish(zq);
}

static struct zq *zq_find(struct ng_dnsbl *bl, uint64_t h, size_t zone,
                          const struct ng_dnsbl_addr *a)
{
	for (struct zq *zq = *inflight_bucket(bl, h); zq != NULL; zq = zq->hnext)
		if (zq->hash == h && zq->zone == zone && memcmp(&zq->addr, a, sizeof(*a)) == 0)
			return zq;
	return NULL;
}

static struct zq *zq_start(struct ng_dnsbl *bl, uint64_t h, size_t zone,
                           const struct ng_dnsbl_addr *a)
{
	struct zq *zq = calloc(1, sizeof(*zq));
	if (zq == NULL)
		return NULL;
	zq->bl = bl;
	zq->hash = h;
	zq->zone = zone;
	zq->addr = *a;
	zq->r.zone = bl->zones[zone].spec.name;
	if (ng_dnsbl_addr_qname(a, bl->zones[zone].spec.name, zq->qname, sizeof(zq->qname)) != 0 ||
	    (zq->dq = ng_dns_query(bl->res, zq->qname, NG_DNS_A, on_a, zq)) == NULL) {
		free(zq);
		return NULL;
	}
	bl->st.queries++;
	struct zq **b = inflight_bucket(bl, h);
	zq->hnext = *b;
	*b = zq;
	return zq;
}

/* Forget a waiter; a zone query nobody waits for any more is cancelled. */
static void slot_cancel(struct ng_dnsbl *bl, struct slot *s)
{
	struct zq *zq = s->zq;
	if (zq == NULL)
		return;
	slot_detach(s);
	if (zq->waiters == NULL && !zq->finishing) {
		ng_dns_cancel(bl->res, zq->dq);
		inflight_remove(bl, zq);
		free(zq);
	}
}

void ng_dnsbl_cancel(struct ng_dnsbl_query *q)
{
	if (q == NULL)
		return;
	struct ng_dnsbl *bl = q->bl;
	for (size_t i = 0; i < NG_DNSBL_ZONES_MAX; i++)
		slot_cancel(bl, &q->slots[i]);
	query_unlink(bl, q);
	free(q);
}

int ng_dnsbl_lookup(struct ng_dnsbl *bl, const char *ip, ng_dnsbl_done_fn *done, void *arg,
                    struct ng_dnsbl_query **qp)
{
	struct ng_dnsbl_addr a;
	struct ng_dnsbl_result res;
	bool need[NG_DNSBL_ZONES_MAX] = {false};
	size_t nneed = 0;

	if (qp != NULL)
		*qp = NULL;
	if (ng_dnsbl_addr_parse(ip, &a) != 0)
		return -1;
	time_t t = now(bl);
	selftest_due(bl, t);
	bl->st.lookups++;
	memset(&res, 0, sizeof(res));
	res.nzones = bl->nzones;
	for (size_t i = 0; i < bl->nzones; i++) {
		struct ng_dnsbl_zone_result *zr = &res.zones[i];
		const struct ng_dnsbl_cache_val *v;
		zr->zone = bl->zones[i].spec.name;
		if (bl->zones[i].skipped) {
			zr->status = NG_DNSBL_SKIPPED;
		} else if (bl->cache != NULL &&
		           (v = ng_dnsbl_cache_get(bl->cache, i, &a, t)) != NULL) {
			zr->status = v->status;
			zr->ncodes = v->ncodes;
			memcpy(zr->codes, v->codes, sizeof(zr->codes));
			snprintf(zr->txt, sizeof(zr->txt), "%s", v->txt);
			zr->cached = true;
			bl->st.cache_hits++;
		} else {
			need[i] = true;
			nneed++;
			continue;
		}
	}
	if (nneed == 0) {
		for (size_t i = 0; i < res.nzones; i++)
			count(bl, res.zones[i].status);
		done(arg, &res);
		return 0;
	}

	struct ng_dnsbl_query *q = malloc(sizeof(*q));
	if (q == NULL)
		return -1;
	memset(q, 0, offsetof(struct ng_dnsbl_query, res));
	q->res = res;
	q->bl = bl;
	q->done = done;
	q->arg = arg;
	q->next = bl->queries;
	if (bl->queries != NULL)
		bl->queries->prev = q;
	bl->queries = q;
	for (size_t i = 0; i < bl->nzones; i++) {
		if (!need[i])
			continue;
		uint64_t h = ng_dnsbl_key_hash(bl->key, i, &a);
		struct zq *zq = zq_find(bl, h, i, &a);
		if (zq == NULL && (zq = zq_start(bl, h, i, &a)) == NULL) {
			ng_dnsbl_cancel(q); /* out of memory: undo */
			return -1;
		}
		struct slot *s = &q->slots[i];
		s->q = q;
		s->zone = i;
		s->zq = zq;
		s->prev = NULL;
		s->next = zq->waiters;
		if (zq->waiters != NULL)
			zq->waiters->prev = s;
		zq->waiters = s;
		q->waiting++;
	}
	/* Results that did not need DNS are counted now. */
	for (size_t i = 0; i < bl->nzones; i++)
		if (!need[i])
			count(bl, res.zones[i].status);
	if (qp != NULL)
		*qp = q;
	return 0;
}

/* ---- the object ---- */

static void make_key(struct ng_dnsbl *bl)
{
	if (getrandom(bl->key, sizeof(bl->key), GRND_NONBLOCK) == (ssize_t)sizeof(bl->key))
		return;
	/* No entropy yet (early boot): still unpredictable enough from outside
	 * for bucket placement, and results never depend on it. */
	uint64_t x = (uint64_t)(uintptr_t)bl ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < sizeof(bl->key); i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdULL;
		bl->key[i] = (uint8_t)(x >> 56);
	}
}

struct ng_dnsbl *ng_dnsbl_new(const struct ng_dnsbl_opts *opts, char *err, size_t errlen)
{
	if (opts->nzones > NG_DNSBL_ZONES_MAX) {
		snprintf(err, errlen, "too many dnsbl zones: %zu (at most %d)", opts->nzones,
		         NG_DNSBL_ZONES_MAX);
		return NULL;
	}
	if (opts->nzones > 0 && opts->resolver == NULL) {
		snprintf(err, errlen, "dnsbl: no resolver");
		return NULL;
	}
	if (opts->min_ttl > opts->max_ttl) {
		snprintf(err, errlen, "dnsbl: cache min TTL %u is above max TTL %u", opts->min_ttl,
		         opts->max_ttl);
		return NULL;
	}
	if (opts->cache_size > NG_DNSBL_CACHE_MAX) {
		snprintf(err, errlen, "dnsbl: cache size %zu above %u", opts->cache_size,
		         (unsigned)NG_DNSBL_CACHE_MAX);
		return NULL;
	}
	struct ng_dnsbl *bl = calloc(1, sizeof(*bl));
	if (bl == NULL)
		goto nomem;
	for (size_t i = 0; i < opts->nzones; i++) {
		if (ng_dnsbl_spec_parse(opts->zones[i], &bl->zones[i].spec, err, errlen) != 0) {
			free(bl);
			return NULL;
		}
	}
	bl->nzones = opts->nzones;
	bl->min_ttl = opts->min_ttl;
	bl->max_ttl = opts->max_ttl;
	bl->negative_ttl = opts->negative_ttl;
	bl->selftest_interval = opts->selftest_interval;
	bl->res = opts->resolver;
	bl->log = opts->log;
	bl->now = opts->now;
	bl->now_arg = opts->now_arg;
	make_key(bl);
	if (opts->cache_size > 0 &&
	    (bl->cache = ng_dnsbl_cache_new(opts->cache_size, bl->key)) == NULL) {
		free(bl);
		goto nomem;
	}
	ng_dnsbl_selftest(bl);
	return bl;
nomem:
	snprintf(err, errlen, "dnsbl: out of memory");
	return NULL;
}

void ng_dnsbl_free(struct ng_dnsbl *bl)
{
	if (bl == NULL)
		return;
	for (size_t i = 0; i < bl->nzones; i++)
		for (int k = 0; k < 2; k++)
			if (!bl->zones[i].probes[k].done && bl->zones[i].probes[k].dq != NULL)
				ng_dns_cancel(bl->res, bl->zones[i].probes[k].dq);
	while (bl->queries != NULL)
		ng_dnsbl_cancel(bl->queries); /* cancels the zone queries too */
	ng_dnsbl_cache_free(bl->cache);
	free(bl);
}

void ng_dnsbl_stats(const struct ng_dnsbl *bl, struct ng_dnsbl_stats *out)
{
	*out = bl->st;
	out->zones_skipped_now = 0;
	for (size_t i = 0; i < bl->nzones; i++)
		out->zones_skipped_now += bl->zones[i].skipped;
	out->cache_entries = ng_dnsbl_cache_len(bl->cache);
}

size_t ng_dnsbl_nzones(const struct ng_dnsbl *bl)
{
	return bl->nzones;
}

int ng_dnsbl_zone_info(const struct ng_dnsbl *bl, size_t i, struct ng_dnsbl_zone_info *out)
{
	if (i >= bl->nzones)
		return -1;
	const struct zone *z = &bl->zones[i];
	out->zone = z->spec.name;
	out->codes = z->spec.codes_text;
	out->skipped = z->skipped;
	out->selftest_running = z->st_running;
	out->selftest = z->st_last;
	out->selftest_2 = z->st_2;
	out->selftest_1 = z->st_1;
	out->selftest_time = z->st_time;
	return 0;
}

size_t ng_dnsbl_selftest_pending(const struct ng_dnsbl *bl)
{
	size_t n = 0;
	for (size_t i = 0; i < bl->nzones; i++)
		n += bl->zones[i].st_running;
	return n;
}
