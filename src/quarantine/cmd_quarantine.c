/*
 * cmd_quarantine.c - `ndrguard quarantine [-c FILE] [-o key=value]...
 *                    list|show|release|delete|expire`
 *
 * The relay guard's held messages (lib/relay/quarantine.c): the Maildir
 * relay_quarantine_dir indexed in the store.  The milter may be running
 * and holding more messages meanwhile: LMDB lets both processes in.
 *
 *   list [--format json|text]  every held message, oldest first
 *   show ID                    its index record, then the message
 *   release ID...              re-inject each to relay_release_nexthop by
 *                              SMTP with its original envelope (a bounce
 *                              keeps its null sender), then remove it;
 *                              a message the next hop refused stays, and
 *                              one it took for some recipients only stays
 *                              for the others
 *   delete ID...               remove each for good
 *   expire [--now SECONDS]     remove the messages past relay_quarantine_ttl
 *
 * Exit: 0 success; 1 some ID not found, or a release the next hop took
 * for some recipients only; 2 usage or configuration error; 3 runtime
 * failure (store, Maildir, next hop unreachable or refusing a message).
 */
#include "../cli/cli.h"
#include "quarantine.h"

#include <ndrguard/config.h>
#include <ndrguard/quarantine.h>
#include <ndrguard/store.h>

#include "util/buf.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void ng_help_quarantine(void)
{
	printf(
	    "usage: ndrguard quarantine [-c FILE] [-o key=value]... list [--format json|text]\n"
	    "       ndrguard quarantine [-c FILE] [-o key=value]... show ID\n"
	    "       ndrguard quarantine [-c FILE] [-o key=value]... release ID...\n"
	    "       ndrguard quarantine [-c FILE] [-o key=value]... delete ID...\n"
	    "       ndrguard quarantine [-c FILE] [-o key=value]... expire [--now SECONDS]\n"
	    "\n"
	    "The messages the relay guard (ndrguard milter --relay) held back as\n"
	    "backscatter: a Maildir (relay_quarantine_dir) indexed in the store (store).\n"
	    "\n"
	    "  list      every held message: ID, time, tenant, sender, recipients, class,\n"
	    "            score, rules, subject (--format json: one JSON object a line)\n"
	    "  show      the index record of ID, then the message itself\n"
	    "  release   send each message on by SMTP to relay_release_nexthop with its\n"
	    "            original envelope (null sender kept), then remove it\n"
	    "  delete    remove each message for good\n"
	    "  expire    remove the messages older than relay_quarantine_ttl (the relay\n"
	    "            milter does this every minute itself)\n"
	    "\n"
	    "Exit: 0 success; 1 some ID not found, or a release taken for some recipients\n"
	    "only (kept for the others); 2 usage or configuration error; 3 runtime\n"
	    "failure (store, Maildir, next hop down or refusing).  See ndrguard-quarantine(1).\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: ndrguard quarantine [-c FILE] [-o key=value]... "
	                "list|show|release|delete|expire [ARGS...]\n");
}

struct q_ctx {
	struct ng_config *cfg;
	struct ng_store *st;
	struct ng_quarantine *q;
	bool json;
	unsigned long n;
};

static void fmt_time(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "%lld", (long long)t);
}

/* Peer text (subjects, addresses) on a terminal: control bytes shown as '?'. */
static void clean(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in != '\0' && o + 1 < cap; in++)
		out[o++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
	out[o] = '\0';
}

static void json_field(ng_buf *b, const char *key, const char *val, bool first)
{
	if (!first)
		ng_buf_puts(b, ",");
	ng_buf_json_str(b, key, strlen(key));
	ng_buf_puts(b, ":");
	ng_buf_json_str(b, val, strlen(val));
}

