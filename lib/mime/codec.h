/*
 * codec.h - the small decoding tables that base64 and quoted-printable
 * share, in bodies (mime.c) and in encoded words (rfc2047.c).
 */
#ifndef NG_MIME_CODEC_H
#define NG_MIME_CODEC_H

/* Base64 alphabet: value + 1 for its 64 characters, 0 for every other byte. */
extern const signed char ng_codec_b64[256];

/* The value of a hexadecimal digit (either case), or -1. */
static inline int ng_codec_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
