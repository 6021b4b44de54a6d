/*
 * buf.h - a growable byte buffer with a hard cap chosen by the caller.
 *
 * Appends past the cap are cut and set the sticky `overflow` flag; an
 * allocation failure sets `failed`.  Neither aborts: the caller checks once
 * at the end.  The contents are always NUL-terminated when data != NULL.
 */
#ifndef NG_UTIL_BUF_H
#define NG_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ng_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	bool overflow;
	bool failed;
} ng_buf;

void ng_buf_init(ng_buf *b, size_t max);
void ng_buf_free(ng_buf *b);
void ng_buf_reset(ng_buf *b);
void ng_buf_append(ng_buf *b, const void *data, size_t len);
void ng_buf_puts(ng_buf *b, const char *s);
void ng_buf_printf(ng_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quotes included); invalid UTF-8 and
 * control characters are escaped, so the output is always valid JSON. */
void ng_buf_json_str(ng_buf *b, const char *s, size_t len);

#endif
