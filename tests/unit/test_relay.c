/*
 * test_relay.c - the relay guard's library (lib/relay): every evidence
 * rule and the verdicts they add up to, the configuration checks, the
 * message log record, the SPF question from a Received chain, the budget,
 * the envelope checks of policyd --relay, the quarantine on the memory
 * store, and the record codec.  Tables of named cases with got/want.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ndrguard/config.h>
#include <ndrguard/quarantine.h>
#include <ndrguard/relay.h>
#include <ndrguard/store.h>

#include "util/kv.h"
#include "util/siphash.h"

static char tenants_path[64];

static void write_tenants(void)
{
	snprintf(tenants_path, sizeof(tenants_path), "/tmp/ng-test-tenants.XXXXXX");
	int fd = mkstemp(tenants_path);
	assert_true(fd >= 0);
	static const char map[] = "# tenants\n"
	                          "acme 192.0.2.0/24 2001:db8:1::/48 smtp-acme\n"
	                          "globex 198.51.100.7, relay@globex.example\n";
	assert_int_equal(write(fd, map, sizeof(map) - 1), (ssize_t)(sizeof(map) - 1));
	close(fd);
}

/* A relay from the defaults, the tenants map above and overrides; NULL
 * with the error in err when want_err. */
static struct ng_relay *make(const char *const *ov, char *err, size_t errlen)
{
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	char tv[128];
	snprintf(tv, sizeof(tv), "relay_tenants=%s", tenants_path);
	assert_int_equal(ng_config_override(cfg, tv, err, errlen), 0);
	assert_int_equal(
	    ng_config_override(cfg, "relay_internal_networks=127.0.0.0/8 10.0.0.0/8", err, errlen),
	    0);
	for (size_t i = 0; ov != NULL && ov[i] != NULL; i++)
		if (ng_config_override(cfg, ov[i], err, errlen) < 0) {
			ng_config_free(cfg);
			return NULL;
		}
	struct ng_relay *r = ng_relay_from_config(cfg, err, errlen);
	ng_config_free(cfg);
	return r;
}

static struct ng_relay *make_ok(const char *const *ov)
{
	char err[512];
	struct ng_relay *r = make(ov, err, sizeof(err));
	if (r == NULL)
		fail_msg("ng_relay_from_config: %s", err);
	return r;
}

/* ----- the evidence rules and verdicts ----- */

enum logstate { NOLOG, MISSING, FOUND };

struct judge_case {
	const char *name;
	const char *ov[4];
	enum ng_class cls;
	bool bounce_sender;
	enum logstate log;
	const char *spf_in_log, *dmarc_in_log;
	enum ng_relay_spam spam;
	bool spf_checked;
	enum ng_spf_result spf;
	/* want */
	enum ng_relay_verdict verdict;
	int score;
	enum ng_relay_action action;
	const char *rules;
};

