/*
 * test_policy.c - unit tests of the DNSBL rules (ng_policy_* in
 * include/ndrguard/policy.h) and the CIDR module (lib/policy/cidr.h).
 *
 * Decisions are a table of named cases: a preset of options, the
 * transaction (state, client, sender, recipient) and, when the case
 * expects a lookup, the DNSBL result written by hand as
 * "zone:status[:txt]|zone:status..." (status: listed, not-listed,
 * unknown, unusable, skipped).  No DNS, no clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ndrguard/batv.h>
#include <ndrguard/config.h>
#include <ndrguard/policy.h>

#include "policy/cidr.h"
#include "util/limits.h"

enum preset { P_DEFAULT, P_ALL, P_TEMPFAIL, P_TAG, P_DRYRUN, P_FAIL_ACCEPT, P_FAIL_TEMP, P_TEXT };

static const char *const senders[] = {"<>", "postmaster", "mailer-daemon", "bounces@lists.example"};
static const char *const nets[] = {"10.0.0.0/8", "2001:db8:1::/48", "198.51.100.7"};
static const char *const rcpts[] = {"postmaster@*", "abuse@*", "*@exempt.example",
                                    "vip@example.org", "hostmaster"};

static struct ng_policy *make(enum preset p)
{
	struct ng_policy_opts o = {
	    .mode = p == P_ALL ? NG_POLICY_MODE_ALL : NG_POLICY_MODE_SAFE,
	    .bounce_senders = senders,
	    .nbounce_senders = 4,
	    .on_listed = p == P_TEMPFAIL ? NG_POLICY_LISTED_TEMPFAIL
	                 : p == P_TAG    ? NG_POLICY_LISTED_TAG
	                 : p == P_DRYRUN ? NG_POLICY_LISTED_DRY_RUN
	                                 : NG_POLICY_LISTED_REJECT,
	    .on_dns_failure = p == P_FAIL_ACCEPT ? NG_POLICY_DNSFAIL_ACCEPT
	                      : p == P_FAIL_TEMP ? NG_POLICY_DNSFAIL_TEMPFAIL
	                                         : NG_POLICY_DNSFAIL_TAG,
	    .reject_text = p == P_TEXT ? "$$5 ${zone}/$sender to $recipient: $txt" : NULL,
	    .tag_header = p == P_TEXT ? "X-Backscatter" : NULL,
	    .exempt_networks = nets,
	    .nexempt_networks = 3,
	    .exempt_recipients = rcpts,
	    .nexempt_recipients = 5,
	};
	char err[256];
	struct ng_policy *pol = ng_policy_new(&o, err, sizeof(err));
	if (pol == NULL)
		fail_msg("preset %d: %s", (int)p, err);
	return pol;
}

/* "zone:status[:txt]|..." into res (the zone names point into buf). */
static void make_result(const char *spec, char *buf, size_t cap, struct ng_dnsbl_result *res)
{
	static const char *const names[] = {"not-listed", "listed", "unknown", "unusable",
	                                    "skipped"};
	memset(res, 0, sizeof(*res));
	snprintf(buf, cap, "%s", spec);
	for (char *item = buf; item != NULL && *item != '\0';) {
		char *next = strchr(item, '|');
		if (next != NULL)
			*next++ = '\0';
		struct ng_dnsbl_zone_result *z = &res->zones[res->nzones++];
		char *st = strchr(item, ':');
		assert_non_null(st);
		*st++ = '\0';
		char *txt = strchr(st, ':');
		if (txt != NULL)
			*txt++ = '\0';
		z->zone = item;
		size_t k = 0;
		while (k < 5 && strcmp(names[k], st) != 0)
			k++;
		assert_true(k < 5);
		z->status = (enum ng_dnsbl_status)k;
		if (z->status == NG_DNSBL_LISTED) {
			z->codes[0] = 0x7f000002;
			z->ncodes = 1;
		}
		snprintf(z->txt, sizeof(z->txt), "%s", txt != NULL ? txt : "");
		item = next;
	}
}

