/*
 * test_authres.c - unit tests of the sender-authentication and spam-verdict
 * header readers (ng_authres_* in lib/relay/authres.h).
 *
 * Tables of named cases.  An Authentication-Results case states what the
 * parser read as one line (dump_ar() below):
 *
 *   ID[/vN] [FLAGS] => spf=R dkim=R(NDKIM) dmarc=R arc=R :: ENTRY; ENTRY
 *
 * FLAGS are noid, none, malformed, truncated, skipped=N, dropped=N; an
 * ENTRY is "method[/v]=word[{result}] [reason=\"..\"] [name=value]...",
 * with {result} only when the word was folded into another result.  A
 * Received-SPF case is "RESULT key=value ... [malformed] [truncated]"
 * (empty keys left out).  A spam case is the header, the value and the
 * verdict.  Every input is also parsed from an exact-size heap copy with
 * no NUL after it, so ASan catches any read past the length.
 *
 * Hostile inputs (10,000 semicolons, a megabyte of '(', pseudo-random
 * NUL-free bytes, caps overrun) are generated in code below the tables.
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

#include "relay/authres.h"
#include "util/buf.h"
#include "util/limits.h"

/* ----- helpers ----- */

/* A heap copy of exactly len bytes: no NUL after it. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);
	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static void dump_ar(const struct ng_authres *ar, ng_buf *b)
{
	ng_buf_reset(b);
	ng_buf_puts(b, ar->authserv_id);
	if (ar->version != 0)
		ng_buf_printf(b, "/v%u", ar->version);
	if (ar->no_authserv_id)
		ng_buf_puts(b, " noid");
	if (ar->none)
		ng_buf_puts(b, " none");
	if (ar->malformed)
		ng_buf_puts(b, " malformed");
	if (ar->truncated)
		ng_buf_puts(b, " truncated");
	if (ar->nskipped != 0)
		ng_buf_printf(b, " skipped=%u", ar->nskipped);
	if (ar->ndropped != 0)
		ng_buf_printf(b, " dropped=%u", ar->ndropped);
	ng_buf_printf(b,
	              " => spf=%s dkim=%s(%u) dmarc=%s arc=%s ::", ng_authres_result_name(ar->spf),
	              ng_authres_result_name(ar->dkim), ar->ndkim,
	              ng_authres_result_name(ar->dmarc), ng_authres_result_name(ar->arc));
	for (unsigned i = 0; i < ar->nentries; i++) {
		const struct ng_authres_entry *e = &ar->entries[i];
		ng_buf_printf(b, "%s %s", i > 0 ? ";" : "", ng_authres_method_name(e->method));
		if (e->version != 0)
			ng_buf_printf(b, "/%u", e->version);
		ng_buf_printf(b, "=%s", e->result_word);
		if (strcmp(e->result_word, ng_authres_result_name(e->result)) != 0)
			ng_buf_printf(b, "{%s}", ng_authres_result_name(e->result));
		if (e->reason[0] != '\0')
			ng_buf_printf(b, " reason=\"%s\"", e->reason);
		for (unsigned j = 0; j < e->nprops; j++)
			ng_buf_printf(b, " %s=%s", e->props[j].name, e->props[j].value);
	}
}

static void dump_spf(const struct ng_authres_spf *s, ng_buf *b)
{
	const struct {
		const char *k, *v;
	} kv[] = {{"client-ip", s->client_ip}, {"envelope-from", s->envelope_from},
	          {"helo", s->helo},           {"identity", s->identity},
	          {"receiver", s->receiver},   {"mechanism", s->mechanism},
	          {"problem", s->problem}};
	ng_buf_reset(b);
	ng_buf_puts(b, ng_authres_result_name(s->result));
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (kv[i].v[0] != '\0')
			ng_buf_printf(b, " %s=%s", kv[i].k, kv[i].v);
	if (s->malformed)
		ng_buf_puts(b, " malformed");
	if (s->truncated)
		ng_buf_puts(b, " truncated");
}

/* ----- Authentication-Results ----- */

struct ar_case {
	const char *name;
	const char *value;
	size_t len; /* 0: strlen(value) */
	const char *want;
};

#define MS365                                                                                      \
	"spf=fail (sender IP is 192.0.2.1) smtp.mailfrom=x; dkim=none (message not signed) "       \
	"header.d=none;dmarc=fail action=none header.from=x;compauth=fail reason=001"

#define NULVAL "example.org; spf=pass smtp.mailfrom=a\0b; dkim=pass"

