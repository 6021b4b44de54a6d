/*
 * listing.h - the list operator's listings: which IPs sent backscatter to
 * the traps, with evidence, expiry and manual changes, kept in the store.
 *
 * One record per entry, in the store (store.h) under a binary key:
 *
 *   "L4" + 4 address bytes + 1 prefix-length byte   (IPv4, /0../32)
 *   "L6" + 16 address bytes + 1 prefix-length byte  (IPv6, /0../128)
 *
 * host bits zero.  A trap hit from an IPv6 address is recorded for its
 * listing_v6_prefix network (default /64: one host can use a whole /64);
 * IPv4 hits are /32.  Manual entries and imports may be any prefix (an
 * operator lists a /24).  IPv4-mapped IPv6 addresses are IPv4.  The value
 * is "key=value" lines (lib/util/kv.h), readable with `mdb_dump -p`.
 *
 * Categories: bounce (ndr, delay, success, mdn, av-notice reached a
 * trap), autoreply (autoreply, challenge), callout (a sender verification
 * probe: MAIL FROM:<> or a bounce sender, RCPT to a trap, then RSET or
 * QUIT without DATA), spam (ordinary mail to a trap: counted, never
 * listed, and leaving no evidence, which would push out that of listing
 * hits).  An entry is listed for every listing category it has hits in
 * (or was added with by hand) until `expires`: listing_days after its
 * last listing hit, stretched by the back-off (below).  A listing hit on
 * an entry that is not listed (never was, expired, or removed) lists it
 * for that hit's category alone.
 *
 * The store record outlives the listing only as long as it must: it
 * expires at the later of `expires` and listing_days after the last hit
 * of any category (so that spam hits are counted for a while), and the
 * store then drops it.  The store never keeps dead entries.
 *
 * Manual changes: `add` lists an entry now with a reason, for listing_days
 * or a given number of days (never shortening a listing that runs
 * longer), keeping the record's history (hits, evidence, back-off); `del`
 * removes it with a reason: it is no longer listed, but its record
 * (history, evidence, back-off counter) stays until it would have expired.
 * Every `del` counts one delisting.  A removed entry is listed again on
 * its next listing hit, and its back-off counter then stretches every
 * listing by hits: listing_days x (1 + delistings), at most 4x.  A manual
 * add is for the days the operator gives, without back-off.
 *
 * Evidence: the newest listing_evidence listing hits are kept per entry:
 * time, category, HELO, envelope sender and recipient, and a few header
 * lines.  Trap addresses must never be published: the caller (trapd)
 * passes evidence already redacted with ng_listing_redact().
 *
 * Damaged records (a value that does not decode) are skipped by scans,
 * answered NG_LISTING_EDAMAGED by ng_listing_get(), replaced by a fresh
 * record on the next hit or add, and deleted by ng_listing_del().
 *
 * No I/O besides the store; the clock is passed in.  Thread-safety: that
 * of the store (every update is one ng_store_update transaction); the
 * import parser is one object per reader.  Nothing here has global state.
 */
#ifndef NDRGUARD_LISTING_H
#define NDRGUARD_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/store.h"
#include "util/buf.h"

enum ng_cat {
	NG_CAT_BOUNCE = 0,
	NG_CAT_AUTOREPLY,
	NG_CAT_CALLOUT,
	NG_CAT_SPAM, /* counted, never listed */
	NG_CAT_N
};
#define NG_CAT_LISTING_MASK 0x7u /* bounce | autoreply | callout */

/* "bounce", "autoreply", "callout", "spam"; "?" for anything else. */
const char *ng_cat_name(enum ng_cat c);
/* The category named s (exactly as ng_cat_name() spells it); false when
 * none. */
bool ng_cat_parse(const char *s, enum ng_cat *out);
/* The categories in mask (bit 1 << category) as "bounce,autoreply", "-"
 * when none; returns buf. */
const char *ng_cats_format(unsigned mask, char *buf, size_t cap);
/* t (Unix seconds) as "2026-11-29T08:55:50Z", "-" for 0; returns buf. */
const char *ng_listing_time_format(int64_t t, char *buf, size_t cap);

/* Returned (negative, apart from the store's NG_STORE_E* codes) when a
 * stored record does not decode. */
#define NG_LISTING_EDAMAGED (-100)
/* ng_store_strerror() plus NG_LISTING_EDAMAGED ("damaged record"). */
const char *ng_listing_strerror(int rc);

