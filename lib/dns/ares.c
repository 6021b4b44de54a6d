/*
 * ares.c - the resolver of dns.h on c-ares, driven by a libevent loop.
 *
 * c-ares tells us through ARES_OPT_SOCK_STATE_CB which sockets it wants
 * watched for reading or writing; each gets one persistent libevent event
 * that calls ares_process_fd().  One timer, re-armed from ares_timeout()
 * after every step, lets c-ares retry and time queries out.  Nothing here
 * ever blocks.
 *
 * Queries use ares_query() with the raw answer, which
 * ng_dns_answer_parse_rrs() (wire.c) reads into the resolver's one record
 * set: c-ares' own parsers report no TTL for TXT records and no SOA from
 * the authority section, and a DNSBL cache needs both.  The set is reused
 * for every answer, which is safe because callbacks never nest: a query
 * started from a callback is answered later, or parked (below).
 *
 * Lifetimes.  c-ares has no per-query cancel, so a query handle lives until
 * c-ares calls back: ng_dns_cancel() only forgets the user's callback, and
 * the handle is freed when the answer, the timeout or ares_destroy() comes.
 * The user's callback therefore never runs after a cancel and never touches
 * freed memory.  c-ares may also call back from inside ares_query() (no
 * usable server, out of memory, an answer from its cache); dns.h promises
 * that never happens inside query(), so such an answer is parked, as the
 * raw message, and parsed and delivered from a libevent event that is made
 * active at once.  ng_dns_defer() parks a query without asking c-ares.
 */
#include "ndrguard/dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"

struct sock {
	struct sock *next;
	ares_socket_t fd;
	short what;
	struct event *ev;
};

struct ng_dns_query {
	struct ares_res *r;
	struct ng_dns_query *prev, *next; /* in the parked list */
	ng_dns_done_fn *done;             /* NULL once cancelled */
	void *arg;
	bool parked;
	bool deferred; /* from ng_dns_defer(): no name, no answer */
	enum ng_dns_type type;
	char name[NG_DNS_NAME_MAX];
	int status;          /* a parked answer: c-ares' status ... */
	unsigned char *abuf; /* ... and a copy of the message, or NULL */
	size_t alen;
};

struct ares_res {
	struct ng_dns_resolver base; /* first: the vtable */
	ares_channel ch;
	struct event_base *evb;
	struct event *timer;
	struct event *deliver; /* delivers the parked answers */
	struct sock *socks;
	struct ng_dns_query *parked_head, *parked_tail;
	struct ng_dns_query *starting; /* the query inside ares_query() now */
	bool destroying;
	const struct ng_log *log;
	struct ng_dns_rrset *rrset; /* the records of the answer being delivered */
};

static void update_timer(struct ares_res *r)
{
	struct timeval tv;
	if (ares_timeout(r->ch, NULL, &tv) != NULL)
		evtimer_add(r->timer, &tv);
	else
		evtimer_del(r->timer);
}

static void on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct ares_res *r = arg;
	ares_process_fd(r->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	                (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	update_timer(r);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ares_res *r = arg;
	(void)fd;
	(void)what;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	update_timer(r);
}

/* c-ares opens, closes or changes interest in a socket.  Freeing the event
 * of the socket whose callback runs right now is allowed by libevent. */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct ares_res *r = data;
	struct sock **pp = &r->socks;
	while (*pp != NULL && (*pp)->fd != fd)
		pp = &(*pp)->next;
	struct sock *s = *pp;

	if (!readable && !writable) {
		if (s != NULL) {
			*pp = s->next;
			if (s->ev != NULL)
				event_free(s->ev);
			free(s);
		}
		return;
	}
	short what = (short)((readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			goto nomem;
		s->fd = fd;
		s->next = r->socks;
		r->socks = s;
	}
	if (s->ev != NULL && s->what == what)
		return;
	if (s->ev != NULL)
		event_free(s->ev);
	s->what = what;
	s->ev = event_new(r->evb, fd, (short)(what | EV_PERSIST), on_sock, r);
	if (s->ev == NULL || event_add(s->ev, NULL) != 0)
		goto nomem;
	return;
nomem:
	/* The queries on this socket time out through the timer. */
	ng_log(r->log, NG_LOG_ERROR, "dns: cannot watch a c-ares socket: out of memory");
}

static void answer_from_status(struct ng_dns_query *q, int status, const unsigned char *abuf,
                               size_t alen, struct ng_dns_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (q->deferred) {
		ans->detail = "deferred";
		return;
	}
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		if (abuf != NULL && alen > 0) {
			ng_dns_answer_parse_rrs(abuf, alen, q->name, q->type, ans, q->r->rrset);
			if (ans->rcode == NG_DNS_ERROR) {
				char name[NG_DNS_NAME_MAX];
				ng_log(q->r->log, NG_LOG_WARN, "dns: malformed answer to %s/%s: %s",
				       ng_log_escape(name, sizeof(name), q->name, strlen(q->name),
				                     sizeof(name)),
				       ng_dns_type_name(q->type), ans->detail);
			}
			return;
		}
		ans->rcode = status == ARES_ENODATA     ? NG_DNS_NODATA
		             : status == ARES_ENOTFOUND ? NG_DNS_NXDOMAIN
		                                        : NG_DNS_ERROR;
		break;
	case ARES_ETIMEOUT:
		ans->rcode = NG_DNS_TIMEOUT;
		break;
	case ARES_ESERVFAIL:
		ans->rcode = NG_DNS_SERVFAIL;
		break;
	case ARES_EREFUSED:
		ans->rcode = NG_DNS_REFUSED;
		break;
	default: /* connection refused, bad response, out of memory, ... */
		ans->rcode = NG_DNS_ERROR;
		break;
	}
	ans->detail = ares_strerror(status);
}