static const struct ar_case ar_cases[] = {
    /* --- real-world writers --- */
    {"Gmail, all pass, folded",
     "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 "
     "header.b=AbCdEf12;\r\n       spf=pass (google.com: domain of user@example.com designates "
     "209.85.220.41 as permitted sender) smtp.mailfrom=user@example.com;\r\n       dmarc=pass "
     "(p=NONE sp=NONE dis=NONE) header.from=example.com",
     0,
     "mx.google.com => spf=pass dkim=pass(1) dmarc=pass arc=absent :: dkim=pass "
     "header.i=@example.com header.s=20230601 header.b=AbCdEf12; spf=pass "
     "smtp.mailfrom=user@example.com; dmarc=pass header.from=example.com"},
    {"Gmail, arc with a comment full of '=', quoted mailfrom",
     "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=\"Q3/abc+\"; "
     "arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com dmarc=pass "
     "fromdomain=example.com); spf=pass (google.com: domain of bounce@example.com designates "
     "192.0.2.7 as permitted sender) smtp.mailfrom=\"bounce+x=y@example.com\"; dmarc=pass "
     "(p=REJECT sp=REJECT dis=NONE) header.from=example.com",
     0,
     "mx.google.com => spf=pass dkim=pass(1) dmarc=pass arc=pass :: dkim=pass "
     "header.i=@example.com header.s=s1 header.b=Q3/abc+; arc=pass; spf=pass "
     "smtp.mailfrom=bounce+x=y@example.com; dmarc=pass header.from=example.com"},
    {"Gmail, softfail and DMARC fail",
     "mx.google.com; spf=softfail (google.com: domain of transitioning x@example.net does not "
     "designate 192.0.2.1 as permitted sender) smtp.mailfrom=x@example.net; dmarc=fail "
     "(p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=example.net",
     0,
     "mx.google.com => spf=softfail dkim=absent(0) dmarc=fail arc=absent :: spf=softfail "
     "smtp.mailfrom=x@example.net; dmarc=fail header.from=example.net"},
    {"Microsoft 365, no authserv-id, compauth reason", MS365, 0,
     " noid => spf=fail dkim=none(1) dmarc=fail arc=absent :: spf=fail smtp.mailfrom=x; "
     "dkim=none header.d=none; dmarc=fail action=none header.from=x; compauth=fail "
     "reason=\"001\""},
    {"Microsoft 365, pass, bestguesspass, trailing ';'",
     "spf=pass (sender IP is 40.107.22.1) smtp.mailfrom=example.com; dkim=pass (signature was "
     "verified) header.d=example.com;dmarc=bestguesspass action=none "
     "header.from=example.com;compauth=pass reason=109;",
     0,
     " noid => spf=pass dkim=pass(1) dmarc=bestguesspass arc=absent :: spf=pass "
     "smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=bestguesspass "
     "action=none header.from=example.com; compauth=pass reason=\"109\""},
    {"Microsoft 365, temperror over HELO, softpass",
     "spf=temperror (sender IP is 192.0.2.1) smtp.helo=mail.example.com; dkim=none (message "
     "not signed) header.d=none;dmarc=permerror action=none header.from=example.com;compauth="
     "softpass reason=201",
     0,
     " noid => spf=temperror dkim=none(1) dmarc=permerror arc=absent :: spf=temperror "
     "smtp.helo=mail.example.com; dkim=none header.d=none; dmarc=permerror action=none "
     "header.from=example.com; compauth=softpass reason=\"201\""},
    {"OpenDKIM, ';' inside a comment, dkim-atps",
     "mail.example.org; dkim=pass (2048-bit key; unprotected) header.d=example.com "
     "header.i=@example.com header.b=\"AbCdEf12\"; dkim-atps=neutral",
     0,
     "mail.example.org => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass "
     "header.d=example.com header.i=@example.com header.b=AbCdEf12; dkim-atps=neutral"},
    {"OpenDKIM, quoted reason before the comment",
     "mail.example.org; dkim=fail reason=\"signature verification failed\" (2048-bit key) "
     "header.d=example.com header.i=@example.com header.b=\"AbC\"",
     0,
     "mail.example.org => spf=absent dkim=fail(1) dmarc=absent arc=absent :: dkim=fail "
     "reason=\"signature verification failed\" header.d=example.com header.i=@example.com "
     "header.b=AbC"},
    {"OpenDMARC, authserv-id with a job id",
     "mail.example.org/3F1A2B40C2; dmarc=fail (p=reject dis=none) header.from=example.com", 0,
     "mail.example.org/3F1A2B40C2 => spf=absent dkim=absent(0) dmarc=fail arc=absent :: "
     "dmarc=fail header.from=example.com"},
    {"OpenDMARC, its own SPF check", "mail.example.org; spf=pass smtp.mailfrom=example.com", 0,
     "mail.example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=example.com"},
    {"Rspamd, all pass, tab-folded",
     "mx.example.org;\n\tdkim=pass header.d=example.com header.s=dkim header.b=aBcD;\n\tdmarc="
     "pass (policy=none) header.from=example.com;\n\tspf=pass (mx.example.org: domain of "
     "user@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=user@example.com",
     0,
     "mx.example.org => spf=pass dkim=pass(1) dmarc=pass arc=absent :: dkim=pass "
     "header.d=example.com header.s=dkim header.b=aBcD; dmarc=pass header.from=example.com; "
     "spf=pass smtp.mailfrom=user@example.com"},
    {"Rspamd, everything fails, arc=reject, quotes in comments",
     "mx.example.org; dkim=fail (\"headers rsa verify failed\") header.d=example.com "
     "header.s=s1 header.b=XyZ; arc=reject (\"signature check failed: fail, {[1] = "
     "sig:example.com:reject}\"); dmarc=fail reason=\"No valid SPF, No valid DKIM\" "
     "header.from=example.com (policy=reject); spf=fail (mx.example.org: domain of "
     "x@example.com does not designate 192.0.2.1 as permitted sender) "
     "smtp.mailfrom=x@example.com smtp.helo=bad.example",
     0,
     "mx.example.org => spf=fail dkim=fail(1) dmarc=fail arc=fail :: dkim=fail "
     "header.d=example.com header.s=s1 header.b=XyZ; arc=reject{fail}; dmarc=fail "
     "reason=\"No valid SPF, No valid DKIM\" header.from=example.com; spf=fail "
     "smtp.mailfrom=x@example.com smtp.helo=bad.example"},
    {"Exim, iprev with smtp.remote-ip, arc=none",
     "mx.example.org; iprev=pass (mail.example.com) smtp.remote-ip=192.0.2.1; spf=pass "
     "smtp.mailfrom=example.com; dkim=pass header.d=example.com header.s=s1 "
     "header.a=rsa-sha256; dmarc=pass header.from=example.com; arc=none",
     0,
     "mx.example.org => spf=pass dkim=pass(1) dmarc=pass arc=none :: iprev=pass "
     "smtp.remote-ip=192.0.2.1; spf=pass smtp.mailfrom=example.com; dkim=pass "
     "header.d=example.com header.s=s1 header.a=rsa-sha256; dmarc=pass header.from=example.com; "
     "arc=none"},
    {"Postfix, policy daemon SPF with a ptype-less property",
     "mail.example.org; spf=pass (sender SPF authorized) smtp.mailfrom=user@example.com "
     "receiver=mail.example.org",
     0,
     "mail.example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=user@example.com receiver=mail.example.org"},
    {"amavis, comment after the authserv-id",
     "mail.example.org (amavisd-new); dkim=pass (2048-bit key) header.d=example.com", 0,
     "mail.example.org => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass "
     "header.d=example.com"},
    {"Yahoo, perm_fail, success, pass(comment) without a space",
     "atlas-production.v2-mail-prod1-gq1.omega.yahoo.com; dkim=perm_fail "
     "header.i=@example.com header.s=s1; spf=pass smtp.mailfrom=example.com; "
     "dmarc=success(p=NONE) header.from=example.com;",
     0,
     "atlas-production.v2-mail-prod1-gq1.omega.yahoo.com => spf=pass dkim=fail(1) dmarc=pass "
     "arc=absent :: dkim=perm_fail{permerror} header.i=@example.com header.s=s1; spf=pass "
     "smtp.mailfrom=example.com; dmarc=success{pass} header.from=example.com"},
    /* --- RFC 8601 forms --- */
    {"RFC 8601: none, with a version", "example.org 1; none", 0,
     "example.org/v1 none => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"RFC 8601: none, trailing ';' and comment", "example.org; none; (nothing)", 0,
     "example.org none => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"RFC 8601: auth and spf",
     "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass "
     "smtp.mailfrom=example.net",
     0,
     "example.com => spf=pass dkim=absent(0) dmarc=absent arc=absent :: auth=pass "
     "smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net"},
    {"RFC 8601: two DKIM signatures, one passes",
     "example.com; dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; "
     "dkim=fail reason=\"bad signature\" header.i=@newyork.example.com",
     0,
     "example.com => spf=absent dkim=pass(2) dmarc=absent arc=absent :: dkim=pass "
     "reason=\"good signature\" header.i=@mail-router.example.net; dkim=fail reason=\"bad "
     "signature\" header.i=@newyork.example.com"},
    {"RFC 8601: sender-id and iprev policy.iprev",
     "example.com; sender-id=fail header.from=example.com; iprev=pass policy.iprev=192.0.2.200", 0,
     "example.com => spf=absent dkim=absent(0) dmarc=absent arc=absent :: sender-id=fail "
     "header.from=example.com; iprev=pass policy.iprev=192.0.2.200"},
    {"RFC 8601: method version", "example.org; dkim/1=pass header.d=example.com", 0,
     "example.org => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim/1=pass "
     "header.d=example.com"},
    {"CFWS and comments everywhere",
     "(c1) example.org (c2 (nested) ) 1 (c3) ; (c4) dkim (c5) / (c) 1 (c) = (c6) fail (c7) "
     "header (c8) . (c9) d (c10) = (c11) example.com (c12)",
     0,
     "example.org/v1 => spf=absent dkim=fail(1) dmarc=absent arc=absent :: dkim/1=fail "
     "header.d=example.com"},
    {"quoted authserv-id", "\"mx.example.org\"; spf=pass smtp.mailfrom=a@example.com", 0,
     "mx.example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=a@example.com"},
    {"quoted local part joined to its domain",
     "example.org; spf=pass smtp.mailfrom=\"joe \\\"smith\\\"\"@example.com", 0,
     "example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=joe \"smith\"@example.com"},
    {"escaped ')' inside a comment",
     "example.org; spf=pass (a \\) b (c \\( d)) smtp.mailfrom=x@example.com", 0,
     "example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=x@example.com"},
    {"upper case: names folded, values and id kept",
     "EXAMPLE.Org; SPF=PASS SMTP.MailFrom=A@Example.COM; DKIM=Pass Header.D=Example.COM", 0,
     "EXAMPLE.Org => spf=pass dkim=pass(1) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=A@Example.COM; dkim=pass header.d=Example.COM"},
    /* --- the summary --- */
    {"dkim: every signature fails (fail, permerror, policy)",
     "example.org; dkim=fail header.d=a.example; dkim=permerror header.d=b.example; "
     "dkim=policy header.d=c.example",
     0,
     "example.org => spf=absent dkim=fail(3) dmarc=absent arc=absent :: dkim=fail "
     "header.d=a.example; dkim=permerror header.d=b.example; dkim=policy header.d=c.example"},
    {"dkim: fail then pass is pass", "example.org; dkim=fail header.d=a; dkim=pass header.d=b", 0,
     "example.org => spf=absent dkim=pass(2) dmarc=absent arc=absent :: dkim=fail header.d=a; "
     "dkim=pass header.d=b"},
    {"dkim: fail and temperror is temperror",
     "example.org; dkim=fail header.d=a; dkim=temperror header.d=b; dkim=none", 0,
     "example.org => spf=absent dkim=temperror(3) dmarc=absent arc=absent :: dkim=fail "
     "header.d=a; dkim=temperror header.d=b; dkim=none"},
    {"spf: a later smtp.mailfrom result wins over HELO",
     "example.org; spf=none smtp.helo=mail.example.com; spf=fail smtp.mailfrom=x@example.com", 0,
     "example.org => spf=fail dkim=absent(0) dmarc=absent arc=absent :: spf=none "
     "smtp.helo=mail.example.com; spf=fail smtp.mailfrom=x@example.com"},
    {"spf: mailfrom first, HELO second: mailfrom stays",
     "example.org; spf=pass smtp.mailfrom=x@example.com; spf=none smtp.helo=mail.example.com", 0,
     "example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=x@example.com; spf=none smtp.helo=mail.example.com"},
    {"dmarc and arc: the first result counts",
     "example.org; dmarc=fail header.from=a; dmarc=pass header.from=b; arc=fail; arc=pass", 0,
     "example.org => spf=absent dkim=absent(0) dmarc=fail arc=fail :: dmarc=fail "
     "header.from=a; dmarc=pass header.from=b; arc=fail; arc=pass"},
    /* --- vocabularies --- */
    {"legacy words: hardfail, unknown, error; domainkeys",
     "mx.example.org; spf=hardfail smtp.mailfrom=x; spf=unknown; spf=error; domainkeys=pass "
     "header.from=x@example.com",
     0,
     "mx.example.org => spf=fail dkim=absent(0) dmarc=absent arc=absent :: "
     "spf=hardfail{fail} smtp.mailfrom=x; spf=unknown{permerror}; spf=error{temperror}; "
     "domainkeys=pass header.from=x@example.com"},
    {"unknown methods are skipped and counted",
     "mx.example.org; x-foo=pass header.x=1; spf=pass smtp.mailfrom=a; x-bar=fail (c) "
     "reason=\"r\"",
     0,
     "mx.example.org skipped=2 => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=a"},
    {"unknown result word of a known method",
     "mx.example.org; dkim-adsp=nxdomain header.from=x@example.com; bimi=skipped", 0,
     "mx.example.org => spf=absent dkim=absent(0) dmarc=absent arc=absent :: "
     "dkim-adsp=nxdomain{other} header.from=x@example.com; bimi=skipped{other}"},
    {"empty resinfo: ';;', leading and trailing ';'",
     "example.org;; ;spf=pass smtp.mailfrom=a;; ; dkim=none;", 0,
     "example.org => spf=pass dkim=none(1) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=a; dkim=none"},
    {"empty property value", "example.org; spf=pass smtp.mailfrom=; dkim=none header.d=\"\"", 0,
     "example.org => spf=pass dkim=none(1) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=; dkim=none header.d="},
    {"the first reason= is kept", "example.org; dkim=fail reason=one reason=two header.d=a", 0,
     "example.org => spf=absent dkim=fail(1) dmarc=absent arc=absent :: dkim=fail "
     "reason=\"one\" header.d=a"},
    /* --- damage --- */
    {"empty value", "", 0, " malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"white space only", " \r\n\t ", 0,
     " malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"authserv-id alone", "example.org", 0,
     "example.org malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"authserv-id and ';' alone", "example.org 1 ;", 0,
     "example.org/v1 malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"none with other resinfo", "example.org; none; spf=pass", 0,
     "example.org none malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: "
     "spf=pass"},
    {"no authserv-id, only a comment", "(comment) ; spf=pass", 0,
     " malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass"},
    {"words after the authserv-id", "example.org junk here; spf=fail", 0,
     "example.org malformed => spf=fail dkim=absent(0) dmarc=absent arc=absent :: spf=fail"},
    {"a resinfo without '='", "example.org; spf pass smtp.mailfrom=x; dkim=pass", 0,
     "example.org malformed => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass"},
    {"a resinfo without a method", "example.org; =pass; dkim=pass", 0,
     "example.org malformed => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass"},
    {"a resinfo without a result", "example.org; spf= ; dkim=pass", 0,
     "example.org malformed => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass"},
    {"a method version without digits", "example.org; dkim/=pass; spf=none", 0,
     "example.org malformed => spf=none dkim=absent(0) dmarc=absent arc=absent :: spf=none"},
    {"a property without '=': the result stays", "example.org; spf=fail smtp.mailfrom; dkim=pass",
     0,
     "example.org malformed => spf=fail dkim=pass(1) dmarc=absent arc=absent :: spf=fail; "
     "dkim=pass"},
    {"free text instead of a comment",
     "example.org; spf=fail sender IP is 192.0.2.1 smtp.mailfrom=x; dmarc=fail", 0,
     "example.org malformed => spf=fail dkim=absent(0) dmarc=fail arc=absent :: spf=fail; "
     "dmarc=fail"},
    {"unterminated comment swallows the rest",
     "example.org; spf=pass (unterminated smtp.mailfrom=x; dkim=pass", 0,
     "example.org malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass"},
    {"unterminated comment after the id", "example.org (oops; spf=pass", 0,
     "example.org malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
    {"unterminated quoted string", "example.org; spf=pass reason=\"abc; dkim=pass", 0,
     "example.org malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass "
     "reason=\"abc; dkim=pass\""},
    {"backslash at the very end of a comment", "example.org; spf=pass (abc\\", 0,
     "example.org malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass"},
    {"a NUL byte inside a value", NULVAL, sizeof(NULVAL) - 1,
     "example.org malformed => spf=pass dkim=pass(1) dmarc=absent arc=absent :: spf=pass "
     "smtp.mailfrom=a; dkim=pass"},
    {"stray closing parenthesis", "example.org; spf=pass ) smtp.mailfrom=x; dkim=fail", 0,
     "example.org malformed => spf=pass dkim=fail(1) dmarc=absent arc=absent :: spf=pass; "
     "dkim=fail"},
    {"five properties: four kept",
     "example.org; dkim=pass header.d=a header.i=b header.s=c header.a=d header.b=e", 0,
     "example.org truncated => spf=absent dkim=pass(1) dmarc=absent arc=absent :: dkim=pass "
     "header.d=a header.i=b header.s=c header.a=d"},
};

static void test_ar_table(void **state)
{
	(void)state;
	ng_buf got, got2;
	ng_buf_init(&got, 8192);
	ng_buf_init(&got2, 8192);
	struct ng_authres *ar = malloc(sizeof(*ar));
	assert_non_null(ar);
	for (size_t i = 0; i < sizeof(ar_cases) / sizeof(ar_cases[0]); i++) {
		const struct ar_case *t = &ar_cases[i];
		size_t len = t->len != 0 ? t->len : strlen(t->value);
		unsigned n = ng_authres_parse(t->value, len, ar);
		dump_ar(ar, &got);
		if (strcmp(got.data, t->want) != 0)
			fail_msg("%s:\n got  '%s'\n want '%s'", t->name, got.data, t->want);
		if (n != ar->nentries)
			fail_msg("%s: returned %u, nentries %u", t->name, n, ar->nentries);
		char *copy = exact(t->value, len);
		ng_authres_parse(copy, len, ar);
		free(copy);
		dump_ar(ar, &got2);
		if (strcmp(got2.data, t->want) != 0)
			fail_msg("%s (exact-size copy):\n got  '%s'\n want '%s'", t->name,
			         got2.data, t->want);
	}
	free(ar);
	ng_buf_free(&got);
	ng_buf_free(&got2);
}

/* ng_authres_find() and ng_authres_prop() over the Microsoft 365 form. */
static void test_ar_lookup(void **state)
{
	(void)state;
	struct ng_authres *ar = malloc(sizeof(*ar));
	assert_non_null(ar);
	ng_authres_parse(MS365, strlen(MS365), ar);
	const struct ng_authres_entry *e = ng_authres_find(ar, NG_AUTHRES_M_DMARC);
	if (e == NULL || e->result != NG_AUTHRES_FAIL)
		fail_msg("find dmarc: got %p, want the fail entry", (const void *)e);
	const char *v = ng_authres_prop(e, "Header.From");
	if (v == NULL || strcmp(v, "x") != 0)
		fail_msg("header.from: got '%s', want 'x'", v != NULL ? v : "(null)");
	v = ng_authres_prop(e, "action");
	if (v == NULL || strcmp(v, "none") != 0)
		fail_msg("action: got '%s', want 'none'", v != NULL ? v : "(null)");
	if (ng_authres_prop(e, "header.d") != NULL)
		fail_msg("header.d of dmarc: got a value, want none");
	if (ng_authres_find(ar, NG_AUTHRES_M_ARC) != NULL)
		fail_msg("find arc: got an entry, want NULL");
	e = ng_authres_find(ar, NG_AUTHRES_M_COMPAUTH);
	if (e == NULL || strcmp(e->reason, "001") != 0)
		fail_msg("compauth reason: got '%s', want '001'", e != NULL ? e->reason : "(null)");
	free(ar);
}

/* ----- hostile and oversized Authentication-Results ----- */

/* A value made of head, open n times, close n times, then tail, on the heap. */
static char *repeat2(const char *head, const char *open, const char *close, size_t n,
                     const char *tail, size_t *len)
{
	size_t hl = strlen(head), ol = strlen(open), cl = strlen(close), tl = strlen(tail);
	*len = hl + (ol + cl) * n + tl;
	char *p = malloc(*len + 1);
	assert_non_null(p);
	memcpy(p, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(p + hl + i * ol, open, ol);
	for (size_t i = 0; i < n; i++)
		memcpy(p + hl + n * ol + i * cl, close, cl);
	memcpy(p + hl + n * (ol + cl), tail, tl);
	p[*len] = '\0';
	return p;
}

static char *repeat(const char *head, const char *body, size_t n, const char *tail, size_t *len)
{
	return repeat2(head, body, "", n, tail, len);
}

static void test_ar_hostile(void **state)
{
	(void)state;
	static const struct {
		const char *name, *head, *open, *close;
		size_t n;
		const char *tail, *want;
	} t[] = {
	    {"10,000 semicolons after the id", "example.org", ";", "", 10000, "",
	     "example.org malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
	    {"10,000 semicolons alone", "", ";", "", 10000, "",
	     " malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
	    {"10,000 semicolons, then a result", "example.org", ";", "", 10000, "spf=fail",
	     "example.org => spf=fail dkim=absent(0) dmarc=absent arc=absent :: spf=fail"},
	    {"a megabyte of '(' never closed", "example.org; spf=pass ", "(", "", 1 << 20, "",
	     "example.org malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: "
	     "spf=pass"},
	    {"a megabyte of '(' as the whole value", "", "(", "", 1 << 20, "",
	     " malformed => spf=absent dkim=absent(0) dmarc=absent arc=absent ::"},
	    {"100,000 nested comments, closed", "example.org; spf=pass ", "(", ")", 100000,
	     "; dkim=fail",
	     "example.org => spf=pass dkim=fail(1) dmarc=absent arc=absent :: spf=pass; "
	     "dkim=fail"},
	    {"a megabyte of '\"'", "example.org; spf=pass reason=", "\"", "", 1 << 20, "",
	     "example.org => spf=pass dkim=absent(0) dmarc=absent arc=absent :: spf=pass"},
	    {"an odd megabyte of '\\' escapes the ')'", "example.org; spf=pass (", "\\", "",
	     (1 << 20) + 1, ")",
	     "example.org malformed => spf=pass dkim=absent(0) dmarc=absent arc=absent :: "
	     "spf=pass"},
	    {"10,000 unknown methods", "example.org", "; x=y", "", 10000, "; spf=none",
	     "example.org skipped=10000 => spf=none dkim=absent(0) dmarc=absent arc=absent :: "
	     "spf=none"},
	    {"10,000 properties", "example.org; spf=pass", " a.b=c", "", 10000, "; dmarc=fail",
	     "example.org truncated => spf=pass dkim=absent(0) dmarc=fail arc=absent :: spf=pass "
	     "a.b=c a.b=c a.b=c a.b=c; dmarc=fail"},
	    {"1,000 resinfo: 12 kept, the rest counted", "example.org", "; dkim=fail", "", 1000,
	     "; dkim=pass",
	     "example.org truncated dropped=989 => spf=absent dkim=pass(1001) dmarc=absent "
	     "arc=absent :: dkim=fail; dkim=fail; dkim=fail; dkim=fail; dkim=fail; dkim=fail; "
	     "dkim=fail; dkim=fail; dkim=fail; dkim=fail; dkim=fail; dkim=fail"},
	};
	ng_buf got;
	ng_buf_init(&got, 8192);
	struct ng_authres *ar = malloc(sizeof(*ar));
	assert_non_null(ar);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len;
		char *v = repeat2(t[i].head, t[i].open, t[i].close, t[i].n, t[i].tail, &len);
		ng_authres_parse(v, len, ar);
		free(v);
		dump_ar(ar, &got);
		if (strcmp(got.data, t[i].want) != 0)
			fail_msg("%s:\n got  '%s'\n want '%s'", t[i].name, got.data, t[i].want);
	}
	free(ar);
	ng_buf_free(&got);
}

/* Values past their caps are cut to cap - 1 bytes and flagged. */
static void test_ar_caps(void **state)
{
	(void)state;
	static const struct {
		const char *name, *head, *body;
		size_t n;
		const char *tail;
		size_t want_len; /* of the field checked */
		int field;       /* 0 authserv-id, 1 first value, 2 reason, 3 result word */
	} t[] = {
	    {"authserv-id of 1,000 bytes", "", "a", 1000, "; spf=pass", NG_AUTHRES_ID_MAX - 1, 0},
	    {"property value of 5,000 bytes", "example.org; spf=pass smtp.mailfrom=", "v", 5000, "",
	     NG_AUTHRES_VALUE_MAX - 1, 1},
	    {"quoted value of 5,000 bytes", "example.org; spf=pass smtp.mailfrom=\"", "q", 5000,
	     "\"", NG_AUTHRES_VALUE_MAX - 1, 1},
	    {"reason of 1,000 bytes", "example.org; spf=pass reason=", "r", 1000, "",
	     NG_AUTHRES_REASON_MAX - 1, 2},
	    {"result word of 100 bytes", "example.org; spf=", "x", 100, "", NG_AUTHRES_NAME_MAX - 1,
	     3},
	};
	struct ng_authres *ar = malloc(sizeof(*ar));
	assert_non_null(ar);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len;
		char *v = repeat(t[i].head, t[i].body, t[i].n, t[i].tail, &len);
		ng_authres_parse(v, len, ar);
		free(v);
		const char *f = t[i].field == 0     ? ar->authserv_id
		                : ar->nentries == 0 ? ""
		                : t[i].field == 1   ? ar->entries[0].props[0].value
		                : t[i].field == 2   ? ar->entries[0].reason
		                                    : ar->entries[0].result_word;
		if (strlen(f) != t[i].want_len || !ar->truncated || ar->nentries != 1)
			fail_msg("%s: got length %zu truncated %d entries %u; want %zu, 1, 1",
			         t[i].name, strlen(f), ar->truncated, ar->nentries, t[i].want_len);
	}
	/* a cut result word is not a result */
	size_t len;
	char *v = repeat("example.org; spf=pass", "s", 40, "", &len);
	ng_authres_parse(v, len, ar);
	free(v);
	if (ar->spf != NG_AUTHRES_OTHER)
		fail_msg("long result word: got %s, want other", ng_authres_result_name(ar->spf));
	free(ar);
}

/* Pseudo-random bytes (xorshift, fixed seed): no crash, no read past the
 * length (exact-size heap copies), every output string terminated within
 * its array, counts within caps, enums in range. */
static void test_ar_random(void **state)
{
	(void)state;
	static const char alphabet[] = "; =()\\\"./@-_ \t\r\nspfdkimarcpassfailnone1";
	uint64_t x = 0x9e3779b97f4a7c15u;
	struct ng_authres *ar = malloc(sizeof(*ar));
	struct ng_authres_spf spf;
	assert_non_null(ar);
	for (int round = 0; round < 3000; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = 1 + (size_t)(x % 600);
		char *buf = malloc(len);
		assert_non_null(buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* half the rounds: any byte but NUL; the others: syntax-heavy */
			buf[i] = round % 2 == 0 ? (char)(1 + x % 255)
			                        : alphabet[x % (sizeof(alphabet) - 1)];
		}
		ng_authres_parse(buf, len, ar);
		ng_authres_parse_received_spf(buf, len, &spf);
		for (size_t h = 0; ng_authres_spam_header(h) != NULL; h++) {
			const char *name = ng_authres_spam_header(h);
			enum ng_authres_spam s =
			    ng_authres_spam_verdict(name, strlen(name), buf, len);
			if (s != NG_AUTHRES_SPAM_UNKNOWN && s != NG_AUTHRES_SPAM_HAM &&
			    s != NG_AUTHRES_SPAM_SPAM)
				fail_msg("round %d: spam verdict %d out of range", round, (int)s);
		}
		free(buf);
		if (ar->nentries > NG_AUTHRES_ENTRIES_MAX ||
		    memchr(ar->authserv_id, '\0', sizeof(ar->authserv_id)) == NULL)
			fail_msg("round %d: nentries %u or id unterminated", round, ar->nentries);
		for (unsigned i = 0; i < ar->nentries; i++) {
			const struct ng_authres_entry *e = &ar->entries[i];
			if (e->nprops > NG_AUTHRES_PROPS_MAX || e->result > NG_AUTHRES_OTHER ||
			    e->result == NG_AUTHRES_ABSENT || e->method > NG_AUTHRES_M_COMPAUTH ||
			    memchr(e->reason, '\0', sizeof(e->reason)) == NULL ||
			    memchr(e->result_word, '\0', sizeof(e->result_word)) == NULL)
				fail_msg("round %d, entry %u: out of range", round, i);
		}
		if (spf.result < NG_AUTHRES_NONE || spf.result > NG_AUTHRES_OTHER ||
		    memchr(spf.problem, '\0', sizeof(spf.problem)) == NULL)
			fail_msg("round %d: Received-SPF result %d", round, (int)spf.result);
	}
	free(ar);
}

/* ----- Received-SPF ----- */

struct spf_case {
	const char *name;
	const char *value;
	const char *want;
};

static const struct spf_case spf_cases[] = {
    {"RFC 7208 example",
     "pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as "
     "permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1; "
     "envelope-from=\"myname@example.com\"; helo=foo.example.com;",
     "pass client-ip=192.0.2.1 envelope-from=myname@example.com helo=foo.example.com "
     "receiver=mybox.example.org"},
    {"RFC 4408 softfail, angle brackets, problem",
     "softfail (mybox.example.org: domain of transitioning myname@example.com does not "
     "designate 192.0.2.1 as permitted sender) receiver=mybox.example.org; "
     "client-ip=192.0.2.1; envelope-from=<myname@example.com>; helo=foo.example.com; "
     "problem=\"no mechanism matched\"; mechanism=~all",
     "softfail client-ip=192.0.2.1 envelope-from=<myname@example.com> helo=foo.example.com "
     "receiver=mybox.example.org mechanism=~all problem=no mechanism matched"},
    {"pypolicyd-spf",
     "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=mail.example.com; "
     "envelope-from=user@example.com; receiver=<UNKNOWN> ",
     "pass client-ip=192.0.2.1 envelope-from=user@example.com helo=mail.example.com "
     "identity=mailfrom receiver=<UNKNOWN>"},
    {"Microsoft 365, unknown key pr",
     "Pass (protection.outlook.com: domain of example.com designates 40.107.1.1 as permitted "
     "sender) receiver=protection.outlook.com; client-ip=40.107.1.1; "
     "helo=EUR01-xx.outbound.protection.outlook.com; pr=C",
     "pass client-ip=40.107.1.1 helo=EUR01-xx.outbound.protection.outlook.com "
     "receiver=protection.outlook.com"},
    {"Microsoft 365, none, comment only",
     "None (protection.outlook.com: example.com does not designate permitted sender hosts)",
     "none"},
    {"FAIL, upper case", "FAIL (example.org: 192.0.2.1 is not permitted) client-ip=192.0.2.1",
     "fail client-ip=192.0.2.1"},
    {"Neutral", "Neutral (example.org: 192.0.2.1 is neither permitted nor denied)", "neutral"},
    {"TempError", "TempError (DNS timeout) identity=mailfrom", "temperror identity=mailfrom"},
    {"PermError with a problem",
     "PermError (example.org: permanent error) problem=\"too many DNS lookups\"",
     "permerror problem=too many DNS lookups"},
    {"RFC 4408 error", "error", "temperror"},
    {"RFC 4408 unknown", "unknown (bad record)", "permerror"},
    {"a result word that is not SPF's", "policy (x) client-ip=192.0.2.1",
     "other client-ip=192.0.2.1 malformed"},
    {"no result word", "(just a comment) client-ip=192.0.2.1",
     "other client-ip=192.0.2.1 malformed"},
    {"a key where the result should be", "identity = mailfrom; client-ip=192.0.2.1",
     "other client-ip=192.0.2.1 identity=mailfrom malformed"},
    {"empty", "", "other malformed"},
    {"pairs separated by white space only", "pass client-ip=192.0.2.1 helo=mx.example.com",
     "pass client-ip=192.0.2.1 helo=mx.example.com"},
    {"keys in upper case, CFWS around '='",
     "pass CLIENT-IP (c) = (c) 192.0.2.1 ; Envelope-From = \"a\\\"b\"@example.com",
     "pass client-ip=192.0.2.1 envelope-from=a\"b@example.com"},
    {"the first of a repeated key wins", "fail client-ip=192.0.2.1; client-ip=192.0.2.99",
     "fail client-ip=192.0.2.1"},
    {"garbage pairs are skipped", "pass ; = ; ==x ; client-ip=192.0.2.1; helo",
     "pass client-ip=192.0.2.1 malformed"},
    {"unterminated comment", "pass (unterminated client-ip=192.0.2.1", "pass malformed"},
    {"unterminated quoted value", "fail envelope-from=\"x@example.com",
     "fail envelope-from=x@example.com malformed"},
};

static void test_spf_table(void **state)
{
	(void)state;
	ng_buf got;
	ng_buf_init(&got, 8192);
	struct ng_authres_spf s;
	for (size_t i = 0; i < sizeof(spf_cases) / sizeof(spf_cases[0]); i++) {
		const struct spf_case *t = &spf_cases[i];
		size_t len = strlen(t->value);
		char *copy = exact(t->value, len);
		enum ng_authres_result r = ng_authres_parse_received_spf(copy, len, &s);
		free(copy);
		dump_spf(&s, &got);
		if (strcmp(got.data, t->want) != 0 || r != s.result)
			fail_msg("%s:\n got  '%s'\n want '%s'", t->name, got.data, t->want);
	}
	/* a value past the cap */
	size_t len;
	char *v = repeat("pass client-ip=", "1", 1000, "; helo=h", &len);
	ng_authres_parse_received_spf(v, len, &s);
	free(v);
	if (strlen(s.client_ip) != NG_AUTHRES_VALUE_MAX - 1 || !s.truncated ||
	    strcmp(s.helo, "h") != 0)
		fail_msg("long client-ip: got length %zu, truncated %d, helo '%s'",
		         strlen(s.client_ip), s.truncated, s.helo);
	/* 10,000 semicolons */
	v = repeat("fail", ";", 10000, "helo=h", &len);
	ng_authres_parse_received_spf(v, len, &s);
	free(v);
	dump_spf(&s, &got);
	if (strcmp(got.data, "fail helo=h") != 0)
		fail_msg("10,000 semicolons: got '%s', want 'fail helo=h'", got.data);
	ng_buf_free(&got);
}

/* ----- spam verdicts ----- */

#define SPAM NG_AUTHRES_SPAM_SPAM
#define HAM  NG_AUTHRES_SPAM_HAM
#define UNK  NG_AUTHRES_SPAM_UNKNOWN
#define FF   "X-Forefront-Antispam-Report"
#define PP   "X-Proofpoint-Spam-Details"
#define SCL  "X-MS-Exchange-Organization-SCL"

static const struct {
	const char *name, *header, *value;
	enum ng_authres_spam want;
} spam_cases[] = {
    /* SpamAssassin */
    {"SpamAssassin yes", "X-Spam-Status",
     "Yes, score=7.1 required=5.0 tests=BAYES_99,RDNS_NONE autolearn=no version=3.4.6", SPAM},
    {"SpamAssassin no", "X-Spam-Status",
     "No, score=-1.9 required=5.0 tests=BAYES_00 autolearn=ham version=3.4.6", HAM},
    {"SpamAssassin, folded first", "X-Spam-Status", "\r\n\tYes, score=12.0", SPAM},
    {"SpamAssassin, no comma", "X-Spam-Status", "No score=0.1", HAM},
    {"SpamAssassin, lower-case header name", "x-spam-status", "yes, score=6", SPAM},
    {"X-Spam-Status: neither word", "X-Spam-Status", "Maybe, score=4.9", UNK},
    {"X-Spam-Status: 'yesterday' is not yes", "X-Spam-Status", "yesterday", UNK},
    {"X-Spam-Status: empty", "X-Spam-Status", "", UNK},
    {"X-Spam-Flag YES", "X-Spam-Flag", "YES", SPAM},
    {"X-Spam-Flag NO", "X-Spam-Flag", " NO ", HAM},
    /* Rspamd */
    {"Rspamd X-Spam: Yes", "X-Spam", "Yes", SPAM},
    {"Rspamd X-Spam: No", "X-Spam", "no", HAM},
    {"Rspamd reject", "X-Rspamd-Action", "reject", SPAM},
    {"Rspamd add header, odd spacing", "X-Rspamd-Action", "  Add \t Header ", SPAM},
    {"Rspamd rewrite subject", "X-Rspamd-Action", "rewrite subject", SPAM},
    {"Rspamd add_header spelling", "X-Rspamd-Action", "add_header", SPAM},
    {"Rspamd no action", "X-Rspamd-Action", "no action", HAM},
    {"Rspamd greylist is no verdict", "X-Rspamd-Action", "greylist", UNK},
    {"Rspamd soft reject is no verdict", "X-Rspamd-Action", "soft reject", UNK},
    {"Rspamd 'no action taken' is not 'no action'", "X-Rspamd-Action", "no action taken", UNK},
    /* X-Spam-Verdict */
    {"verdict spam", "X-Spam-Verdict", "SPAM", SPAM},
    {"verdict not spam", "X-Spam-Verdict", "Not  Spam", HAM},
    {"verdict clean, with a comment", "X-Spam-Verdict", "clean (score 0.2)", HAM},
    {"verdict suspect", "X-Spam-Verdict", "suspect", UNK},
    /* Microsoft SCL */
    {"SCL 5", SCL, "5", SPAM},
    {"SCL 9", SCL, "9", SPAM},
    {"SCL -1", SCL, "-1", HAM},
    {"SCL 0", SCL, "0", HAM},
    {"SCL 4, white space", SCL, " 4\r\n", HAM},
    {"SCL 10 is out of range", SCL, "10", UNK},
    {"SCL -2 is out of range", SCL, "-2", UNK},
    {"SCL not a number", SCL, "5a", UNK},
    {"SCL huge", SCL, "99999999999999999999", UNK},
    {"SCL empty", SCL, "", UNK},
    /* Microsoft Forefront */
    {"Forefront NSPM", FF,
     "CIP:192.0.2.1;CTRY:US;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.example.com;PTR:mail."
     "example.com;CAT:NONE;SFS:(13230031)(4636009)(376002);DIR:INB;",
     HAM},
    {"Forefront SPM", FF, "CIP:192.0.2.1;CTRY:;LANG:ru;SCL:9;SRV:BULK;IPV:NLI;SFV:SPM;DIR:INB;",
     SPAM},
    {"Forefront SKS", FF, "SFV:SKS;SCL:9", SPAM},
    {"Forefront BLK", FF, "SFV:BLK", SPAM},
    {"Forefront SKN", FF, "SFV:SKN;SCL:-1", HAM},
    {"Forefront SFE (allow list) is no verdict", FF, "SFV:SFE;", UNK},
    {"Forefront without SFV", FF, "CIP:192.0.2.1;SCL:1;", UNK},
    {"Forefront, folded, spaces around ':'", FF, "CIP:192.0.2.1;\r\n\t SFV : SPM ;", SPAM},
    {"Forefront: SFV:SPM inside another item", FF, "H:SFV:SPM;SFV:NSPM", HAM},
    {"Forefront: SFVX is not SFV", FF, "SFVX:SPM;", UNK},
    {"Forefront: the first SFV wins", FF, "SFV:NSPM;SFV:SPM", HAM},
    {"the untrusted Forefront copy is not known", FF "-Untrusted", "SFV:SPM", UNK},
    /* Barracuda */
    {"Barracuda yes", "X-Barracuda-Spam-Status",
     "Yes, SCORE=7.50 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0 "
     "KILL_LEVEL=5.0 tests=BSF_SC0_MISMATCH_TO",
     SPAM},
    {"Barracuda no", "X-Barracuda-Spam-Status",
     "No, SCORE=0.00 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0", HAM},
    /* Proofpoint */
    {"Proofpoint spam", PP,
     "rule=spam policy=default score=100 spamscore=100 suspectscore=0 malwarescore=0 "
     "mlxscore=100 adultscore=0 bulkscore=0 classifier=spam adjust=0 reason=mlx scancount=1",
     SPAM},
    {"Proofpoint notspam, folded", PP,
     "rule=notspam policy=default score=0\r\n priorityscore=1501 malwarescore=0", HAM},
    {"Proofpoint inbound_notspam", PP, "rule=inbound_notspam policy=inbound score=0", HAM},
    {"Proofpoint rule not first", PP, "policy=default\tscore=99 rule=spam", SPAM},
    {"Proofpoint bulk is no verdict", PP, "rule=bulk policy=default", UNK},
    {"Proofpoint: xrule is not rule", PP, "xrule=spam", UNK},
    {"Proofpoint: classifier=spam is not rule", PP, "classifier=spam rule=notspam", HAM},
    /* names the table does not know */
    {"X-Spam-Score is not a verdict", "X-Spam-Score", "10.0", UNK},
    {"Subject: yes", "Subject", "yes", UNK},
    {"X-Spam-Statu (a prefix)", "X-Spam-Statu", "yes", UNK},
    {"X-Spam-Statuss (longer)", "X-Spam-Statuss", "yes", UNK},
};

static void test_spam_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(spam_cases) / sizeof(spam_cases[0]); i++) {
		size_t nl = strlen(spam_cases[i].header), vl = strlen(spam_cases[i].value);
		char *n = exact(spam_cases[i].header, nl), *v = exact(spam_cases[i].value, vl);
		enum ng_authres_spam got = ng_authres_spam_verdict(n, nl, v, vl);
		free(n);
		free(v);
		if (got != spam_cases[i].want)
			fail_msg("%s: %s: '%s': got %s, want %s", spam_cases[i].name,
			         spam_cases[i].header, spam_cases[i].value,
			         ng_authres_spam_name(got),
			         ng_authres_spam_name(spam_cases[i].want));
	}
}

