/*
 * policy.h - the DNSBL policy per SMTP transaction, and the Postfix policy
 * delegation request parser that feeds it.
 *
 * Rules (struct ng_policy).  Built once from plain option values
 * (ng_policy_new) or from the configuration (ng_policy_from_config), then
 * asked twice per transaction:
 *
 *   1. ng_policy_check(), before any DNS: does this transaction need a
 *      DNSBL lookup at all?  In safe mode (the default) only a bounce
 *      sender does: the null sender, or a local part listed in
 *      bounce_senders (postmaster, mailer-daemon).  Ordinary mail - most of
 *      it - is answered DUNNO here and costs no DNS query.  Exempt client
 *      networks and exempt recipients are answered here too.
 *   2. ng_policy_decide(), with the lookup's result: listed on a zone ->
 *      dnsbl_action (reject 550 5.7.1, tempfail 450 4.7.1, tag PREPEND, or
 *      dry-run: DUNNO and a log line).  DNS trouble (unknown, unusable or
 *      skipped zones, none listed) never rejects: dns_failure_action (tag,
 *      accept, tempfail 451 4.3.0).  Not listed -> DUNNO.
 *
 * dnsbl_mode = all applies the action to every mail from a listed client,
 * not only to bounces.  It is unsafe with a backscatter list such as
 * ips.backscatterer.org: hosted services send legitimate one-to-one mail
 * from the same addresses that leak some backscatter, so that mail would be
 * lost.  It exists for lists whose listings mean "never accept anything".
 *
 * The reject text is a template (dnsbl_reject_text) with placeholders
 * $client $zone $txt $sender $recipient (also ${name}; $$ is a dollar sign).
 * Every substituted value is reduced to printable ASCII and capped, so a
 * hostile TXT record cannot break the SMTP reply or the policy protocol.
 *
 * Request parser (struct ng_policy_parser).  A push parser without I/O:
 * the caller feeds bytes in chunks of any size and takes each complete
 * request (name=value lines ending in LF, CRLF tolerated, an empty line
 * ends the request).  A request past a cap (size, line, attribute count),
 * a line without '=', a NUL byte or a repeated attribute is *malformed*:
 * the rest of it is read up to its empty line and the request is handed
 * out with `malformed` set, so that the daemon can answer it (DUNNO) and
 * keep the connection.  Only a malformed request that runs on past the
 * flood cap is an error the caller answers by closing the connection.
 *
 * Ownership and thread-safety: a struct ng_policy is immutable after it is
 * built and may be shared by any number of threads and transactions.  A
 * parser belongs to one connection; the strings of the request it hands
 * out stay valid until the next ng_policy_parser_feed() or _free().  No
 * globals, no I/O.
 */
#ifndef NDRGUARD_POLICY_H
#define NDRGUARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "ndrguard/dnsbl.h"

#include <time.h>

struct ng_batv;
struct ng_config;

/* ----- one transaction, as Postfix describes it ----- */

/*
 * The attributes ndrguard uses; NULL when the request did not carry one
 * (Postfix sends an empty value for an unknown one: sender= is the null
 * sender).  Anyone may fill one of these by hand (tests, the milter).
 */
struct ng_policy_request {
	const char *request;        /* "smtpd_access_policy" */
	const char *protocol_state; /* CONNECT EHLO HELO MAIL RCPT DATA END-OF-MESSAGE VRFY ETRN */
	const char *protocol_name;  /* SMTP, ESMTP */
	const char *client_address; /* the SMTP client's IP */
	const char *client_name;    /* verified name or "unknown" */
	const char *reverse_client_name;
	const char *helo_name;
	const char *sender; /* envelope sender without <>; "" = null sender */
	const char *recipient;
	const char *recipient_count;
	const char *queue_id;
	const char *instance; /* one value per message transaction */
	const char *sasl_username;
	const char *size;
	size_t nattrs; /* attribute lines, known or not */
	size_t bytes;  /* bytes of the request, the final empty line included */
	bool malformed;
	const char *error; /* why it is malformed (static text), else NULL */
};

/* ----- rules ----- */

enum ng_policy_mode {
	NG_POLICY_MODE_SAFE = 0, /* act on a listing only for bounce senders */
	NG_POLICY_MODE_ALL,      /* act on a listing for all mail: unsafe, see above */
};

enum ng_policy_on_listed {
	NG_POLICY_LISTED_REJECT = 0, /* 550 5.7.1 TEXT */
	NG_POLICY_LISTED_TEMPFAIL,   /* 450 4.7.1 TEXT */
	NG_POLICY_LISTED_TAG,        /* PREPEND HEADER: listed ... */
	NG_POLICY_LISTED_DRY_RUN,    /* DUNNO; the log says what would have happened */
};

