/*
 * param.h - iterate the parameters of a structured header value.
 *
 * Used by the parser for Content-Type and by ng_mime_param() (mime.h).
 * Works on (pointer, length) ranges and never reads outside them.
 */
#ifndef NG_MIME_PARAM_H
#define NG_MIME_PARAM_H

#include <stdbool.h>
#include <stddef.h>

/* One "name=value" item of a structured header value (after the type). */
struct ng_mime_param {
	const char *name; /* without an RFC 2231 suffix ("*", "*0", "*0*") */
	size_t nlen;
	bool encoded; /* RFC 2231 charset'lang'%XX value */
	bool quoted;
	const char *val; /* raw, quotes excluded */
	size_t vlen;
};

/* The next parameter of v[0..len) at or after *pos (start with 0); false
 * when there is none.  *pos moves past it. */
bool ng_mime_param_next(const char *v, size_t len, size_t *pos, struct ng_mime_param *pm);

/* Its value, unquoted and RFC 2231-decoded, NUL-terminated in out[cap]. */
void ng_mime_param_value(const struct ng_mime_param *pm, char *out, size_t cap);

/* Is its name (without an RFC 2231 suffix) name[0..nlen), any case? */
bool ng_mime_param_is(const struct ng_mime_param *pm, const char *name, size_t nlen);

#endif
