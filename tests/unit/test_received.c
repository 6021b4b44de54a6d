/*
 * test_received.c - unit tests of the Received parser and of the entry hop
 * of a chain (lib/relay/received.h).
 *
 * The parser's table states each case as a compact summary of the fields
 * that are not empty, in a fixed order:
 *
 *   helo=H rdns=R ip=I by=B with=W id=D for=F date=T +forged +auth +cut
 *
 * and "none" first when ng_received_parse() found neither "from" nor "by".
 * Every case is also parsed from a copy without its terminating NUL (the
 * length is all there is) and folded (each space a CRLF + tab): the same
 * summary both times, the date being squeezed.
 *
 * The chain table gives headers newest first, the internal networks, and
 * the index and address of the entry hop it wants.
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

#include "relay/received.h"
#include "util/buf.h"

struct rcv_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct rcv_case cases[] = {
    /* Postfix */
    {"postfix",
     "from helo.example (rdns.example [192.0.2.1]) by mx.example (Postfix) with ESMTPS id "
     "4Vh0T12345z1ABC for <u@x.example>; Tue, 16 Apr 2024 10:00:00 +0000 (UTC)",
     "helo=helo.example rdns=rdns.example ip=192.0.2.1 by=mx.example with=ESMTPS "
     "id=4Vh0T12345z1ABC for=u@x.example date=Tue, 16 Apr 2024 10:00:00 +0000 (UTC)"},
    {"postfix unknown rdns",
     "from helo.example (unknown [192.0.2.1]) by mx.example (Postfix) with ESMTP id ABC; "
     "Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=helo.example ip=192.0.2.1 by=mx.example with=ESMTP id=ABC "
     "date=Tue, 16 Apr 2024 10:00:00 +0000"},
    {"postfix IPv6 literal",
     "from helo.example (rdns.example [IPv6:2001:db8::1]) by mx.example (Postfix) with ESMTP "
     "id ABC",
     "helo=helo.example rdns=rdns.example ip=2001:db8::1 by=mx.example with=ESMTP id=ABC"},
    {"postfix IPv4-mapped literal",
     "from h.example (r.example [IPv6:::ffff:192.0.2.7]) by mx.example",
     "helo=h.example rdns=r.example ip=192.0.2.7 by=mx.example"},
    {"postfix client port",
     "from h.example (r.example [192.0.2.1]:52711) by mx.example (Postfix) with ESMTP id ABC",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=ESMTP id=ABC"},
    {"postfix TLS and sasl comments",
     "from h.example (r.example [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
     "(256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits)) (No client "
     "certificate requested) (Authenticated sender: joe) by mx.example (Postfix) with ESMTPSA "
     "id ABC for <a@b.example>; Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=ESMTPSA id=ABC "
     "for=a@b.example date=Tue, 16 Apr 2024 10:00:00 +0000 +auth"},
    {"postfix local submission",
     "by mx.example (Postfix, from userid 1000) id 4Vh0T; Tue, 16 Apr 2024 10:00:00 +0000",
     "by=mx.example id=4Vh0T date=Tue, 16 Apr 2024 10:00:00 +0000"},
    {"host names lower-cased", "from HELO.Example (RDNS.Example [192.0.2.1]) by MX.Example",
     "helo=helo.example rdns=rdns.example ip=192.0.2.1 by=mx.example"},
    /* Sendmail */
    {"sendmail may be forged",
     "from helo.example (user@rdns.example [192.0.2.1] (may be forged)) by mx.example "
     "(8.17.1/8.17.1) with ESMTP id 43GA0AB1012345 for <u@x.example>; Tue, 16 Apr 2024",
     "helo=helo.example rdns=rdns.example ip=192.0.2.1 by=mx.example with=ESMTP "
     "id=43GA0AB1012345 for=u@x.example date=Tue, 16 Apr 2024 +forged"},
    {"sendmail no rdns",
     "from helo.example ([192.0.2.1]) by mx.example (8.17.1/8.17.1) with ESMTP id X",
     "helo=helo.example ip=192.0.2.1 by=mx.example with=ESMTP id=X"},
    {"sendmail authenticated",
     "from h.example (r.example [192.0.2.1]) (authenticated bits=0) by mx.example "
     "(8.17.1/8.17.1) with ESMTPSA id X",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=ESMTPSA id=X +auth"},
    {"sendmail authenticated as",
     "from h.example ([192.0.2.1]) (authenticated as joe@x.example) by mx.example id X",
     "helo=h.example ip=192.0.2.1 by=mx.example id=X +auth"},
    {"sendmail literal HELO, real address in comment",
     "from [10.9.9.9] (r.example [192.0.2.1]) by mx.example",
     "helo=[10.9.9.9] rdns=r.example ip=192.0.2.1 by=mx.example"},
    /* Exim */
    {"exim literal with helo",
     "from [192.0.2.1] (helo=h.example) by mx.example with esmtp (Exim 4.96) (envelope-from "
     "<s@y.example>) id 1rwXyZ-000abc-12 for u@x.example; Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=h.example ip=192.0.2.1 by=mx.example with=esmtp id=1rwXyZ-000abc-12 for=u@x.example "
     "date=Tue, 16 Apr 2024 10:00:00 +0000"},
    {"exim rdns with helo",
     "from r.example ([192.0.2.1] helo=h.example) by mx.example with esmtps id 1rwX",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=esmtps id=1rwX"},
    {"exim rdns equal to helo", "from r.example ([192.0.2.1]) by mx.example with esmtp id 1rwX",
     "helo=r.example ip=192.0.2.1 by=mx.example with=esmtp id=1rwX"},
    {"exim port and helo",
     "from [192.0.2.1] (port=1234 helo=h.example) by mx.example with esmtp id 1rwX",
     "helo=h.example ip=192.0.2.1 by=mx.example with=esmtp id=1rwX"},
    {"exim incoming port and ident",
     "from r.example ([192.0.2.1]:54321 helo=h.example ident=joe) by mx.example with esmtp",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=esmtp"},
    {"exim helo literal", "from [192.0.2.1] (helo=[192.0.2.9]) by mx.example with esmtp",
     "helo=[192.0.2.9] ip=192.0.2.1 by=mx.example with=esmtp"},
    {"exim IPv6 without tag", "from [2001:db8::25] (helo=h.example) by mx.example with esmtp",
     "helo=h.example ip=2001:db8::25 by=mx.example with=esmtp"},
    {"exim local",
     "from joe by mx.example with local (Exim 4.96) (envelope-from <joe@x.example>) id 1rwX; "
     "Tue, 16 Apr 2024",
     "helo=joe by=mx.example with=local id=1rwX date=Tue, 16 Apr 2024"},
    /* qmail */
    {"qmail unknown",
     "from unknown (HELO h.example) (192.0.2.1) by mx.example with SMTP; 16 Apr 2024 10:00:00 "
     "-0000",
     "helo=h.example ip=192.0.2.1 by=mx.example with=SMTP date=16 Apr 2024 10:00:00 -0000"},
    {"qmail user at address",
     "from r.example (HELO h.example) (joe@192.0.2.1) by mx.example with SMTP",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=SMTP"},
    {"qmail helo omitted", "from r.example (192.0.2.1) by mx.example with SMTP",
     "helo=r.example ip=192.0.2.1 by=mx.example with=SMTP"},
    {"qmail invoked from network", "(qmail 12345 invoked from network); 16 Apr 2024 10:00:00 -0000",
     "none date=16 Apr 2024 10:00:00 -0000"},
    /* Microsoft */
    {"exchange online",
     "from AM6PR0102MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:20b:12::34) by "
     "DB7PR01MB5678.eurprd01.prod.exchangelabs.com (2603:10a6:10:34::12) with Microsoft SMTP "
     "Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7452.28; "
     "Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=am6pr0102mb1234.eurprd01.prod.exchangelabs.com ip=2603:10a6:20b:12::34 "
     "by=db7pr01mb5678.eurprd01.prod.exchangelabs.com with=Microsoft SMTP Server "
     "id=15.20.7452.28 date=Tue, 16 Apr 2024 10:00:00 +0000"},
    {"exchange frontend",
     "from mail.example.org (198.51.100.20) by AM5EUR02FT012.mail.protection.outlook.com "
     "(10.152.8.123) with Microsoft SMTP Server (version=TLS1_2, cipher=X) id 15.20.1234.5 via "
     "Frontend Transport; Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=mail.example.org ip=198.51.100.20 by=am5eur02ft012.mail.protection.outlook.com "
     "with=Microsoft SMTP Server id=15.20.1234.5 date=Tue, 16 Apr 2024 10:00:00 +0000"},
    {"office 365 outbound",
     "from EUR05-VI1-obe.outbound.protection.outlook.com (mail-vi1eur05on2041.outbound."
     "protection.outlook.com [40.107.21.41]) by mx.example (Postfix) with ESMTPS id ABC",
     "helo=eur05-vi1-obe.outbound.protection.outlook.com rdns=mail-vi1eur05on2041.outbound."
     "protection.outlook.com ip=40.107.21.41 by=mx.example with=ESMTPS id=ABC"},
    {"exchange smtpsvc",
     "from mail.example.org ([192.0.2.1]) by ex1.example.org with Microsoft SMTPSVC(6.0.3790."
     "4675); Tue, 16 Apr 2024 10:00:00 +0000",
     "helo=mail.example.org ip=192.0.2.1 by=ex1.example.org with=Microsoft SMTPSVC "
     "date=Tue, 16 Apr 2024 10:00:00 +0000"},
    /* Gmail */
    {"gmail",
     "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com "
     "with SMTPS id x5sor1234567.2.2024.04.16.10.00.00 for <u@x.example> (Google Transport "
     "Security); Tue, 16 Apr 2024 03:00:00 -0700 (PDT)",
     "helo=mail-sor-f41.google.com rdns=mail-sor-f41.google.com ip=209.85.220.41 "
     "by=mx.google.com with=SMTPS id=x5sor1234567.2.2024.04.16.10.00.00 for=u@x.example "
     "date=Tue, 16 Apr 2024 03:00:00 -0700 (PDT)"},
    {"gmail version comment",
     "from h.example (r.example. [192.0.2.1]) by mx.google.com with ESMTPS id y2si for "
     "<u@x.example> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); Tue, 16 Apr "
     "2024",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.google.com with=ESMTPS id=y2si "
     "for=u@x.example date=Tue, 16 Apr 2024"},
    {"gmail internal by IPv6",
     "by 2002:a05:6a10:a1cd:b0:4f2:1234:5678 with SMTP id abc; Tue, 16 Apr 2024",
     "by=2002:a05:6a10:a1cd:b0:4f2:1234:5678 with=SMTP id=abc date=Tue, 16 Apr 2024"},
    /* Courier and plain forms */
    {"courier auth",
     "from h.example (r.example [192.0.2.1]) (AUTH: LOGIN joe, TLS: TLSv1.3) by mx.example "
     "with ESMTPSA; Tue, 16 Apr 2024",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example with=ESMTPSA "
     "date=Tue, 16 Apr 2024 +auth"},
    {"literal without parentheses", "from h.example [192.0.2.1] by mx.example with SMTP",
     "helo=h.example ip=192.0.2.1 by=mx.example with=SMTP"},
    {"rdns and bare address", "from h.example (r.example 192.0.2.1) by mx.example",
     "helo=h.example rdns=r.example ip=192.0.2.1 by=mx.example"},
    {"bare address as the from value",
     "from 10.197.33.10 by sonic.example with HTTP; Tue, 16 Apr 2024",
     "helo=10.197.33.10 ip=10.197.33.10 by=sonic.example with=HTTP date=Tue, 16 Apr 2024"},
    {"mdaemon literal",
     "from [192.0.2.1] by mail.example (MDaemon PRO v10.0.2) with ESMTP id md5000123.msg for "
     "<u@x.example>; Tue, 16 Apr 2024",
     "helo=[192.0.2.1] ip=192.0.2.1 by=mail.example with=ESMTP id=md5000123.msg "
     "for=u@x.example date=Tue, 16 Apr 2024"},
    {"communigate literal and HELO",
     "from [192.0.2.1] (HELO h.example) by mail.example (CommuniGate Pro SMTP 6.1) with ESMTPS "
     "id 123 for u@x.example",
     "helo=h.example ip=192.0.2.1 by=mail.example with=ESMTPS id=123 for=u@x.example"},
    {"qmail address as the from value", "from 192.0.2.1 (HELO h.example) by mx.example with SMTP",
     "helo=h.example ip=192.0.2.1 by=mx.example with=SMTP"},
    {"amavis hop",
     "from mail.example ([127.0.0.1]) by localhost (mail.example [127.0.0.1]) (amavisd-new, "
     "port 10032) with ESMTP id abc for <u@x.example>; Tue, 16 Apr 2024",
     "helo=mail.example ip=127.0.0.1 by=localhost with=ESMTP id=abc for=u@x.example "
     "date=Tue, 16 Apr 2024"},
    {"domino",
     "from mail.example.com ([192.0.2.1]) by notes.example.com (Lotus Domino Release "
     "8.5.3FP6) with ESMTP id 2014041610000012-34 ; Tue, 16 Apr 2024",
     "helo=mail.example.com ip=192.0.2.1 by=notes.example.com with=ESMTP "
     "id=2014041610000012-34 date=Tue, 16 Apr 2024"},
    {"spaces inside the literal", "from a.example ( x.example [ 192.0.2.1 ] ) by b.example",
     "helo=a.example rdns=x.example ip=192.0.2.1 by=b.example"},
    {"RFC 5321 minimal", "from a.example by b.example; Tue, 16 Apr 2024",
     "helo=a.example by=b.example date=Tue, 16 Apr 2024"},
    {"keywords in any case", "FROM a.example (x [192.0.2.1]) BY b.example WITH ESMTP ID Q",
     "helo=a.example rdns=x ip=192.0.2.1 by=b.example with=ESMTP id=Q"},
    {"via clause", "from a.example (x [192.0.2.1]) by b.example via UUCP with X id Y",
     "helo=a.example rdns=x ip=192.0.2.1 by=b.example with=X id=Y"},
    {"id in angle brackets", "from a.example by b.example id <q1@b.example>",
     "helo=a.example by=b.example id=q1@b.example"},
    /* comments and CFWS */
    {"nested comments",
     "from a.example (x.example [192.0.2.1] (a (deeply (nested)) note)) (c) by b.example",
     "helo=a.example rdns=x.example ip=192.0.2.1 by=b.example"},
    {"quoted parentheses in a comment", "from a.example (x.example \\) [192.0.2.1]) by b.example",
     "helo=a.example ip=192.0.2.1 by=b.example"},
    {"keywords inside comments do not count",
     "from a.example (by evil.example with X id Y for <z>) (x [192.0.2.1]) by b.example",
     "helo=a.example rdns=x ip=192.0.2.1 by=b.example"},
    {"first address wins", "from a.example (x [192.0.2.1]) (y [198.51.100.1]) by b.example",
     "helo=a.example rdns=x ip=192.0.2.1 by=b.example"},
    {"tls words are no address",
     "from a.example (using TLSv1.2 with cipher X (128/128 bits)) by b.example",
     "helo=a.example by=b.example"},
    {"comment only before from", "(a note) from a.example (x [192.0.2.1]) by b.example",
     "helo=a.example rdns=x ip=192.0.2.1 by=b.example"},
    {"semicolon in a comment", "from a.example (x; y [192.0.2.1]) by b.example; Tue, 16 Apr 2024",
     "helo=a.example rdns=y ip=192.0.2.1 by=b.example date=Tue, 16 Apr 2024"},
    {"missing from value", "from (x [192.0.2.1]) by b.example", "rdns=x ip=192.0.2.1 by=b.example"},
    {"keyword where a value should be", "from by b.example", "by=b.example"},
    /* garbage and cuts */
    {"empty", "", "none"},
    {"garbage", "hello world; this is not a trace", "none date=this is not a trace"},
    {"bad literal", "from a.example (x [999.0.2.1]) by b.example", "helo=a.example by=b.example"},
    {"literal zone index", "from a.example (x [fe80::1%eth0]) by b.example",
     "helo=a.example by=b.example"},
    {"cut inside a comment", "from a.example (x.example [192.0.2.1]) by b.example (Postfix, fr",
     "helo=a.example rdns=x.example ip=192.0.2.1 by=b.example +cut"},
    {"cut inside the address", "from a.example (x.example [192.0.2", "helo=a.example +cut"},
    {"cut inside an address in a comment", "from a.example (x.example [192.0.2.12",
     "helo=a.example +cut"},
    {"cut inside a bare address", "from a.example (HELO h.example) (192.0.2.12",
     "helo=h.example rdns=a.example +cut"},
    {"literal unclosed inside a closed comment", "from a.example (x [192.0.2.1) by b.example",
     "helo=a.example by=b.example"},
    {"cut inside the from literal", "from [192.0.2.12", "helo=[192.0.2.12 +cut"},
    {"cut after the from value", "from 192.0.2.12", "helo=192.0.2.12"},
    {"from value then more", "from 192.0.2.12 ", "helo=192.0.2.12 ip=192.0.2.12"},
    {"unclosed angle", "from a.example by b.example for <u@x",
     "helo=a.example by=b.example "
     "for=u@x +cut"},
    {"stray closers", "from a.example ) ] > by b.example", "helo=a.example by=b.example"},
};

static void summarize(const struct ng_received *r, bool found, ng_buf *b)
{
	const char *names[] = {"helo", "rdns", "ip", "by", "with", "id", "for", "date"};
	const char *vals[] = {r->helo, r->rdns, r->ip, r->by, r->with, r->id, r->for_addr, r->date};

	if (!found)
		ng_buf_puts(b, "none");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (vals[i][0] == '\0')
			continue;
		ng_buf_printf(b, "%s%s=%s", b->len > 0 ? " " : "", names[i], vals[i]);
	}
	if (r->forged)
		ng_buf_printf(b, "%s+forged", b->len > 0 ? " " : "");
	if (r->authenticated)
		ng_buf_printf(b, "%s+auth", b->len > 0 ? " " : "");
	if (r->cut)
		ng_buf_printf(b, "%s+cut", b->len > 0 ? " " : "");
}

/* Parse `len` bytes of `in` and compare with the case's summary. */
static void check(const struct rcv_case *c, const char *in, size_t len, const char *how)
{
	static struct ng_received r;
	ng_buf got;
	ng_buf_init(&got, 4096);
	bool found = ng_received_parse(in, len, &r);
	summarize(&r, found, &got);
	const char *g = got.data != NULL ? got.data : "";
	if (strcmp(g, c->want) != 0)
		fail_msg("received \"%s\" (%s):\n got  %s\n want %s", c->name, how, g, c->want);
	if (r.has_ip) {
		struct ng_cidr_addr a;
		if (!ng_cidr_addr_parse(r.ip, &a) || memcmp(&a, &r.addr, sizeof(a)) != 0)
			fail_msg("received \"%s\" (%s): ip %s and addr differ", c->name, how, r.ip);
	}
	ng_buf_free(&got);
}

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcv_case *c = &cases[i];
		size_t n = strlen(c->in);
		check(c, c->in, n, "string");
		/* exactly the bytes, no NUL after them */
		char *copy = malloc(n + 1);
		assert_non_null(copy);
		memcpy(copy, c->in, n);
		check(c, copy, n, "length");
		free(copy);
		/* folded: every space a CRLF and a tab */
		char *fold = malloc(3 * n + 1);
		assert_non_null(fold);
		size_t o = 0;
		for (size_t k = 0; k < n; k++) {
			if (c->in[k] == ' ') {
				memcpy(fold + o, "\r\n\t", 3);
				o += 3;
			} else {
				fold[o++] = c->in[k];
			}
		}
		check(c, fold, o, "folded");
		free(fold);
	}
}

/* A field longer than its cap is cut and says so; the rest is intact. */
static void test_caps(void **state)
{
	(void)state;
	char in[2048], want_helo[NG_RELAY_RCV_NAME_MAX];
	struct ng_received r;
	memcpy(in, "from ", 5);
	memset(in + 5, 'a', 600);
	const char *tail = " (x.example [192.0.2.1]) by b.example";
	memcpy(in + 605, tail, strlen(tail) + 1);
	assert_true(ng_received_parse(in, strlen(in), &r));
	memset(want_helo, 'a', sizeof(want_helo) - 1);
	want_helo[sizeof(want_helo) - 1] = '\0';
	if (strcmp(r.helo, want_helo) != 0 || !r.cut || strcmp(r.ip, "192.0.2.1") != 0 ||
	    strcmp(r.by, "b.example") != 0)
		fail_msg("long helo:\n got  helo=%zu bytes cut=%d ip=%s by=%s\n want helo=%zu "
		         "bytes cut=1 ip=192.0.2.1 by=b.example",
		         strlen(r.helo), r.cut, r.ip, r.by, strlen(want_helo));

	/* "with" words past the cap */
	char w[1024];
	int n = snprintf(w, sizeof(w), "by b.example with");
	for (int i = 0; i < 30; i++)
		n += snprintf(w + n, sizeof(w) - (size_t)n, " word%02d", i);
	assert_true(ng_received_parse(w, strlen(w), &r));
	if (strlen(r.with) != NG_RELAY_RCV_WITH_MAX - 1 || !r.cut ||
	    strncmp(r.with, "word00 word01", 13) != 0)
		fail_msg("long with:\n got  %zu bytes \"%s\" cut=%d\n want %d bytes cut=1",
		         strlen(r.with), r.with, r.cut, NG_RELAY_RCV_WITH_MAX - 1);

	/* controls never reach a field */
	const char ctl[] = "from a\x01\x7f"
	                   "b by c";
	assert_true(ng_received_parse(ctl, sizeof(ctl) - 1, &r));
	if (strcmp(r.helo, "a??b") != 0)
		fail_msg("controls:\n got  helo=%s\n want helo=a??b", r.helo);

	/* a NUL inside the value is a byte like any other */
	const char nul[] = "from a\0b (x [192.0.2.1]) by c";
	assert_true(ng_received_parse(nul, sizeof(nul) - 1, &r));
	if (strcmp(r.helo, "a?b") != 0 || strcmp(r.ip, "192.0.2.1") != 0)
		fail_msg("NUL byte:\n got  helo=%s ip=%s\n want helo=a?b ip=192.0.2.1", r.helo,
		         r.ip);

	/* NULL is the empty value */
	assert_false(ng_received_parse(NULL, 5, &r));
	assert_false(r.has_ip);
}

/* Internal networks for the chain cases: a list of CIDR specs. */
struct nets {
	struct ng_cidr n[4];
	size_t count;
};

static bool internal(void *arg, const struct ng_cidr_addr *ip)
{
	const struct nets *ns = arg;
	for (size_t i = 0; i < ns->count; i++)
		if (ng_cidr_match(&ns->n[i], ip))
			return true;
	return false;
}

struct chain_case {
	const char *name;
	const char *hdrs[6]; /* newest first, NULL-terminated */
	const char *nets[4]; /* internal networks, NULL-terminated; NULL nets[0]: no predicate */
	bool no_predicate;
	int want_index;
	const char *want_ip;
};

#define RELAY_HOP   "from t.example (t.example [10.0.0.5]) by relay.example with ESMTPS id R"
#define TENANT_HOP  "from mx.example (mx.example [10.1.0.9]) by t.example with ESMTP id T"
#define ENTRY_HOP   "from forger.example (bad.example [203.0.113.7]) by mx.example id E"
#define FORGED_HOP  "from x (y [198.51.100.99]) by forged.example id F"
#define SUBMIT_HOP  "by mx.example (Postfix, from userid 1000) id S"
#define QMAIL_LOCAL "(qmail 123 invoked by uid 89); 16 Apr 2024"

static const struct chain_case chains[] = {
    {"entry below two internal hops",
     {RELAY_HOP, TENANT_HOP, ENTRY_HOP, FORGED_HOP, NULL},
     {"10.0.0.0/16", "10.1.0.0/16", NULL},
     false,
     2,
     "203.0.113.7"},
    {"hops without address skipped",
     {SUBMIT_HOP, RELAY_HOP, QMAIL_LOCAL, ENTRY_HOP, NULL},
     {"10.0.0.0/8", NULL},
     false,
     3,
     "203.0.113.7"},
    {"newest hop already external",
     {ENTRY_HOP, RELAY_HOP, NULL},
     {"10.0.0.0/8", NULL},
     false,
     0,
     "203.0.113.7"},
    {"no predicate: the first address",
     {SUBMIT_HOP, RELAY_HOP, ENTRY_HOP, NULL},
     {NULL},
     true,
     1,
     "10.0.0.5"},
    {"every hop internal", {RELAY_HOP, TENANT_HOP, NULL}, {"10.0.0.0/8", NULL}, false, -1, ""},
    {"no address at all", {SUBMIT_HOP, QMAIL_LOCAL, "garbage", NULL}, {NULL}, true, -1, ""},
    {"empty chain", {NULL}, {NULL}, true, -1, ""},
    {"IPv6 internal, IPv4-mapped entry",
     {"from a (a [IPv6:2001:db8::5]) by r", "from b (b [IPv6:::ffff:203.0.113.7]) by a", NULL},
     {"2001:db8::/32", NULL},
     false,
     1,
     "203.0.113.7"},
    {"mapped address matches an IPv4 network",
     {"from a (a [IPv6:::ffff:10.0.0.5]) by r", ENTRY_HOP, NULL},
     {"10.0.0.0/8", NULL},
     false,
     1,
     "203.0.113.7"},
};

static void test_chain(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		const struct chain_case *c = &chains[i];
		struct nets ns = {.count = 0};
		char err[256];
		for (size_t k = 0; c->nets[k] != NULL; k++)
			if (ng_cidr_parse(c->nets[k], &ns.n[ns.count++], err, sizeof(err)) != 0)
				fail_msg("chain \"%s\": %s", c->name, err);
		size_t n = 0;
		while (c->hdrs[n] != NULL)
			n++;
		struct ng_received hop;
		memset(&hop, 0x55, sizeof(hop));
		int got =
		    ng_received_entry(c->hdrs, n, c->no_predicate ? NULL : internal, &ns, &hop);
		if (got != c->want_index || strcmp(hop.ip, c->want_ip) != 0)
			fail_msg(
			    "chain \"%s\":\n got  index %d ip \"%s\"\n want index %d ip \"%s\"",
			    c->name, got, hop.ip, c->want_index, c->want_ip);
		if (got < 0 && hop.has_ip)
			fail_msg("chain \"%s\": no hop found but has_ip set", c->name);
	}
	/* A NULL entry is skipped; a NULL array is an empty chain. */
	const char *holes[] = {NULL, ENTRY_HOP};
	struct ng_received hop;
	assert_int_equal(ng_received_entry(holes, 2, NULL, NULL, &hop), 1);
	assert_int_equal(ng_received_entry(NULL, 3, NULL, NULL, &hop), -1);
}

/* The classifier keeps Received values in fixed rows; the chain reads them
 * through an array of pointers. */
static void test_classifier_rows(void **state)
{
	(void)state;
	char rows[3][NG_RELAY_RCV_NAME_MAX * 2];
	snprintf(rows[0], sizeof(rows[0]), "%s", RELAY_HOP);
	snprintf(rows[1], sizeof(rows[1]), "%s", TENANT_HOP);
	snprintf(rows[2], sizeof(rows[2]), "%s", ENTRY_HOP);
	const char *ptrs[3] = {rows[0], rows[1], rows[2]};
	struct nets ns = {.count = 1};
	char err[128];
	assert_int_equal(ng_cidr_parse("10.0.0.0/8", &ns.n[0], err, sizeof(err)), 0);
	struct ng_received hop;
	int got = ng_received_entry(ptrs, 3, internal, &ns, &hop);
	if (got != 2 || strcmp(hop.helo, "forger.example") != 0 ||
	    strcmp(hop.rdns, "bad.example") != 0)
		fail_msg("rows:\n got  %d helo=%s rdns=%s\n want 2 helo=forger.example "
		         "rdns=bad.example",
		         got, hop.helo, hop.rdns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_classifier_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