/* An entry's network. */
struct ng_listing_net {
	bool v6;
	uint8_t addr[16]; /* IPv4 in the first 4; host bits zero; the rest zero */
	unsigned prefix;  /* 0..32 or 0..128 */
};

/* Parse "IP" or "IP/LEN" (IPv4 dotted quad or any IPv6 text form; host
 * bits must be zero; ::ffff:a.b.c.d is IPv4); false when not one. */
bool ng_listing_net_parse(const char *s, struct ng_listing_net *out);
/* The network a hit from address `ip` is recorded for (IPv4: /32; IPv6:
 * the address cut to v6_prefix bits, 0..128); false when ip is not an
 * address or v6_prefix is out of range. */
bool ng_listing_net_of_hit(const char *ip, unsigned v6_prefix, struct ng_listing_net *out);
/* "192.0.2.1", "192.0.2.0/24", "2001:db8:1:2::/64" into buf (cap 50 is
 * always enough); returns buf, "" when cap is too small. */
const char *ng_listing_net_format(const struct ng_listing_net *n, char *buf, size_t cap);
#define NG_LISTING_NET_TEXT_MAX 50
/* The store key of a network; returns its length (7 or 19). */
size_t ng_listing_key(const struct ng_listing_net *n, uint8_t key[20]);
/* The network of a store key; false when key is not a listing key. */
bool ng_listing_key_parse(const void *key, size_t klen, struct ng_listing_net *out);
/* Does `outer` contain `inner` (same family, outer's prefix no longer,
 * inner's address within)? */
bool ng_listing_net_contains(const struct ng_listing_net *outer,
                             const struct ng_listing_net *inner);

#define NG_LISTING_EV_FIELD_MAX 256
#define NG_LISTING_EV_HDRS_MAX  512
#define NG_LISTING_REASON_MAX   256

struct ng_listing_ev {
	int64_t time;    /* set by ng_listing_hit() to its now */
	enum ng_cat cat; /* set by ng_listing_hit() to its category */
	char helo[NG_LISTING_EV_FIELD_MAX];
	char sender[NG_LISTING_EV_FIELD_MAX]; /* "" = <> */
	char rcpt[NG_LISTING_EV_FIELD_MAX];   /* redacted: "<trap>@domain" */
	char headers[NG_LISTING_EV_HDRS_MAX]; /* a few "Name: value" lines, redacted */
};

#define NG_LISTING_EV_MAX 10

struct ng_listing {
	struct ng_listing_net net;
	int64_t first, last; /* first and last hit (any category); 0 none */
	int64_t expires;     /* listed until (unless removed); 0 never listed */
	uint64_t hits[NG_CAT_N];
	unsigned cats;       /* bit (1 << cat): the listing categories it is listed for */
	bool manual;         /* added by hand (and not expired since) */
	bool removed;        /* deleted by hand and not hit or added since */
	unsigned delistings; /* the back-off counter: how often deleted by hand */
	char reason[NG_LISTING_REASON_MAX]; /* of the last manual change */
	unsigned nev;
	struct ng_listing_ev ev[NG_LISTING_EV_MAX]; /* newest first */
};

/* Is the entry listed at `now` (listing categories, not removed, not
 * expired)? */
bool ng_listing_is_listed(const struct ng_listing *l, int64_t now);

struct ng_listing_opts {
	unsigned days;     /* listing_days (1..3650) */
	unsigned evidence; /* listing_evidence (0..NG_LISTING_EV_MAX) */
};

/* Record a trap hit for net in category cat with evidence ev (may be
 * NULL; copied, its time and cat set from now and cat; ignored for spam);
 * lists it for cat unless cat is spam.  0, or a negative store error
 * (NG_STORE_EINVAL for a bad cat, net or opts). */
int ng_listing_hit(struct ng_store *s, const struct ng_listing_opts *o,
                   const struct ng_listing_net *net, enum ng_cat cat,
                   const struct ng_listing_ev *ev, int64_t now);
/* List net by hand for the categories in cats (a non-empty subset of
 * NG_CAT_LISTING_MASK) with reason (cut at NG_LISTING_REASON_MAX - 1),
 * for days (0 = listing_days; at most 36500) from now, or until the
 * current expiry when that is later.  Clears `removed`, sets `manual`.
 * 0, or a negative store error (NG_STORE_EINVAL for bad arguments). */
int ng_listing_add(struct ng_store *s, const struct ng_listing_opts *o,
                   const struct ng_listing_net *net, unsigned cats, const char *reason,
                   unsigned days, int64_t now);
