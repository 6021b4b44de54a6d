/*
 * cmd_list.c - `ndrguard list [-c FILE] [-o key=value]... [--now SECONDS]
 *              add|del|show|export|import`
 *
 * The list operator's hand on the listings (lib/listing, listing.h) in
 * the store, while `ndrguard trapd` adds hits and `ndrguard dnsbld` reads
 * them (LMDB lets every process in):
 *
 *   add IP[/LEN]... [--category C]... [--reason TEXT] [--days N]
 *   del IP[/LEN]... [--reason TEXT]
 *   show IP[/LEN]... [--format text|json]   every entry containing it
 *   export [--format text|ip4set|ip6tset|ip6trie] [--category C]...
 *          [--listed-only]                  to stdout, for mirrors
 *   import [--format auto|text|ip4set|ip6tset|ip6trie] [--category C]...
 *          [--days N] FILE|-                manual entries, reason "import FILE"
 *
 * --now injects the clock (tests); nothing else here reads it.  Exit: 0
 * success; 1 show: some IP not listed, del: some IP not listed, import:
 * some lines skipped; 2 usage or configuration error (a bad IP included,
 * checked before the store is opened); 3 runtime failure (store, file).
 */
#include "../cli/cli.h"

#include <ndrguard/config.h>
#include <ndrguard/listing.h>
#include <ndrguard/store.h>

#include "util/buf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG "ndrguard: list: "

void ng_help_list(void)
{
	printf("usage: ndrguard list [-c FILE] [-o key=value]... [--now SECONDS] ACTION [ARGS]\n"
	       "\n"
	       "The listings of the trap DNSBL in the store (store): IPs that sent bounces,\n"
	       "auto-replies or callouts to the traps, as `ndrguard trapd` records them and\n"
	       "`ndrguard dnsbld` serves them.\n"
	       "\n"
	       "  add IP[/LEN]... [--category C]... [--reason TEXT] [--days N]\n"
	       "        list by hand (category bounce unless given; for listing_days unless\n"
	       "        --days), keeping the entry's history\n"
	       "  del IP[/LEN]... [--reason TEXT]\n"
	       "        remove by hand; the entry is listed again on its next trap hit, for\n"
	       "        longer each time (listing_days x (1 + delistings), at most 4x)\n"
	       "  show IP[/LEN]... [--format text|json]\n"
	       "        the entries that contain each IP: categories, hits, expiry, manual\n"
	       "        changes, evidence\n"
	       "  export [--format text|ip4set|ip6tset|ip6trie] [--category C]... [--listed-only]\n"
	       "        the list on stdout: a table, or an rbldnsd dataset for mirrors\n"
	       "  import [--format auto|text|ip4set|ip6tset|ip6trie] [--category C]... [--days N]\n"
	       "         FILE|-\n"
	       "        list what a file names (rbldnsd data, a text export, a plain list of\n"
	       "        IPs and CIDRs), by hand, with the reason \"import FILE\"\n"
	       "\n"
	       "  -c FILE         the configuration file (default " NG_CONFIG_DEFAULT_PATH ")\n"
	       "  -o key=value    override a key (repeatable)\n"
	       "  --now SECONDS   the time, in unix seconds (for tests)\n"
	       "\n"
	       "Exit: 0 success; 1 show or del: some IP not listed, import: some lines\n"
	       "skipped; 2 usage or configuration error; 3 runtime failure.\n"
	       "See ndrguard-list(1).\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: ndrguard list [-c FILE] [-o key=value]... [--now SECONDS] "
	                "add|del|show|export|import [ARGS...]\n");
}

struct list_ctx {
	struct ng_config *cfg;
	struct ng_store *st;
	struct ng_listing_opts o;
	int64_t now;
	bool json;
	unsigned cats; /* --category: a mask, 0 = none given */
	const char *reason;
	unsigned days;
	bool listed_only;
	enum ng_listing_fmt fmt;
	bool fmt_given;
	ng_buf out;
	/* show */
	unsigned nentries;
	bool listed;
	bool first_entry;
	struct ng_listing_codes codes; /* dnsbld_codes: export, import */
	/* export */
	const struct ng_listing_export *x;
	unsigned long written, left_out;
	int werr;
};

