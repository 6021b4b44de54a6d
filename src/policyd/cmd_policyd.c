/*
 * cmd_policyd.c - `ndrguard policyd [-c FILE] [-o key=value]...`: the
 * Postfix SMTP access policy service (check_policy_service).
 *
 * A foreground daemon (systemd, runit or Postfix's master(8) keep it
 * running): configuration read once with ng_config_setup(), the log sink
 * chosen by log_target, the socket bound, then one libevent loop serves
 * every client.  Signals:
 *
 *   SIGHUP   reread the configuration (the same -c file and -o options);
 *            a configuration that fails to build is logged and the running
 *            one kept.  policyd_listen and log_target need a restart.
 *   SIGTERM, SIGINT
 *            drain: stop accepting, answer the requests already received,
 *            close, exit 0; after policyd_drain_timeout the rest is cut.
 *            A second signal exits at once.
 *   SIGUSR1  log a `stats` line with the counters.
 *   SIGPIPE  ignored (a peer that closes early is an EPIPE we handle).
 *
 * The soft RLIMIT_NOFILE is raised to the hard limit at start-up, since
 * each client is one descriptor and Postfix may hold hundreds.
 *
 * Exit: 0 after SIGTERM/SIGINT, 2 usage or configuration error, 3 runtime
 * failure (cannot bind, no event loop).
 */
#include "../cli/cli.h"
#include "policyd.h"
#include "util/privs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void ng_help_policyd(void)
{
	printf("usage: ndrguard policyd [--relay] [-c FILE] [-o key=value]...\n"
	       "\n"
	       "Serve Postfix's SMTP access policy delegation protocol (check_policy_service)\n"
	       "in the foreground: DNSBL safe mode - reject a bounce (null sender, postmaster@,\n"
	       "mailer-daemon@) whose client IP is listed, accept ordinary mail without a\n"
	       "DNS query.  Postfix main.cf:\n"
	       "\n"
	       "  smtpd_recipient_restrictions = ..., reject_unauth_destination,\n"
	       "      check_policy_service inet:127.0.0.1:10040\n"
	       "  smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable\n"
	       "\n"
	       "  --relay, -R      the relay guard's envelope checks on relay_policyd_listen:\n"
	       "                   a tenant's bounce at RCPT takes from its budget (451 4.7.1\n"
	       "                   over it) and gets relay_unknown_action (FILTER to the\n"
	       "                   bounce pool by default); see ndrguard-relay(8)\n"
	       "  -c FILE          configuration file (default %s if it exists)\n"
	       "  -o key=value     override one configuration key (repeatable)\n"
	       "\n"
	       "Keys: policyd_listen, policyd_max_clients, policyd_idle_timeout,\n"
	       "policyd_connection_ttl, policyd_drain_timeout, dnsbl_zones, dnsbl_mode,\n"
	       "bounce_senders, dnsbl_action, dnsbl_dns_failure_action, dnsbl_reject_text,\n"
	       "dnsbl_tag_header, exempt_networks, exempt_recipients, dns_servers, log_target.\n"
	       "Signals: HUP reloads, TERM drains and exits 0, USR1 logs statistics.\n"
	       "Exit: 0 after TERM, 2 configuration error, 3 runtime failure.\n"
	       "See ndrguard-policyd(8).\n",
	       NG_CONFIG_DEFAULT_PATH);
}

/* ----- log sink ----- */

static void log_setup(struct pd_server *srv, const struct ng_config *cfg)
{
	if (strcmp(ng_config_str(cfg, NG_K_LOG_TARGET), "syslog") == 0) {
		snprintf(srv->log_ident, sizeof(srv->log_ident), "%s/policyd",
		         ng_config_str(cfg, NG_K_SYSLOG_NAME));
		ng_log_syslog_init(&srv->log, srv->log_ident, ng_config_syslog_facility(cfg),
		                   ng_config_log_level(cfg));
	} else {
		pd_logbuf_init(&srv->logbuf, &srv->log, ng_config_log_level(cfg));
	}
}

/* ----- statistics ----- */

