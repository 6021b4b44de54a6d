/*
 * policy.c - the DNSBL rules per transaction (policy.h).
 *
 * Everything a verdict needs is prepared when the rules are built: bounce
 * senders split into "null sender", local parts and whole addresses;
 * networks parsed; recipient patterns split into local part and domain;
 * the reply template checked.  A decision is then a few string compares,
 * and the verdict is written into the caller's struct: no allocation per
 * transaction.
 *
 * Text that reaches Postfix is built by one writer (struct out) that keeps
 * printable ASCII only and stops at NG_POLICY_REPLY_MAX: a TXT record, a
 * sender address or a recipient is peer data, and a CR, LF or NUL in an
 * action would end the policy reply early or split the SMTP reply.
 */
#include "ndrguard/batv.h"
#include "ndrguard/policy.h"

#include "policy/cidr.h"
#include "policy/internal.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(NG_POLICY_REPLY_MAX < NG_POLICY_ACTION_MAX, "verdict text must fit");

struct item {
	char *s;
	size_t len;
};

struct rcpt_pattern {
	char *local;  /* NULL = any local part */
	char *domain; /* NULL = any domain (and none) */
};

struct ng_policy {
	enum ng_policy_mode mode;
	enum ng_policy_on_listed on_listed;
	enum ng_policy_on_dns_failure on_dns_failure;
	bool null_sender;
	struct item *locals; /* bounce senders: local parts */
	size_t nlocals;
	struct item *addrs; /* bounce senders: whole addresses */
	size_t naddrs;
	char *text;   /* reply template */
	char *header; /* tag header name */
	struct ng_cidr *nets;
	size_t nnets;
	struct rcpt_pattern *rcpts;
	size_t nrcpts;
	struct ng_policy_batv batv; /* batv_rule.c */
	struct ng_batv *batv_owned;
};

/* ----- building ----- */

static bool printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool has_space(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == ' ' || *s == '\t')
			return true;
	return false;
}

static int add_bounce_sender(struct ng_policy *pol, const char *s, char *err, size_t errlen)
{
	if (strcmp(s, "<>") == 0) {
		pol->null_sender = true;
		return 0;
	}
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n == 0 || !printable(s) || has_space(s) || s[0] == '<' ||
	    (at != NULL && (at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL))) {
		snprintf(err, errlen,
		         "bounce sender '%.80s': want <>, a local part (postmaster) or an address",
		         s);
		return -1;
	}
	struct item *list = at != NULL ? pol->addrs : pol->locals;
	size_t *count = at != NULL ? &pol->naddrs : &pol->nlocals;
	struct item it = {strndup(s, n), n};
	if (it.s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	list[(*count)++] = it;
	return 0;
}

