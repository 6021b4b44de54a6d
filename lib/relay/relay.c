/*
 * relay.c - the relay guard's rules, verdicts and counters (relay.h).
 *
 * Built once from the configuration, then read-only but for the counters
 * (atomic) and the budget (budget.c, locked).  The tenants map, the
 * message log and the Received-chain walk live in tenants.c, msglog.c and
 * hops.c; this file holds what ties them together.
 */
#include "relay/internal.h"

#include "ndrguard/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rule_names[NG_RELAY_NRULES] = {
    [NG_RULE_LOG_SPAM] = "log_spam",       [NG_RULE_LOG_AUTH_FAIL] = "log_auth_fail",
    [NG_RULE_LOG_MISSING] = "log_missing", [NG_RULE_LOG_CLEAN] = "log_clean",
    [NG_RULE_SPF_FAIL] = "spf_fail",       [NG_RULE_SPF_SOFTFAIL] = "spf_softfail",
    [NG_RULE_SPF_PASS] = "spf_pass",
};

const char *ng_relay_rule_name(enum ng_relay_rule r)
{
	return (unsigned)r < NG_RELAY_NRULES ? rule_names[r] : "?";
}

const char *ng_relay_verdict_name(enum ng_relay_verdict v)
{
	static const char *const n[] = {"not-judged", "legitimate", "unknown", "backscatter"};
	return (unsigned)v < 4 ? n[v] : "?";
}

const char *ng_relay_action_name(enum ng_relay_action a)
{
	static const char *const n[] = {"allow",   "route",  "quarantine",
	                                "discard", "reject", "tempfail"};
	return (unsigned)a < 6 ? n[a] : "?";
}

static bool action_parse(const char *s, enum ng_relay_action *out)
{
	for (unsigned a = NG_RELAY_ALLOW; a <= NG_RELAY_REJECT; a++)
		if (strcasecmp(s, ng_relay_action_name((enum ng_relay_action)a)) == 0) {
			*out = (enum ng_relay_action)a;
			return true;
		}
	return false;
}

static bool rule_find(const char *s, size_t n, enum ng_relay_rule *out)
{
	for (unsigned i = 0; i < NG_RELAY_NRULES; i++)
		if (strlen(rule_names[i]) == n && strncasecmp(s, rule_names[i], n) == 0) {
			*out = (enum ng_relay_rule)i;
			return true;
		}
	return false;
}

/* relay_rules: NAME:WEIGHT items; a rule not named has weight 0 (off). */
static int rules_parse(struct ng_relay *r, const struct ng_config *cfg, char *err, size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(cfg, NG_K_RELAY_RULES, &items);
	for (unsigned i = 0; i < NG_RELAY_NRULES; i++)
		r->weight[i] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(items[i], ':');
		enum ng_relay_rule rule;
		char *end;
		long w = 0;
		if (colon != NULL)
			w = strtol(colon + 1, &end, 10);
		if (colon == NULL || colon[1] == '\0' || *end != '\0' || w < -100000 ||
		    w > 100000) {
			snprintf(err, errlen, "%s: relay_rules: '%s' is not NAME:WEIGHT",
			         ng_config_where(cfg, NG_K_RELAY_RULES), items[i]);
			return -1;
		}
		if (!rule_find(items[i], (size_t)(colon - items[i]), &rule)) {
			snprintf(err, errlen,
			         "%s: relay_rules: unknown rule '%.*s' (log_spam, log_auth_fail, "
			         "log_missing, log_clean, spf_fail, spf_softfail, spf_pass)",
			         ng_config_where(cfg, NG_K_RELAY_RULES), (int)(colon - items[i]),
			         items[i]);
			return -1;
		}
		r->weight[rule] = (int)w;
		r->on |= 1u << rule;
	}
	n = ng_config_list(cfg, NG_K_RELAY_RULES_DRY_RUN, &items);
	for (size_t i = 0; i < n; i++) {
		enum ng_relay_rule rule;
		if (!rule_find(items[i], strlen(items[i]), &rule)) {
			snprintf(err, errlen, "%s: relay_rules_dry_run: unknown rule '%s'",
			         ng_config_where(cfg, NG_K_RELAY_RULES_DRY_RUN), items[i]);
			return -1;
		}
		r->dry_run |= 1u << rule;
	}
	return 0;
}

