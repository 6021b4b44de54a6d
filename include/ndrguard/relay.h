/*
 * relay.h - the outbound relay guard: is a tenant's outgoing bounce or
 * auto-reply backscatter?
 *
 * A hosted relay passes its tenants' outbound mail.  When a tenant
 * accepts spam with a forged sender and then bounces it, the bounce would
 * leave through the relay toward the forged sender.  The relay milter
 * (`ndrguard milter --relay`) asks this module, per message:
 *
 *   ng_relay_tenant()        who is the client: a tenant (outbound mail),
 *                            or nobody (inbound mail, for the message log)
 *   inbound:  ng_relay_log_*  build and store the message-log record of a
 *                            message the relay delivers to a tenant
 *                            (Message-ID, sender, client, SPF/DKIM/DMARC
 *                            results and spam verdict from trusted headers)
 *   outbound: ng_relay_judged_class()
 *                            is the classified message a bounce or
 *                            auto-reply at all (others are allowed)
 *             ng_relay_spf_target()
 *                            the hop that handed the returned original to
 *                            the relay or the tenant, and the original's
 *                            envelope sender, for an SPF check
 *             ng_relay_judge()
 *                            the weighted evidence rules -> verdict and
 *                            action
 *             ng_relay_budget_take()
 *                            the per-tenant and per-destination-domain
 *                            sliding-window limit on bounces that leave
 *
 * The evidence rules (relay_rules = NAME:WEIGHT ...; relay_rules_dry_run):
 *
 *   log_spam       the original is in the message log with a spam verdict
 *   log_auth_fail  ... with SPF fail or DMARC fail
 *   log_missing    the original has a Message-ID that is not in the log
 *                  (the relay never delivered it: suspicious)
 *   log_clean      in the log without spam verdict or failure, and with a
 *                  ham verdict or an SPF/DMARC pass
 *   spf_fail       the hop that handed the original in fails SPF for the
 *                  original's envelope sender (= the bounce's recipient):
 *                  the sender was forged
 *   spf_softfail   ... softfails
 *   spf_pass       ... passes
 *
 * The score is the sum of the weights of the rules that fired and are not
 * in dry-run.  score >= relay_backscatter_score: backscatter;
 * score <= relay_legitimate_score: legitimate; otherwise unknown.  Each
 * verdict has an action (relay_*_action): allow, route (FILTER
 * relay_route_filter, the bounce pool), quarantine, discard, reject.
 * Every rule counts how often it fired (dry-run or not).
 *
 * Thread-safety: after ng_relay_from_config() the object is shared by any
 * number of threads; counters are atomic and the budget has its own lock.
 * No I/O here except reading the tenants map at build time; the store and
 * DNS are the caller's.
 */
#ifndef NDRGUARD_RELAY_H
#define NDRGUARD_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/classify.h"
#include "ndrguard/spf.h"
#include "util/buf.h"

struct ng_config;
struct ng_relay;

enum ng_relay_verdict {
	NG_RELAY_NOT_JUDGED, /* not a bounce or auto-reply: allowed */
	NG_RELAY_LEGITIMATE,
	NG_RELAY_UNKNOWN,
	NG_RELAY_BACKSCATTER,
};

enum ng_relay_action {
	NG_RELAY_ALLOW,
	NG_RELAY_ROUTE,
	NG_RELAY_QUARANTINE,
	NG_RELAY_DISCARD,
	NG_RELAY_REJECT,
	NG_RELAY_TEMPFAIL, /* over budget, or trouble: never chosen by a verdict */
};

enum ng_relay_rule {
	NG_RULE_LOG_SPAM,
	NG_RULE_LOG_AUTH_FAIL,
	NG_RULE_LOG_MISSING,
	NG_RULE_LOG_CLEAN,
	NG_RULE_SPF_FAIL,
	NG_RULE_SPF_SOFTFAIL,
	NG_RULE_SPF_PASS,
	NG_RELAY_NRULES
};

