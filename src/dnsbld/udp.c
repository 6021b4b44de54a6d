/*
 * udp.c - dnsbld's sockets: dnsbld_listen bound for UDP and TCP, and the
 * UDP path.
 *
 * dnsbld_listen items are HOST:PORT, [IPV6]:PORT or *:PORT (an optional
 * "inet:" prefix is accepted, as for the other daemons); a host name is
 * resolved once, at start-up, and every address it has is bound.  IPv6
 * sockets are IPV6_V6ONLY, so 0.0.0.0 and :: can be bound side by side.
 *
 * The UDP path is the hot one (DESIGN.md: a fraction of rbldnsd's CPU per
 * query): when a socket is readable, one recvmmsg takes up to
 * NG_DNSBLD_BATCH datagrams into buffers allocated once at start-up, each
 * is answered in place (the zone writes into the batch's answer buffers;
 * nothing is allocated), and one sendmmsg sends every answer, through a
 * send-only twin of the socket (bind_udp); while queries keep coming, the
 * next round waits GATHER_US for more of them to gather (udp_cb); at most
 * NG_DNSBLD_BATCHES rounds per wake-up, so TCP and signals get their turn.
 * A big SO_RCVBUF (SO_RCVBUFFORCE when we still may) holds bursts while a
 * round runs.  A socket bound to a wildcard address asks for the query's
 * destination (IP_PKTINFO, IPV6_RECVPKTINFO) and answers from it, so a
 * multi-homed host never answers from the wrong address.  Oversized
 * datagrams are dropped and counted; an answer the kernel refuses is
 * counted and the round goes on.
 */
#include "dnsbld.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The wait before the next read while queries come in (udp_cb), and the
 * queries a round must have found for it. */
#define GATHER_US  100
#define GATHER_MIN 2

uint64_t db_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void db_count(struct db_server *srv, const struct ng_zone_reply *r)
{
	struct db_stats *st = &srv->st;
	st->kinds[r->kind < NG_ZONE_KINDS ? r->kind : NG_ZONE_DROPPED]++;
	if (r->kind == NG_ZONE_LISTED)
		for (unsigned c = 0; c < NG_ZONE_CATS; c++)
			if (r->cats & (1u << c))
				st->listed[c]++;
	st->truncated += r->truncated;
	st->edns += r->edns;
	st->test_entries += r->test_entry;
}

/* ----- binding ----- */

/* Split one dnsbld_listen item into host (NULL: every address) and port. */
static int split_listen(const char *item, char *host, size_t hostcap, char *port, size_t portcap,
                        char *err, size_t errlen)
{
	if (strncmp(item, "inet:", 5) == 0)
		item += 5;
	const char *colon;
	if (item[0] == '[') {
		const char *close = strchr(item, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "'%s': write IPv6 as [ADDRESS]:PORT", item);
			return -1;
		}
		colon = close + 1;
		if ((size_t)(close - item - 1) >= hostcap)
			goto toolong;
		memcpy(host, item + 1, (size_t)(close - item - 1));
		host[close - item - 1] = '\0';
	} else {
		colon = strrchr(item, ':');
		if (colon == NULL || memchr(item, ':', (size_t)(colon - item)) != NULL) {
			snprintf(err, errlen, "'%s': not HOST:PORT or [IPV6]:PORT", item);
			return -1;
		}
		if ((size_t)(colon - item) >= hostcap)
			goto toolong;
		memcpy(host, item, (size_t)(colon - item));
		host[colon - item] = '\0';
	}
	const char *p = colon + 1;
	unsigned long v = 0;
	size_t n = strlen(p);
	if (n == 0 || n > 5 || n >= portcap) {
		snprintf(err, errlen, "'%s': bad port", item);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			snprintf(err, errlen, "'%s': bad port", item);
			return -1;
		}
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535) {
		snprintf(err, errlen, "'%s': bad port", item);
		return -1;
	}
	memcpy(port, p, n + 1);
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	return 0;
toolong:
	snprintf(err, errlen, "'%s': host name too long", item);
	return -1;
}

static void addr_name(const struct sockaddr *sa, char *buf, size_t cap)
{
	char h[INET6_ADDRSTRLEN + 2], s[8]; /* numeric: "65535" */
	if (getnameinfo(sa,
	                sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                          : sizeof(struct sockaddr_in),
	                h, sizeof(h), s, sizeof(s), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, cap, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, cap, "[%s]:%s", h, s);
	else
		snprintf(buf, cap, "%s:%s", h, s);
}

static bool is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &in6addr_any,
	              sizeof(in6addr_any)) == 0;
}