enum ng_policy_on_dns_failure {
	NG_POLICY_DNSFAIL_TAG = 0, /* PREPEND HEADER: dns-trouble ... */
	NG_POLICY_DNSFAIL_ACCEPT,  /* DUNNO */
	NG_POLICY_DNSFAIL_TEMPFAIL /* 451 4.3.0 ... */
};

/* batv_action: the answer to a bounce to one of batv_domains without a
 * valid signature, once ng_batv_enforced(); before that, reject and tag
 * both tag.  See ng_policy_check(). */
enum ng_policy_batv_action {
	NG_POLICY_BATV_REJECT = 0, /* 550 5.7.1 <rcpt>: bounce to an address that never sent mail */
	NG_POLICY_BATV_TAG,        /* PREPEND HEADER: batv=STATUS recipient=RCPT */
	NG_POLICY_BATV_DRY_RUN,    /* DUNNO; the log says what would have happened */
};

struct ng_policy_opts {
	enum ng_policy_mode mode;
	/* "<>" (the null sender), local parts ("postmaster") or whole
	 * addresses ("bounces@example.org"); compared case-insensitively. */
	const char *const *bounce_senders;
	size_t nbounce_senders;
	enum ng_policy_on_listed on_listed;
	enum ng_policy_on_dns_failure on_dns_failure;
	const char *reject_text; /* template; NULL = NG_POLICY_DEFAULT_TEXT */
	const char *tag_header;  /* header field name; NULL = "X-Ndrguard" */
	/* CIDR (192.0.2.0/24, 2001:db8::/32) or a bare address. */
	const char *const *exempt_networks;
	size_t nexempt_networks;
	/* local@domain, local@*, *@domain, or a bare local part (= local@*). */
	const char *const *exempt_recipients;
	size_t nexempt_recipients;
	/* BATV (batv.h; lib/policy/batv_rule.c): NULL = off.  Borrowed: it
	 * must outlive the rules (ng_policy_from_config() owns its own). */
	const struct ng_batv *batv;
	enum ng_policy_batv_action batv_action;
	/* The clock BATV checks against; NULL = time(NULL). */
	time_t (*clock)(void *arg);
	void *clock_arg;
};

#define NG_POLICY_DEFAULT_TEXT   "Backscatter from $client rejected: listed on $zone: $txt"
#define NG_POLICY_DEFAULT_HEADER "X-Ndrguard"

/* What the verdict tells Postfix (the first word of the action). */
enum ng_policy_action {
	NG_POLICY_DUNNO = 0, /* no opinion: the next restriction decides */
	NG_POLICY_PREPEND,   /* PREPEND a header */
	NG_POLICY_DEFER,     /* 4xx: try again later */
	NG_POLICY_REJECT,    /* 5xx */
};

/* Room for the action text and its NUL (the text itself stays shorter than
 * NG_POLICY_REPLY_MAX in lib/util/limits.h). */
#define NG_POLICY_ACTION_MAX 512

struct ng_policy_verdict {
	enum ng_policy_action action;
	char text[NG_POLICY_ACTION_MAX]; /* after "action=": "DUNNO", "550 5.7.1 ..." */
	/* One word for the log: state, not-bounce, bad-client, exempt-network,
	 * exempt-recipient, no-recipient, not-listed, listed, dns-trouble,
	 * batv-valid, batv-unsigned, batv-foreign, batv-expired,
	 * batv-bad-signature, batv-unknown-key. */
	const char *reason;
	const char *zone; /* the first listed zone (borrowed from the result), or NULL */
	enum ng_dnsbl_status summary; /* over the zones; NOT_LISTED without a lookup */
	bool lookup;                  /* decided with a DNSBL result */
	bool bounce;                  /* the sender is a bounce sender */
	bool dry_run;                 /* listed under dry-run: `would` was not done */
	enum ng_policy_action would;  /* dry-run: what reject/tempfail/tag would be */
};

struct ng_policy;

/*
 * Build the rules; NULL with a message in err (size errlen) for a bad
 * CIDR, recipient pattern, bounce sender, header name or template (the
 * message names the item), or when out of memory.
 */
struct ng_policy *ng_policy_new(const struct ng_policy_opts *opts, char *err, size_t errlen);

/*
 * The same from the configuration keys dnsbl_mode, bounce_senders,
 * dnsbl_action, dnsbl_dns_failure_action, dnsbl_reject_text,
 * dnsbl_tag_header, exempt_networks and exempt_recipients, and, when
 * batv_keys is set, BATV (ng_batv_from_config(): the key files are read
 * here) with batv_action; an error names the key and where it was set
 * (ng_config_where()).
 */
