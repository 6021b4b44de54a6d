/*
 * trapd.h - what the files of `ndrguard trapd` share.
 *
 *   cmd_trapd.c  the command: options, configuration, log sink, signals
 *                (SIGTERM/SIGINT drain, SIGUSR1 stats), privileges, the
 *                store, the event loop, exit codes
 *   listen.c     the listening socket (inet or unix) and accepting
 *   conn.c       one SMTP client: bytes to the session (lib/smtp) and its
 *                replies back, timers, the end of a session
 *   record.c     what a transaction means: the message's content
 *                (spooled or streamed) and its verdict, the category,
 *                the listing hit with redacted evidence, the
 *                transaction's log line
 *
 * Everything runs on one libevent loop in one thread; nothing here locks.
 * The SMTP state machine, the classifier and the listings are the
 * library's (lib/smtp, lib/classify, lib/listing); this front-end only
 * moves bytes, keeps time and counts.
 */
#ifndef NG_TRAPD_H
#define NG_TRAPD_H

struct ng_listener;
#include <ndrguard/classify.h>
#include <ndrguard/config.h>
#include <ndrguard/listing.h>
#include <ndrguard/log.h>
#include <ndrguard/policy.h>
#include <ndrguard/smtp.h>
#include <ndrguard/store.h>

#include "util/buf.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

struct td_stats {
	unsigned long long conns_total, conns_refused;
	unsigned long long idle_timeouts, session_timeouts, floods, too_many_commands;
	unsigned long long commands, bad_commands, relay_refused, rcpts_over_cap;
	unsigned long long transactions, messages, oversize, cut, callouts, no_data;
	unsigned long long classes[NG_CLASS_MDN + 1];
	unsigned long long hits[NG_CAT_N];      /* recorded in the store, per category */
	unsigned long long record_errors;       /* hits the store refused */
	unsigned long long spooled;             /* messages classified from the spool */
	unsigned long long streamed;            /* messages past the spool, streamed */
	unsigned long long prefix_only;         /* past the spool, judged on the spool alone */
	unsigned long long classifier_builds;   /* classifiers built for streaming */
	unsigned long long classifier_failures; /* out of memory: not classified */
};

/* The content of the message coming in one session (record.c). */
struct td_msg {
	ng_buf spool;      /* up to NG_TRAPD_SPOOL_MAX bytes, until a classifier reads them */
	ng_classifier *cl; /* streaming: a classifier of its own; else NULL */
	bool prefix_only;  /* past the spool without a classifier: the rest is not read */
	bool failed;       /* out of memory: not classified */
};

struct td_conn;

struct td_server {
	struct event_base *base;
	struct ng_log log;
	char log_ident[128]; /* the syslog identity must outlive the sink */
	struct ng_config *cfg;
	/* configuration, read once at start-up */
	const char *const *domains; /* trap_domains, owned by cfg */
	size_t ndomains;
	char hostname[NG_SMTP_HOSTNAME_MAX + 1];
	uint64_t max_size;
	unsigned max_commands;
	size_t max_clients;
	struct timeval idle, lifetime;
	unsigned v6_prefix;
	struct ng_listing_opts lopts;
	struct ng_policy *bounce; /* bounce_senders, for the callout rule */
	struct ng_store *store;
	/* listening */
	struct ng_listen listen;
	char listen_spec[300];
	struct ng_listener *listener; /* lib/util/listener.c */
	time_t refused_logged;        /* rate limit of the "too many clients" line */
	/* sessions */
	LIST_HEAD(td_conns, td_conn) conns;
	size_t nconns;
	unsigned long next_conn_id;
	/* classifiers (record.c): one for spooled messages at end of data,
	 * and those of messages that stream, idle or in use */
	ng_classifier *eod;
	ng_classifier *spare[NG_TRAPD_STREAMS_MAX];
	size_t nspare, nstreams;
	/* shutdown */
	bool draining;
	struct event *drain_timer;
	struct td_stats st;
};

/* listen.c: bind trapd_listen (a stale unix socket is removed); 0, or -1
 * with a message in err. */
int td_listen_start(struct td_server *srv, char *err, size_t errlen);
/* Stop accepting, close the socket, unlink a unix socket we created. */
void td_listen_stop(struct td_server *srv);

/* conn.c: take over an accepted socket (421 and close over the limit). */
void td_conn_accept(struct td_server *srv, evutil_socket_t fd, const struct sockaddr *sa,
                    int salen);
/* The server stops: sessions between transactions get 421 and close now,
 * the others after their transaction. */
void td_conn_drain_all(struct td_server *srv);
/* The grace time is over: every session gets 421 and closes (its open
 * transaction ends as the session library says: a callout perhaps). */
void td_conn_close_all(struct td_server *srv);
/* Free every session at once (exit path). */
void td_conn_free_all(struct td_server *srv);
/* Add the command counters of the sessions still open to st. */
void td_conn_live_counts(const struct td_server *srv, struct td_stats *st);
/* cmd_trapd.c: the last session went away while draining. */
void td_server_drained(struct td_server *srv);

/* record.c: the classifier for spooled messages (start-up: 0, or -1 when
 * out of memory), and every classifier at exit. */
int td_classifiers_init(struct td_server *srv);
void td_classifiers_free(struct td_server *srv);
/* A message's content: begin (DATA was accepted), each piece as it comes
 * (sender: the envelope's, "" for <>), and drop (refused, cut, or after
 * td_record_txn); m is zeroed by the caller once, reused after drop. */
void td_msg_begin(struct td_server *srv, struct td_msg *m);
void td_msg_feed(struct td_server *srv, struct td_msg *m, const char *sender, const char *piece,
                 size_t len);
void td_msg_drop(struct td_server *srv, struct td_msg *m);
/*
 * A transaction ended (NG_SMTP_EV_TXN_END): classify its message (m: the
 * session's message, read only when t->end is NG_SMTP_END_MESSAGE),
 * record the hit in its category, count, and log one line.  ip is the
 * client's address, conn the session number.  The caller drops m after.
 */
void td_record_txn(struct td_server *srv, unsigned long conn, const char *ip,
                   const struct ng_smtp_txn *t, struct td_msg *m);
/* The category of a class: bounce, autoreply, or spam for the rest. */
enum ng_cat td_category(enum ng_class cls);

#endif