/* Peer text (HELO, headers) on a terminal: control bytes as '?'. */
static void clean(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in != '\0' && o + 1 < cap; in++)
		out[o++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
	out[o] = '\0';
}

static void flush_out(struct list_ctx *lc)
{
	if (lc->out.data != NULL && lc->out.len > 0 &&
	    fwrite(lc->out.data, 1, lc->out.len, stdout) != lc->out.len)
		lc->werr = errno != 0 ? errno : EIO;
	ng_buf_reset(&lc->out);
}

/* ---- show ---- */

static void json_key(ng_buf *b, const char *key)
{
	ng_buf_json_str(b, key, strlen(key));
	ng_buf_puts(b, ":");
}

static void json_sfield(ng_buf *b, const char *key, const char *val)
{
	json_key(b, key);
	ng_buf_json_str(b, val, strlen(val));
	ng_buf_puts(b, ",");
}

static void json_time(ng_buf *b, const char *key, int64_t t)
{
	char w[40];
	json_key(b, key);
	if (t == 0)
		ng_buf_puts(b, "null,");
	else {
		ng_listing_time_format(t, w, sizeof(w));
		ng_buf_json_str(b, w, strlen(w));
		ng_buf_puts(b, ",");
	}
}

static void show_json(struct list_ctx *lc, const struct ng_listing *l, bool listed)
{
	ng_buf *b = &lc->out;
	char net[NG_LISTING_NET_TEXT_MAX];
	if (!lc->first_entry)
		ng_buf_puts(b, ",");
	lc->first_entry = false;
	ng_buf_puts(b, "{");
	json_sfield(b, "net", ng_listing_net_format(&l->net, net, sizeof(net)));
	ng_buf_printf(b, "\"listed\":%s,\"categories\":[", listed ? "true" : "false");
	unsigned n = 0;
	for (unsigned i = 0; i < NG_CAT_SPAM; i++)
		if ((l->cats & (1u << i)) != 0)
			ng_buf_printf(b, "%s\"%s\"", n++ > 0 ? "," : "",
			              ng_cat_name((enum ng_cat)i));
	ng_buf_puts(b, "],");
	json_time(b, "first", l->first);
	json_time(b, "last", l->last);
	json_time(b, "expires", l->expires);
	ng_buf_puts(b, "\"hits\":{");
	for (unsigned i = 0; i < NG_CAT_N; i++)
		ng_buf_printf(b, "%s\"%s\":%llu", i > 0 ? "," : "", ng_cat_name((enum ng_cat)i),
		              (unsigned long long)l->hits[i]);
	ng_buf_printf(b, "},\"manual\":%s,\"removed\":%s,\"delistings\":%u,",
	              l->manual ? "true" : "false", l->removed ? "true" : "false", l->delistings);
	json_sfield(b, "reason", l->reason);
	ng_buf_puts(b, "\"evidence\":[");
	for (unsigned i = 0; i < l->nev; i++) {
		const struct ng_listing_ev *e = &l->ev[i];
		ng_buf_puts(b, i > 0 ? ",{" : "{");
		json_time(b, "time", e->time);
		json_sfield(b, "category", ng_cat_name(e->cat));
		json_sfield(b, "helo", e->helo);
		json_sfield(b, "sender", e->sender);
		json_sfield(b, "rcpt", e->rcpt);
		json_key(b, "headers");
		ng_buf_json_str(b, e->headers, strlen(e->headers));
		ng_buf_puts(b, "}");
	}
	ng_buf_puts(b, "]}");
}

