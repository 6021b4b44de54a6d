/*
 * zone.h - the list zone that `ndrguard dnsbld` serves: an in-memory index
 * of the listed networks, the DNS query parser and the answer writer, and
 * a response rate limiter.  No I/O anywhere: the daemon (src/dnsbld) owns
 * the sockets, the clock and the store; tests, the fuzzer and benchmarks
 * drive the same functions with byte arrays.
 *
 * The index.  Entries are networks with a category mask (bit n = category
 * n: 0 bounce, 1 autoreply, 2 callout; the numbers of listing.h's enum
 * ng_cat, so a listing's `cats` goes in unchanged).  A builder takes them
 * in any order, duplicates and overlaps included (masks are OR-ed), and
 * finishes into an immutable index:
 *
 *   IPv4 /32      a sorted uint32 array + a uint8 mask array  (5 bytes each)
 *   IPv6 /64      a sorted uint64 array + a uint8 mask array  (9 bytes each)
 *   other prefixes (an IPv4 /24, an IPv6 /48 or /128) in small sorted
 *                 arrays of disjoint (start, end, mask) ranges
 *
 * An IPv4-mapped IPv6 network (::ffff:0:0/96 and longer) is IPv4.  A
 * lookup ORs the exact entry and the range that hold the address.  A
 * finished index never changes, so any number of threads may read it; the
 * daemon builds a new one beside it and swaps the pointer.
 *
 * The zone.  Built once from the settings (dnsbld_zone, dnsbld_codes,
 * dnsbld_txt_template, dnsbld_ns, dnsbld_hostmaster, dnsbld_ttl,
 * dnsbld_negative_ttl), immutable, shareable between threads.  Its answers
 * (RFC 1035, RFC 5782):
 *
 *   d.c.b.a.ZONE, 32 nibbles.ZONE  listed: A, one record per category
 *                                  (equal codes once); TXT, the template
 *                                  with every '$' replaced by the address;
 *                                  any other type (AAAA, ANY, ...):
 *                                  NOERROR, no records, SOA in authority
 *   not listed                     NXDOMAIN, SOA in authority
 *   a prefix of a listed name      NOERROR, no records (an empty
 *   ("2.0.192.ZONE")               non-terminal)
 *   ZONE                           SOA, NS; other types NOERROR empty
 *   other names, classes but IN    REFUSED (never recursive)
 *   and ANY; AXFR, IXFR
 *
 * The RFC 5782 test entries are fixed and outside the index: 127.0.0.2
 * (also as ::ffff:7f00:2) is listed in every published category, 127.0.0.1
 * (::ffff:7f00:1) never, whatever ranges the index holds.  Names compare
 * case-insensitively; the question goes back exactly as it came (0x20
 * bits), and every owner name is a compression pointer into it.  Answers
 * carry no additional records and no NS in authority: never larger than
 * the question needs.  EDNS(0): an OPT in the query is answered with ours
 * (payload NG_DNSBLD_UDP_MAX, DO echoed); a version above 0 gets BADVERS.
 * An answer larger than the transport allows (512 bytes, or the client's
 * EDNS size, at most NG_DNSBLD_UDP_MAX) goes back truncated (TC, question
 * only) so that the client retries over TCP.
 */
#ifndef NDRGUARD_ZONE_H
#define NDRGUARD_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/config.h"

/* Error codes: every one is negative. */
enum {
	NG_ZONE_ENOMEM = -1, /* out of memory */
	NG_ZONE_EINVAL = -2, /* a bad network (prefix too long, host bits set) */
	NG_ZONE_EFULL = -3,  /* more than NG_DNSBLD_ENTRIES_MAX entries */
};

/* Categories and their bits in a mask. */
enum {
	NG_ZONE_CAT_BOUNCE = 0,
	NG_ZONE_CAT_AUTOREPLY = 1,
	NG_ZONE_CAT_CALLOUT = 2,
	NG_ZONE_CATS = 3, /* categories that can be published */
};
#define NG_ZONE_CATS_ALL 0x7u

/* "bounce", "autoreply", "callout"; NULL for any other number. */
const char *ng_zone_cat_name(unsigned cat);

/* ----- the index ----- */

/* A network: IPv4 in the first 4 bytes of addr; host bits zero. */
struct ng_zone_net {
	bool v6;
	uint8_t addr[16];
	unsigned prefix; /* 0..32 or 0..128 */
};

/* "192.0.2.1", "192.0.2.0/24", "2001:db8::/64" (host bits must be zero);
 * 0, or NG_ZONE_EINVAL. */
int ng_zone_net_parse(const char *s, struct ng_zone_net *out);

struct ng_zone_builder;
struct ng_zone_index;

/* An empty builder, or NULL when out of memory.  One thread at a time. */
struct ng_zone_builder *ng_zone_builder_new(void);

