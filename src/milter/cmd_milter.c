/*
 * cmd_milter.c - `ndrguard milter [-c FILE] [-o key=value]...`: the
 * content-stage filter for Postfix and Sendmail (the milter protocol of
 * lib/milter, served by engine.c).
 *
 * Start-up: configuration (ng_config_setup), log sink (log_target), the
 * content rules (lib/policy/content.c), the listening socket from
 * milter_listen (Postfix's form: inet:HOST:PORT, inet:[V6]:PORT,
 * unix:PATH; a unix socket left by a dead milter is taken over, one in use
 * is an error), daemon_user, the DNS thread, then the worker threads.
 *
 * Signals: SIGHUP and SIGTERM stop accepting and let the connections in
 * progress finish, then we exit 0; SIGINT closes them at once.  There is
 * no reload: a configuration change needs a restart (with
 * milter_default_action = tempfail the MTA delays mail meanwhile, it
 * loses none).
 *
 * Exit: 0 after a stop signal, 2 usage or configuration error, 3 runtime
 * failure (cannot bind, DNS thread, worker threads).
 */
#include "../cli/cli.h"
#include "milter.h"
#include "util/privs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

void ng_help_milter(void)
{
	printf(
	    "usage: ndrguard milter [--relay] [-c FILE] [-o key=value]...\n"
	    "\n"
	    "Content-stage backscatter filter (milter protocol) in the foreground: headers decide\n"
	    "whether a message may be a bounce or an auto-reply; only those are classified\n"
	    "and looked up.  A listed client's bounce, delay report, auto-reply,\n"
	    "challenge or virus notice gets milter_content_action; implausible bounces\n"
	    "get their bounce_*_action.  Ordinary mail is never touched.  Postfix main.cf:\n"
	    "\n"
	    "  smtpd_milters = inet:127.0.0.1:10041\n"
	    "  non_smtpd_milters = inet:127.0.0.1:10041\n"
	    "  milter_default_action = tempfail\n"
	    "  milter_protocol = 6\n"
	    "\n"
	    "  --relay, -R      the outbound relay guard on relay_milter_listen: tenants'\n"
	    "                   bounces and auto-replies judged by the message log, SPF\n"
	    "                   of the quoted hops and a budget; quarantine, route to\n"
	    "                   the bounce pool, discard, reject (see ndrguard-relay(8))\n"
	    "  -c FILE          configuration file (default %s if it exists)\n"
	    "  -o key=value     override one configuration key (repeatable)\n"
	    "\n"
	    "Keys: milter_listen, milter_content_action, milter_tag_classified,\n"
	    "bounce_multi_rcpt_action, multi_rcpt_bounce_relays, bounce_return_path_action,\n"
	    "bounce_never_recipient_action, never_bounce_recipients,\n"
	    "bounce_foreign_original_action, our_hostnames, our_networks, dnsbl_zones,\n"
	    "bounce_senders, dnsbl_dns_failure_action, dnsbl_reject_text, dnsbl_tag_header,\n"
	    "exempt_networks, exempt_recipients, dns_servers, log_target, daemon_user,\n"
	    "batv_keys, batv_domains, batv_lifetime_days, batv_enforce_after,\n"
	    "batv_subaddress, batv_action.\n"
	    "Signals: TERM or HUP stop after the sessions in progress, INT aborts them.\n"
	    "Exit: 0 after a stop signal, 2 configuration error, 3 runtime failure.\n"
	    "See ndrguard-milter(8).\n",
	    NG_CONFIG_DEFAULT_PATH);
}

/* ----- start-up ----- */

static void log_stats(struct mt_server *srv)
{
	const struct mt_stats *s = &srv->st;
	ng_log(&srv->log, NG_LOG_INFO,
	       "stats final messages=%llu candidates=%llu classified=%llu lookups=%llu "
	       "dns_timeouts=%llu accept=%llu tag=%llu quarantine=%llu discard=%llu "
	       "tempfail=%llu reject=%llu batv_signed=%llu batv_rewritten=%llu batv_refused=%llu",
	       s->messages, s->candidates, s->classified, s->lookups, s->timeouts, s->accept,
	       s->tag, s->quarantine, s->discard, s->tempfail, s->reject, s->batv_signed,
	       s->batv_rewritten, s->batv_refused);
}