static int list_one(void *arg, const struct ng_qmeta *m)
{
	struct q_ctx *qc = arg;
	char when[40], until[40];
	fmt_time(m->time, when, sizeof(when));
	fmt_time(m->expires, until, sizeof(until));
	qc->n++;
	if (qc->json) {
		ng_buf b;
		ng_buf_init(&b, 1 << 20);
		ng_buf_puts(&b, "{");
		json_field(&b, "id", m->id, true);
		json_field(&b, "time", when, false);
		json_field(&b, "expires", until, false);
		json_field(&b, "tenant", m->tenant, false);
		json_field(&b, "client", m->client, false);
		json_field(&b, "sender", m->sender, false);
		ng_buf_puts(&b, ",\"recipients\":[");
		for (size_t i = 0; i < m->nrcpts; i++) {
			if (i > 0)
				ng_buf_puts(&b, ",");
			ng_buf_json_str(&b, m->rcpts[i], strlen(m->rcpts[i]));
		}
		ng_buf_puts(&b, "]");
		json_field(&b, "class", m->cls, false);
		json_field(&b, "verdict", m->verdict, false);
		ng_buf_printf(&b, ",\"score\":%d,\"size\":%llu", m->score,
		              (unsigned long long)m->size);
		json_field(&b, "rules", m->rules, false);
		json_field(&b, "subject", m->subject, false);
		json_field(&b, "orig_message_id", m->orig_message_id, false);
		ng_buf_puts(&b, "}\n");
		if (b.data != NULL)
			fputs(b.data, stdout);
		ng_buf_free(&b);
		return 0;
	}
	char snd[330], rcpt[330], subj[260];
	clean(m->sender[0] != '\0' ? m->sender : "<>", snd, sizeof(snd));
	clean(m->nrcpts > 0 ? m->rcpts[0] : "-", rcpt, sizeof(rcpt));
	clean(m->subject, subj, sizeof(subj));
	printf("%s\n  %s tenant=%s client=%s class=%s score=%d size=%llu\n"
	       "  from=%s to=%s%s\n  rules=%s\n  subject: %s\n",
	       m->id, when, m->tenant, m->client, m->cls, m->score, (unsigned long long)m->size,
	       snd, rcpt, m->nrcpts > 1 ? " (and more)" : "", m->rules, subj);
	return 0;
}

static int do_list(struct q_ctx *qc)
{
	char err[512];
	if (ng_quarantine_list(qc->q, list_one, qc, err, sizeof(err)) < 0) {
		fprintf(stderr, "ndrguard: quarantine: %s\n", err);
		return NG_EXIT_RUNTIME;
	}
	if (!qc->json)
		printf("%lu message%s held\n", qc->n, qc->n == 1 ? "" : "s");
	return NG_EXIT_OK;
}

static int do_show(struct q_ctx *qc, const char *id)
{
	char err[512], path[PATH_MAX];
	struct ng_qmeta m;
	int rc = ng_quarantine_get(qc->q, id, &m, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ndrguard: quarantine: %s\n", rc > 0 ? "no such message" : err);
		return rc > 0 ? NG_EXIT_NO : NG_EXIT_RUNTIME;
	}
	list_one(qc, &m);
	for (size_t i = 1; i < m.nrcpts; i++) {
		char rcpt[330];
		clean(m.rcpts[i], rcpt, sizeof(rcpt));
		printf("  to=%s\n", rcpt);
	}
	ng_qmeta_free(&m);
	printf("\n");
	FILE *f = ng_quarantine_path(qc->q, id, path, sizeof(path)) ? fopen(path, "r") : NULL;
	if (f == NULL) {
		fprintf(stderr, "ndrguard: quarantine: %s: %s\n", path, strerror(errno));
		return NG_EXIT_RUNTIME;
	}
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return NG_EXIT_OK;
}

