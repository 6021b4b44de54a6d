/*
 * budget.h - sliding-window rate limits for a relay's outbound bounces:
 * at most N bounces per PERIOD per key, where the caller makes the keys
 * (e.g. "t:TENANT" for a tenant, "d:TENANT/DOMAIN" for a tenant and a
 * destination domain; keys are compared byte for byte, so lower-case the
 * domains first).
 *
 * Rates are written N/PERIOD: N a count (1..NG_RELAY_BUDGET_LIMIT_MAX),
 * PERIOD an optional count and a unit s, m, h, d or w ("100/1h", "20/10m",
 * "5/30s", "1000/1d", "100/h"), 1 s to NG_RELAY_BUDGET_PERIOD_MAX.  "0" and
 * "" mean no limit; "0/1h" is an error (say "0" for no limit: a rate that
 * lets nothing through is a different policy and must be said as such).
 *
 * The window: each key keeps 61 counters, one per 1/60 of its period
 * (rounded up to whole milliseconds).  A bounce counts from its slot until
 * 61 slots have begun after it, i.e. for more than one period and at most
 * 1/60 of a period (plus a millisecond a slot) longer.  So the limit is
 * never exceeded within any window of one period, and room frees at most
 * period/60 later than an exact sliding window would free it (1 min for
 * "/1h", 0.5 s for "/30s").
 *
 * Memory is capped by the number of keys chosen at creation; each key
 * costs about 300 bytes plus its text.  A new key when the table is full
 * takes the place of the least recently used one; the stats say how often,
 * and how often the key pushed out still held counts in its window (its
 * limit was then forgotten: raise the cap).  A key whose rate has no limit
 * is never stored.
 *
 * The clock is the caller's: `now_ms`, milliseconds of any monotonic
 * clock.  A time before one already seen counts as that time.
 *
 * Thread-safe: one mutex per budget, held for the length of a call.
 */
#ifndef NG_RELAY_BUDGET_H
#define NG_RELAY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

/* At most `limit` in any `period_s` seconds; limit 0: no limit. */
struct ng_budget_rate {
	unsigned limit;
	unsigned period_s;
};

/* Parse a rate (above); 0, or -1 with a message in err that quotes it. */
int ng_budget_rate_parse(const char *spec, struct ng_budget_rate *out, char *err, size_t errlen);

/* Write a rate as it would be configured: "100/1h", "90/90s", "0". */
void ng_budget_rate_format(const struct ng_budget_rate *r, char *out, size_t cap);

struct ng_budget_opts {
	size_t max_keys;               /* NG_RELAY_BUDGET_MULTI_MAX..NG_RELAY_BUDGET_KEYS_MAX */
	const unsigned char *hash_key; /* 16 bytes for the table's SipHash; NULL: random */
};

struct ng_budget;

/* NULL with a message in err for a cap out of bounds or out of memory. */
struct ng_budget *ng_budget_new(const struct ng_budget_opts *opts, char *err, size_t errlen);
/* NULL is fine. */
void ng_budget_free(struct ng_budget *b);

/* One key of a request, with its rate. */
struct ng_budget_req {
	const char *key; /* 1..NG_RELAY_BUDGET_KEY_MAX-1 bytes */
	struct ng_budget_rate rate;
};

enum ng_budget_status {
	NG_BUDGET_ERROR = -1, /* bad arguments (too many keys, a key too long or
	                         empty, a rate out of bounds) or out of memory */
	NG_BUDGET_OK = 0,     /* every key has room */
	NG_BUDGET_OVER = 1,   /* some key has not: *over says which */
};

/* The first key of a request without room. */
struct ng_budget_over {
	size_t index;     /* into the request */
	unsigned count;   /* in its window now */
	unsigned limit;   /* its limit */
	unsigned retry_s; /* seconds (>= 1) until `n` more fit, for "try again in N s" */
	bool never;       /* n is more than the limit: it never fits (retry_s = the period) */
};

/*
 * Would `n` more fit under every key of reqs[0..nreqs-1] (at most
 * NG_RELAY_BUDGET_MULTI_MAX) at now_ms?  Counts nothing and creates no
 * key.  A key given twice in one request is taken once, with its first
 * rate.  `over` may be NULL.
 */
enum ng_budget_status ng_budget_check(struct ng_budget *b, const struct ng_budget_req *reqs,
                                      size_t nreqs, unsigned n, uint64_t now_ms,
                                      struct ng_budget_over *over);

/*
 * The same, and when every key has room, count `n` under each of them, all
 * or nothing: a bounce to three domains either passes all its keys or is
 * counted under none.  On NG_BUDGET_ERROR nothing is counted.  A key whose
 * rate changes its period starts again from zero.
 */
enum ng_budget_status ng_budget_consume(struct ng_budget *b, const struct ng_budget_req *reqs,
                                        size_t nreqs, unsigned n, uint64_t now_ms,
                                        struct ng_budget_over *over);

struct ng_budget_stats {
	size_t keys;             /* stored now */
	size_t max_keys;         /* the cap */
	uint64_t consumed;       /* requests counted */
	uint64_t over;           /* requests found over a limit (check or consume) */
	uint64_t evictions;      /* keys pushed out to make room */
	uint64_t evictions_live; /* ... that still held counts in their window */
};

void ng_budget_stats(struct ng_budget *b, struct ng_budget_stats *st);

#endif
