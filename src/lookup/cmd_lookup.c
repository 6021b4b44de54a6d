/*
 * cmd_lookup.c - `ndrguard lookup [-c FILE] [-o key=value]... [--format text|json] IP...`
 *
 * Looks every IP up on every zone of dnsbl_zones, through the DNS servers
 * of dns_servers, with the library the daemons use (lib/dnsbl on c-ares and
 * a libevent loop): the RFC 5782 self-test of each zone runs first, then
 * all lookups run at once; results are printed in the order of the
 * arguments, one line per IP and zone: listed / not-listed / unknown /
 * unusable / skipped, the A answers, the TXT (escaped for the terminal).
 *
 * Exit (like grep, DESIGN.md): 0 some zone lists some IP; 1 every zone
 * answered for every IP and none lists any; 3 none lists any but some zone
 * could not answer (unknown, unusable or skipped); 2 usage or
 * configuration error, a bad IP included (checked before any DNS is sent).
 */
#include "../cli/cli.h"

#include <ndrguard/config.h>
#include <ndrguard/dns.h>
#include <ndrguard/dnsbl.h>
#include <ndrguard/log.h>

#include "util/buf.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format { FMT_TEXT, FMT_JSON };

struct job {
	const char *ip;
	bool done;
	struct ng_dnsbl_result res;
	size_t *pending;
};

void ng_help_lookup(void)
{
	printf("usage: ndrguard lookup [-c FILE] [-o key=value]... [--format text|json] IP...\n"
	       "\n"
	       "Look each IPv4 or IPv6 address up on every DNSBL zone of dnsbl_zones, with\n"
	       "the DNS servers of dns_servers, after the RFC 5782 self-test of each zone.\n"
	       "Per IP and zone: listed, not-listed, unknown (timeout, SERVFAIL, REFUSED),\n"
	       "unusable (an error code such as 127.255.255.254, or an answer that is not\n"
	       "one of the zone's codes) or skipped (the zone failed its self-test); the A\n"
	       "answers and the TXT.\n"
	       "\n"
	       "  -c FILE              the configuration file (default " NG_CONFIG_DEFAULT_PATH
	       ")\n"
	       "  -o key=value         override a key (repeatable), e.g.\n"
	       "                       -o dns_servers=127.0.0.1:5300 -o dnsbl_zones=bl.example\n"
	       "  -f, --format text    a table (the default)\n"
	       "  -f, --format json    one JSON object per IP and zone\n"
	       "\n"
	       "Exit: 0 listed somewhere, 1 every zone answered and none lists it,\n"
	       "3 not listed but some zone could not answer, 2 usage or configuration error.\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: ndrguard lookup [-c FILE] [-o key=value]... [--format text|json] "
	                "IP...\n");
}

static void on_done(void *arg, const struct ng_dnsbl_result *res)
{
	struct job *j = arg;
	j->res = *res;
	j->done = true;
	(*j->pending)--;
}