/* Remove by hand: 0 removed, 1 not listed (no record, or not listed at
 * now: nothing changes), negative store error.  A damaged record is
 * deleted (0). */
int ng_listing_del(struct ng_store *s, const struct ng_listing_net *net, const char *reason,
                   int64_t now);
/* The record of exactly net: 0 found, 1 none, NG_LISTING_EDAMAGED, or a
 * negative store error. */
int ng_listing_get(struct ng_store *s, const struct ng_listing_net *net, int64_t now,
                   struct ng_listing *out);

/* Every record (listed or not, as of now) in key order (IPv4 first, then
 * by address, a shorter prefix before a longer one at the same address);
 * damaged records are skipped.  fn returns non-zero to stop; returns 0,
 * fn's value, or a negative store error.  The record passed is valid
 * during the call only. */
typedef int ng_listing_fn(void *arg, const struct ng_listing *l);
int ng_listing_scan(struct ng_store *s, int64_t now, ng_listing_fn *fn, void *arg);
/* Every record whose network contains `net` (net itself included), the
 * most specific first: what `ndrguard list show` answers for an address
 * inside a listed range.  Returns as ng_listing_scan(). */
int ng_listing_lookup(struct ng_store *s, const struct ng_listing_net *net, int64_t now,
                      ng_listing_fn *fn, void *arg);

/* The stored form (for tests and the fuzzer): a malloc()ed value of *len
 * bytes (NULL when out of memory), and back (false: not a listing key, or
 * a damaged value; unknown fields are skipped, over-long ones cut). */
char *ng_listing_encode(const struct ng_listing *l, size_t *len);
bool ng_listing_decode(const void *key, size_t klen, const void *val, size_t vlen,
                       struct ng_listing *out);

/*
 * Redact trap addresses in text (NUL-terminated, in a buffer of cap
 * bytes): the local part of every address local@domain whose domain is one
 * of the n trap_domains or a subdomain of one (compared without case, a
 * final dot ignored) becomes "<trap>"; a quoted local part ("a b"@d) too.
 * The text grows when a local part is shorter than "<trap>": what no
 * longer fits in cap is cut (at a byte, never inside "<trap>").  Returns
 * how many addresses were redacted.  Addresses are recognised by their
 * '@' only: a trap's local part written without its domain is not.
 */
size_t ng_listing_redact(char *text, size_t cap, const char *const *trap_domains, size_t n);

/* ---- the list for mirrors: rbldnsd datasets and a text table ---- */

enum ng_listing_fmt {
	NG_LISTING_FMT_AUTO = 0, /* import only: any line below, and plain IP/CIDR lists */
	NG_LISTING_FMT_TEXT,     /* NET CATEGORIES FIRST LAST EXPIRES BOUNCE AUTOREPLY CALLOUT
	                            SPAM FLAGS */
	NG_LISTING_FMT_IP4SET,   /* rbldnsd ip4set: "NET :A:TXT", one line per category */
	NG_LISTING_FMT_IP6TSET,  /* rbldnsd ip6tset: /64 prefixes "2001:db8:1:2", one value */
	NG_LISTING_FMT_IP6TRIE,  /* rbldnsd ip6trie: "NET :A:TXT", any prefix */
};
/* "auto", "text", "ip4set", "ip6tset", "ip6trie"; parse: false when none. */
const char *ng_listing_fmt_name(enum ng_listing_fmt f);
bool ng_listing_fmt_parse(const char *s, enum ng_listing_fmt *out);

/* The A record of each category (dnsbld_codes), host byte order
 * (0x7f000002 = 127.0.0.2); 0 = the category has none.  Spam has none. */
struct ng_listing_codes {
	uint32_t a[NG_CAT_N];
};
/* Parse dnsbld_codes items "CATEGORY=127.0.0.N" (a listing category, at
 * most once each; an address in 127.0.0.0/8 other than 127.0.0.1).
 * Categories not named have no code.  0, or -1 with a message in err. */
int ng_listing_codes_parse(const char *const *items, size_t n, struct ng_listing_codes *out,
                           char *err, size_t errlen);

