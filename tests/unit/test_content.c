/*
 * test_content.c - unit tests of the milter's content-stage decisions
 * (ng_content_* in include/ndrguard/content.h, lib/policy/content.c).
 *
 * Three tables of named cases: envelope + headers -> candidate or not (and
 * which rule said so); class + DNSBL result -> action (extended safe mode,
 * DNS trouble, exemptions, dry-run, tagging); and one or more cases per
 * bounce plausibility rule; and BATV (outbound signing, the inbound check
 * before and after enforcement, exemptions).  The configuration is built
 * from -o style overrides; verdicts and DNSBL results are written by hand.
 * No DNS, no libmilter; BATV runs on an injected fixed clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <ndrguard/config.h>
#include <ndrguard/content.h>

static struct ng_content *make(const char *const *ov)
{
	char err[512];
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	for (size_t i = 0; ov != NULL && ov[i] != NULL; i++)
		if (ng_config_override(cfg, ov[i], err, sizeof(err)) < 0)
			fail_msg("override %s: %s", ov[i], err);
	struct ng_content *ct = ng_content_from_config(cfg, err, sizeof(err));
	if (ct == NULL)
		fail_msg("ng_content_from_config: %s", err);
	ng_config_free(cfg); /* the rules keep copies of what they need */
	return ct;
}

