/*
 * cmd_dnsbld.c - `ndrguard dnsbld [-c FILE] [-o key=value]... [--data
 * FILE]`: the authoritative DNS server of the list zone (RFC 5782), for
 * the list operator.
 *
 * A foreground daemon: the configuration read once, the zone built from
 * the dnsbld_* keys (a bad value exits 2 naming file and line), every
 * dnsbld_listen address bound for UDP and TCP, the privileges dropped to
 * daemon_user, the store opened read-only (trapd and `ndrguard list`
 * write it), the first index built before the first query is read, then
 * one libevent loop serves.  Signals:
 *
 *   SIGHUP   rebuild the index now (the configuration is not reread:
 *            restart for that)
 *   SIGTERM, SIGINT
 *            exit 0 (UDP needs no draining; open TCP connections are cut)
 *   SIGUSR1  log a `stats` line with the counters
 *   SIGPIPE  ignored
 *
 * --data FILE serves the entries of a file instead of the store: rbldnsd
 * ip4set/ip6trie data, `ndrguard list export` output or a plain list of
 * IPs and CIDRs (the parser of `ndrguard list import`), reread when it
 * changes; for mirrors, tests and benchmarks.
 *
 * Exit: 0 after SIGTERM/SIGINT, 2 usage or configuration error, 3 runtime
 * failure (cannot bind, no event loop).
 */
#include "../cli/cli.h"
#include "dnsbld.h"
#include "util/privs.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

void ng_help_dnsbld(void)
{
	printf("usage: ndrguard dnsbld [-c FILE] [-o key=value]... [--data FILE]\n"
	       "\n"
	       "Serve the list zone (dnsbld_zone) over DNS, UDP and TCP, in the foreground:\n"
	       "d.c.b.a.ZONE and 32-nibble IPv6 names answer A (one record per category:\n"
	       "dnsbld_codes) and TXT (dnsbld_txt_template, $ = the IP) while listed,\n"
	       "NXDOMAIN otherwise; SOA and NS at the apex; the RFC 5782 test entries\n"
	       "127.0.0.2 (listed) and 127.0.0.1 (not); REFUSED for other zones; never\n"
	       "recursive.  The listings come from the store, rebuilt in the background\n"
	       "every dnsbld_reload_interval and swapped in without losing a query.\n"
	       "\n"
	       "  -c FILE          configuration file (default %s if it exists)\n"
	       "  -o key=value     override one configuration key (repeatable)\n"
	       "  -d, --data FILE  serve the entries of FILE instead of the store (rbldnsd\n"
	       "                   ip4set/ip6trie data, `ndrguard list export`, or IPs and\n"
	       "                   CIDRs, one a line); reread when it changes\n"
	       "\n"
	       "Keys: dnsbld_listen, dnsbld_zone, dnsbld_codes, dnsbld_txt_template, dnsbld_ns,\n"
	       "dnsbld_hostmaster, dnsbld_ttl, dnsbld_negative_ttl, dnsbld_rrl,\n"
	       "dnsbld_reload_interval, store, store_map_size, daemon_user, log_target.\n"
	       "Signals: HUP rebuilds the index, TERM exits 0, USR1 logs counters.\n"
	       "Exit: 0 after TERM, 2 configuration error, 3 runtime failure.\n"
	       "See ndrguard-dnsbld(8).\n",
	       NG_CONFIG_DEFAULT_PATH);
}

