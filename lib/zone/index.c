/*
 * index.c - the listed networks in memory: a builder that takes entries in
 * any order and an immutable index of sorted arrays (zone.h).
 *
 * Memory is the point (a list of millions of IPv4 addresses must fit
 * beside everything else, twice during a reload): a /32 costs a uint32 key
 * and a uint8 mask in two parallel arrays, an IPv6 /64 a uint64 and a
 * uint8, with no per-entry pointer or padding.  Other prefixes are few (an
 * operator lists a /24 by hand) and live in small arrays of disjoint
 * ranges, flattened at build time so that a lookup finds at most one.  A
 * big IPv4 array also gets a table of where each /16 starts (256 KiB, only
 * past NG_ZONE_BUCKET_MIN entries), which turns the ~20 probes of a binary
 * search over cold memory into ~4; the /16 is then known from the table,
 * so such an array keeps only the low 16 bits of each address (2 bytes an
 * address instead of 4: half the memory to miss in).  The mask of the
 * address found is fetched while its /16 is searched: two trips to cold
 * memory a lookup instead of three.
 *
 * The builder keeps (key << 8 | mask) words for IPv4 and (key, mask) pairs
 * for IPv6, sorts them, ORs the masks of equal keys and copies them into
 * arrays of exactly the final size; its own arrays are freed before
 * ng_zone_builder_finish() returns.
 *
 * Thread-safety: a builder belongs to one thread; a finished index is
 * read-only and may be read from any number of threads.
 */
#include "zone/internal.h"

#include <stdlib.h>
#include <string.h>

#define NG_ZONE_BUCKET_MIN 4096 /* IPv4 entries before the /16 table pays */
#define BUILDER_INITIAL    1024

struct u128 {
	uint64_t hi, lo;
};

struct e6 {
	uint64_t key;
	unsigned mask;
};

struct range {
	struct u128 s, e; /* inclusive */
	unsigned mask;
};

struct ng_zone_builder {
	uint64_t *v4; /* ip << 8 | mask */
	size_t n4, cap4;
	struct e6 *v6;
	size_t n6, cap6;
	struct range *r4, *r6;
	size_t nr4, capr4, nr6, capr6;
	size_t total;
};

struct ng_zone_index {
	uint32_t serial;
	/* IPv4 /32: whole addresses in k4, or with a bucket table their low
	 * halves in k16 (the high half is the bucket's) */
	uint32_t *k4;
	uint16_t *k16;
	uint8_t *m4;
	size_t n4;
	uint32_t *bucket; /* 65537 entries, or NULL: first index of each /16 */
	/* IPv6 /64 */
	uint64_t *k6;
	uint8_t *m6;
	size_t n6;
	/* disjoint ranges */
	uint32_t *rs4, *re4;
	uint8_t *rm4;
	size_t nr4;
	struct u128 *rs6, *re6;
	uint8_t *rm6;
	size_t nr6;
	size_t bytes;
};

/* ----- 128-bit helpers ----- */

static struct u128 u128_of(const uint8_t a[16])
{
	struct u128 v = {0, 0};
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a[i];
		v.lo = v.lo << 8 | a[8 + i];
	}
	return v;
}

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* The last address of the prefix that starts at s (host bits zero). */
static struct u128 u128_last(struct u128 s, unsigned prefix)
{
	if (prefix >= 128)
		return s;
	if (prefix >= 64) {
		s.lo |= prefix == 64 ? ~0ull : (~0ull >> (prefix - 64));
		return s;
	}
	s.hi |= prefix == 0 ? ~0ull : (~0ull >> prefix);
	s.lo = ~0ull;
	return s;
}

/* ----- the builder ----- */

struct ng_zone_builder *ng_zone_builder_new(void)
{
	return calloc(1, sizeof(struct ng_zone_builder));
}

void ng_zone_builder_free(struct ng_zone_builder *b)
{
	if (b == NULL)
		return;
	free(b->v4);
	free(b->v6);
	free(b->r4);
	free(b->r6);
	free(b);
}

/* Make room for one more element of size `size` in *arr; 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap == 0 ? BUILDER_INITIAL : *cap * 2;
	if (ncap > SIZE_MAX / size)
		return -1;
	void *p = realloc(*arr, ncap * size);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Is the network well-formed: prefix in range, host bits zero? */
