/*
 * logbuf.c - policyd's standard-error log sink: the lines of one turn of
 * the event loop leave in one write(2).
 *
 * The built-in stderr sink (lib/util/log.c) writes every line at once.
 * policyd logs one line per decision, and at tens of thousands of
 * decisions a second that write - and its getpid(2) - cost as much as
 * answering the request.  This sink formats lines exactly like the
 * built-in one ("ndrguard/policyd[PID]: SEVERITY: text"), gathers them, and
 * writes them when the event loop has run the callbacks at hand (a flush
 * event made active by the first line), when the next line would not fit
 * in PIPE_BUF bytes (so each write stays atomic on a pipe shared with
 * other writers), and at once for errors and worse, or while no event
 * loop runs (start-up, shutdown).  Lines are delayed by one turn of the
 * loop at most; nothing is ever dropped but on a write error.
 */
#include "policyd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void lb_flush(struct pd_logbuf *lb)
{
	size_t off = 0;
	while (off < lb->len) {
		ssize_t w = write(STDERR_FILENO, lb->buf + off, lb->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nowhere to say it; drop the rest */
		off += (size_t)w;
	}
	lb->len = 0;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lb_flush(arg);
}

static void lb_emit(void *arg, enum ng_log_sev sev, const char *line)
{
	struct pd_logbuf *lb = arg;
	char tmp[NG_LOG_LINE_MAX + 128];
	int n = snprintf(tmp, sizeof(tmp), "ndrguard/policyd[%ld]: %s: %s\n", lb->pid,
	                 ng_log_sev_name(sev), line);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	if ((size_t)n >= sizeof(tmp))
		tmp[len - 1] = '\n';
	if (lb->len + len > sizeof(lb->buf))
		lb_flush(lb);
	memcpy(lb->buf + lb->len, tmp, len);
	lb->len += len;
	if (sev >= NG_LOG_ERROR || lb->flush_ev == NULL)
		lb_flush(lb);
	else if (lb->len == len)
		event_active(lb->flush_ev, 0, 0); /* the first line of this turn */
}

_Static_assert(sizeof(((struct pd_logbuf *)0)->buf) <= PIPE_BUF, "one atomic write per flush");

void pd_logbuf_init(struct pd_logbuf *lb, struct ng_log *log, enum ng_log_sev min)
{
	lb->len = 0;
	lb->pid = (long)getpid();
	lb->flush_ev = NULL;
	log->emit = lb_emit;
	log->arg = lb;
	log->min = min;
}

int pd_logbuf_attach(struct pd_logbuf *lb, struct event_base *base)
{
	lb->flush_ev = event_new(base, -1, 0, flush_cb, lb);
	return lb->flush_ev != NULL ? 0 : -1;
}

void pd_logbuf_detach(struct pd_logbuf *lb)
{
	lb_flush(lb);
	if (lb->flush_ev != NULL)
		event_free(lb->flush_ev);
	lb->flush_ev = NULL;
}
