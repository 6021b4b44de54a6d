/*
 * content.c - the milter's content-stage decisions (content.h).
 *
 * Candidate detection is one table of header patterns (cand_rules) read in
 * one pass per header field: no per-pattern code.  The bounce sender test
 * is lib/policy's own (ng_policy_is_bounce_sender on a struct ng_policy
 * built from the same keys), so policyd and the milter can never disagree
 * about what a bounce sender is; exempt networks use lib/policy's CIDR
 * code and the reply texts its template writer (internal.h).
 *
 * Everything a decision needs is prepared at build time; a decision is
 * string compares into the caller's structs: no allocation per message,
 * so the rules may be shared by every milter thread.
 */
#include "ndrguard/content.h"

#include "ndrguard/config.h"
#include "ndrguard/policy.h"
#include "policy/cidr.h"
#include "policy/content_batv.h"
#include "policy/internal.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pattern {
	char *local;  /* NULL = any local part */
	char *domain; /* NULL = any domain */
};

struct plist {
	struct pattern *p;
	size_t n;
};

struct nets {
	struct ng_cidr *n;
	size_t count;
};

struct ng_content {
	struct ng_policy *pol; /* bounce senders */
	struct nets exempt_nets;
	struct plist exempt_rcpts;
	struct plist never_rcpts;
	struct nets relay_nets;
	char **relay_names;
	size_t nrelay_names;
	char **our_names;
	size_t nour_names;
	struct nets our_nets;
	char *text;   /* dnsbl_reject_text */
	char *header; /* dnsbl_tag_header */
	enum ng_content_action on_listed;
	bool dry_run;
	enum ng_policy_on_dns_failure on_dns_failure;
	bool tag_classified;
	enum ng_content_action multi_rcpt, return_path, never_rcpt, foreign;
	struct ng_content_batv *batv; /* NULL: BATV off (batv_milter.c) */
};

/* ----- candidate table ----- */

enum match {
	M_PRESENT,  /* the field exists */
	M_NOT_NO,   /* its first word is not "no" (Auto-Submitted) */
	M_PREFIX,   /* the value starts with the pattern (case-insensitive) */
	M_CONTAINS, /* the value contains the pattern (case-insensitive) */
	M_MAILER,   /* an address in the value has this local part */
};

static const struct cand_rule {
	const char *field;
	enum match how;
	const char *pattern;
	const char *name;
} cand_rules[] = {
    {"Auto-Submitted", M_NOT_NO, NULL, "auto-submitted"},
    {"X-Autoreply", M_PRESENT, NULL, "autoreply-header"},
    {"X-Autorespond", M_PRESENT, NULL, "autoreply-header"},
    {"X-Failed-Recipients", M_PRESENT, NULL, "failed-recipients"},
    {"Content-Type", M_PREFIX, "multipart/report", "report-type"},
    {"Content-Type", M_PREFIX, "message/delivery-status", "report-type"},
    {"Precedence", M_PREFIX, "auto_reply", "precedence"},
    {"From", M_MAILER, "mailer-daemon", "from"},
    {"From", M_MAILER, "postmaster", "from"},
    {"From", M_CONTAINS, "mail delivery", "from"},
    {"Subject", M_CONTAINS, "undeliverable", "subject"},
    {"Subject", M_CONTAINS, "undelivered", "subject"},
    {"Subject", M_CONTAINS, "not delivered", "subject"},
    {"Subject", M_CONTAINS, "delivery status notification", "subject"},
    {"Subject", M_CONTAINS, "delivery failure", "subject"},
    {"Subject", M_CONTAINS, "delivery has failed", "subject"},
    {"Subject", M_CONTAINS, "delivery failed", "subject"},
    {"Subject", M_CONTAINS, "delivery delayed", "subject"},
    {"Subject", M_CONTAINS, "delivery notification", "subject"},
    {"Subject", M_CONTAINS, "returned mail", "subject"},
    {"Subject", M_CONTAINS, "failure notice", "subject"},
    {"Subject", M_CONTAINS, "nondeliverable", "subject"},
    {"Subject", M_CONTAINS, "could not send", "subject"},
    {"Subject", M_CONTAINS, "out of office", "subject"},
    {"Subject", M_CONTAINS, "out of the office", "subject"},
    {"Subject", M_CONTAINS, "automatic reply", "subject"},
    {"Subject", M_CONTAINS, "auto reply", "subject"},
    {"Subject", M_CONTAINS, "auto-reply", "subject"},
    {"Subject", M_CONTAINS, "autoreply", "subject"},
    {"Subject", M_CONTAINS, "auto response", "subject"},
    {"Subject", M_CONTAINS, "vacation", "subject"},
    {"Subject", M_CONTAINS, "virus", "subject"},
    {"Subject", M_CONTAINS, "please confirm", "subject"},
    {"Subject", M_CONTAINS, "verification required", "subject"},
    {"Subject", M_CONTAINS, "unzustellbar", "subject"},
    {"Subject", M_CONTAINS, "abwesenheit", "subject"},
    {"Subject", M_CONTAINS, "non remis", "subject"},
    {"Subject", M_CONTAINS, "=?", "subject-encoded"}, /* left to the classifier */
};

