/*
 * cmd_trapd.c - `ndrguard trapd [-c FILE] [-o key=value]...`: the trap
 * SMTP server of a backscatter list.
 *
 * Every address of trap_domains is a trap.  trapd takes mail for them like
 * an ordinary server (never relaying anything else), classifies each
 * message as it streams in, and records a hit for the client's address in
 * the store: bounce, autoreply, callout (a sender verification probe) or
 * spam (counted, never listed) - see record.c.  `ndrguard dnsbld` serves
 * the listings, `ndrguard list` shows and edits them.
 *
 * A foreground daemon: configuration read once, the log sink chosen by
 * log_target, the socket bound, privileges dropped to daemon_user, the
 * store opened (after the drop, so its files belong to that user; once
 * per process, as LMDB wants), then one libevent loop serves every
 * client.  Signals:
 *
 *   SIGTERM, SIGINT
 *            stop: no new sessions; sessions between transactions get
 *            421 and close at once, the others when their transaction
 *            ends; after trapd_idle_timeout the rest get 421 and close
 *            (their open transactions end as at a disconnect); exit 0.
 *            A second signal ends the grace time at once.
 *   SIGUSR1  log a `stats` line with the counters (also logged at exit).
 *   SIGHUP   logged and ignored: the configuration is read at start only.
 *   SIGPIPE  ignored (a peer that closes early is an EPIPE we handle).
 *
 * Exit: 0 after SIGTERM/SIGINT, 2 usage or configuration error, 3 runtime
 * failure (cannot bind, cannot open the store, no event loop).
 */
#include "../cli/cli.h"
#include "trapd.h"
#include "util/privs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void ng_help_trapd(void)
{
	printf("usage: ndrguard trapd [-c FILE] [-o key=value]...\n"
	       "\n"
	       "The trap SMTP server of a backscatter list, in the foreground: accept mail\n"
	       "for trap_domains (ESMTP, PIPELINING, SIZE, 8BITMIME; no AUTH; never relays),\n"
	       "classify each message and record a hit for the client IP in the store:\n"
	       "bounce (ndr, delay, success, mdn, av-notice), autoreply (autoreply,\n"
	       "challenge), callout (<> or postmaster@ + RCPT, then RSET/QUIT/disconnect\n"
	       "without DATA), or spam (ordinary mail: counted, never listed).\n"
	       "\n"
	       "  -c FILE          configuration file (default %s if it exists)\n"
	       "  -o key=value     override one configuration key (repeatable)\n"
	       "\n"
	       "Keys: trapd_listen, trap_domains, trapd_hostname, trapd_max_clients,\n"
	       "trapd_max_message_size, trapd_max_commands, trapd_idle_timeout,\n"
	       "trapd_session_timeout, bounce_senders, listing_days, listing_v6_prefix,\n"
	       "listing_evidence, store, store_map_size, daemon_user, log_target.\n"
	       "Signals: TERM stops (sessions finish their transaction), USR1 logs statistics.\n"
	       "Exit: 0 after TERM, 2 configuration error, 3 runtime failure.\n"
	       "See ndrguard-trapd(8).\n",
	       NG_CONFIG_DEFAULT_PATH);
}

/* ----- statistics ----- */

static void log_stats(struct td_server *srv, const char *when)
{
	struct td_stats s = srv->st;
	td_conn_live_counts(srv, &s);
	ng_log(&srv->log, NG_LOG_INFO,
	       "stats%s sessions=%zu sessions_total=%llu refused=%llu idle_timeouts=%llu "
	       "session_timeouts=%llu floods=%llu too_many_commands=%llu commands=%llu "
	       "bad_commands=%llu relay_refused=%llu rcpts_over_cap=%llu transactions=%llu "
	       "messages=%llu oversize=%llu cut=%llu no_data=%llu callouts=%llu "
	       "class_ndr=%llu class_delay=%llu class_success=%llu class_autoreply=%llu "
	       "class_challenge=%llu class_av_notice=%llu class_feedback=%llu class_mdn=%llu "
	       "class_none=%llu hits_bounce=%llu hits_autoreply=%llu hits_callout=%llu "
	       "hits_spam=%llu record_errors=%llu spooled=%llu streamed=%llu prefix_only=%llu "
	       "classifier_builds=%llu classifier_failures=%llu",
	       when, srv->nconns, s.conns_total, s.conns_refused, s.idle_timeouts,
	       s.session_timeouts, s.floods, s.too_many_commands, s.commands, s.bad_commands,
	       s.relay_refused, s.rcpts_over_cap, s.transactions, s.messages, s.oversize, s.cut,
	       s.no_data, s.callouts, s.classes[NG_CLASS_NDR], s.classes[NG_CLASS_DELAY],
	       s.classes[NG_CLASS_SUCCESS], s.classes[NG_CLASS_AUTOREPLY],
	       s.classes[NG_CLASS_CHALLENGE], s.classes[NG_CLASS_AV_NOTICE],
	       s.classes[NG_CLASS_FEEDBACK], s.classes[NG_CLASS_MDN], s.classes[NG_CLASS_NONE],
	       s.hits[NG_CAT_BOUNCE], s.hits[NG_CAT_AUTOREPLY], s.hits[NG_CAT_CALLOUT],
	       s.hits[NG_CAT_SPAM], s.record_errors, s.spooled, s.streamed, s.prefix_only,
	       s.classifier_builds, s.classifier_failures);
}

