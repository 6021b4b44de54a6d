/*
 * kv.h - the text form of a stored record: "key=value" lines.
 *
 * Records the relay guard keeps in the store (the message log, the
 * quarantine index) are short lists of named fields.  They are written as
 * one "key=value\n" line a field, readable with `mdb_dump -p` and stable
 * across versions (a reader skips keys it does not know).  Values are
 * escaped so that any bytes survive: '\\' -> "\\\\", newline -> "\\n",
 * carriage return -> "\\r", other control bytes and DEL -> "\\xHH".  Keys
 * are [a-z0-9_] and chosen by the program, never by a peer.
 *
 * Writing appends to an ng_buf (its cap bounds the record; the caller
 * checks `overflow` once).  Reading walks a record with a cursor that never
 * reads past the end and cuts values at the caller's cap.  No allocation
 * on the read side, no I/O, no state outside the handles.
 */
#ifndef NG_UTIL_KV_H
#define NG_UTIL_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Append "key=escaped(value)\n"; a NULL value is written as empty. */
void ng_kv_put(ng_buf *b, const char *key, const char *value);
/* The same for len bytes of value (may hold NUL bytes). */
void ng_kv_putn(ng_buf *b, const char *key, const void *value, size_t len);
/* Append "key=N\n". */
void ng_kv_put_int(ng_buf *b, const char *key, long long n);

/* A reader over one record. */
struct ng_kv_reader {
	const char *p, *end;
};

void ng_kv_reader_init(struct ng_kv_reader *r, const void *rec, size_t len);
/*
 * The next field: its key (cut to kcap - 1) and unescaped value (cut to
 * vcap - 1; *cut set when it was), both NUL-terminated.  A value's NUL
 * bytes end it early for C-string users.  Lines without '=' are skipped.
 * Returns false at the end of the record.
 */
bool ng_kv_next(struct ng_kv_reader *r, char *key, size_t kcap, char *val, size_t vcap, bool *cut);

/* A decimal integer value; false when val is not one (or out of range). */
bool ng_kv_int(const char *val, long long *out);

#endif