static int do_release(struct q_ctx *qc, char **ids, int nids)
{
	struct ng_listen to;
	char err[1024], path[PATH_MAX], helo[256];
	if (ng_listen_parse(ng_config_str(qc->cfg, NG_K_RELAY_RELEASE_NEXTHOP), &to, err,
	                    sizeof(err)) < 0) {
		fprintf(stderr, "ndrguard: quarantine: %s: relay_release_nexthop: %s\n",
		        ng_config_where(qc->cfg, NG_K_RELAY_RELEASE_NEXTHOP), err);
		return NG_EXIT_USAGE;
	}
	if (gethostname(helo, sizeof(helo)) < 0 || helo[0] == '\0')
		snprintf(helo, sizeof(helo), "localhost");
	helo[sizeof(helo) - 1] = '\0';
	int worst = NG_EXIT_OK;
	for (int i = 0; i < nids; i++) {
		struct ng_qmeta m;
		int rc = ng_quarantine_get(qc->q, ids[i], &m, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "ndrguard: quarantine: %s: %s\n", ids[i],
			        rc > 0 ? "no such message" : err);
			if (worst == NG_EXIT_OK)
				worst = rc > 0 ? NG_EXIT_NO : NG_EXIT_RUNTIME;
			continue;
		}
		FILE *f =
		    ng_quarantine_path(qc->q, ids[i], path, sizeof(path)) ? fopen(path, "r") : NULL;
		if (f == NULL) {
			fprintf(stderr, "ndrguard: quarantine: %s: %s\n", ids[i], strerror(errno));
			ng_qmeta_free(&m);
			worst = NG_EXIT_RUNTIME;
			continue;
		}
		size_t accepted = 0;
		bool *ok = calloc(m.nrcpts > 0 ? m.nrcpts : 1, sizeof(*ok));
		if (ok == NULL) {
			fclose(f);
			ng_qmeta_free(&m);
			fprintf(stderr, "ndrguard: quarantine: out of memory\n");
			return NG_EXIT_RUNTIME;
		}
		rc = qr_smtp_send(&to, helo, m.sender, m.rcpts, m.nrcpts, f, ok, &accepted, err,
		                  sizeof(err));
		fclose(f);
		if (rc < 0) {
			fprintf(stderr, "ndrguard: quarantine: %s: not released: %s\n", ids[i],
			        err);
			worst = NG_EXIT_RUNTIME;
		} else {
			char derr[512];
			printf("%s: released to %zu of %zu recipient%s%s%s\n", ids[i], accepted,
			       m.nrcpts, m.nrcpts == 1 ? "" : "s",
			       rc == 0 ? ": " : "; refused: ", err);
			if (rc == 1 && worst == NG_EXIT_OK)
				worst = NG_EXIT_NO;
			if (rc == 1) {
				/* kept for the recipients the next hop refused */
				size_t k = 0;
				for (size_t j = 0; j < m.nrcpts; j++)
					if (!ok[j])
						m.rcpts[k++] = m.rcpts[j];
					else
						free(m.rcpts[j]);
				m.nrcpts = k;
				if (ng_quarantine_set_rcpts(qc->q, &m, derr, sizeof(derr)) < 0) {
					fprintf(stderr, "ndrguard: quarantine: %s: %s\n", ids[i],
					        derr);
					worst = NG_EXIT_RUNTIME;
				} else {
					printf("%s: kept for the %zu refused recipient%s\n", ids[i],
					       k, k == 1 ? "" : "s");
				}
			} else if (ng_quarantine_delete(qc->q, ids[i], derr, sizeof(derr)) < 0) {
				/* sent on: the relay has it now */
				fprintf(stderr,
				        "ndrguard: quarantine: %s: released, but not removed: %s\n",
				        ids[i], derr);
				worst = NG_EXIT_RUNTIME;
			}
		}
		free(ok);
		ng_qmeta_free(&m);
	}
	return worst;
}

static int do_delete(struct q_ctx *qc, char **ids, int nids)
{
	char err[512];
	int worst = NG_EXIT_OK;
	for (int i = 0; i < nids; i++) {
		int rc = ng_quarantine_delete(qc->q, ids[i], err, sizeof(err));
		if (rc == 0) {
			printf("%s: deleted\n", ids[i]);
			continue;
		}
		fprintf(stderr, "ndrguard: quarantine: %s: %s\n", ids[i],
		        rc > 0 ? "no such message" : err);
		if (worst == NG_EXIT_OK || rc < 0)
			worst = rc > 0 ? NG_EXIT_NO : NG_EXIT_RUNTIME;
	}
	return worst;
}

