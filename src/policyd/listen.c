/*
 * listen.c - the listening socket of policyd (policyd.h): policyd_listen, bound and
 * watched by lib/util/listener.c (Postfix's listen forms, stale unix
 * sockets taken over, a 100 ms pause when accept(2) runs out of file
 * descriptors).
 */
#include "policyd.h"

#include "util/listener.h"

static void accept_cb(void *arg, evutil_socket_t fd, const struct sockaddr *sa, int salen)
{
	pd_conn_accept(arg, fd, sa, salen);
}

int pd_listen_start(struct pd_server *srv, char *err, size_t errlen)
{
	struct ng_listener_opts o = {
	    .listen = &srv->listen,
	    .spec = srv->listen_spec,
	    .backlog = 4096,
	    .accept = accept_cb,
	    .arg = srv,
	    .log = &srv->log,
	    .what = "connections",
	    .active = &srv->nconns,
	};
	srv->listener = ng_listener_new(srv->base, &o, err, errlen);
	return srv->listener != NULL ? 0 : -1;
}

void pd_listen_stop(struct pd_server *srv)
{
	ng_listener_free(srv->listener);
	srv->listener = NULL;
}