struct pol_case {
	const char *name;
	enum preset preset;
	const char *state; /* NULL = attribute missing */
	const char *client;
	const char *sender;
	const char *rcpt;
	const char *zones; /* NULL: no lookup expected */
	enum ng_policy_action action;
	const char *reason;
	const char *text; /* exact; NULL = "DUNNO" */
};

#define C1 "192.0.2.1"
#define BL "bl.test:listed:Listed for backscatter"
#define R1                                                                                         \
	"550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on bl.test: Listed for backscatter"

static const struct pol_case cases[] = {
    {"null sender, listed", P_DEFAULT, "RCPT", C1, "", "u@example.org", BL, NG_POLICY_REJECT,
     "listed", R1},
    {"postmaster@, listed", P_DEFAULT, "RCPT", C1, "postmaster@x.example", "u@example.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"MAILER-DAEMON@ any case", P_DEFAULT, "RCPT", C1, "MAILER-DAEMON@x.example", "u@e.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"whole address bounce sender", P_DEFAULT, "RCPT", C1, "Bounces@Lists.Example", "u@e.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"literal <> is the null sender", P_DEFAULT, "RCPT", C1, "<>", "u@e.org", BL, NG_POLICY_REJECT,
     "listed", R1},
    {"ordinary sender: no lookup", P_DEFAULT, "RCPT", C1, "alice@x.example", "u@e.org", NULL,
     NG_POLICY_DUNNO, "not-bounce", NULL},
    {"postmaster as a domain is ordinary", P_DEFAULT, "RCPT", C1, "alice@postmaster", "u@e.org",
     NULL, NG_POLICY_DUNNO, "not-bounce", NULL},
    {"bounces@ other domain is ordinary", P_DEFAULT, "RCPT", C1, "bounces@x.example", "u@e.org",
     NULL, NG_POLICY_DUNNO, "not-bounce", NULL},
    {"not listed", P_DEFAULT, "RCPT", C1, "", "u@e.org", "bl.test:not-listed", NG_POLICY_DUNNO,
     "not-listed", NULL},
    {"no zones", P_DEFAULT, "RCPT", C1, "", "u@e.org", "", NG_POLICY_DUNNO, "not-listed", NULL},
    {"dns unknown: tag", P_DEFAULT, "RCPT", C1, "", "u@e.org", "bl.test:unknown", NG_POLICY_PREPEND,
     "dns-trouble", "PREPEND X-Ndrguard: dnsbl=dns-trouble client=192.0.2.1 zones=bl.test:unknown"},
    {"skipped and unusable: tag", P_DEFAULT, "RCPT", C1, "", "u@e.org",
     "a.test:skipped|b.test:not-listed|c.test:unusable", NG_POLICY_PREPEND, "dns-trouble",
     "PREPEND X-Ndrguard: dnsbl=dns-trouble client=192.0.2.1 zones=a.test:skipped,c.test:unusable"},
    {"listed beats trouble", P_DEFAULT, "RCPT", C1, "", "u@e.org",
     "a.test:unknown|b.test:listed:B says no", NG_POLICY_REJECT, "listed",
     "550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on b.test: B says no"},
    {"first listed zone named", P_DEFAULT, "RCPT", C1, "", "u@e.org",
     "a.test:listed:A|b.test:listed:B", NG_POLICY_REJECT, "listed",
     "550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on a.test: A"},
    {"dns trouble: accept", P_FAIL_ACCEPT, "RCPT", C1, "", "u@e.org", "bl.test:unknown",
     NG_POLICY_DUNNO, "dns-trouble", NULL},
    {"dns trouble: tempfail", P_FAIL_TEMP, "RCPT", C1, "", "u@e.org", "bl.test:unknown",
     NG_POLICY_DEFER, "dns-trouble",
     "451 4.3.0 DNS blocklist lookup failed for 192.0.2.1; try again later"},
    {"tempfail", P_TEMPFAIL, "RCPT", C1, "", "u@e.org", BL, NG_POLICY_DEFER, "listed",
     "450 4.7.1 Backscatter from 192.0.2.1 rejected: listed on bl.test: Listed for backscatter"},
    {"tag", P_TAG, "RCPT", C1, "", "u@e.org", BL, NG_POLICY_PREPEND, "listed",
     "PREPEND X-Ndrguard: dnsbl=listed zone=bl.test client=192.0.2.1"},
    {"dry-run", P_DRYRUN, "RCPT", C1, "", "u@e.org", BL, NG_POLICY_DUNNO, "listed", NULL},
    {"mode all: ordinary sender looked up", P_ALL, "RCPT", C1, "alice@x.example", "u@e.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"mode all: CONNECT stage, recipients unknown", P_ALL, "CONNECT", C1, "", "", NULL,
     NG_POLICY_DUNNO, "no-recipient", NULL},
    {"mode all: no sender attribute", P_ALL, "RCPT", C1, NULL, "u@e.org", BL, NG_POLICY_REJECT,
     "listed", R1},
    {"mode all: not listed", P_ALL, "RCPT", C1, "alice@x.example", "u@e.org", "bl.test:not-listed",
     NG_POLICY_DUNNO, "not-listed", NULL},
    {"template placeholders", P_TEXT, "RCPT", C1, "", "u@e.org", BL, NG_POLICY_REJECT, "listed",
     "550 5.7.1 $5 bl.test/<> to u@e.org: Listed for backscatter"},
    {"tag header name", P_TEXT, "RCPT", C1, "", "u@e.org", "bl.test:unknown", NG_POLICY_PREPEND,
     "dns-trouble",
     "PREPEND X-Backscatter: dnsbl=dns-trouble client=192.0.2.1 zones=bl.test:unknown"},
    {"hostile TXT made printable", P_DEFAULT, "RCPT", C1, "", "u@e.org",
     "bl.test:listed:a\r\naction=OK\n\x01\xff\tb", NG_POLICY_REJECT, "listed",
     "550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on bl.test: a  action=OK ?? b"},
    {"empty TXT", P_DEFAULT, "RCPT", C1, "", "u@e.org", "bl.test:listed", NG_POLICY_REJECT,
     "listed", "550 5.7.1 Backscatter from 192.0.2.1 rejected: listed on bl.test: (no TXT record)"},
    {"exempt network", P_DEFAULT, "RCPT", "10.9.8.7", "", "u@e.org", NULL, NG_POLICY_DUNNO,
     "exempt-network", NULL},
    {"exempt single address", P_DEFAULT, "RCPT", "198.51.100.7", "", "u@e.org", NULL,
     NG_POLICY_DUNNO, "exempt-network", NULL},
    {"exempt IPv6 network", P_DEFAULT, "RCPT", "2001:db8:1:ff::25", "", "u@e.org", NULL,
     NG_POLICY_DUNNO, "exempt-network", NULL},
    {"IPv4-mapped client in exempt network", P_DEFAULT, "RCPT", "::ffff:10.1.2.3", "", "u@e.org",
     NULL, NG_POLICY_DUNNO, "exempt-network", NULL},
    {"IPv6 outside exempt network", P_DEFAULT, "RCPT", "2001:db8:2::1", "", "u@e.org",
     "bl.test:not-listed", NG_POLICY_DUNNO, "not-listed", NULL},
    {"exempt postmaster@", P_DEFAULT, "RCPT", C1, "", "PostMaster@Example.COM", NULL,
     NG_POLICY_DUNNO, "exempt-recipient", NULL},
    {"exempt abuse@", P_DEFAULT, "RCPT", C1, "", "abuse@x.example", NULL, NG_POLICY_DUNNO,
     "exempt-recipient", NULL},
    {"exempt *@domain", P_DEFAULT, "RCPT", C1, "", "anyone@EXEMPT.example", NULL, NG_POLICY_DUNNO,
     "exempt-recipient", NULL},
    {"exempt user@domain", P_DEFAULT, "RCPT", C1, "", "VIP@example.org", NULL, NG_POLICY_DUNNO,
     "exempt-recipient", NULL},
    {"exempt bare local part, no domain", P_DEFAULT, "RCPT", C1, "", "hostmaster", NULL,
     NG_POLICY_DUNNO, "exempt-recipient", NULL},
    {"user@domain does not exempt other domains", P_DEFAULT, "RCPT", C1, "", "vip@other.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"*@domain does not exempt subdomains", P_DEFAULT, "RCPT", C1, "", "a@sub.exempt.example", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"CONNECT stage knows no sender", P_DEFAULT, "CONNECT", C1, "", "", NULL, NG_POLICY_DUNNO,
     "state", NULL},
    {"VRFY stage", P_DEFAULT, "VRFY", C1, "", "", NULL, NG_POLICY_DUNNO, "state", NULL},
    {"END-OF-MESSAGE, one recipient", P_DEFAULT, "END-OF-MESSAGE", C1, "", "u@e.org", BL,
     NG_POLICY_REJECT, "listed", R1},
    {"END-OF-MESSAGE, several recipients (postmaster@ may be one)", P_DEFAULT, "END-OF-MESSAGE", C1,
     "", "", NULL, NG_POLICY_DUNNO, "no-recipient", NULL},
    {"DATA, several recipients", P_DEFAULT, "DATA", C1, "", "", NULL, NG_POLICY_DUNNO,
     "no-recipient", NULL},
    {"MAIL stage: no recipient yet", P_DEFAULT, "MAIL", C1, "", NULL, NULL, NG_POLICY_DUNNO,
     "no-recipient", NULL},
    {"no protocol_state", P_DEFAULT, NULL, C1, "", "u@e.org", BL, NG_POLICY_REJECT, "listed", R1},
    {"no sender attribute", P_DEFAULT, "RCPT", C1, NULL, "u@e.org", NULL, NG_POLICY_DUNNO, "state",
     NULL},
    {"client not an address", P_DEFAULT, "RCPT", "unknown", "", "u@e.org", NULL, NG_POLICY_DUNNO,
     "bad-client", NULL},
    {"no client address", P_DEFAULT, "RCPT", NULL, "", "u@e.org", NULL, NG_POLICY_DUNNO,
     "bad-client", NULL},
};

