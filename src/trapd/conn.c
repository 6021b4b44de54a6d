/*
 * conn.c - one SMTP client of trapd (trapd.h).
 *
 * A session is a bufferevent on the socket and an ng_smtp_session (lib/
 * smtp) that does the protocol: every read is fed to the session straight
 * from the input buffer, its events are handled at once (a message's
 * content goes to record.c piece by piece: a bounded spool, or a
 * classifier of its own when it outgrows that), and
 * the replies it queued are moved to the output buffer before the next
 * piece of input.  Pipelined commands are answered in one write.
 *
 * A slow or hostile client never holds up the others: all I/O is
 * non-blocking on the one event loop, and every resource a session can
 * tie up is capped.  Its input buffer stops filling at NG_TRAPD_INPUT_MAX
 * (the bufferevent's read watermark); reading pauses while more than
 * NG_TRAPD_OUTPUT_MAX bytes of replies wait for a client that does not
 * read, and resumes when they are written; trapd_idle_timeout bounds the
 * silence between reads (and a stalled write), trapd_session_timeout the
 * whole session, trapd_max_commands its command lines, and
 * trapd_max_clients the sessions at once (more are answered 421 and
 * closed).  A message's content costs at most NG_TRAPD_SPOOL_MAX bytes
 * or one classifier (record.c), whatever its length.
 *
 * The end of a session, whatever its cause (QUIT, the peer closing, a
 * timeout, the server stopping), goes through the session library so that
 * an open transaction is reported: a callout that ends with a disconnect
 * or a timeout is a callout all the same.  Timeouts and stops send their
 * 421 before closing.
 *
 * Lifetime: a session is freed when its last replies are written after
 * it ended, when the peer stops reading them for trapd_idle_timeout, on an
 * I/O error, or when the server exits.  Every callback ends in settle(),
 * the one place that frees.
 */
#include "trapd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct td_conn {
	struct td_server *srv;
	LIST_ENTRY(td_conn) link; /* srv->conns */
	struct bufferevent *bev;
	struct ng_smtp_session *sess;
	struct event *life; /* trapd_session_timeout */
	struct td_msg msg;  /* the content of the message coming in */
	unsigned long id;
	char ip[INET6_ADDRSTRLEN]; /* the client's address, as hits record it */
	char peer[64];             /* address and port, for the log */
	bool closing;              /* the session ended: write the replies, then free */
	bool paused;               /* reading stopped until the replies are written */
};

static void add_counts(struct td_stats *st, const struct ng_smtp_counts *n)
{
	st->commands += n->commands;
	st->bad_commands += n->bad_commands;
	st->relay_refused += n->relay_refused;
	st->rcpts_over_cap += n->rcpts_over_cap;
	st->floods += n->floods;
	st->too_many_commands += n->over_commands;
}

void td_conn_live_counts(const struct td_server *srv, struct td_stats *st)
{
	const struct td_conn *c;
	LIST_FOREACH(c, &srv->conns, link)
	add_counts(st, ng_smtp_session_counts(c->sess));
}

static void conn_free(struct td_conn *c)
{
	struct td_server *srv = c->srv;
	add_counts(&srv->st, ng_smtp_session_counts(c->sess));
	td_msg_drop(srv, &c->msg);
	ng_smtp_session_free(c->sess);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->life != NULL)
		event_free(c->life);
	LIST_REMOVE(c, link);
	srv->nconns--;
	free(c);
	if (srv->draining && srv->nconns == 0)
		td_server_drained(srv);
}

/* Move the session's replies to the socket's output buffer. */
static void flush(struct td_conn *c)
{
	size_t len;
	const char *out = ng_smtp_session_output(c->sess, &len);
	if (len == 0)
		return;
	if (bufferevent_write(c->bev, out, len) < 0) {
		ng_log(&c->srv->log, NG_LOG_ERROR, "conn=%lu: out of memory: closing", c->id);
		c->closing = true;
	}
	ng_smtp_session_consume(c->sess, len);
}

static void end_session(struct td_conn *c, enum ng_smtp_close why);

