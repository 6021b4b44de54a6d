/*
 * tcp.c - DNS over TCP for dnsbld (RFC 7766): the retry path of truncated
 * answers and of rate-limited clients, and the transport a source address
 * cannot be forged on.
 *
 * Each message carries a two-byte length.  A connection may pipeline
 * queries; they are answered in order as soon as each one is complete.
 * Limits (lib/util/limits.h), all counted: at most NG_DNSBLD_TCP_CLIENTS_MAX
 * connections (more are closed at accept), a query longer than
 * NG_DNSBLD_QUERY_MAX closes the connection, a connection silent (or not
 * reading its answers) for NG_DNSBLD_TCP_IDLE_SEC is closed, one closes
 * after NG_DNSBLD_TCP_QUERIES_MAX queries, and a client that does not read
 * its answers stops being read once NG_DNSBLD_TCP_OUT_MAX bytes wait.  A
 * client that half-closes still gets the answers to what it sent.  Queries
 * are answered into the server's one TCP buffer and copied into the
 * connection's output: nothing is allocated per query.
 */
#include "dnsbld.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct db_conn {
	struct db_server *srv;
	struct bufferevent *bev;
	LIST_ENTRY(db_conn) link; /* srv->conns */
	unsigned queries;
	bool closing; /* close once the output is sent */
	bool paused;  /* reading stopped: too much output waiting */
};

static void conn_free(struct db_conn *c)
{
	struct db_server *srv = c->srv;
	LIST_REMOVE(c, link);
	srv->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

/* Stop reading; close now when nothing waits to be sent. */
static void conn_finish(struct db_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct db_conn *c = arg;
	struct db_server *srv = c->srv;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	while (!c->closing && evbuffer_get_length(in) >= 2) {
		uint8_t lb[2];
		evbuffer_copyout(in, lb, 2);
		size_t qlen = (size_t)lb[0] << 8 | lb[1];
		if (qlen > NG_DNSBLD_QUERY_MAX) {
			srv->st.oversize++;
			conn_free(c);
			return;
		}
		if (evbuffer_get_length(in) < 2 + qlen)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, srv->tcp_query, qlen);
		srv->st.tcp_queries++;
		struct ng_zone_reply r;
		size_t n = ng_zone_respond(srv->zone, srv->ix, srv->tcp_query, qlen, NG_ZONE_TCP,
		                           srv->tcp_answer + 2, NG_DNSBLD_TCP_ANSWER_MAX, &r);
		db_count(srv, &r);
		if (n > 0) {
			srv->tcp_answer[0] = (uint8_t)(n >> 8);
			srv->tcp_answer[1] = (uint8_t)n;
			if (evbuffer_add(out, srv->tcp_answer, n + 2) < 0) {
				conn_free(c);
				return;
			}
		}
		if (++c->queries >= NG_DNSBLD_TCP_QUERIES_MAX) {
			srv->st.tcp_limit++;
			conn_finish(c);
			return;
		}
	}
	if (evbuffer_get_length(out) > NG_DNSBLD_TCP_OUT_MAX) {
		c->paused = true;
		bufferevent_disable(bev, EV_READ);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct db_conn *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));
	if (c->closing && left == 0) {
		conn_free(c);
		return;
	}
	if (c->paused && left <= NG_DNSBLD_TCP_OUT_MAX / 2) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
		read_cb(bev, c); /* what came while paused */
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct db_conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		c->srv->st.tcp_idle++;
		conn_free(c);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		conn_finish(c); /* the answers to what it sent still go out */
		return;
	}
	conn_free(c);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	struct db_server *srv = arg;
	(void)lev;
	(void)sa;
	(void)salen;
	srv->st.tcp_conns++;
	if (srv->nconns >= NG_DNSBLD_TCP_CLIENTS_MAX) {
		srv->st.tcp_refused++;
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct db_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev =
	    c != NULL ? bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (bev == NULL) {
		free(c);
		close(fd);
		ng_log(&srv->log, NG_LOG_ERROR, "out of memory accepting a TCP connection");
		return;
	}
	c->srv = srv;
	c->bev = bev;
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->nconns++;
	struct timeval idle = {NG_DNSBLD_TCP_IDLE_SEC, 0};
	bufferevent_setcb(bev, read_cb, write_cb, event_cb, c);
	bufferevent_set_timeouts(bev, &idle, &idle);
	/* read no more than a few queries ahead of answering them */
	bufferevent_setwatermark(bev, EV_READ, 0, 8 * (2 + NG_DNSBLD_QUERY_MAX));
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct db_server *srv = arg;
	(void)lev;
	ng_log(&srv->log, NG_LOG_ERROR, "TCP accept: %s",
	       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

int db_tcp_start(struct db_server *srv, char *err, size_t errlen)
{
	for (size_t i = 0; i < srv->nlev; i++) {
		srv->lev[i] = evconnlistener_new(srv->base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE,
		                                 -1, srv->lev_fd[i]);
		if (srv->lev[i] == NULL) {
			snprintf(err, errlen, "cannot accept on a TCP socket");
			return -1;
		}
		evconnlistener_set_error_cb(srv->lev[i], accept_error_cb);
	}
	return 0;
}

void db_tcp_free_all(struct db_server *srv)
{
	while (!LIST_EMPTY(&srv->conns))
		conn_free(LIST_FIRST(&srv->conns));
}
