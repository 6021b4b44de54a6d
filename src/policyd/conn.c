/*
 * conn.c - one policy client connection (policyd.h).
 *
 * Postfix keeps a policy connection open and sends one request at a time;
 * other clients may pipeline.  Requests on a connection are answered in
 * the order they came, so a connection decides one request at a time:
 * while a DNSBL lookup is in flight, the bytes behind the request wait,
 * unparsed, in the connection's input buffer, and parsing resumes when the
 * lookup's answer is queued.  Lookups answered from the cache complete
 * inside ng_dnsbl_lookup() and the loop simply goes on, so a warm cache
 * costs no extra turn of the event loop.
 *
 * I/O is plain events on the socket, not bufferevents: a read goes into
 * the server's one read buffer and is parsed from there (the parser copies
 * what it keeps), so an idle connection holds no input memory; only bytes
 * behind a request that waits for DNS are copied to the connection.  The
 * answers of one read are queued and written with one writev(2) at the end
 * of conn_run(); the write event is armed only when the socket did not take
 * everything.  So a decision costs one recv, one writev and a share of
 * epoll_wait (bufferevents add an ioctl and two epoll_ctl per answer).
 *
 * Caps: a malformed request is answered DUNNO and logged; the connection
 * stays.  Only a request that floods past NG_POLICY_FLOOD_MAX without its
 * empty line closes it.  Reading stops while NG_POLICY_INPUT_MAX bytes
 * wait unparsed, and parsing stops while NG_POLICY_INPUT_MAX bytes of
 * answers wait for a peer that does not read.
 *
 * Lifetime: a connection is freed when the peer closes (after its last
 * complete requests are answered) or errs, after policyd_idle_timeout
 * without input (or without the peer taking our output), after its
 * answers are written when it is closing (connection TTL, drain), or when
 * the server stops.  Freeing cancels a lookup in flight (no callback
 * follows) and drops the generation reference the lookup held.  Every
 * event handler ends in conn_run(), the one place that frees.
 */
#include "policyd.h"

#include "util/limits.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct pd_conn {
	struct pd_server *srv;
	LIST_ENTRY(pd_conn) link; /* srv->conns */
	evutil_socket_t fd;
	struct event *rev;    /* EV_READ|EV_PERSIST with the idle timeout */
	struct event *wev;    /* EV_WRITE, armed while `out` holds bytes */
	struct evbuffer *in;  /* unparsed input behind a waiting request */
	struct evbuffer *out; /* answers not yet written */
	struct ng_policy_parser *parser;
	unsigned long id;
	char peer[64];
	struct timespec born; /* CLOCK_MONOTONIC */
	/* the request being decided */
	const struct ng_policy_request *req; /* in the parser; valid until the next feed */
	struct pd_gen *gen;                  /* held while the lookup runs */
	struct ng_dnsbl_query *q;
	struct timespec t0;
	bool busy;       /* a request is being decided */
	bool in_lookup;  /* inside ng_dnsbl_lookup(): its callback is synchronous */
	bool reading;    /* rev is added */
	bool closing;    /* free once the output is written */
	bool eof;        /* the peer sent everything it will send */
	bool broken;     /* I/O error or flood: free now */
	char tagged[64]; /* the instance whose message was last tagged */
};

static void conn_run(struct pd_conn *c);

static bool retriable(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static void conn_free(struct pd_conn *c)
{
	struct pd_server *srv = c->srv;
	if (c->q != NULL)
		ng_dnsbl_cancel(c->q);
	pd_gen_unref(c->gen);
	ng_policy_parser_free(c->parser);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out);
	evutil_closesocket(c->fd);
	LIST_REMOVE(c, link);
	srv->nconns--;
	free(c);
	if (srv->draining && srv->nconns == 0)
		pd_server_drained(srv);
}

/* ----- the decision log ----- */

static const char *esc(char *buf, size_t cap, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return "-";
	return ng_log_escape(buf, cap, s, strlen(s), 256);
}