/* One event of the session. */
static void handle(struct td_conn *c, enum ng_smtp_event ev)
{
	struct td_server *srv = c->srv;
	switch (ev) {
	case NG_SMTP_EV_NONE:
		return;
	case NG_SMTP_EV_MESSAGE:
		td_msg_begin(srv, &c->msg);
		return;
	case NG_SMTP_EV_CONTENT: {
		size_t len;
		const char *piece = ng_smtp_session_content(c->sess, &len);
		td_msg_feed(srv, &c->msg, ng_smtp_session_txn(c->sess)->sender, piece, len);
		return;
	}
	case NG_SMTP_EV_TXN_END: {
		const struct ng_smtp_txn *t = ng_smtp_session_txn(c->sess);
		td_record_txn(srv, c->id, c->ip, t, &c->msg);
		td_msg_drop(srv, &c->msg);
		/* stopping: a session closes once its transaction is over */
		if (srv->draining && !c->closing && !ng_smtp_session_in_txn(c->sess))
			end_session(c, NG_SMTP_CLOSE_SHUTDOWN);
		return;
	}
	case NG_SMTP_EV_CLOSE:
		c->closing = true;
		return;
	}
}

/* End the session for the caller's reason: its reply, its transaction. */
static void end_session(struct td_conn *c, enum ng_smtp_close why)
{
	if (c->closing)
		return;
	c->closing = true;
	enum ng_smtp_event ev = ng_smtp_session_close(c->sess, why);
	handle(c, ev);
	if (ev == NG_SMTP_EV_TXN_END)
		handle(c, ng_smtp_session_close(c->sess, why));
	flush(c);
}

/* Feed what input waits to the session, until it is all taken, the
 * session ended, or too many replies wait for the peer. */
static void process(struct td_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	while (!c->closing) {
		if (evbuffer_get_length(out) >= NG_TRAPD_OUTPUT_MAX) {
			c->paused = true;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		struct evbuffer_iovec v;
		int n = evbuffer_peek(in, -1, NULL, &v, 1);
		const char *data = n > 0 ? v.iov_base : "";
		size_t len = n > 0 ? v.iov_len : 0;
		size_t used = 0;
		enum ng_smtp_event ev = ng_smtp_session_feed(c->sess, data, len, &used);
		handle(c, ev); /* a content piece points into data: use it before the drain */
		if (used > 0)
			evbuffer_drain(in, used);
		flush(c);
		if (ev == NG_SMTP_EV_NONE && evbuffer_get_length(in) == 0)
			return;
	}
}

/* After every callback: free the session once it ended and its replies
 * are written.  May free c. */
static void settle(struct td_conn *c)
{
	if (!c->closing)
		return;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
	/* else write_cb frees it when the output is written */
}

/* ----- libevent callbacks ----- */

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct td_conn *c = arg;
	(void)bev;
	process(c);
	settle(c);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct td_conn *c = arg;
	(void)bev;
	if (c->paused && !c->closing) {
		c->paused = false;
		bufferevent_enable(c->bev, EV_READ);
		process(c); /* the input that waited */
	}
	settle(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct td_conn *c = arg;
	struct td_server *srv = c->srv;
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		if (what & BEV_EVENT_WRITING) {
			ng_log(&srv->log, NG_LOG_INFO,
			       "conn=%lu client=%s: does not read its replies: closing", c->id,
			       c->peer);
			end_session(c, NG_SMTP_CLOSE_PEER);
			conn_free(c);
			return;
		}
		srv->st.idle_timeouts++;
		ng_log(&srv->log, NG_LOG_DEBUG, "conn=%lu client=%s: idle timeout", c->id, c->peer);
		end_session(c, NG_SMTP_CLOSE_IDLE);
		settle(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* the peer is gone (or half-closed: it may still read what waits) */
		if (what & BEV_EVENT_EOF)
			process(c); /* whatever arrived with the end */
		end_session(c, NG_SMTP_CLOSE_PEER);
		if (what & BEV_EVENT_ERROR) {
			conn_free(c);
			return;
		}
		settle(c);
	}
}

static void life_cb(evutil_socket_t fd, short what, void *arg)
{
	struct td_conn *c = arg;
	(void)fd;
	(void)what;
	c->srv->st.session_timeouts++;
	ng_log(&c->srv->log, NG_LOG_INFO, "conn=%lu client=%s: session timeout", c->id, c->peer);
	end_session(c, NG_SMTP_CLOSE_LIFETIME);
	settle(c);
}

/* ----- accepting ----- */

static void peer_names(const struct sockaddr *sa, int salen, struct td_conn *c)
{
	snprintf(c->ip, sizeof(c->ip), "unix");
	if (sa->sa_family == AF_INET && salen >= (int)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, c->ip, sizeof(c->ip));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", c->ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && salen >= (int)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, c->ip, sizeof(c->ip));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", c->ip, ntohs(s6->sin6_port));
	} else {
		snprintf(c->peer, sizeof(c->peer), "unix");
	}
}