/* headers: "Name: value" lines separated by '\n'. */
static void feed(const struct ng_content *ct, struct ng_content_msg *m, const char *client,
                 const char *client_name, const char *sender, const char *rcpts,
                 const char *headers)
{
	char buf[2048];
	ng_content_begin(ct, m, client, client_name, sender);
	snprintf(buf, sizeof(buf), "%s", rcpts != NULL ? rcpts : "");
	for (char *s = buf, *e; *s != '\0'; s = e) {
		e = s + strcspn(s, ",");
		if (*e != '\0')
			*e++ = '\0';
		ng_content_rcpt(ct, m, s);
	}
	snprintf(buf, sizeof(buf), "%s", headers != NULL ? headers : "");
	for (char *s = buf, *e; *s != '\0'; s = e) {
		e = s + strcspn(s, "\n");
		if (*e != '\0')
			*e++ = '\0';
		char *colon = strchr(s, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ')
			v++;
		ng_content_header(ct, m, s, v);
	}
}

/* ----- candidates ----- */

static const struct cand_case {
	const char *name;
	const char *sender;
	const char *headers;
	const char *want; /* the candidate rule, NULL = not a candidate */
} cand_cases[] = {
    {"null sender", "", "Subject: hello", "bounce-sender"},
    {"postmaster sender", "postmaster@example.org", "Subject: hello", "bounce-sender"},
    {"MAILER-DAEMON sender, any case", "MAILER-DAEMON@example.org", "", "bounce-sender"},
    {"ordinary mail", "alice@example.org",
     "From: Alice <alice@example.org>\nSubject: lunch?\nContent-Type: text/plain", NULL},
    {"Auto-Submitted: auto-replied", "bob@example.org", "Auto-Submitted: auto-replied (vacation)",
     "auto-submitted"},
    {"Auto-Submitted: auto-generated", "bob@example.org", "Auto-Submitted: auto-generated",
     "auto-submitted"},
    {"Auto-Submitted: no", "bob@example.org", "Auto-Submitted: no", NULL},
    {"Auto-Submitted: No (comment)", "bob@example.org", "Auto-Submitted:  No (human)", NULL},
    {"multipart/report", "notifications@example.org",
     "Content-Type: multipart/report; report-type=delivery-status; boundary=x", "report-type"},
    {"message/delivery-status", "n@example.org", "Content-Type: message/delivery-status",
     "report-type"},
    {"multipart/mixed is not a report", "n@example.org", "Content-Type: multipart/mixed; b=1",
     NULL},
    {"From mailer-daemon@", "n@example.org", "From: MAILER-DAEMON@mx.example.org", "from"},
    {"From postmaster@ with display name", "n@example.org",
     "From: \"Postmaster\" <postmaster@example.org>", "from"},
    {"From notpostmaster@ is not", "n@example.org", "From: notpostmaster@example.org", NULL},
    {"From Mail Delivery Subsystem", "n@example.org",
     "From: Mail Delivery Subsystem <noreply@example.org>", "from"},
    {"Subject Undeliverable", "n@example.org", "Subject: Undeliverable: Re: offer", "subject"},
    {"Subject Delivery Status Notification", "n@example.org",
     "Subject: Delivery Status Notification (Failure)", "subject"},
    {"Subject Returned mail", "n@example.org", "Subject: Returned mail: see transcript", "subject"},
    {"Subject Out of Office", "n@example.org", "Subject: Out of Office: meeting", "subject"},
    {"Subject Automatic reply", "n@example.org", "Subject: Automatic reply: invoice", "subject"},
    {"Subject encoded word", "n@example.org",
     "Subject: =?utf-8?B?VW56dXN0ZWxsYmFy?=", "subject-encoded"},
    {"Subject ordinary", "n@example.org", "Subject: quarterly report attached", NULL},
    {"X-Failed-Recipients", "n@example.org", "X-Failed-Recipients: a@example.org",
     "failed-recipients"},
    {"Precedence auto_reply", "n@example.org", "Precedence: auto_reply", "precedence"},
    {"Precedence bulk is not", "n@example.org", "Precedence: bulk", NULL},
};

static void test_candidates(void **state)
{
	(void)state;
	struct ng_content *ct = make(NULL);
	int bad = 0;
	for (size_t i = 0; i < sizeof(cand_cases) / sizeof(cand_cases[0]); i++) {
		const struct cand_case *c = &cand_cases[i];
		struct ng_content_msg m;
		feed(ct, &m, "192.0.2.1", NULL, c->sender, "user@example.net", c->headers);
		const char *got = ng_content_candidate(&m) ? m.why : NULL;
		if ((got == NULL) != (c->want == NULL) ||
		    (got != NULL && strcmp(got, c->want) != 0)) {
			print_error("candidate %s: got %s, want %s\n", c->name,
			            got ? got : "(none)", c->want ? c->want : "(none)");
			bad++;
		}
		assert_int_equal(ng_content_wants_lookup(&m), ng_content_candidate(&m));
	}
	ng_content_free(ct);
	assert_int_equal(bad, 0);
}

/* ----- decisions ----- */

enum dns { D_NONE, D_LISTED, D_NOT, D_UNKNOWN };

static const struct dec_case {
	const char *name;
	const char *ov[4];
	const char *client, *client_name, *sender, *rcpts, *headers;
	enum ng_class cls; /* NG_CLASS_NONE with classified = false: no verdict */
	bool classified;
	const char *orig_msgid, *orig_received; /* NULL: no original */
	enum dns dns;
	enum ng_content_action want;
	const char *want_rules; /* exact */
	bool want_header;
	const char *want_rcode; /* "" = none */
	const char *want_text;  /* substring of the reply text, or NULL */
} dec_cases[] = {
    /* extended safe mode */
    {"listed ndr from notifications@",
     {NULL},
     "192.0.2.1",
     NULL,
     "notifications@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     "listed on bl.test: go away"},
    {"listed autoreply",
     {NULL},
     "192.0.2.1",
     NULL,
     "bob@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     NULL},
    {"listed delay",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Subject: Delivery delayed",
     NG_CLASS_DELAY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     NULL},
    {"listed challenge",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Subject: please confirm",
     NG_CLASS_CHALLENGE,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     NULL},
    {"listed av-notice",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Subject: Virus found",
     NG_CLASS_AV_NOTICE,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     NULL},
    {"listed success DSN: not backscatter",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_SUCCESS,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"listed mdn: not backscatter",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_MDN,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"listed feedback: not backscatter",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_FEEDBACK,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"listed class none from a real sender",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Subject: vacation plans",
     NG_CLASS_NONE,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"listed null sender, class none: safe mode",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "u@example.net",
     "Subject: x",
     NG_CLASS_NONE,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed",
     false,
     "550",
     NULL},
    {"ordinary mail never acted on",
     {NULL},
     "192.0.2.1",
     NULL,
     "a@example.org",
     "u@example.net",
     "Subject: lunch",
     NG_CLASS_NONE,
     false,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"not listed ndr",
     {NULL},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"not listed ndr, tag_classified",
     {"milter_tag_classified=yes"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Content-Type: multipart/report",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     true,
     "",
     NULL},
    {"content action tempfail",
     {"milter_content_action=tempfail"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_TEMPFAIL,
     "listed",
     false,
     "451",
     "listed on bl.test"},
    {"content action tag",
     {"milter_content_action=tag"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_TAG,
     "listed",
     true,
     "",
     NULL},
    {"content action quarantine",
     {"milter_content_action=quarantine"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_QUARANTINE,
     "listed",
     true,
     "",
     NULL},
    {"content action discard",
     {"milter_content_action=discard"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_DISCARD,
     "listed",
     false,
     "",
     NULL},
    {"content action dry-run",
     {"milter_content_action=dry-run"},
     "192.0.2.1",
     NULL,
     "n@example.org",
     "u@example.net",
     "Auto-Submitted: auto-replied",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "listed",
     false,
     "",
     NULL},
    {"dns trouble: tag by default",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "u@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_UNKNOWN,
     NG_CONTENT_TAG,
     "dns-trouble",
     true,
     "",
     NULL},
    {"dns trouble: accept",
     {"dnsbl_dns_failure_action=accept"},
     "192.0.2.1",
     NULL,
     "",
     "u@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_UNKNOWN,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"dns trouble: tempfail, never reject",
     {"dnsbl_dns_failure_action=tempfail"},
     "192.0.2.1",
     NULL,
     "",
     "u@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_UNKNOWN,
     NG_CONTENT_TEMPFAIL,
     "dns-trouble",
     false,
     "451",
     NULL},
    {"exempt network: no lookup",
     {"exempt_networks=192.0.2.0/24"},
     "192.0.2.1",
     NULL,
     "",
     "u@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"exempt network: a rule's reject lowered to tag",
     {"exempt_networks=192.0.2.0/24", "bounce_multi_rcpt_action=reject"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_TAG,
     "multi-rcpt",
     true,
     "",
     NULL},
    {"exempt recipient postmaster@",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "postmaster@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_LISTED,
     NG_CONTENT_TAG,
     "listed",
     true,
     "",
     NULL},
    /* plausibility */
    {"multi-rcpt bounce",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_TAG,
     "multi-rcpt",
     true,
     "",
     NULL},
    {"multi-rcpt ordinary mail: no rule",
     {NULL},
     "192.0.2.1",
     NULL,
     "a@example.org",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NONE,
     false,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"multi-rcpt relay by CIDR",
     {"multi_rcpt_bounce_relays=192.0.2.0/24"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"multi-rcpt relay by name",
     {"multi_rcpt_bounce_relays=outbound.protection.example"},
     "192.0.2.1",
     "mail-x1.outbound.protection.example",
     "",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"multi-rcpt reject",
     {"bounce_multi_rcpt_action=reject"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net,b@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_REJECT,
     "multi-rcpt",
     false,
     "550",
     "several recipients"},
    {"return-path header",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Return-Path: <x@example.org>\nSubject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_TAG,
     "return-path",
     true,
     "",
     NULL},
    {"return-path tempfail",
     {"bounce_return_path_action=tempfail"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Return-Path: <>",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_TEMPFAIL,
     "return-path",
     false,
     "451",
     "Return-Path"},
    {"never-bounce recipient",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "noreply@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_TAG,
     "never-recipient",
     true,
     "",
     NULL},
    {"never-bounce recipient discard",
     {"bounce_never_recipient_action=discard"},
     "192.0.2.1",
     NULL,
     "",
     "no-reply@example.net",
     "Subject: x",
     NG_CLASS_AUTOREPLY,
     true,
     NULL,
     NULL,
     D_NOT,
     NG_CONTENT_DISCARD,
     "never-recipient",
     false,
     "",
     NULL},
    {"foreign original: off without our_hostnames",
     {NULL},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@elsewhere.example>",
     "from a by mx.elsewhere.example",
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"foreign original: Message-ID not ours",
     {"our_hostnames=example.net"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@elsewhere.example>",
     "from a by mx.example.net",
     D_NOT,
     NG_CONTENT_TAG,
     "foreign-original",
     true,
     "",
     NULL},
    {"our original: Message-ID below our domain",
     {"our_hostnames=example.net"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@mail.example.net>",
     "from a by mx.example.net",
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"foreign original: Received hops not ours",
     {"our_networks=198.51.100.0/24"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@x.example>",
     "from spam.example (spam.example [203.0.113.9]) by mx.example",
     D_NOT,
     NG_CONTENT_TAG,
     "foreign-original",
     true,
     "",
     NULL},
    {"our original: a Received hop in our network",
     {"our_networks=198.51.100.0/24"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@x.example>",
     "from pc (pc [198.51.100.7]) by out.example",
     D_NOT,
     NG_CONTENT_ACCEPT,
     "-",
     false,
     "",
     NULL},
    {"foreign original reject + listed: one reply",
     {"our_hostnames=example.net", "bounce_foreign_original_action=reject"},
     "192.0.2.1",
     NULL,
     "",
     "a@example.net",
     "Subject: x",
     NG_CLASS_NDR,
     true,
     "<1@elsewhere.example>",
     NULL,
     D_LISTED,
     NG_CONTENT_REJECT,
     "listed,foreign-original",
     false,
     "550",
     "listed on"},
};

static void test_decisions(void **state)
{
	(void)state;
	int bad = 0;
	ng_verdict *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		const struct dec_case *c = &dec_cases[i];
		const char *ov[6] = {"dnsbl_reject_text=listed on $zone: $txt"};
		size_t n = 1;
		for (size_t k = 0; k < 4 && c->ov[k] != NULL; k++)
			ov[n++] = c->ov[k];
		ov[n] = NULL;
		struct ng_content *ct = make(ov);
		struct ng_content_msg m;
		feed(ct, &m, c->client, c->client_name, c->sender, c->rcpts, c->headers);
		memset(v, 0, sizeof(*v));
		v->cls = c->cls;
		v->nev = 1;
		v->ev[0].rule = "dsn:action";
		v->ev[0].where = "part:2";
		if (c->orig_msgid != NULL) {
			v->original.present = true;
			snprintf(v->original.message_id, sizeof(v->original.message_id), "%s",
			         c->orig_msgid);
			if (c->orig_received != NULL) {
				snprintf(v->original.received[0], sizeof(v->original.received[0]),
				         "%s", c->orig_received);
				v->original.nreceived = 1;
			}
		}
		struct ng_dnsbl_result res;
		memset(&res, 0, sizeof(res));
		res.nzones = 1;
		res.zones[0].zone = "bl.test";
		res.zones[0].status = c->dns == D_LISTED    ? NG_DNSBL_LISTED
		                      : c->dns == D_UNKNOWN ? NG_DNSBL_UNKNOWN
		                                            : NG_DNSBL_NOT_LISTED;
		snprintf(res.zones[0].txt, sizeof(res.zones[0].txt), "go away\r\nInjected: yes");
		bool lookup = c->dns != D_NONE && ng_content_wants_lookup(&m);
		struct ng_content_decision d;
		ng_content_decide(ct, &m, c->classified ? v : NULL, lookup ? &res : NULL, &d);
		const char *why = NULL;
		if (d.action != c->want)
			why = "action";
		else if (strcmp(d.rules, c->want_rules) != 0)
			why = "rules";
		else if (d.add_header != c->want_header)
			why = "header";
		else if (strcmp(d.rcode, c->want_rcode) != 0)
			why = "rcode";
		else if (c->want_text != NULL && strstr(d.text, c->want_text) == NULL)
			why = "text";
		else if (strpbrk(d.text, "\r\n") != NULL || strpbrk(d.header, "\r\n") != NULL)
			why = "CR/LF in a text";
		else if (d.rcode[0] != '\0' && d.xcode[0] != d.rcode[0])
			why = "xcode class differs from rcode";
		if (why != NULL) {
			print_error(
			    "decide %s: %s: got action=%s rules=%s header=%d rcode=%s xcode=%s "
			    "text=\"%s\" header=\"%s\"; want action=%s rules=%s header=%d "
			    "rcode=%s\n",
			    c->name, why, ng_content_action_name(d.action), d.rules, d.add_header,
			    d.rcode, d.xcode, d.text, d.header, ng_content_action_name(c->want),
			    c->want_rules, c->want_header, c->want_rcode);
			bad++;
		}
		if (d.add_header && strstr(d.header, "class=") != d.header) {
			print_error("decide %s: header does not start with class=: %s\n", c->name,
			            d.header);
			bad++;
		}
		ng_content_free(ct);
	}
	free(v);
	assert_int_equal(bad, 0);
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *ov;
		const char *want; /* substring of the error */
	} cases[] = {
	    {"never_bounce_recipients=no*reply@*", "never_bounce_recipients"},
	    {"multi_rcpt_bounce_relays=10.0.0.1/8", "multi_rcpt_bounce_relays"},
	    {"multi_rcpt_bounce_relays=bad/name!", "multi_rcpt_bounce_relays"},
	    {"our_networks=not-a-net", "our_networks"},
	    {"our_hostnames=exa!mple", "our_hostnames"},
	    {"exempt_networks=300.1.1.1", "exempt_networks"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		struct ng_config *cfg = ng_config_new();
		assert_non_null(cfg);
		struct ng_content *ct = NULL;
		if (ng_config_override(cfg, cases[i].ov, err, sizeof(err)) == 0)
			ct = ng_content_from_config(cfg, err, sizeof(err));
		if (ct != NULL || strstr(err, cases[i].want) == NULL)
			fail_msg("%s: want an error naming %s, got '%s'", cases[i].ov,
			         cases[i].want, ct != NULL ? "(built)" : err);
		ng_config_free(cfg);
	}
}

/* ----- BATV ----- */

/* A fixed clock (2023-11-14 22:13:20 UTC): no test reads the wall clock. */
#define BATV_NOW ((time_t)1700000000)

static time_t fixed_clock(void *arg)
{
	return *(const time_t *)arg;
}

/* A key file in /tmp, removed by the caller. */
static void batv_keyfile(char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/ng-test-content-batv-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "unit-test-key\n", 14), 14);
	close(fd);
}

static const struct batv_case {
	const char *name;
	const char *enforce_after; /* batv_enforce_after */
	const char *action;        /* batv_action */
	const char *client;
	bool auth;
	const char *sender;
	/* the recipient; "SIGNED" = alice@example.org signed now, "OLD" =
	 * signed 30 days ago, "FORGED" = signed now with a digit flipped */
	const char *rcpt;
	/* want */
	bool sign;         /* the sender is rewritten */
	bool refuse;       /* the recipient is refused at RCPT */
	const char *text;  /* the reply text (refuse), or NULL */
	unsigned nrewrite; /* recipients rewritten back */
	bool tag;          /* the BATV tag header */
	const char *batv;  /* m.batv, NULL = none */
} batv_cases[] = {
    {"outbound from our_networks", "2000-01-01", "reject", "127.0.0.10", false, "alice@example.org",
     "bob@example.net", true, false, NULL, 0, false, "signed"},
    {"outbound authenticated, foreign client", "2000-01-01", "reject", "192.0.2.9", true,
     "alice@example.org", "bob@example.net", true, false, NULL, 0, false, "signed"},
    {"stranger's mail with our domain is not signed", "2000-01-01", "reject", "192.0.2.9", false,
     "alice@example.org", "bob@example.net", false, false, NULL, 0, false, NULL},
    {"sender domain not in batv_domains", "2000-01-01", "reject", "127.0.0.10", false,
     "alice@example.com", "bob@example.net", false, false, NULL, 0, false, NULL},
    {"already tagged: never re-tagged", "2000-01-01", "reject", "127.0.0.10", false,
     "prvs=0123abcdef=alice@example.org", "bob@example.net", false, false, NULL, 0, false,
     "already-signed"},
    {"valid bounce rewritten back", "2000-01-01", "reject", "192.0.2.9", false, "", "SIGNED", false,
     false, NULL, 1, false, "valid"},
    {"unsigned bounce refused", "2000-01-01", "reject", "192.0.2.9", false, "", "alice@example.org",
     false, true,
     "<alice@example.org>: bounce to an address that never sent mail (no valid BATV "
     "signature: not-signed)",
     0, false, NULL},
    {"expired bounce refused", "2000-01-01", "reject", "192.0.2.9", false, "", "OLD", false, true,
     NULL, 0, false, NULL},
    {"forged bounce refused", "2000-01-01", "reject", "192.0.2.9", false,
     "MAILER-DAEMON@relay.example.net", "FORGED", false, true, NULL, 0, false, NULL},
    {"unsigned bounce before enforcement: tagged", "2099-01-01", "reject", "192.0.2.9", false, "",
     "alice@example.org", false, false, NULL, 0, true, "unsigned"},
    {"exempt recipient: tagged, not refused", "2000-01-01", "reject", "192.0.2.9", false, "",
     "postmaster@example.org", false, false, NULL, 0, true, "unsigned"},
    {"batv_action = tag", "2000-01-01", "tag", "192.0.2.9", false, "", "alice@example.org", false,
     false, NULL, 0, true, "unsigned"},
    {"batv_action = dry-run", "2000-01-01", "dry-run", "192.0.2.9", false, "", "alice@example.org",
     false, false, NULL, 0, false, "unsigned"},
    {"ordinary mail to an unsigned address", "2000-01-01", "reject", "192.0.2.9", false,
     "carol@example.net", "alice@example.org", false, false, NULL, 0, false, NULL},
    {"bounce to another domain", "2000-01-01", "reject", "192.0.2.9", false, "", "bob@example.net",
     false, false, NULL, 0, false, NULL},
};

static void test_batv(void **state)
{
	(void)state;
	char key[64], ov_keys[128];
	batv_keyfile(key, sizeof(key));
	snprintf(ov_keys, sizeof(ov_keys), "batv_keys=0:%s", key);
	time_t now = BATV_NOW;
	int bad = 0;
	for (size_t i = 0; i < sizeof(batv_cases) / sizeof(batv_cases[0]); i++) {
		const struct batv_case *c = &batv_cases[i];
		char ea[64], act[64];
		snprintf(ea, sizeof(ea), "batv_enforce_after=%s", c->enforce_after);
		snprintf(act, sizeof(act), "batv_action=%s", c->action);
		const char *ov[] = {
		    ov_keys, "batv_domains=example.org",  ea,
		    act,     "our_networks=127.0.0.0/24", "exempt_recipients=postmaster",
		    NULL};
		struct ng_content *ct = make(ov);
		ng_content_set_clock(ct, fixed_clock, &now);
		assert_true(ng_content_batv_on(ct));

		/* the recipient: signed by the same rules, at a chosen time */
		char rcpt[NG_BATV_SIGNED_MAX];
		time_t at = now;
		struct ng_content_msg m;
		snprintf(rcpt, sizeof(rcpt), "%s", c->rcpt);
		if (strcmp(c->rcpt, "SIGNED") == 0 || strcmp(c->rcpt, "FORGED") == 0 ||
		    strcmp(c->rcpt, "OLD") == 0) {
			if (strcmp(c->rcpt, "OLD") == 0)
				at = now - 30 * 86400;
			ng_content_set_clock(ct, fixed_clock, &at);
			ng_content_begin(ct, &m, "127.0.0.10", NULL, "alice@example.org");
			assert_true(ng_content_batv_outbound(ct, &m, "alice@example.org", false));
			snprintf(rcpt, sizeof(rcpt), "%s", m.batv_from);
			if (strcmp(c->rcpt, "FORGED") == 0)
				rcpt[9] = rcpt[9] == '0' ? '1' : '0'; /* a digit of the MAC */
			ng_content_set_clock(ct, fixed_clock, &now);
		}

		ng_content_begin(ct, &m, c->client, NULL, c->sender);
		bool sign = ng_content_batv_outbound(ct, &m, c->sender, c->auth);
		struct ng_content_reply r;
		bool refuse = ng_content_batv_rcpt(ct, &m, rcpt, &r);
		if (!refuse)
			ng_content_rcpt(ct, &m, rcpt);
		if (sign != c->sign || refuse != c->refuse || m.batv_nrewrite != c->nrewrite ||
		    m.batv_tag != c->tag ||
		    (c->batv != NULL && (m.batv == NULL || strcmp(m.batv, c->batv) != 0))) {
			print_error("%s: got sign=%d refuse=%d nrewrite=%u tag=%d batv=%s; want "
			            "sign=%d refuse=%d nrewrite=%u tag=%d batv=%s\n",
			            c->name, sign, refuse, m.batv_nrewrite, m.batv_tag,
			            m.batv ? m.batv : "(null)", c->sign, c->refuse, c->nrewrite,
			            c->tag, c->batv ? c->batv : "(any)");
			bad++;
		}
		if (sign) {
			/* the tag verifies, and names the original sender */
			char want[NG_BATV_SIGNED_MAX];
			snprintf(want, sizeof(want), "=%s", c->sender);
			if (strncmp(m.batv_from, "prvs=0", 6) != 0 ||
			    strstr(m.batv_from, want) == NULL) {
				print_error("%s: signed sender '%s'\n", c->name, m.batv_from);
				bad++;
			}
		}
		if (refuse &&
		    (strcmp(r.rcode, "550") != 0 || strcmp(r.xcode, "5.7.1") != 0 ||
		     (c->text != NULL && strcmp(r.text, c->text) != 0) ||
		     strstr(r.text, "bounce to an address that never sent mail") == NULL)) {
			print_error("%s: reply '%s' '%s' '%s'\n", c->name, r.rcode, r.xcode,
			            r.text);
			bad++;
		}
		if (c->nrewrite > 0 &&
		    (strcmp(m.batv_rewrite[0].original, "alice@example.org") != 0 ||
		     strcmp(m.batv_rewrite[0].tagged, rcpt) != 0)) {
			print_error("%s: rewrite '%s' -> '%s'\n", c->name, m.batv_rewrite[0].tagged,
			            m.batv_rewrite[0].original);
			bad++;
		}
		if (c->tag && strstr(m.batv_header, "batv=") == NULL) {
			print_error("%s: header '%s'\n", c->name, m.batv_header);
			bad++;
		}
		if (strcmp(c->enforce_after, "2099-01-01") == 0 &&
		    strstr(m.batv_header, "enforced=no") == NULL) {
			print_error("%s: header '%s' lacks enforced=no\n", c->name, m.batv_header);
			bad++;
		}
		ng_content_free(ct);
	}
	unlink(key);
	assert_int_equal(bad, 0);
}

/* A validly signed bounce answers our own mail: a listing of the relay
 * that returns it is not acted on; an unsigned one still is. */
static void test_batv_listed(void **state)
{
	(void)state;
	char key[64], ov_keys[128];
	batv_keyfile(key, sizeof(key));
	snprintf(ov_keys, sizeof(ov_keys), "batv_keys=0:%s", key);
	const char *ov[] = {ov_keys, "batv_domains=example.org", "batv_enforce_after=2000-01-01",
	                    "batv_action=tag", NULL};
	struct ng_content *ct = make(ov);
	time_t now = BATV_NOW;
	ng_content_set_clock(ct, fixed_clock, &now);
	struct ng_content_msg m;
	ng_content_begin(ct, &m, "127.0.0.10", NULL, "alice@example.org");
	assert_true(ng_content_batv_outbound(ct, &m, "alice@example.org", true));
	char signed_rcpt[NG_BATV_SIGNED_MAX];
	snprintf(signed_rcpt, sizeof(signed_rcpt), "%s", m.batv_from);

	struct ng_dnsbl_result res;
	memset(&res, 0, sizeof(res));
	res.nzones = 1;
	res.zones[0].zone = "bl.test";
	res.zones[0].status = NG_DNSBL_LISTED;
	const char *rcpts[] = {signed_rcpt, "alice@example.org"};
	const enum ng_content_action want[] = {NG_CONTENT_ACCEPT, NG_CONTENT_REJECT};
	for (size_t i = 0; i < 2; i++) {
		struct ng_content_reply r;
		ng_content_begin(ct, &m, "192.0.2.77", NULL, "");
		assert_false(ng_content_batv_rcpt(ct, &m, rcpts[i], &r));
		ng_content_rcpt(ct, &m, rcpts[i]);
		ng_content_header(ct, &m, "Subject", "Undelivered Mail Returned to Sender");
		struct ng_content_decision d;
		ng_content_decide(ct, &m, NULL, &res, &d);
		if (d.action != want[i])
			fail_msg("%s: action %s reason %s", rcpts[i],
			         ng_content_action_name(d.action), d.reason);
	}
	ng_content_free(ct);
	unlink(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_candidates),    cmocka_unit_test(test_decisions),
	    cmocka_unit_test(test_config_errors), cmocka_unit_test(test_batv),
	    cmocka_unit_test(test_batv_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
