/*
 * dnsq.c - DNSBL and SPF lookups for the milter's worker threads (milter.h).
 *
 * lib/dnsbl and the c-ares resolver belong to one event loop in one
 * thread.  This file runs that loop in a thread of its own.  A worker
 * queues a lookup (a refcounted struct with its own condition variable)
 * under the queue lock and writes one byte to a pipe; the DNS thread wakes,
 * takes the queue, starts the lookups; their callbacks copy the result in,
 * mark it done and signal.  The worker waits on the condition variable
 * with a deadline at end of data, so the lookup overlaps the body.
 *
 * Two references per lookup: the worker's and the DNS thread's; the last
 * one frees it.  A worker that gives up (timeout, aborted message) just
 * drops its reference.  At shutdown the loop stops, ng_dnsbl_free()
 * cancels the queries in flight (no callbacks), and every lookup still
 * queued or in flight is completed as UNKNOWN and its DNS reference
 * dropped.
 *
 * Every signal is blocked in the DNS thread: the engine's main thread
 * receives SIGHUP, SIGTERM and SIGINT with sigwait(2).
 */
#include "milter.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mt_lookup {
	struct mt_lookup *next, *prev; /* on the queue, then on the in-flight list */
	struct mt_dns *dns;
	char ip[NG_CONTENT_CLIENT_MAX];
	unsigned refs; /* under dns->mu */
	bool done;
	pthread_cond_t cond;
	struct ng_dnsbl_result res;
	/* an SPF check instead of a DNSBL lookup (relay mode) */
	bool spf;
	char helo[256], sender[NG_CL_ADDR_MAX];
	struct ng_spf_check *sh; /* in flight, DNS thread only */
	struct ng_spf_outcome out;
};

struct mt_dns {
	pthread_mutex_t mu;
	pthread_t thr;
	bool running;
	int pipefd[2];
	struct event_base *base;
	struct event *wake, *selftest;
	struct ng_dns_resolver *res;
	struct ng_dnsbl *bl;
	size_t nzones;
	bool spf;           /* relay mode: SPF checks, no DNSBL */
	struct event *tick; /* the caller's periodic work */
	void (*tick_fn)(void *arg);
	void *tick_arg;
	bool stopping;              /* under mu */
	struct mt_lookup *queue;    /* LIFO of new lookups, under mu */
	struct mt_lookup *inflight; /* started lookups, DNS thread only */
	char receiver[256];         /* our host name, SPF's %{r} */
	const struct ng_log *log;
};

/* Under d->mu. */
static void unref_locked(struct mt_lookup *l)
{
	if (--l->refs == 0) {
		pthread_cond_destroy(&l->cond);
		free(l);
	}
}

static void unlink_inflight(struct mt_dns *d, struct mt_lookup *l)
{
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		d->inflight = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->next = l->prev = NULL;
}

/* Under d->mu: wake the waiter and drop the DNS thread's reference. */
static void done_locked(struct mt_lookup *l)
{
	l->done = true;
	pthread_cond_broadcast(&l->cond);
	unref_locked(l);
}

/* Under d->mu: the answer is in (res NULL: every zone UNKNOWN, or an SPF
 * temperror). */
static void complete_locked(struct mt_dns *d, struct mt_lookup *l,
                            const struct ng_dnsbl_result *res)
{
	if (l->spf) {
		if (res == NULL) {
			memset(&l->out, 0, sizeof(l->out));
			l->out.result = NG_SPF_TEMPERROR;
			l->out.detail = "no answer";
		}
	} else if (res != NULL) {
		l->res = *res;
	} else {
		memset(&l->res, 0, sizeof(l->res));
		l->res.nzones = d->nzones < NG_DNSBL_ZONES_MAX ? d->nzones : NG_DNSBL_ZONES_MAX;
		for (size_t i = 0; i < l->res.nzones; i++) {
			l->res.zones[i].zone = "?";
			l->res.zones[i].status = NG_DNSBL_UNKNOWN;
		}
	}
	done_locked(l);
}

static void done_cb(void *arg, const struct ng_dnsbl_result *res)
{
	struct mt_lookup *l = arg;
	struct mt_dns *d = l->dns;
	unlink_inflight(d, l);
	pthread_mutex_lock(&d->mu);
	complete_locked(d, l, res);
	pthread_mutex_unlock(&d->mu);
}

