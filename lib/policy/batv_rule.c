/*
 * batv_rule.c - the unsigned-bounce check of the policy (policy.h,
 * ng_policy_check): a bounce to an address of batv_domains must carry a
 * valid BATV signature of ours (lib/batv).
 *
 * No DNS and no allocation: one HMAC per recipient.  The recipient is peer
 * data; it reaches the reply and the tag header only as printable ASCII,
 * capped (NG_BATV_SIGNED_MAX), so a hostile address cannot split the SMTP
 * reply or the policy protocol.
 *
 * Decisions (why): a valid signature proves the bounce answers mail we
 * sent, so it is accepted without asking a DNSBL (a listed relay that
 * bounces our own mail back is not backscatter).  A foreign tag (Barracuda
 * btv1, SparkPost msprvs1) is somebody else's signature: for our domain it
 * counts as unsigned ("batv-foreign" in the log).  Until ng_batv_enforced()
 * the rule only tags (or, under dry-run, only logs), so that bounces of
 * mail sent before signing started still arrive.
 */
#include "ndrguard/batv.h"
#include "ndrguard/policy.h"

#include "policy/internal.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

/* printable ASCII of s, at most cap - 1 bytes */
static void clean(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s != '\0' && n + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		out[n++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	out[n] = '\0';
}

static const char *reason(enum ng_batv_status s, enum ng_batv_form f)
{
	switch (s) {
	case NG_BATV_VALID:
		return "batv-valid";
	case NG_BATV_EXPIRED:
		return "batv-expired";
	case NG_BATV_BAD_SIGNATURE:
		return "batv-bad-signature";
	case NG_BATV_UNKNOWN_KEY:
		return "batv-unknown-key";
	case NG_BATV_NOT_SIGNED:
		break;
	}
	return f == NG_BATV_FORM_BTV1 || f == NG_BATV_FORM_MSPRVS1 ? "batv-foreign"
	                                                           : "batv-unsigned";
}

enum ng_policy_batv_outcome ng_policy_batv_rule(const struct ng_policy_batv *r,
                                                const struct ng_policy_request *req, bool bounce,
                                                struct ng_policy_verdict *v)
{
	if (r->batv == NULL || !bounce || req->recipient == NULL ||
	    !ng_batv_addr_signed(r->batv, req->recipient))
		return NG_POLICY_BATV_NONE;
	time_t now = r->clock != NULL ? r->clock(r->clock_arg) : time(NULL);
	struct ng_batv_check c;
	enum ng_batv_status s = ng_batv_verify(r->batv, req->recipient, now, &c, NULL, 0);
	v->reason = reason(s, c.form);
	v->action = NG_POLICY_DUNNO;
	memcpy(v->text, "DUNNO", sizeof("DUNNO"));
	if (s == NG_BATV_VALID)
		return NG_POLICY_BATV_VALID;

	char rcpt[NG_BATV_SIGNED_MAX];
	clean(req->recipient, rcpt, sizeof(rcpt));
	const char *what = c.form == NG_BATV_FORM_BTV1 || c.form == NG_BATV_FORM_MSPRVS1
	                       ? "foreign"
	                       : ng_batv_status_name(s);
	bool enforced = ng_batv_enforced(r->batv, now);
	enum ng_policy_batv_action act = r->action;
	if (!enforced && act == NG_POLICY_BATV_REJECT)
		act = NG_POLICY_BATV_TAG;
	switch (act) {
	case NG_POLICY_BATV_REJECT:
		v->action = NG_POLICY_REJECT;
		snprintf(v->text, NG_POLICY_REPLY_MAX + 1,
		         "550 5.7.1 <%s>: bounce to an address that never sent mail "
		         "(no valid BATV signature: %s)",
		         rcpt, what);
		return NG_POLICY_BATV_FINAL;
	case NG_POLICY_BATV_TAG:
		v->action = NG_POLICY_PREPEND;
		snprintf(v->text, NG_POLICY_REPLY_MAX + 1, "PREPEND %s: batv=%s recipient=%s%s",
		         r->header, what, rcpt, enforced ? "" : " enforced=no");
		return NG_POLICY_BATV_SOFT;
	case NG_POLICY_BATV_DRY_RUN:
	default:
		v->dry_run = true;
		v->would = enforced ? NG_POLICY_REJECT : NG_POLICY_PREPEND;
		return NG_POLICY_BATV_SOFT;
	}
}
