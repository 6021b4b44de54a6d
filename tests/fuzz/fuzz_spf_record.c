/*
 * fuzz_spf_record.c - libFuzzer target for SPF: the record parser
 * (ng_spf_record_parse), the macro language (lib/spf/macro.c) and a whole
 * check_host() over a hostile record.  SPF records and explanations come
 * from any domain's DNS; the sender and HELO name come from any client.
 *
 * The first input byte picks what the rest is (bits 0-2):
 *   0  a record as is;
 *   1  the terms of a record: "v=spf1 " is put in front;
 *   2  a domain-spec (macro check and expansion as a name);
 *   3  an explanation (macro check and expansion as text), and the value
 *      of an unknown modifier;
 *   4+ the terms of the record of ex.test, evaluated by check_host() on
 *      the fake resolver with a small zone (addresses, MX, PTR, an include
 *      of the same record, a TXT for explanations), for an IPv4 client
 *      (bit 3 clear) or an IPv6 one.
 *
 * Oracles beyond the sanitizers: a parsed record's spans lie inside it and
 * its CIDR lengths in range, its domain-specs pass the macro check, the
 * same input parses the same twice, a failure says why; an expansion that
 * passes the check succeeds (a name: at most 253 characters, not empty),
 * one that fails it fails; a check ends exactly once, within the lookup
 * and void limits.
 */
#include <ndrguard/dns.h>
#include <ndrguard/spf.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PREFIX "v=spf1 "

static const struct ng_spf_macro_vars vars = {
    .s = "strong-bad@email.example.com",
    .l = "strong-bad",
    .o = "email.example.com",
    .d = "email.example.com",
    .i = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.1",
    .p = "mx.example.org",
    .v = "ip6",
    .h = "h%{d}-_.example",
    .c = "2001:db8::cb01",
    .r = "receiver.example.net",
    .t = "1400000000",
};

static void span_in(const struct ng_spf_span *s, size_t len)
{
	if ((size_t)s->off + s->len > len)
		abort();
}

