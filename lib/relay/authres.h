/*
 * authres.h - the sender-authentication results and the spam verdict that
 * the relay's own filters wrote into an inbound message's header.
 *
 * The relay guard keeps a message log: for every message it delivers to a
 * tenant it records what its filters found, so that a later outbound bounce
 * quoting that message can be judged (a bounce of a message that failed
 * SPF or DMARC, or was marked spam, is backscatter).  This module reads the
 * three kinds of header field that carry those findings:
 *
 *   Authentication-Results  RFC 8601 (and the RFC 7601/7001/5451 forms
 *                           still written): ng_authres_parse()
 *   Received-SPF            RFC 7208 9.1 (and RFC 4408):
 *                           ng_authres_parse_received_spf()
 *   spam-filter headers     SpamAssassin, Rspamd, Microsoft 365, Barracuda,
 *                           Proofpoint: ng_authres_spam_verdict()
 *
 * Trust is the caller's business (RFC 8601 section 5): anybody can write
 * these fields into a message before it reaches the relay.  Only fields
 * whose authserv-id is one of the relay's own, and spam headers the relay's
 * own filters add (and strip from incoming mail), mean anything; the caller
 * checks authserv_id and chooses the spam headers it trusts by name
 * (ng_authres_spam_known()).
 *
 * Reading.  Every function takes a header field's value (the part after the
 * colon) as bytes with a length: folded or unfolded, any bytes at all (NULs
 * included), nothing read past len.  Each byte is read through one
 * bounds-checked cursor; CFWS (white space, CR, LF and nested comments with
 * quoted pairs) is allowed wherever RFC 8601 allows it and skipped; quoted
 * strings are unquoted.  Garbage sets a `malformed` flag and the reader
 * resumes at the next ';', keeping what it had already understood; it never
 * fails and never crashes.  Output lives in a caller-owned struct of fixed
 * size (caps in util/limits.h); text past a cap is cut and sets `truncated`.
 * Every string in the output is NUL-terminated (a NUL in the input ends the
 * string early, nothing worse) and zeros fill every array after its string,
 * so two reads of one value compare equal with memcmp().
 *
 * No allocation, no I/O, no state: every function is reentrant and may be
 * called from any thread.
 */
#ifndef NG_RELAY_AUTHRES_H
#define NG_RELAY_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/limits.h"

/* ----- Authentication-Results ----- */

/* A result word (RFC 8601 2.7), case-insensitive in the input.  Older and
 * vendor spellings are folded into the registered ones: "hardfail" (RFC
 * 5451) is FAIL; "error" and "unknown" (RFC 4408) are TEMPERROR and
 * PERMERROR; Yahoo's "success" is PASS and "perm_fail" PERMERROR; Rspamd's
 * "reject" (arc) is FAIL.  The original word is kept in result_word. */
enum ng_authres_result {
	NG_AUTHRES_ABSENT = 0, /* no result for this method at all (summary fields) */
	NG_AUTHRES_NONE,
	NG_AUTHRES_PASS,
	NG_AUTHRES_FAIL,
	NG_AUTHRES_SOFTFAIL,
	NG_AUTHRES_NEUTRAL,
	NG_AUTHRES_TEMPERROR,
	NG_AUTHRES_PERMERROR,
	NG_AUTHRES_POLICY,        /* dkim: verified, but not acceptable by local policy */
	NG_AUTHRES_BESTGUESSPASS, /* Microsoft dmarc: no DMARC record, would have passed */
	NG_AUTHRES_SOFTPASS,      /* Microsoft compauth */
	NG_AUTHRES_OTHER,         /* a word not listed above (dkim-adsp "nxdomain", ...) */
};

/* The methods kept: the IANA registry's, plus "bimi" and Microsoft's
 * composite "compauth".  Any other method (x-..., vendor ones) is read and
 * skipped, only counted. */