static bool icontains(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	if (k == 0 || k > n)
		return k == 0;
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static bool is_addr_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+';
}

/* Does some "LOCAL@" in v[0..n) have exactly this local part? */
static bool has_mailer(const char *v, size_t n, const char *local)
{
	size_t k = strlen(local);
	for (size_t i = 0; i < n; i++) {
		if (v[i] != '@' || i < k)
			continue;
		size_t s = i - k;
		if (strncasecmp(v + s, local, k) == 0 &&
		    (s == 0 || !is_addr_char((unsigned char)v[s - 1])))
			return true;
	}
	return false;
}

static bool rule_match(const struct cand_rule *r, const char *v, size_t n)
{
	switch (r->how) {
	case M_PRESENT:
		return true;
	case M_NOT_NO: {
		size_t i = 0;
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
			i++;
		size_t j = i;
		while (j < n && (isalnum((unsigned char)v[j]) || v[j] == '-'))
			j++;
		return !(j - i == 2 && strncasecmp(v + i, "no", 2) == 0);
	}
	case M_PREFIX: {
		size_t i = 0;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		size_t k = strlen(r->pattern);
		return n - i >= k && strncasecmp(v + i, r->pattern, k) == 0;
	}
	case M_CONTAINS:
		return icontains(v, n, r->pattern);
	case M_MAILER:
		return has_mailer(v, n, r->pattern);
	}
	return false;
}

/* ----- address patterns (exempt_recipients, never_bounce_recipients) ----- */