static void test_decide(void **state)
{
	(void)state;
	struct ng_policy *pols[P_TEXT + 1];
	for (int p = 0; p <= P_TEXT; p++)
		pols[p] = make((enum preset)p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pol_case *c = &cases[i];
		const struct ng_policy *pol = pols[c->preset];
		struct ng_policy_request req = {.protocol_state = c->state,
		                                .client_address = c->client,
		                                .sender = c->sender,
		                                .recipient = c->rcpt};
		struct ng_policy_verdict v;
		bool lookup = ng_policy_check(pol, &req, &v);
		if (lookup != (c->zones != NULL))
			fail_msg("policy \"%s\": lookup got %d want %d (reason %s)", c->name,
			         lookup, c->zones != NULL, lookup ? "-" : v.reason);
		if (lookup) {
			char buf[1024];
			struct ng_dnsbl_result res;
			make_result(c->zones, buf, sizeof(buf), &res);
			ng_policy_decide(pol, &req, &res, &v);
			assert_true(v.lookup);
		}
		const char *want = c->text ? c->text : "DUNNO";
		if (v.action != c->action || strcmp(v.reason, c->reason) != 0 ||
		    strcmp(v.text, want) != 0)
			fail_msg("policy \"%s\":\n got  %s %s \"%s\"\n want %s %s \"%s\"", c->name,
			         ng_policy_action_name(v.action), v.reason, v.text,
			         ng_policy_action_name(c->action), c->reason, want);
		if (c->preset == P_DRYRUN && strcmp(c->reason, "listed") == 0)
			assert_true(v.dry_run && v.would == NG_POLICY_REJECT);
		if (strcmp(c->reason, "listed") == 0)
			assert_non_null(v.zone);
	}
	for (int p = 0; p <= P_TEXT; p++)
		ng_policy_free(pols[p]);
}