/* Authentication-Results read with no authserv-id of one's own: any
 * field counts, also one a sender forged into the spam whose bounce is
 * judged later.  Allowed (a relay may strip them all at its edge), but
 * said once at start-up. */
static void warn_authserv(struct mt_server *srv, const struct ng_config *cfg)
{
	const char *const *ids, *const *hdrs;
	size_t nh = ng_config_list(cfg, NG_K_RELAY_AUTH_HEADERS, &hdrs);
	if (ng_config_list(cfg, NG_K_RELAY_AUTHSERV_IDS, &ids) > 0)
		return;
	for (size_t i = 0; i < nh; i++)
		if (strcasecmp(hdrs[i], "Authentication-Results") == 0) {
			ng_log(&srv->log, NG_LOG_WARN,
			       "relay_authserv_ids is empty: every Authentication-Results field "
			       "counts in the message log, also one a sender wrote; name your own "
			       "filters' authserv-ids");
			return;
		}
}

/* Relay mode, after the privileges are dropped (so the store and the
 * quarantine belong to daemon_user): the rules, the store, the
 * quarantine. */
static int relay_setup(struct mt_server *srv, char *err, size_t errlen)
{
	const struct ng_config *cfg = srv->cfg;
	char msg[512];
	struct ng_store_opts so = {
	    .map_size = (size_t)ng_config_int(cfg, NG_K_STORE_MAP_SIZE) << 20,
	    .log = &srv->log,
	};
	srv->store = ng_store_open(ng_config_str(cfg, NG_K_STORE), &so, msg, sizeof(msg));
	if (srv->store == NULL) {
		snprintf(err, errlen, "%s: store: %s", ng_config_where(cfg, NG_K_STORE), msg);
		return NG_EXIT_RUNTIME;
	}
	srv->quar = ng_quarantine_open(ng_config_str(cfg, NG_K_RELAY_QUARANTINE_DIR), srv->store,
	                               msg, sizeof(msg));
	if (srv->quar == NULL) {
		snprintf(err, errlen, "%s: %s", ng_config_where(cfg, NG_K_RELAY_QUARANTINE_DIR),
		         msg);
		return NG_EXIT_RUNTIME;
	}
	return NG_EXIT_OK;
}

