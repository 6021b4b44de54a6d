/*
 * test_text.c - unit tests of the delivery-report text scanners
 * (lib/classify/text.h): addresses, RFC 3463 status codes, SMTP reply
 * codes, white-space squeezing, DSN address fields, case helpers.
 *
 * One table per scanner, named cases with got/want messages.  Every input
 * is also scanned from an exact-size heap copy, so that ASan catches a read
 * one byte past the (pointer, length) range the scanners promise to keep to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify/text.h"

/* An exact-size, not NUL-terminated heap copy of s. */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/* ----- addresses ----- */

struct addr_case {
	const char *name;
	const char *text;
	const char *want; /* NULL: none found */
};

static const struct addr_case addrs[] = {
    {"bare", "user@example.org", "user@example.org"},
    {"angle brackets", "<bob@mx.example.net>: host said", "bob@mx.example.net"},
    {"inside a sentence", "delivery to carol.smith+tag@sub.example.co.uk failed.",
     "carol.smith+tag@sub.example.co.uk"},
    {"trailing dot of a sentence dropped", "write to dave@example.org.", "dave@example.org"},
    {"domain without a dot is not an address", "root@localhost said no", NULL},
    {"address literal", "postmaster@[192.0.2.1] rejected", "postmaster@[192.0.2.1]"},
    {"leading = dropped", "to: =erin@example.org", "erin@example.org"},
    {"quotes dropped", "'frank@example.org'", "frank@example.org"},
    {"no local part", "@example.org", NULL},
    {"lone at sign", "a @ b", NULL},
    {"second candidate after a bad one", "x@y then real@example.com", "real@example.com"},
    {"domain ending in hyphen trimmed", "u@example.org-", "u@example.org"},
    {"UTF-8 local part", "j\xc3\xbcrgen@example.de", "j\xc3\xbcrgen@example.de"},
    {"empty", "", NULL},
};

static void test_addr(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const struct addr_case *c = &addrs[i];
		size_t len = strlen(c->text);
		char *t = exact(c->text, len);
		size_t at = 0, alen = 0;
		bool found = ng_text_find_addr(t, len, 0, &at, &alen);
		if (found != (c->want != NULL))
			fail_msg("addr \"%s\": found got %d want %d (at %zu len %zu)", c->name,
			         found, c->want != NULL, at, alen);
		if (found && (alen != strlen(c->want) || memcmp(t + at, c->want, alen) != 0))
			fail_msg("addr \"%s\": got \"%.*s\" want \"%s\"", c->name, (int)alen,
			         t + at, c->want);
		free(t);
	}
	/* from: start scanning after the first address */
	const char *two = "a@example.org, b@example.net";
	size_t at, alen;
	assert_true(ng_text_find_addr(two, strlen(two), 0, &at, &alen));
	assert_true(ng_text_find_addr(two, strlen(two), at + alen, &at, &alen));
	assert_int_equal(alen, 13);
	assert_memory_equal(two + at, "b@example.net", 13);
	assert_false(ng_text_find_addr(two, strlen(two), at + alen, &at, &alen));
}

/* ----- status codes ----- */

struct status_case {
	const char *name;
	const char *text;
	const char *want;
};

static const struct status_case statuses[] = {
    {"plain", "550 5.1.1 User unknown", "5.1.1"},
    {"three-digit fields", "status 5.7.509 access denied", "5.7.509"},
    {"temporary", "451 4.4.1 timeout", "4.4.1"},
    {"success", "250 2.0.0 Ok: queued", "2.0.0"},
    {"qmail style in parentheses", "no mailbox here by that name. (#5.1.1)", "5.1.1"},
    {"IP address is not a status", "host 5.1.1.4 refused", NULL},
    {"version is not a status", "Postfix 3.5.1 here", NULL},
    {"after a dot is not a status", "v1.5.1.1", NULL},
    {"first class digit must be 2, 4 or 5", "code 3.1.1 odd", NULL},
    {"at the very end", "said 5.2.2", "5.2.2"},
    {"too short", "5.1.", NULL},
    {"empty", "", NULL},
};

static void test_status(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		const struct status_case *c = &statuses[i];
		size_t len = strlen(c->text);
		char *t = exact(c->text, len);
		char out[16] = "";
		bool found = ng_text_find_status(t, len, out, sizeof(out));
		if (found != (c->want != NULL))
			fail_msg("status \"%s\": found got %d (\"%s\") want %d", c->name, found,
			         out, c->want != NULL);
		if (found && strcmp(out, c->want) != 0)
			fail_msg("status \"%s\": got \"%s\" want \"%s\"", c->name, out, c->want);
		free(t);
	}
	char tiny[4];
	assert_false(ng_text_find_status("5.1.1", 5, tiny, sizeof(tiny)));
}

/* ----- reply codes ----- */

struct reply_case {
	const char *name;
	const char *text;
	int want;
};