/*
 * Add net with the categories in cats (a mask; 0 adds nothing).  The
 * network is checked (prefix, host bits) and an IPv4-mapped IPv6 network
 * becomes IPv4.  0, NG_ZONE_EINVAL (nothing added), NG_ZONE_ENOMEM or
 * NG_ZONE_EFULL (the builder stays usable and keeps what it had).
 */
int ng_zone_builder_add(struct ng_zone_builder *b, const struct ng_zone_net *net, unsigned cats);

/*
 * Sort, merge and pack what was added into an index with `serial` (the SOA
 * serial it is served with); the builder is freed in every case.  NULL
 * when out of memory.  Transient memory: about 8 bytes per IPv4 and 16 per
 * IPv6 entry while sorting; the index keeps exactly what it needs.
 */
struct ng_zone_index *ng_zone_builder_finish(struct ng_zone_builder *b, uint32_t serial);

/* Free a builder that is not finished; NULL is accepted. */
void ng_zone_builder_free(struct ng_zone_builder *b);

/* The category mask of an address (0: not listed).  ix may be NULL (an
 * empty index).  The RFC 5782 test entries are the zone's business, not
 * the index's: these see only what was added. */
unsigned ng_zone_index_lookup4(const struct ng_zone_index *ix, uint32_t ip);
unsigned ng_zone_index_lookup6(const struct ng_zone_index *ix, const uint8_t ip[16]);

/* Does any entry hold an address in [lo, hi]?  (Empty non-terminals.) */
bool ng_zone_index_any4(const struct ng_zone_index *ix, uint32_t lo, uint32_t hi);
bool ng_zone_index_any6(const struct ng_zone_index *ix, const uint8_t lo[16], const uint8_t hi[16]);

struct ng_zone_index_stats {
	size_t v4;       /* IPv4 /32 entries */
	size_t v6;       /* IPv6 /64 entries */
	size_t ranges4;  /* disjoint IPv4 ranges (other prefixes, merged) */
	size_t ranges6;  /* disjoint IPv6 ranges */
	size_t bytes;    /* memory the index holds, its struct included */
	uint32_t serial; /* as given to ng_zone_builder_finish() */
};
/* The index's sizes into st (all zero for NULL). */
void ng_zone_index_stats(const struct ng_zone_index *ix, struct ng_zone_index_stats *st);

/* Do a and b answer every address the same (serials aside)?  NULL is the
 * empty index. */
bool ng_zone_index_equal(const struct ng_zone_index *a, const struct ng_zone_index *b);

/* NULL is accepted. */
void ng_zone_index_free(struct ng_zone_index *ix);

/* ----- the zone ----- */

struct ng_zone_settings {
	const char *zone;         /* "bl.example.org" (a trailing dot is fine) */
	const char *const *codes; /* "bounce=127.0.0.2", ...: CATEGORY=127.X.Y.Z */
	size_t ncodes;            /* at least one */
	const char *txt_template; /* '$' = the address; "" = no TXT records */
	const char *const *ns;    /* name servers; the first is the SOA MNAME */
	size_t nns;               /* 1..NG_DNSBLD_NS_MAX */
	const char *hostmaster;   /* "hostmaster@example.org" (SOA RNAME) */
	uint32_t ttl;             /* A, TXT, SOA and NS answers */
	uint32_t negative_ttl;    /* SOA MINIMUM, and the SOA TTL of negative answers */
};

struct ng_zone;

/*
 * Check the settings and build a zone; NULL with a message in err (which
 * setting and why: an unknown category, a code outside 127/8 or 127.0.0.1,
 * a bad name, a template whose TXT could pass NG_DNSBLD_TXT_MAX, answers
 * that could pass NG_DNSBLD_TCP_ANSWER_MAX, out of memory).
 */
struct ng_zone *ng_zone_new(const struct ng_zone_settings *s, char *err, size_t errlen);

/* ng_zone_new() with the dnsbld_* keys of cfg; errors say "WHERE: KEY: why". */
struct ng_zone *ng_zone_from_config(const struct ng_config *cfg, char *err, size_t errlen);

/* NULL is accepted. */
void ng_zone_free(struct ng_zone *z);

/* The categories that have an A code (a mask). */
unsigned ng_zone_published(const struct ng_zone *z);

/* The zone name in presentation form, lower-cased, no trailing dot. */
const char *ng_zone_name(const struct ng_zone *z);

/* ----- queries and answers ----- */

/* What the parser makes of a packet. */
enum ng_zone_parse {
	NG_ZONE_Q_OK = 0,  /* a query we can answer */
	NG_ZONE_Q_DROP,    /* no answer at all: shorter than a header, or a response */
	NG_ZONE_Q_FORMERR, /* malformed: answer FORMERR */
	NG_ZONE_Q_NOTIMP,  /* an opcode other than QUERY: answer NOTIMP */
};

