/*
 * listen.c - the listening socket of policyd (policyd.h).
 *
 * policyd_listen takes Postfix's forms: inet:HOST:PORT (HOST a name or an
 * address, [IPv6] in brackets, * for every address) and unix:PATH.
 *
 * A unix socket left behind by a policyd that crashed is removed: when the
 * path is a socket nobody accepts on (connect(2) says ECONNREFUSED).  A
 * socket that answers belongs to a running policyd and start-up fails;
 * anything that is not a socket is never removed.  The socket is made mode
 * 0666 so that Postfix's smtpd (user postfix) can connect whatever our
 * umask and user; restrict access with the directory's permissions.
 *
 * Accept errors: when out of file descriptors (EMFILE/ENFILE), accepting
 * stops for 100 ms instead of spinning on a listening socket that stays
 * readable; the pending connections wait in the kernel's backlog.
 */
#include "policyd.h"
#include "util/unixsock.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 4096

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	(void)lev;
	pd_conn_accept(arg, fd, sa, salen);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pd_server *srv = arg;
	(void)fd;
	(void)what;
	if (srv->lev != NULL && !srv->draining)
		evconnlistener_enable(srv->lev);
}

static void error_cb(struct evconnlistener *lev, void *arg)
{
	struct pd_server *srv = arg;
	int e = EVUTIL_SOCKET_ERROR();
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		static const struct timeval pause = {0, 100000};
		ng_log(&srv->log, NG_LOG_ERROR,
		       "accept: %s: pausing new connections for 100 ms (connections=%zu)",
		       strerror(e), srv->nconns);
		evconnlistener_disable(lev);
		evtimer_add(srv->accept_retry, &pause);
		return;
	}
	ng_log(&srv->log, NG_LOG_WARN, "accept: %s", strerror(e));
}

static const unsigned lev_flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

static int listen_unix(struct pd_server *srv, char *err, size_t errlen)
{
	const char *path = srv->listen.path;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -1;
	}
	if (ng_unixsock_reclaim(path, err, errlen) < 0)
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	srv->lev = evconnlistener_new_bind(srv->base, accept_cb, srv, lev_flags, BACKLOG,
	                                   (struct sockaddr *)&sun, sizeof(sun));
	if (srv->lev == NULL) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		return -1;
	}
	srv->unix_created = true;
	if (chmod(path, 0666) < 0) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int listen_inet(struct pd_server *srv, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[16];
	const char *host = srv->listen.host[0] != '\0' ? srv->listen.host : NULL;

	snprintf(port, sizeof(port), "%u", srv->listen.port);
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", srv->listen_spec, gai_strerror(rc));
		return -1;
	}
	int e = 0;
	for (struct addrinfo *a = ai; a != NULL && srv->lev == NULL; a = a->ai_next) {
		srv->lev = evconnlistener_new_bind(srv->base, accept_cb, srv,
		                                   lev_flags | LEV_OPT_REUSEABLE, BACKLOG,
		                                   a->ai_addr, (int)a->ai_addrlen);
		e = errno;
	}
	freeaddrinfo(ai);
	if (srv->lev == NULL) {
		snprintf(err, errlen, "bind %s: %s", srv->listen_spec, strerror(e));
		return -1;
	}
	return 0;
}

int pd_listen_start(struct pd_server *srv, char *err, size_t errlen)
{
	srv->accept_retry = evtimer_new(srv->base, retry_cb, srv);
	if (srv->accept_retry == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc =
	    srv->listen.is_unix ? listen_unix(srv, err, errlen) : listen_inet(srv, err, errlen);
	if (rc == 0)
		evconnlistener_set_error_cb(srv->lev, error_cb);
	return rc;
}

void pd_listen_stop(struct pd_server *srv)
{
	if (srv->lev != NULL) {
		evconnlistener_free(srv->lev);
		srv->lev = NULL;
	}
	if (srv->accept_retry != NULL) {
		event_free(srv->accept_retry);
		srv->accept_retry = NULL;
	}
	if (srv->unix_created) {
		unlink(srv->listen.path);
		srv->unix_created = false;
	}
}
