/*
 * test_spf.c - unit tests of lib/spf: the record parser, the macro
 * language, check_host() on the fake resolver (results, explanations,
 * limits, counts), and the contract of a check (never done from inside the
 * start, cancel, out of memory).  No network, no clock: the time is a
 * parameter.  The RFC 7208 suite runs apart (tests/harness/spf_suite.*).
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

#include <arpa/inet.h>
#include <ndrguard/dns.h>
#include <ndrguard/spf.h>

#include "spf/internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the record parser ---- */

/* A parsed record in one canonical line: each term as qualifier,
 * mechanism, ":domain-spec", "/cidr4" and "//cidr6" when not the default,
 * then "redirect=" and "exp=". */
static void describe(const char *txt, const struct ng_spf_record *rec, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < rec->nterms; i++) {
		const struct ng_spf_term *t = &rec->terms[i];
		char q = t->qualifier == NG_SPF_FAIL       ? '-'
		         : t->qualifier == NG_SPF_SOFTFAIL ? '~'
		         : t->qualifier == NG_SPF_NEUTRAL  ? '?'
		                                           : '+';
		n += (size_t)snprintf(out + n, cap - n, "%s%c%s", n ? " " : "", q,
		                      ng_spf_mech_name(t->mech));
		if (t->mech == NG_SPF_MECH_IP4 || t->mech == NG_SPF_MECH_IP6) {
			char a[64];
			inet_ntop(t->mech == NG_SPF_MECH_IP4 ? AF_INET : AF_INET6, t->addr, a,
			          sizeof(a));
			n += (size_t)snprintf(out + n, cap - n, ":%s", a);
		}
		if (t->domain.len > 0)
			n += (size_t)snprintf(out + n, cap - n, ":%.*s", (int)t->domain.len,
			                      txt + t->domain.off);
		if (t->cidr4 != 32)
			n += (size_t)snprintf(out + n, cap - n, "/%u", t->cidr4);
		if (t->cidr6 != 128)
			n += (size_t)snprintf(out + n, cap - n, "%s%u",
			                      t->mech == NG_SPF_MECH_IP6 ? "/" : "//", t->cidr6);
	}
	if (rec->has_redirect)
		n += (size_t)snprintf(out + n, cap - n, " redirect=%.*s", (int)rec->redirect.len,
		                      txt + rec->redirect.off);
	if (rec->has_exp)
		snprintf(out + n, cap - n, " exp=%.*s", (int)rec->exp.len, txt + rec->exp.off);
}

struct parse_case {
	const char *name;
	const char *record;
	const char *want; /* the description, or the error's start */
	bool ok;
};