static const struct judge_case judge_cases[] = {
    {"spf fail of the entry hop: backscatter, quarantined",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "spf_fail:+100"},
    {"spf pass alone: unknown, routed to the bounce pool",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_PASS,
     NG_RELAY_UNKNOWN,
     -50,
     NG_RELAY_ROUTE,
     "spf_pass:-50"},
    {"spf softfail alone: unknown",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_SOFTFAIL,
     NG_RELAY_UNKNOWN,
     50,
     NG_RELAY_ROUTE,
     "spf_softfail:+50"},
    {"spf temperror: no evidence",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_TEMPERROR,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "-"},
    {"spf neutral and none: no evidence",
     {NULL},
     NG_CLASS_DELAY,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_NEUTRAL,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "-"},
    {"the original was logged as spam: backscatter",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_YES,
     false,
     NG_SPF_NONE,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "log_spam:+100"},
    {"the original failed DMARC inbound: backscatter",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "pass",
     "fail",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "log_auth_fail:+100"},
    {"the original failed SPF inbound: backscatter",
     {NULL},
     NG_CLASS_AUTOREPLY,
     false,
     FOUND,
     "fail",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "log_auth_fail:+100"},
    {"spam and auth failure add up",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "fail",
     "",
     NG_RELAY_SPAM_YES,
     true,
     NG_SPF_FAIL,
     NG_RELAY_BACKSCATTER,
     300,
     NG_RELAY_QUARANTINE,
     "log_spam:+100,log_auth_fail:+100,spf_fail:+100"},
    {"not in the log: suspicious only",
     {NULL},
     NG_CLASS_NDR,
     true,
     MISSING,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_UNKNOWN,
     30,
     NG_RELAY_ROUTE,
     "log_missing:+30"},
    {"not in the log and spf softfail: still unknown",
     {NULL},
     NG_CLASS_NDR,
     true,
     MISSING,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_SOFTFAIL,
     NG_RELAY_UNKNOWN,
     80,
     NG_RELAY_ROUTE,
     "log_missing:+30,spf_softfail:+50"},
    {"no Message-ID to look up: log rules silent",
     {NULL},
     NG_CLASS_NDR,
     true,
     NOLOG,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "-"},
    {"logged as ham with spf pass: legitimate, allowed",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_NO,
     true,
     NG_SPF_PASS,
     NG_RELAY_LEGITIMATE,
     -100,
     NG_RELAY_ALLOW,
     "log_clean:-50,spf_pass:-50"},
    {"logged with DMARC pass and spf pass: legitimate",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "pass",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_PASS,
     NG_RELAY_LEGITIMATE,
     -100,
     NG_RELAY_ALLOW,
     "log_clean:-50,spf_pass:-50"},
    {"logged without any verdict: log_clean silent",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "-"},
    {"ham verdict but DMARC fail: not clean",
     {NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "fail",
     NG_RELAY_SPAM_NO,
     false,
     NG_SPF_NONE,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "log_auth_fail:+100"},
    {"an ARF report is not judged",
     {NULL},
     NG_CLASS_FEEDBACK,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_YES,
     true,
     NG_SPF_FAIL,
     NG_RELAY_NOT_JUDGED,
     0,
     NG_RELAY_ALLOW,
     "-"},
    {"a read receipt is not judged",
     {NULL},
     NG_CLASS_MDN,
     false,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_YES,
     true,
     NG_SPF_FAIL,
     NG_RELAY_NOT_JUDGED,
     0,
     NG_RELAY_ALLOW,
     "-"},
    {"class none from the null sender is judged",
     {NULL},
     NG_CLASS_NONE,
     true,
     NOLOG,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "spf_fail:+100"},
    {"class none from a person is not judged",
     {NULL},
     NG_CLASS_NONE,
     false,
     NOLOG,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_NOT_JUDGED,
     0,
     NG_RELAY_ALLOW,
     "-"},
    {"challenge and av-notice are judged",
     {NULL},
     NG_CLASS_CHALLENGE,
     false,
     NOLOG,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_BACKSCATTER,
     100,
     NG_RELAY_QUARANTINE,
     "spf_fail:+100"},
    {"a rule in dry-run fires but does not score",
     {"relay_rules_dry_run=spf_fail", NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "spf_fail:+100(dry-run)"},
    {"a rule left out of relay_rules is off",
     {"relay_rules=log_spam:100", NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_FAIL,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_ROUTE,
     "-"},
    {"weights and actions are configurable",
     {"relay_rules=spf_softfail:150", "relay_backscatter_action=reject", NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_SOFTFAIL,
     NG_RELAY_BACKSCATTER,
     150,
     NG_RELAY_REJECT,
     "spf_softfail:+150"},
    {"thresholds are configurable",
     {"relay_legitimate_score=-50", "relay_unknown_action=allow", NULL},
     NG_CLASS_NDR,
     true,
     FOUND,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     true,
     NG_SPF_PASS,
     NG_RELAY_LEGITIMATE,
     -50,
     NG_RELAY_ALLOW,
     "spf_pass:-50"},
    {"unknown may be discarded",
     {"relay_unknown_action=discard", NULL},
     NG_CLASS_NDR,
     true,
     NOLOG,
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN,
     false,
     NG_SPF_NONE,
     NG_RELAY_UNKNOWN,
     0,
     NG_RELAY_DISCARD,
     "-"},
};

static void test_judge(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(judge_cases) / sizeof(judge_cases[0]); i++) {
		const struct judge_case *tc = &judge_cases[i];
		struct ng_relay *r = make_ok(tc->ov);
		struct ng_relay_evidence e;
		memset(&e, 0, sizeof(e));
		e.cls = tc->cls;
		e.bounce_sender = tc->bounce_sender;
		e.have_msgid = tc->log != NOLOG;
		e.in_log = tc->log == FOUND;
		snprintf(e.log.spf, sizeof(e.log.spf), "%s", tc->spf_in_log);
		snprintf(e.log.dmarc, sizeof(e.log.dmarc), "%s", tc->dmarc_in_log);
		e.log.spam = tc->spam;
		e.spf_checked = tc->spf_checked;
		e.spf = tc->spf;
		struct ng_relay_judgement j;
		ng_relay_judge(r, &e, &j);
		if (j.verdict != tc->verdict || j.score != tc->score || j.action != tc->action ||
		    strcmp(j.rules, tc->rules) != 0)
			fail_msg("%s: got %s score %d %s rules %s, want %s score %d %s rules %s",
			         tc->name, ng_relay_verdict_name(j.verdict), j.score,
			         ng_relay_action_name(j.action), j.rules,
			         ng_relay_verdict_name(tc->verdict), tc->score,
			         ng_relay_action_name(tc->action), tc->rules);
		if (j.action == NG_RELAY_REJECT &&
		    (strcmp(j.rcode, "550") != 0 || strcmp(j.xcode, "5.7.1") != 0 ||
		     strstr(j.text, "backscatter") == NULL))
			fail_msg("%s: reject reply %s %s %s", tc->name, j.rcode, j.xcode, j.text);
		if (j.action == NG_RELAY_ROUTE && strcmp(j.filter, "bouncepool:") != 0)
			fail_msg("%s: route filter '%s'", tc->name, j.filter);
		ng_relay_free(r);
	}
}

static void test_counters(void **state)
{
	(void)state;
	const char *ov[] = {"relay_rules_dry_run=log_missing", NULL};
	struct ng_relay *r = make_ok(ov);
	struct ng_relay_evidence e;
	struct ng_relay_judgement j;
	memset(&e, 0, sizeof(e));
	e.cls = NG_CLASS_NDR;
	e.bounce_sender = true;
	e.spf_checked = true;
	e.spf = NG_SPF_FAIL;
	e.have_msgid = true;
	for (int i = 0; i < 3; i++)
		ng_relay_judge(r, &e, &j);
	e.cls = NG_CLASS_NONE;
	e.bounce_sender = false;
	ng_relay_judge(r, &e, &j);
	ng_relay_count_action(r, NG_RELAY_ALLOW, NG_RELAY_TEMPFAIL);
	struct ng_relay_stats st;
	ng_relay_stats(r, &st);
	assert_int_equal(st.fired[NG_RULE_SPF_FAIL], 3);
	assert_int_equal(st.fired[NG_RULE_LOG_MISSING], 0);
	assert_int_equal(st.dry[NG_RULE_LOG_MISSING], 3);
	assert_int_equal(st.verdicts[NG_RELAY_BACKSCATTER], 3);
	assert_int_equal(st.verdicts[NG_RELAY_NOT_JUDGED], 1);
	assert_int_equal(st.actions[NG_RELAY_QUARANTINE], 3);
	assert_int_equal(st.actions[NG_RELAY_ALLOW], 0);
	assert_int_equal(st.actions[NG_RELAY_TEMPFAIL], 1);
	ng_relay_free(r);
}

/* ----- configuration checks ----- */

struct cfg_case {
	const char *name;
	const char *ov[3];
	const char *want; /* a piece of the error */
};

static const struct cfg_case cfg_cases[] = {
    {"a rule without a weight", {"relay_rules=spf_fail", NULL}, "not NAME:WEIGHT"},
    {"a weight that is not a number", {"relay_rules=spf_fail:lots", NULL}, "not NAME:WEIGHT"},
    {"an unknown rule", {"relay_rules=dkim_fail:10", NULL}, "unknown rule 'dkim_fail'"},
    {"an unknown dry-run rule", {"relay_rules_dry_run=spf_bogus", NULL}, "unknown rule"},
    {"thresholds the wrong way round",
     {"relay_legitimate_score=200", NULL},
     "must be below relay_backscatter_score"},
    {"a route filter without a transport",
     {"relay_route_filter=bouncepool", NULL},
     "transport:nexthop"},
    {"a reject text without a 5xx code", {"relay_reject_text=go away", NULL}, "5xx code"},
    {"a reject text with a 4xx code", {"relay_reject_text=451 4.7.1 later", NULL}, "5xx code"},
    {"a bad bounce rate", {"relay_bounce_rate=ten/1h", NULL}, "relay_bounce_rate"},
    {"a bad domain rate",
     {"relay_bounce_domain_rate=5/fortnight", NULL},
     "relay_bounce_domain_rate"},
    {"a bad internal network",
     {"relay_internal_networks=10.0.0.1/8", NULL},
     "relay_internal_networks"},
    {"an unknown spam header", {"relay_spam_headers=X-My-Filter", NULL}, "unknown header"},
    {"an auth header that is neither",
     {"relay_auth_headers=DKIM-Signature", NULL},
     "neither Authentication-Results nor Received-SPF"},
    {"a missing tenants map", {"relay_tenants=/nonexistent/tenants", NULL}, "relay_tenants"},
};

static void test_config_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		char err[512] = "";
		struct ng_relay *r = make(cfg_cases[i].ov, err, sizeof(err));
		if (r != NULL) {
			ng_relay_free(r);
			fail_msg("%s: accepted", cfg_cases[i].name);
		}
		if (strstr(err, cfg_cases[i].want) == NULL)
			fail_msg("%s: error '%s' does not say '%s'", cfg_cases[i].name, err,
			         cfg_cases[i].want);
	}
	char buf[512];
	struct ng_relay *r = make_ok(NULL);
	ng_relay_describe(r, buf, sizeof(buf));
	if (strstr(buf, "tenants=2 ") == NULL || strstr(buf, "spf_fail:+100") == NULL ||
	    strstr(buf, "unknown:route") == NULL)
		fail_msg("describe: %s", buf);
	ng_relay_free(r);
}

/* ----- tenants ----- */

static void test_tenants(void **state)
{
	(void)state;
	static const struct {
		const char *name, *ip, *login, *want;
	} cases[] = {
	    {"by network", "192.0.2.33", NULL, "acme"},
	    {"by IPv6 network", "2001:db8:1::25", NULL, "acme"},
	    {"by login, whatever the address", "203.0.113.9", "smtp-acme", "acme"},
	    {"by address-like login", "203.0.113.9", "relay@globex.example", "globex"},
	    {"by a single address", "198.51.100.7", "", "globex"},
	    {"IPv4-mapped IPv6", "::ffff:192.0.2.1", NULL, "acme"},
	    {"a stranger", "203.0.113.9", NULL, NULL},
	    {"an unknown login from a stranger", "203.0.113.9", "someone", NULL},
	    {"no address at all", NULL, NULL, NULL},
	};
	struct ng_relay *r = make_ok(NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = ng_relay_tenant(r, cases[i].ip, cases[i].login);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			fail_msg("%s: got %s, want %s", cases[i].name, got ? got : "(none)",
			         cases[i].want ? cases[i].want : "(none)");
	}
	ng_relay_free(r);
	/* without a map: our_networks and authenticated clients are "local" */
	struct ng_config *cfg = ng_config_new();
	char err[256];
	assert_int_equal(ng_config_override(cfg, "our_networks=10.1.0.0/16", err, sizeof(err)), 0);
	r = ng_relay_from_config(cfg, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(ng_relay_tenant(r, "10.1.2.3", NULL), "local");
	assert_string_equal(ng_relay_tenant(r, "203.0.113.9", "user"), "local");
	assert_null(ng_relay_tenant(r, "203.0.113.9", NULL));
	ng_relay_free(r);
	ng_config_free(cfg);
}

/* ----- the message log ----- */

struct log_case {
	const char *name;
	const char *ov[3];
	const char *headers[6]; /* "Name: value" */
	const char *want_id, *want_spf, *want_dkim, *want_dmarc;
	enum ng_relay_spam want_spam;
};

static const struct log_case log_cases[] = {
    {"a plain message: only its ID",
     {NULL},
     {"Message-ID: <abc@example.org>", "Subject: hi", NULL},
     "abc@example.org",
     "",
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN},
    {"Authentication-Results of any authserv-id when none is configured",
     {NULL},
     {"Message-ID:  <x1@a>",
      "Authentication-Results: mx.relay.test; spf=fail smtp.mailfrom=a.b; "
      "dkim=none; dmarc=fail header.from=a.b",
      NULL},
     "x1@a",
     "fail",
     "none",
     "fail",
     NG_RELAY_SPAM_UNKNOWN},
    {"a foreign authserv-id is not trusted",
     {"relay_authserv_ids=mx.relay.test", NULL},
     {"Message-ID: <x2@a>", "Authentication-Results: evil.example; spf=pass smtp.mailfrom=a.b",
      NULL},
     "x2@a",
     "",
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN},
    {"our authserv-id is trusted; the newest field wins",
     {"relay_authserv_ids=mx.relay.test", NULL},
     {"Authentication-Results: mx.relay.test; spf=softfail smtp.mailfrom=a.b; dmarc=pass",
      "Authentication-Results: mx.relay.test; spf=pass smtp.mailfrom=a.b", "Message-ID: <x3@a>",
      NULL},
     "x3@a",
     "softfail",
     "",
     "pass",
     NG_RELAY_SPAM_UNKNOWN},
    {"Received-SPF",
     {NULL},
     {"Received-SPF: Fail (mailfrom) identity=mailfrom; client-ip=192.0.2.1", NULL},
     "",
     "fail",
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN},
    {"Received-SPF when only Authentication-Results is trusted",
     {"relay_auth_headers=Authentication-Results", NULL},
     {"Received-SPF: fail", NULL},
     "",
     "",
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN},
    {"SpamAssassin says spam",
     {NULL},
     {"X-Spam-Status: Yes, score=9.1 required=5.0", "Message-ID: <s@a>", NULL},
     "s@a",
     "",
     "",
     "",
     NG_RELAY_SPAM_YES},
    {"ham from one header, spam from another: spam",
     {NULL},
     {"X-Spam-Flag: NO", "X-Rspamd-Action: add header", NULL},
     "",
     "",
     "",
     "",
     NG_RELAY_SPAM_YES},
    {"ham", {NULL}, {"X-Spam-Status: No, score=0.1", NULL}, "", "", "", "", NG_RELAY_SPAM_NO},
    {"an untrusted spam header is ignored",
     {"relay_spam_headers=X-Spam-Flag", NULL},
     {"X-Spam-Status: Yes, score=20", NULL},
     "",
     "",
     "",
     "",
     NG_RELAY_SPAM_UNKNOWN},
};

static void test_log_record(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++) {
		const struct log_case *tc = &log_cases[i];
		struct ng_relay *r = make_ok(tc->ov);
		struct ng_relay_logrec rec, back;
		ng_relay_log_begin(r, &rec, 1700000000, "203.0.113.5", "joe@forged.example");
		for (size_t h = 0; tc->headers[h] != NULL; h++) {
			char name[64];
			const char *colon = strchr(tc->headers[h], ':');
			snprintf(name, sizeof(name), "%.*s", (int)(colon - tc->headers[h]),
			         tc->headers[h]);
			ng_relay_log_header(r, &rec, name, colon + 1);
		}
		if (strcmp(rec.message_id, tc->want_id) != 0 ||
		    strcmp(rec.spf, tc->want_spf) != 0 || strcmp(rec.dkim, tc->want_dkim) != 0 ||
		    strcmp(rec.dmarc, tc->want_dmarc) != 0 || rec.spam != tc->want_spam)
			fail_msg(
			    "%s: got id=%s spf=%s dkim=%s dmarc=%s spam=%d, want %s %s %s %s %d",
			    tc->name, rec.message_id, rec.spf, rec.dkim, rec.dmarc, rec.spam,
			    tc->want_id, tc->want_spf, tc->want_dkim, tc->want_dmarc,
			    tc->want_spam);
		/* the stored form reads back the same */
		ng_buf b;
		int64_t expires;
		ng_buf_init(&b, 8192);
		ng_relay_log_encode(r, &rec, &b, &expires);
		assert_false(b.failed || b.overflow);
		assert_int_equal(expires, 1700000000 + 7 * 86400);
		assert_true(ng_relay_log_decode(b.data, b.len, &back));
		if (memcmp(&rec, &back, sizeof(rec)) != 0)
			fail_msg("%s: the record does not read back the same", tc->name);
		ng_buf_free(&b);
		ng_relay_free(r);
	}
	assert_false(ng_relay_log_decode("garbage", 7, &(struct ng_relay_logrec){0}));
}

static void test_log_key(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want; /* want NULL: no key */
	} cases[] = {
	    {"<abc@example.org>", "m/abc@example.org"},
	    {" <abc@example.org> (comment)", "m/abc@example.org"},
	    {"abc@example.org", "m/abc@example.org"},
	    {"<>", NULL},
	    {"", NULL},
	    {"<a b@c>", NULL},
	    {"<a\x01@c>", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char key[300];
		size_t klen = 0;
		bool ok = ng_relay_log_key(cases[i].in, key, sizeof(key), &klen);
		if (ok != (cases[i].want != NULL) ||
		    (ok && (strcmp(key, cases[i].want) != 0 || klen != strlen(cases[i].want))))
			fail_msg("'%s': got %s, want %s", cases[i].in, ok ? key : "(none)",
			         cases[i].want ? cases[i].want : "(none)");
	}
}

/* ----- the SPF question ----- */

static void test_spf_target(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *received[4];
		const char *rcpt;
		const char *want_ip, *want_helo; /* NULL: no question */
	} cases[] = {
	    {"tenant hop, relay hop, then the sender",
	     {"from relay.test (relay.test [10.0.0.2]) by mx.acme.example (Postfix) with ESMTP id "
	      "A",
	      "from spammer.example (unknown [203.0.113.5]) by relay.test (Postfix) with ESMTP id "
	      "B",
	      NULL},
	     "joe@forged.example",
	     "203.0.113.5",
	     "spammer.example"},
	    {"the tenant's own network is internal",
	     {"from [192.0.2.10] (helo=inside) by mx.acme.example with esmtp",
	      "from out.example (out.example [198.18.0.9]) by in.acme.example", NULL},
	     "x@y.example",
	     "198.18.0.9",
	     "out.example"},
	    {"every hop internal: no question",
	     {"from a (a [10.1.1.1]) by b", "from c (c [127.0.0.1]) by d", NULL},
	     "x@y.example",
	     NULL,
	     NULL},
	    {"no Received chain: no question", {NULL}, "x@y.example", NULL, NULL},
	    {"a recipient without a domain: no question",
	     {"from s (s [203.0.113.5]) by r", NULL},
	     "postmaster",
	     NULL,
	     NULL},
	    {"no HELO: the reverse name stands in",
	     {"from unknown (HELO) (203.0.113.77) by r", "from [203.0.113.8] by r", NULL},
	     "x@y.example",
	     "203.0.113.77",
	     NULL},
	};
	struct ng_relay *r = make_ok(NULL);
	ng_verdict *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(v, 0, sizeof(*v));
		for (size_t h = 0; cases[i].received[h] != NULL; h++) {
			snprintf(v->original.received[h], sizeof(v->original.received[h]), "%s",
			         cases[i].received[h]);
			v->original.nreceived++;
		}
		struct ng_relay_spf_target t;
		bool ok = ng_relay_spf_target(r, v, cases[i].rcpt, &t);
		if (ok != (cases[i].want_ip != NULL))
			fail_msg("%s: got %s, want %s", cases[i].name, ok ? t.ip : "(none)",
			         cases[i].want_ip ? cases[i].want_ip : "(none)");
		if (!ok)
			continue;
		if (strcmp(t.ip, cases[i].want_ip) != 0 || strcmp(t.sender, cases[i].rcpt) != 0 ||
		    (cases[i].want_helo != NULL && strcmp(t.helo, cases[i].want_helo) != 0) ||
		    t.helo[0] == '\0')
			fail_msg("%s: got ip=%s helo=%s sender=%s", cases[i].name, t.ip, t.helo,
			         t.sender);
	}
	free(v);
	ng_relay_free(r);
}

