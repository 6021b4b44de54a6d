/*
 * content.h - the content-stage decisions of the milter: which messages
 * are worth classifying, and what a classified message gets.
 *
 * Rules (struct ng_content) are built once from the configuration and are
 * then immutable: any number of threads may share them.  Per message the
 * front-end keeps one struct ng_content_msg (a plain value, no allocation)
 * and tells it what the SMTP session said, in order:
 *
 *   ng_content_begin()   the client (address, name) and envelope sender
 *   ng_content_rcpt()    each envelope recipient
 *   ng_content_header()  each header field, name and value
 *   ng_content_candidate()
 *                        after the last header: should the body be streamed
 *                        into the classifier?  A *candidate* has a bounce
 *                        sender (the null sender or one of bounce_senders,
 *                        as lib/policy decides), an Auto-Submitted field
 *                        other than "no", a report content type
 *                        (multipart/report, message/delivery-status), an
 *                        auto-reply marker field, a bounce-like From
 *                        (mailer-daemon@, postmaster@, "Mail Delivery
 *                        Subsystem") or a bounce-like Subject
 *                        ("Undeliverable", "Delivery Status Notification",
 *                        "Out of Office", "Automatic reply", ...).  The
 *                        patterns are one table in content.c.  Everything
 *                        else is ordinary mail: never classified, never
 *                        looked up, never acted on.
 *   ng_content_wants_lookup()
 *                        should the client be looked up on the DNSBLs?
 *                        (a candidate, not from an exempt network)
 *   ng_content_decide()  at end of data, with the classifier's verdict and
 *                        the DNSBL result (either may be NULL: none).
 *
 * The decision (struct ng_content_decision):
 *   - extended safe mode: the client is listed on a zone AND the message
 *     is backscatter - a bounce sender, or a class in {ndr, delay,
 *     autoreply, challenge, av-notice} - gets milter_content_action
 *     (reject 550 5.7.1 with dnsbl_reject_text, tempfail 451 4.7.1 with
 *     the same text, tag, quarantine, discard, dry-run).  Classes success,
 *     mdn, feedback and none are never acted on for a listing: a delivery
 *     receipt, read receipt or abuse report answers mail that was sent.
 *   - DNS trouble (no zone listed, one or more unknown/unusable/skipped)
 *     for such a message: dnsbl_dns_failure_action (tag, accept, tempfail
 *     451 4.3.0); never a reject.
 *   - bounce plausibility, for a *bounce* (a bounce sender, or one of the
 *     five classes above), each rule with its own action key:
 *       multi-rcpt        more than one envelope recipient, unless the
 *                         client is in multi_rcpt_bounce_relays (CIDR, or
 *                         a host name: the client name equals it or ends
 *                         in ".NAME")
 *       return-path       the message carries a Return-Path header
 *       never-recipient   a recipient matches never_bounce_recipients
 *       foreign-original  the returned original has a Message-ID whose
 *                         domain is not one of our_hostnames (or below
 *                         one), or Received hops of which none names one
 *                         of our_hostnames or an address in our_networks
 *                         (the rule is off while both lists are empty)
 *   - milter_tag_classified: every bounce gets the tag header.
 *   - BATV (ng_content_batv_rcpt): a bounce whose every recipient carries a
 *     valid signature of ours answers mail we sent: a listing is not acted
 *     on ("batv-valid"); the plausibility rules still apply.
 *   The strongest action wins: reject > tempfail > discard > quarantine >
 *   tag > accept.  Exempt networks and exempt recipients (exempt_networks,
 *   exempt_recipients, as in policyd; one exempt recipient exempts the
 *   message, since an end-of-data answer applies to every recipient) are
 *   never rejected, tempfailed, discarded or quarantined: such an action is
 *   lowered to tag.
 *
 * Every text in a decision (reply, header value) is printable ASCII within
 * its cap: peer data (TXT records, addresses, evidence details) cannot
 * break an SMTP reply or a header.  No I/O, no globals, no allocation after
 * ng_content_from_config().
 */
#ifndef NDRGUARD_CONTENT_H
#define NDRGUARD_CONTENT_H

#include <stdbool.h>
#include <stddef.h>

#include "ndrguard/batv.h"
#include "ndrguard/classify.h"
#include "ndrguard/dnsbl.h"
#include "util/limits.h"

#include <time.h>

struct ng_config;
struct ng_content;