static int do_expire(struct q_ctx *qc, int64_t now)
{
	char err[512];
	size_t removed = 0;
	if (ng_quarantine_expire(qc->q, now, &removed, err, sizeof(err)) < 0) {
		fprintf(stderr, "ndrguard: quarantine: %s\n", err);
		return NG_EXIT_RUNTIME;
	}
	printf("%zu expired message%s removed\n", removed, removed == 1 ? "" : "s");
	return NG_EXIT_OK;
}

int ng_cmd_quarantine(int argc, char **argv)
{
	char err[1024];
	int c;
	struct ng_config_args args;
	memset(&args, 0, sizeof(args));
	struct q_ctx qc;
	memset(&qc, 0, sizeof(qc));
	int64_t now = (int64_t)time(NULL);
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"now", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	optind = 1;
	opterr = 0;
	/* options may come before or after the action ("list --format json") */
	while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'o':
			ng_config_args_take(&args, c, optarg);
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				qc.json = true;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "ndrguard: quarantine: --format json or text\n");
				return NG_EXIT_USAGE;
			}
			break;
		case 'N': {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 0) {
				fprintf(stderr,
				        "ndrguard: quarantine: --now: not a number of seconds\n");
				return NG_EXIT_USAGE;
			}
			now = v;
			break;
		}
		case 'h':
			ng_help_quarantine();
			return NG_EXIT_OK;
		default:
			usage();
			return NG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage();
		return NG_EXIT_USAGE;
	}
	const char *action = argv[optind++];
	char **ids = argv + optind;
	int nids = argc - optind;
	bool needs_ids = strcmp(action, "show") == 0 || strcmp(action, "release") == 0 ||
	                 strcmp(action, "delete") == 0;
	bool no_args = strcmp(action, "list") == 0 || strcmp(action, "expire") == 0;
	if ((!needs_ids && !no_args) || (needs_ids && nids == 0) || (no_args && nids > 0) ||
	    (strcmp(action, "show") == 0 && nids != 1)) {
		usage();
		return NG_EXIT_USAGE;
	}
	qc.cfg = ng_config_args_load(&args, err, sizeof(err));
	if (qc.cfg == NULL) {
		fprintf(stderr, "ndrguard: quarantine: %s\n", err);
		return NG_EXIT_USAGE;
	}
	int rc = NG_EXIT_RUNTIME;
	char msg[512];
	struct ng_store_opts so = {
	    .map_size = (size_t)ng_config_int(qc.cfg, NG_K_STORE_MAP_SIZE) << 20,
	};
	if (ng_store_check_spec(ng_config_str(qc.cfg, NG_K_STORE), msg, sizeof(msg)) < 0) {
		fprintf(stderr, "ndrguard: quarantine: %s: store: %s\n",
		        ng_config_where(qc.cfg, NG_K_STORE), msg);
		rc = NG_EXIT_USAGE;
		goto out;
	}
	qc.st = ng_store_open(ng_config_str(qc.cfg, NG_K_STORE), &so, msg, sizeof(msg));
	if (qc.st == NULL) {
		fprintf(stderr, "ndrguard: quarantine: store: %s\n", msg);
		goto out;
	}
	qc.q = ng_quarantine_open(ng_config_str(qc.cfg, NG_K_RELAY_QUARANTINE_DIR), qc.st, msg,
	                          sizeof(msg));
	if (qc.q == NULL) {
		fprintf(stderr, "ndrguard: quarantine: %s\n", msg);
		goto out;
	}
	if (strcmp(action, "list") == 0)
		rc = do_list(&qc);
	else if (strcmp(action, "show") == 0)
		rc = do_show(&qc, ids[0]);
	else if (strcmp(action, "release") == 0)
		rc = do_release(&qc, ids, nids);
	else if (strcmp(action, "delete") == 0)
		rc = do_delete(&qc, ids, nids);
	else
		rc = do_expire(&qc, now);
out:
	ng_quarantine_close(qc.q);
	ng_store_close(qc.st);
	ng_config_free(qc.cfg);
	return rc;
}