/* ----- the budget and the envelope checks ----- */

static void test_budget(void **state)
{
	(void)state;
	const char *ov[] = {"relay_bounce_rate=5/1h", "relay_bounce_domain_rate=2/1m", NULL};
	struct ng_relay *r = make_ok(ov);
	struct ng_relay_judgement out;
	const char *a[] = {"x@a.example"}, *b[] = {"y@B.example"},
	           *ab[] = {"x@a.example", "y@b.example"};
	int64_t t = 1000000;
	assert_int_equal(ng_relay_budget_take(r, "acme", a, 1, t, &out), 0);
	assert_int_equal(ng_relay_budget_take(r, "acme", a, 1, t, &out), 0);
	/* a.example is full for acme; globex has its own budget */
	assert_int_equal(ng_relay_budget_take(r, "acme", a, 1, t, &out), 1);
	assert_string_equal(out.rcode, "451");
	assert_string_equal(out.xcode, "4.7.1");
	if (strstr(out.text, "from acme to a.example (limit 2/1m)") == NULL ||
	    strstr(out.text, "try again in") == NULL)
		fail_msg("reply: %s", out.text);
	assert_int_equal(ng_relay_budget_take(r, "globex", a, 1, t, &out), 0);
	/* all or nothing: a.example full, so b.example is not counted either */
	assert_int_equal(ng_relay_budget_take(r, "acme", ab, 2, t, &out), 1);
	assert_int_equal(ng_relay_budget_take(r, "acme", b, 1, t, &out), 0);
	assert_int_equal(ng_relay_budget_take(r, "acme", b, 1, t, &out),
	                 0); /* domains ignore case */
	assert_int_equal(ng_relay_budget_take(r, "acme", b, 1, t, &out), 1);
	/* a minute later the domains have room; the tenant's 5/1h is then reached */
	t += 61000;
	assert_int_equal(ng_relay_budget_take(r, "acme", a, 1, t, &out), 0);
	assert_int_equal(ng_relay_budget_take(r, "acme", b, 1, t, &out), 1);
	if (strstr(out.text, "from acme (limit 5/1h)") == NULL)
		fail_msg("tenant reply: %s", out.text);
	struct ng_relay_stats st;
	ng_relay_stats(r, &st);
	assert_int_equal(st.budget_deferred, 4);
	ng_relay_free(r);
	/* no limits at all */
	const char *none[] = {"relay_bounce_rate=0", "relay_bounce_domain_rate=0", NULL};
	r = make_ok(none);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ng_relay_budget_take(r, "acme", a, 1, t, &out), 0);
	ng_relay_free(r);
}