/* ----- stopping ----- */

void td_server_drained(struct td_server *srv)
{
	event_base_loopexit(srv->base, NULL);
}

static void grace_over(struct td_server *srv)
{
	if (srv->nconns > 0)
		ng_log(&srv->log, NG_LOG_WARN, "grace time over: closing %zu sessions",
		       srv->nconns);
	td_conn_close_all(srv);
	event_base_loopexit(srv->base, NULL);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	grace_over(arg);
}

static void stop(struct td_server *srv, int sig)
{
	if (srv->draining) {
		ng_log(&srv->log, NG_LOG_WARN, "%s again: ending the grace time", strsignal(sig));
		grace_over(srv);
		return;
	}
	srv->draining = true;
	td_listen_stop(srv);
	ng_log(&srv->log, NG_LOG_INFO,
	       "%s: stopping; %zu sessions finish their transactions (at most %llds)",
	       strsignal(sig), srv->nconns, (long long)srv->idle.tv_sec);
	srv->drain_timer = evtimer_new(srv->base, grace_cb, srv);
	if (srv->drain_timer == NULL || evtimer_add(srv->drain_timer, &srv->idle) < 0) {
		grace_over(srv);
		return;
	}
	td_conn_drain_all(srv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct td_server *srv = arg;
	(void)what;
	switch (sig) {
	case SIGUSR1:
		log_stats(srv, "");
		break;
	case SIGHUP:
		ng_log(&srv->log, NG_LOG_INFO,
		       "SIGHUP ignored: trapd reads its configuration at start only");
		break;
	default:
		stop(srv, (int)sig);
		break;
	}
}

/* ----- start-up ----- */

/* The configuration values trapd reads; -1 with err (exit 2). */
static int read_config(struct td_server *srv, char *err, size_t errlen)
{
	const struct ng_config *cfg = srv->cfg;
	srv->ndomains = ng_config_list(cfg, NG_K_TRAP_DOMAINS, &srv->domains);
	if (srv->ndomains == 0) {
		snprintf(err, errlen,
		         "%s: trap_domains is empty: every recipient would be refused; name the "
		         "trap domains",
		         ng_config_where(cfg, NG_K_TRAP_DOMAINS));
		return -1;
	}
	const char *host = ng_config_str(cfg, NG_K_TRAPD_HOSTNAME);
	if (host[0] != '\0') {
		snprintf(srv->hostname, sizeof(srv->hostname), "%s", host);
	} else if (gethostname(srv->hostname, sizeof(srv->hostname) - 1) < 0 ||
	           srv->hostname[0] == '\0') {
		snprintf(srv->hostname, sizeof(srv->hostname), "localhost");
	}
	srv->hostname[sizeof(srv->hostname) - 1] = '\0';
	for (const char *p = srv->hostname; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "%s: trapd_hostname: '%.80s' is not a host name",
			         ng_config_where(cfg, NG_K_TRAPD_HOSTNAME), srv->hostname);
			return -1;
		}
	srv->max_size = (uint64_t)ng_config_int(cfg, NG_K_TRAPD_MAX_MESSAGE_SIZE);
	srv->max_commands = (unsigned)ng_config_int(cfg, NG_K_TRAPD_MAX_COMMANDS);
	srv->max_clients = (size_t)ng_config_int(cfg, NG_K_TRAPD_MAX_CLIENTS);
	srv->idle.tv_sec = (time_t)ng_config_int(cfg, NG_K_TRAPD_IDLE_TIMEOUT);
	srv->lifetime.tv_sec = (time_t)ng_config_int(cfg, NG_K_TRAPD_SESSION_TIMEOUT);
	srv->v6_prefix = (unsigned)ng_config_int(cfg, NG_K_LISTING_V6_PREFIX);
	srv->lopts.days = (unsigned)ng_config_int(cfg, NG_K_LISTING_DAYS);
	srv->lopts.evidence = (unsigned)ng_config_int(cfg, NG_K_LISTING_EVIDENCE);
	if (ng_store_check_spec(ng_config_str(cfg, NG_K_STORE), err, errlen) < 0)
		return -1;
	/* bounce_senders, for the callout rule: the policy's own reading */
	struct ng_policy_opts po;
	memset(&po, 0, sizeof(po));
	po.nbounce_senders = ng_config_list(cfg, NG_K_BOUNCE_SENDERS, &po.bounce_senders);
	char perr[512];
	srv->bounce = ng_policy_new(&po, perr, sizeof(perr));
	if (srv->bounce == NULL) {
		snprintf(err, errlen, "%s: bounce_senders: %s",
		         ng_config_where(cfg, NG_K_BOUNCE_SENDERS), perr);
		return -1;
	}
	return 0;
}