/* Whatever the TXT, the reply is printable ASCII and fits an SMTP line. */
static void test_reply_caps(void **state)
{
	(void)state;
	struct ng_policy *pol = make(P_TEXT);
	struct ng_dnsbl_result res;
	memset(&res, 0, sizeof(res));
	res.nzones = 1;
	res.zones[0].zone = "bl.test";
	res.zones[0].status = NG_DNSBL_LISTED;
	for (size_t i = 0; i < sizeof(res.zones[0].txt) - 1; i++)
		res.zones[0].txt[i] = (char)(1 + i % 255);
	char longrcpt[600];
	memset(longrcpt, 'r', sizeof(longrcpt) - 1);
	longrcpt[sizeof(longrcpt) - 1] = '\0';
	struct ng_policy_request req = {
	    .client_address = "192.0.2.1", .sender = "", .recipient = longrcpt};
	struct ng_policy_verdict v;
	assert_true(ng_policy_check(pol, &req, &v));
	ng_policy_decide(pol, &req, &res, &v);
	size_t n = strlen(v.text);
	if (n > NG_POLICY_REPLY_MAX)
		fail_msg("reply of %zu bytes, cap %d", n, NG_POLICY_REPLY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v.text[i] < 0x20 || (unsigned char)v.text[i] > 0x7e)
			fail_msg("byte 0x%02x at %zu of the reply", (unsigned char)v.text[i], i);
	ng_policy_free(pol);
}

