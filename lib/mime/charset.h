/*
 * charset.h - conversion of text in a MIME charset to UTF-8 (glibc iconv).
 *
 * A small cache of iconv descriptors, so that a parser that sees the same
 * charset on every message opens it once.  Conversion never fails: bytes
 * that are invalid in the source charset are replaced by U+FFFD and counted;
 * an unknown charset leaves the bytes as they are (the JSON writer escapes
 * what is not UTF-8).  One cache per parser handle; not thread-safe.
 */
#ifndef NG_MIME_CHARSET_H
#define NG_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ng_charset ng_charset;

/* An empty cache; NULL when out of memory.  One per parser handle. */
ng_charset *ng_charset_new(void);
/* Close the cached descriptors and free the cache.  NULL is allowed. */
void ng_charset_free(ng_charset *cs);

/* True when text in this charset can be used as UTF-8 without conversion
 * (utf-8, us-ascii, no charset at all). */
bool ng_charset_is_utf8(const char *charset);

/* True when len bytes of text in a non-UTF-8 charset still need iconv:
 * they contain 8-bit bytes or ISO 2022 escape sequences. */
bool ng_charset_needs_conv(const char *s, size_t len);

/* True when pure ASCII text in this charset means the same ASCII text
 * (ISO-8859-x, Windows-125x, Shift_JIS, ISO-2022-JP, ...), so that
 * ng_charset_needs_conv() may skip iconv; false for UTF-7, UTF-16/32, HZ. */
bool ng_charset_ascii_compatible(const char *charset);

/* Convert to UTF-8 into out (at most cap bytes, not NUL-terminated).
 * Returns the number of bytes written; *errors counts replacements. */
size_t ng_charset_to_utf8(ng_charset *cs, const char *charset, const char *in, size_t len,
                          char *out, size_t cap, unsigned *errors);

#endif
