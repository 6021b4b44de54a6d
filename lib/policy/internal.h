/*
 * internal.h - what the files of lib/policy share: the builder that says
 * which option was wrong (policy.c, for from_config.c), and the text of
 * the actions (reply.c).
 *
 * Every function here writes at most min(cap - 1, NG_POLICY_REPLY_MAX)
 * bytes and always NUL-terminates (cap > 0).  Peer data (client address,
 * TXT, sender, recipient) is reduced to printable ASCII: white-space
 * controls become a space, any other byte outside 0x20..0x7e becomes '?'.
 */
#ifndef NG_POLICY_INTERNAL_H
#define NG_POLICY_INTERNAL_H

#include "ndrguard/policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Which option ng_policy_build() found wrong. */
enum ng_policy_field {
	NG_POLICY_F_NONE = 0, /* none: out of memory */
	NG_POLICY_F_BOUNCE_SENDERS,
	NG_POLICY_F_EXEMPT_NETWORKS,
	NG_POLICY_F_EXEMPT_RECIPIENTS,
	NG_POLICY_F_TAG_HEADER,
	NG_POLICY_F_REJECT_TEXT,
};

/* ng_policy_new(), and on failure *bad names the option (policy.c). */
struct ng_policy *ng_policy_build(const struct ng_policy_opts *opts, enum ng_policy_field *bad,
                                  char *err, size_t errlen);

/* The values a reply template may name. */
struct ng_policy_reply_args {
	const char *client;    /* $client */
	const char *zone;      /* $zone */
	const char *txt;       /* $txt: raw TXT; "" = none */
	const char *sender;    /* $sender: "" = the null sender, shown as <> */
	const char *recipient; /* $recipient; NULL = "" */
};

/* Check a reply template: printable ASCII, known placeholders only, not
 * longer than the reply allows; 0, or -1 with a message in err. */
int ng_policy_template_check(const char *tmpl, char *err, size_t errlen);

/* "CODE " + the expanded template, e.g. code "550 5.7.1". */
void ng_policy_reply_text(const char *code, const char *tmpl, const struct ng_policy_reply_args *a,
                          char *out, size_t cap);

/* "PREPEND HEADER: dnsbl=listed zone=ZONE client=CLIENT". */
void ng_policy_tag_listed(const char *header, const struct ng_policy_reply_args *a, char *out,
                          size_t cap);

/* "PREPEND HEADER: dnsbl=dns-trouble client=CLIENT zones=Z1:unknown,...": the
 * zones that did not answer cleanly. */
void ng_policy_tag_trouble(const char *header, const char *client,
                           const struct ng_dnsbl_result *res, char *out, size_t cap);

/* The BATV rule's settings, a part of struct ng_policy (batv_rule.c). */
struct ng_policy_batv {
	const struct ng_batv *batv; /* NULL: off */
	enum ng_policy_batv_action action;
	time_t (*clock)(void *arg); /* NULL: time(NULL) */
	void *clock_arg;
	const char *header; /* the tag header name */
};

/* What the BATV rule says about one transaction (batv_rule.c). */
enum ng_policy_batv_outcome {
	NG_POLICY_BATV_NONE = 0, /* not a bounce to a BATV domain: v untouched */
	NG_POLICY_BATV_VALID,    /* v: DUNNO batv-valid; no DNSBL lookup */
	NG_POLICY_BATV_FINAL,    /* v: the reject; no DNSBL lookup */
	NG_POLICY_BATV_SOFT,     /* v: the tag or dry-run, if the DNSBL says nothing */
};

/* The BATV rule for a bounce (bounce = the sender is a bounce sender).
 * Writes v for every outcome but NONE. */
enum ng_policy_batv_outcome ng_policy_batv_rule(const struct ng_policy_batv *r,
                                                const struct ng_policy_request *req, bool bounce,
                                                struct ng_policy_verdict *v);

/* The rules' BATV settings (batv NULL when off), for the milter's rule. */
const struct ng_policy_batv *ng_policy_batv_of(const struct ng_policy *pol);

/* Give the rules a BATV handle they own (ng_policy_from_config). */
void ng_policy_own_batv(struct ng_policy *pol, struct ng_batv *b);

/* "451 4.3.0 DNS blocklist lookup failed for CLIENT; try again later". */
void ng_policy_tempfail_trouble(const char *client, char *out, size_t cap);

#endif
