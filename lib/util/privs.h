/*
 * privs.h - give up root after binding (STYLE.md habit 10: bind, drop
 * privileges, then serve).
 */
#ifndef NG_UTIL_PRIVS_H
#define NG_UTIL_PRIVS_H

#include <stddef.h>

/*
 * Become `user` (its uid, primary gid and supplementary groups) when the
 * process runs as root; verifies that root cannot be regained.  user NULL
 * or "" does nothing.  Not running as root with a user set: 0 when already
 * that user, else -1.  0, or -1 with a message in err.
 */
int ng_privs_drop(const char *user, char *err, size_t errlen);

struct ng_config;
struct ng_log;
/* What every daemon does once it is bound: ng_privs_drop() to daemon_user
 * of cfg, a fatal line naming where daemon_user was set when that fails,
 * a warning when the process is still root after it.  0 or -1. */
int ng_privs_drop_daemon(const struct ng_config *cfg, const struct ng_log *log);

#endif
