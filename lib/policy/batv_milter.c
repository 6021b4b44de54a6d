/*
 * batv_milter.c - BATV in the milter (content_batv.h): sign the envelope
 * sender of our own outbound mail, check the recipient of every inbound
 * bounce.
 *
 * The inbound check is policyd's rule itself (ng_policy_batv_rule in
 * batv_rule.c), called with a request that carries only the recipient: the
 * two front-ends cannot disagree about what is validly signed, and the
 * reject text and tag header are the same words in both.  This file only
 * turns the rule's policy verdict into what a milter does with it: a reply
 * at RCPT, a header value for end of data, a recipient to rewrite.
 *
 * Why outbound is "our_networks or SASL": those are the clients whose mail
 * leaves through us as our own, and only such mail may carry our tag; a
 * stranger's mail with one of our domains as sender must not get a valid
 * signature from us, or a forger could launder bounces through our MTA.
 *
 * No I/O after build, no allocation per message: one HMAC per decision.
 */
#include "policy/content_batv.h"

#include "ndrguard/batv.h"
#include "ndrguard/policy.h"
#include "policy/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ng_content_batv {
	const struct ng_batv *batv; /* borrowed from the policy's rule */
	struct ng_policy_batv rule; /* a copy of the policy's, with our clock */
};

int ng_content_batv_build(const struct ng_policy *pol, const char *header,
                          struct ng_content_batv **out, char *err, size_t errlen)
{
	const struct ng_policy_batv *r = ng_policy_batv_of(pol);
	*out = NULL;
	if (r->batv == NULL)
		return 0;
	struct ng_content_batv *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->rule = *r;
	b->rule.header = header;
	b->batv = r->batv;
	*out = b;
	return 0;
}

void ng_content_batv_free(struct ng_content_batv *b)
{
	free(b);
}

void ng_content_batv_set_clock(struct ng_content_batv *b, time_t (*clock)(void *arg), void *arg)
{
	b->rule.clock = clock;
	b->rule.clock_arg = arg;
}

static time_t now_of(const struct ng_content_batv *b)
{
	return b->rule.clock != NULL ? b->rule.clock(b->rule.clock_arg) : time(NULL);
}

const char *ng_content_batv_describe(const struct ng_content_batv *b, char *buf, size_t cap)
{
	static const char *const actions[] = {"reject", "tag", "dry-run"};
	if (b == NULL) {
		snprintf(buf, cap, "batv=off");
		return buf;
	}
	char when[32] = "always";
	time_t ea = ng_batv_enforce_after(b->batv);
	struct tm tm;
	if (ea != 0 && gmtime_r(&ea, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	snprintf(buf, cap, "batv=on batv_action=%s enforce_after=%s lifetime=%u",
	         (unsigned)b->rule.action < 3 ? actions[b->rule.action] : "?", when,
	         ng_batv_lifetime(b->batv));
	return buf;
}

bool ng_content_batv_sign_msg(const struct ng_content_batv *b, struct ng_content_msg *m,
                              const char *sender, bool ours)
{
	m->batv_sign = false;
	/* the null sender has nothing to sign; a stranger's mail is not ours
	 * to vouch for; a domain not in batv_domains does not want tags */
	if (b == NULL || !ours || sender == NULL || sender[0] == '\0' ||
	    !ng_batv_addr_signed(b->batv, sender))
		return false;
	int rc = ng_batv_sign(b->batv, sender, now_of(b), m->batv_from, sizeof(m->batv_from));
	if (rc == 0) {
		m->batv_sign = true;
		m->batv = "signed";
	} else {
		m->batv = rc == 1 ? "already-signed" : "sign-failed";
	}
	return m->batv_sign;
}

/* "550 5.7.1 TEXT" into r's three parts. */
static void split_reply(const char *full, struct ng_content_reply *r)
{
	snprintf(r->rcode, sizeof(r->rcode), "%.3s", full);
	const char *x = strlen(full) > 4 ? full + 4 : "";
	size_t xl = strcspn(x, " ");
	snprintf(r->xcode, sizeof(r->xcode), "%.*s", (int)(xl < 7 ? xl : 7), x);
	const char *t = x + xl;
	while (*t == ' ')
		t++;
	snprintf(r->text, sizeof(r->text), "%s", t);
}

bool ng_content_batv_check_rcpt(const struct ng_content_batv *b, struct ng_content_msg *m,
                                const char *rcpt, bool exempt, struct ng_content_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (b == NULL || rcpt == NULL)
		return false;
	/* an exempt client or recipient is never refused: the rule's reject
	 * becomes its tag, the same lowering as every other content rule */
	struct ng_policy_batv rule = b->rule;
	if (exempt && rule.action == NG_POLICY_BATV_REJECT)
		rule.action = NG_POLICY_BATV_TAG;
	struct ng_policy_request req;
	memset(&req, 0, sizeof(req));
	req.recipient = rcpt;
	struct ng_policy_verdict v;
	memset(&v, 0, sizeof(v));
	enum ng_policy_batv_outcome o = ng_policy_batv_rule(&rule, &req, m->bounce_sender, &v);
	if (o == NG_POLICY_BATV_NONE)
		return false;
	/* v.reason is static: "batv-valid", "batv-unsigned", ... */
	const char *word = strncmp(v.reason, "batv-", 5) == 0 ? v.reason + 5 : v.reason;
	switch (o) {
	case NG_POLICY_BATV_VALID: {
		m->batv_valid++;
		m->batv = "valid";
		if (m->batv_nrewrite >= NG_MILTER_BATV_RCPT_MAX)
			return false; /* past the cap: delivered as addressed */
		struct ng_content_rewrite *w = &m->batv_rewrite[m->batv_nrewrite];
		ng_batv_verify(b->batv, rcpt, now_of(b), NULL, w->original, sizeof(w->original));
		if (w->original[0] == '\0' || strlen(rcpt) >= sizeof(w->tagged))
			return false;
		memcpy(w->tagged, rcpt, strlen(rcpt) + 1);
		m->batv_nrewrite++;
		return false;
	}
	case NG_POLICY_BATV_FINAL:
		m->batv_refused++;
		split_reply(v.text, r);
		if (m->batv == NULL)
			m->batv = word;
		return true;
	case NG_POLICY_BATV_SOFT:
	default:
		m->batv_invalid++;
		m->batv = word;
		if (v.dry_run) {
			m->batv_dry_run = true;
			return false;
		}
		/* v.text = "PREPEND HEADER: VALUE"; the front-end adds HEADER */
		if (!m->batv_tag) {
			size_t skip = strlen("PREPEND ") + strlen(b->rule.header) + 2;
			if (strlen(v.text) > skip) {
				snprintf(m->batv_header, sizeof(m->batv_header), "%s",
				         v.text + skip);
				m->batv_tag = true;
			}
		}
		return false;
	}
}