static const struct reply_case replies[] = {
    {"plain", "550 5.1.1 User unknown", 550},
    {"continuation dash", "550-5.1.1 The email account", 550},
    {"in parentheses", "said (554)", 554},
    {"temporary", "host said: 421 try later", 421},
    {"success", "250 ok", 250},
    {"at the end", "code 552", 552},
    {"part of a number", "id 15500 queued", 0},
    {"followed by a letter", "550x", 0},
    {"after a colon", "port:550 ", 0},
    {"second digit over 5", "299 is not; 599 neither", 0},
    {"class 3 ignored", "354 go ahead", 0},
    {"first valid one", "queue 12345 then 451 retry", 451},
    {"empty", "", 0},
};

static void test_reply(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *c = &replies[i];
		size_t len = strlen(c->text);
		char *t = exact(c->text, len);
		int got = ng_text_find_reply(t, len);
		if (got != c->want)
			fail_msg("reply \"%s\": got %d want %d", c->name, got, c->want);
		free(t);
	}
}

/* ----- squeeze, append, DSN addresses, lower, contains ----- */

struct str_case {
	const char *name;
	const char *in;
	size_t cap;
	const char *want;
};

static const struct str_case squeezes[] = {
    {"runs and ends", "  a \t\r\n b   c  ", 64, "a b c"},
    {"nothing to do", "abc", 64, "abc"},
    {"all white space", " \t\n ", 64, ""},
    {"cut at cap", "abcdef", 4, "abc"},
    {"cut inside a run keeps no trailing space", "ab    cd", 4, "ab"},
    {"empty", "", 8, ""},
};

static const struct str_case dsn_addrs[] = {
    {"rfc822 type", "rfc822; bob@example.org", 64, "bob@example.org"},
    {"angle brackets", "rfc822;<bob@example.org>", 64, "bob@example.org"},
    {"comment after", "rfc822; bob@example.org (Bob)", 64, "bob@example.org"},
    {"no type", "  <carol@example.org>", 64, "carol@example.org"},
    {"quoted", "rfc822; \"dave@example.org\"", 64, "dave@example.org"},
    {"cut at cap", "rfc822; erin@example.org", 5, "erin"},
    {"empty after type", "rfc822;", 64, ""},
};

static void test_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(squeezes) / sizeof(squeezes[0]); i++) {
		const struct str_case *c = &squeezes[i];
		char out[64];
		char *t = exact(c->in, strlen(c->in));
		size_t n = ng_text_squeeze(out, c->cap, t, strlen(c->in));
		if (strcmp(out, c->want) != 0 || n != strlen(out))
			fail_msg("squeeze \"%s\": got \"%s\" (%zu) want \"%s\"", c->name, out, n,
			         c->want);
		free(t);
	}
	for (size_t i = 0; i < sizeof(dsn_addrs) / sizeof(dsn_addrs[0]); i++) {
		const struct str_case *c = &dsn_addrs[i];
		char out[64];
		char *t = exact(c->in, strlen(c->in));
		size_t n = ng_text_dsn_addr(t, strlen(c->in), out, c->cap);
		if (strcmp(out, c->want) != 0 || n != strlen(out))
			fail_msg("dsn_addr \"%s\": got \"%s\" (%zu) want \"%s\"", c->name, out, n,
			         c->want);
		free(t);
	}

	char buf[16] = "";
	ng_text_append(buf, sizeof(buf), " first ", 7);
	assert_string_equal(buf, "first");
	ng_text_append(buf, sizeof(buf), "second\tword", 11);
	assert_string_equal(buf, "first second wo");
	ng_text_append(buf, sizeof(buf), "more", 4); /* full: unchanged */
	assert_string_equal(buf, "first second wo");
	char b2[16] = "x";
	ng_text_append(b2, sizeof(b2), "   ", 3); /* nothing to add: no trailing space */
	assert_string_equal(b2, "x");

	char low[8];
	ng_text_lower(low, sizeof(low), "MiXeD-CaSe", 10);
	assert_string_equal(low, "mixed-c");
	ng_text_lower(low, sizeof(low), "\xc3\x89T\xc3\x89", 5);
	assert_string_equal(low, "\xc3\x89t\xc3\x89");
	ng_text_lower(low, 0, "x", 1); /* cap 0: nothing written */

	static const struct {
		const char *hay;
		const char *needle;
		bool want;
	} cont[] = {
	    {"Mailbox FULL", "full", true},
	    {"Mailbox", "mailbox", true},
	    {"Mailbo", "mailbox", false},
	    {"anything", "", true},
	    {"", "x", false},
	    {"over QuOtA now", "quota", true},
	};
	for (size_t i = 0; i < sizeof(cont) / sizeof(cont[0]); i++) {
		size_t n = strlen(cont[i].hay);
		char *t = exact(cont[i].hay, n);
		if (ng_text_contains(t, n, cont[i].needle) != cont[i].want)
			fail_msg("contains(\"%s\", \"%s\") want %d", cont[i].hay, cont[i].needle,
			         cont[i].want);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
