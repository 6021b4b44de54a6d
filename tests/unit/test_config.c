/*
 * test_config.c - unit tests of the configuration (lib/config).
 *
 * Tables of named cases: file text in, and either the expected value of
 * some keys or the expected error (with its file:line).  Then -o
 * overrides, printing (-n), the typed accessors, listen addresses, and the
 * table itself (every key has a default that passes its own checks).
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

#include "ndrguard/config.h"

struct load_case {
	const char *name;
	const char *text;
	const char *want_err; /* NULL: must load; else the exact error */
	enum ng_key key;      /* checked when want is set */
	const char *want;     /* the key's printed value */
	const char *want_where;
};

static const struct load_case load_cases[] = {
    {"empty file", "", NULL, NG_K_DNSBL_MODE, "safe", "default"},
    {"comment and blank lines", "# a comment\n\n   \n\t# indented comment\n", NULL,
     NG_K_DNSBL_ACTION, "reject", "default"},
    {"simple string", "dnsbl_tag_header = X-Test\n", NULL, NG_K_DNSBL_TAG_HEADER, "X-Test",
     "t.conf:1"},
    {"no spaces around =", "dnsbl_action=tag\n", NULL, NG_K_DNSBL_ACTION, "tag", "t.conf:1"},
    {"enum is case-insensitive, printed canonical", "dnsbl_action = DRY-RUN\n", NULL,
     NG_K_DNSBL_ACTION, "dry-run", "t.conf:1"},
    {"last assignment wins", "dnsbl_mode = all\ndnsbl_mode = safe\n", NULL, NG_K_DNSBL_MODE, "safe",
     "t.conf:2"},
    {"list with commas and spaces", "bounce_senders = <>,postmaster  mailer-daemon ,, x\n", NULL,
     NG_K_BOUNCE_SENDERS, "<>, postmaster, mailer-daemon, x", "t.conf:1"},
    {"empty list", "exempt_recipients =\n", NULL, NG_K_EXEMPT_RECIPIENTS, "", "t.conf:1"},
    {"continuation lines",
     "dnsbl_zones = a.example=127.0.0.2,\n    b.example=127.0.0.[2..11]\n\t c.example\n", NULL,
     NG_K_DNSBL_ZONES, "a.example=127.0.0.2, b.example=127.0.0.[2..11], c.example", "t.conf:1"},
    {"comment inside a continued value is skipped",
     "exempt_networks = 192.0.2.0/24\n# note\n  198.51.100.0/24\n", NULL, NG_K_EXEMPT_NETWORKS,
     "192.0.2.0/24, 198.51.100.0/24", "t.conf:1"},
    {"CRLF line ends", "dnsbl_action = tag\r\ndnsbl_mode = all\r\n", NULL, NG_K_DNSBL_MODE, "all",
     "t.conf:2"},
    {"no final newline", "dns_tries = 3", NULL, NG_K_DNS_TRIES, "3", "t.conf:1"},
    {"value keeps '#'", "dnsbl_reject_text = see #faq\n", NULL, NG_K_DNSBL_REJECT_TEXT, "see #faq",
     "t.conf:1"},
    {"time with unit", "dnsbl_cache_max_ttl = 2h\n", NULL, NG_K_DNSBL_CACHE_MAX_TTL, "2h",
     "t.conf:1"},
    {"listen unix", "policyd_listen = unix:/run/ndrguard/policy\n", NULL, NG_K_POLICYD_LISTEN,
     "unix:/run/ndrguard/policy", "t.conf:1"},
    {"listen ipv6", "policyd_listen = inet:[::1]:10040\n", NULL, NG_K_POLICYD_LISTEN,
     "inet:[::1]:10040", "t.conf:1"},

    {"unknown key", "dnsbl_zone = x\n", "t.conf:1: unknown key 'dnsbl_zone'", 0, NULL, NULL},
    {"unknown key on line 3", "# c\ndnsbl_mode = safe\nbogus = 1\n",
     "t.conf:3: unknown key 'bogus'", 0, NULL, NULL},
    {"missing =", "dnsbl_mode safe\n", "t.conf:1: expected '=' after 'dnsbl_mode'", 0, NULL, NULL},
    {"garbage line", "=== ===\n", "t.conf:1: expected 'name = value'", 0, NULL, NULL},
    {"bad enum", "dnsbl_action = drop\n",
     "t.conf:1: dnsbl_action: 'drop' is not one of reject|tempfail|tag|dry-run", 0, NULL, NULL},
    {"bad number", "dns_tries = two\n", "t.conf:1: dns_tries: 'two': not a number", 0, NULL, NULL},
    {"number out of range", "dns_tries = 0\n", "t.conf:1: dns_tries: 0 out of range (1..10)", 0,
     NULL, NULL},
    {"bad time unit", "dns_timeout = 2y\n",
     "t.conf:1: dns_timeout: '2y': unknown time unit (use s, m, h, d or w)", 0, NULL, NULL},
    {"time out of range", "dns_timeout = 2m\n",
     "t.conf:1: dns_timeout: 2m out of range (1..60 seconds)", 0, NULL, NULL},
    {"huge number", "dnsbl_cache_size = 99999999999999999999999\n",
     "t.conf:1: dnsbl_cache_size: '99999999999999999999999': number too large", 0, NULL, NULL},
    {"continuation first", "  dnsbl_mode = safe\n",
     "t.conf:1: continuation line without a 'name = value' before it", 0, NULL, NULL},
    {"bad listen", "policyd_listen = 127.0.0.1:10040\n",
     "t.conf:1: policyd_listen: '127.0.0.1:10040': expected inet:HOST:PORT or unix:PATH", 0, NULL,
     NULL},
    {"listen port 0", "policyd_listen = inet:127.0.0.1:0\n",
     "t.conf:1: policyd_listen: 'inet:127.0.0.1:0': port must be 1..65535", 0, NULL, NULL},
    {"listen relative unix path", "policyd_listen = unix:policy\n",
     "t.conf:1: policyd_listen: 'unix:policy': unix:PATH needs an absolute path", 0, NULL, NULL},
    {"error names the first line of a continued value", "dnsbl_mode = safe\ndns_tries =\n  x\n",
     "t.conf:2: dns_tries: 'x': not a number", 0, NULL, NULL},
};