static void codes_text(const struct ng_dnsbl_zone_result *z, char *out, size_t cap)
{
	size_t o = 0;
	snprintf(out, cap, "-");
	for (size_t i = 0; i < z->ncodes && o < cap; i++) {
		uint32_t c = z->codes[i];
		int k = snprintf(out + o, cap - o, "%s%u.%u.%u.%u", i ? "," : "", c >> 24,
		                 (c >> 16) & 255, (c >> 8) & 255, c & 255);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

static void print_selftest(const struct ng_dnsbl *bl)
{
	printf("%-32s %-9s %-8s %s\n", "ZONE", "SELF-TEST", "STATE", "127.0.0.2 / 127.0.0.1");
	for (size_t i = 0; i < ng_dnsbl_nzones(bl); i++) {
		struct ng_dnsbl_zone_info zi;
		ng_dnsbl_zone_info(bl, i, &zi);
		printf("%-32s %-9s %-8s %s / %s\n", zi.zone, ng_dnsbl_selftest_name(zi.selftest),
		       zi.skipped ? "skipped" : "active", ng_dnsbl_status_name(zi.selftest_2),
		       ng_dnsbl_status_name(zi.selftest_1));
	}
	printf("\n%-39s %-24s %-10s %-15s %s\n", "IP", "ZONE", "RESULT", "CODES", "TXT");
}

static void print_text(const struct job *j)
{
	for (size_t i = 0; i < j->res.nzones; i++) {
		const struct ng_dnsbl_zone_result *z = &j->res.zones[i];
		char codes[NG_DNSBL_CODES_MAX * 16 + 2];
		char txt[NG_DNSBL_TXT_MAX * 4 + 4];
		codes_text(z, codes, sizeof(codes));
		ng_log_escape(txt, sizeof(txt), z->txt, strlen(z->txt), NG_DNSBL_TXT_MAX);
		printf("%-39s %-24s %-10s %-15s %s%s%s\n", j->ip, z->zone,
		       ng_dnsbl_status_name(z->status), codes, txt[0] ? "\"" : "-", txt,
		       txt[0] ? "\"" : "");
	}
}

static void print_json(const struct ng_dnsbl *bl, const struct job *j, ng_buf *b)
{
	for (size_t i = 0; i < j->res.nzones; i++) {
		const struct ng_dnsbl_zone_result *z = &j->res.zones[i];
		struct ng_dnsbl_zone_info zi;
		ng_dnsbl_zone_info(bl, i, &zi);
		ng_buf_reset(b);
		ng_buf_puts(b, "{\"ip\":");
		ng_buf_json_str(b, j->ip, strlen(j->ip));
		ng_buf_puts(b, ",\"zone\":");
		ng_buf_json_str(b, z->zone, strlen(z->zone));
		ng_buf_printf(b, ",\"result\":\"%s\",\"codes\":[", ng_dnsbl_status_name(z->status));
		for (size_t k = 0; k < z->ncodes; k++) {
			uint32_t c = z->codes[k];
			ng_buf_printf(b, "%s\"%u.%u.%u.%u\"", k ? "," : "", c >> 24,
			              (c >> 16) & 255, (c >> 8) & 255, c & 255);
		}
		ng_buf_puts(b, "],\"txt\":");
		if (z->txt[0] != '\0')
			ng_buf_json_str(b, z->txt, strlen(z->txt));
		else
			ng_buf_puts(b, "null");
		ng_buf_printf(b, ",\"cached\":%s,\"selftest\":\"%s\",\"skipped\":%s}\n",
		              z->cached ? "true" : "false", ng_dnsbl_selftest_name(zi.selftest),
		              zi.skipped ? "true" : "false");
		if (b->data != NULL)
			fwrite(b->data, 1, b->len, stdout);
	}
}

/* Build everything from the configuration; exit code on failure. */
static int setup(const struct ng_config *cfg, struct event_base *base, const struct ng_log *log,
                 struct ng_dns_resolver **res, struct ng_dnsbl **bl)
{
	char err[512];
	const char *const *zones;

	if (ng_config_list(cfg, NG_K_DNSBL_ZONES, &zones) == 0) {
		fprintf(stderr, "ndrguard: lookup: no DNSBL zones: dnsbl_zones is empty (%s)\n",
		        ng_config_where(cfg, NG_K_DNSBL_ZONES));
		return NG_EXIT_USAGE;
	}
	if (ng_dnsbl_from_config(cfg, base, log, false, res, bl, err, sizeof(err)) != 0) {
		fprintf(stderr, "ndrguard: lookup: %s\n", err);
		return NG_EXIT_USAGE;
	}
	return NG_EXIT_OK;
}

static int run(const struct ng_config *cfg, enum format fmt, char **ips, size_t nips)
{
	struct ng_log log;
	struct ng_dns_resolver *res = NULL;
	struct ng_dnsbl *bl = NULL;
	struct job *jobs = NULL;
	size_t pending = 0;
	int rc;

	/* The results say what the log would; warnings (skipped zones,
	 * unusable answers) still go to standard error. */
	enum ng_log_sev min = NG_LOG_WARN;
	if (strcmp(ng_config_str(cfg, NG_K_LOG_LEVEL), "error") == 0)
		min = NG_LOG_ERROR;
	ng_log_stderr_init(&log, "lookup", min);

	struct event_base *base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "ndrguard: lookup: cannot create the event loop\n");
		return NG_EXIT_RUNTIME;
	}
	rc = setup(cfg, base, &log, &res, &bl);
	if (rc != NG_EXIT_OK)
		goto out;
	while (ng_dnsbl_selftest_pending(bl) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;

	rc = NG_EXIT_RUNTIME;
	if ((jobs = calloc(nips, sizeof(*jobs))) == NULL) {
		fprintf(stderr, "ndrguard: lookup: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < nips; i++) {
		struct ng_dnsbl_query *q;
		jobs[i].ip = ips[i];
		jobs[i].pending = &pending;
		pending++;
		if (ng_dnsbl_lookup(bl, ips[i], on_done, &jobs[i], &q) != 0) {
			fprintf(stderr, "ndrguard: lookup: %s: out of memory\n", ips[i]);
			goto out;
		}
	}
	while (pending > 0)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;

	bool listed = false, trouble = false;
	ng_buf b;
	ng_buf_init(&b, 1 << 16);
	if (fmt == FMT_TEXT)
		print_selftest(bl);
	for (size_t i = 0; i < nips; i++) {
		if (!jobs[i].done) {
			trouble = true;
			continue;
		}
		if (fmt == FMT_JSON)
			print_json(bl, &jobs[i], &b);
		else
			print_text(&jobs[i]);
		enum ng_dnsbl_status s = ng_dnsbl_result_summary(&jobs[i].res);
		listed |= s == NG_DNSBL_LISTED;
		trouble |= s != NG_DNSBL_LISTED && s != NG_DNSBL_NOT_LISTED;
	}
	ng_buf_free(&b);
	fflush(stdout);
	rc = listed ? NG_EXIT_OK : trouble ? NG_EXIT_RUNTIME : NG_EXIT_NO;
out:
	ng_dnsbl_free(bl); /* cancels what is still in flight */
	ng_dns_resolver_free(res);
	free(jobs);
	event_base_free(base);
	return rc;
}

int ng_cmd_lookup(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum format fmt = FMT_TEXT;
	char err[512];
	int c;

	struct ng_config_args args;
	memset(&args, 0, sizeof(args));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'o':
			ng_config_args_take(&args, c, optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				fmt = FMT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				fmt = FMT_JSON;
			} else {
				fprintf(stderr, "ndrguard: lookup: unknown format '%s'\n", optarg);
				return NG_EXIT_USAGE;
			}
			break;
		case 'h':
			ng_help_lookup();
			return NG_EXIT_OK;
		default:
			fprintf(stderr, "ndrguard: lookup: bad option '%s'\n", argv[optind - 1]);
			usage();
			return NG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage();
		return NG_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		char qname[NG_DNS_NAME_MAX], shown[128];
		if (ng_dnsbl_qname(argv[i], "example", qname, sizeof(qname)) != 0) {
			fprintf(stderr, "ndrguard: lookup: \"%s\" is not an IPv4 or IPv6 address\n",
			        ng_log_escape(shown, sizeof(shown), argv[i], strlen(argv[i]), 100));
			return NG_EXIT_USAGE;
		}
	}
	struct ng_config *cfg = ng_config_args_load(&args, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "ndrguard: lookup: %s\n", err);
		return NG_EXIT_USAGE;
	}
	int rc = run(cfg, fmt, argv + optind, (size_t)(argc - optind));
	ng_config_free(cfg);
	return rc;
}
