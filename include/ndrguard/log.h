/*
 * log.h - where the library and the daemons say what happened.
 *
 * The library holds no global logger (STYLE.md habit 10): every object that
 * logs is given a `struct ng_log` by its creator and reaches the sink
 * through it.  The front-ends make one sink (stderr or syslog) at start-up
 * and hand it down.  A NULL `struct ng_log *` logs nothing.
 *
 * Severities are fixed (STYLE.md habit 6): info and warn for what a peer
 * did (a bad request, a broken DNS answer), error for recoverable local
 * trouble, fatal only at start-up; untrusted strings are passed through
 * ng_log_escape() before they reach a log line.
 *
 * Thread-safety: ng_log() is as thread-safe as the sink; the built-in
 * sinks write each line with one call (write(2) or syslog(3)).
 */
#ifndef NDRGUARD_LOG_H
#define NDRGUARD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum ng_log_sev {
	NG_LOG_DEBUG = 0,
	NG_LOG_INFO,
	NG_LOG_WARN,
	NG_LOG_ERROR,
	NG_LOG_FATAL,
};

struct ng_log {
	/* Receives one formatted line without a newline; sev >= min only. */
	void (*emit)(void *arg, enum ng_log_sev sev, const char *line);
	void *arg;
	enum ng_log_sev min;
};

/* Longest line a sink receives; longer ones are cut (and end in "..."). */
#define NG_LOG_LINE_MAX 2048

void ng_log(const struct ng_log *log, enum ng_log_sev sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ng_vlog(const struct ng_log *log, enum ng_log_sev sev, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* "debug", "info", "warning", "error", "fatal". */
const char *ng_log_sev_name(enum ng_log_sev sev);

/*
 * Copy at most `max` bytes of untrusted `src` (len bytes) into dst (size
 * cap > 0) for a log line: bytes below 0x20, 0x7f, '"' and '\\' become
 * \xHH, \" and \\ ; bytes >= 0x80 pass (UTF-8 stays readable); a cut value
 * ends in "...".  Always NUL-terminates; returns dst.
 */
char *ng_log_escape(char *dst, size_t cap, const char *src, size_t len, size_t max);

/*
 * Built-in sinks.  The stderr sink prefixes "ndrguard/PROGRAM[pid]: sev: ";
 * the syslog sink calls openlog(ident, LOG_PID, facility) once at creation
 * (facility a LOG_* value) and maps severities to LOG_DEBUG..LOG_CRIT.
 * `program` must outlive the sink.
 */
void ng_log_stderr_init(struct ng_log *log, const char *program, enum ng_log_sev min);
void ng_log_syslog_init(struct ng_log *log, const char *ident, int facility, enum ng_log_sev min);

#endif
