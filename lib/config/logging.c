/*
 * logging.c - the log keys (log_level, syslog_facility) as the values the
 * log sinks of log.h take, for every daemon.
 */
#include "ndrguard/config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

enum ng_log_sev ng_config_log_level(const struct ng_config *cfg)
{
	const char *l = ng_config_str(cfg, NG_K_LOG_LEVEL);
	if (strcmp(l, "debug") == 0)
		return NG_LOG_DEBUG;
	if (strcmp(l, "warning") == 0)
		return NG_LOG_WARN;
	if (strcmp(l, "error") == 0)
		return NG_LOG_ERROR;
	return NG_LOG_INFO;
}

int ng_config_syslog_facility(const struct ng_config *cfg)
{
	static const struct {
		const char *name;
		int fac;
	} f[] = {{"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0},
	         {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
	         {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
	         {"local7", LOG_LOCAL7}};
	const char *name = ng_config_str(cfg, NG_K_SYSLOG_FACILITY);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].name, name) == 0)
			return f[i].fac;
	return LOG_MAIL; /* the enum admits no other value */
}

void ng_config_log_init(const struct ng_config *cfg, const char *daemon, struct ng_log *log,
                        char *ident, size_t identcap)
{
	if (strcmp(ng_config_str(cfg, NG_K_LOG_TARGET), "syslog") == 0) {
		snprintf(ident, identcap, "%s/%s", ng_config_str(cfg, NG_K_SYSLOG_NAME), daemon);
		ng_log_syslog_init(log, ident, ng_config_syslog_facility(cfg),
		                   ng_config_log_level(cfg));
	} else {
		ng_log_stderr_init(log, daemon, ng_config_log_level(cfg));
	}
}