/* "550 5.7.1 text" into its parts; the code must be 5xx. */
static int reply_parse(const char *s, struct ng_relay *r, char *err, size_t errlen,
                       const struct ng_config *cfg)
{
	if (!(s[0] == '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
	      s[3] == ' ' && s[4] == '5' && s[5] == '.')) {
		snprintf(err, errlen,
		         "%s: relay_reject_text: must start with a 5xx code and a 5.x.y "
		         "status, as in '550 5.7.1 text'",
		         ng_config_where(cfg, NG_K_RELAY_REJECT_TEXT));
		return -1;
	}
	memcpy(r->reject_rcode, s, 3);
	r->reject_rcode[3] = '\0';
	const char *x = s + 4;
	size_t xl = strcspn(x, " ");
	if (xl >= sizeof(r->reject_xcode) || xl < 5) {
		snprintf(err, errlen, "%s: relay_reject_text: bad status code",
		         ng_config_where(cfg, NG_K_RELAY_REJECT_TEXT));
		return -1;
	}
	memcpy(r->reject_xcode, x, xl);
	r->reject_xcode[xl] = '\0';
	x += xl;
	while (*x == ' ')
		x++;
	snprintf(r->reject_text, sizeof(r->reject_text), "%s", x);
	for (const char *p = r->reject_text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "%s: relay_reject_text: printable ASCII only",
			         ng_config_where(cfg, NG_K_RELAY_REJECT_TEXT));
			return -1;
		}
	return 0;
}