static void test_envelope(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *ov[3];
		const char *ip, *login;
		bool bounce;
		const char *state, *rcpt;
		const char *want; /* prefix of the action */
		enum ng_relay_action want_action;
	} cases[] = {
	    {"a tenant's bounce: FILTER to the pool",
	     {NULL},
	     "192.0.2.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "FILTER bouncepool:",
	     NG_RELAY_ROUTE},
	    {"a tenant's ordinary mail",
	     {NULL},
	     "192.0.2.1",
	     NULL,
	     false,
	     "RCPT",
	     "a@b.example",
	     "DUNNO",
	     NG_RELAY_ALLOW},
	    {"a stranger's bounce",
	     {NULL},
	     "203.0.113.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "DUNNO",
	     NG_RELAY_ALLOW},
	    {"a tenant by login",
	     {NULL},
	     "203.0.113.1",
	     "smtp-acme",
	     true,
	     "rcpt",
	     "a@b.example",
	     "FILTER bouncepool:",
	     NG_RELAY_ROUTE},
	    {"not at RCPT", {NULL}, "192.0.2.1", NULL, true, "MAIL", "", "DUNNO", NG_RELAY_ALLOW},
	    {"unknown -> quarantine is HOLD here",
	     {"relay_unknown_action=quarantine", NULL},
	     "192.0.2.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "HOLD ",
	     NG_RELAY_QUARANTINE},
	    {"unknown -> discard",
	     {"relay_unknown_action=discard", NULL},
	     "192.0.2.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "DISCARD ",
	     NG_RELAY_DISCARD},
	    {"unknown -> reject",
	     {"relay_unknown_action=reject", NULL},
	     "192.0.2.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "550 5.7.1 ",
	     NG_RELAY_REJECT},
	    {"unknown -> allow",
	     {"relay_unknown_action=allow", NULL},
	     "192.0.2.1",
	     NULL,
	     true,
	     "RCPT",
	     "a@b.example",
	     "DUNNO",
	     NG_RELAY_ALLOW},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_relay *r = make_ok(cases[i].ov);
		struct ng_relay_envelope e;
		ng_relay_envelope_decide(r, cases[i].ip, cases[i].login, cases[i].bounce,
		                         cases[i].state, cases[i].rcpt, 1000, &e);
		if (strncmp(e.text, cases[i].want, strlen(cases[i].want)) != 0 ||
		    e.action != cases[i].want_action)
			fail_msg("%s: got %s '%s', want %s '%s'", cases[i].name,
			         ng_relay_action_name(e.action), e.text,
			         ng_relay_action_name(cases[i].want_action), cases[i].want);
		ng_relay_free(r);
	}
	/* over the budget at RCPT */
	const char *ov[] = {"relay_bounce_domain_rate=1/1h", NULL};
	struct ng_relay *r = make_ok(ov);
	struct ng_relay_envelope e;
	ng_relay_envelope_decide(r, "192.0.2.1", NULL, true, "RCPT", "a@b.example", 1000, &e);
	assert_int_equal(e.action, NG_RELAY_ROUTE);
	ng_relay_envelope_decide(r, "192.0.2.1", NULL, true, "RCPT", "c@b.example", 2000, &e);
	assert_int_equal(e.action, NG_RELAY_TEMPFAIL);
	if (strncmp(e.text, "451 4.7.1 too many bounces", 26) != 0)
		fail_msg("over budget: %s", e.text);
	ng_relay_free(r);
}

