/*
 * dns.h - an injected asynchronous DNS resolver (A, AAAA, MX, PTR and TXT),
 * and the bounds-checked reader of raw DNS answers behind it.
 *
 * The library never talks to the network by itself (STYLE.md habit 11):
 * whoever needs DNS is handed a `struct ng_dns_resolver *`, a small vtable
 * with four operations: start a query, defer a callback, cancel either,
 * free the resolver.  Two implementations live in lib/dns:
 *
 *   ng_dns_ares_new()  c-ares on a libevent loop (the daemons, the CLI);
 *   ng_dns_fake_new()  a table of answers that the test completes by hand
 *                      (unit tests: no network, no clock).
 *
 * The contract every implementation keeps:
 *
 *   - `done` is never called from inside query() or defer(): it runs later,
 *     from the event loop (or ng_dns_fake_run()), exactly once per query
 *     that was not cancelled.  So the handle query() returns is always
 *     valid until `done` starts or ng_dns_cancel() is called, whichever
 *     comes first.
 *   - After ng_dns_cancel(), `done` is never called and the handle is gone;
 *     cancelling a handle whose `done` has started is a bug.
 *   - ng_dns_resolver_free() cancels every query in flight (no callbacks).
 *     It must not be called from inside a `done` callback.
 *   - The answer passed to `done`, and every record it points to, is valid
 *     only during the call.
 *
 * Answers come in two shapes at once.  The short one serves DNSBL clients:
 * a result code, the TTL, up to NG_DNS_ADDRS_MAX IPv4 addresses and the TXT
 * strings joined (at most NG_DNS_TXT_MAX - 1 bytes).  The full one serves
 * SPF (RFC 7208), which must see every record on its own: `rrs`, up to
 * NG_DNS_RRS_MAX records of the type asked for, each TXT record's strings
 * concatenated without separator (RFC 7208 section 3.3), MX exchanges and
 * PTR targets as names, A and AAAA addresses as bytes.  Every byte of an
 * answer comes from the network and is treated as hostile:
 * ng_dns_answer_parse() reads it through one cursor with a sticky error
 * flag (STYLE.md habit 4).
 *
 * Thread-safety: a resolver belongs to one event loop (one thread).
 */
#ifndef NDRGUARD_DNS_H
#define NDRGUARD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/log.h"

#define NG_DNS_NAME_MAX    254   /* a name in presentation form, without the final dot, + NUL */
#define NG_DNS_ADDRS_MAX   8     /* A records kept per answer */
#define NG_DNS_TXT_MAX     512   /* TXT kept per answer, NUL included */
#define NG_DNS_CNAME_MAX   8     /* CNAME links followed inside one answer */
#define NG_DNS_SERVERS_MAX 8     /* servers given to ng_dns_ares_new() */
#define NG_DNS_RRS_MAX     64    /* records kept per answer in rrs[] */
#define NG_DNS_RDATA_MAX   4096  /* text kept per record (TXT joined, a name), NUL included */
#define NG_DNS_RRTEXT_MAX  65536 /* text kept per answer, all records together */

enum ng_dns_type {
	NG_DNS_A = 1,
	NG_DNS_CNAME = 5, /* only as an entry of the fake resolver's table */
	NG_DNS_PTR = 12,
	NG_DNS_MX = 15,
	NG_DNS_TXT = 16,
	NG_DNS_AAAA = 28,
};

/* "A", "AAAA", "MX", "PTR", "TXT", "CNAME"; "?" for anything else. */
const char *ng_dns_type_name(enum ng_dns_type type);

enum ng_dns_rcode {
	NG_DNS_OK = 0,   /* at least one record of the type asked for */
	NG_DNS_NXDOMAIN, /* the name does not exist */
	NG_DNS_NODATA,   /* the name exists, no record of that type */
	NG_DNS_SERVFAIL, /* the server said SERVFAIL */
	NG_DNS_REFUSED,  /* the server refused to answer */
	NG_DNS_TIMEOUT,  /* no answer in time */
	NG_DNS_ERROR,    /* malformed answer, network error, out of memory */
};