struct bad_case {
	const char *name;
	const char *network, *rcpt, *sender, *header, *text;
	const char *want; /* a part of the message */
};

static const struct bad_case bads[] = {
    {"host bits", "10.0.0.1/8", NULL, NULL, NULL, NULL, "did you mean 10.0.0.0/8?"},
    {"host bits v6", "2001:db8::1/32", NULL, NULL, NULL, NULL, "did you mean 2001:db8::/32?"},
    {"not an address", "300.1.2.3", NULL, NULL, NULL, NULL, "not an IPv4 or IPv6 address"},
    {"short IPv4", "10.1", NULL, NULL, NULL, NULL, "not an IPv4 or IPv6 address"},
    {"prefix too long", "10.0.0.0/33", NULL, NULL, NULL, NULL, "prefix length must be 0..32"},
    {"prefix v6 too long", "2001:db8::/129", NULL, NULL, NULL, NULL, "0..128"},
    {"prefix not a number", "10.0.0.0/8x", NULL, NULL, NULL, NULL, "prefix length"},
    {"empty prefix", "10.0.0.0/", NULL, NULL, NULL, NULL, "prefix length"},
    {"mapped network", "::ffff:10.0.0.0/104", NULL, NULL, NULL, NULL, "not an IPv4 or IPv6"},
    {"every recipient", NULL, "*@*", NULL, NULL, NULL, "exempts every recipient"},
    {"partial wildcard", NULL, "a*b@x.example", NULL, NULL, NULL, "recipient pattern"},
    {"domain wildcard", NULL, "a@*.example", NULL, NULL, NULL, "recipient pattern"},
    {"empty domain", NULL, "user@", NULL, NULL, NULL, "recipient pattern"},
    {"angle sender", NULL, NULL, "<postmaster>", NULL, NULL, "bounce sender"},
    {"sender with space", NULL, NULL, "a b", NULL, NULL, "bounce sender"},
    {"sender @domain", NULL, NULL, "@x.example", NULL, NULL, "bounce sender"},
    {"header with space", NULL, NULL, NULL, "X Bad", NULL, "header name"},
    {"header with colon", NULL, NULL, NULL, "X-Bad:", NULL, "header name"},
    {"empty header", NULL, NULL, NULL, "", NULL, "header name"},
    {"unknown placeholder", NULL, NULL, NULL, NULL, "listed: $reason", "unknown placeholder"},
    {"placeholder prefix", NULL, NULL, NULL, NULL, "$clients", "unknown placeholder"},
    {"unclosed brace", NULL, NULL, NULL, NULL, "${zone", "unknown placeholder"},
    {"control in text", NULL, NULL, NULL, NULL, "a\nb", "printable ASCII"},
    {"empty text", NULL, NULL, NULL, NULL, "", "1 to"},
};

