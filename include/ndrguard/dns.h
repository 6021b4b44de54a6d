/*
 * dns.h - an injected asynchronous DNS resolver (A and TXT), and the
 * bounds-checked reader of raw DNS answers behind it.
 *
 * The library never talks to the network by itself (STYLE.md habit 11):
 * whoever needs DNS is handed a `struct ng_dns_resolver *`, a small vtable
 * with three operations: start a query, cancel it, free the resolver.  Two
 * implementations live in lib/dns:
 *
 *   ng_dns_ares_new()  c-ares on a libevent loop (the daemons, the CLI);
 *   ng_dns_fake_new()  a table of answers that the test completes by hand
 *                      (unit tests: no network, no clock).
 *
 * The contract every implementation keeps:
 *
 *   - `done` is never called from inside query(): it runs later, from the
 *     event loop (or ng_dns_fake_run()), exactly once per query that was
 *     not cancelled.  So the handle query() returns is always valid until
 *     `done` starts or ng_dns_cancel() is called, whichever comes first.
 *   - After ng_dns_cancel(), `done` is never called and the handle is gone;
 *     cancelling a handle whose `done` has started is a bug.
 *   - ng_dns_resolver_free() cancels every query in flight (no callbacks).
 *     It must not be called from inside a `done` callback.
 *   - The answer passed to `done` is valid only during the call.
 *
 * Answers are reduced to what DNSBL and SPF clients need: a result code,
 * the TTL, up to NG_DNS_ADDRS_MAX IPv4 addresses and the TXT strings
 * joined (at most NG_DNS_TXT_MAX - 1 bytes).  Every byte of an answer comes
 * from the network and is treated as hostile: ng_dns_answer_parse() reads
 * it through one cursor with a sticky error flag (STYLE.md habit 4).
 *
 * Thread-safety: a resolver belongs to one event loop (one thread).
 */
#ifndef NDRGUARD_DNS_H
#define NDRGUARD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/log.h"

#define NG_DNS_NAME_MAX    254 /* a name in presentation form, without the final dot, + NUL */
#define NG_DNS_ADDRS_MAX   8   /* A records kept per answer */
#define NG_DNS_TXT_MAX     512 /* TXT kept per answer, NUL included */
#define NG_DNS_CNAME_MAX   8   /* CNAME links followed inside one answer */
#define NG_DNS_SERVERS_MAX 8   /* servers given to ng_dns_ares_new() */

enum ng_dns_type {
	NG_DNS_A = 1,
	NG_DNS_TXT = 16,
};

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
	void (*cancel)(struct ng_dns_resolver *r, struct ng_dns_query *q);
	void (*free)(struct ng_dns_resolver *r);
};

/* Every implementation starts with this member. */
struct ng_dns_resolver {
	const struct ng_dns_resolver_ops *ops;
};

/* The three operations, through the vtable. */
struct ng_dns_query *ng_dns_query(struct ng_dns_resolver *r, const char *name,
                                  enum ng_dns_type type, ng_dns_done_fn *done, void *arg);
void ng_dns_cancel(struct ng_dns_resolver *r, struct ng_dns_query *q);
/* NULL is accepted. */
void ng_dns_resolver_free(struct ng_dns_resolver *r);

/*
 * Fill `out` from the raw DNS message `msg` (len bytes) that answers the
 * question (qname, type): the header's RCODE, the records of `type` owned
 * by qname or by the end of a CNAME chain that starts at qname (at most
 * NG_DNS_CNAME_MAX links), the SOA of the authority section for negative
 * answers.  Names compare case-insensitively; records of other names,
 * types and classes are ignored.  A message that is not a response, is
 * truncated past its header counts or holds a malformed record gives
 * NG_DNS_ERROR with out->detail saying why; a well-formed answer with
 * records that do not fit keeps what fits and sets addrs_cut / txt_cut.
 * No I/O, no allocation; never reads outside msg[0..len).
 */
void ng_dns_answer_parse(const uint8_t *msg, size_t len, const char *qname, enum ng_dns_type type,
                         struct ng_dns_answer *out);

/* Check `name` for a query: 1..253 characters, labels of 1..63, an optional
 * final dot; 0, or -1 when it is not a DNS name. */
int ng_dns_name_check(const char *name);

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

/*
 * The fake resolver for tests.  Its table maps (name, type) to an answer;
 * names not in it answer NXDOMAIN without TTL.  Queries stay pending until
 * the test calls ng_dns_fake_run(), which completes them in the order they
 * were sent, with the table as it is at that moment (so a test can change
 * an answer while a query waits).  Queries started by the callbacks during
 * a run wait for the next run.
 */
struct ng_dns_resolver *ng_dns_fake_new(void);
/* Add or replace the answer for (name, type); 0, or -1 when out of memory
 * or when r is not a fake resolver. */
int ng_dns_fake_set(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                    const struct ng_dns_answer *ans);
/* Convenience: an OK answer with `naddrs` addresses (host byte order). */
int ng_dns_fake_set_a(struct ng_dns_resolver *r, const char *name, uint32_t ttl,
                      const uint32_t *addrs, size_t naddrs);
/* Convenience: an OK TXT answer. */
int ng_dns_fake_set_txt(struct ng_dns_resolver *r, const char *name, uint32_t ttl, const char *txt);
/* Convenience: an answer with no records: rcode and, when has_ttl, a TTL. */
int ng_dns_fake_set_rcode(struct ng_dns_resolver *r, const char *name, enum ng_dns_type type,
                          enum ng_dns_rcode rcode, bool has_ttl, uint32_t ttl);
/* Complete every pending query; returns how many done callbacks ran. */
size_t ng_dns_fake_run(struct ng_dns_resolver *r);
/* The nth query() call from now (1 = the next; 0 = none) fails as if out
 * of memory and returns NULL: for the error paths of callers. */
void ng_dns_fake_fail_nth(struct ng_dns_resolver *r, unsigned long n);
/* Queries pending now. */
size_t ng_dns_fake_pending(const struct ng_dns_resolver *r);
/* Queries started since creation (cancelled ones included). */
unsigned long ng_dns_fake_sent(const struct ng_dns_resolver *r);
/* Queries started for (name, type) since creation. */
unsigned long ng_dns_fake_sent_for(const struct ng_dns_resolver *r, const char *name,
                                   enum ng_dns_type type);

#endif