static void show_text(struct list_ctx *lc, const struct ng_listing *l, bool listed)
{
	ng_buf *b = &lc->out;
	char net[NG_LISTING_NET_TEXT_MAX], cats[64], t1[40], t2[40];
	char tmp[NG_LISTING_EV_HDRS_MAX];
	ng_buf_printf(b, "  entry       %s\n", ng_listing_net_format(&l->net, net, sizeof(net)));
	if (listed)
		ng_buf_printf(b, "  listed      %s until %s\n",
		              ng_cats_format(l->cats, cats, sizeof(cats)),
		              ng_listing_time_format(l->expires, t1, sizeof(t1)));
	else
		ng_buf_printf(b, "  listed      no%s%s\n", l->removed ? " (removed by hand)" : "",
		              !l->removed && l->expires != 0 ? " (expired)" : "");
	ng_buf_printf(b, "  first hit   %s\n  last hit    %s\n",
	              ng_listing_time_format(l->first, t1, sizeof(t1)),
	              ng_listing_time_format(l->last, t2, sizeof(t2)));
	ng_buf_puts(b, "  hits       ");
	for (unsigned i = 0; i < NG_CAT_N; i++)
		ng_buf_printf(b, " %s=%llu", ng_cat_name((enum ng_cat)i),
		              (unsigned long long)l->hits[i]);
	ng_buf_printf(b, "\n  manual      %s\n  removed     %s\n  delistings  %u\n",
	              l->manual ? "yes" : "no", l->removed ? "yes" : "no", l->delistings);
	clean(l->reason, tmp, sizeof(tmp));
	ng_buf_printf(b, "  reason      %s\n", tmp[0] != '\0' ? tmp : "-");
	for (unsigned i = 0; i < l->nev; i++) {
		const struct ng_listing_ev *e = &l->ev[i];
		char helo[NG_LISTING_EV_FIELD_MAX], snd[NG_LISTING_EV_FIELD_MAX],
		    rcpt[NG_LISTING_EV_FIELD_MAX];
		clean(e->helo, helo, sizeof(helo));
		clean(e->sender, snd, sizeof(snd));
		clean(e->rcpt, rcpt, sizeof(rcpt));
		ng_buf_printf(b, "  evidence    %s %s helo=%s from=<%s> to=<%s>\n",
		              ng_listing_time_format(e->time, t1, sizeof(t1)), ng_cat_name(e->cat),
		              helo, snd, rcpt);
		/* header lines, one a line, control bytes shown */
		const char *h = e->headers;
		while (*h != '\0') {
			const char *nl = strchr(h, '\n');
			size_t n = nl != NULL ? (size_t)(nl - h) : strlen(h);
			char line[NG_LISTING_EV_HDRS_MAX];
			memcpy(line, h, n);
			line[n] = '\0';
			clean(line, tmp, sizeof(tmp));
			if (tmp[0] != '\0')
				ng_buf_printf(b, "              %s\n", tmp);
			h += n + (nl != NULL ? 1 : 0);
		}
	}
}

static int show_one(void *arg, const struct ng_listing *l)
{
	struct list_ctx *lc = arg;
	bool listed = ng_listing_is_listed(l, lc->now);
	lc->listed = lc->listed || listed;
	lc->nentries++;
	if (lc->json)
		show_json(lc, l, listed);
	else
		show_text(lc, l, listed);
	return 0;
}

