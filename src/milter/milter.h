/*
 * milter.h - what the files of `ndrguard milter` share.
 *
 *   cmd_milter.c  the command: options, configuration, log sink,
 *                 privileges, start-up order, exit codes
 *   engine.c      the listening socket, the worker threads, reading and
 *                 writing the protocol sessions (lib/milter), signals
 *   callbacks.c   the filter's callbacks: per-connection state, header
 *                 buffering, body streaming into the classifier, the
 *                 decision (lib/policy/content.c) turned into a reply
 *   relay.c       the relay guard's callbacks (`--relay`)
 *   dnsq.c        the DNS thread: one event loop owning the c-ares
 *                 resolver and the DNSBL client, fed by the worker threads
 *                 through a locked queue and a pipe
 *
 * Threads: the engine runs one worker thread per MTA connection in
 * progress (kept in a pool between connections); the main thread waits
 * for signals.  Everything the workers share is immutable after start-up
 * (the configuration, the content rules, the server struct) except the
 * classifier pool, the counters and the DNS queue, which have locks.
 * lib/dnsbl is single-threaded: only the DNS thread touches it.
 */
#ifndef NG_MILTER_H
#define NG_MILTER_H

#include <ndrguard/classify.h>
#include <ndrguard/config.h>
#include <ndrguard/content.h>
#include <ndrguard/dnsbl.h>
#include <ndrguard/log.h>
#include <ndrguard/milter.h>
#include <ndrguard/quarantine.h>
#include <ndrguard/relay.h>
#include <ndrguard/store.h>
#include <ndrguard/spf.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* ----- dnsq.c ----- */

struct mt_dns;
struct mt_lookup;

struct mt_dns_opts {
	bool spf;                   /* relay mode: a resolver for SPF, no DNSBL */
	void (*tick_fn)(void *arg); /* run in the DNS thread every tick_secs */
	void *tick_arg;
	long long tick_secs;
};

/* Build the resolver and DNSBL client (or, with o->spf, the resolver
 * alone) from cfg and start the DNS thread (every signal blocked in it).
 * NULL with a message in err.  Without SPF and with no zones configured no
 * thread is started and every lookup says "no zones". */
struct mt_dns *mt_dns_start(const struct ng_config *cfg, const struct ng_log *log,
                            const struct mt_dns_opts *o, char *err, size_t errlen);
/* Stop the thread, cancel what is in flight, free everything.  Lookups
 * still held by callers are completed as UNKNOWN and freed on release. */
void mt_dns_stop(struct mt_dns *d);
size_t mt_dns_nzones(const struct mt_dns *d);

/* Queue a lookup of ip; NULL when there are no zones or out of memory.
 * The caller owns one reference: mt_lookup_release() it. */
struct mt_lookup *mt_lookup_start(struct mt_dns *d, const char *ip);
/* Wait until the answer is in or until deadline (CLOCK_REALTIME); true
 * with the result copied into out, false on timeout (out untouched). */
bool mt_lookup_wait(struct mt_lookup *l, const struct timespec *deadline,
                    struct ng_dnsbl_result *out);
void mt_lookup_release(struct mt_lookup *l);

/* Relay mode: queue an SPF check (lib/spf) of ip/helo for sender; NULL
 * when not in relay mode or out of memory.  Wait and release as above. */
struct mt_lookup *mt_spf_start(struct mt_dns *d, const char *ip, const char *helo,
                               const char *sender);
bool mt_spf_wait(struct mt_lookup *l, const struct timespec *deadline, struct ng_spf_outcome *out);

/* ----- engine.c ----- */

struct mt_engine;

/* Parse spec (milter_listen's form), bind and listen (before privileges
 * are dropped); NULL with a message in err.  desc and log are borrowed. */
struct mt_engine *mt_engine_listen(const char *spec, const struct ng_milter_desc *desc,
                                   const struct ng_log *log, char *err, size_t errlen);
bool mt_engine_is_unix(const struct mt_engine *e);
/* Serve until SIGTERM, SIGHUP or SIGINT and every session has ended; 0, or
 * -1 when no worker thread could be started.  Blocks those signals in the
 * calling thread (and so in the workers). */
int mt_engine_run(struct mt_engine *e);
/* Close the socket (removing a unix socket made by mt_engine_listen). */
void mt_engine_free(struct mt_engine *e);

/* ----- the server ----- */

struct mt_stats {
	unsigned long long messages, candidates, classified, lookups, timeouts;
	unsigned long long accept, tag, quarantine, discard, tempfail, reject;
	/* BATV: senders signed, recipients rewritten back, refused at RCPT */
	unsigned long long batv_signed, batv_rewritten, batv_refused;
};

struct mt_server {
	struct ng_log log;
	char log_ident[128];
	struct ng_config *cfg;
	struct ng_content *ct;
	struct mt_dns *dns;
	struct timespec dns_wait; /* the longest eom waits for an answer */
	/* classifiers not in use (built lazily, kept for the next message) */
	pthread_mutex_t pool_mu;
	ng_classifier **pool;
	size_t npool, pool_cap;
	struct mt_stats st; /* under pool_mu */
	bool no_addhdrs_logged;
	struct mt_engine *engine;
	bool listen_unix; /* the MTA talks to us over a unix socket */
	/* relay mode (relay.c) */
	bool relay_mode;
	struct ng_relay *relay;
	struct ng_store *store;
	struct ng_quarantine *quar;
	struct timespec spf_wait; /* the longest eom waits for an SPF check */
	long long quarantine_ttl; /* seconds */
	long long stats_interval; /* seconds; 0 = only at stop */
	time_t last_stats;        /* DNS thread only */
	struct mt_relay_stats {
		unsigned long long inbound, logged, log_failed, outbound, candidates;
	} rst; /* under pool_mu */
};

/* The one server, for every callback. */
extern struct mt_server *mt_srv;

/* callbacks.c: the filter (`ndrguard milter`). */
extern const struct ng_milter_desc mt_filter;
/* relay.c: the relay guard's filter (`ndrguard milter --relay`). */
extern const struct ng_milter_desc mt_relay_filter;
/* relay.c: the periodic work of relay mode, run in the DNS thread: the
 * message log and quarantine expiry, the rule counters in the log. */
void mt_relay_tick(void *arg);
/* relay.c: the counters, one log line (at stop, and every
 * relay_stats_interval). */
void mt_relay_log_stats(struct mt_server *srv, const char *when);

/* callbacks.c: small helpers both filters use. */
/* "<a@b>" -> "a@b" into out (cut to cap). */
void mt_strip_brackets(const char *s, char *out, size_t cap);
/* ng_milter_setreply() reads '%' as a format character: double it. */
void mt_pct_escape(const char *in, char *out, size_t cap);
/* The MTA's client: its address as text ("" when not IPv4/IPv6) and the
 * MTA's name for it ("" when NULL). */
struct sockaddr;
void mt_client_addr(const struct sockaddr *sa, const char *hostname, char *addr, size_t acap,
                    char *name, size_t ncap);
/* s escaped for a log line ("-" when NULL or empty); returns dst. */
char *mt_esc(char *dst, size_t cap, const char *s);

/* Take a classifier from the pool (or build one); NULL when out of memory. */
ng_classifier *mt_pool_get(struct mt_server *srv);
void mt_pool_put(struct mt_server *srv, ng_classifier *c);

#endif
