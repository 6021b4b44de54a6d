/*
 * test_tenants.c - unit tests of the relay_tenants map (lib/relay/tenants.h).
 *
 * Two tables of named cases.  The load table gives a map text (parsed as
 * the file "t") and either "ok N" (N tenants) or the exact error message.
 * The lookup table gives one map and, per case, a login and an address
 * (NULL: none) and the answer as "NAME login" / "NAME /BITS" or "-".
 * Then the file reader: a real file, a missing one, one over the cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "relay/tenants.h"
#include "util/buf.h"
#include "util/limits.h"

struct load_case {
	const char *name;
	const char *text;
	const char *want;
};

static const struct load_case loads[] = {
    {"empty file", "", "ok 0"},
    {"comments and blank lines only", "# nothing\n\n   \n\t# indented\n", "ok 0"},
    {"one tenant", "acme 192.0.2.0/24\n", "ok 1"},
    {"no final newline", "acme 192.0.2.0/24", "ok 1"},
    {"networks and logins", "acme 192.0.2.0/24 2001:db8:a::/48 joe smtp@acme.example\n", "ok 1"},
    {"commas and spaces", "acme 192.0.2.0/24,2001:db8:a::/48 , joe,,bob\n", "ok 1"},
    {"continuation lines", "acme 192.0.2.0/24\n  joe\n\tbob@acme.example\nbeta 198.51.100.7\n",
     "ok 2"},
    {"comment and blank line between continuations",
     "acme 192.0.2.0/24\n# a note\n\n  joe\n    # indented note\n  bob\n", "ok 1"},
    {"comment after the words", "acme 192.0.2.0/24 # the office\n  joe #bob\n", "ok 1"},
    {"CRLF", "acme 192.0.2.0/24\r\n  joe\r\n\r\nbeta 198.51.100.7\r\n", "ok 2"},
    {"bare addresses", "acme 192.0.2.1 2001:db8::1\n", "ok 1"},
    {"kerberos principal is a login", "acme user/admin@EXAMPLE.ORG\n", "ok 1"},
    {"logins differing in the local part's case", "acme Joe@x.example\nbeta joe@x.example\n",
     "ok 2"},
    {"overlapping networks", "acme 10.0.0.0/8\nbeta 10.1.0.0/16\n", "ok 2"},
    {"continuation before any tenant", "  joe\nacme 192.0.2.1\n",
     "t:1: continuation line without a tenant above"},
    {"bad tenant name", "# x\na/b 192.0.2.1\n",
     "t:2: tenant name 'a/b': use 1..63 of A-Z a-z 0-9 . _ -"},
    {"tenant name too long",
     "a123456789012345678901234567890123456789012345678901234567890123 192.0.2.1\n",
     "t:1: tenant name 'a123456789012345678901234567890123456789012345678901234567890123': "
     "use 1..63 of A-Z a-z 0-9 . _ -"},
    {"tenant without networks or logins", "acme\n  # nothing\nbeta 192.0.2.1\n",
     "t:1: tenant 'acme' has no networks or logins"},
    {"last tenant without networks", "acme 192.0.2.1\nbeta\n",
     "t:2: tenant 'beta' has no networks or logins"},
    {"forgotten indentation", "acme\n192.0.2.0/24\n",
     "t:1: tenant 'acme' has no networks or logins"},
    {"host bits set", "acme 192.0.2.1/24\n",
     "t:1: tenant 'acme': '192.0.2.1/24': host bits set below the prefix (did you mean "
     "192.0.2.0/24?)"},
    {"host bits set IPv6", "acme joe\n  2001:db8::1/32\n",
     "t:2: tenant 'acme': '2001:db8::1/32': host bits set below the prefix (did you mean "
     "2001:db8::/32?)"},
    {"address typo is no login", "acme 192.0.2.300\n",
     "t:1: tenant 'acme': '192.0.2.300': not an IPv4 or IPv6 address"},
    {"prefix too long", "acme 10.0.0.0/33\n",
     "t:1: tenant 'acme': '10.0.0.0/33': prefix length must be 0..32"},
    {"slash before a number", "acme example/24\n",
     "t:1: tenant 'acme': 'example/24': not an IPv4 or IPv6 address"},
    {"duplicate tenant", "acme 192.0.2.1\nbeta joe\nacme 192.0.2.2\n",
     "t:3: tenant 'acme' defined again (first at line 1)"},
    {"login of two tenants", "acme joe\nbeta bob\n  joe\n",
     "t:3: tenant 'beta': login 'joe' already belongs to tenant 'acme' (line 1)"},
    {"login twice in one tenant", "acme joe\n  bob joe\n",
     "t:2: tenant 'acme': login 'joe' given twice (first at line 1)"},
    {"login domain without case", "acme joe@Example.COM\nbeta joe@example.com\n",
     "t:2: tenant 'beta': login 'joe@example.com' already belongs to tenant 'acme' (line 1)"},
    {"network of two tenants", "acme 192.0.2.0/24\nbeta 192.0.2.0/24\n",
     "t:2: tenant 'beta': network '192.0.2.0/24' already belongs to tenant 'acme' (line 1)"},
    {"same network written twice", "acme 192.0.2.1 joe\n  192.0.2.1/32\n",
     "t:2: tenant 'acme': network '192.0.2.1/32' given twice (first at line 1)"},
    {"same IPv6 network in two cases", "acme 2001:DB8::/32\nbeta 2001:db8::/32\n",
     "t:2: tenant 'beta': network '2001:db8::/32' already belongs to tenant 'acme' (line 1)"},
    {"earliest duplicate reported", "a 10.0.0.1\nb joe\nc bob\nd joe\ne 10.0.0.1\nc 1.2.3.4\n",
     "t:4: tenant 'd': login 'joe' already belongs to tenant 'b' (line 2)"},
    {"NUL byte", NULL, "t:2: NUL byte"},
    {"control character",
     "acme jo\x01"
     "e\n",
     "t:1: tenant 'acme': control character in 'jo\x01"
     "e'"},
    {"login too long", NULL,
     "t:1: tenant 'acme': '"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' longer than 255 bytes"},
    {"line and continuations too long", NULL,
     "t:328: line and its continuations longer than 262144 bytes"},
    {"too many tenants", NULL, "t:100001: more than 100000 tenants"},
};

/* The inputs too big or too binary for the table. */
static void build(const struct load_case *c, ng_buf *b)
{
	if (c->text != NULL) {
		ng_buf_puts(b, c->text);
	} else if (strcmp(c->name, "NUL byte") == 0) {
		ng_buf_append(b, "acme joe\n  b\0b\n", 15);
	} else if (strcmp(c->name, "login too long") == 0) {
		ng_buf_puts(b, "acme ");
		for (int i = 0; i < NG_RELAY_LOGIN_MAX; i++)
			ng_buf_puts(b, "x");
		ng_buf_puts(b, "\n");
	} else if (strcmp(c->name, "line and continuations too long") == 0) {
		/* 8-byte logins, 40,000 of them on continuation lines of 100 */
		ng_buf_puts(b, "acme 192.0.2.1\n");
		for (int l = 0; l < 400; l++) {
			ng_buf_puts(b, " ");
			for (int i = 0; i < 100; i++)
				ng_buf_printf(b, " u%06d", l * 100 + i);
			ng_buf_puts(b, "\n");
		}
	} else if (strcmp(c->name, "too many tenants") == 0) {
		for (int i = 0; i <= NG_RELAY_TENANTS_MAX; i++)
			ng_buf_printf(b, "t%d u%d\n", i, i);
	}
	assert_false(b->overflow || b->failed);
}

