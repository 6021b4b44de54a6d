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
 * is sent) until it passes; every change is logged and counted.  A run
 * that gets no answer changes nothing (see "Self-test state" below).
 * Concurrent lookups of the same address share one DNS query per zone.
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

#define NG_DNSBL_ZONES_MAX 16  /* zones per configuration */
#define NG_DNSBL_ZONE_MAX  254 /* a zone name */
#define NG_DNSBL_CODES_MAX 8   /* A records kept per answer */
#define NG_DNSBL_TXT_MAX   512 /* TXT kept per answer (strings joined) */

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
	size_t cache_size;                /* entries (ip, zone); 0 = no cache */
	uint32_t min_ttl, max_ttl;        /* seconds */
	uint32_t negative_ttl;            /* NXDOMAIN without an SOA minimum */
	uint32_t selftest_interval;       /* seconds; 0 = only at ng_dnsbl_new() */
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

/* `res` is valid during the call only.  The callback may start lookups,
 * cancel other lookups and run the self-test; it must not cancel its own
 * lookup nor free the ng_dnsbl. */
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
	/* added: self-test runs that passed after the zone was skipped, and
	 * runs that could not complete (DNS unknown: the zone keeps its state) */
	unsigned long long selftest_restores, selftest_unknown;
	size_t cache_entries; /* now */
};
void ng_dnsbl_stats(const struct ng_dnsbl *bl, struct ng_dnsbl_stats *out);

/*
 * Self-test state (added).  The self-test of a zone asks for 127.0.0.2 and
 * 127.0.0.1 (2.0.0.127.ZONE, 1.0.0.127.ZONE, never from the cache) and
 * passes when the first is LISTED by the zone's codes and the second is NOT
 * LISTED.  A conclusive failure (any other definite answer) skips the zone
 * until a later run passes; the zone's cache entries are dropped then, as
 * they may be answers of a zone gone wrong.  A run that cannot complete
 * (timeout, SERVFAIL, REFUSED: UNKNOWN) changes nothing: a skipped zone
 * stays skipped, an active one stays active (at ng_dnsbl_new() too: DNS
 * trouble at start-up then shows as UNKNOWN lookups, which never reject),
 * and is logged at warning.  With selftest_interval > 0, a lookup that
 * finds a zone's last run started that long ago starts the next run (the
 * clock is opts.now), so no timer is needed; ng_dnsbl_selftest() forces
 * one.  A zone never runs two self-tests at once.
 */
enum ng_dnsbl_selftest_result {
	NG_DNSBL_SELFTEST_NONE = 0, /* never completed */
	NG_DNSBL_SELFTEST_PASS,
	NG_DNSBL_SELFTEST_FAIL,
	NG_DNSBL_SELFTEST_UNKNOWN,
};
/* "none", "pass", "fail", "unknown". */
const char *ng_dnsbl_selftest_name(enum ng_dnsbl_selftest_result r);

struct ng_dnsbl_zone_info {
	const char *zone;  /* as in the results */
	const char *codes; /* the reply pattern as configured; "" = any 127/8 */
	bool skipped;
	bool selftest_running;
	enum ng_dnsbl_selftest_result selftest;      /* the last run that completed */
	enum ng_dnsbl_status selftest_2, selftest_1; /* its verdicts on .2 and .1 */
	time_t selftest_time;                        /* when it completed; 0 = never */
};
size_t ng_dnsbl_nzones(const struct ng_dnsbl *bl);
/* Zone i (configuration order); 0, or -1 when i is out of range. */
int ng_dnsbl_zone_info(const struct ng_dnsbl *bl, size_t i, struct ng_dnsbl_zone_info *out);
/* How many zones have a self-test in flight (the CLI runs its event loop
 * until this is 0 before it looks anything up). */
size_t ng_dnsbl_selftest_pending(const struct ng_dnsbl *bl);

/*
 * From the configuration (dnsbl_zones, dnsbl_cache_*, dns_*): check the
 * zones, the DNS servers and the cache TTL bounds (ng_dnsbl_config_check), or build the c-ares
 * resolver on `base` and the DNSBL client on it (ng_dnsbl_from_config; with periodic_selftest false
 * the self-test runs only at start, as a one-shot command wants). 0, or -1 with "WHERE: KEY:
 * message" in err and nothing built.  The caller frees *bl before *res.
 */
struct ng_config;
struct event_base;
int ng_dnsbl_config_check(const struct ng_config *cfg, char *err, size_t errlen);
int ng_dnsbl_from_config(const struct ng_config *cfg, struct event_base *base,
                         const struct ng_log *log, bool periodic_selftest,
                         struct ng_dns_resolver **res, struct ng_dnsbl **bl, char *err,
                         size_t errlen);

/* The DNS name to query: "d.c.b.a.ZONE" or 32 nibbles + ZONE; 0, or -1 when
 * ip is not an address or the name does not fit. */
int ng_dnsbl_qname(const char *ip, const char *zone, char *out, size_t cap);

#endif
