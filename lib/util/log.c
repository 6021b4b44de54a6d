/*
 * log.c - log lines through a sink handed down by the front-end (log.h).
 */
#include "ndrguard/log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *const sev_names[] = {"debug", "info", "warning", "error", "fatal"};

const char *ng_log_sev_name(enum ng_log_sev sev)
{
	if ((unsigned)sev >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "fatal";
	return sev_names[sev];
}

void ng_vlog(const struct ng_log *log, enum ng_log_sev sev, const char *fmt, va_list ap)
{
	if (log == NULL || log->emit == NULL || sev < log->min)
		return;
	char line[NG_LOG_LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0) {
		snprintf(line, sizeof(line), "(unformattable log line: %s)", fmt);
	} else if ((size_t)n >= sizeof(line)) {
		memcpy(line + sizeof(line) - 4, "...", 4);
	}
	log->emit(log->arg, sev, line);
}

void ng_log(const struct ng_log *log, enum ng_log_sev sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ng_vlog(log, sev, fmt, ap);
	va_end(ap);
}

char *ng_log_escape(char *dst, size_t cap, const char *src, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	size_t i = 0;
	if (cap == 0)
		return dst;
	/* Leave room for "..." and the NUL. */
	size_t room = cap > 4 ? cap - 4 : 0;
	for (; i < len && i < max; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[4];
		size_t k = 0;
		if (c < 0x20 || c == 0x7f) {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[c >> 4];
			tmp[k++] = hex[c & 15];
		} else if (c == '"' || c == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = (char)c;
		} else {
			tmp[k++] = (char)c;
		}
		if (o + k > room)
			break;
		memcpy(dst + o, tmp, k);
		o += k;
	}
	if (i < len && cap > 4) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o < cap ? o : cap - 1] = '\0';
	return dst;
}

/* stderr: one write(2) per line so that lines of concurrent writers do not
 * interleave. */
static void emit_stderr(void *arg, enum ng_log_sev sev, const char *line)
{
	char buf[NG_LOG_LINE_MAX + 128];
	int n = snprintf(buf, sizeof(buf), "ndrguard/%s[%ld]: %s: %s\n", (const char *)arg,
	                 (long)getpid(), ng_log_sev_name(sev), line);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if ((size_t)n >= sizeof(buf))
		buf[len - 1] = '\n';
	ssize_t w = write(STDERR_FILENO, buf, len);
	(void)w;
}

void ng_log_stderr_init(struct ng_log *log, const char *program, enum ng_log_sev min)
{
	log->emit = emit_stderr;
	log->arg = (void *)program;
	log->min = min;
}

static void emit_syslog(void *arg, enum ng_log_sev sev, const char *line)
{
	static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT};
	(void)arg;
	int p = (unsigned)sev < sizeof(prio) / sizeof(prio[0]) ? prio[sev] : LOG_CRIT;
	if (sev >= NG_LOG_WARN)
		syslog(p, "%s: %s", ng_log_sev_name(sev), line);
	else
		syslog(p, "%s", line);
}

void ng_log_syslog_init(struct ng_log *log, const char *ident, int facility, enum ng_log_sev min)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	log->emit = emit_syslog;
	log->arg = NULL;
	log->min = min;
}