static void log_stats(struct db_server *srv, const char *when)
{
	const struct db_stats *s = &srv->st;
	struct ng_zone_index_stats ix;
	ng_zone_index_stats(srv->ix, &ix);
	unsigned long long q = s->udp_queries + s->tcp_queries;
	unsigned long long udp_in_batches = s->udp_queries;
	ng_log(&srv->log, NG_LOG_INFO,
	       "stats%s queries=%llu udp=%llu tcp=%llu listed=%llu apex=%llu nodata=%llu "
	       "nxdomain=%llu refused=%llu formerr=%llu notimp=%llu badvers=%llu slipped=%llu "
	       "dropped=%llu truncated=%llu edns=%llu test_entries=%llu oversize=%llu "
	       "rrl_dropped=%llu rrl_slipped=%llu send_errors=%llu batches=%llu "
	       "per_batch=%.1f listed_bounce=%llu listed_autoreply=%llu listed_callout=%llu "
	       "tcp_conns=%llu tcp_open=%zu tcp_refused=%llu tcp_idle=%llu tcp_limit=%llu "
	       "reloads=%llu reloads_unchanged=%llu reload_failures=%llu serial=%u entries=%zu",
	       when, q, s->udp_queries, s->tcp_queries, s->kinds[NG_ZONE_LISTED],
	       s->kinds[NG_ZONE_APEX], s->kinds[NG_ZONE_NODATA], s->kinds[NG_ZONE_NXDOMAIN],
	       s->kinds[NG_ZONE_REFUSED], s->kinds[NG_ZONE_FORMERR], s->kinds[NG_ZONE_NOTIMP],
	       s->kinds[NG_ZONE_BADVERS], s->kinds[NG_ZONE_SLIPPED], s->kinds[NG_ZONE_DROPPED],
	       s->truncated, s->edns, s->test_entries, s->oversize, s->rrl_dropped, s->rrl_slipped,
	       s->send_errors, s->batches,
	       s->batches ? (double)udp_in_batches / (double)s->batches : 0.0, s->listed[0],
	       s->listed[1], s->listed[2], s->tcp_conns, srv->nconns, s->tcp_refused, s->tcp_idle,
	       s->tcp_limit, s->reloads, s->reloads_unchanged, s->reload_failures, ix.serial,
	       ix.v4 + ix.v6 + ix.ranges4 + ix.ranges6);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct db_server *srv = arg;
	(void)what;
	switch (sig) {
	case SIGHUP:
		ng_log(&srv->log, NG_LOG_INFO, "SIGHUP: rebuilding the index");
		db_reload_request(srv, true);
		break;
	case SIGUSR1:
		log_stats(srv, "");
		break;
	default:
		ng_log(&srv->log, NG_LOG_INFO, "%s: exiting", strsignal((int)sig));
		event_base_loopexit(srv->base, NULL);
		break;
	}
}

/* Everything between the configuration and the loop; an exit code. */
static int setup(struct db_server *srv, const char *data)
{
	char err[1024];
	int rc;
	const struct ng_config *cfg = srv->cfg;
	srv->zone = ng_zone_from_config(cfg, err, sizeof(err));
	if (srv->zone == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_USAGE;
	}
	if (data == NULL &&
	    ng_store_check_spec(ng_config_str(cfg, NG_K_STORE), err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: store: %s", ng_config_where(cfg, NG_K_STORE),
		       err);
		return NG_EXIT_USAGE;
	}
	long long rate = ng_config_int(cfg, NG_K_DNSBLD_RRL);
	if (rate > 0) {
		uint64_t seed = 0;
		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ db_now_ms();
		srv->rrl = ng_zone_rrl_new((unsigned)rate, seed);
		if (srv->rrl == NULL) {
			ng_log(&srv->log, NG_LOG_FATAL, "out of memory");
			return NG_EXIT_RUNTIME;
		}
	}
	srv->base = event_base_new();
	if (srv->base == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "cannot create the event loop");
		return NG_EXIT_RUNTIME;
	}
	rc = db_listen(srv, err, sizeof(err));
	if (rc < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: dnsbld_listen: %s",
		       ng_config_where(cfg, NG_K_DNSBLD_LISTEN), err);
		return rc == -2 ? NG_EXIT_USAGE : NG_EXIT_RUNTIME;
	}
	if (ng_privs_drop_daemon(cfg, &srv->log) < 0) {
		return NG_EXIT_USAGE;
	}
	/* big arrays straight from mmap and back to the system when freed, so
	 * that a swapped-out index never lingers in the heap */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	srv->rl.data_path = data;
	rc = db_reload_init(srv, err, sizeof(err));
	if (rc == -2) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: dnsbld_codes: %s",
		       ng_config_where(cfg, NG_K_DNSBLD_CODES), err);
		return NG_EXIT_USAGE;
	}
	if (rc < 0) {
		srv->st.reload_failures++;
		ng_log(&srv->log, NG_LOG_ERROR,
		       "first index build failed: %s; serving the test entries only until a "
		       "rebuild succeeds",
		       err);
	}
	if (db_udp_start(srv, err, sizeof(err)) < 0 || db_tcp_start(srv, err, sizeof(err)) < 0 ||
	    db_reload_start(srv, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_RUNTIME;
	}
	return NG_EXIT_OK;
}