enum ng_authres_method {
	NG_AUTHRES_M_AUTH = 0,
	NG_AUTHRES_M_DKIM,
	NG_AUTHRES_M_DKIM_ADSP,
	NG_AUTHRES_M_DKIM_ATPS,
	NG_AUTHRES_M_DOMAINKEYS,
	NG_AUTHRES_M_SENDER_ID,
	NG_AUTHRES_M_SPF,
	NG_AUTHRES_M_IPREV,
	NG_AUTHRES_M_DMARC,
	NG_AUTHRES_M_ARC,
	NG_AUTHRES_M_RRVS,
	NG_AUTHRES_M_SMIME,
	NG_AUTHRES_M_VBR,
	NG_AUTHRES_M_DNSWL,
	NG_AUTHRES_M_BIMI,
	NG_AUTHRES_M_COMPAUTH,
};

/* One property: "ptype.property" lower-cased ("smtp.mailfrom", "header.d",
 * "policy.iprev"), or a bare name for the ptype-less properties some
 * writers use (Microsoft's "action", pypolicyd-spf's "receiver"); the value
 * as given, unquoted ("\"joe\"@example.com" reads joe@example.com). */
struct ng_authres_prop {
	char name[NG_AUTHRES_NAME_MAX];
	char value[NG_AUTHRES_VALUE_MAX];
};

/* One resinfo: "method[/version]=result [reason=...] [ptype.property=value]...".
 * Properties past NG_AUTHRES_PROPS_MAX are read and dropped (truncated). */
struct ng_authres_entry {
	enum ng_authres_method method;
	enum ng_authres_result result;
	unsigned version;                      /* method version; 0 when not given */
	char result_word[NG_AUTHRES_NAME_MAX]; /* the result as written, lower-cased */
	char reason[NG_AUTHRES_REASON_MAX];    /* the first reason=, unquoted; "" when none */
	unsigned nprops;
	struct ng_authres_prop props[NG_AUTHRES_PROPS_MAX];
};

/* One Authentication-Results field.  About 16 KB: a caller keeps one per
 * message in its arena, not one per field on a small stack. */
struct ng_authres {
	char authserv_id[NG_AUTHRES_ID_MAX]; /* as written (case kept), unquoted */
	unsigned version;                    /* authres-version; 0 when not given */
	unsigned nentries;
	struct ng_authres_entry entries[NG_AUTHRES_ENTRIES_MAX];

	/*
	 * The summary, taken over every resinfo of the field, kept or not:
	 *
	 *   spf    the first spf result, except that one naming smtp.mailfrom
	 *          wins over an earlier one that does not (a separate HELO check)
	 *   dkim   PASS when any signature passed; FAIL when there were
	 *          signatures and every one is FAIL, PERMERROR or POLICY (none
	 *          verifies); otherwise the first result that is neither (NONE,
	 *          NEUTRAL, TEMPERROR, ...)
	 *   dmarc, arc   the first result
	 *
	 * NG_AUTHRES_ABSENT when the method does not appear.
	 */
	enum ng_authres_result spf, dkim, dmarc, arc;
	unsigned ndkim; /* dkim resinfo seen */

	unsigned nskipped;   /* resinfo of methods not kept (unknown ones) */
	unsigned ndropped;   /* resinfo of known methods past NG_AUTHRES_ENTRIES_MAX */
	bool none;           /* "authserv-id; none": nothing was checked */
	bool no_authserv_id; /* starts with a resinfo, as Microsoft 365 writes it */
	bool malformed;      /* something was not RFC 8601 and was skipped */
	bool truncated;      /* a value was cut, or a property or resinfo dropped */
};

/* Parse one Authentication-Results value of len bytes into *out (always
 * fully overwritten).  Returns out->nentries.  Never fails: with garbage
 * in, out->malformed is set and whatever could be read is kept.  Accepts,
 * beyond the RFC: a missing authserv-id (Microsoft 365: "spf=fail (sender
 * IP is 192.0.2.1) smtp.mailfrom=x; dkim=none ..."), an authserv-id with
 * '/' (OpenDMARC's "host/JOBID"), empty resinfo (";;", a trailing ';'),
 * ptype-less properties ("action=none"), and '_' in words ("perm_fail"). */
unsigned ng_authres_parse(const char *value, size_t len, struct ng_authres *out);

/* The first kept entry for method m, or NULL. */
const struct ng_authres_entry *ng_authres_find(const struct ng_authres *ar,
                                               enum ng_authres_method m);

/* The value of the first property of e named name ("smtp.mailfrom",
 * compared case-insensitively), or NULL. */
const char *ng_authres_prop(const struct ng_authres_entry *e, const char *name);