static void parse(const char *txt, size_t len)
{
	struct ng_spf_record *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char err[128];
	if (a == NULL || b == NULL)
		goto out;
	int rc = ng_spf_record_parse(txt, len, a, err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		abort();
	if (ng_spf_record_parse(txt, len, b, err, 0) != rc)
		abort();
	if (rc != 0)
		goto out;
	if (a->nterms > NG_SPF_TERMS_MAX || a->nterms != b->nterms ||
	    memcmp(a->terms, b->terms, a->nterms * sizeof(a->terms[0])) != 0)
		abort();
	for (size_t i = 0; i < a->nterms; i++) {
		const struct ng_spf_term *t = &a->terms[i];
		span_in(&t->text, len);
		span_in(&t->domain, len);
		if (t->cidr4 > 32 || t->cidr6 > 128 || t->text.len == 0)
			abort();
		if (t->domain.len > 0 &&
		    (t->domain.off < t->text.off ||
		     t->domain.off + t->domain.len > t->text.off + t->text.len ||
		     ng_spf_macro_check(txt + t->domain.off, t->domain.len, NG_SPF_MACRO_DOMAIN,
		                        NULL, NULL) != NULL))
			abort();
	}
	if (a->has_redirect)
		span_in(&a->redirect, len);
	if (a->has_exp)
		span_in(&a->exp, len);
out:
	free(a);
	free(b);
}

static void macro(const char *s, size_t len, enum ng_spf_macro_mode mode)
{
	char out[NG_SPF_EXP_MAX];
	const char *why = ng_spf_macro_check(s, len, mode, NULL, NULL);
	if (mode == NG_SPF_MACRO_ANY)
		return;
	int rc = ng_spf_macro_expand(s, len, mode, &vars, out, sizeof(out));
	if (why != NULL) {
		if (rc != -1)
			abort();
		return;
	}
	if (mode == NG_SPF_MACRO_EXP && (rc != 0 || strlen(out) >= sizeof(out)))
		abort();
	if (mode == NG_SPF_MACRO_DOMAIN && rc == 0 && (strlen(out) > 253 || out[0] == '\0'))
		abort();
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

/* The record data[0..len) ("v=spf1 " in front) for ex.test, evaluated. */
static void evaluate(const char *rec, size_t len, bool v6)
{
	struct ng_dns_resolver *r = ng_dns_fake_new();
	struct got g = {0};
	if (r == NULL)
		return;
	struct ng_dns_rr txt = {.type = NG_DNS_TXT, .ttl = 60, .text = rec, .len = len};
	if (ng_dns_fake_add_rr(r, "ex.test", &txt) != 0 ||
	    ng_dns_fake_add_rr(r, "in.ex.test", &txt) != 0)
		goto out;
	ng_dns_fake_add(r, "ex.test", NG_DNS_A, 60, "192.0.2.1");
	ng_dns_fake_add(r, "ex.test", NG_DNS_AAAA, 60, "2001:db8::1");
	ng_dns_fake_add(r, "ex.test", NG_DNS_MX, 60, "10 mx.ex.test");
	ng_dns_fake_add(r, "ex.test", NG_DNS_MX, 60, "0 .");
	ng_dns_fake_add(r, "mx.ex.test", NG_DNS_A, 60, "192.0.2.9");
	ng_dns_fake_add(r, "mx.ex.test", NG_DNS_AAAA, 60, "2001:db8::9");
	ng_dns_fake_add(r, "9.2.0.192.in-addr.arpa", NG_DNS_PTR, 60, "mx.ex.test");
	ng_dns_fake_add(r,
	                "9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	                NG_DNS_PTR, 60, "mx.ex.test");
	ng_dns_fake_add(r, "why.ex.test", NG_DNS_TXT, 60, "%{i} %{c} %{p} %{r} %{t} %{S}");
	ng_dns_fake_set_rcode(r, "slow.ex.test", NG_DNS_A, NG_DNS_TIMEOUT, false, 0);
	ng_dns_fake_set_cname(r, "alias.ex.test", "ex.test");
	struct ng_spf_check *c =
	    ng_spf_check_host(r, v6 ? "2001:db8::9" : "192.0.2.9", "mx.ex.test", "a.b-c@ex.test",
	                      "rcv.test", 1400000000, on_done, &g);
	if (c == NULL)
		goto out;
	if (g.calls != 0)
		abort();
	while (g.calls == 0 && ng_dns_fake_run(r) > 0)
		;
	if (g.calls != 1 || ng_dns_fake_pending(r) != 0)
		abort();
	if (g.out.dns_lookups > NG_SPF_LOOKUPS_MAX + 1 ||
	    g.out.void_lookups > NG_SPF_VOID_MAX + 1 || g.out.detail == NULL ||
	    strlen(g.out.mechanism) >= sizeof(g.out.mechanism))
		abort();
	if (g.out.result != NG_SPF_FAIL && g.out.explanation[0] != '\0')
		abort();
out:
	ng_dns_resolver_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 2 * NG_SPF_RECORD_MAX)
		return 0;
	unsigned mode = data[0] & 7;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	switch (mode) {
	case 0:
		parse(in, len);
		break;
	case 2:
		macro(in, len, NG_SPF_MACRO_DOMAIN);
		break;
	case 3:
		macro(in, len, NG_SPF_MACRO_EXP);
		macro(in, len, NG_SPF_MACRO_ANY);
		break;
	default: {
		char *rec = malloc(sizeof(PREFIX) + len);
		if (rec == NULL)
			return 0;
		memcpy(rec, PREFIX, sizeof(PREFIX) - 1);
		memcpy(rec + sizeof(PREFIX) - 1, in, len);
		size_t n = sizeof(PREFIX) - 1 + len;
		if (mode == 1)
			parse(rec, n);
		else if (n < NG_DNS_RDATA_MAX)
			evaluate(rec, n, (data[0] & 8) != 0);
		free(rec);
		break;
	}
	}
	return 0;
}