static void test_load(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		const struct load_case *c = &loads[i];
		ng_buf in;
		ng_buf_init(&in, 16 << 20);
		build(c, &in);
		char err[512] = "";
		char got[600];
		struct ng_tenants *t =
		    ng_tenants_parse("t", in.data != NULL ? in.data : "", in.len, err, sizeof(err));
		if (t != NULL)
			snprintf(got, sizeof(got), "ok %zu", ng_tenants_count(t));
		else
			snprintf(got, sizeof(got), "%s", err);
		if (strcmp(got, c->want) != 0)
			fail_msg("tenants \"%s\":\n got  %s\n want %s", c->name, got, c->want);
		ng_tenants_free(t);
		ng_buf_free(&in);
	}
}

static const char *const MAP = "# the lookup table's map\n"
                               "acme   192.0.2.0/24, 2001:db8:a::/48\n"
                               "       joe@Acme.Example smtp-acme\n"
                               "beta   198.51.100.7 Joe@acme.example\n"
                               "wide   10.0.0.0/8\n"
                               "mid    10.1.0.0/16 2001:db8::/32\n"
                               "narrow 10.1.2.0/24 10.1.2.3\n"
                               "all    0.0.0.0/0 ::/0\n";

struct lookup_case {
	const char *name;
	const char *login;
	const char *ip;
	const char *want;
};

static const struct lookup_case lookups[] = {
    {"login", "smtp-acme", NULL, "acme login"},
    {"login with domain", "joe@acme.example", NULL, "acme login"},
    {"login domain in another case", "joe@ACME.example", NULL, "acme login"},
    {"login local part in another case", "Joe@Acme.Example", NULL, "beta login"},
    {"login local part case is exact", "JOE@acme.example", "203.0.113.1", "all /0"},
    {"login before address", "smtp-acme", "198.51.100.7", "acme login"},
    {"unknown login falls back to the address", "nobody", "198.51.100.7", "beta /32"},
    {"empty login is none", "", "192.0.2.77", "acme /24"},
    {"longest prefix: host", NULL, "10.1.2.3", "narrow /32"},
    {"longest prefix: /24", NULL, "10.1.2.4", "narrow /24"},
    {"longest prefix: /16", NULL, "10.1.3.1", "mid /16"},
    {"longest prefix: /8", NULL, "10.2.0.1", "wide /8"},
    {"default route", NULL, "203.0.113.9", "all /0"},
    {"IPv6 /48", NULL, "2001:db8:a::25", "acme /48"},
    {"IPv6 /32", NULL, "2001:db8:b::25", "mid /32"},
    {"IPv6 default", NULL, "2001:db9::1", "all /0"},
    {"IPv4-mapped address", NULL, "::ffff:10.1.2.3", "narrow /32"},
    {"not an address", NULL, "10.1.2", "-"},
    {"nothing asked", NULL, NULL, "-"},
};

