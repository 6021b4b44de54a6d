/*
 * engine.c - the milter's sockets and threads around the protocol
 * sessions of lib/milter (milter.h).
 *
 * A pool of worker threads, each blocking in accept(2) on the one
 * listening socket and then serving that connection to its end: read
 * what the MTA sent into the session, run it, write the replies it
 * queued, read again.  The session runs the filter's callbacks in the
 * worker, so a callback may block (end of data waits for the DNS thread)
 * without holding up other connections.  No thread is created per
 * connection: when the last idle worker takes a connection it starts one
 * more (up to NG_MILTER_THREADS_MAX; past that, new connections wait in
 * the listen backlog), and a worker that finds MAX_IDLE others idle when
 * its connection ends exits.
 *
 * Why not libmilter: per packet it polls, reads the 5-byte header and
 * reads the rest (five system calls, measured), answers each packet with
 * its own write, and starts a thread per connection; a message through
 * Postfix is about 30 packets, most of them unanswered (macros, NR_*
 * steps), so the milter spent about 200 system calls and 1.1-1.5 ms of CPU
 * a message, 95% of it in libmilter (bench/README.md).  Here one read
 * takes whatever the MTA has sent, and the replies to it leave in one
 * write.
 *
 * Reads and writes time out after the milter's read timeout (the
 * SO_RCVTIMEO/SO_SNDTIMEO of the connection; libmilter's default is
 * 7210 s).  Signals: the main thread waits for SIGTERM, SIGHUP and SIGINT
 * (blocked in every thread); TERM and HUP stop accepting (shutdown(2) of
 * the listening socket wakes the workers in accept) and let the sessions
 * in progress end; INT also shuts down every open connection, so each
 * session ends at once (the MTA applies milter_default_action).
 */
#include "milter.h"

#include "util/limits.h"
#include "util/listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIN_WORKERS 4  /* started at once */
#define MAX_IDLE    16 /* idle workers kept when connections end */

struct worker {
	struct mt_engine *e;
	int fd;                  /* the connection served, -1 when none (under e->mu) */
	LIST_ENTRY(worker) link; /* e->workers */
};

struct mt_engine {
	const struct ng_milter_desc *desc;
	const struct ng_log *log;
	int lfd;
	struct ng_listen listen;
	bool unix_created;
	time_t timeout;
	pthread_mutex_t mu;
	LIST_HEAD(workers, worker) workers;
	size_t threads, idle;
	bool stopping, full_logged;
	unsigned long long connections, protocol_errors, started;
};

/* Write everything the session queued; false when the MTA is gone. */
static bool flush(int fd, struct ng_milter_ctx *ctx)
{
	size_t len;
	const unsigned char *p;
	while ((p = ng_milter_output(ctx, &len)), len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		ng_milter_consumed(ctx, (size_t)n);
	}
	return true;
}

/* One connection, to its end. */
static void serve(struct mt_engine *e, struct ng_milter_ctx *ctx, int fd)
{
	struct timeval tv = {.tv_sec = e->timeout};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ng_milter_reset(ctx);
	for (;;) {
		size_t room;
		unsigned char *p = ng_milter_space(ctx, &room);
		if (p == NULL) {
			ng_log(e->log, NG_LOG_ERROR, "milter connection: out of memory");
			break;
		}
		ssize_t n = read(fd, p, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				ng_log(
				    e->log, NG_LOG_WARN,
				    "milter connection: no command from the MTA in %lld s: closed",
				    (long long)e->timeout);
			else if (errno != ECONNRESET && errno != EPIPE && errno != ESHUTDOWN &&
			         errno != ENOTCONN)
				ng_log(e->log, NG_LOG_WARN, "milter connection: read: %s",
				       strerror(errno));
			break;
		}
		enum ng_milter_input r = ng_milter_input(ctx, (size_t)n);
		if (!flush(fd, ctx))
			break;
		if (r == NG_MILTER_CLOSE) {
			const char *why = ng_milter_error(ctx);
			if (why[0] != '\0') {
				ng_log(e->log, NG_LOG_WARN, "milter connection: %s: closed", why);
				pthread_mutex_lock(&e->mu);
				e->protocol_errors++;
				pthread_mutex_unlock(&e->mu);
			}
			break;
		}
	}
	ng_milter_end(ctx);
}