static void test_build_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad_case *c = &bads[i];
		struct ng_policy_opts o = {.exempt_networks = &c->network,
		                           .nexempt_networks = c->network != NULL,
		                           .exempt_recipients = &c->rcpt,
		                           .nexempt_recipients = c->rcpt != NULL,
		                           .bounce_senders = &c->sender,
		                           .nbounce_senders = c->sender != NULL,
		                           .tag_header = c->header,
		                           .reject_text = c->text};
		char err[256] = "";
		struct ng_policy *pol = ng_policy_new(&o, err, sizeof(err));
		if (pol != NULL || strstr(err, c->want) == NULL)
			fail_msg("build \"%s\": got %s \"%s\", want an error with \"%s\"", c->name,
			         pol ? "a policy" : "NULL", err, c->want);
	}
}

/* From the configuration: the defaults build; an error names key and origin. */
static void test_from_config(void **state)
{
	(void)state;
	char err[512];
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	struct ng_policy *pol = ng_policy_from_config(cfg, err, sizeof(err));
	if (pol == NULL)
		fail_msg("defaults: %s", err);
	char d[512];
	ng_policy_describe(pol, d, sizeof(d));
	assert_non_null(strstr(d, "mode=safe action=reject dns_failure_action=tag"));
	assert_non_null(strstr(d, "bounce_senders=<>,postmaster,mailer-daemon"));
	/* the default exempt_recipients keep postmaster@ reachable */
	struct ng_policy_request req = {.protocol_state = "RCPT",
	                                .client_address = "192.0.2.1",
	                                .sender = "",
	                                .recipient = "postmaster@example.org"};
	struct ng_policy_verdict v;
	assert_false(ng_policy_check(pol, &req, &v));
	assert_string_equal(v.reason, "exempt-recipient");
	ng_policy_free(pol);

	static const struct {
		const char *set, *want;
	} errs[] = {
	    {"exempt_networks = 192.0.2.1/24", "-o: exempt_networks"},
	    {"exempt_recipients = a*@b", "-o: exempt_recipients"},
	    {"dnsbl_reject_text = go away $who", "-o: dnsbl_reject_text"},
	    {"dnsbl_tag_header = X Bad", "-o: dnsbl_tag_header"},
	    {"bounce_senders = <bounce>", "-o: bounce_senders"},
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct ng_config *c2 = ng_config_new();
		if (ng_config_override(c2, errs[i].set, err, sizeof(err)) < 0)
			fail_msg("override %s: %s", errs[i].set, err);
		pol = ng_policy_from_config(c2, err, sizeof(err));
		if (pol != NULL || strstr(err, errs[i].want) == NULL)
			fail_msg("config %s: got \"%s\", want \"%s...\"", errs[i].set,
			         pol ? "a policy" : err, errs[i].want);
		ng_config_free(c2);
	}
	/* an enum spelled in the file as in the table */
	assert_int_equal(ng_config_override(cfg, "dnsbl_mode=all", err, sizeof(err)), 0);
	assert_int_equal(ng_config_override(cfg, "dnsbl_action=dry-run", err, sizeof(err)), 0);
	pol = ng_policy_from_config(cfg, err, sizeof(err));
	assert_non_null(pol);
	assert_non_null(strstr(ng_policy_describe(pol, d, sizeof(d)), "mode=all action=dry-run"));
	ng_policy_free(pol);
	ng_config_free(cfg);
}