static void test_lookup(void **state)
{
	(void)state;
	char err[256];
	struct ng_tenants *t = ng_tenants_parse("map", MAP, strlen(MAP), err, sizeof(err));
	if (t == NULL)
		fail_msg("map: %s", err);
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup_case *c = &lookups[i];
		struct ng_tenant tn;
		char got[128];
		if (!ng_tenants_lookup_text(t, c->login, c->ip, &tn))
			snprintf(got, sizeof(got), "-");
		else if (tn.by_login)
			snprintf(got, sizeof(got), "%s login", tn.name);
		else
			snprintf(got, sizeof(got), "%s /%u", tn.name, tn.bits);
		if (strcmp(got, c->want) != 0)
			fail_msg("lookup \"%s\":\n got  %s\n want %s", c->name, got, c->want);
		if (strcmp(got, "-") != 0 && strcmp(ng_tenants_name(t, tn.index), tn.name) != 0)
			fail_msg("lookup \"%s\": index %zu names %s", c->name, tn.index,
			         ng_tenants_name(t, tn.index));
	}
	/* without a map there is no tenant; a map without networks has none by address */
	struct ng_tenant tn;
	assert_false(ng_tenants_lookup_text(NULL, "joe", "10.0.0.1", &tn));
	struct ng_tenants *only = ng_tenants_parse("x", "solo joe\n", 9, err, sizeof(err));
	assert_non_null(only);
	assert_false(ng_tenants_lookup_text(only, NULL, "10.0.0.1", &tn));
	assert_true(ng_tenants_lookup_text(only, "joe", NULL, &tn));
	ng_tenants_free(only);
	ng_tenants_free(t);
}

/* Names, indexes in file order, find by name. */
static void test_names(void **state)
{
	(void)state;
	char err[256];
	struct ng_tenants *t = ng_tenants_parse("map", MAP, strlen(MAP), err, sizeof(err));
	assert_non_null(t);
	static const char *const want[] = {"acme", "beta", "wide", "mid", "narrow", "all"};
	assert_int_equal(ng_tenants_count(t), 6);
	for (size_t i = 0; i < 6; i++) {
		const char *got = ng_tenants_name(t, i);
		if (got == NULL || strcmp(got, want[i]) != 0)
			fail_msg("name %zu:\n got  %s\n want %s", i, got ? got : "(null)", want[i]);
		if (ng_tenants_find(t, want[i]) != (long)i)
			fail_msg("find %s:\n got  %ld\n want %zu", want[i],
			         ng_tenants_find(t, want[i]), i);
	}
	assert_null(ng_tenants_name(t, 6));
	assert_int_equal(ng_tenants_find(t, "nobody"), -1);
	assert_int_equal(ng_tenants_find(t, "ACME"), -1);
	assert_int_equal(ng_tenants_count(NULL), 0);
	ng_tenants_free(t);
	ng_tenants_free(NULL);
}

/* A temporary file with `len` bytes of text (or a hole of len bytes). */
static char *temp_file(const char *text, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/ng-tenants-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	if (text != NULL)
		assert_int_equal(write(fd, text, len), (ssize_t)len);
	else
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
	close(fd);
	return path;
}

static void test_file(void **state)
{
	(void)state;
	char err[512], want[600];
	char *path = temp_file(MAP, strlen(MAP));
	struct ng_tenants *t = ng_tenants_load(path, err, sizeof(err));
	if (t == NULL)
		fail_msg("load %s: %s", path, err);
	assert_int_equal(ng_tenants_count(t), 6);
	ng_tenants_free(t);
	unlink(path);

	path = temp_file("acme joe\nbeta joe\n", 18);
	assert_null(ng_tenants_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "%s:2: tenant 'beta': login 'joe' already belongs to tenant 'acme' (line 1)",
	         path);
	if (strcmp(err, want) != 0)
		fail_msg("bad file:\n got  %s\n want %s", err, want);
	unlink(path);

	assert_null(ng_tenants_load("/nonexistent/relay_tenants", err, sizeof(err)));
	if (strcmp(err, "/nonexistent/relay_tenants: No such file or directory") != 0)
		fail_msg("missing file:\n got  %s\n want /nonexistent/relay_tenants: No such file "
		         "or directory",
		         err);

	path = temp_file(NULL, (size_t)NG_RELAY_TENANTS_FILE_MAX + 1);
	assert_null(ng_tenants_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than %d bytes", path, NG_RELAY_TENANTS_FILE_MAX);
	if (strcmp(err, want) != 0)
		fail_msg("big file:\n got  %s\n want %s", err, want);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