/* Every name the reader lists is known in any case; near misses are not;
 * an unknown name gives no verdict even for a spam-looking value. */
static void test_spam_known(void **state)
{
	(void)state;
	static const char *const want[] = {
	    "X-Spam-Status",
	    "X-Spam-Flag",
	    "X-Spam",
	    "X-Spam-Verdict",
	    "X-Rspamd-Action",
	    "X-MS-Exchange-Organization-SCL",
	    FF,
	    "X-Barracuda-Spam-Status",
	    PP,
	};
	size_t n = 0;
	for (const char *h; (h = ng_authres_spam_header(n)) != NULL; n++) {
		char up[64], low[64];
		size_t len = strlen(h);
		assert_true(len < sizeof(up));
		for (size_t i = 0; i <= len; i++) {
			up[i] = (char)(h[i] >= 'a' && h[i] <= 'z' ? h[i] - 32 : h[i]);
			low[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
		}
		if (!ng_authres_spam_known(h, len) || !ng_authres_spam_known(up, len) ||
		    !ng_authres_spam_known(low, len))
			fail_msg("%s: got unknown, want known in any case", h);
		if (ng_authres_spam_known(h, len - 1))
			fail_msg("%s: a prefix of it is known", h);
		if (n < sizeof(want) / sizeof(want[0]) && strcmp(h, want[n]) != 0)
			fail_msg("header %zu: got %s, want %s", n, h, want[n]);
	}
	if (n != sizeof(want) / sizeof(want[0]))
		fail_msg("headers listed: got %zu, want %zu", n, sizeof(want) / sizeof(want[0]));
	static const struct {
		const char *name;
		size_t len;
	} no[] = {{"", 0}, {"X-Spam-Level", 12}, {"X-Spam\0Flag", 11}, {"X-Spam-Flag2", 12}};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (ng_authres_spam_known(no[i].name, no[i].len))
			fail_msg("'%s' (%zu bytes): got known, want unknown", no[i].name,
			         no[i].len);
	if (ng_authres_spam_known(NULL, 0) ||
	    ng_authres_spam_verdict(NULL, 0, "yes", 3) != NG_AUTHRES_SPAM_UNKNOWN)
		fail_msg("NULL name: got known, want unknown");
	if (ng_authres_spam_verdict("X-Spam-Flag", 11, NULL, 0) != NG_AUTHRES_SPAM_UNKNOWN)
		fail_msg("NULL value: got a verdict, want unknown");
}

/* The name functions cover every value and guard the rest. */
static void test_names(void **state)
{
	(void)state;
	const struct {
		const char *got, *want;
	} t[] = {
	    {ng_authres_result_name(NG_AUTHRES_ABSENT), "absent"},
	    {ng_authres_result_name(NG_AUTHRES_PERMERROR), "permerror"},
	    {ng_authres_result_name(NG_AUTHRES_OTHER), "other"},
	    {ng_authres_result_name((enum ng_authres_result)99), "?"},
	    {ng_authres_method_name(NG_AUTHRES_M_AUTH), "auth"},
	    {ng_authres_method_name(NG_AUTHRES_M_SENDER_ID), "sender-id"},
	    {ng_authres_method_name(NG_AUTHRES_M_COMPAUTH), "compauth"},
	    {ng_authres_method_name((enum ng_authres_method)99), "?"},
	    {ng_authres_spam_name(NG_AUTHRES_SPAM_UNKNOWN), "unknown"},
	    {ng_authres_spam_name(NG_AUTHRES_SPAM_SPAM), "spam"},
	    {ng_authres_spam_name((enum ng_authres_spam)7), "?"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].got, t[i].want) != 0)
			fail_msg("name %zu: got %s, want %s", i, t[i].got, t[i].want);
	for (int r = NG_AUTHRES_ABSENT; r <= NG_AUTHRES_OTHER; r++)
		if (strcmp(ng_authres_result_name((enum ng_authres_result)r), "?") == 0)
			fail_msg("result %d has no name", r);
	for (int m = NG_AUTHRES_M_AUTH; m <= NG_AUTHRES_M_COMPAUTH; m++)
		if (strcmp(ng_authres_method_name((enum ng_authres_method)m), "?") == 0)
			fail_msg("method %d has no name", m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ar_table),   cmocka_unit_test(test_ar_lookup),
	    cmocka_unit_test(test_ar_hostile), cmocka_unit_test(test_ar_caps),
	    cmocka_unit_test(test_ar_random),  cmocka_unit_test(test_spf_table),
	    cmocka_unit_test(test_spam_table), cmocka_unit_test(test_spam_known),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
