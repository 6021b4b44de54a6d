/*
 * privs.c - switch from root to the daemon user (privs.h).
 */
#include "util/privs.h"

#include "ndrguard/config.h"
#include "ndrguard/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ng_privs_drop(const char *user, char *err, size_t errlen)
{
	if (user == NULL || user[0] == '\0')
		return 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "no such user '%s'", user);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return 0;
		snprintf(err, errlen, "cannot become user '%s' without being root", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become user '%s': %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(err, errlen, "still able to regain root after becoming '%s'", user);
		return -1;
	}
	return 0;
}

int ng_privs_drop_daemon(const struct ng_config *cfg, const struct ng_log *log)
{
	char err[512];
	if (ng_privs_drop(ng_config_str(cfg, NG_K_DAEMON_USER), err, sizeof(err)) < 0) {
		ng_log(log, NG_LOG_FATAL, "%s: daemon_user: %s",
		       ng_config_where(cfg, NG_K_DAEMON_USER), err);
		return -1;
	}
	if (geteuid() == 0)
		ng_log(log, NG_LOG_WARN, "running as root: set daemon_user");
	return 0;
}
