/*
 * spf.h - Sender Policy Framework (RFC 7208): check_host() on the
 * injected asynchronous resolver of dns.h.
 *
 * ng_spf_check_host() asks whether `ip` may send mail for the sender's
 * domain (or, for the null sender, for the HELO name) and calls `done`
 * once with the result, the deciding term, the explanation of a fail and
 * the lookup counts.  Everything RFC 7208 asks of check_host() is here:
 * record selection (exactly one "v=spf1" TXT record; type SPF is never
 * queried), every mechanism and modifier with their syntax checked before
 * evaluation, macros (section 7) with the exp-only letters c r t, the
 * limits of section 4.6.4 (10 lookup terms, 10 MX names, 10 PTR names, 2
 * void lookups), the explanation of exp= on fail, IPv4-mapped IPv6 clients
 * treated as IPv4.  Results follow the RFC 7208 test suite where the RFC
 * leaves a choice: a target name that is not a valid DNS name (an empty
 * label, a label over 63) makes its mechanism not match, and an invalid
 * initial domain (one label, a domain literal, an empty or long label)
 * gives "none".
 *
 * DNS lookups go out one at a time, in the order the RFC evaluates them,
 * so a check holds at most one query and a bounded stack of records
 * (caps in lib/util/limits.h: NG_SPF_*).  The clock for %{t} is a
 * parameter; the library reads no time, no file, no global.
 *
 * Thread-safety: a check belongs to the thread of its resolver.  The
 * record parser is pure and may run anywhere.
 */
#ifndef NDRGUARD_SPF_H
#define NDRGUARD_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ndrguard/dns.h"
#include "util/limits.h" /* the caps on every field below */

enum ng_spf_result {
	NG_SPF_NONE,
	NG_SPF_NEUTRAL,
	NG_SPF_PASS,
	NG_SPF_FAIL,
	NG_SPF_SOFTFAIL,
	NG_SPF_TEMPERROR,
	NG_SPF_PERMERROR,
};

/* "none" "neutral" "pass" "fail" "softfail" "temperror" "permerror";
 * "permerror" for a value out of range. */
const char *ng_spf_result_name(enum ng_spf_result r);

struct ng_spf_outcome {
	enum ng_spf_result result;
	/* The domain checked: the sender's, or the HELO name's for the null
	 * sender (what a Received-SPF field names); "" when not a domain. */
	char domain[NG_DNS_NAME_MAX];
	/* For the log: the term of the checked domain's record that decided
	 * ("-all", "include:_spf.example.com", the bad term of a permerror),
	 * "default" when no term matched, "" when there was no record.
	 * Record text with every byte outside printable ASCII shown as '?';
	 * still peer text, to be quoted in logs. */
	char mechanism[NG_SPF_MECH_TEXT_MAX];
	/* On fail, the expanded exp= text when the record has one and it
	 * could be fetched (RFC 7208 6.2), else "".  Raw DNS text. */
	char explanation[NG_SPF_EXP_MAX];
	unsigned dns_lookups;  /* terms that counted against the limit of 10 */
	unsigned void_lookups; /* lookups that found nothing */
	const char *detail;    /* why, for the log: a constant string */
};

/* Called once per check that was not cancelled; `out` is valid during the
 * call only, and the check is gone when it returns (do not cancel it). */
typedef void ng_spf_done_fn(void *arg, const struct ng_spf_outcome *out);

struct ng_spf_check; /* one check in flight; opaque */

/*
 * Start check_host() for the client `ip` (an IPv4 or IPv6 address as
 * text; an IPv4-mapped IPv6 address is taken as IPv4), the HELO name
 * `helo`, the envelope sender `sender` (an address without angle
 * brackets; "" is the null sender, checked as postmaster@helo; an address
 * without local-part gets "postmaster") and the name of the checking host
 * `receiver` (for %{r}; NULL or "" expands to "unknown").  `now` is the
 * time %{t} expands to.  helo and sender longer than
 * NG_SPF_IDENTITY_MAX - 1 bytes give "none".  All strings are copied.
 *
 * `done` is never called from inside this function: it runs from the
 * resolver's loop, exactly once unless the check is cancelled before.
 * NULL when out of memory or when `ip` is not an address (done is then
 * never called).  `r` is borrowed and must outlive the check.
 */
struct ng_spf_check *ng_spf_check_host(struct ng_dns_resolver *r, const char *ip, const char *helo,
                                       const char *sender, const char *receiver, time_t now,
                                       ng_spf_done_fn *done, void *arg);

/* Stop a check whose `done` has not started: its DNS query is cancelled,
 * done is never called, the handle is gone.  NULL is accepted.  The
 * resolver times out each query; a caller that wants a limit on the whole
 * check (RFC 7208 4.6.4 suggests at least 20 seconds, then temperror)
 * cancels it when its own timer fires. */
void ng_spf_cancel(struct ng_spf_check *c);

/* ---- the record parser (exposed for tests, tools and the fuzzer) ---- */

enum ng_spf_mech {
	NG_SPF_MECH_ALL,
	NG_SPF_MECH_INCLUDE,
	NG_SPF_MECH_A,
	NG_SPF_MECH_MX,
	NG_SPF_MECH_PTR,
	NG_SPF_MECH_IP4,
	NG_SPF_MECH_IP6,
	NG_SPF_MECH_EXISTS,
};

/* "all" "include" "a" "mx" "ptr" "ip4" "ip6" "exists"; "?" otherwise. */
const char *ng_spf_mech_name(enum ng_spf_mech m);

/* Bytes [off, off + len) of the record text the record was parsed from. */
struct ng_spf_span {
	uint16_t off, len;
};

/* One directive: a qualifier and a mechanism. */
struct ng_spf_term {
	enum ng_spf_mech mech;
	enum ng_spf_result qualifier; /* + PASS (the default), - FAIL, ~ SOFTFAIL, ? NEUTRAL */
	struct ng_spf_span text;      /* the whole term, for logs */
	struct ng_spf_span domain;    /* the domain-spec, unexpanded; len 0: none given */
	uint8_t addr[16];             /* ip4: the first 4 bytes; ip6: 16; network byte order */
	uint8_t cidr4, cidr6;         /* prefix lengths; 32 and 128 when not given */
};

struct ng_spf_record {
	struct ng_spf_term terms[NG_SPF_TERMS_MAX]; /* the directives, in order */
	size_t nterms;
	bool has_redirect, has_exp;
	struct ng_spf_span redirect, exp; /* the domain-specs of redirect= and exp= */
};

/* Is this TXT record an SPF record: "v=spf1" (any case) followed by a
 * space or the end (RFC 7208 4.5)?  The record may hold NUL bytes. */
bool ng_spf_is_record(const char *txt, size_t len);

/*
 * Parse the SPF record txt[0..len) (with its "v=spf1"; NUL bytes are
 * syntax errors) into `out`, checking all of it (RFC 7208 4.6, 5, 6, 7):
 * terms separated by spaces only, known mechanisms with their arguments
 * (domain-specs ending in a top label or a macro, CIDR lengths without
 * leading zeros and in range, IPv4 in dotted quads), redirect= and exp=
 * at most once each, unknown modifiers with a valid macro-string, macros
 * with known letters (c, r and t are for explanations only).  Returns 0,
 * or -1 with a message naming the bad term in err (errlen may be 0).  A
 * record longer than NG_SPF_RECORD_MAX - 1 or with more than
 * NG_SPF_TERMS_MAX terms is an error too.  Pure: no I/O, no allocation.
 */
int ng_spf_record_parse(const char *txt, size_t len, struct ng_spf_record *out, char *err,
                        size_t errlen);

#endif