const char *ng_relay_verdict_name(enum ng_relay_verdict v); /* "not-judged", "legitimate", ... */
const char *ng_relay_action_name(enum ng_relay_action a);   /* "allow", "route", ... */
const char *ng_relay_rule_name(enum ng_relay_rule r);       /* "log_spam", ... */

/* Build from relay_tenants (the map file is read here), relay_internal_networks,
 * relay_auth_headers, relay_authserv_ids, relay_spam_headers, relay_rules,
 * relay_rules_dry_run, relay_*_score, relay_*_action, relay_route_filter,
 * relay_reject_text, relay_bounce_rate, relay_bounce_domain_rate,
 * relay_message_log_ttl.  NULL with "WHERE: KEY: message" in err. */
struct ng_relay *ng_relay_from_config(const struct ng_config *cfg, char *err, size_t errlen);
void ng_relay_free(struct ng_relay *r);
/* One line for the start-up log; returns buf. */
const char *ng_relay_describe(const struct ng_relay *r, char *buf, size_t cap);

/* ----- tenants ----- */

/* The tenant of a client: by SASL login first (NULL or "" = none), then
 * by the longest network holding the address.  NULL: not a tenant.  With
 * no relay_tenants map, a client that authenticated or is in
 * our_networks is the tenant "local".  The string lives as long as r. */
const char *ng_relay_tenant(const struct ng_relay *r, const char *client_ip, const char *login);

/* ----- the message log (inbound) ----- */

#define NG_RELAY_MSGID_MAX  256
#define NG_RELAY_RESULT_MAX 16

enum ng_relay_spam { NG_RELAY_SPAM_UNKNOWN, NG_RELAY_SPAM_NO, NG_RELAY_SPAM_YES };

struct ng_relay_logrec {
	int64_t time;
	char message_id[NG_RELAY_MSGID_MAX]; /* without <> */
	char sender[NG_CL_ADDR_MAX];
	char client[64];
	char spf[NG_RELAY_RESULT_MAX]; /* "pass", "fail", ...; "" none seen */
	char dkim[NG_RELAY_RESULT_MAX];
	char dmarc[NG_RELAY_RESULT_MAX];
	enum ng_relay_spam spam;
};

/* Start a record for an inbound message. */
void ng_relay_log_begin(const struct ng_relay *r, struct ng_relay_logrec *rec, int64_t now,
                        const char *client, const char *sender);
/* One header of it: Message-ID, the trusted authentication headers and
 * spam headers are read; others are ignored. */
void ng_relay_log_header(const struct ng_relay *r, struct ng_relay_logrec *rec, const char *name,
                         const char *value);
/* The store key of a Message-ID ("m/" + the ID without <> and white
 * space) into buf; false when there is no usable ID. */
bool ng_relay_log_key(const char *message_id, char *buf, size_t cap, size_t *klen);
/* The record's stored form, appended to b; its expiry (unix seconds). */
void ng_relay_log_encode(const struct ng_relay *r, const struct ng_relay_logrec *rec, ng_buf *b,
                         int64_t *expires);
/* Parse a stored record; false when it is not one. */
bool ng_relay_log_decode(const void *data, size_t len, struct ng_relay_logrec *rec);

/* ----- judging an outbound message ----- */

/* Is a message of class cls (with or without a bounce sender) judged?
 * ndr, delay, success, autoreply, challenge, av-notice are; so is class
 * none with a bounce sender (a report the classifier could not read). */
bool ng_relay_judged_class(enum ng_class cls, bool bounce_sender);

/* The SPF question for a classified bounce: ip/helo of the first hop of
 * the returned original's Received chain that is neither one of
 * relay_internal_networks nor a tenant's network, and the original's
 * envelope sender (the bounce's recipient, `rcpt`).  False when there is
 * no such hop or no sender domain. */