/* Build the rules from the configuration keys bounce_senders,
 * exempt_networks, exempt_recipients, dnsbl_reject_text, dnsbl_tag_header,
 * dnsbl_dns_failure_action, milter_content_action, milter_tag_classified,
 * bounce_*_action, multi_rcpt_bounce_relays, never_bounce_recipients,
 * our_hostnames, our_networks.  NULL with "WHERE: KEY: message" in err on
 * a bad value or when out of memory. */
struct ng_content *ng_content_from_config(const struct ng_config *cfg, char *err, size_t errlen);
void ng_content_free(struct ng_content *ct);

/* The clock the BATV decisions use (NULL: time(NULL)).  Call before the
 * rules are shared: it is the one setter, and not thread-safe. */
void ng_content_set_clock(struct ng_content *ct, time_t (*clock)(void *arg), void *arg);

/* True when BATV is on (batv_keys set): the front-end then asks for the
 * envelope rewriting actions and answers at RCPT. */
bool ng_content_batv_on(const struct ng_content *ct);

/* One line for the start-up log; returns buf. */
const char *ng_content_describe(const struct ng_content *ct, char *buf, size_t cap);

/* The tag header's field name (dnsbl_tag_header). */
const char *ng_content_header_name(const struct ng_content *ct);

/* ----- one message ----- */

#define NG_CONTENT_CLIENT_MAX 64  /* a textual IP address */
#define NG_CONTENT_REPLY_MAX  512 /* "550 5.7.1 text" and its NUL */
#define NG_CONTENT_HEADER_MAX 512 /* the tag header's value and its NUL */

struct ng_content_msg {
	char client[NG_CONTENT_CLIENT_MAX]; /* "" unknown */
	bool client_ok;                     /* client parsed as an IP address */
	bool exempt_network;
	bool relay;         /* in multi_rcpt_bounce_relays */
	bool bounce_sender; /* null sender or bounce_senders */
	unsigned nrcpt;     /* envelope recipients */
	bool exempt_rcpt;   /* some recipient is in exempt_recipients */
	bool never_rcpt;    /* some recipient is in never_bounce_recipients */
	bool return_path;   /* a Return-Path header was seen */
	unsigned nheaders;  /* header fields seen */
	const char *why;    /* static: the first candidate rule, NULL none */
	bool our_network;   /* the client is in our_networks */
	/* BATV (ng_content_batv_*): what end of data must do */
	bool batv_sign;                     /* change the sender to batv_from */
	char batv_from[NG_BATV_SIGNED_MAX]; /* the signed sender */
	unsigned batv_nrewrite;             /* pairs in batv_rewrite */
	struct ng_content_rewrite {
		char tagged[NG_BATV_SIGNED_MAX];   /* the recipient as given */
		char original[NG_BATV_SIGNED_MAX]; /* without our tag */
	} batv_rewrite[NG_MILTER_BATV_RCPT_MAX];
	unsigned batv_valid;   /* validly signed recipients accepted */
	unsigned batv_invalid; /* not validly signed, accepted (tag, dry-run, exempt) */
	unsigned batv_refused; /* refused at RCPT */
	bool batv_tag;         /* add the tag header with batv_header */
	char batv_header[NG_CONTENT_HEADER_MAX];
	const char *batv;  /* static, for the log: "-", "signed", "already-signed",
	                      "sign-failed", "valid", "unsigned", "foreign", "expired",
	                      "bad-signature", "unknown-key" */
	bool batv_dry_run; /* batv_action = dry-run held back a reject or tag */
};

/* Start a message.  client: the textual address (NULL or "" unknown);
 * client_name: the MTA's name for it (NULL unknown); sender: the envelope
 * sender without <> ("" the null sender; NULL unknown). */
void ng_content_begin(const struct ng_content *ct, struct ng_content_msg *m, const char *client,
                      const char *client_name, const char *sender);
/* One envelope recipient (without <>; NULL is ignored). */
void ng_content_rcpt(const struct ng_content *ct, struct ng_content_msg *m, const char *rcpt);
/* One header field: its name and value as the MTA passed them, any
 * bytes (NUL-terminated).  Values longer than NG_MILTER_VALUE_MAX bytes
 * are examined up to that cap; fields after the NG_MILTER_HEADERS_MAX-th
 * only count. */
void ng_content_header(const struct ng_content *ct, struct ng_content_msg *m, const char *name,
                       const char *value);
