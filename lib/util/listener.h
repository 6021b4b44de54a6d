/*
 * listener.h - a daemon's listening socket on libevent, from a listen
 * spec (config.h: inet:HOST:PORT, inet:[V6]:PORT, inet:*:PORT, unix:PATH).
 *
 * Shared by the daemons that accept stream connections themselves
 * (policyd, trapd).  Binding happens before privileges are dropped, so
 * low ports work.  A unix socket path is taken over only from a dead
 * server (unixsock.h), is made 0666 (access is the directory's business)
 * and is removed again by ng_listener_free().  When accept(2) runs out of
 * file descriptors or memory, accepting pauses for 100 ms instead of
 * spinning on a listening socket that stays readable; pending connections
 * wait in the kernel's backlog.
 *
 * One event loop, one thread; no global state.
 */
#ifndef NG_UTIL_LISTENER_H
#define NG_UTIL_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/util.h>

#include "ndrguard/config.h"
#include "ndrguard/log.h"

struct event_base;
struct sockaddr;
struct ng_listener;

/* A new connection: fd is the caller's now. */
typedef void ng_listener_fn(void *arg, evutil_socket_t fd, const struct sockaddr *sa, int salen);

struct ng_listener_opts {
	const struct ng_listen *listen; /* parsed spec */
	const char *spec;               /* the same as written, for messages */
	int backlog;
	ng_listener_fn *accept;
	void *arg;
	/* for the pause message: "accept: ...: pausing new WHAT for 100 ms (WHAT=N)" */
	const struct ng_log *log;
	const char *what;     /* "connections", "sessions" */
	const size_t *active; /* how many there are now */
};

/* Bind and listen on l (spec: the same as written, for messages) without
 * an event loop: the socket is blocking and close-on-exec, SO_REUSEADDR on
 * TCP, a unix socket taken over only from a dead server (unixsock.h) and
 * made 0666; *unix_created then says the caller must unlink l->path at the
 * end.  The descriptor, or -1 with a message in err. */
int ng_listen_socket(const struct ng_listen *l, const char *spec, int backlog, bool *unix_created,
                     char *err, size_t errlen);

/* Bind and listen (as ng_listen_socket(), then non-blocking on base);
 * NULL with a message in err.  Every pointer in o is
 * borrowed and must outlive the listener. */
struct ng_listener *ng_listener_new(struct event_base *base, const struct ng_listener_opts *o,
                                    char *err, size_t errlen);
/* Close the socket (and remove the unix socket it created); NULL is
 * accepted. */
void ng_listener_free(struct ng_listener *ls);

#endif
