/*
 * internal.h - what the files of lib/zone share: the zone's prepared
 * answer parts (zone.c builds them once, wire.c copies them into every
 * answer).
 *
 *   index.c  the builder and the index (sorted arrays, lookups)
 *   zone.c   settings -> struct ng_zone; network and category parsing
 *   wire.c   the one cursor, the query parser, the answer writer
 *   rrl.c    the response rate limiter
 */
#ifndef NG_ZONE_INTERNAL_H
#define NG_ZONE_INTERNAL_H

#include "ndrguard/zone.h"

#include "util/limits.h"

/* A name in wire form. */
struct zone_name {
	uint8_t wire[NG_ZONE_NAME_MAX];
	size_t len; /* the root label included */
};

struct ng_zone {
	char name[NG_ZONE_NAME_MAX + 1]; /* presentation, lower-cased */
	struct zone_name apex;           /* lower-cased */
	unsigned apex_labels;            /* the root not counted */
	unsigned published;              /* categories with a code */
	/* the distinct A records of each category mask, in category order */
	uint8_t a_count[1u << NG_ZONE_CATS];
	uint8_t a_rdata[1u << NG_ZONE_CATS][NG_ZONE_CATS][4];
	/* the TXT template, '$' kept; tmpl_len 0 = no TXT records */
	char tmpl[NG_DNSBLD_TXT_MAX];
	size_t tmpl_len;
	struct zone_name ns[NG_DNSBLD_NS_MAX];
	size_t nns;
	struct zone_name rname; /* the hostmaster as a name */
	uint32_t ttl, negative_ttl;
};

/* The serial an index was finished with (0 for NULL), for the SOA. */
uint32_t zone_index_serial(const struct ng_zone_index *ix);

/* The SOA timers besides MINIMUM (the zone is never transferred, so they
 * only inform). */
#define ZONE_SOA_REFRESH 3600u
#define ZONE_SOA_RETRY   600u
#define ZONE_SOA_EXPIRE  604800u

/* The RFC 5782 test entries. */
#define ZONE_TEST_LISTED   0x7f000002u /* 127.0.0.2 */
#define ZONE_TEST_UNLISTED 0x7f000001u /* 127.0.0.1 */

#endif