static const struct parse_case parse_cases[] = {
    {"version only", "v=spf1", "", true},
    {"version any case, trailing spaces", "V=SpF1   ", "", true},
    {"qualifiers", "v=spf1 +a -mx ~ptr ?all", "+a -mx ~ptr ?all", true},
    {"mechanism names any case", "v=spf1 A MX:Example.com IP4:192.0.2.1 All",
     "+a +mx:Example.com +ip4:192.0.2.1 +all", true},
    {"dual cidr", "v=spf1 a/24//64 mx//48 a:x.example/16", "+a/24//64 +mx//48 +a:x.example/16",
     true},
    {"colon and slash inside a domain-spec", "v=spf1 a:foo:bar/baz.example.com",
     "+a:foo:bar/baz.example.com", true},
    {"ip4 and ip6 networks", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::1.2.3.4",
     "+ip4:192.0.2.0/24 +ip6:2001:db8::/32 +ip6:::1.2.3.4", true},
    {"ip4 cidr 0 and 32", "v=spf1 ip4:0.0.0.0/0 -ip4:10.0.0.1/32", "+ip4:0.0.0.0/0 -ip4:10.0.0.1",
     true},
    {"include exists ptr", "v=spf1 include:_spf.example.com exists:%{i}.bl.example ptr:example.org",
     "+include:_spf.example.com +exists:%{i}.bl.example +ptr:example.org", true},
    {"modifiers", "v=spf1 -all redirect=_spf.example.com exp=why.%{d}",
     "-all redirect=_spf.example.com exp=why.%{d}", true},
    {"unknown modifiers are checked and dropped", "v=spf1 moo.cow-far_out=man:dog/cat x= -all",
     "-all", true},
    {"domain-spec ending in a macro", "v=spf1 a:%{d} mx:%{o}", "+a:%{d} +mx:%{o}", true},
    {"a final dot needs a top label", "v=spf1 mx:%{o}.", "domain-spec without a top label", false},
    {"trailing dot after a top label", "v=spf1 include:o.spf.example.com.",
     "+include:o.spf.example.com.", true},
    {"top label with dashes", "v=spf1 a:foo.example.xn--zckzah", "+a:foo.example.xn--zckzah", true},
    {"macro escapes", "v=spf1 a:macro%%percent%_%_space%-url-space.example.com",
     "+a:macro%%percent%_%_space%-url-space.example.com", true},
    {"not an SPF record", "v=spf10 -all", "not an SPF record", false},
    {"no space after version", "v=spf1-all", "not an SPF record", false},
    {"unknown mechanism", "v=spf1 -all moo", "unknown mechanism", false},
    {"redirect is a modifier", "v=spf1 redirect:example.com", "unknown mechanism", false},
    {"modifier name starts with a digit", "v=spf1 1up=foo", "unknown mechanism", false},
    {"empty modifier name", "v=spf1 =all", "unknown mechanism", false},
    {"all with an argument", "v=spf1 -all:foo", "all takes no argument", false},
    {"all with a dot", "v=spf1 all.", "all takes no argument", false},
    {"include without domain", "v=spf1 include", "missing domain-spec", false},
    {"include empty domain", "v=spf1 include:", "empty domain-spec", false},
    {"exists empty domain", "v=spf1 exists:", "empty domain-spec", false},
    {"ptr with cidr", "v=spf1 ptr/0", "bad mechanism argument", false},
    {"a only a top label", "v=spf1 a:museum", "domain-spec without a top label", false},
    {"a top label with trailing dot only", "v=spf1 a:museum.", "domain-spec without a top label",
     false},
    {"numeric top label", "v=spf1 a:111.222.33.44", "bad top label", false},
    {"top label starting with a dash", "v=spf1 a:example.-com", "bad top label", false},
    {"port in a domain-spec", "v=spf1 mx:example.com:8080", "bad top label", false},
    {"cidr in an include", "v=spf1 include:example.com/24", "bad top label", false},
    {"ip4 cidr 33", "v=spf1 ip4:1.2.3.4/33", "bad IPv4 CIDR length", false},
    {"ip4 cidr leading zero", "v=spf1 ip4:1.2.3.4/032", "bad IPv4 CIDR length", false},
    {"ip4 dual cidr", "v=spf1 ip4:1.2.3.4//32", "bad IPv4 CIDR length", false},
    {"ip4 short", "v=spf1 ip4:1.2.3", "bad IPv4 address", false},
    {"ip4 leading zero", "v=spf1 ip4:1.2.03.4", "bad IPv4 address", false},
    {"ip4 port", "v=spf1 ip4:1.2.3.4:8080", "bad IPv4 address", false},
    {"ip4 bare", "v=spf1 ip4", "ip4 without an address", false},
    {"ip6 bad", "v=spf1 ip6::CAFE::BABE", "bad IPv6 address", false},
    {"ip6 cidr 129", "v=spf1 ip6:::1/129", "bad IPv6 CIDR length", false},
    {"a cidr4 33", "v=spf1 a/33", "bad IPv4 CIDR length", false},
    {"a cidr6 129", "v=spf1 a//129", "bad IPv6 CIDR length", false},
    {"a single slash twice", "v=spf1 a/24/64", "bad IPv4 CIDR length", false},
    {"redirect twice", "v=spf1 redirect=a.example redirect=b.example", "redirect= twice", false},
    {"exp twice", "v=spf1 exp=a.example exp=b.example", "exp= twice", false},
    {"exp empty", "v=spf1 exp= -all", "empty domain-spec", false},
    {"redirect to a mechanism", "v=spf1 redirect=-all", "domain-spec without a top label", false},
    {"tab between terms", "v=spf1 a\t-all", "invalid character", false},
    {"CR inside a term", "v=spf1 a:x.example.com\rptr", "invalid character", false},
    {"8-bit byte",
     "v=spf1 \x80"
     "a -all",
     "invalid character", false},
    {"bad macro in unknown modifier", "v=spf1 foo=%abc", "'%' not followed", false},
    {"unknown macro letter", "v=spf1 a:%{a}.example.com", "unknown macro letter", false},
    {"explanation-only letter in a domain-spec", "v=spf1 exp=%{r}.example.com",
     "macro letter c, r or t", false},
    {"zero parts", "v=spf1 a:%{d0}", "macro keeps zero parts", false},
    {"unterminated macro", "v=spf1 a:%{d", "unterminated macro", false},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct ng_spf_record *rec = malloc(sizeof(*rec));
		char err[256], got[1024];
		assert_non_null(rec);
		int rc = ng_spf_record_parse(c->record, strlen(c->record), rec, err, sizeof(err));
		if (rc == 0) {
			describe(c->record, rec, got, sizeof(got));
			if (!c->ok || strcmp(got, c->want) != 0)
				fail_msg("%s: got ok \"%s\" want %s \"%s\"", c->name, got,
				         c->ok ? "ok" : "error", c->want);
		} else if (c->ok || strncmp(err, c->want, strlen(c->want)) != 0) {
			fail_msg("%s: got error \"%s\" want %s \"%s\"", c->name, err,
			         c->ok ? "ok" : "error", c->want);
		}
		free(rec);
	}
}

