/*
 * limits.h - every cap on a buffer that untrusted input fills.
 *
 * One place, so that an administrator or a reviewer can see at once how much
 * memory a hostile message can make ndrguard spend.  Parsers take these as
 * defaults; callers may lower them.  A value past a cap is truncated or
 * dropped and counted, never an error that loses the message.
 */
#ifndef NG_UTIL_LIMITS_H
#define NG_UTIL_LIMITS_H

/* MIME / RFC 5322 parser (lib/mime). */
#define NG_MIME_LINE_MAX     8192  /* raw or decoded line; longer lines are split */
#define NG_MIME_HEADER_MAX   16384 /* one unfolded header field */
#define NG_MIME_HEADERS_MAX  512   /* header fields per entity delivered to the consumer */
#define NG_MIME_DEPTH_MAX    32    /* nesting of multiparts and message/rfc822 */
#define NG_MIME_PARTS_MAX    1024  /* entities per message; later ones are skipped */
#define NG_MIME_BOUNDARY_MAX 200   /* RFC 2046 allows 70; be lenient */
#define NG_MIME_TYPE_MAX     96    /* "type/subtype" */
#define NG_MIME_PARAM_MAX    128   /* a Content-Type parameter; the file name */
#define NG_MIME_CHARSET_MAX  64    /* charset and report-type names */

/* Classifier (lib/classify). */
#define NG_CL_RCPTS_MAX      64    /* recipients reported per message */
#define NG_CL_ADDR_MAX       320   /* one address (RFC 5321: 64 + 1 + 255) */
#define NG_CL_DIAG_MAX       1024  /* diagnostic text kept per recipient */
#define NG_CL_FIELD_MAX      256   /* status, action, MTA names, original headers */
#define NG_CL_RECEIVED_MAX   16    /* Received headers kept from the original */
#define NG_CL_DKIM_MAX       8     /* DKIM domains kept from the original */
#define NG_CL_EVIDENCE_MAX   24    /* evidence records per verdict */
#define NG_CL_TEXT_LINES_MAX 4000  /* notification text lines examined */

#endif