static bool net_valid(const struct ng_zone_net *net)
{
	unsigned bits = net->v6 ? 128 : 32;
	if (net->prefix > bits)
		return false;
	for (unsigned i = net->prefix; i < bits; i++)
		if (net->addr[i / 8] & (0x80u >> (i % 8)))
			return false;
	return true;
}

static bool is_mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, pfx, 12) == 0;
}

static int add_range(struct range **arr, size_t *n, size_t *cap, struct u128 s, unsigned prefix,
                     unsigned mask)
{
	if (grow((void **)arr, cap, *n, sizeof(**arr)) < 0)
		return NG_ZONE_ENOMEM;
	(*arr)[*n] = (struct range){s, u128_last(s, prefix), mask};
	(*n)++;
	return 0;
}

int ng_zone_builder_add(struct ng_zone_builder *b, const struct ng_zone_net *net, unsigned cats)
{
	if (!net_valid(net))
		return NG_ZONE_EINVAL;
	cats &= 0xffu;
	if (cats == 0)
		return 0;
	if (b->total >= NG_DNSBLD_ENTRIES_MAX)
		return NG_ZONE_EFULL;
	bool v6 = net->v6;
	unsigned prefix = net->prefix;
	uint8_t a[16];
	memcpy(a, net->addr, 16);
	if (v6 && prefix >= 96 && is_mapped(a)) {
		memmove(a, a + 12, 4);
		prefix -= 96;
		v6 = false;
	}
	int rc = 0;
	if (!v6) {
		uint32_t ip =
		    (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		if (prefix == 32) {
			if (grow((void **)&b->v4, &b->cap4, b->n4, sizeof(*b->v4)) < 0)
				return NG_ZONE_ENOMEM;
			b->v4[b->n4++] = (uint64_t)ip << 8 | cats;
		} else {
			/* 32-bit ranges in the low word, so that one sweep serves both */
			struct u128 s = {0, ip};
			rc = add_range(&b->r4, &b->nr4, &b->capr4, s, prefix + 96, cats);
		}
	} else {
		struct u128 s = u128_of(a);
		if (prefix == 64) {
			if (grow((void **)&b->v6, &b->cap6, b->n6, sizeof(*b->v6)) < 0)
				return NG_ZONE_ENOMEM;
			b->v6[b->n6++] = (struct e6){s.hi, cats};
		} else {
			rc = add_range(&b->r6, &b->nr6, &b->capr6, s, prefix, cats);
		}
	}
	if (rc == 0)
		b->total++;
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_e6(const void *a, const void *b)
{
	uint64_t x = ((const struct e6 *)a)->key, y = ((const struct e6 *)b)->key;
	return x < y ? -1 : x > y;
}

/* ----- flattening ranges: a sweep over start and end events ----- */

struct event {
	struct u128 pos;
	bool end; /* starts sort before ends at the same position */
	unsigned mask;
};

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int c = u128_cmp(x->pos, y->pos);
	if (c != 0)
		return c;
	return (int)x->end - (int)y->end;
}

static void emit(struct range *out, size_t *n, struct u128 s, struct u128 e, unsigned mask)
{
	if (mask == 0)
		return;
	if (*n > 0) {
		struct range *p = &out[*n - 1];
		struct u128 next = p->e;
		if (++next.lo == 0)
			next.hi++;
		if (p->mask == mask && u128_cmp(next, s) == 0) {
			p->e = e;
			return;
		}
	}
	out[(*n)++] = (struct range){s, e, mask};
}

/* Turn n possibly overlapping ranges into disjoint ones with OR-ed masks,
 * in place (never more than 2n - 1 of them: the array is grown first).
 * Returns the new count, or (size_t)-1 when out of memory. */
static size_t flatten(struct range **arr, size_t n)
{
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / (2 * sizeof(struct event)))
		return (size_t)-1;
	struct event *ev = malloc(2 * n * sizeof(*ev));
	struct range *out = malloc(2 * n * sizeof(*out));
	if (ev == NULL || out == NULL) {
		free(ev);
		free(out);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++) {
		ev[2 * i] = (struct event){(*arr)[i].s, false, (*arr)[i].mask};
		ev[2 * i + 1] = (struct event){(*arr)[i].e, true, (*arr)[i].mask};
	}
	qsort(ev, 2 * n, sizeof(*ev), cmp_event);
	unsigned count[8] = {0};
	unsigned active = 0;
	struct u128 seg = {0, 0};
	bool past_end = false; /* seg would be 2^128 */
	size_t m = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		struct u128 p = ev[i].pos;
		if (!ev[i].end) {
			if (!past_end && u128_cmp(seg, p) < 0) {
				struct u128 last = p;
				if (last.lo-- == 0)
					last.hi--;
				emit(out, &m, seg, last, active);
			}
			seg = p;
			past_end = false;
		} else {
			if (!past_end && u128_cmp(seg, p) <= 0)
				emit(out, &m, seg, p, active);
			seg = p;
			if (++seg.lo == 0 && ++seg.hi == 0)
				past_end = true;
		}
		for (unsigned bit = 0; bit < 8; bit++)
			if (ev[i].mask & (1u << bit))
				count[bit] += ev[i].end ? (unsigned)-1 : 1u;
		active = 0;
		for (unsigned bit = 0; bit < 8; bit++)
			if (count[bit] != 0)
				active |= 1u << bit;
	}
	free(ev);
	free(*arr);
	*arr = out;
	return m;
}