/* "pass", "fail", ... ("absent" for NG_AUTHRES_ABSENT); "spf", "dkim", ...
 * Static strings; "?" for a value out of range. */
const char *ng_authres_result_name(enum ng_authres_result r);
const char *ng_authres_method_name(enum ng_authres_method m);

/* ----- Received-SPF ----- */

/* One Received-SPF field: "result (comment) key=value; key=value; ...".
 * The keys of RFC 7208 9.1 are kept (case-insensitive, the first of each
 * wins; others are ignored); values are unquoted and cut at
 * NG_AUTHRES_VALUE_MAX ("" when absent). */
struct ng_authres_spf {
	enum ng_authres_result result; /* NONE..PERMERROR; OTHER when not an SPF word */
	char client_ip[NG_AUTHRES_VALUE_MAX];
	char envelope_from[NG_AUTHRES_VALUE_MAX];
	char helo[NG_AUTHRES_VALUE_MAX];
	char identity[NG_AUTHRES_VALUE_MAX]; /* "mailfrom", "helo" */
	char receiver[NG_AUTHRES_VALUE_MAX];
	char mechanism[NG_AUTHRES_VALUE_MAX];
	char problem[NG_AUTHRES_VALUE_MAX];
	bool malformed;
	bool truncated;
};

/* Parse one Received-SPF value of len bytes into *out (always fully
 * overwritten).  The result word is pass, fail, softfail, neutral, none,
 * temperror or permerror in any case (RFC 4408's "error" and "unknown" read
 * as temperror and permerror); any other word, or none, gives
 * NG_AUTHRES_OTHER and sets malformed.  Key-value pairs may be separated by
 * ';' (RFC 7208) or white space only (some older writers).  Returns
 * out->result. */
enum ng_authres_result ng_authres_parse_received_spf(const char *value, size_t len,
                                                     struct ng_authres_spf *out);

/* ----- spam verdicts ----- */

enum ng_authres_spam {
	NG_AUTHRES_SPAM_UNKNOWN = 0, /* a header we do not know, or a value we cannot read */
	NG_AUTHRES_SPAM_HAM,
	NG_AUTHRES_SPAM_SPAM,
};

/*
 * The verdict one spam-filter header field gives, from a table (authres.c)
 * of header names, how the verdict is found in the value, and what it
 * means.  The header name is compared case-insensitively; the value is
 * read like every other value here.  The table knows:
 *
 *   X-Spam-Status, X-Spam-Flag, X-Spam (Rspamd), X-Barracuda-Spam-Status:
 *       first word "yes" spam, "no" ham ("Yes, score=7.1 required=5.0 ...")
 *   X-Spam-Verdict: "spam"/"yes" spam, "ham"/"clean"/"not spam"/"no" ham
 *   X-Rspamd-Action: "reject", "add header", "rewrite subject", "discard",
 *       "quarantine" spam, "no action" ham ("greylist", "soft reject":
 *       unknown, they are not a verdict)
 *   X-MS-Exchange-Organization-SCL: 5..9 spam, -1..4 ham
 *   X-Forefront-Antispam-Report: the SFV item of "KEY:VALUE;..." - SPM,
 *       SKS, SKB, BLK spam; NSPM, SKN ham; others (allow lists, intra-org,
 *       released from quarantine) unknown
 *   X-Proofpoint-Spam-Details: the rule= item of "k=v k=v ..." - spam,
 *       inbound_spam, outbound_spam spam; notspam, inbound_notspam,
 *       outbound_notspam ham
 *
 * Feed every header field of a message; combine the answers of the ones
 * the configuration trusts.
 */
enum ng_authres_spam ng_authres_spam_verdict(const char *name, size_t namelen, const char *value,
                                             size_t valuelen);

/* True when name (namelen bytes, any case) is a header the spam reader
 * knows: the check a configuration of trusted spam headers is validated
 * against. */
bool ng_authres_spam_known(const char *name, size_t namelen);

/* The i-th header name the spam reader knows (0, 1, ...), in its canonical
 * spelling; NULL past the last.  For error messages and documentation. */
const char *ng_authres_spam_header(size_t i);

/* "unknown", "ham", "spam"; "?" for a value out of range. */
const char *ng_authres_spam_name(enum ng_authres_spam v);

#endif
