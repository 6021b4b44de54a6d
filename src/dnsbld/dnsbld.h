/*
 * dnsbld.h - what the files of `ndrguard dnsbld` share.
 *
 *   cmd_dnsbld.c  the command: options, configuration, log sink, signals
 *                 (SIGHUP rebuild, SIGTERM/SIGINT exit, SIGUSR1 counters),
 *                 start-up order (bind, drop privileges, open the store,
 *                 first index, serve), the event loop, exit codes
 *   udp.c         dnsbld_listen parsed and bound (UDP and TCP per address);
 *                 UDP served in batches: one recvmmsg, every answer, one
 *                 sendmmsg (on a send-only twin socket), into buffers
 *                 allocated once; a short pause between batches under load
 *   tcp.c         TCP: two-byte length prefix, pipelining, idle timeout,
 *                 limits on connections, queries and unsent output
 *   reload.c      the index built from the store (or a --data file) on a
 *                 thread, then swapped in on the loop thread
 *
 * Everything but the index build runs on one libevent loop in one thread,
 * and every query is answered inside one callback; so the swap (between
 * callbacks) can free the old index at once: no batch is using it (an
 * RCU grace period that ends at the next callback).  The build thread
 * reads the current index (to tell whether anything changed) while the
 * loop serves from it; the loop never frees it while a build runs.
 */
#ifndef NG_DNSBLD_H
#define NG_DNSBLD_H

#include <ndrguard/config.h>
#include <ndrguard/listing.h>
#include <ndrguard/log.h>
#include <ndrguard/store.h>
#include <ndrguard/zone.h>

#include "util/limits.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

struct db_stats {
	unsigned long long udp_queries, tcp_queries;
	unsigned long long kinds[NG_ZONE_KINDS]; /* answers by kind (dropped included) */
	unsigned long long listed[NG_ZONE_CATS]; /* listed answers by category */
	unsigned long long truncated, edns, test_entries;
	unsigned long long oversize; /* UDP datagrams or TCP messages past the cap */
	unsigned long long rrl_dropped, rrl_slipped;
	unsigned long long send_errors; /* answers the kernel did not take */
	unsigned long long batches;     /* recvmmsg calls that returned datagrams */
	unsigned long long tcp_conns, tcp_refused, tcp_idle, tcp_limit;
	unsigned long long reloads, reloads_unchanged, reload_failures;
};

/* One UDP socket and its event. */
struct db_udp {
	int fd;  /* receives; watched by the loop */
	int sfd; /* sends the answers: fd, or its send-only twin (udp.c) */
	bool v6;
	bool pktinfo; /* bound to a wildcard address: answer from the query's destination */
	struct event *ev;
	struct db_server *srv;
	char name[64]; /* "127.0.0.1:10053", for the log */
};

/* The buffers of one recvmmsg/sendmmsg round, allocated once. */
struct db_batch {
	struct mmsghdr in[NG_DNSBLD_BATCH], out[NG_DNSBLD_BATCH];
	struct iovec iov_in[NG_DNSBLD_BATCH], iov_out[NG_DNSBLD_BATCH];
	struct sockaddr_storage peer[NG_DNSBLD_BATCH];
	union {
		struct cmsghdr align;
		char buf[64];
	} cmsg_in[NG_DNSBLD_BATCH], cmsg_out[NG_DNSBLD_BATCH];
	uint8_t query[NG_DNSBLD_BATCH][NG_DNSBLD_QUERY_MAX];
	uint8_t answer[NG_DNSBLD_BATCH][NG_DNSBLD_UDP_MAX];
};

struct db_conn;

