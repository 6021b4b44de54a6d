/*
 * listener.c - a daemon's listening socket on libevent (listener.h).
 */
#include "util/listener.h"

#include "util/unixsock.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct ng_listener {
	struct ng_listener_opts o;
	struct evconnlistener *lev;
	struct event *retry; /* after EMFILE */
	bool unix_created;   /* unlink the socket at the end */
};

static const unsigned lev_flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	struct ng_listener *ls = arg;
	(void)lev;
	ls->o.accept(ls->o.arg, fd, sa, salen);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ng_listener *ls = arg;
	(void)fd;
	(void)what;
	evconnlistener_enable(ls->lev);
}

static void error_cb(struct evconnlistener *lev, void *arg)
{
	struct ng_listener *ls = arg;
	int e = EVUTIL_SOCKET_ERROR();
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		static const struct timeval pause = {0, 100000};
		ng_log(ls->o.log, NG_LOG_ERROR, "accept: %s: pausing new %s for 100 ms (%s=%zu)",
		       strerror(e), ls->o.what, ls->o.what, *ls->o.active);
		evconnlistener_disable(lev);
		evtimer_add(ls->retry, &pause);
		return;
	}
	ng_log(ls->o.log, NG_LOG_WARN, "accept: %s", strerror(e));
}

static int bind_unix(const struct ng_listen *l, int backlog, bool *created, char *err,
                     size_t errlen)
{
	const char *path = l->path;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -1;
	}
	if (ng_unixsock_reclaim(path, err, errlen) < 0)
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*created = true;
	if (chmod(path, 0666) < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bind_inet(const struct ng_listen *l, const char *spec, int backlog, char *err,
                     size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[16];
	const char *host = l->host[0] != '\0' && strcmp(l->host, "*") != 0 ? l->host : NULL;
	snprintf(port, sizeof(port), "%u", l->port);
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	int fd = -1, e = 0;
	for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		snprintf(err, errlen, "bind %s: %s", spec, strerror(e));
	return fd;
}

int ng_listen_socket(const struct ng_listen *l, const char *spec, int backlog, bool *unix_created,
                     char *err, size_t errlen)
{
	*unix_created = false;
	return l->is_unix ? bind_unix(l, backlog, unix_created, err, errlen)
	                  : bind_inet(l, spec, backlog, err, errlen);
}

struct ng_listener *ng_listener_new(struct event_base *base, const struct ng_listener_opts *o,
                                    char *err, size_t errlen)
{
	struct ng_listener *ls = calloc(1, sizeof(*ls));
	if (ls == NULL || (ls->retry = evtimer_new(base, retry_cb, ls)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ls);
		return NULL;
	}
	ls->o = *o;
	int fd = ng_listen_socket(o->listen, o->spec, o->backlog, &ls->unix_created, err, errlen);
	if (fd < 0) {
		ng_listener_free(ls);
		return NULL;
	}
	if (evutil_make_socket_nonblocking(fd) < 0 ||
	    (ls->lev = evconnlistener_new(base, accept_cb, ls, lev_flags, 0, fd)) == NULL) {
		snprintf(err, errlen, "listen %s: %s", o->spec, strerror(errno));
		close(fd);
		ng_listener_free(ls);
		return NULL;
	}
	evconnlistener_set_error_cb(ls->lev, error_cb);
	return ls;
}

void ng_listener_free(struct ng_listener *ls)
{
	if (ls == NULL)
		return;
	if (ls->lev != NULL)
		evconnlistener_free(ls->lev);
	if (ls->retry != NULL)
		event_free(ls->retry);
	if (ls->unix_created)
		unlink(ls->o.listen->path);
	free(ls);
}