static void spf_done_cb(void *arg, const struct ng_spf_outcome *out)
{
	struct mt_lookup *l = arg;
	struct mt_dns *d = l->dns;
	unlink_inflight(d, l);
	l->sh = NULL;
	pthread_mutex_lock(&d->mu);
	l->out = *out;
	done_locked(l);
	pthread_mutex_unlock(&d->mu);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mt_dns *d = arg;
	char buf[256];
	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&d->mu);
	struct mt_lookup *q = d->queue;
	bool stop = d->stopping;
	d->queue = NULL;
	pthread_mutex_unlock(&d->mu);
	while (q != NULL) {
		struct mt_lookup *l = q;
		q = q->next;
		l->next = d->inflight;
		l->prev = NULL;
		if (d->inflight != NULL)
			d->inflight->prev = l;
		d->inflight = l;
		struct ng_dnsbl_query *h = NULL;
		if (l->spf) {
			l->sh = ng_spf_check_host(d->res, l->ip, l->helo, l->sender, d->receiver,
			                          time(NULL), spf_done_cb, l);
			if (l->sh == NULL) {
				unlink_inflight(d, l);
				pthread_mutex_lock(&d->mu);
				complete_locked(d, l, NULL);
				pthread_mutex_unlock(&d->mu);
			}
		} else if (ng_dnsbl_lookup(d->bl, l->ip, done_cb, l, &h) < 0) {
			unlink_inflight(d, l);
			pthread_mutex_lock(&d->mu);
			complete_locked(d, l, NULL);
			pthread_mutex_unlock(&d->mu);
		}
	}
	if (stop)
		event_base_loopbreak(d->base);
}

static void selftest_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mt_dns *d = arg;
	(void)fd;
	(void)what;
	ng_dnsbl_selftest(d->bl);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mt_dns *d = arg;
	(void)fd;
	(void)what;
	d->tick_fn(d->tick_arg);
}

static void *dns_main(void *arg)
{
	struct mt_dns *d = arg;
	event_base_dispatch(d->base);
	return NULL;
}