struct ng_relay_spf_target {
	char ip[64];
	char helo[256];
	char sender[NG_CL_ADDR_MAX];
};
bool ng_relay_spf_target(const struct ng_relay *r, const ng_verdict *v, const char *rcpt,
                         struct ng_relay_spf_target *out);

/* What the front-end found out. */
struct ng_relay_evidence {
	enum ng_class cls;
	bool bounce_sender;
	bool have_msgid; /* the returned original's (or In-Reply-To's) ID was looked up */
	bool in_log;
	struct ng_relay_logrec log; /* when in_log */
	bool spf_checked;
	enum ng_spf_result spf;
};

struct ng_relay_judgement {
	enum ng_relay_verdict verdict;
	int score;
	unsigned fired; /* bit (1 << rule): fired and scored */
	unsigned dry;   /* bit: fired, in dry-run */
	enum ng_relay_action action;
	char rules[256]; /* "spf_fail:+100,log_missing:+30(dry-run)" or "-" */
	/* reject: the reply split for the MTA; route: the FILTER target */
	char rcode[4], xcode[8];
	char text[256];
	char filter[256];
};

/* Judge and count.  Pure apart from the counters. */
void ng_relay_judge(struct ng_relay *r, const struct ng_relay_evidence *e,
                    struct ng_relay_judgement *out);

/* ----- the budget ----- */

/* A bounce from `tenant` to the recipients' domains is about to leave:
 * take one from the tenant's budget and from each (tenant, domain)
 * budget, all or nothing.  0 taken; 1 over a limit: out->rcode "451",
 * out->xcode "4.7.1" and out->text say which and when to retry. */
int ng_relay_budget_take(struct ng_relay *r, const char *tenant, const char *const *rcpts,
                         size_t nrcpts, int64_t now_ms, struct ng_relay_judgement *out);

/* A new configuration of a running daemon (SIGHUP) keeps the counts of
 * the old one's budget when both have the same rates: a reload must not
 * open the gates.  `from` loses its budget (it counts nothing more);
 * the caller must not use either object from another thread meanwhile. */
void ng_relay_budget_adopt(struct ng_relay *to, struct ng_relay *from);

/* ----- the envelope checks (`ndrguard policyd --relay`) ----- */

/*
 * Where a milter cannot run, the relay policy service sees only the
 * envelope: a bounce sender (the caller asks lib/policy: the null sender
 * or bounce_senders) from a tenant at RCPT is a bounce whose content is
 * unknown.  It takes from the tenant's budgets (one per recipient) and
 * gets relay_unknown_action, in policy-protocol terms: allow -> DUNNO,
 * route -> "FILTER relay_route_filter", quarantine -> "HOLD" (Postfix's
 * hold queue: there is no content to keep here), discard -> "DISCARD",
 * reject -> relay_reject_text; over budget -> "451 4.7.1 ...".  Anything
 * else (not a tenant, not a bounce sender, not RCPT) -> DUNNO.
 */
struct ng_relay_envelope {
	const char *tenant; /* NULL: not a tenant */
	bool judged;        /* a tenant's bounce at RCPT */
	enum ng_relay_action action;
	char text[512]; /* the policy-protocol action */
};
void ng_relay_envelope_decide(struct ng_relay *r, const char *client_ip, const char *login,
                              bool bounce_sender, const char *state, const char *rcpt,
                              int64_t now_ms, struct ng_relay_envelope *out);

/* ----- counters ----- */

/* The front-end changed the judged action (to tempfail, say): count the
 * final one instead. */
void ng_relay_count_action(struct ng_relay *r, enum ng_relay_action from, enum ng_relay_action to);

struct ng_relay_stats {
	unsigned long long fired[NG_RELAY_NRULES], dry[NG_RELAY_NRULES];
	unsigned long long verdicts[4];
	unsigned long long actions[6];
	unsigned long long budget_deferred;
};
void ng_relay_stats(const struct ng_relay *r, struct ng_relay_stats *out);

#endif