static void raise_nofile(struct td_server *srv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			ng_log(&srv->log, NG_LOG_WARN, "cannot raise the open file limit: %s",
			       strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)srv->max_clients + 64)
		ng_log(&srv->log, NG_LOG_WARN,
		       "open file limit %llu is below trapd_max_clients = %zu plus reserve; "
		       "connections past the limit wait in the backlog",
		       (unsigned long long)rl.rlim_cur, srv->max_clients);
}

static int open_store(struct td_server *srv, char *err, size_t errlen)
{
	struct ng_store_opts so = {
	    .map_size = (size_t)ng_config_int(srv->cfg, NG_K_STORE_MAP_SIZE) << 20,
	    .log = &srv->log,
	};
	char msg[512];
	srv->store = ng_store_open(ng_config_str(srv->cfg, NG_K_STORE), &so, msg, sizeof(msg));
	if (srv->store == NULL) {
		snprintf(err, errlen, "%s: store: %s", ng_config_where(srv->cfg, NG_K_STORE), msg);
		return -1;
	}
	return 0;
}

static int serve(struct td_server *srv)
{
	char err[1024];
	int rc = NG_EXIT_RUNTIME;
	struct event *sigs[4] = {NULL, NULL, NULL, NULL};
	static const int signos[4] = {SIGTERM, SIGINT, SIGUSR1, SIGHUP};
	const struct ng_config *cfg = srv->cfg;

	ng_config_log_init(cfg, "trapd", &srv->log, srv->log_ident, sizeof(srv->log_ident));
	if (ng_listen_parse(ng_config_str(cfg, NG_K_TRAPD_LISTEN), &srv->listen, err, sizeof(err)) <
	    0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: trapd_listen: %s",
		       ng_config_where(cfg, NG_K_TRAPD_LISTEN), err);
		return NG_EXIT_USAGE;
	}
	snprintf(srv->listen_spec, sizeof(srv->listen_spec), "%s",
	         ng_config_str(cfg, NG_K_TRAPD_LISTEN));
	if (read_config(srv, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		return NG_EXIT_USAGE;
	}
	srv->base = event_base_new();
	if (srv->base == NULL) {
		ng_log(&srv->log, NG_LOG_FATAL, "cannot create the event loop");
		return NG_EXIT_RUNTIME;
	}
	raise_nofile(srv);
	if (td_listen_start(srv, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s: trapd_listen: %s",
		       ng_config_where(cfg, NG_K_TRAPD_LISTEN), err);
		goto out;
	}
	if (ng_privs_drop_daemon(cfg, &srv->log) < 0) {
		rc = NG_EXIT_USAGE;
		goto out;
	}
	if (open_store(srv, err, sizeof(err)) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "%s", err);
		goto out;
	}
	if (td_classifiers_init(srv) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "out of memory (classifier)");
		goto out;
	}
	for (size_t i = 0; i < 4; i++) {
		sigs[i] = evsignal_new(srv->base, signos[i], signal_cb, srv);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) < 0) {
			ng_log(&srv->log, NG_LOG_FATAL, "cannot handle %s", strsignal(signos[i]));
			goto out;
		}
	}
	char domains[512];
	ng_config_format(cfg, NG_K_TRAP_DOMAINS, domains, sizeof(domains));
	ng_log(&srv->log, NG_LOG_INFO,
	       "trapd %s listening on %s hostname=%s trap_domains=\"%s\" store=%s "
	       "max_clients=%zu max_message_size=%llu max_commands=%u idle_timeout=%llds "
	       "session_timeout=%llds listing_days=%u",
	       NG_VERSION, srv->listen_spec, srv->hostname, domains, ng_store_backend(srv->store),
	       srv->max_clients, (unsigned long long)srv->max_size, srv->max_commands,
	       (long long)srv->idle.tv_sec, (long long)srv->lifetime.tv_sec, srv->lopts.days);
	if (event_base_dispatch(srv->base) < 0) {
		ng_log(&srv->log, NG_LOG_FATAL, "event loop failed");
		goto out;
	}
	td_conn_free_all(srv); /* before the final count: their transactions end now */
	log_stats(srv, " final");
	ng_log(&srv->log, NG_LOG_INFO, "trapd stopped");
	rc = NG_EXIT_OK;
out:
	td_conn_free_all(srv);
	td_listen_stop(srv);
	for (size_t i = 0; i < 4; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (srv->drain_timer != NULL)
		event_free(srv->drain_timer);
	td_classifiers_free(srv);
	ng_store_close(srv->store);
	ng_policy_free(srv->bounce);
	event_base_free(srv->base);
	return rc;
}

int ng_cmd_trapd(int argc, char **argv)
{
	struct ng_config_args args;
	int rc;
	struct ng_config *cfg =
	    ng_daemon_args(argc, argv, "trapd", ng_help_trapd, NULL, 0, &args, &rc);
	if (cfg == NULL)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	struct td_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		fprintf(stderr, "ndrguard: trapd: out of memory\n");
		ng_config_free(cfg);
		return NG_EXIT_RUNTIME;
	}
	srv->cfg = cfg;
	rc = serve(srv);
	ng_config_free(cfg);
	free(srv);
	return rc;
}