/* "ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error". */
const char *ng_dns_rcode_name(enum ng_dns_rcode rc);

/*
 * One record of an answer, of the type asked for.  `text` is always
 * NUL-terminated and `len` bytes long (the NUL not counted):
 *   TXT      the record's character-strings concatenated without
 *            separator, raw peer bytes: it may hold NUL bytes, so use len;
 *   MX, PTR  the exchange or target name in presentation form without the
 *            final dot, case as received ("" is the root, e.g. a null MX);
 *            a '.' or a backslash inside a label and bytes below 0x20 or
 *            0x7f are written as \DDD, which no query accepts;
 *   A, AAAA  "".
 * A text longer than NG_DNS_RDATA_MAX - 1 bytes is cut there and sets cut.
 */
struct ng_dns_rr {
	enum ng_dns_type type;
	uint32_t ttl;
	uint16_t pref;    /* MX: the preference */
	uint8_t addr[16]; /* A: the first 4 bytes, AAAA: 16; network byte order */
	const char *text;
	size_t len;
	bool cut;
};

struct ng_dns_answer {
	enum ng_dns_rcode rcode;
	/*
	 * OK: the smallest TTL of the records used (answer section, CNAMEs
	 * included).  NXDOMAIN/NODATA: the negative-caching TTL of RFC 2308,
	 * min(SOA TTL, SOA MINIMUM) of the SOA in the authority section; when
	 * there is none, has_ttl is false and ttl 0.  Other codes: no TTL.
	 */
	bool has_ttl;
	uint32_t ttl;
	uint32_t addrs[NG_DNS_ADDRS_MAX]; /* A: host byte order, answer order */
	size_t naddrs;
	bool addrs_cut; /* more A records than NG_DNS_ADDRS_MAX */
	/* TXT: the character-strings of one record concatenated, records
	 * separated by one space, NUL bytes dropped; raw peer text. */
	char txt[NG_DNS_TXT_MAX];
	size_t txt_len;
	bool txt_cut;
	/* Why, for the log: a constant string ("" when rcode is OK). */
	const char *detail;
	/* OK: the records of the type asked for, in answer order (CNAME
	 * chain followed), at most NG_DNS_RRS_MAX; rrs_cut when more came or
	 * their text overflowed NG_DNS_RRTEXT_MAX.  Other codes: none.  Valid
	 * during the callback only, like the answer itself. */
	const struct ng_dns_rr *rrs;
	size_t nrrs;
	bool rrs_cut;
};

typedef void ng_dns_done_fn(void *arg, const struct ng_dns_answer *ans);

struct ng_dns_resolver;
struct ng_dns_query; /* one query in flight; opaque */

struct ng_dns_resolver_ops {
	/* Start a query for `name` (presentation form, no final dot needed);
	 * NULL when out of memory or the name is not a valid DNS name (done
	 * is then never called). */
	struct ng_dns_query *(*query)(struct ng_dns_resolver *r, const char *name,
	                              enum ng_dns_type type, ng_dns_done_fn *done, void *arg);
	/* Call done later, from the loop, with an OK answer without records
	 * and detail "deferred": for callers that promise never to call back
	 * from inside their own start function.  NULL when out of memory. */
	struct ng_dns_query *(*defer)(struct ng_dns_resolver *r, ng_dns_done_fn *done, void *arg);
	void (*cancel)(struct ng_dns_resolver *r, struct ng_dns_query *q);
	void (*free)(struct ng_dns_resolver *r);
};

/* Every implementation starts with this member. */
struct ng_dns_resolver {
	const struct ng_dns_resolver_ops *ops;
};