static void test_cidr(void **state)
{
	(void)state;
	static const struct {
		const char *net, *addr;
		bool match;
	} m[] = {
	    {"192.0.2.0/24", "192.0.2.255", true},
	    {"192.0.2.0/24", "192.0.3.0", false},
	    {"192.0.2.128/25", "192.0.2.127", false},
	    {"192.0.2.128/25", "192.0.2.200", true},
	    {"0.0.0.0/0", "203.0.113.9", true},
	    {"0.0.0.0/0", "2001:db8::1", false},
	    {"::/0", "2001:db8::1", true},
	    {"::/0", "192.0.2.1", false},
	    {"2001:db8::/33", "2001:db8:7fff::1", true},
	    {"2001:db8::/33", "2001:db8:8000::1", false},
	    {"192.0.2.1", "192.0.2.1", true},
	    {"192.0.2.1", "192.0.2.2", false},
	    {"10.0.0.0/8", "::ffff:10.0.0.1", true},
	    {"::1", "::1", true},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct ng_cidr n;
		struct ng_cidr_addr a;
		char err[200];
		if (ng_cidr_parse(m[i].net, &n, err, sizeof(err)) < 0)
			fail_msg("cidr %s: %s", m[i].net, err);
		assert_true(ng_cidr_addr_parse(m[i].addr, &a));
		if (ng_cidr_match(&n, &a) != m[i].match)
			fail_msg("cidr %s vs %s: got %d want %d", m[i].net, m[i].addr, !m[i].match,
			         m[i].match);
	}
	struct ng_cidr_addr a;
	assert_false(ng_cidr_addr_parse("", &a));
	assert_false(ng_cidr_addr_parse("1.2.3", &a));
	assert_false(ng_cidr_addr_parse("01.2.3.4", &a));
	assert_false(ng_cidr_addr_parse("1.2.3.4 ", &a));
}

/* ----- BATV at RCPT (lib/policy/batv_rule.c) ----- */

/* Day 20786 + 5000 s: the day Exim signed prvs=079341e088=user@example.com
 * with key 0 "secret" (tests/unit/test_batv.c). */
static time_t batv_clock(void *arg)
{
	return *(const time_t *)arg;
}

