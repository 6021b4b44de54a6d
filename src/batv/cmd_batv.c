/*
 * cmd_batv.c - `ndrguard batv [-c FILE] [-o key=value]... [--now SECONDS]
 *              sign|verify ADDRESS...`
 *
 * sign: prints each address signed with the highest key of batv_keys, in
 * the form batv_subaddress chooses (an address that carries a tag already,
 * ours or a foreign one, is printed unchanged).  verify: prints, per
 * address, the original address (the tag removed) and one of valid,
 * expired, bad-signature, unknown-key, not-signed; a foreign tag (btv1,
 * msprvs1) adds a third field "foreign=FORM".  <> around an address are
 * removed.  --now fixes the clock (seconds since the epoch), for tests and
 * for checking what an address will say on a given day.
 *
 * Exit (DESIGN.md): sign 0; verify 0 when every address is valid, 1
 * otherwise; 2 usage or configuration error (no keys configured, a key
 * file unreadable, an argument to sign that is not local@domain).
 */
#include "../cli/cli.h"

#include <ndrguard/batv.h>
#include <ndrguard/config.h>
#include <ndrguard/log.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ng_help_batv(void)
{
	printf(
	    "usage: ndrguard batv [-c FILE] [-o key=value]... [--now SECONDS] sign ADDRESS...\n"
	    "       ndrguard batv [-c FILE] [-o key=value]... [--now SECONDS] verify ADDRESS...\n"
	    "\n"
	    "BATV (prvs) signing and checking of envelope addresses, as Exim's ${prvs}\n"
	    "and ${prvscheck} do, with the keys of batv_keys (N:/path; the highest N signs,\n"
	    "every key verifies) and batv_lifetime_days.\n"
	    "\n"
	    "  sign ADDRESS     print prvs=KDDDSSSSSS=local@domain (batv_subaddress = yes:\n"
	    "                   local+prvs=KDDDSSSSSS@domain); a tagged address is printed\n"
	    "                   unchanged\n"
	    "  verify ADDRESS   print the original address and one of valid, expired,\n"
	    "                   bad-signature, unknown-key, not-signed (a foreign btv1 or\n"
	    "                   msprvs1 tag adds foreign=FORM: not ours, so not-signed)\n"
	    "\n"
	    "  -c FILE          the configuration file (default " NG_CONFIG_DEFAULT_PATH ")\n"
	    "  -o key=value     override a key (repeatable), e.g. -o batv_keys=0:/tmp/k0\n"
	    "  --now SECONDS    the clock, in seconds since 1970-01-01 UTC (default: now)\n"
	    "\n"
	    "Exit: 0 signed, or every address valid; 1 some address not valid;\n"
	    "2 usage or configuration error (e.g. no keys configured).\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: ndrguard batv [-c FILE] [-o key=value]... [--now SECONDS] "
	                "sign|verify ADDRESS...\n");
}

/* addr without one pair of <> around it, into buf; NULL when too long. */
static const char *strip(const char *a, char *buf, size_t cap)
{
	size_t n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a++;
		n -= 2;
	}
	if (n + 1 > cap)
		return NULL;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return buf;
}

static int do_sign(const struct ng_batv *b, char **args, size_t n, time_t now)
{
	for (size_t i = 0; i < n; i++) {
		char in[NG_BATV_SIGNED_MAX], out[NG_BATV_SIGNED_MAX], shown[128];
		const char *a = strip(args[i], in, sizeof(in));
		int r = a ? ng_batv_sign(b, a, now, out, sizeof(out)) : -1;
		if (r < 0) {
			fprintf(stderr,
			        "ndrguard: batv: \"%s\" is not local@domain (at most %d bytes)\n",
			        ng_log_escape(shown, sizeof(shown), args[i], strlen(args[i]), 100),
			        NG_BATV_ADDR_MAX);
			return NG_EXIT_USAGE;
		}
		if (r == 1)
			fprintf(stderr, "ndrguard: batv: %s: tagged already; left unchanged\n",
			        out);
		printf("%s\n", out);
	}
	return NG_EXIT_OK;
}

static int do_verify(const struct ng_batv *b, char **args, size_t n, time_t now)
{
	bool all = true;
	for (size_t i = 0; i < n; i++) {
		char in[NG_BATV_SIGNED_MAX], orig[NG_BATV_SIGNED_MAX],
		    shown[NG_BATV_SIGNED_MAX * 4];
		struct ng_batv_check c;
		const char *a = strip(args[i], in, sizeof(in));
		enum ng_batv_status s =
		    a ? ng_batv_verify(b, a, now, &c, orig, sizeof(orig)) : NG_BATV_NOT_SIGNED;
		if (a == NULL) {
			c.form = NG_BATV_FORM_NONE;
			orig[0] = '\0';
		}
		const char *o = orig[0] ? orig : args[i];
		ng_log_escape(shown, sizeof(shown), o, strlen(o), NG_BATV_SIGNED_MAX);
		if (c.form == NG_BATV_FORM_BTV1 || c.form == NG_BATV_FORM_MSPRVS1)
			printf("%s %s foreign=%s\n", shown, ng_batv_status_name(s),
			       ng_batv_form_name(c.form));
		else
			printf("%s %s\n", shown, ng_batv_status_name(s));
		all &= s == NG_BATV_VALID;
	}
	return all ? NG_EXIT_OK : NG_EXIT_NO;
}

static int parse_now(const char *s, time_t *now)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || (long long)(time_t)v != v)
		return -1;
	*now = (time_t)v;
	return 0;
}

int ng_cmd_batv(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"now", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	time_t now = time(NULL);
	char err[1024];
	int c;

	struct ng_config_args args;
	memset(&args, 0, sizeof(args));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'o':
			ng_config_args_take(&args, c, optarg);
			break;
		case 'n':
			if (parse_now(optarg, &now) < 0) {
				fprintf(stderr,
				        "ndrguard: batv: --now: '%s' is not a number of seconds\n",
				        optarg);
				return NG_EXIT_USAGE;
			}
			break;
		case 'h':
			ng_help_batv();
			return NG_EXIT_OK;
		default:
			fprintf(stderr, "ndrguard: batv: bad option '%s'\n", argv[optind - 1]);
			usage();
			return NG_EXIT_USAGE;
		}
	}
	if (argc - optind < 2 ||
	    (strcmp(argv[optind], "sign") != 0 && strcmp(argv[optind], "verify") != 0)) {
		usage();
		return NG_EXIT_USAGE;
	}
	bool sign = strcmp(argv[optind], "sign") == 0;
	struct ng_config *cfg = ng_config_args_load(&args, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "ndrguard: batv: %s\n", err);
		return NG_EXIT_USAGE;
	}
	struct ng_batv *b = ng_batv_from_config(cfg, err, sizeof(err));
	ng_config_free(cfg);
	if (b == NULL) {
		fprintf(stderr, "ndrguard: batv: %s\n", err);
		return NG_EXIT_USAGE;
	}
	char **addrs = argv + optind + 1;
	size_t n = (size_t)(argc - optind - 1);
	int rc = sign ? do_sign(b, addrs, n, now) : do_verify(b, addrs, n, now);
	ng_batv_free(b);
	return rc;
}