/* The operations, through the vtable.  ng_dns_query() takes the types A,
 * AAAA, MX, PTR and TXT and a name that ng_dns_query_name_check() accepts;
 * NULL otherwise.  ng_dns_cancel() cancels a query or a deferral. */
struct ng_dns_query *ng_dns_query(struct ng_dns_resolver *r, const char *name,
                                  enum ng_dns_type type, ng_dns_done_fn *done, void *arg);
struct ng_dns_query *ng_dns_defer(struct ng_dns_resolver *r, ng_dns_done_fn *done, void *arg);
void ng_dns_cancel(struct ng_dns_resolver *r, struct ng_dns_query *q);
/* NULL is accepted. */
void ng_dns_resolver_free(struct ng_dns_resolver *r);

/* Storage for the records of one parsed answer (about 70 KiB: allocate
 * it, do not put it on a small stack). */
struct ng_dns_rrset {
	struct ng_dns_rr rr[NG_DNS_RRS_MAX];
	char text[NG_DNS_RRTEXT_MAX];
	size_t used;
};

/*
 * Fill `out` from the raw DNS message `msg` (len bytes) that answers the
 * question (qname, type): the header's RCODE, the records of `type` owned
 * by qname or by the end of a CNAME chain that starts at qname (at most
 * NG_DNS_CNAME_MAX links), the SOA of the authority section for negative
 * answers.  Names compare case-insensitively; records of other names,
 * types and classes are ignored.  A message that is not a response, is
 * truncated past its header counts or holds a malformed record gives
 * NG_DNS_ERROR with out->detail saying why; a well-formed answer with
 * records that do not fit keeps what fits and sets addrs_cut / txt_cut /
 * rrs_cut.  A TXT record with no character-string at all is taken as an
 * empty record.  `type` is one of A, AAAA, MX, PTR, TXT.  No I/O, no
 * allocation; never reads outside msg[0..len).
 *
 * ng_dns_answer_parse() fills the short shape only (out->rrs NULL);
 * ng_dns_answer_parse_rrs() also fills out->rrs, pointing into `set`,
 * which must outlive every use of them.
 */
void ng_dns_answer_parse(const uint8_t *msg, size_t len, const char *qname, enum ng_dns_type type,
                         struct ng_dns_answer *out);
void ng_dns_answer_parse_rrs(const uint8_t *msg, size_t len, const char *qname,
                             enum ng_dns_type type, struct ng_dns_answer *out,
                             struct ng_dns_rrset *set);

/* Check `name` as a host or zone name: 1..253 characters without space,
 * control characters, DEL or backslash, labels of 1..63, an optional final
 * dot; 0, or -1 when it is not such a name. */
int ng_dns_name_check(const char *name);

/* Check `name` as ng_dns_query() takes it: like ng_dns_name_check(), but
 * any byte other than control characters, DEL and backslash may appear in a
 * label (space and 8-bit bytes included), since names built from mail
 * addresses by SPF macros may hold them.  0, or -1. */
int ng_dns_query_name_check(const char *name);

/* Check server strings as ng_dns_ares_new() takes them, without starting
 * anything; 0, or -1 with a message in err. */
int ng_dns_servers_check(const char *const *servers, size_t nservers, char *err, size_t errlen);

/*
 * c-ares on a libevent loop.  `servers` are IP addresses with an optional
 * port: "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT" (at most
 * NG_DNS_SERVERS_MAX; nservers 0 = /etc/resolv.conf).  Each query is sent
 * up to `tries` times per server with `timeout_ms` for the first try
 * (c-ares doubles it on later rounds).  Every query goes out as given
 * (no search domains).  NULL with a message in err on a bad server string
 * or when c-ares cannot start.  `base` and `log` are borrowed and must
 * outlive the resolver.
 */
struct event_base;
struct ng_dns_resolver *ng_dns_ares_new(struct event_base *base, const char *const *servers,
                                        size_t nservers, unsigned timeout_ms, unsigned tries,
                                        const struct ng_log *log, char *err, size_t errlen);