static void log_stats(struct pd_server *srv, const char *when)
{
	const struct pd_stats *s = &srv->st;
	struct ng_dnsbl_stats d;
	memset(&d, 0, sizeof(d));
	if (srv->gen != NULL && srv->gen->bl != NULL)
		ng_dnsbl_stats(srv->gen->bl, &d);
	ng_log(&srv->log, NG_LOG_INFO,
	       "stats%s connections=%zu connections_total=%llu refused=%llu idle_timeouts=%llu "
	       "decisions=%llu dunno=%llu prepend=%llu defer=%llu reject=%llu dry_run=%llu "
	       "exempt=%llu no_lookup=%llu lookups=%llu lookups_cached=%llu lookup_errors=%llu "
	       "malformed=%llu bad_request_type=%llu floods=%llu reloads=%llu reload_failures=%llu "
	       "generation=%lu dnsbl_queries=%llu dnsbl_cache_hits=%llu dnsbl_unknown=%llu "
	       "dnsbl_unusable=%llu zones_skipped=%zu",
	       when, srv->nconns, s->conns_total, s->conns_refused, s->conns_timeout, s->decisions,
	       s->dunno, s->prepend, s->defer, s->reject, s->dry_run, s->exempt, s->no_lookup,
	       s->lookups, s->lookups_sync, s->lookup_errors, s->malformed, s->bad_request_type,
	       s->floods, s->reloads, s->reload_failures, srv->gen ? srv->gen->id : 0, d.queries,
	       d.cache_hits, d.unknown, d.unusable, d.zones_skipped_now);
	if (srv->relay_mode)
		ng_log(&srv->log, NG_LOG_INFO,
		       "relay stats%s tenant_requests=%llu tenant_bounces=%llu over_budget=%llu",
		       when, s->relay_tenant, s->relay_bounces, s->relay_over_budget);
}

/* ----- signals ----- */

static void reload(struct pd_server *srv)
{
	char err[1024];
	struct ng_config *cfg = ng_config_args_load(srv->args, err, sizeof(err));
	struct pd_gen *g = cfg != NULL ? pd_gen_new(srv, cfg, err, sizeof(err)) : NULL;
	if (g == NULL) {
		srv->st.reload_failures++;
		ng_log(&srv->log, NG_LOG_ERROR,
		       "reload failed, keeping the running configuration (generation %lu): %s",
		       srv->gen->id, err);
		return;
	}
	const struct ng_config *old = srv->gen->cfg;
	static const enum ng_key restart_keys[] = {NG_K_POLICYD_LISTEN, NG_K_RELAY_POLICYD_LISTEN,
	                                           NG_K_LOG_TARGET,     NG_K_SYSLOG_FACILITY,
	                                           NG_K_SYSLOG_NAME,    NG_K_DAEMON_USER};
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
		enum ng_key k = restart_keys[i];
		if (strcmp(ng_config_str(old, k), ng_config_str(g->cfg, k)) != 0)
			ng_log(&srv->log, NG_LOG_WARN,
			       "reload: %s changed; it takes effect at restart",
			       ng_config_key_info(k)->name);
	}
	srv->log.min = ng_config_log_level(g->cfg);
	struct pd_gen *prev = srv->gen;
	srv->gen = g;
	pd_gen_unref(prev); /* freed once its lookups in flight are answered */
	pd_conn_retime_all(srv);
	srv->st.reloads++;
	char desc[512];
	ng_log(&srv->log, NG_LOG_INFO, "reloaded configuration: generation=%lu zones=%s %s", g->id,
	       g->zones, ng_policy_describe(g->pol, desc, sizeof(desc)));
}

void pd_server_drained(struct pd_server *srv)
{
	event_base_loopexit(srv->base, NULL);
}

static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pd_server *srv = arg;
	(void)fd;
	(void)what;
	ng_log(&srv->log, NG_LOG_WARN,
	       "drain timeout: closing %zu connections with requests still in flight", srv->nconns);
	event_base_loopexit(srv->base, NULL);
}

