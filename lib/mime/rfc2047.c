/*
 * rfc2047.c - encoded words ("=?ISO-2022-JP?B?GyRC...?=") in header values.
 *
 * Japanese carriers and many European MTAs encode the Subject of a bounce
 * and the From of the returned original this way.  Each word is decoded
 * (B = base64, Q = quoted-printable with '_' for space) into a scratch
 * buffer and converted to UTF-8 on its own; linear white space between two
 * adjacent encoded words disappears, as section 6.2 says.
 */
#include "mime/rfc2047.h"
#include "util/str.h"

#include "mime/codec.h"

#include <string.h>
#include <strings.h>

/* Decode the text of one word into raw bytes; returns the length. */
static size_t decode_text(char enc, const char *s, size_t n, char *raw, size_t cap)
{
	size_t o = 0;

	if (enc == 'b' || enc == 'B') {
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < n && o < cap; i++) {
			int v = ng_codec_b64[(unsigned char)s[i]] - 1;
			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				raw[o++] = (char)((acc >> bits) & 0xff);
			}
		}
		return o;
	}
	for (size_t i = 0; i < n && o < cap; i++) {
		if (s[i] == '_') {
			raw[o++] = ' ';
		} else if (s[i] == '=' && i + 2 < n && ng_hexval(s[i + 1]) >= 0 &&
		           ng_hexval(s[i + 2]) >= 0) {
			raw[o++] = (char)(ng_hexval(s[i + 1]) * 16 + ng_hexval(s[i + 2]));
			i += 2;
		} else {
			raw[o++] = s[i];
		}
	}
	return o;
}

/* Parse "=?cs?e?text?=" at in[i]; on success fill the parts and the end. */
static int parse_word(const char *in, size_t len, size_t i, size_t *cs_at, size_t *cs_len,
                      char *enc, size_t *text_at, size_t *text_len, size_t *end)
{
	if (i + 1 >= len || in[i] != '=' || in[i + 1] != '?')
		return 0;
	size_t k = i + 2;
	while (k < len && in[k] != '?' && in[k] != ' ')
		k++;
	if (k + 3 >= len || in[k] != '?' || in[k + 2] != '?')
		return 0;
	*cs_at = i + 2;
	*cs_len = k - (i + 2);
	*enc = in[k + 1];
	if (strchr("bBqQ", *enc) == NULL || *cs_len == 0)
		return 0;
	size_t t = k + 3;
	size_t j = t;
	while (j + 1 < len && !(in[j] == '?' && in[j + 1] == '='))
		j++;
	if (j + 1 >= len)
		return 0;
	*text_at = t;
	*text_len = j - t;
	*end = j + 2;
	return 1;
}

size_t ng_rfc2047_decode(ng_charset *cs, const char *in, size_t len, char *out, size_t cap,
                         unsigned *errors)
{
	char raw[1024];
	char charset[64];
	size_t o = 0;
	size_t i = 0;
	size_t last_word_end = (size_t)-1;
	size_t o_word = 0; /* output length at the end of the last encoded word */

	if (cap == 0)
		return 0;
	while (i < len && o + 1 < cap) {
		size_t cs_at, cs_len, text_at, text_len, end;
		char enc;
		if (in[i] == '=' &&
		    parse_word(in, len, i, &cs_at, &cs_len, &enc, &text_at, &text_len, &end)) {
			/* drop the white space between two encoded words */
			if (last_word_end != (size_t)-1) {
				size_t k = last_word_end;
				while (k < i && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r' ||
				                 in[k] == '\n'))
					k++;
				if (k == i)
					o = o_word; /* back to the end of the previous word */
			}
			if (cs_len >= sizeof(charset))
				cs_len = sizeof(charset) - 1;
			memcpy(charset, in + cs_at, cs_len);
			charset[cs_len] = '\0';
			char *star = strchr(charset, '*'); /* RFC 2231 language suffix */
			if (star)
				*star = '\0';
			size_t n = decode_text(enc, in + text_at, text_len, raw, sizeof(raw));
			if (ng_charset_is_utf8(charset) || (ng_charset_ascii_compatible(charset) &&
			                                    !ng_charset_needs_conv(raw, n))) {
				if (n > cap - 1 - o)
					n = cap - 1 - o;
				memcpy(out + o, raw, n);
				o += n;
			} else {
				o += ng_charset_to_utf8(cs, charset, raw, n, out + o, cap - 1 - o,
				                        errors);
			}
			i = end;
			last_word_end = end;
			o_word = o;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
	return o;
}