/* ----- finishing ----- */

static void *xalloc(struct ng_zone_index *ix, size_t n, size_t size, bool *fail)
{
	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size) {
		*fail = true;
		return NULL;
	}
	void *p = malloc(n * size);
	if (p == NULL)
		*fail = true;
	else
		ix->bytes += n * size;
	return p;
}

static bool finish_v4(struct ng_zone_builder *b, struct ng_zone_index *ix)
{
	bool fail = false;
	if (b->n4 > 1)
		qsort(b->v4, b->n4, sizeof(*b->v4), cmp_u64);
	size_t m = 0;
	for (size_t i = 0; i < b->n4; i++) {
		if (m > 0 && b->v4[m - 1] >> 8 == b->v4[i] >> 8)
			b->v4[m - 1] |= b->v4[i] & 0xffu;
		else
			b->v4[m++] = b->v4[i];
	}
	bool bucketed = m >= NG_ZONE_BUCKET_MIN;
	if (bucketed) {
		ix->k16 = xalloc(ix, m, sizeof(*ix->k16), &fail);
		ix->bucket = xalloc(ix, 65537, sizeof(*ix->bucket), &fail);
	} else {
		ix->k4 = xalloc(ix, m, sizeof(*ix->k4), &fail);
	}
	ix->m4 = xalloc(ix, m, sizeof(*ix->m4), &fail);
	if (fail)
		return false;
	for (size_t i = 0; i < m; i++) {
		uint32_t ip = (uint32_t)(b->v4[i] >> 8);
		if (bucketed)
			ix->k16[i] = (uint16_t)ip;
		else
			ix->k4[i] = ip;
		ix->m4[i] = (uint8_t)b->v4[i];
	}
	if (bucketed) {
		size_t j = 0;
		for (uint32_t h = 0; h <= 65536; h++) {
			while (j < m && (b->v4[j] >> 24) < h)
				j++;
			ix->bucket[h] = (uint32_t)j;
		}
	}
	ix->n4 = m;
	free(b->v4);
	b->v4 = NULL;
	return true;
}

static bool finish_v6(struct ng_zone_builder *b, struct ng_zone_index *ix)
{
	bool fail = false;
	if (b->n6 > 1)
		qsort(b->v6, b->n6, sizeof(*b->v6), cmp_e6);
	size_t m = 0;
	for (size_t i = 0; i < b->n6; i++) {
		if (m > 0 && b->v6[m - 1].key == b->v6[i].key)
			b->v6[m - 1].mask |= b->v6[i].mask;
		else
			b->v6[m++] = b->v6[i];
	}
	ix->k6 = xalloc(ix, m, sizeof(*ix->k6), &fail);
	ix->m6 = xalloc(ix, m, sizeof(*ix->m6), &fail);
	if (fail)
		return false;
	for (size_t i = 0; i < m; i++) {
		ix->k6[i] = b->v6[i].key;
		ix->m6[i] = (uint8_t)b->v6[i].mask;
	}
	ix->n6 = m;
	free(b->v6);
	b->v6 = NULL;
	return true;
}

