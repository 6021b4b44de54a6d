/*
 * codec.h - the small decoding tables that base64 and quoted-printable
 * share, in bodies (mime.c) and in encoded words (rfc2047.c).
 */
#ifndef NG_MIME_CODEC_H
#define NG_MIME_CODEC_H

/* Base64 alphabet: value + 1 for its 64 characters, 0 for every other byte. */
extern const signed char ng_codec_b64[256];

#endif