static int add_pattern(struct plist *l, const char *s, char *err, size_t errlen)
{
	const char *at = strrchr(s, '@');
	size_t n = strlen(s);
	size_t llen = at != NULL ? (size_t)(at - s) : n;
	const char *dom = at != NULL ? at + 1 : "*";
	bool any_local = llen == 0 || (llen == 1 && s[0] == '*');
	bool any_dom = strcmp(dom, "*") == 0;
	for (const char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e) {
			snprintf(err, errlen, "'%.80s': not an address pattern", s);
			return -1;
		}
	}
	if (n == 0 || (at != NULL && dom[0] == '\0') ||
	    (!any_local && memchr(s, '*', llen) != NULL) || (!any_dom && strchr(dom, '*'))) {
		snprintf(err, errlen,
		         "'%.80s': want local@domain, local@*, *@domain or a local part", s);
		return -1;
	}
	struct pattern *p = &l->p[l->n++];
	p->local = any_local ? NULL : strndup(s, llen);
	p->domain = any_dom ? NULL : strdup(dom);
	if ((!any_local && p->local == NULL) || (!any_dom && p->domain == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static bool pattern_match(const struct plist *l, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	for (size_t i = 0; i < l->n; i++) {
		const struct pattern *p = &l->p[i];
		if (p->local != NULL &&
		    (strlen(p->local) != llen || strncasecmp(p->local, addr, llen) != 0))
			continue;
		if (p->domain != NULL && (at == NULL || strcasecmp(p->domain, at + 1) != 0))
			continue;
		return true;
	}
	return false;
}

/* ----- host names ----- */

/* Is name equal to dom or below it ("mx1.example.org" below "example.org")? */
static bool name_within(const char *name, size_t n, const char *dom)
{
	size_t k = strlen(dom);
	while (n > 0 && name[n - 1] == '.')
		n--;
	if (k == 0 || n < k || strncasecmp(name + n - k, dom, k) != 0)
		return false;
	return n == k || name[n - k - 1] == '.';
}

static bool in_names(char *const *names, size_t count, const char *name, size_t n)
{
	for (size_t i = 0; i < count; i++)
		if (name_within(name, n, names[i]))
			return true;
	return false;
}

static bool in_nets(const struct nets *nets, const struct ng_cidr_addr *a)
{
	for (size_t i = 0; i < nets->count; i++)
		if (ng_cidr_match(&nets->n[i], a))
			return true;
	return false;
}

/* ----- building ----- */

static void free_plist(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->p[i].local);
		free(l->p[i].domain);
	}
	free(l->p);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void ng_content_free(struct ng_content *ct)
{
	if (ct == NULL)
		return;
	ng_policy_free(ct->pol);
	ng_content_batv_free(ct->batv);
	free(ct->exempt_nets.n);
	free(ct->relay_nets.n);
	free(ct->our_nets.n);
	free_plist(&ct->exempt_rcpts);
	free_plist(&ct->never_rcpts);
	free_names(ct->relay_names, ct->nrelay_names);
	free_names(ct->our_names, ct->nour_names);
	free(ct->text);
	free(ct->header);
	free(ct);
}

/* "WHERE: KEY: " + msg into err. */
static void key_err(const struct ng_config *cfg, enum ng_key k, const char *msg, char *err,
                    size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", ng_config_where(cfg, k), ng_config_key_info(k)->name,
	         msg);
}

static int build_nets(const struct ng_config *cfg, enum ng_key k, struct nets *out, char *err,
                      size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(cfg, k, &items);
	char msg[300];
	out->n = calloc(n + 1, sizeof(*out->n));
	if (out->n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ng_cidr_parse(items[i], &out->n[out->count], msg, sizeof(msg)) < 0) {
			key_err(cfg, k, msg, err, errlen);
			return -1;
		}
		out->count++;
	}
	return 0;
}

static int build_plist(const struct ng_config *cfg, enum ng_key k, struct plist *out, char *err,
                       size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(cfg, k, &items);
	char msg[300];
	out->p = calloc(n + 1, sizeof(*out->p));
	if (out->p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (add_pattern(out, items[i], msg, sizeof(msg)) < 0) {
			key_err(cfg, k, msg, err, errlen);
			return -1;
		}
	}
	return 0;
}

static bool host_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
			return false;
	return true;
}

/* Names (and, with nets != NULL, networks: an item that starts like an
 * address is one) of list key k. */