/* The index build (reload.c). */
struct db_reload {
	/* the source: a --data file, else the store */
	const char *data_path;
	struct ng_store *store;
	long long data_mtime, data_size; /* of the last build from data_path */
	/* the thread and its job */
	pthread_t thread;
	bool running;
	bool again;        /* asked for while running: build again when it ends */
	bool again_forced; /* ... and that request was a SIGHUP */
	bool forced;       /* the running build was asked for (SIGHUP): no shortcut */
	int pipe[2];       /* the thread writes one byte when done */
	struct event *done_ev, *timer;
	/* in: */
	int64_t now;
	uint32_t serial;
	unsigned published;
	const struct ng_zone_index *current;
	struct ng_listing_codes codes; /* dnsbld_codes: the A values of a --data file */
	/* what the served index was built from (the store): a fingerprint of
	 * the raw records and the first time a listed entry expires; written
	 * by the loop, read by the thread */
	bool have_fp;
	uint64_t fp;
	int64_t next_expiry; /* 0: none */
	/* out: */
	struct ng_zone_index *result;
	bool unchanged;
	bool quick; /* unchanged by the fingerprint alone: nothing was built */
	uint64_t new_fp;
	int64_t new_next_expiry;
	size_t entries, skipped;
	double secs;
	char err[512];
	const struct ng_log *log;
};

struct db_server {
	struct event_base *base;
	struct ng_log log;
	char log_ident[128];
	struct ng_config *cfg;
	struct ng_zone *zone;
	struct ng_zone_index *ix; /* served; replaced by db_reload_swap() only */
	struct ng_zone_rrl *rrl;  /* NULL: dnsbld_rrl = 0 */
	/* UDP */
	struct db_udp udp[NG_DNSBLD_LISTEN_MAX * 2];
	size_t nudp;
	struct db_batch *batch;
	/* TCP */
	struct evconnlistener *lev[NG_DNSBLD_LISTEN_MAX * 2];
	int lev_fd[NG_DNSBLD_LISTEN_MAX * 2]; /* bound and listening; lev[i] owns it once made */
	size_t nlev;
	LIST_HEAD(db_conns, db_conn) conns;
	size_t nconns;
	uint8_t tcp_query[NG_DNSBLD_QUERY_MAX];
	uint8_t tcp_answer[2 + NG_DNSBLD_TCP_ANSWER_MAX];
	/* reload */
	struct db_reload rl;
	struct db_stats st;
	char listen_desc[512];
};

/* udp.c: bind every dnsbld_listen address (UDP and TCP); 0, -1 with a
 * message in err when a socket cannot be bound (or a name resolved), -2
 * when the value is malformed.  The sockets are non-blocking; UDP gets a
 * big receive buffer. */
int db_listen(struct db_server *srv, char *err, size_t errlen);
/* Start serving UDP on the loop (after the privileges are dropped). */
int db_udp_start(struct db_server *srv, char *err, size_t errlen);
/* Close every socket. */
void db_listen_close(struct db_server *srv);
/* The clock of the rate limiter: monotonic milliseconds. */
uint64_t db_now_ms(void);
/* Count one answer. */
void db_count(struct db_server *srv, const struct ng_zone_reply *r);

/* tcp.c: accept on the TCP sockets bound by db_listen(); 0 or -1. */
int db_tcp_start(struct db_server *srv, char *err, size_t errlen);
/* Close every connection at once (exit). */
void db_tcp_free_all(struct db_server *srv);

/* reload.c */
/* Open the source (a --data file, else the store, read-only) and build
 * the first index on this thread; 0, -1 with a message in err when the
 * build failed (the daemon then serves an empty index and keeps trying),
 * or -2 for a configuration error (dnsbld_codes). */
int db_reload_init(struct db_server *srv, char *err, size_t errlen);
/* Arm the periodic rebuild (dnsbld_reload_interval) and the done-pipe. */
int db_reload_start(struct db_server *srv, char *err, size_t errlen);
/* Rebuild now (SIGHUP); a build already running is followed by another. */
void db_reload_request(struct db_server *srv, bool forced);
/* Wait for a running build and release everything (exit). */
void db_reload_stop(struct db_server *srv);
/* Log the index's size: "index v4=... bytes=... (B per entry)". */
void db_log_index(struct db_server *srv, const char *what, double secs);

#endif