static int add_rcpt(struct ng_policy *pol, const char *s, char *err, size_t errlen)
{
	const char *at = strrchr(s, '@');
	size_t n = strlen(s);
	size_t llen = at != NULL ? (size_t)(at - s) : n;
	const char *dom = at != NULL ? at + 1 : "*";
	size_t dlen = strlen(dom);
	bool any_local = llen == 0 || (llen == 1 && s[0] == '*');
	bool any_dom = dlen == 1 && dom[0] == '*';
	if (n == 0 || !printable(s) || has_space(s) || (at != NULL && dlen == 0) ||
	    (!any_local && memchr(s, '*', llen) != NULL) ||
	    (!any_dom && strchr(dom, '*') != NULL)) {
		snprintf(err, errlen,
		         "recipient pattern '%.80s': want local@domain, local@*, *@domain or a "
		         "local part",
		         s);
		return -1;
	}
	if (any_local && any_dom) {
		snprintf(err, errlen,
		         "recipient pattern '%.80s' exempts every recipient (use dnsbl_action = "
		         "dry-run to turn the DNSBL off)",
		         s);
		return -1;
	}
	struct rcpt_pattern *r = &pol->rcpts[pol->nrcpts++];
	r->local = any_local ? NULL : strndup(s, llen);
	r->domain = any_dom ? NULL : strndup(dom, dlen);
	if ((!any_local && r->local == NULL) || (!any_dom && r->domain == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int check_header(const char *h, char *err, size_t errlen)
{
	/* RFC 5322 field name: printable ASCII but ':' and space. */
	const char *s = h;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s > 0x7e || *s == ':')
			break;
	if (h[0] == '\0' || *s != '\0' || s - h > 64) {
		snprintf(err, errlen, "header name '%.80s' is not a header field name", h);
		return -1;
	}
	return 0;
}

struct ng_policy *ng_policy_build(const struct ng_policy_opts *o, enum ng_policy_field *bad,
                                  char *err, size_t errlen)
{
	struct ng_policy *pol = calloc(1, sizeof(*pol));
	const char *text = o->reject_text != NULL ? o->reject_text : NG_POLICY_DEFAULT_TEXT;
	const char *header = o->tag_header != NULL ? o->tag_header : NG_POLICY_DEFAULT_HEADER;

	*bad = NG_POLICY_F_NONE;
	snprintf(err, errlen, "out of memory");
	if (pol == NULL)
		return NULL;
	pol->mode = o->mode;
	pol->on_listed = o->on_listed;
	pol->on_dns_failure = o->on_dns_failure;
	size_t nb = o->nbounce_senders;
	pol->locals = calloc(nb + 1, sizeof(*pol->locals));
	pol->addrs = calloc(nb + 1, sizeof(*pol->addrs));
	pol->nets = calloc(o->nexempt_networks + 1, sizeof(*pol->nets));
	pol->rcpts = calloc(o->nexempt_recipients + 1, sizeof(*pol->rcpts));
	pol->text = strndup(text, strlen(text));
	pol->header = strndup(header, strlen(header));
	if (pol->locals == NULL || pol->addrs == NULL || pol->nets == NULL || pol->rcpts == NULL ||
	    pol->text == NULL || pol->header == NULL)
		goto fail;
	*bad = NG_POLICY_F_BOUNCE_SENDERS;
	for (size_t i = 0; i < nb; i++)
		if (add_bounce_sender(pol, o->bounce_senders[i], err, errlen) < 0)
			goto fail;
	*bad = NG_POLICY_F_EXEMPT_NETWORKS;
	for (size_t i = 0; i < o->nexempt_networks; i++) {
		if (ng_cidr_parse(o->exempt_networks[i], &pol->nets[i], err, errlen) < 0)
			goto fail;
		pol->nnets++;
	}
	*bad = NG_POLICY_F_EXEMPT_RECIPIENTS;
	for (size_t i = 0; i < o->nexempt_recipients; i++)
		if (add_rcpt(pol, o->exempt_recipients[i], err, errlen) < 0)
			goto fail;
	*bad = NG_POLICY_F_TAG_HEADER;
	if (check_header(pol->header, err, errlen) < 0)
		goto fail;
	*bad = NG_POLICY_F_REJECT_TEXT;
	if (ng_policy_template_check(pol->text, err, errlen) < 0)
		goto fail;
	pol->batv.batv = o->batv;
	pol->batv.action = o->batv_action;
	pol->batv.clock = o->clock;
	pol->batv.clock_arg = o->clock_arg;
	pol->batv.header = pol->header;
	*bad = NG_POLICY_F_NONE;
	if (errlen > 0)
		err[0] = '\0';
	return pol;
fail:
	ng_policy_free(pol);
	return NULL;
}

struct ng_policy *ng_policy_new(const struct ng_policy_opts *opts, char *err, size_t errlen)
{
	enum ng_policy_field bad;
	return ng_policy_build(opts, &bad, err, errlen);
}

void ng_policy_free(struct ng_policy *pol)
{
	if (pol == NULL)
		return;
	for (size_t i = 0; i < pol->nlocals; i++)
		free(pol->locals[i].s);
	for (size_t i = 0; i < pol->naddrs; i++)
		free(pol->addrs[i].s);
	for (size_t i = 0; i < pol->nrcpts; i++) {
		free(pol->rcpts[i].local);
		free(pol->rcpts[i].domain);
	}
	free(pol->locals);
	free(pol->addrs);
	free(pol->nets);
	free(pol->rcpts);
	free(pol->text);
	free(pol->header);
	ng_batv_free(pol->batv_owned);
	free(pol);
}

const struct ng_policy_batv *ng_policy_batv_of(const struct ng_policy *pol)
{
	return &pol->batv;
}

void ng_policy_own_batv(struct ng_policy *pol, struct ng_batv *b)
{
	pol->batv_owned = b;
	pol->batv.batv = b;
}

/* ----- matching ----- */

bool ng_policy_is_bounce_sender(const struct ng_policy *pol, const char *sender)
{
	if (sender[0] == '\0' || strcmp(sender, "<>") == 0)
		return pol->null_sender;
	const char *at = strrchr(sender, '@');
	size_t llen = at != NULL ? (size_t)(at - sender) : strlen(sender);
	for (size_t i = 0; i < pol->nlocals; i++)
		if (pol->locals[i].len == llen && strncasecmp(pol->locals[i].s, sender, llen) == 0)
			return true;
	for (size_t i = 0; i < pol->naddrs; i++)
		if (strcasecmp(pol->addrs[i].s, sender) == 0)
			return true;
	return false;
}

static bool exempt_recipient(const struct ng_policy *pol, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');
	size_t llen = at != NULL ? (size_t)(at - rcpt) : strlen(rcpt);
	for (size_t i = 0; i < pol->nrcpts; i++) {
		const struct rcpt_pattern *r = &pol->rcpts[i];
		if (r->local != NULL &&
		    (strlen(r->local) != llen || strncasecmp(r->local, rcpt, llen) != 0))
			continue;
		if (r->domain != NULL && (at == NULL || strcasecmp(r->domain, at + 1) != 0))
			continue;
		return true;
	}
	return false;
}

/* Stages at which Postfix knows the envelope sender. */
static bool sender_known(const char *state)
{
	static const char *const states[] = {"RCPT", "MAIL", "DATA", "END-OF-MESSAGE", "BDAT"};
	if (state == NULL || state[0] == '\0')
		return true;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcasecmp(state, states[i]) == 0)
			return true;
	return false;
}

static void dunno(struct ng_policy_verdict *v, const char *reason)
{
	v->action = NG_POLICY_DUNNO;
	memcpy(v->text, "DUNNO", sizeof("DUNNO"));
	v->reason = reason;
}

bool ng_policy_check(const struct ng_policy *pol, const struct ng_policy_request *req,
                     struct ng_policy_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->summary = NG_DNSBL_NOT_LISTED;
	v->would = NG_POLICY_DUNNO;
	bool safe = pol->mode == NG_POLICY_MODE_SAFE;
	if (safe && (!sender_known(req->protocol_state) || req->sender == NULL)) {
		dunno(v, "state");
		return false;
	}
	v->bounce = req->sender != NULL && sender_known(req->protocol_state) &&
	            ng_policy_is_bounce_sender(pol, req->sender);
	if (safe && !v->bounce) {
		dunno(v, "not-bounce");
		return false;
	}
	struct ng_cidr_addr a;
	if (req->client_address == NULL || !ng_cidr_addr_parse(req->client_address, &a)) {
		dunno(v, "bad-client");
		return false;
	}
	for (size_t i = 0; i < pol->nnets; i++) {
		if (ng_cidr_match(&pol->nets[i], &a)) {
			dunno(v, "exempt-network");
			return false;
		}
	}
	if (req->recipient == NULL || req->recipient[0] == '\0') {
		/* MAIL, or DATA and END-OF-MESSAGE of a message with several
		 * recipients: an answer here applies to every recipient, and one
		 * of them may be exempt (postmaster@).  Never act without knowing. */
		if (pol->nrcpts > 0) {
			dunno(v, "no-recipient");
			return false;
		}
	} else if (exempt_recipient(pol, req->recipient)) {
		dunno(v, "exempt-recipient");
		return false;
	}
	/* BATV: no DNS needed; a soft outcome is applied by ng_policy_decide() */
	enum ng_policy_batv_outcome b = ng_policy_batv_rule(&pol->batv, req, v->bounce, v);
	if (b == NG_POLICY_BATV_VALID || b == NG_POLICY_BATV_FINAL)
		return false;
	if (b == NG_POLICY_BATV_SOFT) {
		bool bounce = v->bounce;
		memset(v, 0, sizeof(*v));
		v->summary = NG_DNSBL_NOT_LISTED;
		v->would = NG_POLICY_DUNNO;
		v->bounce = bounce;
	}
	return true;
}

/* ----- deciding ----- */

/* A DNSBL verdict of DUNNO gives way to the BATV rule's tag or dry-run
 * (ng_policy_check() let the lookup run for it). */
static void batv_soft(const struct ng_policy *pol, const struct ng_policy_request *req,
                      struct ng_policy_verdict *v)
{
	struct ng_policy_verdict b = *v;
	if (ng_policy_batv_rule(&pol->batv, req, v->bounce, &b) == NG_POLICY_BATV_SOFT)
		*v = b;
}

void ng_policy_decide(const struct ng_policy *pol, const struct ng_policy_request *req,
                      const struct ng_dnsbl_result *res, struct ng_policy_verdict *v)
{
	const struct ng_dnsbl_zone_result *hit = NULL;
	bool trouble = false;
	bool bounce = req->sender != NULL && ng_policy_is_bounce_sender(pol, req->sender);

	memset(v, 0, sizeof(*v));
	v->lookup = true;
	v->bounce = bounce;
	v->would = NG_POLICY_DUNNO;
	size_t n = res->nzones < NG_DNSBL_ZONES_MAX ? res->nzones : NG_DNSBL_ZONES_MAX;
	for (size_t i = 0; i < n && hit == NULL; i++) {
		enum ng_dnsbl_status s = res->zones[i].status;
		if (s == NG_DNSBL_LISTED)
			hit = &res->zones[i];
		else if (s != NG_DNSBL_NOT_LISTED)
			trouble = true;
	}
	if (hit != NULL) {
		struct ng_policy_reply_args a = {req->client_address, hit->zone, hit->txt,
		                                 req->sender, req->recipient};
		v->summary = NG_DNSBL_LISTED;
		v->zone = hit->zone;
		v->reason = "listed";
		switch (pol->on_listed) {
		case NG_POLICY_LISTED_TEMPFAIL:
			v->action = NG_POLICY_DEFER;
			ng_policy_reply_text("450 4.7.1", pol->text, &a, v->text, sizeof(v->text));
			break;
		case NG_POLICY_LISTED_TAG:
			v->action = NG_POLICY_PREPEND;
			ng_policy_tag_listed(pol->header, &a, v->text, sizeof(v->text));
			break;
		case NG_POLICY_LISTED_DRY_RUN:
			v->dry_run = true;
			v->would = NG_POLICY_REJECT;
			dunno(v, "listed");
			break;
		case NG_POLICY_LISTED_REJECT:
		default:
			v->action = NG_POLICY_REJECT;
			ng_policy_reply_text("550 5.7.1", pol->text, &a, v->text, sizeof(v->text));
			break;
		}
		return;
	}
	if (!trouble) {
		v->summary = NG_DNSBL_NOT_LISTED;
		dunno(v, "not-listed");
		batv_soft(pol, req, v);
		return;
	}
	v->summary = NG_DNSBL_UNKNOWN;
	switch (pol->on_dns_failure) {
	case NG_POLICY_DNSFAIL_ACCEPT:
		dunno(v, "dns-trouble");
		batv_soft(pol, req, v);
		break;
	case NG_POLICY_DNSFAIL_TEMPFAIL:
		v->action = NG_POLICY_DEFER;
		v->reason = "dns-trouble";
		ng_policy_tempfail_trouble(req->client_address, v->text, sizeof(v->text));
		break;
	case NG_POLICY_DNSFAIL_TAG:
	default:
		v->action = NG_POLICY_PREPEND;
		v->reason = "dns-trouble";
		ng_policy_tag_trouble(pol->header, req->client_address, res, v->text,
		                      sizeof(v->text));
		break;
	}
}

const char *ng_policy_action_name(enum ng_policy_action a)
{
	switch (a) {
	case NG_POLICY_DUNNO:
		return "dunno";
	case NG_POLICY_PREPEND:
		return "prepend";
	case NG_POLICY_DEFER:
		return "defer";
	case NG_POLICY_REJECT:
		return "reject";
	}
	return "dunno";
}

static const char *const listed_names[] = {"reject", "tempfail", "tag", "dry-run"};
static const char *const dnsfail_names[] = {"tag", "accept", "tempfail"};

const char *ng_policy_describe(const struct ng_policy *pol, char *buf, size_t cap)
{
	char senders[256];
	size_t o = 0;
	senders[0] = '\0';
	if (pol->null_sender)
		o += (size_t)snprintf(senders + o, sizeof(senders) - o, "<>");
	for (size_t i = 0; i < pol->nlocals + pol->naddrs && o < sizeof(senders); i++) {
		const char *s =
		    i < pol->nlocals ? pol->locals[i].s : pol->addrs[i - pol->nlocals].s;
		o +=
		    (size_t)snprintf(senders + o, sizeof(senders) - o, "%s%s", o > 0 ? "," : "", s);
	}
	snprintf(buf, cap,
	         "mode=%s action=%s dns_failure_action=%s bounce_senders=%s exempt_networks=%zu "
	         "exempt_recipients=%zu header=%s",
	         pol->mode == NG_POLICY_MODE_ALL ? "all" : "safe",
	         listed_names[(unsigned)pol->on_listed % 4],
	         dnsfail_names[(unsigned)pol->on_dns_failure % 3], senders[0] ? senders : "-",
	         pol->nnets, pol->nrcpts, pol->header);
	return buf;
}