static void drain(struct pd_server *srv, int sig)
{
	if (srv->draining) {
		ng_log(&srv->log, NG_LOG_WARN, "%s again: exiting now", strsignal(sig));
		event_base_loopexit(srv->base, NULL);
		return;
	}
	srv->draining = true;
	pd_listen_stop(srv);
	long long secs = ng_config_int(srv->gen->cfg, NG_K_POLICYD_DRAIN_TIMEOUT);
	ng_log(&srv->log, NG_LOG_INFO,
	       "%s: draining %zu connections (at most %llds), no new connections", strsignal(sig),
	       srv->nconns, secs);
	struct timeval tv = {(time_t)secs, 0};
	srv->drain_timer = evtimer_new(srv->base, drain_timeout_cb, srv);
	if (srv->drain_timer == NULL || secs == 0 || evtimer_add(srv->drain_timer, &tv) < 0) {
		event_base_loopexit(srv->base, NULL);
		return;
	}
	pd_conn_drain_all(srv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct pd_server *srv = arg;
	(void)what;
	switch (sig) {
	case SIGHUP:
		reload(srv);
		break;
	case SIGUSR1:
		log_stats(srv, "");
		break;
	default:
		drain(srv, (int)sig);
		break;
	}
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pd_gen_reap(arg);
}

/* ----- start-up ----- */

static void raise_nofile(struct pd_server *srv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			ng_log(&srv->log, NG_LOG_WARN, "cannot raise the open file limit: %s",
			       strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	size_t max = srv->gen->max_clients;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max + 64)
		ng_log(&srv->log, NG_LOG_WARN,
		       "open file limit %llu is below policyd_max_clients = %zu plus reserve; "
		       "connections past the limit wait in the backlog",
		       (unsigned long long)rl.rlim_cur, max);
}

static int serve(struct pd_server *srv, struct ng_config *cfg)
{
	char err[1024];
	int rc = NG_EXIT_RUNTIME;
	struct event *sigs[4] = {NULL, NULL, NULL, NULL};
	static const int signos[4] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};

	log_setup(srv, cfg);
	const char *lname = ng_config_key_info(srv->listen_key)->name;
	if (ng_listen_parse(ng_config_str(cfg, srv->listen_key), &srv->listen, err, sizeof(err)) <
	    0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: %s: %s", ng_config_where(cfg, srv->listen_key),
		       lname, err);
		ng_config_free(cfg);
		return NG_EXIT_USAGE;
	}
	snprintf(srv->listen_spec, sizeof(srv->listen_spec), "%s",
	         ng_config_str(cfg, srv->listen_key));
	srv->base = event_base_new();
	srv->reaper = srv->base ? event_new(srv->base, -1, 0, reap_cb, srv) : NULL;
	if (srv->base != NULL && srv->log.emit != NULL && srv->log.arg == &srv->logbuf)
		pd_logbuf_attach(&srv->logbuf, srv->base);
	if (srv->base == NULL || srv->reaper == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "cannot create the event loop");
		ng_config_free(cfg);
		goto out;
	}
	srv->gen = pd_gen_new(srv, cfg, err, sizeof(err));
	if (srv->gen == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		rc = NG_EXIT_USAGE;
		goto out;
	}
	raise_nofile(srv);
	if (pd_listen_start(srv, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: %s: %s",
		       ng_config_where(srv->gen->cfg, srv->listen_key), lname, err);
		goto out;
	}
	if (ng_privs_drop_daemon(srv->gen->cfg, &srv->log) < 0) {
		rc = NG_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < 4; i++) {
		sigs[i] = evsignal_new(srv->base, signos[i], signal_cb, srv);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) < 0) {
			ng_log(&srv->log, NG_LOG_FATAL, "cannot handle %s", strsignal(signos[i]));
			goto out;
		}
	}
	char desc[512];
	if (srv->relay_mode)
		ng_log(&srv->log, NG_LOG_INFO,
		       "relay policyd %s listening on %s %s max_clients=%zu idle_timeout=%lds "
		       "connection_ttl=%llds",
		       NG_VERSION, srv->listen_spec,
		       ng_relay_describe(srv->gen->relay, desc, sizeof(desc)),
		       srv->gen->max_clients, (long)srv->gen->idle.tv_sec,
		       (long long)srv->gen->ttl);
	else
		ng_log(&srv->log, NG_LOG_INFO,
		       "policyd %s listening on %s zones=%s %s max_clients=%zu idle_timeout=%lds "
		       "connection_ttl=%llds",
		       NG_VERSION, srv->listen_spec, srv->gen->zones,
		       ng_policy_describe(srv->gen->pol, desc, sizeof(desc)), srv->gen->max_clients,
		       (long)srv->gen->idle.tv_sec, (long long)srv->gen->ttl);
	if (!srv->relay_mode && strcmp(srv->gen->zones, "-") == 0)
		ng_log(&srv->log, NG_LOG_WARN, "dnsbl_zones is empty: every request gets DUNNO");
	if (event_base_dispatch(srv->base) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "event loop failed");
		goto out;
	}
	log_stats(srv, " final");
	ng_log(&srv->log, NG_LOG_INFO, "policyd stopped");
	rc = NG_EXIT_OK;
out:
	pd_conn_free_all(srv);
	pd_listen_stop(srv);
	for (size_t i = 0; i < 4; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (srv->drain_timer != NULL)
		event_free(srv->drain_timer);
	pd_gen_unref(srv->gen);
	pd_gen_reap(srv);
	if (srv->reaper != NULL)
		event_free(srv->reaper);
	if (srv->log.arg == &srv->logbuf)
		pd_logbuf_detach(&srv->logbuf);
	if (srv->base != NULL)
		event_base_free(srv->base);
	return rc;
}

int ng_cmd_policyd(int argc, char **argv)
{
	struct ng_config_args args;
	bool relay = false;
	const struct ng_daemon_flag flags[] = {{"relay", 'R', NULL, &relay}};
	int rc;
	struct ng_config *cfg =
	    ng_daemon_args(argc, argv, "policyd", ng_help_policyd, flags, 1, &args, &rc);
	if (cfg == NULL)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	struct pd_server srv;
	memset(&srv, 0, sizeof(srv));
	srv.args = &args;
	srv.relay_mode = relay;
	srv.listen_key = relay ? NG_K_RELAY_POLICYD_LISTEN : NG_K_POLICYD_LISTEN;
	rc = serve(&srv, cfg);
	return rc;
}