struct ng_listing_export {
	enum ng_listing_fmt fmt; /* not AUTO */
	struct ng_listing_codes codes;
	const char *txt;  /* TXT template, "$" = the IP (rbldnsd's own syntax, so
	                     written as is); NULL or "" = no TXT */
	unsigned cats;    /* categories exported (mask; 0 = every listing one) */
	bool listed_only; /* text: only entries listed at now (rbldnsd: always) */
	int64_t now;      /* what is listed; the SOA serial */
	/* rbldnsd header lines ($SOA, $NS, $TTL): */
	const char *const *ns;      /* name servers; the first is the SOA MNAME */
	size_t nns;                 /* 0: no $SOA and no $NS */
	const char *hostmaster;     /* "hostmaster@example.org" or a DNS name */
	unsigned ttl, negative_ttl; /* $TTL, the SOA minimum */
};
/*
 * The lines before the entries: text, two comment lines; rbldnsd, $SOA,
 * $NS and $TTL, the default value (ip6tset: the one value of the file:
 * the code of the first category exported), and the RFC 5782 test point
 * (ip4set 127.0.0.2, ip6trie ::ffff:7f00:2; ip6tset cannot list a single
 * address and has none).  Appends to b (the caller checks its flags).
 */
void ng_listing_export_head(ng_buf *b, const struct ng_listing_export *x);
/*
 * The lines of one entry: ip4set and ip6trie, one line "NET :A:TXT" per
 * listed category exported that has a code; ip6tset, one line when the
 * entry is an IPv6 /64; text, one line (see the man page).  Returns the
 * number of lines written: 0 when the entry is not exported (other
 * family, not listed, no category exported); -1 when it cannot be written
 * in this format (ip6tset and a prefix other than /64).
 */
int ng_listing_export_entry(ng_buf *b, const struct ng_listing_export *x,
                            const struct ng_listing *l);

/*
 * The import parser: rbldnsd ip4set, ip6tset and ip6trie data, the text
 * export, and plain lists of IPs and CIDRs, one entry a line; operator
 * files, but parsed as untrusted input (fuzzed).  A push parser without
 * I/O: the caller feeds bytes and pulls items.
 *
 *   im = ng_listing_import_new(fmt, &codes);
 *   while (more input) {
 *           size_t k = ng_listing_import_push(im, p, n);  // may take fewer
 *           p += k, n -= k;
 *           while ((rc = ng_listing_import_next(im, &item)) != 0)
 *                   ... rc 1: an item; rc -1: item.err says what is wrong ...
 *   }
 *   ng_listing_import_end(im);
 *   while ((rc = ng_listing_import_next(im, &item)) != 0) ...
 *   ng_listing_import_free(im);
 *
 * Lines: "#" and ";" comments, "$" directives (ignored), ":A:TXT" default
 * values, exclusions "!..." (not supported: an error), and entries:
 * IPv4 "1.2.3.4", "1.2.3" (= /24), "1.2.3.0/24", "1.2/16", ranges
 * "1.2.3.4-1.2.3.9", "1.2.3.0-255", "1.2-3" (cut into CIDR blocks, one
 * item each); IPv6 "2001:db8::1", "2001:db8::/48", "2001:db8:1:2" (four
 * words = /64; k words = /16k) — each followed by an rbldnsd value
 * (":A:TXT", ":A", or a TXT alone) or, in the text format, by a
 * category list ("bounce,autoreply"; "-" = not listed: the line is
 * skipped).  An A value maps to the categories with that code (A "2" is
 * 127.0.0.2); an unknown code is an error.  Host bits must be zero.  A
 * format other than AUTO accepts its own lines only (and plain entries).
 * Lines longer than NG_LISTING_LINE_MAX are errors.
 */
#define NG_LISTING_LINE_MAX 4096
struct ng_listing_import;
struct ng_listing_item {
	struct ng_listing_net net;
	unsigned cats; /* listing categories; 0 = no value given: the caller's default */
	unsigned line; /* 1-based line number */
	char err[128]; /* rc -1: what is wrong with the line */
};
/* A parser; codes may be NULL (every A value is then unknown).  NULL when
 * out of memory or fmt is out of range. */
struct ng_listing_import *ng_listing_import_new(enum ng_listing_fmt fmt,
                                                const struct ng_listing_codes *codes);
void ng_listing_import_free(struct ng_listing_import *im);
/* Take bytes up to the end of the next line; returns how many were taken
 * (0 while a line waits for ng_listing_import_next()). */
size_t ng_listing_import_push(struct ng_listing_import *im, const void *data, size_t len);
/* The input is over (a last line without a newline counts). */
void ng_listing_import_end(struct ng_listing_import *im);
/* The next item: 1 (item filled), -1 (a bad line: item->line, item->err),
 * 0 (nothing until more input is pushed, or at the end). */
int ng_listing_import_next(struct ng_listing_import *im, struct ng_listing_item *item);

#endif
