/*
 * rrl.c - response rate limiting per client network (zone.h).
 *
 * A forged-source flood turns any DNS server into a weapon against the
 * forged address; limiting the answers a second that one network receives
 * caps what the server can be made to send, while the slip (every second
 * answer over the limit goes back truncated, the rest are dropped) lets a
 * real client behind that network get through over TCP, where a source
 * address cannot be forged.  Like BIND's RRL, minus the per-name
 * accounting: a DNSBL's names are all alike.
 *
 * The table is fixed at creation (NG_DNSBLD_RRL_SETS sets of 4 slots, 32
 * bytes each), so a flood from many networks evicts the least recently
 * seen slot instead of growing anything; the set is chosen by a keyed hash
 * of the network, so a client cannot pick which bucket it shares.  Tokens
 * are counted in thousandths, refilled from the caller's millisecond
 * clock.  No I/O, no clock of its own; one thread at a time.
 */
#include "zone/internal.h"

#include <stdlib.h>
#include <string.h>

#define RRL_WAYS 4
#define RRL_UNIT 1000 /* tokens per answer (thousandths) */

struct slot {
	uint64_t key; /* 0 = free */
	uint64_t last_ms;
	int64_t tokens;
	uint32_t over; /* answers over the limit since the last one passed */
};

struct ng_zone_rrl {
	unsigned rate;
	uint64_t seed;
	struct slot *slots;
};

struct ng_zone_rrl *ng_zone_rrl_new(unsigned rate, uint64_t seed)
{
	if (rate == 0)
		return NULL;
	struct ng_zone_rrl *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slots = calloc((size_t)NG_DNSBLD_RRL_SETS * RRL_WAYS, sizeof(*r->slots));
	if (r->slots == NULL) {
		free(r);
		return NULL;
	}
	r->rate = rate;
	r->seed = seed;
	return r;
}

void ng_zone_rrl_free(struct ng_zone_rrl *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

size_t ng_zone_rrl_bytes(const struct ng_zone_rrl *r)
{
	return r == NULL ? 0
	                 : sizeof(*r) + (size_t)NG_DNSBLD_RRL_SETS * RRL_WAYS * sizeof(*r->slots);
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The client's network as a non-zero key: IPv4 /24, IPv6 /56. */
static uint64_t net_key(bool v6, const uint8_t *a)
{
	uint64_t k = 0;
	if (!v6)
		return 1ull << 62 | (uint64_t)a[0] << 16 | (uint64_t)a[1] << 8 | a[2];
	for (int i = 0; i < 7; i++)
		k = k << 8 | a[i];
	return 2ull << 62 | k;
}

enum ng_zone_rrl_verdict ng_zone_rrl_check(struct ng_zone_rrl *r, bool v6, const uint8_t *addr,
                                           uint64_t now_ms)
{
	uint64_t key = net_key(v6, addr);
	size_t set = (size_t)(mix(key ^ r->seed) & (NG_DNSBLD_RRL_SETS - 1)) * RRL_WAYS;
	int64_t burst = (int64_t)r->rate * RRL_UNIT;
	struct slot *s = NULL, *victim = &r->slots[set];
	for (size_t i = set; i < set + RRL_WAYS; i++) {
		if (r->slots[i].key == key) {
			s = &r->slots[i];
			break;
		}
		/* a free slot, else the least recently seen */
		if (victim->key == 0)
			continue;
		if (r->slots[i].key == 0 || r->slots[i].last_ms < victim->last_ms)
			victim = &r->slots[i];
	}
	if (s == NULL) {
		s = victim;
		s->key = key;
		s->last_ms = now_ms;
		s->tokens = burst;
		s->over = 0;
	}
	if (now_ms > s->last_ms) {
		uint64_t dt = now_ms - s->last_ms;
		if (dt > 1000) /* a full bucket takes one second; avoids overflow */
			dt = 1000;
		s->tokens += (int64_t)dt * r->rate;
		if (s->tokens > burst)
			s->tokens = burst;
		s->last_ms = now_ms;
	}
	if (s->tokens >= RRL_UNIT) {
		s->tokens -= RRL_UNIT;
		s->over = 0;
		return NG_ZONE_RRL_PASS;
	}
	return s->over++ % 2 == 0 ? NG_ZONE_RRL_SLIP : NG_ZONE_RRL_DROP;
}