/*
 * BATV (lib/batv; the check is policyd's own, lib/policy/batv_rule.c).
 *
 * Outbound, after ng_content_begin(): mail from a client in our_networks
 * or from a SASL-authenticated client (authenticated: the MTA's
 * {auth_authen} is not empty), with a non-null sender in batv_domains, is
 * signed: m->batv_sign and m->batv_from = the prvs form, for
 * smfi_chgfrom() at end of data.  An address that carries a tag already
 * (ours or a foreign one) is left alone: never re-tagged.  The tag depends
 * only on the address, the day and the key, so a message the MTA hands
 * over again the same day gets the same tag.  Returns m->batv_sign.
 */
bool ng_content_batv_outbound(const struct ng_content *ct, struct ng_content_msg *m,
                              const char *sender, bool authenticated);

/* An answer at RCPT, split for smfi_setreply(). */
struct ng_content_reply {
	char rcode[4]; /* "550" */
	char xcode[8]; /* "5.7.1" */
	char text[NG_CONTENT_REPLY_MAX];
};

/*
 * Inbound, for each recipient, before ng_content_rcpt(): a bounce (null
 * or bounce sender) to an address in batv_domains must carry a valid
 * signature of ours.  Valid: the pair (tagged, original) is remembered for
 * the rewrite at end of data (up to NG_MILTER_BATV_RCPT_MAX; past that the
 * recipient is delivered as it is).  Not valid, ng_batv_enforced() and
 * batv_action = reject: returns true, r = "550 5.7.1 <RCPT>: bounce to an
 * address that never sent mail (no valid BATV signature: STATUS)", and the
 * recipient must be refused (do not pass it to ng_content_rcpt()).  Not
 * valid otherwise (batv_action = tag, or not enforced yet): the tag header
 * "batv=STATUS recipient=RCPT[ enforced=no]" at end of data; dry-run: only
 * the log.  An exempt network or an exempt recipient is never refused: the
 * reject is lowered to the tag.  False for everything not refused.
 */
bool ng_content_batv_rcpt(const struct ng_content *ct, struct ng_content_msg *m, const char *rcpt,
                          struct ng_content_reply *r);

/* Is the message a candidate (its body worth classifying)? */
bool ng_content_candidate(const struct ng_content_msg *m);
/* Should the client be looked up?  A candidate with a usable address that
 * is not in an exempt network. */
bool ng_content_wants_lookup(const struct ng_content_msg *m);

enum ng_content_action {
	NG_CONTENT_ACCEPT = 0,
	NG_CONTENT_TAG,
	NG_CONTENT_QUARANTINE,
	NG_CONTENT_DISCARD,
	NG_CONTENT_TEMPFAIL,
	NG_CONTENT_REJECT,
};

/* "accept", "tag", "quarantine", "discard", "tempfail", "reject". */
const char *ng_content_action_name(enum ng_content_action a);

#define NG_CONTENT_RULES_MAX 96 /* the fired rules, comma-separated */

struct ng_content_decision {
	enum ng_content_action action;
	/* reject and tempfail: the SMTP reply split for smfi_setreply() */
	char rcode[4]; /* "550" */
	char xcode[8]; /* "5.7.1" */
	char text[NG_CONTENT_REPLY_MAX];
	/* the tag header: value set when one should be added (action tag, or
	 * quarantine with tagging, or milter_tag_classified) */
	bool add_header;
	char header[NG_CONTENT_HEADER_MAX];
	/* for the log */
	char rules[NG_CONTENT_RULES_MAX]; /* "listed,multi-rcpt"; "-" none */
	const char *reason;           /* static: not-candidate, exempt-network, not-listed, listed,
	                                 dns-trouble, not-backscatter, no-lookup */
	const char *zone;             /* the first listed zone (borrowed from the result) */
	enum ng_dnsbl_status summary; /* NOT_LISTED without a lookup */
	bool lookup;
	bool bounce;                  /* a bounce: bounce sender or bounce class */
	bool dry_run;                 /* milter_content_action = dry-run and listed */
	enum ng_content_action would; /* dry-run: what was not done */
};

/* The decision at end of data.  v: the classifier's verdict, NULL for a
 * message that was not classified; res: the DNSBL result, NULL without a
 * lookup.  d->zone points into res. */
void ng_content_decide(const struct ng_content *ct, const struct ng_content_msg *m,
                       const ng_verdict *v, const struct ng_dnsbl_result *res,
                       struct ng_content_decision *d);

/* True for the classes extended safe mode acts on: ndr, delay, autoreply,
 * challenge, av-notice. */
bool ng_content_class_is_backscatter(enum ng_class c);

#endif