static void test_batv(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int action; /* enum ng_policy_batv_action */
		bool enforced;
		const char *sender, *rcpt;
		bool lookup;        /* ng_policy_check() wants a lookup */
		const char *dnsbl;  /* the lookup's result, when it runs */
		const char *reason; /* the final verdict */
		const char *text;   /* a prefix of it */
		bool dry_run;
	} t[] = {
	    {"valid: accepted, no lookup", 0, true, "", "prvs=079341e088=user@example.com", false,
	     NULL, "batv-valid", "DUNNO", false},
	    {"valid, domain folded", 0, true, "", "prvs=079341e088=user@EXAMPLE.com", false, NULL,
	     "batv-valid", "DUNNO", false},
	    {"unsigned: rejected, no lookup", 0, true, "", "user@example.com", false, NULL,
	     "batv-unsigned",
	     "550 5.7.1 <user@example.com>: bounce to an address that never sent mail (no valid "
	     "BATV signature: not-signed)",
	     false},
	    {"postmaster@ sender is a bounce sender too", 0, true, "postmaster@relay.example",
	     "user@example.com", false, NULL, "batv-unsigned", "550 5.7.1", false},
	    {"expired (signed 8 days ago)", 0, true, "", "prvs=07853508f8=user@example.com", false,
	     NULL, "batv-expired", "550 5.7.1", false},
	    {"forged MAC", 0, true, "", "prvs=079341e089=user@example.com", false, NULL,
	     "batv-bad-signature", "550 5.7.1", false},
	    {"unknown key", 0, true, "", "prvs=279341e088=user@example.com", false, NULL,
	     "batv-unknown-key", "550 5.7.1", false},
	    {"foreign btv1 is unsigned for us", 0, true, "", "btv1==1a2b3c4d5e==user@example.com",
	     false, NULL, "batv-foreign",
	     "550 5.7.1 <btv1==1a2b3c4d5e==user@example.com>: bounce to an address that never "
	     "sent mail (no valid BATV signature: foreign)",
	     false},
	    {"exempt recipient never rejected", 0, true, "", "postmaster@example.com", false, NULL,
	     "exempt-recipient", "DUNNO", false},
	    {"ordinary sender: not a bounce", 0, true, "alice@example.net", "user@example.com",
	     false, NULL, "not-bounce", "DUNNO", false},
	    {"other domain: DNSBL only", 0, true, "", "user@other.example", true,
	     "bl.example:not-listed", "not-listed", "DUNNO", false},
	    {"not enforced yet: tagged", 0, false, "", "user@example.com", true,
	     "bl.example:not-listed", "batv-unsigned",
	     "PREPEND X-Ndrguard: batv=not-signed recipient=user@example.com enforced=no", false},
	    {"not enforced, listed: the listing rejects", 0, false, "", "user@example.com", true,
	     "bl.example:listed:go away", "listed", "550 5.7.1", false},
	    {"tag action", 1, true, "", "prvs=079341e089=user@example.com", true,
	     "bl.example:not-listed", "batv-bad-signature",
	     "PREPEND X-Ndrguard: batv=bad-signature recipient=prvs=079341e089=user@example.com",
	     false},
	    {"tag action, DNS trouble tags as DNS trouble", 1, true, "", "user@example.com", true,
	     "bl.example:unknown", "dns-trouble", "PREPEND X-Ndrguard: dnsbl=dns-trouble", false},
	    {"dry-run", 2, true, "", "user@example.com", true, "bl.example:not-listed",
	     "batv-unsigned", "DUNNO", true},
	    {"hostile recipient is cleaned", 0, true, "", "us\\r\\ner@example.com", false, NULL,
	     "batv-unsigned", "550 5.7.1 <us??er@example.com>", false},
	};
	struct ng_batv_key key = {0, (const unsigned char *)"secret", 6};
	const char *doms[] = {"example.com"};
	time_t now = 20786 * (time_t)86400 + 5000;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char err[256];
		struct ng_batv_opts bo = {.keys = &key,
		                          .nkeys = 1,
		                          .domains = doms,
		                          .ndomains = 1,
		                          .lifetime_days = 7,
		                          .enforce_after = t[i].enforced ? 0 : now + 1};
		struct ng_batv *b = ng_batv_new(&bo, err, sizeof(err));
		assert_non_null(b);
		struct ng_policy_opts o = {.bounce_senders = senders,
		                           .nbounce_senders = 4,
		                           .exempt_recipients = rcpts,
		                           .nexempt_recipients = 5,
		                           .batv = b,
		                           .batv_action = (enum ng_policy_batv_action)t[i].action,
		                           .clock = batv_clock,
		                           .clock_arg = &now};
		struct ng_policy *pol = ng_policy_new(&o, err, sizeof(err));
		assert_non_null(pol);
		char rcpt[128];
		snprintf(rcpt, sizeof(rcpt), "%s", t[i].rcpt);
		for (char *p = rcpt; (p = strstr(p, "\\r")) != NULL;) /* "\r" -> CR */
			memmove(p, "\r", 1), memmove(p + 1, p + 2, strlen(p + 2) + 1);
		for (char *p = rcpt; (p = strstr(p, "\\n")) != NULL;)
			memmove(p, "\n", 1), memmove(p + 1, p + 2, strlen(p + 2) + 1);
		struct ng_policy_request req = {.protocol_state = "RCPT",
		                                .client_address = "192.0.2.1",
		                                .sender = t[i].sender,
		                                .recipient = rcpt};
		struct ng_policy_verdict v;
		bool lookup = ng_policy_check(pol, &req, &v);
		if (lookup != t[i].lookup)
			fail_msg("%s: lookup %d, want %d (%s)", t[i].name, lookup, t[i].lookup,
			         v.reason ? v.reason : "-");
		if (lookup) {
			char buf[256];
			struct ng_dnsbl_result res;
			make_result(t[i].dnsbl, buf, sizeof(buf), &res);
			ng_policy_decide(pol, &req, &res, &v);
		}
		if (strcmp(v.reason, t[i].reason) != 0 ||
		    strncmp(v.text, t[i].text, strlen(t[i].text)) != 0 || v.dry_run != t[i].dry_run)
			fail_msg("%s: got %s '%s' dry_run=%d; want %s '%s'", t[i].name, v.reason,
			         v.text, v.dry_run, t[i].reason, t[i].text);
		if (t[i].dry_run && v.would != NG_POLICY_REJECT)
			fail_msg("%s: would %d", t[i].name, (int)v.would);
		ng_policy_free(pol);
		ng_batv_free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decide),       cmocka_unit_test(test_reply_caps),
	    cmocka_unit_test(test_build_errors), cmocka_unit_test(test_from_config),
	    cmocka_unit_test(test_cidr),         cmocka_unit_test(test_batv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
