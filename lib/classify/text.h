/*
 * text.h - small scanners for the free text of delivery reports: e-mail
 * addresses, RFC 3463 status codes, SMTP reply codes, DSN field values.
 *
 * All work on (pointer, length) ranges of untrusted bytes, which need no
 * NUL and may hold any byte, and never read outside them; none allocates,
 * none fails other than by finding nothing.  Output goes to a buffer the
 * caller owns, with a capacity cap counted with its NUL: what does not fit
 * is cut (or, where said, not written), never written past the cap.  No
 * state: every function is thread-safe for distinct output buffers.
 * Shared by the DSN field parser, the free-text extractor and the reason
 * judge.
 */
#ifndef NG_CLASSIFY_TEXT_H
#define NG_CLASSIFY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Find the next address "local@domain" in s[from..len): returns true and
 * its start and length in *at and *alen (untouched when false).  The domain
 * needs a dot or brackets; parts longer than RFC 5321 allows are no
 * address.  Linear time in len - from, whatever the bytes. */
bool ng_text_find_addr(const char *s, size_t len, size_t from, size_t *at, size_t *alen);

/* First RFC 3463 status ("5.1.1") in s; copies it with its NUL to out.
 * Ignores parts of dotted quads and version numbers.  False, and out
 * untouched, when there is none or it does not fit in cap (NG_CL_STATUS_MAX
 * always fits). */
bool ng_text_find_status(const char *s, size_t len, char *out, size_t cap);

/* The same, but only a failure status (class 4 or 5): a transcript's
 * "250 2.1.5 Ok" before the failing reply is no recipient's status. */
bool ng_text_find_status_fail(const char *s, size_t len, char *out, size_t cap);

/* First SMTP reply code (2xx, 4xx, 5xx standing as a word) in s, or 0 when
 * there is none. */
int ng_text_find_reply(const char *s, size_t len);
/* The same, but only a code whose first digit is `first` ('2', '4', '5');
 * 'f': any failure code (4xx or 5xx); 0: any code.  0 when none. */
int ng_text_find_reply_class(const char *s, size_t len, char first);
/* The first failure reply code (4xx, 5xx), or 0. */
int ng_text_find_reply_fail(const char *s, size_t len);

/* Copy at most cap-1 bytes of s with runs of white space (space, tab, CR,
 * LF) squeezed to one space and the ends trimmed; NUL-terminates; returns
 * the length.  cap 0: writes nothing, returns 0.  out and s must not
 * overlap. */
size_t ng_text_squeeze(char *out, size_t cap, const char *s, size_t len);

/* Exact match: is s[0..len) the NUL-terminated want, ASCII letters compared
 * without case?  The test for header and field names and fixed values. */
static inline bool ng_text_ieq(const char *s, size_t len, const char *want)
{
	/* inline: header names are compared with many constants in a row, and
	 * the first byte decides almost every comparison */
	if (len == 0 || ((s[0] | 0x20) != (want[0] | 0x20)))
		return len == 0 && want[0] == '\0';
	for (size_t i = 0; i < len; i++) {
		char a = s[i], b = want[i];
		if (b == '\0')
			return false; /* want is shorter */
		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return false;
	}
	return want[len] == '\0';
}

/* Append " " + s (squeezed) to a NUL-terminated buffer of size cap; no
 * space when buf was empty, nothing when s is only white space or buf has
 * no room for two more bytes; cut to fit. */
void ng_text_append(char *buf, size_t cap, const char *s, size_t len);
/* The same for text that is already squeezed (no tabs, no runs of spaces):
 * a copy, without the second pass.  A leading or trailing space of s is
 * dropped. */
void ng_text_append_sq(char *buf, size_t cap, const char *s, size_t len);
/* Append already squeezed text (no leading or trailing space) at a known
 * length used (== strlen(buf)): returns the new length. */
size_t ng_text_append_sq_at(char *buf, size_t cap, size_t used, const char *s, size_t len);

/* A multi-line SMTP reply joined into one text repeats its code on every
 * line ("550-5.1.1 The email account ... 550-5.1.1 double-checking ...").
 * When s starts such a continuation ("550-" or "550 ", maybe followed by the
 * same class's status) of a reply already begun in prev ("550-" occurs in
 * it), returns how many bytes of s to drop; else 0. */
size_t ng_text_reply_cont(const char *s, size_t len, const char *prev, size_t prevlen);

/* Value of a DSN address field: drops an "rfc822;" type, white space and
 * angle brackets, and stops at white space, a delimiter or a control
 * character.  Copies at most cap-1 bytes and a NUL to out (cap >= 1);
 * returns the length. */
size_t ng_text_dsn_addr(const char *v, size_t len, char *out, size_t cap);

/* Lower-case ASCII copy with NUL, at most cap-1 bytes; bytes >= 0x80 are
 * copied as they are.  cap 0: writes nothing. */
void ng_text_lower(char *out, size_t cap, const char *s, size_t len);

/* Case-insensitive: does s[0..len) contain needle (NUL-terminated, lower-case)?
 * An empty needle is contained in anything. */
bool ng_text_contains(const char *s, size_t len, const char *needle);

#endif
