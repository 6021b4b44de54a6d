/*
 * spf_suite.c - the RFC 7208 test suite against lib/spf, through the fake
 * resolver.
 *
 *   spf_suite [-v] FILE
 *
 * FILE is the line format that tests/harness/spf_suite.py makes from the
 * suite's YAML (that script's header describes it).  Each scenario gets a
 * fresh fake resolver loaded with its zone data; each test runs one
 * check_host() to the end and compares the result with the accepted ones
 * and, when the test names one, the explanation ("DEFAULT" standing for
 * ours: none).  One line per failing test, -v one line per test, then
 * "N of M tests pass".  Exit 0 when all pass, 1 when some fail, 2 when the
 * file cannot be read or is malformed.
 */
#include "util/str.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndrguard/dns.h>
#include <ndrguard/spf.h>

#define FIELDS_MAX 8
#define NOW        1400000000 /* a fixed clock for %{t} */

struct ran {
	bool done;
	enum ng_spf_result result;
	char mechanism[NG_SPF_MECH_TEXT_MAX];
	char explanation[NG_SPF_EXP_MAX];
	const char *detail;
	unsigned lookups, voids;
};

static void on_done(void *arg, const struct ng_spf_outcome *out)
{
	struct ran *r = arg;
	r->done = true;
	r->result = out->result;
	snprintf(r->mechanism, sizeof(r->mechanism), "%s", out->mechanism);
	snprintf(r->explanation, sizeof(r->explanation), "%s", out->explanation);
	r->detail = out->detail;
	r->lookups = out->dns_lookups;
	r->voids = out->void_lookups;
}

/* Decode a percent-encoded field in place ("%" alone is ""); its length,
 * or -1 when malformed. */