static int do_show(struct list_ctx *lc, char **ips, int n, const struct ng_listing_net *nets)
{
	int worst = NG_EXIT_OK;
	for (int i = 0; i < n; i++) {
		ng_buf entries;
		lc->nentries = 0;
		lc->listed = false;
		lc->first_entry = true;
		/* the entries go to lc->out first: the header line needs their verdict */
		ng_buf_init(&entries, 1 << 22);
		ng_buf tmp = lc->out;
		lc->out = entries;
		int rc = ng_listing_lookup(lc->st, &nets[i], lc->now, show_one, lc);
		entries = lc->out;
		lc->out = tmp;
		if (rc < 0) {
			fprintf(stderr, PROG "%s: %s\n", ips[i], ng_listing_strerror(rc));
			ng_buf_free(&entries);
			return NG_EXIT_RUNTIME;
		}
		if (lc->json) {
			ng_buf_puts(&lc->out, "{\"ip\":");
			ng_buf_json_str(&lc->out, ips[i], strlen(ips[i]));
			ng_buf_printf(&lc->out, ",\"listed\":%s,\"entries\":[",
			              lc->listed ? "true" : "false");
			if (entries.data != NULL)
				ng_buf_puts(&lc->out, entries.data);
			ng_buf_puts(&lc->out, "]}\n");
		} else {
			ng_buf_printf(&lc->out, "%s: %s\n", ips[i],
			              lc->listed         ? "listed"
			              : lc->nentries > 0 ? "not listed"
			                                 : "not listed (no entry)");
			if (entries.data != NULL)
				ng_buf_puts(&lc->out, entries.data);
		}
		ng_buf_free(&entries);
		flush_out(lc);
		if (!lc->listed)
			worst = NG_EXIT_NO;
	}
	return worst;
}

/* ---- add, del ---- */

static int do_add(struct list_ctx *lc, char **ips, int n, const struct ng_listing_net *nets)
{
	unsigned cats = lc->cats != 0 ? lc->cats : 1u << NG_CAT_BOUNCE;
	for (int i = 0; i < n; i++) {
		int rc =
		    ng_listing_add(lc->st, &lc->o, &nets[i], cats, lc->reason, lc->days, lc->now);
		struct ng_listing l;
		if (rc == 0)
			rc = ng_listing_get(lc->st, &nets[i], lc->now, &l);
		if (rc != 0) {
			fprintf(stderr, PROG "%s: %s\n", ips[i],
			        rc > 0 ? "vanished" : ng_listing_strerror(rc));
			return NG_EXIT_RUNTIME;
		}
		char net[NG_LISTING_NET_TEXT_MAX], c[64], t[40];
		printf("%s: listed %s until %s\n", ng_listing_net_format(&l.net, net, sizeof(net)),
		       ng_cats_format(l.cats, c, sizeof(c)),
		       ng_listing_time_format(l.expires, t, sizeof(t)));
	}
	return NG_EXIT_OK;
}

static int do_del(struct list_ctx *lc, char **ips, int n, const struct ng_listing_net *nets)
{
	int worst = NG_EXIT_OK;
	for (int i = 0; i < n; i++) {
		char net[NG_LISTING_NET_TEXT_MAX];
		ng_listing_net_format(&nets[i], net, sizeof(net));
		int rc = ng_listing_del(lc->st, &nets[i], lc->reason, lc->now);
		if (rc < 0) {
			fprintf(stderr, PROG "%s: %s\n", ips[i], ng_listing_strerror(rc));
			return NG_EXIT_RUNTIME;
		}
		if (rc == 1) {
			fprintf(stderr, PROG "%s: not listed\n", net);
			worst = NG_EXIT_NO;
		} else {
			printf("%s: removed\n", net);
		}
	}
	return worst;
}

/* ---- export ---- */

static int export_one(void *arg, const struct ng_listing *l)
{
	struct list_ctx *lc = arg;
	int n = ng_listing_export_entry(&lc->out, lc->x, l);
	if (n < 0)
		lc->left_out++;
	else if (n > 0)
		lc->written++;
	if (lc->out.len > 60000)
		flush_out(lc);
	return lc->werr != 0 ? 1 : 0;
}