struct ng_policy *ng_policy_from_config(const struct ng_config *cfg, char *err, size_t errlen);

void ng_policy_free(struct ng_policy *pol);

/*
 * Step 1, before DNS.  Returns true when the transaction needs a DNSBL
 * lookup of req->client_address (then v is untouched but for `bounce`);
 * false when it is decided already (v holds a DUNNO verdict and its
 * reason).  Only MAIL, RCPT, DATA, BDAT and END-OF-MESSAGE stages (or a
 * request without protocol_state) know the envelope sender; in safe mode
 * other stages are DUNNO, in mode all every stage is looked up.
 *
 * BATV, when configured, is checked here too, without DNS, after the
 * exemptions (an exempt network or recipient is never touched): a bounce
 * sender's RCPT to a domain of batv_domains must carry a valid signature.
 * Valid -> DUNNO "batv-valid", and no DNSBL lookup: the bounce provably
 * answers our own mail.  Not valid (unsigned, a foreign btv1/msprvs1 tag,
 * expired, bad signature, unknown key), enforced and batv_action = reject
 * -> 550 5.7.1, decided here.  Otherwise (tag, dry-run, or not enforced
 * yet) the DNSBL lookup still runs and ng_policy_decide() answers with the
 * BATV tag (or dry-run) only where the DNSBL verdict itself is DUNNO: a
 * listing's reject or tempfail wins over a tag.
 */
bool ng_policy_check(const struct ng_policy *pol, const struct ng_policy_request *req,
                     struct ng_policy_verdict *v);

/* Step 2: the verdict for a transaction that ng_policy_check() sent to a
 * lookup, from the lookup's result.  v->zone points into res. */
void ng_policy_decide(const struct ng_policy *pol, const struct ng_policy_request *req,
                      const struct ng_dnsbl_result *res, struct ng_policy_verdict *v);

/* True when sender ("" = null sender) is a bounce sender. */
bool ng_policy_is_bounce_sender(const struct ng_policy *pol, const char *sender);

/* "dunno", "prepend", "defer", "reject". */
const char *ng_policy_action_name(enum ng_policy_action a);

/* One line describing the rules, for the daemon's start-up log:
 * "mode=safe action=reject dns_failure_action=tag ..."; returns buf. */
const char *ng_policy_describe(const struct ng_policy *pol, char *buf, size_t cap);

/* ----- the request parser ----- */

/* Caps; a zero field takes the default from lib/util/limits.h. */
struct ng_policy_limits {
	size_t request_max; /* bytes of one request */
	size_t name_max;    /* an attribute name */
	size_t value_max;   /* an attribute value */
	size_t attrs_max;   /* attribute lines */
	size_t flood_max;   /* bytes of one malformed request before NG_POLICY_FLOOD */
};

enum ng_policy_feed {
	NG_POLICY_MORE = 0, /* every byte consumed; no request complete yet */
	NG_POLICY_REQUEST,  /* a request is complete: ng_policy_parser_request() */
	NG_POLICY_FLOOD,    /* a malformed request ran past flood_max: close */
};

struct ng_policy_parser;

/* A parser with the given caps (NULL: the defaults); NULL when out of
 * memory.  Memory grows with the largest request seen, up to the caps. */
struct ng_policy_parser *ng_policy_parser_new(const struct ng_policy_limits *lim);
void ng_policy_parser_free(struct ng_policy_parser *p);

/*
 * Feed len bytes.  Consumes bytes up to and including the empty line that
 * ends a request and then stops: *used says how many were taken (the
 * caller feeds the rest afterwards).  Returns NG_POLICY_REQUEST with a
 * request ready, NG_POLICY_MORE when all len bytes were taken without
 * completing one, or NG_POLICY_FLOOD (the parser is then dead: every
 * later feed returns NG_POLICY_FLOOD and takes nothing).  An allocation
 * failure makes the current request malformed ("out of memory").
 */
enum ng_policy_feed ng_policy_parser_feed(struct ng_policy_parser *p, const char *data, size_t len,
                                          size_t *used);

/* The request completed by the last feed, or NULL when none is ready.
 * Valid until the next feed. */
const struct ng_policy_request *ng_policy_parser_request(const struct ng_policy_parser *p);

/* True when bytes of an unfinished request are held (e.g. the peer closed
 * the connection in the middle of a request). */
bool ng_policy_parser_pending(const struct ng_policy_parser *p);

#endif