static int filter_check(const char *s, const struct ng_config *cfg, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');
	bool ok = colon != NULL && colon != s && strlen(s) < 200;
	for (const char *p = s; ok && *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			ok = false;
	if (!ok)
		snprintf(err, errlen,
		         "%s: relay_route_filter: '%s' is not transport:nexthop (e.g. bouncepool:)",
		         ng_config_where(cfg, NG_K_RELAY_ROUTE_FILTER), s);
	return ok ? 0 : -1;
}

struct ng_relay *ng_relay_from_config(const struct ng_config *cfg, char *err, size_t errlen)
{
	struct ng_relay *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	static const enum ng_key act_keys[3] = {
	    NG_K_RELAY_LEGITIMATE_ACTION, NG_K_RELAY_UNKNOWN_ACTION, NG_K_RELAY_BACKSCATTER_ACTION};
	for (int i = 0; i < 3; i++)
		if (!action_parse(ng_config_str(cfg, act_keys[i]), &r->action[i + 1])) {
			snprintf(err, errlen, "%s: bad action", ng_config_where(cfg, act_keys[i]));
			goto fail;
		}
	r->backscatter_score = (int)ng_config_int(cfg, NG_K_RELAY_BACKSCATTER_SCORE);
	r->legitimate_score = (int)ng_config_int(cfg, NG_K_RELAY_LEGITIMATE_SCORE);
	if (r->legitimate_score >= r->backscatter_score) {
		snprintf(err, errlen,
		         "%s: relay_legitimate_score (%d) must be below "
		         "relay_backscatter_score (%d)",
		         ng_config_where(cfg, NG_K_RELAY_LEGITIMATE_SCORE), r->legitimate_score,
		         r->backscatter_score);
		goto fail;
	}
	r->log_ttl = ng_config_int(cfg, NG_K_RELAY_MESSAGE_LOG_TTL);
	snprintf(r->filter, sizeof(r->filter), "%s", ng_config_str(cfg, NG_K_RELAY_ROUTE_FILTER));
	if (rules_parse(r, cfg, err, errlen) < 0 ||
	    reply_parse(ng_config_str(cfg, NG_K_RELAY_REJECT_TEXT), r, err, errlen, cfg) < 0 ||
	    filter_check(r->filter, cfg, err, errlen) < 0 ||
	    ng_relay_nets_build(r, cfg, err, errlen) < 0 ||
	    ng_relay_headers_build(r, cfg, err, errlen) < 0 ||
	    ng_relay_budget_build(r, cfg, err, errlen) < 0)
		goto fail;
	return r;
fail:
	ng_relay_free(r);
	return NULL;
}

void ng_relay_free(struct ng_relay *r)
{
	if (r == NULL)
		return;
	ng_relay_nets_free(r);
	ng_relay_headers_free(r);
	ng_relay_budget_free(r);
	free(r);
}

const char *ng_relay_describe(const struct ng_relay *r, char *buf, size_t cap)
{
	size_t o = 0;
	int w = snprintf(buf, cap, "tenants=%zu rules=", ng_relay_ntenants(r));
	o = w > 0 && (size_t)w < cap ? (size_t)w : 0;
	bool any = false;
	for (unsigned i = 0; i < NG_RELAY_NRULES && o < cap; i++) {
		if (!(r->on & (1u << i)))
			continue;
		w = snprintf(buf + o, cap - o, "%s%s:%+d%s", any ? "," : "", rule_names[i],
		             r->weight[i], (r->dry_run & (1u << i)) ? "(dry-run)" : "");
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
		any = true;
	}
	if (o < cap)
		snprintf(buf + o, cap - o,
		         "%s backscatter>=%d:%s legitimate<=%d:%s unknown:%s route=%s",
		         any ? "" : "-", r->backscatter_score,
		         ng_relay_action_name(r->action[NG_RELAY_BACKSCATTER]), r->legitimate_score,
		         ng_relay_action_name(r->action[NG_RELAY_LEGITIMATE]),
		         ng_relay_action_name(r->action[NG_RELAY_UNKNOWN]), r->filter);
	return buf;
}

bool ng_relay_judged_class(enum ng_class cls, bool bounce_sender)
{
	switch (cls) {
	case NG_CLASS_NDR:
	case NG_CLASS_DELAY:
	case NG_CLASS_SUCCESS:
	case NG_CLASS_AUTOREPLY:
	case NG_CLASS_CHALLENGE:
	case NG_CLASS_AV_NOTICE:
		return true;
	case NG_CLASS_NONE:
		return bounce_sender;
	default:
		return false;
	}
}

static bool result_is(const char *got, const char *want)
{
	return strcasecmp(got, want) == 0;
}

/* Which rules the evidence fires (a bit each), before weights. */
static unsigned rules_fired(const struct ng_relay_evidence *e)
{
	unsigned f = 0;
	if (e->in_log) {
		const struct ng_relay_logrec *l = &e->log;
		bool auth_fail = result_is(l->spf, "fail") || result_is(l->dmarc, "fail");
		bool auth_pass = result_is(l->spf, "pass") || result_is(l->dmarc, "pass");
		if (l->spam == NG_RELAY_SPAM_YES)
			f |= 1u << NG_RULE_LOG_SPAM;
		if (auth_fail)
			f |= 1u << NG_RULE_LOG_AUTH_FAIL;
		if (l->spam != NG_RELAY_SPAM_YES && !auth_fail &&
		    (l->spam == NG_RELAY_SPAM_NO || auth_pass))
			f |= 1u << NG_RULE_LOG_CLEAN;
	} else if (e->have_msgid) {
		f |= 1u << NG_RULE_LOG_MISSING;
	}
	if (e->spf_checked) {
		if (e->spf == NG_SPF_FAIL)
			f |= 1u << NG_RULE_SPF_FAIL;
		else if (e->spf == NG_SPF_SOFTFAIL)
			f |= 1u << NG_RULE_SPF_SOFTFAIL;
		else if (e->spf == NG_SPF_PASS)
			f |= 1u << NG_RULE_SPF_PASS;
	}
	return f;
}

void ng_relay_judge(struct ng_relay *r, const struct ng_relay_evidence *e,
                    struct ng_relay_judgement *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->rules, sizeof(out->rules), "-");
	if (!ng_relay_judged_class(e->cls, e->bounce_sender)) {
		out->verdict = NG_RELAY_NOT_JUDGED;
		out->action = NG_RELAY_ALLOW;
	} else {
		unsigned f = rules_fired(e) & r->on;
		size_t o = 0;
		for (unsigned i = 0; i < NG_RELAY_NRULES; i++) {
			if (!(f & (1u << i)))
				continue;
			bool dry = (r->dry_run & (1u << i)) != 0;
			if (dry) {
				out->dry |= 1u << i;
				__atomic_add_fetch(&r->st.dry[i], 1, __ATOMIC_RELAXED);
			} else {
				out->fired |= 1u << i;
				out->score += r->weight[i];
				__atomic_add_fetch(&r->st.fired[i], 1, __ATOMIC_RELAXED);
			}
			int w = snprintf(out->rules + o, sizeof(out->rules) - o, "%s%s:%+d%s",
			                 o ? "," : "", rule_names[i], r->weight[i],
			                 dry ? "(dry-run)" : "");
			if (w > 0 && (size_t)w < sizeof(out->rules) - o)
				o += (size_t)w;
		}
		if (out->score >= r->backscatter_score)
			out->verdict = NG_RELAY_BACKSCATTER;
		else if (out->score <= r->legitimate_score)
			out->verdict = NG_RELAY_LEGITIMATE;
		else
			out->verdict = NG_RELAY_UNKNOWN;
		out->action = r->action[out->verdict];
	}
	if (out->action == NG_RELAY_REJECT) {
		memcpy(out->rcode, r->reject_rcode, sizeof(out->rcode));
		memcpy(out->xcode, r->reject_xcode, sizeof(out->xcode));
		snprintf(out->text, sizeof(out->text), "%s", r->reject_text);
	} else if (out->action == NG_RELAY_ROUTE) {
		snprintf(out->filter, sizeof(out->filter), "%s", r->filter);
	}
	__atomic_add_fetch(&r->st.verdicts[out->verdict], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->st.actions[out->action], 1, __ATOMIC_RELAXED);
}

void ng_relay_count_action(struct ng_relay *r, enum ng_relay_action from, enum ng_relay_action to)
{
	__atomic_sub_fetch(&r->st.actions[from], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->st.actions[to], 1, __ATOMIC_RELAXED);
}

void ng_relay_stats(const struct ng_relay *r, struct ng_relay_stats *out)
{
	for (unsigned i = 0; i < NG_RELAY_NRULES; i++) {
		out->fired[i] = __atomic_load_n(&r->st.fired[i], __ATOMIC_RELAXED);
		out->dry[i] = __atomic_load_n(&r->st.dry[i], __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < 4; i++)
		out->verdicts[i] = __atomic_load_n(&r->st.verdicts[i], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < 6; i++)
		out->actions[i] = __atomic_load_n(&r->st.actions[i], __ATOMIC_RELAXED);
	out->budget_deferred = __atomic_load_n(&r->st.budget_deferred, __ATOMIC_RELAXED);
}
