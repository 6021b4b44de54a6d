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

static int bind_unix(struct ng_listener *ls, struct event_base *base, char *err, size_t errlen)
{
	const char *path = ls->o.listen->path;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -1;
	}
	if (ng_unixsock_reclaim(path, err, errlen) < 0)
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ls->lev = evconnlistener_new_bind(base, accept_cb, ls, lev_flags, ls->o.backlog,
	                                  (struct sockaddr *)&sun, sizeof(sun));
	if (ls->lev == NULL) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		return -1;
	}
	ls->unix_created = true;
	if (chmod(path, 0666) < 0) {
		snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_inet(struct ng_listener *ls, struct event_base *base, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[16];
	const struct ng_listen *l = ls->o.listen;
	const char *host = l->host[0] != '\0' ? l->host : NULL;
	snprintf(port, sizeof(port), "%u", l->port);
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", ls->o.spec, gai_strerror(rc));
		return -1;
	}
	int e = 0;
	for (struct addrinfo *a = ai; a != NULL && ls->lev == NULL; a = a->ai_next) {
		ls->lev =
		    evconnlistener_new_bind(base, accept_cb, ls, lev_flags | LEV_OPT_REUSEABLE,
		                            ls->o.backlog, a->ai_addr, (int)a->ai_addrlen);
		e = errno;
	}
	freeaddrinfo(ai);
	if (ls->lev == NULL) {
		snprintf(err, errlen, "bind %s: %s", ls->o.spec, strerror(e));
		return -1;
	}
	return 0;
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
	int rc = o->listen->is_unix ? bind_unix(ls, base, err, errlen)
	                            : bind_inet(ls, base, err, errlen);
	if (rc < 0) {
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