static void test_load_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct ng_config *cfg = ng_config_new();
		assert_non_null(cfg);
		char err[512] = "";
		int rc =
		    ng_config_parse_text(cfg, "t.conf", c->text, strlen(c->text), err, sizeof(err));
		if (c->want_err != NULL) {
			if (rc == 0 || strcmp(err, c->want_err) != 0) {
				print_error("%s: got rc %d err \"%s\", want error \"%s\"\n",
				            c->name, rc, err, c->want_err);
				failures++;
			}
		} else if (rc != 0) {
			print_error("%s: got error \"%s\", want success\n", c->name, err);
			failures++;
		} else {
			char buf[512];
			ng_config_format(cfg, c->key, buf, sizeof(buf));
			const char *where = ng_config_where(cfg, c->key);
			if (strcmp(buf, c->want) != 0 || strcmp(where, c->want_where) != 0) {
				print_error("%s: got \"%s\" from %s, want \"%s\" from %s\n",
				            c->name, buf, where, c->want, c->want_where);
				failures++;
			}
		}
		ng_config_free(cfg);
	}
	assert_int_equal(failures, 0);
}

static void test_typed_values(void **state)
{
	(void)state;
	struct ng_config *cfg = ng_config_new();
	assert_non_null(cfg);
	const char *text = "dns_timeout = 1m\ndnsbl_cache_size = 42\n"
	                   "exempt_recipients = postmaster@*, abuse@example.org\n";
	char err[256];
	assert_int_equal(ng_config_parse_text(cfg, "t", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(ng_config_int(cfg, NG_K_DNS_TIMEOUT), 60);
	assert_int_equal(ng_config_int(cfg, NG_K_DNSBL_CACHE_SIZE), 42);
	assert_int_equal(ng_config_int(cfg, NG_K_DNSBL_CACHE_MAX_TTL), 3600); /* default 1h */
	const char *const *items;
	assert_int_equal(ng_config_list(cfg, NG_K_EXEMPT_RECIPIENTS, &items), 2);
	assert_string_equal(items[0], "postmaster@*");
	assert_string_equal(items[1], "abuse@example.org");
	assert_null(items[2]);
	assert_int_equal(ng_config_list(cfg, NG_K_DNS_SERVERS, &items), 0);
	assert_null(items[0]);
	assert_string_equal(ng_config_str(cfg, NG_K_POLICYD_LISTEN), "inet:127.0.0.1:10040");
	ng_config_free(cfg);
}

static void test_overrides(void **state)
{
	(void)state;
	struct ng_config *cfg = ng_config_new();
	char err[256];
	assert_int_equal(ng_config_override(cfg, "dnsbl_action=tag", err, sizeof(err)), 0);
	assert_string_equal(ng_config_str(cfg, NG_K_DNSBL_ACTION), "tag");
	assert_string_equal(ng_config_where(cfg, NG_K_DNSBL_ACTION), "-o");
	assert_true(ng_config_is_set(cfg, NG_K_DNSBL_ACTION));
	assert_false(ng_config_is_set(cfg, NG_K_DNSBL_MODE));
	assert_int_equal(ng_config_override(cfg, " dns_tries = 4 ", err, sizeof(err)), 0);
	assert_int_equal(ng_config_int(cfg, NG_K_DNS_TRIES), 4);
	assert_int_equal(ng_config_override(cfg, "dnsbl_action=maybe", err, sizeof(err)), -1);
	assert_string_equal(err, "-o dnsbl_action=maybe: dnsbl_action: 'maybe' is not one of "
	                         "reject|tempfail|tag|dry-run");
	/* A failed override leaves the earlier value. */
	assert_string_equal(ng_config_str(cfg, NG_K_DNSBL_ACTION), "tag");
	assert_int_equal(ng_config_override(cfg, "nokey=1", err, sizeof(err)), -1);
	assert_string_equal(err, "-o nokey=1: unknown key 'nokey'");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ng_config_print(cfg, f, true);
	fclose(f);
	assert_string_equal(buf, "dns_tries = 4\ndnsbl_action = tag\n");
	free(buf);
	ng_config_free(cfg);
}

static void test_setup(void **state)
{
	(void)state;
	char path[] = "/tmp/ndrguard-test-config.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "dnsbl_action = tempfail\ndnsbl_mode = all\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	const char *ov[] = {"dnsbl_mode=safe"};
	char err[512];
	struct ng_config *cfg = ng_config_setup(path, ov, 1, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(ng_config_str(cfg, NG_K_DNSBL_ACTION), "tempfail");
	assert_string_equal(ng_config_str(cfg, NG_K_DNSBL_MODE), "safe"); /* -o wins */
	char want_where[64];
	snprintf(want_where, sizeof(want_where), "%s:1", path);
	assert_string_equal(ng_config_where(cfg, NG_K_DNSBL_ACTION), want_where);
	ng_config_free(cfg);
	unlink(path);
	assert_null(ng_config_setup(path, NULL, 0, err, sizeof(err)));
	char want[256];
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
}

struct listen_case {
	const char *spec;
	int rc;
	bool is_unix;
	const char *host;
	unsigned port;
};

static const struct listen_case listen_cases[] = {
    {"inet:127.0.0.1:10040", 0, false, "127.0.0.1", 10040},
    {"inet:localhost:25", 0, false, "localhost", 25},
    {"inet:*:10040", 0, false, "", 10040},
    {"inet:[::1]:10040", 0, false, "::1", 10040},
    {"unix:/run/x.sock", 0, true, "", 0},
    {"inet:::1:10040", -1, false, "", 0},
    {"inet:127.0.0.1:65536", -1, false, "", 0},
    {"inet:127.0.0.1:", -1, false, "", 0},
    {"inet::25", -1, false, "", 0},
    {"inet:[::1]10040", -1, false, "", 0},
    {"tcp:127.0.0.1:1", -1, false, "", 0},
    {"inet:a b:1", -1, false, "", 0},
};

static void test_listen(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		const struct listen_case *c = &listen_cases[i];
		struct ng_listen l;
		char err[200];
		int rc = ng_listen_parse(c->spec, &l, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("%s: got rc %d, want %d (%s)", c->spec, rc, c->rc, err);
		if (rc != 0)
			continue;
		assert_int_equal(l.is_unix, c->is_unix);
		assert_string_equal(l.host, c->host);
		assert_int_equal(l.port, c->port);
	}
}

static void test_table(void **state)
{
	(void)state;
	/* Every key has a row, a unique name and a description; find() finds it. */
	for (unsigned k = 0; k < NG_K__COUNT; k++) {
		const struct ng_config_key *key = ng_config_key_info((enum ng_key)k);
		assert_non_null(key);
		assert_non_null(key->doc);
		enum ng_key found;
		assert_true(ng_config_key_find(key->name, &found));
		assert_int_equal(found, k);
	}
	assert_null(ng_config_key_info(NG_K__COUNT));
	enum ng_key k;
	assert_false(ng_config_key_find("no_such_key", &k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_table), cmocka_unit_test(test_typed_values),
	    cmocka_unit_test(test_overrides),  cmocka_unit_test(test_setup),
	    cmocka_unit_test(test_listen),     cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
