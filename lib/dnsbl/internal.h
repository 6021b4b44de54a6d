/*
 * internal.h - what the files of lib/dnsbl share: zone specs and return
 * codes (codes.c), client addresses and query names (codes.c), the answer
 * classifier (codes.c) and the cache (cache.c).  Not part of the API.
 */
#ifndef NG_DNSBL_INTERNAL_H
#define NG_DNSBL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ndrguard/dnsbl.h"
#include "util/limits.h"

/* The longest zone name: a 32-nibble IPv6 query name (64 characters with
 * its dots) in front of it must still fit 253. */
#define NG_DNSBL_ZONE_NAME_MAX (253 - 64)

/* A Postfix reply pattern: per octet, a 256-bit set of allowed values. */
struct ng_dnsbl_codes {
	bool any; /* no pattern: any 127/8 answer that is not an error code */
	uint64_t bits[4][4];
};

struct ng_dnsbl_zone_spec {
	char name[NG_DNSBL_ZONE_MAX + 1];         /* lower-cased, no final dot */
	char codes_text[NG_DNSBL_CODES_TEXT_MAX]; /* as written; "" = any */
	struct ng_dnsbl_codes codes;
};

/* Parse "zone" or "zone=CODES"; 0, or -1 with a message naming spec. */
int ng_dnsbl_spec_parse(const char *spec, struct ng_dnsbl_zone_spec *out, char *err, size_t errlen);
/* Does the A answer `a` (host byte order) match the zone's codes? */
bool ng_dnsbl_codes_match(const struct ng_dnsbl_codes *c, uint32_t a);
/* 127.255.255.0/24: "query refused" and friends, never a listing. */
bool ng_dnsbl_is_error_code(uint32_t a);

/* The verdict of one A answer for a zone with codes c. */
enum ng_dnsbl_status ng_dnsbl_classify(const struct ng_dnsbl_codes *c,
                                       const struct ng_dns_answer *a);

/* A client address, the cache key: IPv4 (also from ::ffff:a.b.c.d) in the
 * first 4 bytes, the rest zero; IPv6 in all 16. */
struct ng_dnsbl_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t b[16];
};
int ng_dnsbl_addr_parse(const char *ip, struct ng_dnsbl_addr *out);
/* The query name for a below zone; 0, or -1 when it does not fit cap. */
int ng_dnsbl_addr_qname(const struct ng_dnsbl_addr *a, const char *zone, char *out, size_t cap);
/* The address in its canonical text form, for logs. */
void ng_dnsbl_addr_format(const struct ng_dnsbl_addr *a, char *out, size_t cap);

/* SipHash-2-4 of (zone, addr) under a secret key, for the hash tables. */
uint64_t ng_dnsbl_key_hash(const uint8_t key[16], size_t zone, const struct ng_dnsbl_addr *a);

/*
 * The cache: (zone, address) -> verdict, expiring at an absolute time,
 * at most `cap` entries, the least recently used evicted first; lookups
 * and inserts are O(1) on average (chained hash + LRU list).
 */
struct ng_dnsbl_cache;
struct ng_dnsbl_cache_val {
	enum ng_dnsbl_status status;
	uint32_t codes[NG_DNSBL_CODES_MAX];
	size_t ncodes;
	const char *txt; /* owned by the cache; "" when none */
};
/* NULL when out of memory; cap > 0. */
struct ng_dnsbl_cache *ng_dnsbl_cache_new(size_t cap, const uint8_t key[16]);
void ng_dnsbl_cache_free(struct ng_dnsbl_cache *c);
/* The live entry for (zone, a), made most recently used; an expired one is
 * dropped and NULL returned.  The value is valid until the next call. */
const struct ng_dnsbl_cache_val *ng_dnsbl_cache_get(struct ng_dnsbl_cache *c, size_t zone,
                                                    const struct ng_dnsbl_addr *a, time_t now);
/* Insert or replace; 0, or -1 when out of memory (the cache is unchanged). */
int ng_dnsbl_cache_put(struct ng_dnsbl_cache *c, size_t zone, const struct ng_dnsbl_addr *a,
                       const struct ng_dnsbl_cache_val *v, time_t expires);
/* Drop every entry of one zone. */
void ng_dnsbl_cache_flush_zone(struct ng_dnsbl_cache *c, size_t zone);
size_t ng_dnsbl_cache_len(const struct ng_dnsbl_cache *c);

#endif