/* Over trapd_max_clients: a 421 if the socket takes it at once, then close. */
static void refuse(struct td_server *srv, evutil_socket_t fd)
{
	char msg[NG_SMTP_HOSTNAME_MAX + 64];
	int n = snprintf(msg, sizeof(msg), "421 4.7.0 %s Error: too many connections\r\n",
	                 srv->hostname);
	if (n > 0 && (size_t)n < sizeof(msg))
		(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	evutil_closesocket(fd);
	srv->st.conns_refused++;
	time_t now = time(NULL);
	if (now != srv->refused_logged) {
		srv->refused_logged = now;
		ng_log(&srv->log, NG_LOG_WARN,
		       "too many clients (trapd_max_clients = %zu): refusing new sessions "
		       "(refused so far: %llu)",
		       srv->max_clients, srv->st.conns_refused);
	}
}

static bool is_bounce_sender(void *arg, const char *sender)
{
	return ng_policy_is_bounce_sender(arg, sender);
}

void td_conn_accept(struct td_server *srv, evutil_socket_t fd, const struct sockaddr *sa, int salen)
{
	srv->st.conns_total++;
	if (srv->draining || srv->nconns >= srv->max_clients) {
		refuse(srv, fd);
		return;
	}
	struct ng_smtp_session_opts so = {
	    .hostname = srv->hostname,
	    .domains = srv->domains,
	    .ndomains = srv->ndomains,
	    .max_size = srv->max_size,
	    .max_commands = srv->max_commands,
	    .is_bounce_sender = is_bounce_sender,
	    .bounce_arg = srv->bounce,
	};
	struct td_conn *c = calloc(1, sizeof(*c));
	if (c != NULL) {
		c->sess = ng_smtp_session_new(&so);
		c->life = evtimer_new(srv->base, life_cb, c);
		evutil_make_socket_nonblocking(fd);
		c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (c == NULL || c->sess == NULL || c->life == NULL || c->bev == NULL) {
		ng_log(&srv->log, NG_LOG_ERROR, "out of memory: closing a new connection");
		if (c != NULL) {
			ng_smtp_session_free(c->sess);
			if (c->life != NULL)
				event_free(c->life);
			if (c->bev != NULL)
				bufferevent_free(c->bev); /* closes fd */
		}
		if (c == NULL || c->bev == NULL)
			evutil_closesocket(fd);
		free(c);
		return;
	}
	c->srv = srv;
	c->id = ++srv->next_conn_id;
	peer_names(sa, salen, c);
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->nconns++;
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, NG_TRAPD_INPUT_MAX);
	bufferevent_set_timeouts(c->bev, &srv->idle, &srv->idle);
	evtimer_add(c->life, &srv->lifetime);
	flush(c); /* the greeting */
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ----- the server stops ----- */

void td_conn_drain_all(struct td_server *srv)
{
	struct td_conn *c = LIST_FIRST(&srv->conns);
	while (c != NULL) {
		struct td_conn *next = LIST_NEXT(c, link);
		if (!c->closing && !ng_smtp_session_in_txn(c->sess)) {
			end_session(c, NG_SMTP_CLOSE_SHUTDOWN);
			settle(c);
		}
		c = next;
	}
	if (srv->nconns == 0)
		td_server_drained(srv);
}

void td_conn_close_all(struct td_server *srv)
{
	struct td_conn *c = LIST_FIRST(&srv->conns);
	while (c != NULL) {
		struct td_conn *next = LIST_NEXT(c, link);
		end_session(c, NG_SMTP_CLOSE_SHUTDOWN);
		settle(c);
		c = next;
	}
}

void td_conn_free_all(struct td_server *srv)
{
	bool draining = srv->draining;
	srv->draining = false; /* no "drained" callbacks while tearing down */
	struct td_conn *c;
	while ((c = LIST_FIRST(&srv->conns)) != NULL) {
		end_session(c, NG_SMTP_CLOSE_PEER); /* an open transaction still counts */
		conn_free(c);
	}
	srv->draining = draining;
}