static int start_worker(struct mt_engine *e);

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct mt_engine *e = w->e;
	struct ng_milter_ctx *ctx = ng_milter_new(e->desc, NULL);
	bool quit = false;
	if (ctx == NULL)
		ng_log(e->log, NG_LOG_ERROR, "milter worker: out of memory");
	while (ctx != NULL && !quit) {
		int fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			pthread_mutex_lock(&e->mu);
			bool stop = e->stopping;
			pthread_mutex_unlock(&e->mu);
			if (stop)
				break;
			if (err == EINTR || err == ECONNABORTED || err == EPROTO)
				continue;
			ng_log(e->log, NG_LOG_ERROR, "accept: %s: pausing for 100 ms",
			       strerror(err));
			struct timespec pause = {0, 100000000};
			nanosleep(&pause, NULL);
			continue;
		}
		pthread_mutex_lock(&e->mu);
		w->fd = fd;
		e->idle--;
		e->connections++;
		bool more = e->idle == 0 && !e->stopping && e->threads < NG_MILTER_THREADS_MAX;
		if (e->idle == 0 && e->threads >= NG_MILTER_THREADS_MAX && !e->full_logged) {
			e->full_logged = true;
			ng_log(e->log, NG_LOG_WARN,
			       "%d milter connections at once: more wait in the listen backlog",
			       NG_MILTER_THREADS_MAX);
		}
		pthread_mutex_unlock(&e->mu);
		if (more && start_worker(e) < 0)
			ng_log(e->log, NG_LOG_ERROR, "cannot start a milter worker thread: %s",
			       strerror(errno));
		serve(e, ctx, fd);
		pthread_mutex_lock(&e->mu);
		w->fd = -1;
		close(fd);
		if (e->idle >= MAX_IDLE || e->stopping)
			quit = true;
		else
			e->idle++;
		pthread_mutex_unlock(&e->mu);
	}
	ng_milter_free(ctx);
	pthread_mutex_lock(&e->mu);
	if (!quit)
		e->idle--;
	e->threads--;
	LIST_REMOVE(w, link);
	pthread_mutex_unlock(&e->mu);
	free(w);
	return NULL;
}

/* One more idle worker; -1 when it cannot be made (errno set). */
static int start_worker(struct mt_engine *e)
{
	struct worker *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -1;
	w->e = e;
	w->fd = -1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&e->mu);
	e->threads++;
	e->idle++;
	e->started++;
	LIST_INSERT_HEAD(&e->workers, w, link);
	pthread_t t;
	int rc = pthread_create(&t, &attr, worker_main, w);
	if (rc != 0) {
		e->threads--;
		e->idle--;
		LIST_REMOVE(w, link);
	}
	pthread_mutex_unlock(&e->mu);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(w);
		errno = rc;
		return -1;
	}
	return 0;
}

struct mt_engine *mt_engine_listen(const char *spec, const struct ng_milter_desc *desc,
                                   const struct ng_log *log, char *err, size_t errlen)
{
	struct mt_engine *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->desc = desc;
	e->log = log;
	e->timeout = NG_MILTER_TIMEOUT;
	pthread_mutex_init(&e->mu, NULL);
	if (ng_listen_parse(spec, &e->listen, err, errlen) < 0 ||
	    (e->lfd = ng_listen_socket(&e->listen, spec, 1024, &e->unix_created, err, errlen)) <
	        0) {
		e->lfd = -1;
		mt_engine_free(e);
		return NULL;
	}
	/* At end of data the replies leave in one write; a short answer must
	 * not wait for the MTA's delayed ACK either.  Linux copies TCP_NODELAY
	 * from the listening socket to the connections. */
	int one = 1;
	if (!e->listen.is_unix)
		(void)setsockopt(e->lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return e;
}

bool mt_engine_is_unix(const struct mt_engine *e)
{
	return e->listen.is_unix;
}

/* End every open session at once (the MTA sees the connection close);
 * under e->mu. */
static void close_sessions(struct mt_engine *e)
{
	struct worker *w;
	LIST_FOREACH(w, &e->workers, link)
	if (w->fd >= 0)
		shutdown(w->fd, SHUT_RDWR);
}

int mt_engine_run(struct mt_engine *e)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	int rc = 0;
	for (int i = 0; i < MIN_WORKERS; i++) {
		if (start_worker(e) < 0) {
			ng_log(e->log, NG_LOG_FATAL, "cannot start the milter worker threads: %s",
			       strerror(errno));
			rc = -1;
			break;
		}
	}
	int sig = SIGTERM;
	if (rc == 0)
		while (sigwait(&set, &sig) != 0)
			;
	pthread_mutex_lock(&e->mu);
	e->stopping = true;
	shutdown(e->lfd, SHUT_RDWR); /* wakes every worker blocked in accept(2) */
	pthread_mutex_unlock(&e->mu);
	if (rc == 0 && sig != SIGINT)
		ng_log(e->log, NG_LOG_INFO,
		       "%s: no new milter connections; waiting for open ones to end",
		       strsignal(sig));
	/* Wait for the workers.  SIGINT, at once or while waiting, ends the
	 * open sessions; every tick again, for a connection accepted just as
	 * the stop began. */
	bool closing = false;
	for (;;) {
		if (sig == SIGINT && !closing) {
			closing = true;
			ng_log(e->log, NG_LOG_INFO, "%s: closing every milter connection",
			       strsignal(sig));
		}
		pthread_mutex_lock(&e->mu);
		if (closing)
			close_sessions(e);
		size_t left = e->threads;
		pthread_mutex_unlock(&e->mu);
		if (left == 0)
			break;
		struct timespec tick = {0, 100000000};
		if (sigtimedwait(&set, NULL, &tick) == SIGINT)
			sig = SIGINT;
	}
	ng_log(e->log, NG_LOG_INFO,
	       "milter connections: %llu served, %llu protocol errors, %llu worker threads started",
	       e->connections, e->protocol_errors, e->started);
	return rc;
}

void mt_engine_free(struct mt_engine *e)
{
	if (e == NULL)
		return;
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->unix_created)
		unlink(e->listen.path);
	pthread_mutex_destroy(&e->mu);
	free(e);
}
