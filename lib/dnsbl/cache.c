/*
 * cache.c - the DNSBL answer cache: (zone, client address) -> verdict.
 *
 * A chained hash table with a power-of-two number of buckets (at least the
 * capacity, so chains stay short) and one doubly linked LRU list.  A hit
 * moves the entry to the front; an insert into a full cache reuses the
 * entry at the back.  Expiry is lazy: an expired entry is dropped when it
 * is found, or evicted in LRU order.
 *
 * The client addresses come from the network, and an attacker with an IPv6
 * /64 picks as many as he likes: the bucket is chosen by SipHash-2-4 under
 * a key the creator draws at random (ng_dnsbl_new()), so nobody can aim a
 * pile of addresses at one bucket.  The key changes placement only, never
 * a result, so tests stay deterministic.
 *
 * Memory: one allocation per entry (plus its TXT when a listing has one),
 * at most `cap` entries.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsbl/internal.h"
#include "util/siphash.h"

struct entry {
	struct entry *hnext;       /* bucket chain */
	struct entry *prev, *next; /* LRU list, most recent first */
	uint64_t hash;
	size_t zone;
	struct ng_dnsbl_addr addr;
	time_t expires;
	struct ng_dnsbl_cache_val v;
	char *txt; /* v.txt when not "" */
};

struct ng_dnsbl_cache {
	struct entry **buckets;
	size_t mask;
	size_t len, cap;
	struct entry *head, *tail;
	uint8_t key[16];
};

uint64_t ng_dnsbl_key_hash(const uint8_t key[16], size_t zone, const struct ng_dnsbl_addr *a)
{
	uint8_t in[18];
	in[0] = (uint8_t)zone;
	in[1] = a->family;
	memcpy(in + 2, a->b, 16);
	return ng_siphash24(key, in, sizeof(in));
}

struct ng_dnsbl_cache *ng_dnsbl_cache_new(size_t cap, const uint8_t key[16])
{
	if (cap == 0 || cap > NG_DNSBL_CACHE_MAX)
		return NULL;
	size_t nb = 16;
	while (nb < cap)
		nb <<= 1;
	struct ng_dnsbl_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->mask = nb - 1;
	c->cap = cap;
	memcpy(c->key, key, 16);
	return c;
}

static void lru_unlink(struct ng_dnsbl_cache *c, struct entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct ng_dnsbl_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
}

static void bucket_unlink(struct ng_dnsbl_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & c->mask];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
}

/* Unlink e from everything and free it. */
static void drop(struct ng_dnsbl_cache *c, struct entry *e)
{
	bucket_unlink(c, e);
	lru_unlink(c, e);
	free(e->txt);
	free(e);
	c->len--;
}

void ng_dnsbl_cache_free(struct ng_dnsbl_cache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL) {
		struct entry *e = c->head;
		c->head = e->next;
		free(e->txt);
		free(e);
	}
	free(c->buckets);
	free(c);
}

static struct entry *find(struct ng_dnsbl_cache *c, uint64_t h, size_t zone,
                          const struct ng_dnsbl_addr *a)
{
	for (struct entry *e = c->buckets[h & c->mask]; e != NULL; e = e->hnext)
		if (e->hash == h && e->zone == zone && e->addr.family == a->family &&
		    memcmp(e->addr.b, a->b, sizeof(a->b)) == 0)
			return e;
	return NULL;
}

const struct ng_dnsbl_cache_val *ng_dnsbl_cache_get(struct ng_dnsbl_cache *c, size_t zone,
                                                    const struct ng_dnsbl_addr *a, time_t now)
{
	uint64_t h = ng_dnsbl_key_hash(c->key, zone, a);
	struct entry *e = find(c, h, zone, a);
	if (e == NULL)
		return NULL;
	if (now >= e->expires) {
		drop(c, e);
		return NULL;
	}
	lru_unlink(c, e);
	lru_push_front(c, e);
	return &e->v;
}

int ng_dnsbl_cache_put(struct ng_dnsbl_cache *c, size_t zone, const struct ng_dnsbl_addr *a,
                       const struct ng_dnsbl_cache_val *v, time_t expires)
{
	uint64_t h = ng_dnsbl_key_hash(c->key, zone, a);
	char *txt = NULL;

	if (v->txt != NULL && v->txt[0] != '\0') {
		size_t n = strlen(v->txt);
		if ((txt = malloc(n + 1)) == NULL)
			return -1;
		memcpy(txt, v->txt, n + 1);
	}
	struct entry *e = find(c, h, zone, a);
	bool relink = true;
	if (e != NULL) {
		lru_unlink(c, e); /* replace in place: already in its chain */
		free(e->txt);
		relink = false;
	} else if (c->len < c->cap) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(txt);
			return -1;
		}
		c->len++;
	} else {
		/* Full: reuse the least recently used entry. */
		e = c->tail;
		bucket_unlink(c, e);
		lru_unlink(c, e);
		free(e->txt);
	}
	e->hash = h;
	e->zone = zone;
	e->addr = *a;
	e->expires = expires;
	e->v = *v;
	if (e->v.ncodes > NG_DNSBL_CODES_MAX)
		e->v.ncodes = NG_DNSBL_CODES_MAX;
	e->txt = txt;
	e->v.txt = txt != NULL ? txt : "";
	if (relink) {
		struct entry **bp = &c->buckets[h & c->mask];
		e->hnext = *bp;
		*bp = e;
	}
	lru_push_front(c, e);
	return 0;
}

void ng_dnsbl_cache_flush_zone(struct ng_dnsbl_cache *c, size_t zone)
{
	if (c == NULL)
		return;
	struct entry *e = c->head;
	while (e != NULL) {
		struct entry *next = e->next;
		if (e->zone == zone)
			drop(c, e);
		e = next;
	}
}

size_t ng_dnsbl_cache_len(const struct ng_dnsbl_cache *c)
{
	return c ? c->len : 0;
}
