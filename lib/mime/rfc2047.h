/*
 * rfc2047.h - decoding of RFC 2047 encoded words in header values.
 */
#ifndef NG_MIME_RFC2047_H
#define NG_MIME_RFC2047_H

#include <stddef.h>

#include "mime/charset.h"

/* Decode "=?charset?B|Q?text?=" words in in[0..len) into UTF-8 in out, at
 * most cap-1 bytes plus a NUL.  Malformed words are copied literally.
 * Returns the number of bytes written (without the NUL). */
size_t ng_rfc2047_decode(ng_charset *cs, const char *in, size_t len, char *out, size_t cap,
                         unsigned *errors);

#endif