static void zones_text(const struct ng_dnsbl_result *res, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; res != NULL && i < res->nzones && i < NG_DNSBL_ZONES_MAX; i++) {
		const struct ng_dnsbl_zone_result *z = &res->zones[i];
		int w = snprintf(buf + o, cap - o, "%s%s:%s%s", i > 0 ? "," : "",
		                 z->zone != NULL ? z->zone : "?", ng_dnsbl_status_name(z->status),
		                 z->cached ? "/cached" : "");
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
	if (o == 0)
		snprintf(buf, cap, "-");
}

static void log_decision(struct pd_conn *c, const struct ng_policy_request *r,
                         const struct ng_policy_verdict *v, const struct ng_dnsbl_result *res,
                         long long usec)
{
	struct pd_server *srv = c->srv;
	if (srv->log.emit == NULL || NG_LOG_INFO < srv->log.min)
		return;
	char client[80], sender[300], rcpt[300], helo[300], qid[40], state[40], action[600];
	char zones[600];
	const char *snd = r->sender != NULL && r->sender[0] == '\0' ? "<>" : r->sender;
	zones_text(res, zones, sizeof(zones));
	ng_log(&srv->log, NG_LOG_INFO,
	       "decision conn=%lu client=%s helo=\"%s\" sender=\"%s\" recipient=\"%s\" "
	       "queue_id=%s state=%s zones=%s result=%s action=\"%s\" reason=%s%s%s usec=%lld",
	       c->id, esc(client, sizeof(client), r->client_address),
	       esc(helo, sizeof(helo), r->helo_name), esc(sender, sizeof(sender), snd),
	       esc(rcpt, sizeof(rcpt), r->recipient), esc(qid, sizeof(qid), r->queue_id),
	       esc(state, sizeof(state), r->protocol_state), zones,
	       v->lookup ? ng_dnsbl_status_name(v->summary) : "no-lookup",
	       esc(action, sizeof(action), v->text), v->reason != NULL ? v->reason : "-",
	       v->dry_run ? " dry_run=" : "", v->dry_run ? ng_policy_action_name(v->would) : "",
	       usec);
}

/* ----- answering ----- */

static long long usec_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Queue an answer; conn_run() writes what is queued with one writev(2). */
static void reply(struct pd_conn *c, const char *text)
{
	char buf[NG_POLICY_ACTION_MAX + 16];
	int n = snprintf(buf, sizeof(buf), "action=%s\n\n", text);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = snprintf(buf, sizeof(buf), "action=DUNNO\n\n");
	if (evbuffer_add(c->out, buf, (size_t)n) < 0)
		c->broken = true;
}

/* Write the verdict, count it, log it. */
static void finish(struct pd_conn *c, const struct ng_policy_request *r,
                   struct ng_policy_verdict *v, const struct ng_dnsbl_result *res)
{
	struct pd_stats *st = &c->srv->st;
	/* One header per message: Postfix asks once per recipient. */
	if (v->action == NG_POLICY_PREPEND && r->instance != NULL && r->instance[0] != '\0') {
		if (strcmp(c->tagged, r->instance) == 0) {
			v->action = NG_POLICY_DUNNO;
			memcpy(v->text, "DUNNO", sizeof("DUNNO"));
		} else if (strlen(r->instance) < sizeof(c->tagged)) {
			memcpy(c->tagged, r->instance, strlen(r->instance) + 1);
		}
	}
	reply(c, v->text);
	st->decisions++;
	switch (v->action) {
	case NG_POLICY_DUNNO:
		st->dunno++;
		break;
	case NG_POLICY_PREPEND:
		st->prepend++;
		break;
	case NG_POLICY_DEFER:
		st->defer++;
		break;
	case NG_POLICY_REJECT:
		st->reject++;
		break;
	}
	st->dry_run += v->dry_run;
	st->exempt += v->reason != NULL && strncmp(v->reason, "exempt", 6) == 0;
	log_decision(c, r, v, res, usec_since(&c->t0));
}