static bool finish_ranges(struct ng_zone_builder *b, struct ng_zone_index *ix)
{
	bool fail = false;
	size_t m4 = flatten(&b->r4, b->nr4);
	size_t m6 = flatten(&b->r6, b->nr6);
	if (m4 == (size_t)-1 || m6 == (size_t)-1)
		return false;
	ix->rs4 = xalloc(ix, m4, sizeof(*ix->rs4), &fail);
	ix->re4 = xalloc(ix, m4, sizeof(*ix->re4), &fail);
	ix->rm4 = xalloc(ix, m4, sizeof(*ix->rm4), &fail);
	ix->rs6 = xalloc(ix, m6, sizeof(*ix->rs6), &fail);
	ix->re6 = xalloc(ix, m6, sizeof(*ix->re6), &fail);
	ix->rm6 = xalloc(ix, m6, sizeof(*ix->rm6), &fail);
	if (fail)
		return false;
	for (size_t i = 0; i < m4; i++) {
		ix->rs4[i] = (uint32_t)b->r4[i].s.lo;
		ix->re4[i] = (uint32_t)b->r4[i].e.lo;
		ix->rm4[i] = (uint8_t)b->r4[i].mask;
	}
	for (size_t i = 0; i < m6; i++) {
		ix->rs6[i] = b->r6[i].s;
		ix->re6[i] = b->r6[i].e;
		ix->rm6[i] = (uint8_t)b->r6[i].mask;
	}
	ix->nr4 = m4;
	ix->nr6 = m6;
	return true;
}

struct ng_zone_index *ng_zone_builder_finish(struct ng_zone_builder *b, uint32_t serial)
{
	struct ng_zone_index *ix = calloc(1, sizeof(*ix));
	if (ix != NULL) {
		ix->serial = serial;
		ix->bytes = sizeof(*ix);
		if (!finish_v4(b, ix) || !finish_v6(b, ix) || !finish_ranges(b, ix)) {
			ng_zone_index_free(ix);
			ix = NULL;
		}
	}
	ng_zone_builder_free(b);
	return ix;
}

void ng_zone_index_free(struct ng_zone_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->k4);
	free(ix->k16);
	free(ix->m4);
	free(ix->bucket);
	free(ix->k6);
	free(ix->m6);
	free(ix->rs4);
	free(ix->re4);
	free(ix->rm4);
	free(ix->rs6);
	free(ix->re6);
	free(ix->rm6);
	free(ix);
}

/* ----- lookups ----- */

/* First index in [lo, hi) of k with k[i] >= key: one binary search per key
 * width (the /16-bucketed low halves, IPv4 addresses, IPv6 /64s). */
#define LOWER_BOUND(name, T)                                                                       \
	static size_t name(const T *k, size_t lo, size_t hi, T key)                                \
	{                                                                                          \
		while (lo < hi) {                                                                  \
			size_t mid = lo + (hi - lo) / 2;                                           \
			if (k[mid] < key)                                                          \
				lo = mid + 1;                                                      \
			else                                                                       \
				hi = mid;                                                          \
		}                                                                                  \
		return lo;                                                                         \
	}
LOWER_BOUND(lower16, uint16_t)
LOWER_BOUND(lower32, uint32_t)
LOWER_BOUND(lower64, uint64_t)

/* The global lower bound of ip in the IPv4 keys; *found: ip is there. */
static size_t lower4(const struct ng_zone_index *ix, uint32_t ip, bool *found)
{
	if (ix->bucket == NULL) {
		size_t i = lower32(ix->k4, 0, ix->n4, ip);
		*found = i < ix->n4 && ix->k4[i] == ip;
		return i;
	}
	size_t lo = ix->bucket[ip >> 16], hi = ix->bucket[(ip >> 16) + 1];
	/* the mask, if any, is in m4[lo, hi): on its way while k16 is searched */
	__builtin_prefetch(ix->m4 + lo);
	size_t i = lower16(ix->k16, lo, hi, (uint16_t)ip);
	*found = i < hi && ix->k16[i] == (uint16_t)ip;
	return i;
}

/* The last range whose start is <= ip, or n when none. */
static size_t range4(const struct ng_zone_index *ix, uint32_t ip)
{
	size_t i = ix->nr4 == 0 ? 0 : lower32(ix->rs4, 0, ix->nr4, ip);
	if (i < ix->nr4 && ix->rs4[i] == ip)
		return i;
	return i == 0 ? ix->nr4 : i - 1;
}