static int build_names(const struct ng_config *cfg, enum ng_key k, char ***names, size_t *count,
                       struct nets *nets, char *err, size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(cfg, k, &items);
	char msg[300];
	*names = calloc(n + 1, sizeof(**names));
	if (nets != NULL)
		nets->n = calloc(n + 1, sizeof(*nets->n));
	if (*names == NULL || (nets != NULL && nets->n == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = items[i];
		bool addr = strchr(s, ':') != NULL || strchr(s, '/') != NULL ||
		            strspn(s, "0123456789.") == strlen(s);
		if (nets != NULL && addr) {
			if (ng_cidr_parse(s, &nets->n[nets->count], msg, sizeof(msg)) < 0) {
				key_err(cfg, k, msg, err, errlen);
				return -1;
			}
			nets->count++;
			continue;
		}
		if (!host_name_ok(s)) {
			snprintf(msg, sizeof(msg), "'%.80s' is not a host name", s);
			key_err(cfg, k, msg, err, errlen);
			return -1;
		}
		const char *t = s[0] == '.' ? s + 1 : s;
		if (((*names)[(*count)++] = strdup(t)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static enum ng_content_action action_of(const char *v)
{
	static const char *const names[] = {"accept",  "tag",      "quarantine",
	                                    "discard", "tempfail", "reject"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return (enum ng_content_action)i;
	return NG_CONTENT_TAG;
}

struct ng_content *ng_content_from_config(const struct ng_config *cfg, char *err, size_t errlen)
{
	struct ng_content *ct = calloc(1, sizeof(*ct));
	char msg[300];
	if (ct == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ct->pol = ng_policy_from_config(cfg, err, errlen);
	if (ct->pol == NULL)
		goto fail;
	if (build_nets(cfg, NG_K_EXEMPT_NETWORKS, &ct->exempt_nets, err, errlen) < 0 ||
	    build_nets(cfg, NG_K_OUR_NETWORKS, &ct->our_nets, err, errlen) < 0 ||
	    build_plist(cfg, NG_K_EXEMPT_RECIPIENTS, &ct->exempt_rcpts, err, errlen) < 0 ||
	    build_plist(cfg, NG_K_NEVER_BOUNCE_RECIPIENTS, &ct->never_rcpts, err, errlen) < 0 ||
	    build_names(cfg, NG_K_MULTI_RCPT_BOUNCE_RELAYS, &ct->relay_names, &ct->nrelay_names,
	                &ct->relay_nets, err, errlen) < 0 ||
	    build_names(cfg, NG_K_OUR_HOSTNAMES, &ct->our_names, &ct->nour_names, NULL, err,
	                errlen) < 0)
		goto fail;
	const char *text = ng_config_str(cfg, NG_K_DNSBL_REJECT_TEXT);
	if (ng_policy_template_check(text, msg, sizeof(msg)) < 0) {
		key_err(cfg, NG_K_DNSBL_REJECT_TEXT, msg, err, errlen);
		goto fail;
	}
	ct->text = strdup(text);
	ct->header = strdup(ng_config_str(cfg, NG_K_DNSBL_TAG_HEADER));
	if (ct->text == NULL || ct->header == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	const char *ca = ng_config_str(cfg, NG_K_MILTER_CONTENT_ACTION);
	ct->dry_run = strcmp(ca, "dry-run") == 0;
	ct->on_listed = ct->dry_run ? NG_CONTENT_REJECT : action_of(ca);
	const char *df = ng_config_str(cfg, NG_K_DNSBL_DNS_FAILURE_ACTION);
	ct->on_dns_failure = strcmp(df, "accept") == 0     ? NG_POLICY_DNSFAIL_ACCEPT
	                     : strcmp(df, "tempfail") == 0 ? NG_POLICY_DNSFAIL_TEMPFAIL
	                                                   : NG_POLICY_DNSFAIL_TAG;
	ct->tag_classified = ng_config_bool(cfg, NG_K_MILTER_TAG_CLASSIFIED);
	ct->multi_rcpt = action_of(ng_config_str(cfg, NG_K_BOUNCE_MULTI_RCPT_ACTION));
	ct->return_path = action_of(ng_config_str(cfg, NG_K_BOUNCE_RETURN_PATH_ACTION));
	ct->never_rcpt = action_of(ng_config_str(cfg, NG_K_BOUNCE_NEVER_RECIPIENT_ACTION));
	ct->foreign = action_of(ng_config_str(cfg, NG_K_BOUNCE_FOREIGN_ORIGINAL_ACTION));
	/* BATV: the policy's own rule and key handle (ct->pol owns them) */
	if (ng_content_batv_build(ct->pol, ct->header, &ct->batv, err, errlen) < 0)
		goto fail;
	return ct;
fail:
	ng_content_free(ct);
	return NULL;
}

const char *ng_content_action_name(enum ng_content_action a)
{
	static const char *const names[] = {"accept",  "tag",      "quarantine",
	                                    "discard", "tempfail", "reject"};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "accept";
}

const char *ng_content_header_name(const struct ng_content *ct)
{
	return ct->header;
}

const char *ng_content_describe(const struct ng_content *ct, char *buf, size_t cap)
{
	char pol[512], batv[128];
	snprintf(buf, cap,
	         "content_action=%s tag_classified=%s multi_rcpt=%s return_path=%s "
	         "never_recipient=%s foreign_original=%s%s %s %s",
	         ct->dry_run ? "dry-run" : ng_content_action_name(ct->on_listed),
	         ct->tag_classified ? "yes" : "no", ng_content_action_name(ct->multi_rcpt),
	         ng_content_action_name(ct->return_path), ng_content_action_name(ct->never_rcpt),
	         ng_content_action_name(ct->foreign),
	         ct->nour_names + ct->our_nets.count == 0 ? "(off)" : "",
	         ng_content_batv_describe(ct->batv, batv, sizeof(batv)),
	         ng_policy_describe(ct->pol, pol, sizeof(pol)));
	return buf;
}

void ng_content_set_clock(struct ng_content *ct, time_t (*clock)(void *arg), void *arg)
{
	if (ct->batv != NULL)
		ng_content_batv_set_clock(ct->batv, clock, arg);
}

bool ng_content_batv_on(const struct ng_content *ct)
{
	return ct->batv != NULL;
}

bool ng_content_batv_outbound(const struct ng_content *ct, struct ng_content_msg *m,
                              const char *sender, bool authenticated)
{
	return ng_content_batv_sign_msg(ct->batv, m, sender, m->our_network || authenticated);
}

bool ng_content_batv_rcpt(const struct ng_content *ct, struct ng_content_msg *m, const char *rcpt,
                          struct ng_content_reply *r)
{
	bool exempt = m->exempt_network || (rcpt != NULL && pattern_match(&ct->exempt_rcpts, rcpt));
	return ng_content_batv_check_rcpt(ct->batv, m, rcpt, exempt, r);
}

/* ----- one message ----- */

void ng_content_begin(const struct ng_content *ct, struct ng_content_msg *m, const char *client,
                      const char *client_name, const char *sender)
{
	memset(m, 0, sizeof(*m));
	struct ng_cidr_addr a;
	if (client != NULL && strlen(client) < sizeof(m->client)) {
		memcpy(m->client, client, strlen(client) + 1);
		m->client_ok = ng_cidr_addr_parse(client, &a);
	}
	if (m->client_ok) {
		m->exempt_network = in_nets(&ct->exempt_nets, &a);
		m->relay = in_nets(&ct->relay_nets, &a);
		m->our_network = in_nets(&ct->our_nets, &a);
	}
	if (!m->relay && client_name != NULL)
		m->relay =
		    in_names(ct->relay_names, ct->nrelay_names, client_name, strlen(client_name));
	if (sender != NULL && ng_policy_is_bounce_sender(ct->pol, sender)) {
		m->bounce_sender = true;
		m->why = "bounce-sender";
	}
}

void ng_content_rcpt(const struct ng_content *ct, struct ng_content_msg *m, const char *rcpt)
{
	if (rcpt == NULL)
		return;
	if (m->nrcpt < (unsigned)-1)
		m->nrcpt++;
	if (!m->exempt_rcpt && pattern_match(&ct->exempt_rcpts, rcpt))
		m->exempt_rcpt = true;
	if (!m->never_rcpt && pattern_match(&ct->never_rcpts, rcpt))
		m->never_rcpt = true;
}

void ng_content_header(const struct ng_content *ct, struct ng_content_msg *m, const char *name,
                       const char *value)
{
	(void)ct;
	if (m->nheaders < (unsigned)-1)
		m->nheaders++;
	if (name == NULL || value == NULL || m->nheaders > NG_MILTER_HEADERS_MAX)
		return;
	if (strcasecmp(name, "Return-Path") == 0)
		m->return_path = true;
	if (m->why != NULL)
		return;
	size_t n = strnlen(value, NG_MILTER_VALUE_MAX);
	for (size_t i = 0; i < sizeof(cand_rules) / sizeof(cand_rules[0]); i++) {
		const struct cand_rule *r = &cand_rules[i];
		if (strcasecmp(name, r->field) == 0 && rule_match(r, value, n)) {
			m->why = r->name;
			return;
		}
	}
}

bool ng_content_candidate(const struct ng_content_msg *m)
{
	return m->why != NULL;
}

bool ng_content_wants_lookup(const struct ng_content_msg *m)
{
	return m->why != NULL && m->client_ok && !m->exempt_network;
}

bool ng_content_class_is_backscatter(enum ng_class c)
{
	return c == NG_CLASS_NDR || c == NG_CLASS_DELAY || c == NG_CLASS_AUTOREPLY ||
	       c == NG_CLASS_CHALLENGE || c == NG_CLASS_AV_NOTICE;
}

/* ----- the returned original ----- */

/* The domain of a Message-ID "<local@domain>": into dom; false when none. */
static bool msgid_domain(const char *mid, const char **dom, size_t *n)
{
	const char *at = strrchr(mid, '@');
	if (at == NULL)
		return false;
	const char *s = at + 1;
	size_t k = 0;
	while (s[k] != '\0' && s[k] != '>' && s[k] != ' ' && s[k] != '\t')
		k++;
	*dom = s;
	*n = k;
	return k > 0;
}

/* Does one Received field name one of our hosts or addresses?  Words made
 * of host-name characters are compared as names, words of address
 * characters as addresses (with [ ] and ( ) as separators). */
static bool hop_is_ours(const struct ng_content *ct, const char *hop)
{
	size_t i = 0, len = strlen(hop);
	while (i < len) {
		while (i < len && !isalnum((unsigned char)hop[i]) && hop[i] != ':')
			i++;
		size_t j = i;
		while (j < len && (isalnum((unsigned char)hop[j]) || hop[j] == '.' ||
		                   hop[j] == '-' || hop[j] == ':' || hop[j] == '_'))
			j++;
		if (j > i) {
			if (in_names(ct->our_names, ct->nour_names, hop + i, j - i))
				return true;
			char w[64];
			size_t wl = j - i;
			const char *ws = hop + i;
			if (wl > 5 && strncasecmp(ws, "IPv6:", 5) == 0) {
				ws += 5;
				wl -= 5;
			}
			struct ng_cidr_addr a;
			if (ct->our_nets.count > 0 && wl < sizeof(w)) {
				memcpy(w, ws, wl);
				w[wl] = '\0';
				if (ng_cidr_addr_parse(w, &a) && in_nets(&ct->our_nets, &a))
					return true;
			}
		}
		i = j + 1;
	}
	return false;
}

/* The foreign-original rule: true when it fires. */
static bool foreign_original(const struct ng_content *ct, const ng_original *o)
{
	if (!o->present || ct->nour_names + ct->our_nets.count == 0)
		return false;
	const char *dom;
	size_t n;
	if (ct->nour_names > 0 && o->message_id[0] != '\0' &&
	    msgid_domain(o->message_id, &dom, &n) &&
	    !in_names(ct->our_names, ct->nour_names, dom, n))
		return true;
	unsigned nr = o->nreceived < NG_CL_RECEIVED_MAX ? o->nreceived : NG_CL_RECEIVED_MAX;
	if (nr == 0)
		return false;
	for (unsigned i = 0; i < nr; i++)
		if (hop_is_ours(ct, o->received[i]))
			return false;
	return true;
}

/* ----- deciding ----- */

struct text {
	char *buf;
	size_t cap, len;
};

/* Append printable ASCII (other bytes become '?') while it fits. */
static void put(struct text *t, const char *s)
{
	for (; s != NULL && *s != '\0' && t->len + 1 < t->cap; s++) {
		unsigned char c = (unsigned char)*s;
		t->buf[t->len++] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	t->buf[t->len] = '\0';
}

static void fire(struct ng_content_decision *d, const char *rule, enum ng_content_action a,
                 enum ng_content_action *strongest)
{
	struct text t = {d->rules, sizeof(d->rules), strlen(d->rules)};
	if (t.len > 0)
		put(&t, ",");
	put(&t, rule);
	if (a > *strongest)
		*strongest = a;
}

static void set_reply(struct ng_content_decision *d, const char *rcode, const char *xcode,
                      const char *text)
{
	snprintf(d->rcode, sizeof(d->rcode), "%s", rcode);
	snprintf(d->xcode, sizeof(d->xcode), "%s", xcode);
	struct text t = {d->text, sizeof(d->text), 0};
	put(&t, text);
}

/* The plausibility rules' reply texts. */
static const char *rule_text(const char *rule)
{
	if (strcmp(rule, "multi-rcpt") == 0)
		return "Bounce to several recipients refused (backscatter)";
	if (strcmp(rule, "return-path") == 0)
		return "Bounce with a Return-Path header refused (backscatter)";
	if (strcmp(rule, "never-recipient") == 0)
		return "Bounce to an address that sends no mail refused (backscatter)";
	return "Bounce of a message we never sent refused (backscatter)";
}

static void build_header(const struct ng_content *ct, const struct ng_content_msg *m,
                         const ng_verdict *v, struct ng_content_decision *d,
                         enum ng_content_action a)
{
	struct text t = {d->header, sizeof(d->header), 0};
	put(&t, "class=");
	put(&t, ng_class_name(v != NULL ? v->cls : NG_CLASS_NONE));
	put(&t, " dnsbl=");
	put(&t, d->lookup ? ng_dnsbl_status_name(d->summary) : "no-lookup");
	if (d->zone != NULL) {
		put(&t, " zone=");
		put(&t, d->zone);
	}
	put(&t, " client=");
	put(&t, m->client[0] != '\0' ? m->client : "unknown");
	put(&t, " rules=");
	put(&t, d->rules[0] != '\0' ? d->rules : "classified");
	put(&t, " verdict=");
	put(&t, ng_content_action_name(a));
	if (v != NULL && v->nev > 0) {
		put(&t, " evidence=");
		unsigned nev = v->nev < NG_CL_EVIDENCE_MAX ? v->nev : NG_CL_EVIDENCE_MAX;
		for (unsigned i = 0; i < nev; i++) {
			if (i > 0)
				put(&t, ",");
			put(&t, v->ev[i].rule);
		}
	}
	(void)ct;
	d->add_header = true;
}

void ng_content_decide(const struct ng_content *ct, const struct ng_content_msg *m,
                       const ng_verdict *v, const struct ng_dnsbl_result *res,
                       struct ng_content_decision *d)
{
	enum ng_content_action a = NG_CONTENT_ACCEPT;
	enum ng_class cls = v != NULL ? v->cls : NG_CLASS_NONE;

	memset(d, 0, sizeof(*d));
	d->summary = NG_DNSBL_NOT_LISTED;
	d->would = NG_CONTENT_ACCEPT;
	if (!ng_content_candidate(m)) {
		d->reason = "not-candidate";
		snprintf(d->rules, sizeof(d->rules), "-");
		return;
	}
	bool backscatter = m->bounce_sender || ng_content_class_is_backscatter(cls);
	d->bounce = backscatter;
	d->reason = m->exempt_network ? "exempt-network" : "no-lookup";

	/* extended safe mode */
	const struct ng_dnsbl_zone_result *hit = NULL;
	bool trouble = false;
	/* every recipient validly signed: the bounce answers mail we sent, so
	 * a listing of the relay that returns it is not backscatter (as in
	 * policyd, where batv-valid skips the lookup) */
	if (m->batv_valid > 0 && m->batv_valid == m->nrcpt) {
		res = NULL;
		d->reason = "batv-valid";
	}
	if (res != NULL) {
		d->lookup = true;
		size_t nz = res->nzones < NG_DNSBL_ZONES_MAX ? res->nzones : NG_DNSBL_ZONES_MAX;
		for (size_t i = 0; i < nz && hit == NULL; i++) {
			if (res->zones[i].status == NG_DNSBL_LISTED)
				hit = &res->zones[i];
			else if (res->zones[i].status != NG_DNSBL_NOT_LISTED)
				trouble = true;
		}
		d->summary = hit != NULL ? NG_DNSBL_LISTED
		             : trouble   ? NG_DNSBL_UNKNOWN
		                         : NG_DNSBL_NOT_LISTED;
		d->reason = hit != NULL ? "listed" : trouble ? "dns-trouble" : "not-listed";
	}
	if (hit != NULL && !backscatter)
		d->reason = "not-backscatter";
	if (hit != NULL && backscatter) {
		d->zone = hit->zone;
		struct ng_policy_reply_args ra = {m->client, hit->zone, hit->txt, "", NULL};
		char full[NG_POLICY_ACTION_MAX];
		ng_policy_reply_text("550 5.7.1", ct->text, &ra, full, sizeof(full));
		enum ng_content_action la = ct->on_listed;
		if (ct->dry_run) {
			d->dry_run = true;
			d->would = la;
			fire(d, "listed", NG_CONTENT_ACCEPT, &a);
		} else {
			fire(d, "listed", la, &a);
		}
		/* full = "550 5.7.1 TEXT": TEXT serves either code */
		if (!ct->dry_run && la >= NG_CONTENT_TEMPFAIL)
			set_reply(d, "550", "5.7.1", strlen(full) > 10 ? full + 10 : "");
	} else if (trouble && backscatter) {
		switch (ct->on_dns_failure) {
		case NG_POLICY_DNSFAIL_TEMPFAIL: {
			char full[NG_POLICY_ACTION_MAX];
			ng_policy_tempfail_trouble(m->client, full, sizeof(full));
			fire(d, "dns-trouble", NG_CONTENT_TEMPFAIL, &a);
			set_reply(d, "451", "4.3.0", strlen(full) > 10 ? full + 10 : "");
			break;
		}
		case NG_POLICY_DNSFAIL_ACCEPT:
			break;
		case NG_POLICY_DNSFAIL_TAG:
		default:
			fire(d, "dns-trouble", NG_CONTENT_TAG, &a);
			break;
		}
	}

	/* bounce plausibility */
	if (backscatter) {
		const char *first = NULL;
		enum ng_content_action before = a;
		if (m->nrcpt > 1 && !m->relay) {
			fire(d, "multi-rcpt", ct->multi_rcpt, &a);
			first = first ? first : "multi-rcpt";
		}
		if (m->return_path) {
			fire(d, "return-path", ct->return_path, &a);
			first = first ? first : "return-path";
		}
		if (m->never_rcpt) {
			fire(d, "never-recipient", ct->never_rcpt, &a);
			first = first ? first : "never-recipient";
		}
		if (v != NULL && foreign_original(ct, &v->original)) {
			fire(d, "foreign-original", ct->foreign, &a);
			first = first ? first : "foreign-original";
		}
		/* a plausibility rule decided the reply: say which */
		if (a > before && (a == NG_CONTENT_REJECT || a == NG_CONTENT_TEMPFAIL) &&
		    first != NULL && d->text[0] == '\0')
			set_reply(d, "550", "5.7.1", rule_text(first));
	}

	if ((m->exempt_network || m->exempt_rcpt) && a > NG_CONTENT_TAG) {
		d->would = a;
		a = NG_CONTENT_TAG;
		d->reason = m->exempt_network ? "exempt-network" : "exempt-recipient";
	}
	if (a == NG_CONTENT_TEMPFAIL && d->rcode[0] == '5') {
		snprintf(d->rcode, sizeof(d->rcode), "451");
		d->xcode[0] = '4';
	}
	if (a == NG_CONTENT_REJECT && d->rcode[0] == '4') {
		/* DNS trouble said tempfail, a rule said reject: the rule's text */
		set_reply(d, "550", "5.7.1", "Bounce refused (backscatter)");
	}
	d->action = a;
	if (a < NG_CONTENT_TEMPFAIL)
		d->rcode[0] = d->xcode[0] = d->text[0] = '\0';
	if (d->rules[0] == '\0')
		snprintf(d->rules, sizeof(d->rules), "-");
	bool classified = backscatter && ct->tag_classified;
	if (a == NG_CONTENT_TAG || a == NG_CONTENT_QUARANTINE ||
	    (classified && a == NG_CONTENT_ACCEPT))
		build_header(ct, m, v, d, a);
}