static int do_export(struct list_ctx *lc)
{
	struct ng_listing_export x;
	memset(&x, 0, sizeof(x));
	x.codes = lc->codes;
	x.fmt = lc->fmt_given ? lc->fmt : NG_LISTING_FMT_TEXT;
	x.txt = ng_config_str(lc->cfg, NG_K_DNSBLD_TXT_TEMPLATE);
	x.cats = lc->cats;
	x.listed_only = lc->listed_only;
	x.now = lc->now;
	x.nns = ng_config_list(lc->cfg, NG_K_DNSBLD_NS, &x.ns);
	x.hostmaster = ng_config_str(lc->cfg, NG_K_DNSBLD_HOSTMASTER);
	x.ttl = (unsigned)ng_config_int(lc->cfg, NG_K_DNSBLD_TTL);
	x.negative_ttl = (unsigned)ng_config_int(lc->cfg, NG_K_DNSBLD_NEGATIVE_TTL);
	ng_listing_export_head(&lc->out, &x);
	lc->x = &x;
	int rc = ng_listing_scan(lc->st, lc->now, export_one, lc);
	lc->x = NULL;
	flush_out(lc);
	if (rc < 0) {
		fprintf(stderr, PROG "export: %s\n", ng_listing_strerror(rc));
		return NG_EXIT_RUNTIME;
	}
	if (lc->werr != 0 || fflush(stdout) != 0) {
		fprintf(stderr, PROG "export: stdout: %s\n",
		        strerror(lc->werr != 0 ? lc->werr : errno));
		return NG_EXIT_RUNTIME;
	}
	if (lc->left_out > 0)
		fprintf(stderr,
		        PROG "export: %lu entr%s not a /64 left out (ip6tset lists /64 prefixes "
		             "only; use --format ip6trie)\n",
		        lc->left_out, lc->left_out == 1 ? "y" : "ies");
	return NG_EXIT_OK;
}

/* ---- import ---- */

static int do_import(struct list_ctx *lc, const char *path)
{
	char reason[NG_LISTING_REASON_MAX];
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, PROG "%s: %s\n", path, strerror(errno));
		return NG_EXIT_RUNTIME;
	}
	const char *name = is_stdin ? "stdin" : path;
	snprintf(reason, sizeof(reason), "import %s", name);
	struct ng_listing_import *im =
	    ng_listing_import_new(lc->fmt_given ? lc->fmt : NG_LISTING_FMT_AUTO, &lc->codes);
	if (im == NULL) {
		if (!is_stdin)
			fclose(f);
		fprintf(stderr, PROG "out of memory\n");
		return NG_EXIT_RUNTIME;
	}
	unsigned defcats = lc->cats != 0 ? lc->cats : 1u << NG_CAT_BOUNCE;
	unsigned long listed = 0, skipped = 0;
	int rc = NG_EXIT_OK;
	char buf[65536];
	struct ng_listing_item it;
	bool eof = false;
	while (rc == NG_EXIT_OK) {
		size_t len = eof ? 0 : fread(buf, 1, sizeof(buf), f);
		if (len == 0 && !eof) {
			if (ferror(f)) {
				fprintf(stderr, PROG "%s: %s\n", name, strerror(errno));
				rc = NG_EXIT_RUNTIME;
				break;
			}
			eof = true;
			ng_listing_import_end(im);
		}
		size_t off = 0;
		do {
			off += ng_listing_import_push(im, buf + off, len - off);
			int r;
			while (rc == NG_EXIT_OK && (r = ng_listing_import_next(im, &it)) != 0) {
				if (r < 0) {
					fprintf(stderr, PROG "%s:%u: %s\n", name, it.line, it.err);
					skipped++;
					continue;
				}
				int a = ng_listing_add(lc->st, &lc->o, &it.net,
				                       it.cats != 0 ? it.cats : defcats, reason,
				                       lc->days, lc->now);
				if (a < 0) {
					fprintf(stderr, PROG "%s:%u: %s\n", name, it.line,
					        ng_listing_strerror(a));
					rc = NG_EXIT_RUNTIME;
				} else {
					listed++;
				}
			}
		} while (rc == NG_EXIT_OK && off < len);
		if (eof)
			break;
	}
	ng_listing_import_free(im);
	if (!is_stdin)
		fclose(f);
	printf("%s: %lu entr%s listed, %lu line%s skipped\n", name, listed,
	       listed == 1 ? "y" : "ies", skipped, skipped == 1 ? "" : "s");
	if (rc == NG_EXIT_OK && skipped > 0)
		rc = NG_EXIT_NO;
	return rc;
}

/* ---- options ---- */

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (unsigned long)v;
	return true;
}