static size_t range6(const struct ng_zone_index *ix, struct u128 a)
{
	size_t lo = 0, hi = ix->nr6;
	while (lo < hi) { /* first start > a */
		size_t mid = lo + (hi - lo) / 2;
		if (u128_cmp(ix->rs6[mid], a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? ix->nr6 : lo - 1;
}

unsigned ng_zone_index_lookup4(const struct ng_zone_index *ix, uint32_t ip)
{
	if (ix == NULL)
		return 0;
	unsigned mask = 0;
	if (ix->n4 > 0) {
		bool found;
		size_t i = lower4(ix, ip, &found);
		if (found)
			mask = ix->m4[i];
	}
	size_t r = range4(ix, ip);
	if (r < ix->nr4 && ip <= ix->re4[r])
		mask |= ix->rm4[r];
	return mask;
}

unsigned ng_zone_index_lookup6(const struct ng_zone_index *ix, const uint8_t ip[16])
{
	if (ix == NULL)
		return 0;
	struct u128 a = u128_of(ip);
	unsigned mask = 0;
	size_t i = lower64(ix->k6, 0, ix->n6, a.hi);
	if (i < ix->n6 && ix->k6[i] == a.hi)
		mask = ix->m6[i];
	size_t r = range6(ix, a);
	if (r < ix->nr6 && u128_cmp(a, ix->re6[r]) <= 0)
		mask |= ix->rm6[r];
	return mask;
}

bool ng_zone_index_any4(const struct ng_zone_index *ix, uint32_t lo, uint32_t hi)
{
	if (ix == NULL || lo > hi)
		return false;
	if (ix->n4 > 0) {
		/* some key in [lo, hi]: fewer keys below lo than up to hi */
		bool found;
		size_t below = lower4(ix, lo, &found);
		size_t upto = hi == UINT32_MAX ? ix->n4 : lower4(ix, hi + 1, &found);
		if (upto > below)
			return true;
	}
	/* ranges are disjoint and sorted: the last one starting <= hi has the
	 * greatest end of all that start <= hi */
	size_t r = range4(ix, hi);
	return r < ix->nr4 && ix->re4[r] >= lo;
}

bool ng_zone_index_any6(const struct ng_zone_index *ix, const uint8_t lo[16], const uint8_t hi[16])
{
	if (ix == NULL)
		return false;
	struct u128 l = u128_of(lo), h = u128_of(hi);
	if (u128_cmp(l, h) > 0)
		return false;
	size_t i = lower64(ix->k6, 0, ix->n6, l.hi);
	if (i < ix->n6 && ix->k6[i] <= h.hi)
		return true;
	size_t r = range6(ix, h);
	return r < ix->nr6 && u128_cmp(ix->re6[r], l) >= 0;
}

void ng_zone_index_stats(const struct ng_zone_index *ix, struct ng_zone_index_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ix == NULL)
		return;
	st->v4 = ix->n4;
	st->v6 = ix->n6;
	st->ranges4 = ix->nr4;
	st->ranges6 = ix->nr6;
	st->bytes = ix->bytes;
	st->serial = ix->serial;
}

uint32_t zone_index_serial(const struct ng_zone_index *ix)
{
	return ix != NULL ? ix->serial : 0;
}

static bool same(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

bool ng_zone_index_equal(const struct ng_zone_index *a, const struct ng_zone_index *b)
{
	static const struct ng_zone_index empty;
	if (a == NULL)
		a = &empty;
	if (b == NULL)
		b = &empty;
	if (a->n4 != b->n4 || a->n6 != b->n6 || a->nr4 != b->nr4 || a->nr6 != b->nr6)
		return false;
	if ((a->bucket == NULL) != (b->bucket == NULL) ||
	    !same(a->k4, b->k4, a->k4 != NULL ? a->n4 * sizeof(*a->k4) : 0) ||
	    !same(a->k16, b->k16, a->k16 != NULL ? a->n4 * sizeof(*a->k16) : 0) ||
	    !same(a->bucket, b->bucket, a->bucket != NULL ? 65537 * sizeof(*a->bucket) : 0) ||
	    !same(a->m4, b->m4, a->n4) || !same(a->k6, b->k6, a->n6 * sizeof(*a->k6)) ||
	    !same(a->m6, b->m6, a->n6))
		return false;
	if (!same(a->rs4, b->rs4, a->nr4 * sizeof(*a->rs4)) ||
	    !same(a->re4, b->re4, a->nr4 * sizeof(*a->re4)) || !same(a->rm4, b->rm4, a->nr4))
		return false;
	for (size_t i = 0; i < a->nr6; i++)
		if (u128_cmp(a->rs6[i], b->rs6[i]) != 0 || u128_cmp(a->re6[i], b->re6[i]) != 0 ||
		    a->rm6[i] != b->rm6[i])
			return false;
	return true;
}