static long decode(char *s)
{
	size_t n = 0;
	if (strcmp(s, "%") == 0) {
		s[0] = '\0';
		return 0;
	}
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (s[i] != '%') {
			s[n++] = s[i];
			continue;
		}
		int hi = ng_hexval(s[i + 1]), lo = hi < 0 ? -1 : ng_hexval(s[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		s[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	s[n] = '\0';
	return (long)n;
}

/* Split a line on single spaces; the number of fields. */
static size_t split(char *line, char **f)
{
	size_t n = 0;
	char *p = line;
	while (n < FIELDS_MAX) {
		f[n++] = p;
		char *sp = strchr(p, ' ');
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return n;
}

static bool type_of(const char *s, enum ng_dns_type *t)
{
	static const struct {
		const char *name;
		enum ng_dns_type type;
	} types[] = {{"A", NG_DNS_A},
	             {"AAAA", NG_DNS_AAAA},
	             {"MX", NG_DNS_MX},
	             {"PTR", NG_DNS_PTR},
	             {"TXT", NG_DNS_TXT}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, types[i].name) == 0) {
			*t = types[i].type;
			return true;
		}
	return false;
}

/* One zone line into the fake resolver; false when malformed. */
static bool load(struct ng_dns_resolver *r, char **f, size_t n)
{
	enum ng_dns_type type;
	if (strcmp(f[0], "cname") == 0)
		return n == 3 && decode(f[1]) >= 0 && decode(f[2]) >= 0 &&
		       ng_dns_fake_set_cname(r, f[1], f[2]) == 0;
	if (strcmp(f[0], "timeout") == 0)
		return n == 3 && decode(f[1]) >= 0 && type_of(f[2], &type) &&
		       ng_dns_fake_set_rcode(r, f[1], type, NG_DNS_TIMEOUT, false, 0) == 0;
	if (n < 4 || decode(f[1]) < 0 || !type_of(f[2], &type))
		return false;
	if (type == NG_DNS_MX) {
		if (n != 5 || decode(f[4]) < 0)
			return false;
		char value[NG_DNS_NAME_MAX + 8];
		snprintf(value, sizeof(value), "%s %s", f[3], f[4]);
		return ng_dns_fake_add(r, f[1], type, 300, value) == 0;
	}
	long len = decode(f[3]);
	if (n != 4 || len < 0)
		return false;
	if (type == NG_DNS_TXT) {
		struct ng_dns_rr rr = {.type = type, .ttl = 300, .text = f[3], .len = (size_t)len};
		return ng_dns_fake_add_rr(r, f[1], &rr) == 0;
	}
	return ng_dns_fake_add(r, f[1], type, 300, f[3]) == 0;
}

/* Is `got` among the comma-separated results? */
static bool accepted(const char *list, const char *got)
{
	size_t n = strlen(got);
	for (const char *p = list; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == n && strncmp(p, got, n) == 0)
			return true;
		p += l + (comma ? 1 : 0);
	}
	return false;
}

/* One test line: 1 pass, 0 fail, -1 malformed. */
static int run_test(struct ng_dns_resolver *r, const char *scenario, char **f, size_t n,
                    bool verbose)
{
	if (n != 7 || decode(f[1]) < 0 || decode(f[2]) < 0 || decode(f[3]) < 0 || decode(f[4]) < 0)
		return -1;
	const char *id = f[1], *host = f[2], *helo = f[3], *from = f[4], *want = f[5];
	const char *want_exp = NULL;
	if (strcmp(f[6], "*") != 0) {
		if (decode(f[6]) < 0)
			return -1;
		want_exp = f[6];
	}
	struct ran got = {0};
	struct ng_spf_check *c = ng_spf_check_host(r, host, helo, from, "", NOW, on_done, &got);
	if (c == NULL) {
		printf("FAIL %s/%s: the check did not start\n", scenario, id);
		return 0;
	}
	while (!got.done && ng_dns_fake_run(r) > 0)
		;
	if (!got.done) {
		printf("FAIL %s/%s: the check never ended\n", scenario, id);
		ng_spf_cancel(c);
		return 0;
	}
	const char *result = ng_spf_result_name(got.result);
	const char *exp = got.explanation[0] != '\0' ? got.explanation : "DEFAULT";
	bool ok = accepted(want, result) && (want_exp == NULL || strcmp(exp, want_exp) == 0);
	if (!ok || verbose)
		printf("%s %s/%s: got %s want %s; explanation \"%s\"%s%s%s; mechanism \"%s\", "
		       "%u lookups, %u void, %s\n",
		       ok ? "ok" : "FAIL", scenario, id, result, want, exp,
		       want_exp ? " want \"" : "", want_exp ? want_exp : "", want_exp ? "\"" : "",
		       got.mechanism, got.lookups, got.voids, got.detail);
	return ok ? 1 : 0;
}

int main(int argc, char **argv)
{
	bool verbose = argc == 3 && strcmp(argv[1], "-v") == 0;
	if (argc != 2 && !verbose) {
		fprintf(stderr, "usage: spf_suite [-v] FILE\n");
		return 2;
	}
	FILE *in = fopen(argv[argc - 1], "r");
	if (in == NULL) {
		perror(argv[argc - 1]);
		return 2;
	}
	struct ng_dns_resolver *r = NULL;
	char scenario[256] = "?";
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0, tests = 0, passed = 0;
	int rc = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (got > 0 && line[got - 1] == '\n')
			line[--got] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *f[FIELDS_MAX];
		size_t n = split(line, f);
		bool bad = false;
		if (strcmp(f[0], "scenario") == 0) {
			ng_dns_resolver_free(r);
			r = ng_dns_fake_new();
			bad = n != 3 || r == NULL || decode(f[2]) < 0;
			if (!bad)
				snprintf(scenario, sizeof(scenario), "%s %s", f[1], f[2]);
		} else if (r == NULL) {
			bad = true;
		} else if (strcmp(f[0], "test") == 0) {
			int t = run_test(r, scenario, f, n, verbose);
			bad = t < 0;
			tests++;
			passed += t > 0;
		} else {
			bad = !load(r, f, n);
		}
		if (bad) {
			fprintf(stderr, "%s:%lu: malformed line\n", argv[argc - 1], lineno);
			rc = 2;
			break;
		}
	}
	free(line);
	fclose(in);
	ng_dns_resolver_free(r);
	printf("%lu of %lu tests pass\n", passed, tests);
	if (rc == 0 && (tests == 0 || passed != tests))
		rc = 1;
	return rc;
}