/* A socket of type on sa, bound (and listening, for TCP); -1 with err.
 * reuseport: SO_REUSEPORT before the bind (the send-only twin, bind_udp);
 * -2 when that option is refused. */
static int bind_one(const struct addrinfo *ai, int type, bool reuseport, char *err, size_t errlen)
{
	char name[80];
	addr_name(ai->ai_addr, name, sizeof(name));
	int fd = socket(ai->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
		return -1;
	}
	int one = 1;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		close(fd);
		return -2;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		snprintf(err, errlen, "%s (%s): %s", name, type == SOCK_STREAM ? "TCP" : "UDP",
		         strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The UDP socket of one address, and the socket its answers leave by.
 *
 * Answers go out through a second socket bound to the same address and
 * port, in one SO_REUSEPORT group with the first, whose classic BPF
 * program hands every datagram to the group's first socket: the second
 * receives nothing.  The kernel has work on each answer that depends on
 * the socket it leaves by: its send buffer is charged and released (the
 * release wakes whatever waits on the socket, and the loop's epoll always
 * waits on the receiving one), and that counter shares cache lines with
 * the receive queue that the clients' CPUs fill.  A socket only sent on
 * has neither cost.
 *
 * The receiving socket is bound first and without SO_REUSEPORT, so that an
 * address in use (another dnsbld still running) fails as it always did;
 * the option is set after the bind, the twin joins, and the group is made
 * with the receiving socket first (the program's 0).  The twin is closed
 * first at exit.  When any step is refused (an old kernel), one socket
 * does both, as before.
 */
static int bind_udp(struct db_udp *u, const struct addrinfo *ai, char *err, size_t errlen)
{
	u->fd = u->sfd = bind_one(ai, SOCK_DGRAM, false, err, errlen);
	if (u->fd < 0)
		return -1;
	int one = 1;
	if (setsockopt(u->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return 0;
	char ignored[8];
	int s = bind_one(ai, SOCK_DGRAM, true, ignored, sizeof(ignored));
	struct sock_filter first[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = first};
	if (s >= 0 &&
	    setsockopt(u->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) == 0) {
		u->sfd = s;
		return 0;
	}
	if (s >= 0)
		close(s);
	return 0;
}

static void udp_options(struct db_server *srv, struct db_udp *u, const struct addrinfo *ai)
{
	int want = NG_DNSBLD_RCVBUF, got = 0;
	socklen_t len = sizeof(got);
	/* FORCE passes net.core.rmem_max while we are still root */
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	int snd = 1 << 20;
	setsockopt(u->sfd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	getsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
	if (got < want)
		ng_log(&srv->log, NG_LOG_WARN,
		       "%s: UDP receive buffer %d bytes (asked for %d): raise net.core.rmem_max "
		       "or start as root to hold bursts",
		       u->name, got, want);
	if (is_wildcard(ai->ai_addr)) {
		int one = 1;
		u->pktinfo =
		    setsockopt(u->fd, ai->ai_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		               ai->ai_family == AF_INET6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &one,
		               sizeof(one)) == 0;
	}
}

int db_listen(struct db_server *srv, char *err, size_t errlen)
{
	const char *const *items;
	size_t n = ng_config_list(srv->cfg, NG_K_DNSBLD_LISTEN, &items);
	size_t dlen = 0;
	if (n == 0 || n > NG_DNSBLD_LISTEN_MAX) {
		snprintf(err, errlen, "give 1 to %d addresses", NG_DNSBLD_LISTEN_MAX);
		return -2;
	}
	for (size_t i = 0; i < n; i++) {
		char host[256], port[8];
		if (split_listen(items[i], host, sizeof(host), port, sizeof(port), err, errlen) < 0)
			return -2;
		struct addrinfo hints, *res = NULL;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
		if (g != 0) {
			snprintf(err, errlen, "'%s': %s", items[i], gai_strerror(g));
			return -1;
		}
		for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
			if (srv->nudp >= sizeof(srv->udp) / sizeof(srv->udp[0])) {
				freeaddrinfo(res);
				snprintf(err, errlen, "more than %zu sockets",
				         sizeof(srv->udp) / sizeof(srv->udp[0]));
				return -1;
			}
			struct db_udp *u = &srv->udp[srv->nudp];
			if (bind_udp(u, ai, err, errlen) < 0) {
				freeaddrinfo(res);
				return -1;
			}
			srv->nudp++;
			u->srv = srv;
			u->v6 = ai->ai_family == AF_INET6;
			addr_name(ai->ai_addr, u->name, sizeof(u->name));
			udp_options(srv, u, ai);
			int t = bind_one(ai, SOCK_STREAM, false, err, errlen);
			if (t < 0) {
				freeaddrinfo(res);
				return -1;
			}
			srv->lev[srv->nlev] = NULL;
			/* tcp.c wraps it in a listener; the descriptor waits in lev_fd */
			srv->lev_fd[srv->nlev++] = t;
			dlen += (size_t)snprintf(
			    srv->listen_desc + dlen,
			    dlen < sizeof(srv->listen_desc) ? sizeof(srv->listen_desc) - dlen : 0,
			    "%s%s", dlen ? "," : "", u->name);
			if (dlen >= sizeof(srv->listen_desc))
				dlen = sizeof(srv->listen_desc) - 1;
		}
		freeaddrinfo(res);
	}
	return 0;
}

void db_listen_close(struct db_server *srv)
{
	for (size_t i = 0; i < srv->nudp; i++) {
		if (srv->udp[i].ev != NULL)
			event_free(srv->udp[i].ev);
		srv->udp[i].ev = NULL;
		if (srv->udp[i].sfd >= 0 && srv->udp[i].sfd != srv->udp[i].fd)
			close(srv->udp[i].sfd);
		if (srv->udp[i].fd >= 0)
			close(srv->udp[i].fd);
		srv->udp[i].fd = srv->udp[i].sfd = -1;
	}
	srv->nudp = 0;
	for (size_t i = 0; i < srv->nlev; i++) {
		if (srv->lev[i] != NULL)
			evconnlistener_free(srv->lev[i]); /* closes the socket */
		else if (srv->lev_fd[i] >= 0)
			close(srv->lev_fd[i]);
		srv->lev[i] = NULL;
		srv->lev_fd[i] = -1;
	}
	srv->nlev = 0;
}

/* ----- serving ----- */

/* The destination of query i as the source of its answer m. */
static void set_source(struct db_batch *b, size_t i, size_t m, bool v6)
{
	struct msghdr *in = &b->in[i].msg_hdr, *out = &b->out[m].msg_hdr;
	out->msg_control = NULL;
	out->msg_controllen = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL; c = CMSG_NXTHDR(in, c)) {
		if (!v6 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			out->msg_control = b->cmsg_out[m].buf;
			out->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *o = CMSG_FIRSTHDR(out);
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return;
		}
		if (v6 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			out->msg_control = b->cmsg_out[m].buf;
			out->msg_controllen = CMSG_SPACE(sizeof(pi));
			struct cmsghdr *o = CMSG_FIRSTHDR(out);
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return;
		}
	}
}

/* The rate limiter's verdict on the sender of datagram i. */
static enum ng_zone_rrl_verdict limit(struct db_server *srv, const struct sockaddr_storage *ss,
                                      uint64_t now)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		return ng_zone_rrl_check(srv->rrl, true, s6->sin6_addr.s6_addr, now);
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	return ng_zone_rrl_check(srv->rrl, false, (const uint8_t *)&s4->sin_addr.s_addr, now);
}

/* One round: receive, answer, send.  The number of datagrams received. */
static int round_trip(struct db_udp *u)
{
	struct db_server *srv = u->srv;
	struct db_batch *b = srv->batch;
	for (size_t i = 0; i < NG_DNSBLD_BATCH; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;
		h->msg_namelen = sizeof(b->peer[i]);
		h->msg_controllen = u->pktinfo ? sizeof(b->cmsg_in[i].buf) : 0;
		h->msg_flags = 0;
	}
	int n = recvmmsg(u->fd, b->in, NG_DNSBLD_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			ng_log(&srv->log, NG_LOG_ERROR, "%s: recvmmsg: %s", u->name,
			       strerror(errno));
		return 0;
	}
	srv->st.batches++;
	srv->st.udp_queries += (unsigned)n;
	uint64_t now = srv->rrl != NULL ? db_now_ms() : 0;
	size_t m = 0;
	for (size_t i = 0; i < (size_t)n; i++) {
		if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) {
			srv->st.oversize++;
			continue;
		}
		unsigned flags = 0;
		if (srv->rrl != NULL) {
			enum ng_zone_rrl_verdict v = limit(srv, &b->peer[i], now);
			if (v == NG_ZONE_RRL_DROP) {
				srv->st.rrl_dropped++;
				continue;
			}
			if (v == NG_ZONE_RRL_SLIP) {
				srv->st.rrl_slipped++;
				flags |= NG_ZONE_SLIP;
			}
		}
		struct ng_zone_reply r;
		size_t len = ng_zone_respond(srv->zone, srv->ix, b->query[i], b->in[i].msg_len,
		                             flags, b->answer[m], NG_DNSBLD_UDP_MAX, &r);
		db_count(srv, &r);
		if (len == 0)
			continue;
		struct msghdr *out = &b->out[m].msg_hdr;
		out->msg_name = &b->peer[i];
		out->msg_namelen = b->in[i].msg_hdr.msg_namelen;
		b->iov_out[m].iov_len = len;
		if (u->pktinfo) {
			set_source(b, i, m, u->v6);
		} else { /* the batch is shared: no control data left from another socket */
			out->msg_control = NULL;
			out->msg_controllen = 0;
		}
		m++;
	}
	for (size_t sent = 0; sent < m;) {
		int k = sendmmsg(u->sfd, b->out + sent, (unsigned)(m - sent), MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* the first one failed (a peer's ICMP error, a full buffer): skip it */
			srv->st.send_errors++;
			sent++;
			continue;
		}
		sent += (size_t)k;
	}
	return n;
}

/* Let queries gather for a moment before the next read (see udp_cb). */
static void gather_pause(void)
{
	struct timespec ts = {0, GATHER_US * 1000L};
	nanosleep(&ts, NULL);
}

/*
 * Rounds until the socket has gone quiet or NG_DNSBLD_BATCHES are done.
 *
 * A round's fixed cost (recvmmsg, sendmmsg, the clients woken by its
 * answers, our own wake-up from the next query) is several times what one
 * query costs, so the CPU per query falls with the number of queries per
 * round.  Clients that wait for answers before they ask again (a resolver
 * farm at its concurrency limit) send their next queries as the answers
 * reach them, one by one; read at once, the socket yields a few at a time
 * and the rounds stay small.  So when a round found more than one query,
 * the next read waits GATHER_US: a query is answered at most that much
 * later, and a busy server answers many times more queries per round.  A
 * lone query (a quiet server) and a full batch (a backlog) are not made
 * to wait.  The loop waits too (TCP, the other sockets, the reload): at
 * most NG_DNSBLD_BATCHES - 1 pauses a turn, under a millisecond.
 */
static void udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_udp *u = arg;
	(void)fd;
	(void)what;
	for (int round = 0; round < NG_DNSBLD_BATCHES; round++) {
		int n = round_trip(u);
		if (n >= NG_DNSBLD_BATCH)
			continue;
		if (n < GATHER_MIN || round + 1 == NG_DNSBLD_BATCHES)
			break;
		gather_pause();
	}
}

int db_udp_start(struct db_server *srv, char *err, size_t errlen)
{
	struct db_batch *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < NG_DNSBLD_BATCH; i++) {
		b->iov_in[i] = (struct iovec){b->query[i], sizeof(b->query[i])};
		b->in[i].msg_hdr.msg_iov = &b->iov_in[i];
		b->in[i].msg_hdr.msg_iovlen = 1;
		b->in[i].msg_hdr.msg_name = &b->peer[i];
		b->in[i].msg_hdr.msg_control = b->cmsg_in[i].buf;
		b->iov_out[i] = (struct iovec){b->answer[i], 0};
		b->out[i].msg_hdr.msg_iov = &b->iov_out[i];
		b->out[i].msg_hdr.msg_iovlen = 1;
	}
	srv->batch = b;
	for (size_t i = 0; i < srv->nudp; i++) {
		struct db_udp *u = &srv->udp[i];
		u->ev = event_new(srv->base, u->fd, EV_READ | EV_PERSIST, udp_cb, u);
		if (u->ev == NULL || event_add(u->ev, NULL) < 0) {
			snprintf(err, errlen, "%s: cannot watch the socket", u->name);
			return -1;
		}
	}
	return 0;
}