static void test_parse_limits(void **state)
{
	(void)state;
	struct ng_spf_record *rec = malloc(sizeof(*rec));
	char *txt = malloc(NG_SPF_RECORD_MAX + 8);
	char err[128];
	assert_non_null(rec);
	assert_non_null(txt);

	/* NG_SPF_TERMS_MAX terms fit, one more does not */
	size_t n = (size_t)snprintf(txt, NG_SPF_RECORD_MAX, "v=spf1");
	for (int i = 0; i < NG_SPF_TERMS_MAX; i++)
		n += (size_t)snprintf(txt + n, NG_SPF_RECORD_MAX - n, " a");
	assert_int_equal(ng_spf_record_parse(txt, n, rec, err, sizeof(err)), 0);
	assert_int_equal(rec->nterms, NG_SPF_TERMS_MAX);
	memcpy(txt + n, " a", 3);
	assert_int_equal(ng_spf_record_parse(txt, n + 2, rec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many terms"));

	/* the longest record, and one byte more */
	memset(txt, ' ', NG_SPF_RECORD_MAX);
	memcpy(txt, "v=spf1", 6);
	assert_int_equal(ng_spf_record_parse(txt, NG_SPF_RECORD_MAX - 1, rec, err, 0), 0);
	assert_int_equal(ng_spf_record_parse(txt, NG_SPF_RECORD_MAX, rec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "record too long"));

	/* a NUL byte is a syntax error, and the message shows it escaped */
	static const char nul[] = "v=spf1 a:foo.example.com\0";
	assert_int_equal(ng_spf_record_parse(nul, sizeof(nul) - 1, rec, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid character: 'a:foo.example.com\\x00'");

	assert_true(ng_spf_is_record("v=spf1", 6));
	assert_true(ng_spf_is_record("V=SPF1 a", 8));
	assert_false(ng_spf_is_record("v=spf1\0 a", 9));
	assert_false(ng_spf_is_record("v=spf", 5));
	assert_string_equal(ng_spf_mech_name((enum ng_spf_mech)42), "?");
	free(txt);
	free(rec);
}

/* ---- macros (RFC 7208 7.4 examples and more) ---- */

static const struct ng_spf_macro_vars vars4 = {
    .s = "strong-bad@email.example.com",
    .l = "strong-bad",
    .o = "email.example.com",
    .d = "email.example.com",
    .i = "192.0.2.3",
    .p = "mx.example.org",
    .v = "in-addr",
    .h = "mx.example.org",
    .c = "192.0.2.3",
    .r = "receiver.example.net",
    .t = "1400000000",
};

static const struct ng_spf_macro_vars vars6 = {
    .s = "strong-bad@email.example.com",
    .l = "strong-bad",
    .o = "email.example.com",
    .d = "email.example.com",
    .i = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.1",
    .v = "ip6",
    .h = "mx.example.org",
    .c = "2001:db8::cb01",
};

struct macro_case {
	const char *name;
	enum ng_spf_macro_mode mode;
	bool v6;
	const char *in;
	const char *want; /* NULL: the expansion gives no name */
};

static const struct macro_case macro_cases[] = {
    {"s", NG_SPF_MACRO_DOMAIN, false, "%{s}", "strong-bad@email.example.com"},
    {"o", NG_SPF_MACRO_DOMAIN, false, "%{o}", "email.example.com"},
    {"d", NG_SPF_MACRO_DOMAIN, false, "%{d}", "email.example.com"},
    {"d4 keeps all", NG_SPF_MACRO_DOMAIN, false, "%{d4}", "email.example.com"},
    {"d3", NG_SPF_MACRO_DOMAIN, false, "%{d3}", "email.example.com"},
    {"d2", NG_SPF_MACRO_DOMAIN, false, "%{d2}", "example.com"},
    {"d1", NG_SPF_MACRO_DOMAIN, false, "%{d1}", "com"},
    {"dr", NG_SPF_MACRO_DOMAIN, false, "%{dr}", "com.example.email"},
    {"d2r", NG_SPF_MACRO_DOMAIN, false, "%{d2r}", "example.email"},
    {"l", NG_SPF_MACRO_DOMAIN, false, "%{l}", "strong-bad"},
    {"l-", NG_SPF_MACRO_DOMAIN, false, "%{l-}", "strong.bad"},
    {"lr", NG_SPF_MACRO_DOMAIN, false, "%{lr}", "strong-bad"},
    {"lr-", NG_SPF_MACRO_DOMAIN, false, "%{lr-}", "bad.strong"},
    {"l1r-", NG_SPF_MACRO_DOMAIN, false, "%{l1r-}", "strong"},
    {"upper-case R", NG_SPF_MACRO_DOMAIN, false, "%{l1R-}", "strong"},
    {"ir v d2", NG_SPF_MACRO_DOMAIN, false, "%{ir}.%{v}._spf.%{d2}",
     "3.2.0.192.in-addr._spf.example.com"},
    {"lr- lp d2", NG_SPF_MACRO_DOMAIN, false, "%{lr-}.lp._spf.%{d2}",
     "bad.strong.lp._spf.example.com"},
    {"lr- lp ir v d2", NG_SPF_MACRO_DOMAIN, false, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
     "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
    {"ir v l1r- d2", NG_SPF_MACRO_DOMAIN, false, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
     "3.2.0.192.in-addr.strong.lp._spf.example.com"},
    {"d2 trusted", NG_SPF_MACRO_DOMAIN, false, "%{d2}.trusted-domains.example.net",
     "example.com.trusted-domains.example.net"},
    {"trailing dot dropped", NG_SPF_MACRO_DOMAIN, false, "%{d2}.trusted-domains.example.net.",
     "example.com.trusted-domains.example.net"},
    {"ipv6 ir", NG_SPF_MACRO_DOMAIN, true, "%{ir}.%{v}._spf.%{d2}",
     "1.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"},
    {"p", NG_SPF_MACRO_DOMAIN, false, "%{p2}.ok.example", "example.org.ok.example"},
    {"escapes", NG_SPF_MACRO_DOMAIN, false, "a%%b%_c%-d.example", "a%b c%20d.example"},
    {"several delimiters", NG_SPF_MACRO_DOMAIN, false, "%{l2r+-}", "bad.strong"},
    {"many parts asked for", NG_SPF_MACRO_DOMAIN, false, "%{d999}", "email.example.com"},
    {"url escape", NG_SPF_MACRO_EXP, false, "%{S}", "strong-bad%40email.example.com"},
    {"explanation letters", NG_SPF_MACRO_EXP, false, "%{c} %{r} %{t}",
     "192.0.2.3 receiver.example.net 1400000000"},
    {"explanation keeps a final dot", NG_SPF_MACRO_EXP, false, "See %{d}.",
     "See email.example.com."},
    {"ipv6 c", NG_SPF_MACRO_EXP, true, "from %{c}", "from 2001:db8::cb01"},
    {"p unknown", NG_SPF_MACRO_EXP, true, "%{p}", "unknown"},
    {"only a dot", NG_SPF_MACRO_DOMAIN, false, ".", NULL},
    {"long names lose labels on the left", NG_SPF_MACRO_DOMAIN, false,
     "%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}",
     "example.com"
     "strong-bad@email.example.comstrong-bad@email.example.comstrong-bad@email.example.com"
     "strong-bad@email.example.comstrong-bad@email.example.comstrong-bad@email.example.com"
     "strong-bad@email.example.comstrong-bad@email.example.com"},
    {"a label too long to cut", NG_SPF_MACRO_DOMAIN, false,
     "%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}"
     "%{l}%{l}%{l}%{l}",
     NULL},
};

static void test_macro(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(macro_cases); i++) {
		const struct macro_case *c = &macro_cases[i];
		char out[NG_SPF_EXP_MAX];
		const char *why = ng_spf_macro_check(c->in, strlen(c->in), c->mode, NULL, NULL);
		if (why != NULL)
			fail_msg("%s: check says %s", c->name, why);
		int rc = ng_spf_macro_expand(c->in, strlen(c->in), c->mode, c->v6 ? &vars6 : &vars4,
		                             out, sizeof(out));
		if (c->want == NULL ? rc == 0 : rc != 0 || strcmp(out, c->want) != 0)
			fail_msg("%s: got %d \"%s\" want \"%s\"", c->name, rc, out,
			         c->want ? c->want : "(no name)");
	}
}

/* A name over 253 characters loses labels on the left (7.3), also when
 * the expansion overflows the working buffer. */
static void test_macro_truncation(void **state)
{
	(void)state;
	char in[1200], out[NG_DNS_NAME_MAX];
	struct ng_spf_macro_vars v = vars4;
	v.d = "somewhat.long.exp.example.com";
	size_t n = (size_t)snprintf(in, sizeof(in), "foobar");
	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, ".%%{d}");
	n += (size_t)snprintf(in + n, sizeof(in) - n, ".example.com");
	assert_int_equal(ng_spf_macro_expand(in, n, NG_SPF_MACRO_DOMAIN, &v, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 251);
	assert_true(strncmp(out, "somewhat.", 9) == 0);

	/* 200 times %{d}: far past NG_SPF_EXPAND_MAX */
	n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "%%{d}.");
	n += (size_t)snprintf(in + n, sizeof(in) - n, "tail.example");
	assert_true(n < sizeof(in));
	assert_int_equal(ng_spf_macro_expand(in, n, NG_SPF_MACRO_DOMAIN, &v, out, sizeof(out)), 0);
	assert_true(strlen(out) <= 253);
	assert_true(strncmp(out, "somewhat.", 9) == 0 || strncmp(out, "long.", 5) == 0 ||
	            strncmp(out, "exp.", 4) == 0 || strncmp(out, "example.", 8) == 0 ||
	            strncmp(out, "com.", 4) == 0);
	n = strlen(out);
	assert_string_equal(out + n - 12, "tail.example");

	/* an explanation is cut at the size of its buffer */
	char small[16];
	assert_int_equal(
	    ng_spf_macro_expand("%{s} %{s}", 9, NG_SPF_MACRO_EXP, &v, small, sizeof(small)), 0);
	assert_string_equal(small, "strong-bad@emai");
	/* a name needs room for a whole name */
	assert_int_equal(
	    ng_spf_macro_expand("x.y", 3, NG_SPF_MACRO_DOMAIN, &v, small, sizeof(small)), -1);
}

struct macro_bad_case {
	const char *name;
	enum ng_spf_macro_mode mode;
	const char *in;
	const char *why;
};

static const struct macro_bad_case macro_bad_cases[] = {
    {"percent at the end", NG_SPF_MACRO_DOMAIN, "a.example%", "'%' at the end"},
    {"percent paren", NG_SPF_MACRO_DOMAIN, "%(ir).example", "'%' not followed"},
    {"percent dot", NG_SPF_MACRO_DOMAIN, "foo%.example", "'%' not followed"},
    {"no letter", NG_SPF_MACRO_DOMAIN, "%{", "unterminated macro"},
    {"unknown letter", NG_SPF_MACRO_DOMAIN, "%{x}", "unknown macro letter"},
    {"c in a domain", NG_SPF_MACRO_DOMAIN, "%{c}", "macro letter c, r or t"},
    {"t in a domain", NG_SPF_MACRO_DOMAIN, "%{T}", "macro letter c, r or t"},
    {"zero", NG_SPF_MACRO_EXP, "%{d0}", "macro keeps zero parts"},
    {"bad delimiter", NG_SPF_MACRO_EXP, "%{d2r;}", "unterminated macro"},
    {"space in a domain", NG_SPF_MACRO_DOMAIN, "a b", "invalid character"},
    {"space in a modifier", NG_SPF_MACRO_ANY, "a b", "invalid character"},
    {"8-bit in an explanation", NG_SPF_MACRO_EXP, "caf\xc3\xa9", "invalid character"},
};

static void test_macro_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(macro_bad_cases); i++) {
		const struct macro_bad_case *c = &macro_bad_cases[i];
		char out[NG_DNS_NAME_MAX];
		const char *why = ng_spf_macro_check(c->in, strlen(c->in), c->mode, NULL, NULL);
		if (why == NULL || strncmp(why, c->why, strlen(c->why)) != 0)
			fail_msg("%s: got \"%s\" want \"%s\"", c->name, why ? why : "(good)",
			         c->why);
		if (ng_spf_macro_expand(c->in, strlen(c->in), c->mode, &vars4, out, sizeof(out)) !=
		    -1)
			fail_msg("%s: expanded a bad macro-string", c->name);
	}
	size_t last;
	bool uses_p;
	assert_null(ng_spf_macro_check("%{p}.x%%y", 9, NG_SPF_MACRO_DOMAIN, &last, &uses_p));
	assert_int_equal(last, 8);
	assert_true(uses_p);
	assert_null(ng_spf_macro_check("%{d}.com", 8, NG_SPF_MACRO_DOMAIN, &last, &uses_p));
	assert_int_equal(last, 4);
	assert_false(uses_p);
}

/* ---- check_host() on the fake resolver ---- */

/* One zone line: "NAME TYPE VALUE", "NAME TIMEOUT TYPE", "NAME SERVFAIL
 * TYPE" or "NAME CNAME TARGET". */
static void zone_load(struct ng_dns_resolver *r, const char *line)
{
	char name[NG_DNS_NAME_MAX], type[16];
	const char *sp = strchr(line, ' ');
	assert_non_null(sp);
	snprintf(name, sizeof(name), "%.*s", (int)(sp - line), line);
	const char *sp2 = strchr(sp + 1, ' ');
	assert_non_null(sp2);
	snprintf(type, sizeof(type), "%.*s", (int)(sp2 - sp - 1), sp + 1);
	const char *value = sp2 + 1;
	static const struct {
		const char *name;
		enum ng_dns_type type;
	} types[] = {{"A", NG_DNS_A},
	             {"AAAA", NG_DNS_AAAA},
	             {"MX", NG_DNS_MX},
	             {"PTR", NG_DNS_PTR},
	             {"TXT", NG_DNS_TXT}};
	if (strcmp(type, "CNAME") == 0) {
		assert_int_equal(ng_dns_fake_set_cname(r, name, value), 0);
		return;
	}
	bool failure = strcmp(type, "TIMEOUT") == 0 || strcmp(type, "SERVFAIL") == 0;
	const char *tname = failure ? value : type;
	for (size_t i = 0; i < N(types); i++) {
		if (strcmp(tname, types[i].name) != 0)
			continue;
		if (failure)
			assert_int_equal(
			    ng_dns_fake_set_rcode(r, name, types[i].type,
			                          type[0] == 'T' ? NG_DNS_TIMEOUT : NG_DNS_SERVFAIL,
			                          false, 0),
			    0);
		else
			assert_int_equal(ng_dns_fake_add(r, name, types[i].type, 60, value), 0);
		return;
	}
	fail_msg("bad zone line \"%s\"", line);
}

struct got {
	int calls;
	struct ng_spf_outcome out;
};

static void on_done(void *arg, const struct ng_spf_outcome *out)
{
	struct got *g = arg;
	g->calls++;
	g->out = *out;
}

struct eval_case {
	const char *name;
	const char *zone[16];
	const char *ip, *helo, *sender;
	enum ng_spf_result want;
	const char *mechanism;   /* NULL: not checked */
	const char *explanation; /* NULL: not checked */
	int lookups, voids;      /* -1: not checked */
};

#define ZONE(...)                                                                                  \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}

static const struct eval_case eval_cases[] = {
    {"ip4 pass", ZONE("ex.test TXT v=spf1 ip4:192.0.2.0/24 -all"), "192.0.2.9", "h.test",
     "a@ex.test", NG_SPF_PASS, "ip4:192.0.2.0/24", "", 0, 0},
    {"fail with explanation and macros",
     ZONE("ex.test TXT v=spf1 -all exp=why.%{d}",
          "why.ex.test TXT %{i} may not send for %{o} (%{c} %{r} %{t})"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-all",
     "192.0.2.9 may not send for ex.test (192.0.2.9 mx.receiver.test 1400000000)", 0, 0},
    {"explanation only on fail",
     ZONE("ex.test TXT v=spf1 ~all exp=why.ex.test", "why.ex.test TXT no"), "192.0.2.9", "h.test",
     "a@ex.test", NG_SPF_SOFTFAIL, "~all", "", 0, 0},
    {"explanation from two TXT records ignored",
     ZONE("ex.test TXT v=spf1 -all exp=why.ex.test", "why.ex.test TXT one", "why.ex.test TXT two"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-all", "", 0, 0},
    {"no record", ZONE("ex.test TXT hello"), "192.0.2.9", "h.test", "a@ex.test", NG_SPF_NONE, "",
     NULL, 0, 0},
    {"no such domain", ZONE("other.test TXT v=spf1 +all"), "192.0.2.9", "h.test", "a@ex.test",
     NG_SPF_NONE, NULL, NULL, 0, 0},
    {"two records", ZONE("ex.test TXT v=spf1 +all", "ex.test TXT V=SPF1 -all"), "192.0.2.9",
     "h.test", "a@ex.test", NG_SPF_PERMERROR, NULL, NULL, 0, 0},
    {"record lookup times out", ZONE("ex.test TIMEOUT TXT"), "192.0.2.9", "h.test", "a@ex.test",
     NG_SPF_TEMPERROR, NULL, NULL, 0, 0},
    {"syntax error after a match", ZONE("ex.test TXT v=spf1 +all moo"), "192.0.2.9", "h.test",
     "a@ex.test", NG_SPF_PERMERROR, "moo", NULL, 0, 0},
    {"null sender checks postmaster@helo",
     ZONE("mail.h.test TXT v=spf1 exists:%{l}.%{o}.ok.test -all",
          "postmaster.mail.h.test.ok.test A 127.0.0.2"),
     "192.0.2.9", "mail.h.test", "", NG_SPF_PASS, "exists:%{l}.%{o}.ok.test", NULL, 1, 0},
    {"no local-part", ZONE("ex.test TXT v=spf1 -all exp=e.ex.test", "e.ex.test TXT %{l}"),
     "192.0.2.9", "h.test", "@ex.test", NG_SPF_FAIL, NULL, "postmaster", 0, 0},
    {"a on an IPv6 client",
     ZONE("ex.test TXT v=spf1 a -all", "ex.test A 192.0.2.1", "ex.test AAAA 2001:db8::1"),
     "2001:db8::1", "h.test", "a@ex.test", NG_SPF_PASS, "a", NULL, 1, 0},
    {"a with a prefix", ZONE("ex.test TXT v=spf1 a:m.ex.test/24 -all", "m.ex.test A 192.0.2.200"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "a:m.ex.test/24", NULL, 1, 0},
    {"IPv4-mapped client is IPv4", ZONE("ex.test TXT v=spf1 ip6:::ffff:0:0/96 ip4:192.0.2.9 -all"),
     "::ffff:192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "ip4:192.0.2.9", NULL, 0, 0},
    {"mx, second exchange",
     ZONE("ex.test TXT v=spf1 mx -all", "ex.test MX 10 mx1.ex.test", "ex.test MX 20 mx2.ex.test",
          "mx1.ex.test A 192.0.2.1", "mx2.ex.test A 192.0.2.2"),
     "192.0.2.2", "h.test", "a@ex.test", NG_SPF_PASS, "mx", NULL, 1, 0},
    {"mx, null MX", ZONE("ex.test TXT v=spf1 mx ?all", "ex.test MX 0 ."), "192.0.2.2", "h.test",
     "a@ex.test", NG_SPF_NEUTRAL, "?all", NULL, 1, 0},
    {"mx, exchange times out",
     ZONE("ex.test TXT v=spf1 mx -all", "ex.test MX 10 mx1.ex.test", "mx1.ex.test TIMEOUT A"),
     "192.0.2.2", "h.test", "a@ex.test", NG_SPF_TEMPERROR, "mx", NULL, 1, 0},
    {"include pass",
     ZONE("ex.test TXT v=spf1 -include:in.test +all", "in.test TXT v=spf1 ip4:192.0.2.0/24"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-include:in.test", NULL, 1, 0},
    {"include neutral does not match",
     ZONE("ex.test TXT v=spf1 include:in.test ~all", "in.test TXT v=spf1 ?all"), "192.0.2.9",
     "h.test", "a@ex.test", NG_SPF_SOFTFAIL, "~all", NULL, 1, 0},
    {"include of no record", ZONE("ex.test TXT v=spf1 include:in.test ~all"), "192.0.2.9", "h.test",
     "a@ex.test", NG_SPF_PERMERROR, "include:in.test", NULL, 1, 0},
    {"include SERVFAIL", ZONE("ex.test TXT v=spf1 include:in.test ~all", "in.test SERVFAIL TXT"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_TEMPERROR, "include:in.test", NULL, 1, 0},
    {"redirect",
     ZONE("ex.test TXT v=spf1 redirect=_spf.%{d}", "_spf.ex.test TXT v=spf1 a -all",
          "_spf.ex.test A 192.0.2.9"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "a", NULL, 2, 0},
    {"redirect ignored after all", ZONE("ex.test TXT v=spf1 ?all redirect=nowhere.test"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_NEUTRAL, "?all", NULL, 0, 0},
    {"redirect exp replaces",
     ZONE("ex.test TXT v=spf1 exp=e1.test redirect=r.test", "r.test TXT v=spf1 -all exp=e2.test",
          "e1.test TXT one", "e2.test TXT two"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-all", "two", 1, 0},
    {"three void lookups", ZONE("ex.test TXT v=spf1 a:n1.test a:n2.test a:n3.test +all"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PERMERROR, "a:n3.test", NULL, 3, 3},
    {"eleven lookups", ZONE("ex.test TXT v=spf1 a a a a a a a a a a a +all", "ex.test A 192.0.2.1"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PERMERROR, "a", NULL, 11, 0},
    {"ten lookups", ZONE("ex.test TXT v=spf1 a a a a a a a a a a +all", "ex.test A 192.0.2.1"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "+all", NULL, 10, 0},
    {"eleven MX",
     ZONE("ex.test TXT v=spf1 mx", "ex.test MX 1 m1.test", "ex.test MX 2 m2.test",
          "ex.test MX 3 m3.test", "ex.test MX 4 m4.test", "ex.test MX 5 m5.test",
          "ex.test MX 6 m6.test", "ex.test MX 7 m7.test", "ex.test MX 8 m8.test",
          "ex.test MX 9 m9.test", "ex.test MX 10 m10.test", "ex.test MX 11 m11.test"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PERMERROR, "mx", NULL, 1, 0},
    {"ptr validated",
     ZONE("ex.test TXT v=spf1 ptr -all", "9.2.0.192.in-addr.arpa PTR other.test",
          "9.2.0.192.in-addr.arpa PTR Mail.EX.test", "mail.ex.test A 192.0.2.9",
          "other.test A 192.0.2.9"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "ptr", NULL, 1, 0},
    {"ptr not validated",
     ZONE("ex.test TXT v=spf1 ptr -all", "9.2.0.192.in-addr.arpa PTR mail.ex.test",
          "mail.ex.test A 192.0.2.10"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-all", NULL, 1, 0},
    {"p macro prefers the domain's own names",
     ZONE("ex.test TXT v=spf1 -all exp=e.ex.test", "e.ex.test TXT from %{p}",
          "9.2.0.192.in-addr.arpa PTR a.other.test", "9.2.0.192.in-addr.arpa PTR m.ex.test",
          "a.other.test A 192.0.2.9", "m.ex.test A 192.0.2.9"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_FAIL, "-all", "from m.ex.test", 0, 0},
    {"p macro in a domain-spec, IPv6",
     ZONE("ex.test TXT v=spf1 exists:%{p}.ok.test -all",
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR m.ex.test",
          "m.ex.test AAAA 2001:db8::1", "m.ex.test.ok.test A 127.0.0.2"),
     "2001:db8::1", "h.test", "a@ex.test", NG_SPF_PASS, "exists:%{p}.ok.test", NULL, 1, 0},
    {"CNAME to the record", ZONE("ex.test CNAME real.test", "real.test TXT v=spf1 +all"),
     "192.0.2.9", "h.test", "a@ex.test", NG_SPF_PASS, "+all", NULL, 0, 0},
    {"domain literal", ZONE("ex.test TXT v=spf1 +all"), "192.0.2.9", "h.test", "a@[192.0.2.1]",
     NG_SPF_NONE, "", NULL, 0, 0},
    {"one-label HELO", ZONE("ex.test TXT v=spf1 +all"), "192.0.2.9", "localhost", "", NG_SPF_NONE,
     "", NULL, 0, 0},
    {"empty label target does not match", ZONE("ex.test TXT v=spf1 a:x..ex.test ?all"), "192.0.2.9",
     "h.test", "a@ex.test", NG_SPF_NEUTRAL, "?all", NULL, 1, 0},
};

static void test_eval(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(eval_cases); i++) {
		const struct eval_case *c = &eval_cases[i];
		struct ng_dns_resolver *r = ng_dns_fake_new();
		struct got g = {0};
		assert_non_null(r);
		for (size_t k = 0; c->zone[k] != NULL; k++)
			zone_load(r, c->zone[k]);
		struct ng_spf_check *chk = ng_spf_check_host(
		    r, c->ip, c->helo, c->sender, "mx.receiver.test", 1400000000, on_done, &g);
		if (chk == NULL)
			fail_msg("%s: the check did not start", c->name);
		if (g.calls != 0)
			fail_msg("%s: done called from inside ng_spf_check_host", c->name);
		while (g.calls == 0 && ng_dns_fake_run(r) > 0)
			;
		if (g.calls != 1)
			fail_msg("%s: done called %d times", c->name, g.calls);
		const struct ng_spf_outcome *o = &g.out;
		if (o->result != c->want)
			fail_msg("%s: got %s want %s (%s, \"%s\")", c->name,
			         ng_spf_result_name(o->result), ng_spf_result_name(c->want),
			         o->detail, o->mechanism);
		if (c->mechanism != NULL && strcmp(o->mechanism, c->mechanism) != 0)
			fail_msg("%s: mechanism got \"%s\" want \"%s\"", c->name, o->mechanism,
			         c->mechanism);
		if (c->explanation != NULL && strcmp(o->explanation, c->explanation) != 0)
			fail_msg("%s: explanation got \"%s\" want \"%s\"", c->name, o->explanation,
			         c->explanation);
		if (c->lookups >= 0 && o->dns_lookups != (unsigned)c->lookups)
			fail_msg("%s: lookups got %u want %d", c->name, o->dns_lookups, c->lookups);
		if (c->voids >= 0 && o->void_lookups != (unsigned)c->voids)
			fail_msg("%s: void lookups got %u want %d", c->name, o->void_lookups,
			         c->voids);
		if (o->detail == NULL || o->detail[0] == '\0')
			fail_msg("%s: no detail", c->name);
		assert_int_equal(ng_dns_fake_pending(r), 0);
		ng_dns_resolver_free(r);
	}
}

/* ---- the contract of a check ---- */

static void test_contract(void **state)
{
	(void)state;
	struct ng_dns_resolver *r = ng_dns_fake_new();
	struct got g = {0};
	assert_non_null(r);
	assert_int_equal(ng_dns_fake_add(r, "ex.test", NG_DNS_TXT, 60, "v=spf1 a -all"), 0);

	/* not an address */
	assert_null(ng_spf_check_host(r, "192.0.2", "h", "a@ex.test", NULL, 0, on_done, &g));
	assert_null(ng_spf_check_host(r, NULL, "h", "a@ex.test", NULL, 0, on_done, &g));

	/* the domain is in ng_spf_outcome, decided later even when at once */
	struct ng_spf_check *c =
	    ng_spf_check_host(r, "192.0.2.9", NULL, "a@bad..name", NULL, 0, on_done, &g);
	assert_non_null(c);
	assert_int_equal(g.calls, 0);
	ng_dns_fake_run(r);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.out.result, NG_SPF_NONE);
	assert_string_equal(g.out.domain, "");

	/* cancelled while decided at once, and while a query waits */
	c = ng_spf_check_host(r, "192.0.2.9", "h", "a@bad..name", NULL, 0, on_done, &g);
	ng_spf_cancel(c);
	c = ng_spf_check_host(r, "192.0.2.9", "h", "a@ex.test", NULL, 0, on_done, &g);
	assert_int_equal(ng_dns_fake_pending(r), 1);
	ng_spf_cancel(c);
	ng_spf_cancel(NULL);
	assert_int_equal(ng_dns_fake_pending(r), 0);
	ng_dns_fake_run(r);
	assert_int_equal(g.calls, 1);

	/* cancelled after the record, during the a lookup */
	c = ng_spf_check_host(r, "192.0.2.9", "h", "a@EX.test.", NULL, 0, on_done, &g);
	ng_dns_fake_run(r);
	assert_int_equal(ng_dns_fake_pending(r), 1);
	assert_int_equal(ng_dns_fake_sent_for(r, "ex.test", NG_DNS_A), 1);
	ng_spf_cancel(c);

	/* a query that cannot start: temperror, still from the loop */
	ng_dns_fake_fail_nth(r, 2);
	c = ng_spf_check_host(r, "192.0.2.9", "h", "a@ex.test", NULL, 0, on_done, &g);
	assert_non_null(c);
	while (ng_dns_fake_run(r) > 0)
		;
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.out.result, NG_SPF_TEMPERROR);
	assert_string_equal(g.out.domain, "ex.test");
	assert_string_equal(g.out.mechanism, "a");

	/* the first query failing happens inside the start: still later */
	ng_dns_fake_fail_nth(r, 1);
	c = ng_spf_check_host(r, "192.0.2.9", "h", "a@ex.test", NULL, 0, on_done, &g);
	assert_non_null(c);
	assert_int_equal(g.calls, 2);
	ng_dns_fake_run(r);
	assert_int_equal(g.calls, 3);
	assert_int_equal(g.out.result, NG_SPF_TEMPERROR);

	/* identities too long for the check */
	char long_helo[NG_SPF_IDENTITY_MAX + 1];
	memset(long_helo, 'a', sizeof(long_helo) - 1);
	long_helo[sizeof(long_helo) - 1] = '\0';
	c = ng_spf_check_host(r, "192.0.2.9", long_helo, "", NULL, 0, on_done, &g);
	ng_dns_fake_run(r);
	assert_int_equal(g.calls, 4);
	assert_int_equal(g.out.result, NG_SPF_NONE);

	ng_dns_resolver_free(r);

	static const char *const names[] = {"none",     "neutral",   "pass",     "fail",
	                                    "softfail", "temperror", "permerror"};
	for (size_t i = 0; i < N(names); i++)
		assert_string_equal(ng_spf_result_name((enum ng_spf_result)i), names[i]);
	assert_string_equal(ng_spf_result_name((enum ng_spf_result)99), "permerror");
}

/* The fake resolver's sequence: every query of a check is for what the
 * RFC asks, in order, and nothing else (no type SPF, no A fallback). */
static void test_queries(void **state)
{
	(void)state;
	struct ng_dns_resolver *r = ng_dns_fake_new();
	struct got g = {0};
	assert_non_null(r);
	assert_int_equal(ng_dns_fake_add(r, "ex.test", NG_DNS_TXT, 60, "v=spf1 mx ?all"), 0);
	assert_int_equal(ng_dns_fake_add(r, "ex.test", NG_DNS_A, 60, "192.0.2.9"), 0);
	assert_non_null(
	    ng_spf_check_host(r, "192.0.2.9", "h.test", "x@ex.test", NULL, 0, on_done, &g));
	while (ng_dns_fake_run(r) > 0)
		;
	assert_int_equal(g.out.result, NG_SPF_NEUTRAL); /* mx does not fall back to A */
	assert_int_equal(ng_dns_fake_sent(r), 2);
	assert_int_equal(ng_dns_fake_sent_for(r, "ex.test", NG_DNS_TXT), 1);
	assert_int_equal(ng_dns_fake_sent_for(r, "ex.test", NG_DNS_MX), 1);
	assert_int_equal(ng_dns_fake_sent_for(r, "ex.test", NG_DNS_A), 0);
	assert_int_equal(g.out.void_lookups, 1);
	ng_dns_resolver_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),     cmocka_unit_test(test_parse_limits),
	    cmocka_unit_test(test_macro),     cmocka_unit_test(test_macro_truncation),
	    cmocka_unit_test(test_macro_bad), cmocka_unit_test(test_eval),
	    cmocka_unit_test(test_contract),  cmocka_unit_test(test_queries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