static void lookup_done(void *arg, const struct ng_dnsbl_result *res)
{
	struct pd_conn *c = arg;
	struct ng_policy_verdict v;
	c->q = NULL;
	ng_policy_decide(c->gen->pol, c->req, res, &v);
	finish(c, c->req, &v, res);
	pd_gen_unref(c->gen);
	c->gen = NULL;
	c->busy = false;
	if (!c->in_lookup)
		conn_run(c); /* write it; then the requests that waited behind it */
}

/* The rules could not look up: the answer is that of DNS trouble. */
static void lookup_failed(struct pd_conn *c)
{
	static const struct ng_dnsbl_result trouble = {
	    .nzones = 1, .zones = {{.zone = "(lookup)", .status = NG_DNSBL_UNKNOWN}}};
	struct ng_policy_verdict v;
	c->srv->st.lookup_errors++;
	ng_log(&c->srv->log, NG_LOG_ERROR, "conn=%lu: cannot start a DNSBL lookup (out of memory?)",
	       c->id);
	ng_policy_decide(c->gen->pol, c->req, &trouble, &v);
	finish(c, c->req, &v, &trouble);
	pd_gen_unref(c->gen);
	c->gen = NULL;
	c->busy = false;
}

/* Relay mode: the envelope checks of the relay guard, answered at once. */
static void relay_request(struct pd_conn *c, const struct ng_policy_request *r)
{
	struct pd_server *srv = c->srv;
	struct ng_relay_envelope e;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	bool bounce = r->sender != NULL && ng_policy_is_bounce_sender(srv->gen->pol, r->sender);
	ng_relay_envelope_decide(srv->gen->relay, r->client_address, r->sasl_username, bounce,
	                         r->protocol_state, r->recipient,
	                         (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, &e);
	reply(c, e.text);
	srv->st.decisions++;
	srv->st.relay_tenant += e.tenant != NULL;
	srv->st.relay_bounces += e.judged;
	srv->st.relay_over_budget += e.action == NG_RELAY_TEMPFAIL;
	if (e.action == NG_RELAY_ALLOW)
		srv->st.dunno++;
	if (srv->log.emit == NULL || NG_LOG_INFO < srv->log.min)
		return;
	char client[80], sender[300], rcpt[300], tenant[200], state[40], action[600];
	const char *snd = r->sender != NULL && r->sender[0] == '\0' ? "<>" : r->sender;
	ng_log(&srv->log, NG_LOG_INFO,
	       "relay conn=%lu client=%s tenant=%s sender=\"%s\" recipient=\"%s\" state=%s "
	       "bounce=%s action=%s reply=\"%s\" usec=%lld",
	       c->id, esc(client, sizeof(client), r->client_address),
	       esc(tenant, sizeof(tenant), e.tenant), esc(sender, sizeof(sender), snd),
	       esc(rcpt, sizeof(rcpt), r->recipient), esc(state, sizeof(state), r->protocol_state),
	       e.judged ? "yes" : "no", ng_relay_action_name(e.action),
	       esc(action, sizeof(action), e.text), usec_since(&c->t0));
}

static void request(struct pd_conn *c, const struct ng_policy_request *r)
{
	struct pd_server *srv = c->srv;
	struct ng_policy_verdict v;

	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	if (r->malformed || r->request == NULL || strcmp(r->request, "smtpd_access_policy") != 0) {
		char what[120];
		if (r->malformed) {
			srv->st.malformed++;
			snprintf(what, sizeof(what), "malformed request: %s", r->error);
		} else {
			char type[80];
			srv->st.bad_request_type++;
			snprintf(what, sizeof(what),
			         "not an smtpd_access_policy request: request=\"%s\"",
			         esc(type, sizeof(type), r->request));
		}
		ng_log(&srv->log, NG_LOG_WARN,
		       "conn=%lu peer=%s: %s (%zu attributes, %zu bytes): answered DUNNO", c->id,
		       c->peer, what, r->nattrs, r->bytes);
		reply(c, "DUNNO");
		return;
	}
	if (srv->relay_mode) {
		relay_request(c, r);
		return;
	}
	if (!ng_policy_check(srv->gen->pol, r, &v)) {
		srv->st.no_lookup++;
		finish(c, r, &v, NULL);
		return;
	}
	srv->st.lookups++;
	c->busy = true;
	c->req = r;
	c->gen = pd_gen_ref(srv->gen);
	c->in_lookup = true;
	int rc = ng_dnsbl_lookup(c->gen->bl, r->client_address, lookup_done, c, &c->q);
	c->in_lookup = false;
	if (rc < 0) {
		c->q = NULL;
		lookup_failed(c);
	} else if (!c->busy) {
		srv->st.lookups_sync++;
	}
}

/* ----- the state machine ----- */

/*
 * Feed bytes to the parser and decide what completes, until a request
 * waits for DNS or too many answers wait for the peer.  *used = bytes
 * taken.  A flood marks the connection broken.
 */
static void feed(struct pd_conn *c, const char *data, size_t len, size_t *used)
{
	struct pd_server *srv = c->srv;
	*used = 0;
	while (*used < len && !c->busy && !c->broken &&
	       evbuffer_get_length(c->out) <= NG_POLICY_INPUT_MAX) {
		size_t n = 0;
		enum ng_policy_feed st =
		    ng_policy_parser_feed(c->parser, data + *used, len - *used, &n);
		*used += n;
		if (st == NG_POLICY_FLOOD) {
			srv->st.floods++;
			ng_log(&srv->log, NG_LOG_WARN,
			       "conn=%lu peer=%s: request without end past %d bytes: closing",
			       c->id, c->peer, NG_POLICY_FLOOD_MAX);
			c->broken = true;
			return;
		}
		if (st == NG_POLICY_REQUEST)
			request(c, ng_policy_parser_request(c->parser));
	}
}

static void set_reading(struct pd_conn *c, bool on)
{
	if (on == c->reading)
		return;
	if (on)
		event_add(c->rev, &c->srv->gen->idle);
	else
		event_del(c->rev);
	c->reading = on;
}

/*
 * After every event: parse what input waits, write what answers wait,
 * decide whether to read on, and close or free the connection when its
 * time has come.  May free c.
 */
static void conn_run(struct pd_conn *c)
{
	struct pd_server *srv = c->srv;

	while (!c->busy && !c->broken && evbuffer_get_length(c->in) > 0 &&
	       evbuffer_get_length(c->out) <= NG_POLICY_INPUT_MAX) {
		struct evbuffer_iovec v;
		if (evbuffer_peek(c->in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		size_t used;
		feed(c, v.iov_base, v.iov_len, &used);
		evbuffer_drain(c->in, used);
	}
	if (c->broken) {
		conn_free(c);
		return;
	}
	size_t pending = evbuffer_get_length(c->out);
	if (pending > 0) {
		int w = evbuffer_write(c->out, c->fd);
		if (w < 0 && !retriable(errno)) {
			conn_free(c); /* the peer is gone */
			return;
		}
		pending = evbuffer_get_length(c->out);
		if (pending > 0)
			event_add(c->wev, &srv->gen->idle);
		else if (event_pending(c->wev, EV_WRITE, NULL))
			event_del(c->wev); /* its timeout would call the peer slow */
	}
	bool waiting = c->busy || evbuffer_get_length(c->in) > 0;
	if (!waiting && !c->closing) {
		bool idle = !ng_policy_parser_pending(c->parser);
		if (c->eof && !idle)
			ng_log(&srv->log, NG_LOG_INFO,
			       "conn=%lu peer=%s: closed in the middle of a request", c->id,
			       c->peer);
		struct pd_gen *g = srv->gen;
		if (c->eof ||
		    (idle && (srv->draining || (g->ttl > 0 && usec_since(&c->born) >=
		                                                  (long long)g->ttl * 1000000LL))))
			c->closing = true;
	}
	if (c->closing && pending == 0) {
		conn_free(c);
		return;
	}
	set_reading(c, !c->eof && !c->closing && evbuffer_get_length(c->in) < NG_POLICY_INPUT_MAX);
}

/* ----- libevent callbacks ----- */

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn *c = arg;
	struct pd_server *srv = c->srv;

	if (what & EV_TIMEOUT) {
		srv->st.conns_timeout++;
		ng_log(&srv->log, NG_LOG_DEBUG, "conn=%lu peer=%s: idle timeout", c->id, c->peer);
		conn_free(c);
		return;
	}
	ssize_t n = recv(fd, srv->rbuf, sizeof(srv->rbuf), 0);
	if (n > 0) {
		size_t used = 0;
		/* the common case: nothing waits, parse straight from the read */
		if (evbuffer_get_length(c->in) == 0)
			feed(c, srv->rbuf, (size_t)n, &used);
		if (used < (size_t)n && !c->broken &&
		    evbuffer_add(c->in, srv->rbuf + used, (size_t)n - used) < 0)
			c->broken = true;
	} else if (n == 0) {
		c->eof = true;
	} else if (!retriable(errno)) {
		c->broken = true;
	}
	conn_run(c);
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pd_conn *c = arg;
	(void)fd;
	if (what & EV_TIMEOUT) {
		ng_log(&c->srv->log, NG_LOG_INFO, "conn=%lu peer=%s: peer does not read: closing",
		       c->id, c->peer);
		conn_free(c);
		return;
	}
	conn_run(c);
}

/* ----- accepting ----- */

static void peer_name(const struct sockaddr *sa, int salen, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET && salen >= (int)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && salen >= (int)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, cap, "unix");
	}
}

