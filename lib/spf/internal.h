/*
 * internal.h - what the files of lib/spf share and nobody else needs: the
 * record parser's reason codes, the macro language of RFC 7208 section 7,
 * address helpers.  Unit tests and the fuzzer include it too.
 */
#ifndef NG_SPF_INTERNAL_H
#define NG_SPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndrguard/spf.h"

/* record.c: ng_spf_record_parse() without the message: NULL when the record
 * is good, else a constant reason, with the bad term in *where (the whole
 * record when no term is to blame). */
const char *ng_spf_parse(const char *txt, size_t len, struct ng_spf_record *out,
                         struct ng_spf_span *where);

/*
 * macro.c - the three places a macro-string appears (RFC 7208 7.1):
 *   DOMAIN  a domain-spec: letters s l o d i p v h, no space;
 *   EXP     an explanation TXT record: all letters, spaces allowed;
 *   ANY     the value of an unknown modifier: all letters, no space.
 */
enum ng_spf_macro_mode {
	NG_SPF_MACRO_DOMAIN,
	NG_SPF_MACRO_EXP,
	NG_SPF_MACRO_ANY,
};

/* Check the syntax of s[0..len): NULL when good, else a constant reason.
 * *last_macro (may be NULL) gets the offset just past the last
 * macro-expand ("%{...}", "%%", "%_", "%-"), 0 without any; *uses_p (may
 * be NULL) tells whether the p macro appears. */
const char *ng_spf_macro_check(const char *s, size_t len, enum ng_spf_macro_mode mode,
                               size_t *last_macro, bool *uses_p);

/* The values the letters expand to (7.2), NUL-terminated; p may be NULL
 * while the caller has not resolved it (then a p macro expands to
 * "unknown"). */
struct ng_spf_macro_vars {
	const char *s, *l, *o, *d, *i, *p, *v, *h, *c, *r, *t;
};

/*
 * Expand s[0..len) (which must pass ng_spf_macro_check in `mode`) into out
 * (outlen bytes, NUL-terminated).  DOMAIN: the result is a name to look
 * up: a final dot dropped, labels removed from the left while it is over
 * 253 characters (7.3); 0, or -1 when no name remains (empty, or no dot to
 * cut at), or when outlen < NG_DNS_NAME_MAX.  EXP: the text, cut to fit;
 * always 0.  A value of a macro longer than NG_SPF_IDENTITY_MAX + 64 bytes
 * is used up to there.
 */
int ng_spf_macro_expand(const char *s, size_t len, enum ng_spf_macro_mode mode,
                        const struct ng_spf_macro_vars *v, char *out, size_t outlen);

#endif
