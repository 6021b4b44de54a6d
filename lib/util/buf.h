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

/* An empty buffer that will hold at most max bytes (plus a NUL).  Nothing
 * is allocated until the first append.  One user at a time. */
void ng_buf_init(ng_buf *b, size_t max);
/* Free the contents; the buffer is empty and may be used again. */
void ng_buf_free(ng_buf *b);
/* Empty the buffer and clear its flags, keeping the memory. */
void ng_buf_reset(ng_buf *b);
/* Append len bytes; past max they are cut and `overflow` is set; when
 * memory runs out nothing is appended and `failed` is set. */
void ng_buf_append(ng_buf *b, const void *data, size_t len);
/* Append a NUL-terminated string, as ng_buf_append(). */
void ng_buf_puts(ng_buf *b, const char *s);
/* Append formatted text (at most 511 bytes a call; more is cut and sets
 * `overflow`). */
void ng_buf_printf(ng_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quotes included); invalid UTF-8 and
 * control characters are escaped, so the output is always valid JSON. */
void ng_buf_json_str(ng_buf *b, const char *s, size_t len);

#endif