/* ng_dns_ares_new() with the configuration's dns_servers, dns_timeout and
 * dns_tries; NULL with "WHERE: dns_servers: message" in err. */
struct ng_config;
struct ng_dns_resolver *ng_dns_from_config(const struct ng_config *cfg, struct event_base *base,
                                           const struct ng_log *log, char *err, size_t errlen);

/*
 * The fake resolver for tests.  Its table maps (name, type) to an answer,
 * either set whole (ng_dns_fake_set and its short forms) or built from
 * records added one by one (ng_dns_fake_add_rr, ng_dns_fake_add).  A name
 * without an entry for the type asked for follows its CNAME when it has
 * one (ng_dns_fake_set_cname; at most NG_DNS_CNAME_MAX links, a longer
 * chain or a loop answers SERVFAIL), else answers NODATA when the table
 * holds the name with another type, else NXDOMAIN, both without TTL.
 * Queries stay pending until the test calls ng_dns_fake_run(), which
 * completes them in the order they were sent, with the table as it is at
 * that moment (so a test can change an answer while a query waits).
 * Queries started by the callbacks during a run wait for the next run.
 * Answers carry rrs[] too: the added records, or the addresses (A) and the
 * text (TXT, one record) of an answer set whole.
 */
struct ng_dns_resolver *ng_dns_fake_new(void);
/* Add or replace the answer for (name, type), dropping records added to
 * it; 0, or -1 when out of memory or when r is not a fake resolver. */
int ng_dns_fake_set(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                    const struct ng_dns_answer *ans);
/* Add one record (of type rr->type, with rr->ttl) to the answer for
 * (name, rr->type), which becomes OK; a whole answer set before is
 * dropped.  rr->text (rr->len bytes) and rr->addr are copied.  0, or -1. */
int ng_dns_fake_add_rr(struct ng_dns_resolver *r, const char *name, const struct ng_dns_rr *rr);
/* The same from text: A and AAAA an address ("192.0.2.1", "2001:db8::1"),
 * MX "PREF NAME", PTR a name, TXT the record's text (no NUL bytes); a
 * final dot of a name is dropped.  -1 also when the value does not parse. */
int ng_dns_fake_add(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                    uint32_t ttl, const char *value);
/* `name` is an alias of `target` for every type it has no entry for. */
int ng_dns_fake_set_cname(struct ng_dns_resolver *r, const char *name, const char *target);
/* Convenience: an OK answer with `naddrs` addresses (host byte order). */
int ng_dns_fake_set_a(struct ng_dns_resolver *r, const char *name, uint32_t ttl,
                      const uint32_t *addrs, size_t naddrs);
/* Convenience: an OK TXT answer. */
int ng_dns_fake_set_txt(struct ng_dns_resolver *r, const char *name, uint32_t ttl, const char *txt);
/* Convenience: an answer with no records: rcode and, when has_ttl, a TTL. */
int ng_dns_fake_set_rcode(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                          enum ng_dns_rcode rcode, bool has_ttl, uint32_t ttl);
/* Complete every pending query and deferral; returns how many done
 * callbacks ran. */
size_t ng_dns_fake_run(struct ng_dns_resolver *r);
/* The nth query() call from now (1 = the next; 0 = none) fails as if out
 * of memory and returns NULL: for the error paths of callers. */
void ng_dns_fake_fail_nth(struct ng_dns_resolver *r, unsigned long n);
/* Queries and deferrals pending now. */
size_t ng_dns_fake_pending(const struct ng_dns_resolver *r);
/* Queries started since creation (cancelled ones included, deferrals
 * not). */
unsigned long ng_dns_fake_sent(const struct ng_dns_resolver *r);
/* Queries started for (name, type) since creation. */
unsigned long ng_dns_fake_sent_for(const struct ng_dns_resolver *r, const char *name,
                                   enum ng_dns_type type);

#endif
