/*
 * dnsbl.h - asynchronous DNSBL lookups of a client IP on several zones.
 *
 * For each configured zone the client address is looked up as an A record
 * (IPv4: reversed octets, IPv6: 32 reversed nibbles, RFC 5782), and the TXT
 * record too when the A answer lists it.  Each zone has the return codes
 * that mean *listed* (Postfix reject_rbl_client syntax: 127.0.0.2,
 * 127.0.0.[2;3], 127.0.0.[2..11]; no codes: any 127/8 answer that is not a
 * known error code).  Any other answer (127.255.255.x "query refused",
 * an address outside 127/8) is *unusable*: logged, counted, never listed.
 * A timeout, SERVFAIL or REFUSED is *unknown*.  Positive and negative
 * answers are cached with their TTL clamped to [min_ttl, max_ttl].
 *
 * The RFC 5782 self-test (127.0.0.2 listed, 127.0.0.1 not) runs for every
 * zone at ng_dnsbl_new() and again every selftest_interval seconds; a zone
 * that fails it is *skipped* (its results say NG_DNSBL_SKIPPED, no query
 * is sent) until it passes; every change is logged and counted.
 *
 * DNS and the clock are injected (STYLE.md habit 11): queries go through a
 * struct ng_dns_resolver (dns.h: c-ares on a libevent loop in the daemons,
 * a table of answers in unit tests); time comes from opts.now.
 *
 * Thread-safety: a struct ng_dnsbl belongs to one event loop (one thread).
 */
#ifndef NDRGUARD_DNSBL_H
#define NDRGUARD_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ndrguard/dns.h"
#include "ndrguard/log.h"

#define NG_DNSBL_ZONES_MAX 16   /* zones per configuration */
#define NG_DNSBL_ZONE_MAX  254  /* a zone name */
#define NG_DNSBL_CODES_MAX 8    /* A records kept per answer */
#define NG_DNSBL_TXT_MAX   512  /* TXT kept per answer (strings joined) */

enum ng_dnsbl_status {
	NG_DNSBL_NOT_LISTED = 0,
	NG_DNSBL_LISTED,
	NG_DNSBL_UNKNOWN,  /* timeout, SERVFAIL, REFUSED, network error */
	NG_DNSBL_UNUSABLE, /* an answer that is not a listing code: error code */
	NG_DNSBL_SKIPPED,  /* the zone failed its self-test */
};

/* "not-listed", "listed", "unknown", "unusable", "skipped". */
const char *ng_dnsbl_status_name(enum ng_dnsbl_status s);

struct ng_dnsbl_zone_result {
	const char *zone; /* owned by the ng_dnsbl; valid until ng_dnsbl_free() */
	enum ng_dnsbl_status status;
	uint32_t codes[NG_DNSBL_CODES_MAX]; /* A answers, host byte order */
	size_t ncodes;
	char txt[NG_DNSBL_TXT_MAX]; /* TXT when listed, "" when none; raw peer text */
	bool cached;
};

struct ng_dnsbl_result {
	size_t nzones; /* = the configured zones, in configuration order */
	struct ng_dnsbl_zone_result zones[NG_DNSBL_ZONES_MAX];
};

/* Summary over the zones: LISTED if any is; else UNKNOWN if any zone is
 * unknown, unusable or skipped; else NOT_LISTED. */
enum ng_dnsbl_status ng_dnsbl_result_summary(const struct ng_dnsbl_result *r);

struct ng_dnsbl_opts {
	const char *const *zones; /* "zone" or "zone=CODES" (dnsbl_zones) */
	size_t nzones;
	size_t cache_size;           /* entries (ip, zone); 0 = no cache */
	uint32_t min_ttl, max_ttl;   /* seconds */
	uint32_t negative_ttl;       /* NXDOMAIN without an SOA minimum */
	uint32_t selftest_interval;  /* seconds; 0 = only at ng_dnsbl_new() */
	struct ng_dns_resolver *resolver; /* borrowed */
	const struct ng_log *log;         /* borrowed; may be NULL */
	time_t (*now)(void *arg);         /* NULL = time(NULL) */
	void *now_arg;
};

/* Check one dnsbl_zones item; 0, or -1 with a message in err. */
int ng_dnsbl_zone_check(const char *spec, char *err, size_t errlen);

struct ng_dnsbl;
struct ng_dnsbl_query;

/* Build from opts and start the self-tests; NULL with a message in err on a
 * bad zone spec (the message names the item) or NG_ENOMEM. */
struct ng_dnsbl *ng_dnsbl_new(const struct ng_dnsbl_opts *opts, char *err, size_t errlen);
/* Cancels every query in flight (their callbacks are not called). */
void ng_dnsbl_free(struct ng_dnsbl *bl);

typedef void ng_dnsbl_done_fn(void *arg, const struct ng_dnsbl_result *res);

/*
 * Look `ip` (textual IPv4 or IPv6) up on every zone.  When every answer is
 * in the cache (or every zone is skipped) `done` runs before this returns
 * and *q is set to NULL; otherwise *q is a handle that ng_dnsbl_cancel()
 * accepts until `done` has run.  Returns 0, or -1 for an address that is
 * not an IP (done is not called) or when out of memory.
 */
int ng_dnsbl_lookup(struct ng_dnsbl *bl, const char *ip, ng_dnsbl_done_fn *done, void *arg,
                    struct ng_dnsbl_query **q);
void ng_dnsbl_cancel(struct ng_dnsbl_query *q);

/* Run the self-test of every zone now (the daemons call this from a timer
 * every selftest_interval; ng_dnsbl_new() calls it once). */
void ng_dnsbl_selftest(struct ng_dnsbl *bl);

struct ng_dnsbl_stats {
	unsigned long long lookups, cache_hits, queries;
	unsigned long long listed, not_listed, unknown, unusable, skipped;
	unsigned long long selftest_failures;
	size_t zones_skipped_now;
};
void ng_dnsbl_stats(const struct ng_dnsbl *bl, struct ng_dnsbl_stats *out);

/* The DNS name to query: "d.c.b.a.ZONE" or 32 nibbles + ZONE; 0, or -1 when
 * ip is not an address or the name does not fit. */
int ng_dnsbl_qname(const char *ip, const char *zone, char *out, size_t cap);

#endif