static int serve(struct mt_server *srv)
{
	char err[1024];
	const struct ng_config *cfg = srv->cfg;
	enum ng_key listen_key = srv->relay_mode ? NG_K_RELAY_MILTER_LISTEN : NG_K_MILTER_LISTEN;
	const char *spec = ng_config_str(cfg, listen_key);
	const char *key_name = ng_config_key_info(listen_key)->name;
	struct ng_listen l;

	ng_config_log_init(cfg, "milter", &srv->log, srv->log_ident, sizeof(srv->log_ident));
	if (ng_listen_parse(spec, &l, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: %s: %s", ng_config_where(cfg, listen_key),
		       key_name, err);
		return NG_EXIT_USAGE;
	}
	if (srv->relay_mode) {
		srv->relay = ng_relay_from_config(cfg, err, sizeof(err));
		if (srv->relay == NULL) {
			ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
			return NG_EXIT_USAGE;
		}
		if (ng_store_check_spec(ng_config_str(cfg, NG_K_STORE), err, sizeof(err)) < 0) {
			ng_log(&srv->log, NG_LOG_FATAL, "%s: store: %s",
			       ng_config_where(cfg, NG_K_STORE), err);
			return NG_EXIT_USAGE;
		}
		warn_authserv(srv, cfg);
		srv->spf_wait.tv_sec = (time_t)ng_config_int(cfg, NG_K_RELAY_SPF_TIMEOUT);
		srv->quarantine_ttl = ng_config_int(cfg, NG_K_RELAY_QUARANTINE_TTL);
		srv->stats_interval = ng_config_int(cfg, NG_K_RELAY_STATS_INTERVAL);
		srv->last_stats = time(NULL);
	}
	srv->ct = ng_content_from_config(cfg, err, sizeof(err));
	if (srv->ct == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_USAGE;
	}
	if (ng_dnsbl_config_check(cfg, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_USAGE;
	}
	long long wait = ng_config_int(cfg, NG_K_DNS_TIMEOUT) * ng_config_int(cfg, NG_K_DNS_TRIES);
	srv->dns_wait.tv_sec = (time_t)(wait + 1);
	srv->engine = mt_engine_listen(spec, srv->relay_mode ? &mt_relay_filter : &mt_filter,
	                               &srv->log, err, sizeof(err));
	if (srv->engine == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: %s: cannot listen on %s: %s",
		       ng_config_where(cfg, listen_key), key_name, spec, err);
		return NG_EXIT_RUNTIME;
	}
	srv->listen_unix = mt_engine_is_unix(srv->engine);
	if (ng_privs_drop_daemon(cfg, &srv->log) < 0) {
		return NG_EXIT_USAGE;
	}
	if (srv->relay_mode) {
		int rc = relay_setup(srv, err, sizeof(err));
		if (rc != NG_EXIT_OK) {
			ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
			return rc;
		}
	}
	struct mt_dns_opts dopts = {
	    .spf = srv->relay_mode,
	    .tick_fn = srv->relay_mode ? mt_relay_tick : NULL,
	    .tick_arg = srv,
	    .tick_secs = 60,
	};
	srv->dns = mt_dns_start(cfg, &srv->log, &dopts, err, sizeof(err));
	if (srv->dns == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_RUNTIME;
	}
	char desc[1024], zbuf[512];
	if (srv->relay_mode) {
		ng_log(&srv->log, NG_LOG_INFO, "relay milter %s listening on %s store=%s %s",
		       NG_VERSION, spec, ng_store_backend(srv->store),
		       ng_relay_describe(srv->relay, desc, sizeof(desc)));
		int rc = mt_engine_run(srv->engine) == 0 ? NG_EXIT_OK : NG_EXIT_RUNTIME;
		mt_relay_log_stats(srv, "final");
		ng_log(&srv->log, NG_LOG_INFO, "relay milter stopped");
		return rc;
	}
	ng_log(&srv->log, NG_LOG_INFO, "milter %s listening on %s zones=%s %s", NG_VERSION, spec,
	       mt_dns_nzones(srv->dns) > 0
	           ? ng_config_format(cfg, NG_K_DNSBL_ZONES, zbuf, sizeof(zbuf))
	           : "-",
	       ng_content_describe(srv->ct, desc, sizeof(desc)));
	if (mt_dns_nzones(srv->dns) == 0)
		ng_log(&srv->log, NG_LOG_WARN,
		       "dnsbl_zones is empty: only the bounce plausibility rules apply");
	int rc = mt_engine_run(srv->engine) == 0 ? NG_EXIT_OK : NG_EXIT_RUNTIME;
	log_stats(srv);
	ng_log(&srv->log, NG_LOG_INFO, "milter stopped");
	return rc;
}

int ng_cmd_milter(int argc, char **argv)
{
	struct ng_config_args args;
	bool relay = false;
	const struct ng_daemon_flag flags[] = {{"relay", 'R', NULL, &relay}};
	int rc;
	struct ng_config *cfg =
	    ng_daemon_args(argc, argv, "milter", ng_help_milter, flags, 1, &args, &rc);
	if (cfg == NULL)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	struct mt_server srv;
	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	srv.relay_mode = relay;
	pthread_mutex_init(&srv.pool_mu, NULL);
	srv.pool_cap = 64;
	srv.pool = calloc(srv.pool_cap, sizeof(*srv.pool));
	if (srv.pool == NULL) {
		fprintf(stderr, "ndrguard: milter: out of memory\n");
		ng_config_free(cfg);
		return NG_EXIT_RUNTIME;
	}
	mt_srv = &srv;
	rc = serve(&srv);
	mt_dns_stop(srv.dns);
	mt_engine_free(srv.engine);
	for (size_t i = 0; i < srv.npool; i++)
		ng_classifier_free(srv.pool[i]);
	free(srv.pool);
	ng_content_free(srv.ct);
	ng_quarantine_close(srv.quar);
	ng_store_close(srv.store);
	ng_relay_free(srv.relay);
	ng_config_free(cfg);
	pthread_mutex_destroy(&srv.pool_mu);
	mt_srv = NULL;
	return rc;
}