static void park(struct ares_res *r, struct ng_dns_query *q)
{
	q->parked = true;
	q->next = NULL;
	q->prev = r->parked_tail;
	if (r->parked_tail != NULL)
		r->parked_tail->next = q;
	else
		r->parked_head = q;
	r->parked_tail = q;
	event_active(r->deliver, EV_TIMEOUT, 0);
}

static void unpark(struct ares_res *r, struct ng_dns_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->parked_head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		r->parked_tail = q->prev;
	q->parked = false;
}

static void query_free(struct ng_dns_query *q)
{
	free(q->abuf);
	free(q);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct ares_res *r = arg;
	(void)fd;
	(void)what;
	/* Callbacks may cancel parked queries (unpark) or park new ones. */
	while (r->parked_head != NULL) {
		struct ng_dns_query *q = r->parked_head;
		struct ng_dns_answer ans;
		unpark(r, q);
		answer_from_status(q, q->status, q->abuf, q->alen, &ans);
		q->done(q->arg, &ans);
		query_free(q);
	}
}

/* c-ares is done with the query: answered, timed out, or destroyed. */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct ng_dns_query *q = arg;
	struct ares_res *r = q->r;
	(void)timeouts;

	if (q->done == NULL || r->destroying || status == ARES_EDESTRUCTION ||
	    status == ARES_ECANCELLED) {
		free(q);
		return;
	}
	if (q == r->starting) {
		/* Parse at delivery: the record set may serve another answer
		 * before then. */
		q->status = status;
		if (abuf != NULL && alen > 0) {
			q->abuf = malloc((size_t)alen);
			if (q->abuf != NULL) {
				memcpy(q->abuf, abuf, (size_t)alen);
				q->alen = (size_t)alen;
			} else {
				q->status = ARES_ENOMEM;
			}
		}
		park(r, q);
		return;
	}
	struct ng_dns_answer ans;
	answer_from_status(q, status, abuf, alen > 0 ? (size_t)alen : 0, &ans);
	q->done(q->arg, &ans);
	free(q);
}

static struct ng_dns_query *ares_res_query(struct ng_dns_resolver *base, const char *name,
                                           enum ng_dns_type type, ng_dns_done_fn *done, void *arg)
{
	struct ares_res *r = (struct ares_res *)base;
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--; /* every name is complete here: c-ares adds no domain */
	if (n >= NG_DNS_NAME_MAX)
		return NULL;
	struct ng_dns_query *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->r = r;
	q->done = done;
	q->arg = arg;
	q->type = type;
	memcpy(q->name, name, n);
	q->name[n] = '\0';
	r->starting = q;
	ares_query(r->ch, q->name, 1 /* class IN */, (int)type, on_answer, q);
	r->starting = NULL;
	update_timer(r);
	return q;
}

static struct ng_dns_query *ares_res_defer(struct ng_dns_resolver *base, ng_dns_done_fn *done,
                                           void *arg)
{
	struct ares_res *r = (struct ares_res *)base;
	struct ng_dns_query *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->r = r;
	q->done = done;
	q->arg = arg;
	q->deferred = true;
	park(r, q);
	return q;
}

static void ares_res_cancel(struct ng_dns_resolver *base, struct ng_dns_query *q)
{
	struct ares_res *r = (struct ares_res *)base;
	if (q->parked) {
		unpark(r, q);
		query_free(q);
		return;
	}
	q->done = NULL; /* freed when c-ares lets go of it */
}

static void ares_res_free(struct ng_dns_resolver *base)
{
	struct ares_res *r = (struct ares_res *)base;
	r->destroying = true;
	while (r->parked_head != NULL) {
		struct ng_dns_query *q = r->parked_head;
		unpark(r, q);
		query_free(q);
	}
	if (r->ch != NULL)
		ares_destroy(r->ch); /* calls on_answer for every query: frees them */
	while (r->socks != NULL) {
		struct sock *s = r->socks;
		r->socks = s->next;
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
	}
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->deliver != NULL)
		event_free(r->deliver);
	free(r->rrset);
	free(r);
}