enum action { A_ADD, A_DEL, A_SHOW, A_EXPORT, A_IMPORT };

static int open_store(struct list_ctx *lc, bool read_only)
{
	char msg[512];
	const char *spec = ng_config_str(lc->cfg, NG_K_STORE);
	struct ng_store_opts so = {
	    .map_size = (size_t)ng_config_int(lc->cfg, NG_K_STORE_MAP_SIZE) << 20,
	    .read_only = read_only,
	};
	if (ng_store_check_spec(spec, msg, sizeof(msg)) < 0) {
		fprintf(stderr, PROG "%s: store: %s\n", ng_config_where(lc->cfg, NG_K_STORE), msg);
		return NG_EXIT_USAGE;
	}
	lc->st = ng_store_open(spec, &so, msg, sizeof(msg));
	if (lc->st == NULL) {
		fprintf(stderr, PROG "store: %s\n", msg);
		return NG_EXIT_RUNTIME;
	}
	return NG_EXIT_OK;
}

/* The options of the command line into lc and args; NG_EXIT_OK, or the
 * exit code (help printed: -1). */
static int options(int argc, char **argv, struct list_ctx *lc, struct ng_config_args *args,
                   bool *days_given)
{
	static const struct option longopts[] = {
	    {"category", required_argument, NULL, 'C'}, {"reason", required_argument, NULL, 'r'},
	    {"days", required_argument, NULL, 'd'},     {"format", required_argument, NULL, 'f'},
	    {"listed-only", no_argument, NULL, 'L'},    {"now", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	int c;
	unsigned long v;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'o':
			ng_config_args_take(args, c, optarg);
			break;
		case 'C': {
			enum ng_cat cat;
			if (!ng_cat_parse(optarg, &cat) || cat == NG_CAT_SPAM) {
				fprintf(stderr, PROG "--category: bounce, autoreply or callout\n");
				return NG_EXIT_USAGE;
			}
			lc->cats |= 1u << cat;
			break;
		}
		case 'r':
			lc->reason = optarg;
			break;
		case 'd':
			if (!parse_uint(optarg, 1, 36500, &v)) {
				fprintf(stderr, PROG "--days: a number of days, 1 to 36500\n");
				return NG_EXIT_USAGE;
			}
			lc->days = (unsigned)v;
			*days_given = true;
			break;
		case 'f':
			lc->json = strcmp(optarg, "json") == 0;
			lc->fmt_given = !lc->json;
			if (!lc->json && !ng_listing_fmt_parse(optarg, &lc->fmt)) {
				fprintf(stderr,
				        PROG "--format: json, text, auto, ip4set, ip6tset or "
				             "ip6trie\n");
				return NG_EXIT_USAGE;
			}
			break;
		case 'L':
			lc->listed_only = true;
			break;
		case 'N':
			if (!parse_uint(optarg, 1, (unsigned long)INT64_MAX / 2, &v)) {
				fprintf(stderr, PROG "--now: not a number of seconds\n");
				return NG_EXIT_USAGE;
			}
			lc->now = (int64_t)v;
			break;
		case 'h':
			ng_help_list();
			return -1;
		default:
			usage();
			return NG_EXIT_USAGE;
		}
	}
	return NG_EXIT_OK;
}

/* Is what the command line gives right for the action? */
static bool action_ok(enum action a, const struct list_ctx *lc, int nargs, bool days_given)
{
	bool fmt_ok;
	switch (a) {
	case A_ADD:
		return nargs > 0 && !lc->fmt_given && !lc->json && !lc->listed_only;
	case A_DEL:
		return nargs > 0 && !lc->fmt_given && !lc->json && !lc->listed_only &&
		       lc->cats == 0 && !days_given;
	case A_SHOW:
		fmt_ok = !lc->fmt_given || lc->fmt == NG_LISTING_FMT_TEXT;
		return nargs > 0 && fmt_ok && !lc->listed_only && lc->cats == 0 && !days_given &&
		       lc->reason == NULL;
	case A_EXPORT:
		fmt_ok = !lc->json && (!lc->fmt_given || lc->fmt != NG_LISTING_FMT_AUTO);
		return nargs == 0 && fmt_ok && !days_given && lc->reason == NULL;
	case A_IMPORT:
	default:
		return nargs == 1 && !lc->json && !lc->listed_only && lc->reason == NULL;
	}
}

