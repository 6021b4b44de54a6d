/*
 * policyd.h - what the files of `ndrguard policyd` share.
 *
 *   cmd_policyd.c  the command: options, configuration, log sink, signals
 *                  (SIGHUP reload, SIGTERM/SIGINT drain, SIGUSR1 stats),
 *                  the event loop, exit codes
 *   gen.c          a configuration generation: config + rules + resolver +
 *                  DNSBL client + self-test timer, reference-counted so
 *                  that a reload never pulls a DNSBL client from under a
 *                  lookup in flight
 *   listen.c       the listening socket (inet or unix) and accepting
 *   conn.c         one client connection: parse, decide, answer, log
 *   logbuf.c       the standard-error log sink that writes once per loop turn
 *
 * Everything runs on one libevent loop in one thread; nothing here locks.
 * Policy decisions are the library's (lib/policy); this front-end only
 * translates the protocol and keeps connections.
 */
#ifndef NG_POLICYD_H
#define NG_POLICYD_H

#include <ndrguard/config.h>
#include <ndrguard/dns.h>
#include <ndrguard/dnsbl.h>
#include <ndrguard/log.h>
#include <ndrguard/policy.h>
#include <ndrguard/relay.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

struct pd_server;
struct ng_listener;

/* One configuration generation.  The server holds one reference to the
 * current generation; each request waiting for a lookup holds another. */
struct pd_gen {
	struct pd_server *srv;
	unsigned refs;
	unsigned long id; /* 1, 2, ... per reload */
	struct ng_config *cfg;
	struct ng_policy *pol;
	struct ng_dns_resolver *res;
	struct ng_dnsbl *bl;      /* NULL in relay mode */
	struct ng_relay *relay;   /* relay mode only */
	struct event *selftest;   /* every dnsbl_selftest_interval; NULL if 0 */
	struct pd_gen *next_dead; /* on the server's reaper list */
	/* configuration values read per connection or request */
	struct timeval idle;
	time_t ttl; /* 0 = none */
	size_t max_clients;
	char zones[512]; /* dnsbl_zones joined, for the log */
};

/* Build a generation from cfg (taken over: freed with the generation, or
 * here on failure).  NULL with a message in err, naming the key. */
struct pd_gen *pd_gen_new(struct pd_server *srv, struct ng_config *cfg, char *err, size_t errlen);
struct pd_gen *pd_gen_ref(struct pd_gen *g);
/* Drop a reference; the last one frees the generation from the event loop
 * (never from inside a DNSBL callback, where freeing the client is a bug). */
void pd_gen_unref(struct pd_gen *g);
/* Free the generations whose last reference is gone (the reaper event). */
void pd_gen_reap(struct pd_server *srv);

struct pd_stats {
	unsigned long long decisions, dunno, prepend, defer, reject;
	unsigned long long lookups, lookups_sync, no_lookup, dry_run, exempt;
	unsigned long long malformed, floods, bad_request_type, lookup_errors;
	unsigned long long conns_total, conns_refused, conns_timeout;
	unsigned long long reloads, reload_failures;
	unsigned long long relay_tenant, relay_bounces, relay_over_budget;
};

/* logbuf.c: a stderr sink that gathers the lines of one loop turn. */
struct pd_logbuf {
	char buf[4096]; /* PIPE_BUF: one flush is one atomic write */
	size_t len;
	long pid;
	struct event *flush_ev; /* NULL: no loop runs, write at once */
};
void pd_logbuf_init(struct pd_logbuf *lb, struct ng_log *log, enum ng_log_sev min);
/* Gather from now on (0), or -1 when out of memory (then: write at once). */
int pd_logbuf_attach(struct pd_logbuf *lb, struct event_base *base);
/* Write what is gathered; write at once from now on. */
void pd_logbuf_detach(struct pd_logbuf *lb);

struct pd_conn;

struct pd_server {
	struct event_base *base;
	struct ng_log log;
	struct pd_logbuf logbuf;           /* the sink when log_target = stderr */
	char log_ident[128];               /* the syslog identity must outlive the sink */
	const struct ng_config_args *args; /* -c and -o, for reloads */
	bool relay_mode;                   /* --relay: the relay guard's envelope checks */
	enum ng_key listen_key;            /* policyd_listen or relay_policyd_listen */
	struct pd_gen *gen;                /* current */
	struct pd_gen *dead;               /* to be freed by the reaper */
	unsigned long next_gen_id;
	struct event *reaper;
	/* listening */
	struct ng_listen listen;
	char listen_spec[300];
	struct ng_listener *listener; /* lib/util/listener.c */
	time_t refused_logged;        /* rate limit of the "too many clients" line */
	/* connections */
	char rbuf[16384]; /* every read lands here first */
	LIST_HEAD(pd_conns, pd_conn) conns;
	size_t nconns;
	unsigned long next_conn_id;
	/* shutdown */
	bool draining;
	struct event *drain_timer;
	struct pd_stats st;
};

/* listen.c: bind policyd_listen (a stale unix socket is removed); 0, or -1
 * with a message in err. */
int pd_listen_start(struct pd_server *srv, char *err, size_t errlen);
/* Stop accepting, close the socket, unlink a unix socket we created. */
void pd_listen_stop(struct pd_server *srv);

/* conn.c: take over an accepted socket (closes it when over the limit). */
void pd_conn_accept(struct pd_server *srv, evutil_socket_t fd, const struct sockaddr *sa,
                    int salen);
/* Start draining every connection: idle ones close now, busy ones after
 * the requests they already hold are answered. */
void pd_conn_drain_all(struct pd_server *srv);
/* Free every connection at once (cancels lookups; exit path). */
void pd_conn_free_all(struct pd_server *srv);
/* Apply the current generation's idle timeout to every connection. */
void pd_conn_retime_all(struct pd_server *srv);
/* Called when the last connection went away while draining. */
void pd_server_drained(struct pd_server *srv);

#endif