static const struct ng_dns_resolver_ops ares_ops = {
    .query = ares_res_query,
    .defer = ares_res_defer,
    .cancel = ares_res_cancel,
    .free = ares_res_free,
};

/* "HOST", "HOST:PORT", "[V6]", "[V6]:PORT", or a bare IPv6 address. */
static int parse_server(const char *spec, struct ares_addr_port_node *n, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hlen;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL)
			goto bad;
		hlen = (size_t)(close - spec - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
		spec++;
	} else {
		const char *colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - spec);
			port = colon + 1;
		} else {
			hlen = strlen(spec); /* IPv4 without port, or bare IPv6 */
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, host, &n->addr.addr4) == 1) {
		n->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &n->addr.addr6) == 1) {
		n->family = AF_INET6;
	} else {
		goto bad;
	}
	if (port != NULL) {
		char *end;
		errno = 0;
		unsigned long p = strtoul(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || p == 0 || p > 65535 ||
		    port[0] < '0' || port[0] > '9')
			goto bad;
		n->udp_port = n->tcp_port = (int)p;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad DNS server '%.200s': want HOST, HOST:PORT or [IPV6]:PORT", spec);
	return -1;
}

int ng_dns_servers_check(const char *const *servers, size_t nservers, char *err, size_t errlen)
{
	struct ares_addr_port_node n;
	if (nservers > NG_DNS_SERVERS_MAX) {
		snprintf(err, errlen, "too many DNS servers: %zu (at most %d)", nservers,
		         NG_DNS_SERVERS_MAX);
		return -1;
	}
	for (size_t i = 0; i < nservers; i++)
		if (parse_server(servers[i], &n, err, errlen) != 0)
			return -1;
	return 0;
}

struct ng_dns_resolver *ng_dns_ares_new(struct event_base *base, const char *const *servers,
                                        size_t nservers, unsigned timeout_ms, unsigned tries,
                                        const struct ng_log *log, char *err, size_t errlen)
{
	struct ares_addr_port_node nodes[NG_DNS_SERVERS_MAX];
	struct ares_options o;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS;
	int rc;

	if (nservers > NG_DNS_SERVERS_MAX) {
		snprintf(err, errlen, "too many DNS servers: %zu (at most %d)", nservers,
		         NG_DNS_SERVERS_MAX);
		return NULL;
	}
	for (size_t i = 0; i < nservers; i++) {
		if (parse_server(servers[i], &nodes[i], err, errlen) != 0)
			return NULL;
		nodes[i].next = i + 1 < nservers ? &nodes[i + 1] : NULL;
	}
	struct ares_res *r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto nomem;
	r->base.ops = &ares_ops;
	r->evb = base;
	r->log = log;
	r->timer = evtimer_new(base, on_timer, r);
	r->deliver = event_new(base, -1, 0, on_deliver, r);
	r->rrset = malloc(sizeof(*r->rrset));
	if (r->timer == NULL || r->deliver == NULL || r->rrset == NULL)
		goto nomem;

	/* c-ares needs no ares_library_init() on POSIX systems (it only sets
	 * up Winsock), so no process-wide state is touched here. */
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state_cb;
	o.sock_state_cb_data = r;
	/* Names are complete (no search list) and never rewritten through
	 * $HOSTALIASES, whatever the environment says.  SERVFAIL and REFUSED
	 * are answers, handed to us (NOCHECKRESP) and reported as such: c-ares
	 * 1.18 would otherwise try the next server and end in a bare
	 * "Could not contact DNS servers", hiding e.g. a zone name that the
	 * server does not serve.  Timeouts and network errors still move on
	 * to the next server. */
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
	if (timeout_ms > 0) {
		o.timeout = (int)(timeout_ms > 600000 ? 600000 : timeout_ms);
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (tries > 0) {
		o.tries = (int)(tries > 100 ? 100 : tries);
		mask |= ARES_OPT_TRIES;
	}
	rc = ares_init_options(&r->ch, &o, mask);
	if (rc != ARES_SUCCESS) {
		r->ch = NULL;
		snprintf(err, errlen, "cannot start the DNS resolver: %s", ares_strerror(rc));
		ares_res_free(&r->base);
		return NULL;
	}
	if (nservers > 0 && (rc = ares_set_servers_ports(r->ch, nodes)) != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot set the DNS servers: %s", ares_strerror(rc));
		ares_res_free(&r->base);
		return NULL;
	}
	return &r->base;
nomem:
	snprintf(err, errlen, "out of memory");
	if (r != NULL)
		ares_res_free(&r->base);
	return NULL;
}