static void dns_free(struct mt_dns *d)
{
	if (d->selftest != NULL)
		event_free(d->selftest);
	if (d->tick != NULL)
		event_free(d->tick);
	if (d->wake != NULL)
		event_free(d->wake);
	ng_dnsbl_free(d->bl); /* cancels: no callbacks */
	ng_dns_resolver_free(d->res);
	if (d->base != NULL)
		event_base_free(d->base);
	if (d->pipefd[0] >= 0)
		close(d->pipefd[0]);
	if (d->pipefd[1] >= 0)
		close(d->pipefd[1]);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

struct mt_dns *mt_dns_start(const struct ng_config *cfg, const struct ng_log *log,
                            const struct mt_dns_opts *o, char *err, size_t errlen)
{
	struct mt_dns *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->mu, NULL);
	d->pipefd[0] = d->pipefd[1] = -1;
	d->log = log;
	const char *const *zones;
	d->spf = o->spf;
	d->nzones = d->spf ? 0 : ng_config_list(cfg, NG_K_DNSBL_ZONES, &zones);
	if (d->nzones == 0 && !d->spf)
		return d;
	if (gethostname(d->receiver, sizeof(d->receiver)) < 0)
		snprintf(d->receiver, sizeof(d->receiver), "unknown");
	d->receiver[sizeof(d->receiver) - 1] = '\0';
	if (pipe2(d->pipefd, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	d->base = event_base_new();
	if (d->base == NULL) {
		snprintf(err, errlen, "cannot create the DNS event loop");
		goto fail;
	}
	if (d->spf)
		d->res = ng_dns_from_config(cfg, d->base, log, err, errlen);
	else if (ng_dnsbl_from_config(cfg, d->base, log, true, &d->res, &d->bl, err, errlen) != 0)
		goto fail;
	if (d->res == NULL)
		goto fail;
	d->wake = event_new(d->base, d->pipefd[0], EV_READ | EV_PERSIST, wake_cb, d);
	if (d->wake == NULL || event_add(d->wake, NULL) < 0) {
		snprintf(err, errlen, "cannot watch the DNS queue");
		goto fail;
	}
	if (o->tick_fn != NULL && o->tick_secs > 0) {
		struct timeval tv = {(time_t)o->tick_secs, 0};
		d->tick_fn = o->tick_fn;
		d->tick_arg = o->tick_arg;
		d->tick = event_new(d->base, -1, EV_PERSIST, tick_cb, d);
		if (d->tick == NULL || event_add(d->tick, &tv) < 0) {
			snprintf(err, errlen, "cannot start the periodic timer");
			goto fail;
		}
	}
	long long interval = ng_config_int(cfg, NG_K_DNSBL_SELFTEST_INTERVAL);
	if (interval > 0 && d->bl != NULL) {
		struct timeval tv = {(time_t)interval, 0};
		d->selftest = event_new(d->base, -1, EV_PERSIST, selftest_cb, d);
		if (d->selftest == NULL || event_add(d->selftest, &tv) < 0) {
			snprintf(err, errlen, "cannot start the self-test timer");
			goto fail;
		}
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&d->thr, NULL, dns_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the DNS thread: %s", strerror(rc));
		goto fail;
	}
	d->running = true;
	return d;
fail:
	dns_free(d);
	return NULL;
}

size_t mt_dns_nzones(const struct mt_dns *d)
{
	return d->nzones;
}

static void poke(struct mt_dns *d)
{
	char c = 1;
	ssize_t w;
	do
		w = write(d->pipefd[1], &c, 1);
	while (w < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full of wake-ups already; the thread will see us */
}

void mt_dns_stop(struct mt_dns *d)
{
	if (d == NULL)
		return;
	if (d->running) {
		pthread_mutex_lock(&d->mu);
		d->stopping = true;
		pthread_mutex_unlock(&d->mu);
		poke(d);
		pthread_join(d->thr, NULL);
		d->running = false;
		/* The thread is gone: its lists are ours now. */
		ng_dnsbl_free(d->bl);
		d->bl = NULL;
		for (struct mt_lookup *l = d->inflight; l != NULL; l = l->next)
			if (l->sh != NULL) {
				ng_spf_cancel(l->sh); /* no callback */
				l->sh = NULL;
			}
		pthread_mutex_lock(&d->mu);
		while (d->inflight != NULL) {
			struct mt_lookup *l = d->inflight;
			d->inflight = l->next;
			complete_locked(d, l, NULL);
		}
		while (d->queue != NULL) {
			struct mt_lookup *l = d->queue;
			d->queue = l->next;
			complete_locked(d, l, NULL);
		}
		pthread_mutex_unlock(&d->mu);
	}
	dns_free(d);
}

/* Under d->mu: wait for the answer until deadline; true when it is in. */
static bool wait_locked(struct mt_lookup *l, const struct timespec *deadline)
{
	while (!l->done)
		if (pthread_cond_timedwait(&l->cond, &l->dns->mu, deadline) == ETIMEDOUT)
			break;
	return l->done;
}

static struct mt_lookup *enqueue(struct mt_dns *d, struct mt_lookup *l)
{
	l->dns = d;
	l->refs = 2;
	pthread_cond_init(&l->cond, NULL);
	pthread_mutex_lock(&d->mu);
	bool first = d->queue == NULL;
	l->next = d->queue;
	d->queue = l;
	pthread_mutex_unlock(&d->mu);
	if (first)
		poke(d);
	return l;
}

struct mt_lookup *mt_lookup_start(struct mt_dns *d, const char *ip)
{
	if (d == NULL || !d->running || d->spf || strlen(ip) >= NG_CONTENT_CLIENT_MAX)
		return NULL;
	struct mt_lookup *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	memcpy(l->ip, ip, strlen(ip) + 1);
	return enqueue(d, l);
}

struct mt_lookup *mt_spf_start(struct mt_dns *d, const char *ip, const char *helo,
                               const char *sender)
{
	if (d == NULL || !d->running || !d->spf ||
	    strlen(ip) >= sizeof(((struct mt_lookup *)0)->ip) ||
	    strlen(helo) >= sizeof(((struct mt_lookup *)0)->helo) ||
	    strlen(sender) >= sizeof(((struct mt_lookup *)0)->sender))
		return NULL;
	struct mt_lookup *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->spf = true;
	memcpy(l->ip, ip, strlen(ip) + 1);
	memcpy(l->helo, helo, strlen(helo) + 1);
	memcpy(l->sender, sender, strlen(sender) + 1);
	return enqueue(d, l);
}

bool mt_spf_wait(struct mt_lookup *l, const struct timespec *deadline, struct ng_spf_outcome *out)
{
	pthread_mutex_lock(&l->dns->mu);
	bool done = wait_locked(l, deadline);
	if (done)
		*out = l->out;
	pthread_mutex_unlock(&l->dns->mu);
	return done;
}

bool mt_lookup_wait(struct mt_lookup *l, const struct timespec *deadline,
                    struct ng_dnsbl_result *out)
{
	pthread_mutex_lock(&l->dns->mu);
	bool done = wait_locked(l, deadline);
	if (done)
		*out = l->res;
	pthread_mutex_unlock(&l->dns->mu);
	return done;
}

void mt_lookup_release(struct mt_lookup *l)
{
	if (l == NULL)
		return;
	struct mt_dns *d = l->dns;
	pthread_mutex_lock(&d->mu);
	unref_locked(l);
	pthread_mutex_unlock(&d->mu);
}