int ng_cmd_list(int argc, char **argv)
{
	static const char *const names[] = {"add", "del", "show", "export", "import"};
	char err[1024];
	struct ng_config_args args;
	struct list_ctx lc;
	bool days_given = false;
	memset(&args, 0, sizeof(args));
	memset(&lc, 0, sizeof(lc));
	lc.now = (int64_t)time(NULL);
	int rc = options(argc, argv, &lc, &args, &days_given);
	if (rc != NG_EXIT_OK)
		return rc < 0 ? NG_EXIT_OK : rc;
	if (optind >= argc) {
		usage();
		return NG_EXIT_USAGE;
	}
	enum action a = A_ADD;
	size_t k;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(argv[optind], names[k]) == 0)
			break;
	if (k == sizeof(names) / sizeof(names[0])) {
		fprintf(stderr, PROG "unknown action '%s'\n", argv[optind]);
		usage();
		return NG_EXIT_USAGE;
	}
	a = (enum action)k;
	char **rest = argv + optind + 1;
	int nrest = argc - optind - 1;
	if (!action_ok(a, &lc, nrest, days_given)) {
		usage();
		return NG_EXIT_USAGE;
	}
	struct ng_listing_net *nets = NULL;
	if (a == A_ADD || a == A_DEL || a == A_SHOW) {
		nets = calloc((size_t)nrest, sizeof(*nets));
		if (nets == NULL) {
			fprintf(stderr, PROG "out of memory\n");
			return NG_EXIT_RUNTIME;
		}
		for (int i = 0; i < nrest; i++)
			if (!ng_listing_net_parse(rest[i], &nets[i])) {
				fprintf(stderr,
				        PROG "'%s': not an IP address or IP/LEN network "
				             "(host bits zero)\n",
				        rest[i]);
				free(nets);
				return NG_EXIT_USAGE;
			}
	}
	lc.cfg = ng_config_args_load(&args, err, sizeof(err));
	if (lc.cfg == NULL) {
		fprintf(stderr, PROG "%s\n", err);
		free(nets);
		return NG_EXIT_USAGE;
	}
	lc.o.days = (unsigned)ng_config_int(lc.cfg, NG_K_LISTING_DAYS);
	lc.o.evidence = (unsigned)ng_config_int(lc.cfg, NG_K_LISTING_EVIDENCE);
	ng_buf_init(&lc.out, 1 << 24);
	const char *const *items;
	size_t ncodes = ng_config_list(lc.cfg, NG_K_DNSBLD_CODES, &items);
	if ((a == A_EXPORT || a == A_IMPORT) &&
	    ng_listing_codes_parse(items, ncodes, &lc.codes, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG "%s: dnsbld_codes: %s\n",
		        ng_config_where(lc.cfg, NG_K_DNSBLD_CODES), err);
		rc = NG_EXIT_USAGE;
	} else {
		rc = open_store(&lc, a == A_SHOW || a == A_EXPORT);
	}
	if (rc == NG_EXIT_OK) {
		switch (a) {
		case A_ADD:
			rc = do_add(&lc, rest, nrest, nets);
			break;
		case A_DEL:
			rc = do_del(&lc, rest, nrest, nets);
			break;
		case A_SHOW:
			rc = do_show(&lc, rest, nrest, nets);
			break;
		case A_EXPORT:
			rc = do_export(&lc);
			break;
		case A_IMPORT:
		default:
			rc = do_import(&lc, rest[0]);
			break;
		}
	}
	ng_buf_free(&lc.out);
	ng_store_close(lc.st);
	ng_config_free(lc.cfg);
	free(nets);
	return rc;
}