static bool over_limit(struct pd_server *srv)
{
	struct pd_gen *g = srv->gen;
	if (!srv->draining && srv->nconns < g->max_clients)
		return false;
	srv->st.conns_refused++;
	time_t now = time(NULL);
	if (!srv->draining && now != srv->refused_logged) {
		srv->refused_logged = now;
		ng_log(&srv->log, NG_LOG_WARN,
		       "too many clients (policyd_max_clients = %zu): closing new connections "
		       "(refused so far: %llu)",
		       g->max_clients, srv->st.conns_refused);
	}
	return true;
}

void pd_conn_accept(struct pd_server *srv, evutil_socket_t fd, const struct sockaddr *sa, int salen)
{
	srv->st.conns_total++;
	if (over_limit(srv)) {
		evutil_closesocket(fd);
		return;
	}
	struct pd_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ng_log(&srv->log, NG_LOG_ERROR, "out of memory: closing a new connection");
		evutil_closesocket(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->next_conn_id;
	clock_gettime(CLOCK_MONOTONIC, &c->born);
	peer_name(sa, salen, c->peer, sizeof(c->peer));
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->nconns++;
	c->parser = ng_policy_parser_new(NULL);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(srv->base, fd, EV_READ | EV_PERSIST, read_cb, c);
	c->wev = event_new(srv->base, fd, EV_WRITE, write_cb, c);
	if (c->parser == NULL || c->in == NULL || c->out == NULL || c->rev == NULL ||
	    c->wev == NULL || evutil_make_socket_nonblocking(fd) < 0) {
		ng_log(&srv->log, NG_LOG_ERROR, "out of memory: closing a new connection");
		conn_free(c);
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	set_reading(c, true);
}

void pd_conn_drain_all(struct pd_server *srv)
{
	struct pd_conn *c = LIST_FIRST(&srv->conns);
	while (c != NULL) {
		struct pd_conn *next = LIST_NEXT(c, link);
		if (!c->busy)
			conn_run(c); /* answers what is complete, then closes */
		c = next;
	}
	if (srv->nconns == 0)
		pd_server_drained(srv);
}

void pd_conn_free_all(struct pd_server *srv)
{
	bool draining = srv->draining;
	srv->draining = false; /* no "drained" callbacks while tearing down */
	while (!LIST_EMPTY(&srv->conns))
		conn_free(LIST_FIRST(&srv->conns));
	srv->draining = draining;
}

void pd_conn_retime_all(struct pd_server *srv)
{
	struct pd_conn *c;
	LIST_FOREACH(c, &srv->conns, link)
	if (c->reading)
		event_add(c->rev, &srv->gen->idle);
}