#define NG_ZONE_NAME_MAX 255 /* a domain name in wire form (RFC 1035) */

struct ng_zone_query {
	uint16_t id;
	uint16_t flags; /* the header's second 16 bits as received */
	uint16_t qtype, qclass;
	uint8_t qname[NG_ZONE_NAME_MAX]; /* wire form, lower-cased */
	size_t qname_len;                /* bytes of qname, the root label included */
	unsigned labels;                 /* labels of qname, the root not counted */
	size_t question_end;             /* offset of the byte after QCLASS */
	bool edns;                       /* an OPT record came with it */
	uint16_t edns_udp;               /* its payload size (as sent) */
	uint8_t edns_version;
	bool edns_do;
	const char *error; /* static text: why FORMERR, NOTIMP or DROP */
};

/* Parse the len bytes of pkt into q.  Reads through one bounds-checked
 * cursor; allocates nothing; never reads past len. */
enum ng_zone_parse ng_zone_query_parse(const uint8_t *pkt, size_t len, struct ng_zone_query *q);

/* What an answer was, for the counters. */
enum ng_zone_kind {
	NG_ZONE_DROPPED = 0, /* no answer written */
	NG_ZONE_LISTED,      /* A or TXT records of a listed address */
	NG_ZONE_APEX,        /* SOA or NS records */
	NG_ZONE_NODATA,      /* the name exists, no record of that type */
	NG_ZONE_NXDOMAIN,
	NG_ZONE_REFUSED,
	NG_ZONE_FORMERR,
	NG_ZONE_NOTIMP,
	NG_ZONE_BADVERS,
	NG_ZONE_SLIPPED, /* rate limited: TC and the question only */
	NG_ZONE_KINDS
};

/* "dropped", "listed", "apex", "nodata", "nxdomain", ... */
const char *ng_zone_kind_name(enum ng_zone_kind k);

struct ng_zone_reply {
	enum ng_zone_kind kind;
	unsigned cats;     /* LISTED: the categories answered */
	bool truncated;    /* TC set: the answer did not fit */
	bool edns;         /* an OPT went back */
	bool test_entry;   /* an RFC 5782 test entry was asked for */
	const char *error; /* FORMERR, NOTIMP, DROPPED: why (static text) */
};

/* Flags of ng_zone_respond(). */
#define NG_ZONE_TCP  0x1u /* over TCP: limited by outcap only (at most 65535) */
#define NG_ZONE_SLIP 0x2u /* rate limited: TC and the question only */

/*
 * Answer the query in pkt (len bytes) from index ix (NULL: empty) into out
 * (outcap bytes, at least 512): returns the answer's length, 0 for no
 * answer (r->kind DROPPED).  Over UDP the answer fits 512 bytes, or the
 * client's EDNS payload size (at most NG_DNSBLD_UDP_MAX and outcap); what
 * does not fit goes back truncated.  r may be NULL.  Allocates nothing;
 * thread-safe as long as each thread has its own out.
 */
size_t ng_zone_respond(const struct ng_zone *z, const struct ng_zone_index *ix, const uint8_t *pkt,
                       size_t len, unsigned flags, uint8_t *out, size_t outcap,
                       struct ng_zone_reply *r);

/* ----- response rate limiting ----- */

/*
 * A token bucket per client network (IPv4 /24, IPv6 /56) in a fixed table
 * of NG_DNSBLD_RRL_SETS x 4 entries (least recently seen evicted), so
 * memory stays fixed whatever the clients.  `rate` answers a second, with
 * a burst of one second's worth; past it every second answer is slipped
 * (TC, so that a real client retries over TCP, which is not limited) and
 * the others dropped.  `seed` keys the table's hash (random, so that no
 * client can aim at another's bucket).  The clock is the caller's
 * (milliseconds, monotonic).  One thread at a time.
 */
struct ng_zone_rrl;

enum ng_zone_rrl_verdict {
	NG_ZONE_RRL_PASS = 0,
	NG_ZONE_RRL_SLIP,
	NG_ZONE_RRL_DROP,
};

/* NULL when out of memory or rate is 0. */
struct ng_zone_rrl *ng_zone_rrl_new(unsigned rate, uint64_t seed);
/* The verdict on one answer to the client at addr (4 bytes when v6 is
 * false, else 16) at now_ms; every call counts as an answer. */
enum ng_zone_rrl_verdict ng_zone_rrl_check(struct ng_zone_rrl *r, bool v6, const uint8_t *addr,
                                           uint64_t now_ms);
/* The table's memory in bytes. */
size_t ng_zone_rrl_bytes(const struct ng_zone_rrl *r);
/* NULL is accepted. */
void ng_zone_rrl_free(struct ng_zone_rrl *r);

#endif
