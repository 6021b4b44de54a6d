/*
 * received.h - one Received trace header (RFC 5321 4.4, RFC 5322 3.6.7)
 * read into its clauses, and the hop where a message entered a network.
 *
 * The relay guard finds, in the original a bounce returns, the hop that
 * handed the original to the relay or to its tenant: the newest Received
 * whose "from" address is outside the networks the caller trusts.  SPF is
 * then checked for that address and the original sender's domain.
 *
 * The grammar the RFCs give (from DOMAIN (TCP-INFO) by DOMAIN via with id
 * for ; date) is what every MTA starts from, and each fills the comments in
 * its own way; ng_received_parse() reads all of these:
 *
 *   Postfix   from HELO (RDNS [IP]) by HOST (Postfix) with ESMTPS id ID
 *             for <ADDR>; DATE  -- "unknown" for no RDNS, [IPv6:...],
 *             [IP]:PORT; local: by HOST (Postfix, from userid 1000) id ID
 *   Sendmail  from HELO (USER@RDNS [IP] (may be forged)) (authenticated
 *             bits=0) by HOST (8.17.1/8.17.1) with ESMTP id ID
 *   Exim      from [IP] (helo=HELO) | from RDNS ([IP] helo=HELO) |
 *             from RDNS ([IP]:PORT helo=HELO) | from [IP] (port=P helo=H)
 *   qmail     from RDNS (HELO HELO) (IP) | from unknown (HELO H) (USER@IP)
 *   Exchange  from HELO (IP) by HOST (IP) with Microsoft SMTP Server
 *             (version=TLS1_2, cipher=...) id 15.20.x via Frontend Transport
 *   Gmail     from HELO (RDNS. [IP]) by mx.google.com with ESMTPS id ID
 *             for <ADDR> (version=TLS1_3 cipher=... bits=256/256)
 *
 * Reading: a small tokenizer (atoms, [domain literals], nested (comments)
 * with quoted pairs, "quoted strings", <angle addresses>, ';') over one
 * bounds-checked cursor; no searching for substrings.  A clause keyword
 * (from, by, via, with, id, for) counts only at the top level, in the first
 * place it appears; the token after it is its value (a keyword there is not
 * a value: the clause is then empty).  The comments after the "from" value
 * give the address, the reverse-DNS name and the HELO:
 *
 *   - the address is the first IP of a comment: a [literal] ("IPv6:" and
 *     IPv4-mapped forms accepted), or a bare address that is the last of at
 *     most two plain words ("(192.0.2.1)", "(user@192.0.2.1)"); without
 *     one, a "from" value that is an address ("from [IP]" of Exim and
 *     MDaemon, "from IP" of webmail hops) is the address;
 *   - the word before a [literal] is the reverse-DNS name (a "user@" is
 *     dropped, "unknown" means none, a final dot is dropped);
 *   - "HELO name" (qmail) or "helo=name" (Exim) names the HELO explicitly,
 *     and the "from" value is then the reverse-DNS name (not when it is an
 *     address, a [literal] or "unknown"); otherwise the "from" value is the
 *     HELO.
 *
 * An address is never taken from where the value was cut: a comment or a
 * [literal] that never closes, or a "from" value the text ends in; a cut
 * "192.0.2.123" would otherwise read as 192.0.2.12.
 *
 * Where the forms cannot be told apart the field stays empty rather than
 * guessed: Exim's "from RDNS ([IP])" (HELO equal to RDNS) and Sendmail's
 * "from HELO ([IP])" (no RDNS) read alike, so both give helo=the value and
 * rdns="".
 *
 * Input: any bytes, NUL-terminated or with a length; folded or already
 * unfolded (the classifier keeps each Received unfolded, white space
 * squeezed, cut at NG_CL_ORIG_HEADER_MAX bytes: a cut header is read as far
 * as it goes and marked `cut`).  Output fields are NUL-terminated, cut at
 * their caps (lib/util/limits.h NG_RELAY_RCV_*), host names lower-cased.
 *
 * No allocation, no I/O, no state: thread-safe.
 */
#ifndef NG_RELAY_RECEIVED_H
#define NG_RELAY_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/cidr.h"
#include "util/limits.h"

struct ng_received {
	char helo[NG_RELAY_RCV_NAME_MAX]; /* the HELO the client gave, "" unknown */
	char rdns[NG_RELAY_RCV_NAME_MAX]; /* its reverse-DNS name, "" unknown or none */
	char ip[NG_RELAY_RCV_IP_MAX];     /* the client address, canonical text; "" none */
	struct ng_cidr_addr addr;         /* the same, binary; valid when has_ip */
	bool has_ip;
	char by[NG_RELAY_RCV_NAME_MAX];       /* the receiving host, "" none */
	char with[NG_RELAY_RCV_WITH_MAX];     /* "ESMTPS", "Microsoft SMTP Server"; "" none */
	char id[NG_RELAY_RCV_ID_MAX];         /* the receiver's queue id, "" none */
	char for_addr[NG_RELAY_RCV_ADDR_MAX]; /* "for" address without <>, "" none */
	char date[NG_RELAY_RCV_DATE_MAX];     /* the text after ';', white space squeezed */
	bool has_from, has_by;                /* the clauses were there */
	bool forged;                          /* Sendmail's "(may be forged)" */
	bool authenticated;                   /* "(authenticated ...)", "(Authenticated
	                                         sender: ...)", Courier "(AUTH: ...)" */
	bool cut; /* the value ended inside a comment, literal or string, or a field was cut */
};

/*
 * Read one Received value (without "Received:") of `len` bytes into *out
 * (always filled; fields "" when absent).  True when it has a "from" or a
 * "by" clause, false for anything else (qmail's "(qmail 1 invoked from
 * network); DATE", garbage); the date is filled either way.
 */
bool ng_received_parse(const char *value, size_t len, struct ng_received *out);

/* Whether `ip` is one of the caller's own or trusted hosts.  Called with
 * the address of each hop in turn; must not keep the pointer. */
typedef bool ng_received_internal_fn(void *arg, const struct ng_cidr_addr *ip);

/*
 * The entry hop of a chain: `hdrs[0..n-1]` are Received values, NUL-
 * terminated, newest first (as they appear in the header, and as
 * ng_original.received keeps them).  Headers without a "from" address are
 * skipped; the first whose address is not internal (internal == NULL:
 * nothing is) is the hop where the message entered.  Returns its index and
 * fills *hop, or -1 when every address is internal or there is none (*hop
 * is then zeroed).
 *
 * Headers below the entry hop were written by hosts nobody here trusts, so
 * the search stops there instead of looking further down.  Thread-safe when
 * `internal` is.
 */
int ng_received_entry(const char *const *hdrs, size_t n, ng_received_internal_fn *internal,
                      void *arg, struct ng_received *hop);

#endif
