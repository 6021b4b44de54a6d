/*
 * unixsock.h - taking over the path of a unix listening socket.
 *
 * A daemon that listens on unix:/PATH finds the socket file of an earlier
 * run that crashed or was killed.  Binding fails on it, and removing it
 * blindly could steal the path from a server that is still running.  So:
 * a path that is not there is fine; a socket that nobody accepts on
 * (connect(2) is refused) is removed; a socket somebody answers on, or
 * anything that is not a socket, is an error.
 */
#ifndef NG_UTIL_UNIXSOCK_H
#define NG_UTIL_UNIXSOCK_H

#include <stddef.h>

/* 0 when path is free to bind, or -1 with a message in err. */
int ng_unixsock_reclaim(const char *path, char *err, size_t errlen);

#endif