static int serve(struct db_server *srv, const char *data)
{
	struct event *sigs[4] = {NULL, NULL, NULL, NULL};
	static const int signos[4] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
	ng_config_log_init(srv->cfg, "dnsbld", &srv->log, srv->log_ident, sizeof(srv->log_ident));
	int rc = setup(srv, data);
	if (rc != NG_EXIT_OK)
		goto out;
	rc = NG_EXIT_RUNTIME;
	for (size_t i = 0; i < 4; i++) {
		sigs[i] = evsignal_new(srv->base, signos[i], signal_cb, srv);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) < 0) {
			ng_log(&srv->log, NG_LOG_FATAL, "cannot handle %s", strsignal(signos[i]));
			goto out;
		}
	}
	char tmpl[64];
	ng_log_escape(tmpl, sizeof(tmpl), ng_config_str(srv->cfg, NG_K_DNSBLD_TXT_TEMPLATE),
	              strlen(ng_config_str(srv->cfg, NG_K_DNSBLD_TXT_TEMPLATE)), 40);
	ng_log(&srv->log, NG_LOG_INFO,
	       "dnsbld %s serving zone %s on %s (UDP and TCP) ttl=%llds negative_ttl=%llds "
	       "rrl=%lld reload_interval=%llds txt=\"%s\"",
	       NG_VERSION, ng_zone_name(srv->zone), srv->listen_desc,
	       ng_config_int(srv->cfg, NG_K_DNSBLD_TTL),
	       ng_config_int(srv->cfg, NG_K_DNSBLD_NEGATIVE_TTL),
	       ng_config_int(srv->cfg, NG_K_DNSBLD_RRL),
	       ng_config_int(srv->cfg, NG_K_DNSBLD_RELOAD_INTERVAL), tmpl);
	if (event_base_dispatch(srv->base) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "event loop failed");
		goto out;
	}
	log_stats(srv, " final");
	ng_log(&srv->log, NG_LOG_INFO, "dnsbld stopped");
	rc = NG_EXIT_OK;
out:
	for (size_t i = 0; i < 4; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	db_reload_stop(srv);
	db_tcp_free_all(srv);
	db_listen_close(srv);
	free(srv->batch);
	ng_zone_index_free(srv->ix);
	ng_zone_rrl_free(srv->rrl);
	ng_zone_free(srv->zone);
	if (srv->base != NULL)
		event_base_free(srv->base);
	return rc;
}

int ng_cmd_dnsbld(int argc, char **argv)
{
	struct ng_config_args args;
	const char *data = NULL;
	const struct ng_daemon_flag flags[] = {{"data", 'd', &data, NULL}};
	int rc;
	struct ng_config *cfg =
	    ng_daemon_args(argc, argv, "dnsbld", ng_help_dnsbld, flags, 1, &args, &rc);
	if (cfg == NULL)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	struct db_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		ng_config_free(cfg);
		fprintf(stderr, "ndrguard: dnsbld: out of memory\n");
		return NG_EXIT_RUNTIME;
	}
	srv->cfg = cfg;
	for (size_t i = 0; i < NG_DNSBLD_LISTEN_MAX * 2; i++)
		srv->lev_fd[i] = -1;
	srv->rl.pipe[0] = srv->rl.pipe[1] = -1;
	rc = serve(srv, data);
	ng_config_free(cfg);
	free(srv);
	return rc;
}