/* ----- the quarantine on the memory store ----- */

static int collect(void *arg, const struct ng_qmeta *m)
{
	char *ids = arg;
	size_t o = strlen(ids);
	snprintf(ids + o, 1024 - o, "%s\n", m->id);
	return 0;
}

static void test_quarantine(void **state)
{
	(void)state;
	char dir[] = "/tmp/ng-test-quar.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char err[512];
	struct ng_store *st = ng_store_open("memory:", NULL, err, sizeof(err));
	assert_non_null(st);
	struct ng_quarantine *q = ng_quarantine_open(dir, st, err, sizeof(err));
	if (q == NULL)
		fail_msg("open: %s", err);

	/* a spool cut into pieces, CRLF split across them */
	struct ng_qspool *sp = ng_quarantine_spool(q, err, sizeof(err));
	assert_non_null(sp);
	static const char *const pieces[] = {"From: MAILER-DAEMON\r", "\nSubject: x\r\n\r",
	                                     "\nbody\r\n.dot\rbare CR\r\n"};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(ng_qspool_write(sp, pieces[i], strlen(pieces[i])), 0);
	char *rcpts[] = {"joe@forged.example", "ann@forged.example"};
	struct ng_qmeta m;
	memset(&m, 0, sizeof(m));
	m.time = 1700000000;
	m.expires = 1700000000 + 3600;
	snprintf(m.tenant, sizeof(m.tenant), "acme");
	snprintf(m.sender, sizeof(m.sender), "%s", "");
	m.rcpts = rcpts;
	m.nrcpts = 2;
	snprintf(m.verdict, sizeof(m.verdict), "backscatter");
	m.score = 100;
	snprintf(m.subject, sizeof(m.subject), "Undelivered Mail\nReturned");
	if (ng_quarantine_commit(q, sp, &m, err, sizeof(err)) < 0)
		fail_msg("commit: %s", err);
	char id1[NG_QID_MAX];
	snprintf(id1, sizeof(id1), "%s", m.id);
	static const char want[] = "From: MAILER-DAEMON\nSubject: x\n\nbody\n.dot\rbare CR\n";
	assert_int_equal(m.size, strlen(want));
	char path[512], got[256] = "";
	assert_true(ng_quarantine_path(q, id1, path, sizeof(path)));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	assert_string_equal(got, want);

	/* the index record reads back, recipients and all */
	struct ng_qmeta back;
	assert_int_equal(ng_quarantine_get(q, id1, &back, err, sizeof(err)), 0);
	assert_string_equal(back.tenant, "acme");
	assert_string_equal(back.sender, "");
	assert_int_equal(back.nrcpts, 2);
	assert_string_equal(back.rcpts[1], "ann@forged.example");
	assert_string_equal(back.subject, "Undelivered Mail\nReturned");
	assert_int_equal(back.score, 100);
	ng_qmeta_free(&back);

	/* a second message, expiring later; an aborted spool leaves nothing */
	sp = ng_quarantine_spool(q, err, sizeof(err));
	assert_int_equal(ng_qspool_write(sp, "x\n", 2), 0);
	m.expires = 1700000000 + 7200;
	m.nrcpts = 1;
	assert_int_equal(ng_quarantine_commit(q, sp, &m, err, sizeof(err)), 0);
	sp = ng_quarantine_spool(q, err, sizeof(err));
	ng_qspool_abort(sp);
	char ids[1024] = "";
	assert_int_equal(ng_quarantine_list(q, collect, ids, err, sizeof(err)), 0);
	assert_non_null(strstr(ids, id1));
	assert_int_equal(strchr(strchr(ids, '\n') + 1, '\n') - ids + 1, (long)strlen(ids));

	/* IDs that are not ours are never paths */
	static const char *const bad[] = {"../etc/passwd", ".hidden", "", "a/b", "x y"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(ng_quarantine_path(q, bad[i], path, sizeof(path)));
		assert_int_equal(ng_quarantine_delete(q, bad[i], err, sizeof(err)), 1);
		assert_int_equal(ng_quarantine_get(q, bad[i], &back, err, sizeof(err)), 1);
	}

	/* expiry removes the first only; delete the second; again: absent */
	size_t removed = 0;
	assert_int_equal(ng_quarantine_expire(q, 1700000000 + 3600, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ng_quarantine_get(q, id1, &back, err, sizeof(err)), 1);
	ids[0] = '\0';
	assert_int_equal(ng_quarantine_list(q, collect, ids, err, sizeof(err)), 0);
	char id2[NG_QID_MAX];
	snprintf(id2, sizeof(id2), "%.*s", (int)(strchr(ids, '\n') - ids), ids);
	assert_int_equal(ng_quarantine_delete(q, id2, err, sizeof(err)), 0);
	assert_int_equal(ng_quarantine_delete(q, id2, err, sizeof(err)), 1);

	ng_quarantine_close(q);
	ng_store_close(st);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	/* a relative directory is refused */
	assert_null(ng_quarantine_open("relative/dir", NULL, err, sizeof(err)));
}

/* ----- the record codec ----- */

static void test_kv(void **state)
{
	(void)state;
	static const char *const values[] = {
	    "plain",       "",       "two\nlines", "back\\slash",
	    "ctl\x01\x7f", "cr\rlf", "=equals=",   "\xc3\xa9t\xc3\xa9"};
	ng_buf b;
	ng_buf_init(&b, 4096);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		ng_kv_put(&b, "k", values[i]);
	ng_kv_put_int(&b, "n", -42);
	assert_false(b.failed || b.overflow);
	struct ng_kv_reader r;
	char key[8], val[64];
	bool cut;
	ng_kv_reader_init(&r, b.data, b.len);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		assert_true(ng_kv_next(&r, key, sizeof(key), val, sizeof(val), &cut));
		assert_string_equal(key, "k");
		assert_string_equal(val, values[i]);
		assert_false(cut);
	}
	long long n;
	assert_true(ng_kv_next(&r, key, sizeof(key), val, sizeof(val), &cut));
	assert_true(ng_kv_int(val, &n));
	assert_int_equal(n, -42);
	assert_false(ng_kv_next(&r, key, sizeof(key), val, sizeof(val), &cut));
	ng_buf_free(&b);
	/* cut values, lines without '=', a dangling escape */
	static const char rec[] = "no equals here\nk=0123456789abcdef\nx=a\\";
	ng_kv_reader_init(&r, rec, sizeof(rec) - 1);
	assert_true(ng_kv_next(&r, key, sizeof(key), val, 8, &cut));
	assert_string_equal(val, "0123456");
	assert_true(cut);
	assert_true(ng_kv_next(&r, key, sizeof(key), val, sizeof(val), &cut));
	assert_string_equal(val, "a\\");
	assert_false(ng_kv_int("12x", &n));
	assert_false(ng_kv_int("", &n));
}

/* ----- SipHash-2-4 (the budget's and the DNSBL cache's tables) ----- */

static void test_siphash(void **state)
{
	(void)state;
	uint8_t key[16], in[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		in[i] = (uint8_t)i;
	/* the paper's appendix A: 15 bytes 00..0e under key 00..0f */
	assert_true(ng_siphash24(key, in, 15) == 0xa129ca6149be45e5ULL);
	/* the reference implementation's vectors for lengths 0 and 8 */
	assert_true(ng_siphash24(key, in, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(ng_siphash24(key, in, 8) == 0x93f5f5799a932462ULL);
}

static int setup(void **state)
{
	(void)state;
	write_tenants();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(tenants_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_counters),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_tenants),
	    cmocka_unit_test(test_log_record),
	    cmocka_unit_test(test_log_key),
	    cmocka_unit_test(test_spf_target),
	    cmocka_unit_test(test_budget),
	    cmocka_unit_test(test_envelope),
	    cmocka_unit_test(test_quarantine),
	    cmocka_unit_test(test_kv),
	    cmocka_unit_test(test_siphash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
