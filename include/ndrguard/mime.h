/*
 * mime.h - streaming RFC 5322 / MIME push parser.
 *
 * The caller pushes the bytes of one message, in chunks of any size, with
 * ng_mime_feed() and ends it with ng_mime_finish(); the parser calls back
 * for every header field, every entity (part) and every decoded body line.
 * Feeding one byte at a time gives exactly the same callbacks as feeding the
 * whole message at once.  The parser does no I/O, and its buffers are fixed
 * at ng_mime_new() and capped by lib/util/limits.h, so a message of any size
 * is parsed in constant memory.  The only allocation later is glibc's, the
 * first time a charset is converted (iconv_open, cached per handle; at most
 * a handful of descriptors); if it fails, the text is passed on unconverted.
 *
 * What it understands: header unfolding; nested multiparts (boundaries are
 * matched against every open multipart, so a missing close delimiter only
 * ends the inner parts early); message/rfc822, message/global and
 * text/rfc822-headers, whose contents are parsed as a nested message (only
 * when not base64/quoted-printable encoded); base64 and quoted-printable;
 * charsets converted to UTF-8 with iconv for text delivered line by line.
 * RFC 2047 encoded words are decoded on request (ng_mime_decode_words), so a
 * consumer that never looks at a Subject never pays for it.
 *
 * Bodies are decoded lazily: at the end of each entity's header the consumer
 * chooses, from the entity's type, whether its body is skipped (the default),
 * delivered as UTF-8 text lines, or delivered as raw transfer-decoded bytes.
 *
 * Thread-safety: an ng_mime handle is used by one thread at a time; separate
 * handles are independent.
 */
#ifndef NDRGUARD_MIME_H
#define NDRGUARD_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/limits.h"

typedef struct ng_mime ng_mime;

enum ng_mime_enc {
	NG_MIME_ENC_7BIT = 0, /* also 8bit, binary and anything unknown */
	NG_MIME_ENC_QP,
	NG_MIME_ENC_BASE64,
};

/* How the consumer wants an entity's body (return value of body_begin). */
enum ng_mime_body {
	NG_MIME_BODY_SKIP = 0, /* not delivered; only boundaries are looked for */
	NG_MIME_BODY_LINES,    /* decoded, converted to UTF-8, one call per line, no EOL */
	NG_MIME_BODY_RAW,      /* transfer-decoded bytes as they are, EOLs included */
};

/*
 * One entity.  Pointers to it are valid only during the callback.  Strings
 * are NUL-terminated and lower-cased where the RFCs say case does not
 * matter (type, parameters' names, charset); truncated at their caps.
 */
typedef struct ng_mime_part {
	unsigned id;                 /* 0 for the message itself, then 1, 2, ... in order */
	unsigned depth;              /* entities above this one */
	unsigned msg_depth;          /* enclosing message/rfc822 entities: 0 = the message itself */
	unsigned index;              /* 1-based position among its parent multipart's children; 0 */
	unsigned parent_id;          /* id of the enclosing entity (0 for the message) */
	char type[NG_MIME_TYPE_MAX]; /* "text/plain"; default per RFC 2045/2046 when absent */
	char parent_type[NG_MIME_TYPE_MAX]; /* type of the enclosing entity, "" for the message */
	char charset[NG_MIME_CHARSET_MAX];  /* "" when absent */
	char report_type[NG_MIME_CHARSET_MAX]; /* multipart/report's report-type parameter */
	char filename[NG_MIME_PARAM_MAX]; /* Content-Disposition filename or Content-Type name */
	bool attachment;                  /* Content-Disposition: attachment */
	bool multipart;                   /* type is multipart/ with a usable boundary */
	enum ng_mime_enc enc;
	unsigned long long decoded; /* decoded body bytes delivered so far */
} ng_mime_part;

typedef struct ng_mime_cb {
	/* One unfolded header field of an entity (CR/LF of folding removed, the
	 * folding whitespace kept).  value has leading whitespace stripped. */
	void (*header)(void *ctx, const ng_mime_part *part, const char *name, size_t nlen,
	               const char *value, size_t vlen);
	/* End of an entity's header; returns an enum ng_mime_body.  Called for
	 * every entity.  For a multipart the mode applies to its preamble (RAW
	 * is taken as LINES): useful when the declared boundary never appears. */
	int (*body_begin)(void *ctx, const ng_mime_part *part);
	/* A body line (BODY_LINES) or a chunk of bytes (BODY_RAW). */
	void (*body)(void *ctx, const ng_mime_part *part, const char *data, size_t len);
	/* The entity ended (its closing boundary, an outer boundary, or EOF). */
	void (*part_end)(void *ctx, const ng_mime_part *part);
} ng_mime_cb;

/* Counters of what the caps cut off; for logs and metrics. */
typedef struct ng_mime_stats {
	unsigned long long bytes;
	unsigned parts;
	unsigned lines_split;     /* lines longer than NG_MIME_LINE_MAX */
	unsigned headers_cut;     /* fields longer than NG_MIME_HEADER_MAX */
	unsigned headers_dropped; /* fields past NG_MIME_HEADERS_MAX */
	unsigned parts_dropped;   /* entities past NG_MIME_PARTS_MAX or NG_MIME_DEPTH_MAX */
	unsigned charset_errors;  /* unknown charsets and invalid sequences */
} ng_mime_stats;

/* Create a parser; NULL when out of memory.  cb and ctx are used for every
 * message parsed with this handle; cb is copied, ctx is the caller's. */
ng_mime *ng_mime_new(const ng_mime_cb *cb, void *ctx);
/* Free a parser and its iconv descriptors.  NULL is allowed. */
void ng_mime_free(ng_mime *p);

/* Start a new message: forgets the previous one and its statistics.
 * ng_mime_new() does it too. */
void ng_mime_reset(ng_mime *p);
/* Push len bytes of the current message; callbacks run before it returns.
 * Never fails: what exceeds a cap is cut and counted. */
void ng_mime_feed(ng_mime *p, const void *data, size_t len);
/* End of the message: delivers the last line (with or without a final
 * newline) and ends every open entity.  Feed nothing more before a reset. */
void ng_mime_finish(ng_mime *p);
/* Counters of the current (or last finished) message; owned by the parser,
 * valid until the next reset. */
const ng_mime_stats *ng_mime_stats_get(const ng_mime *p);

/*
 * Decode RFC 2047 encoded words in a header value into UTF-8: at most cap-1
 * bytes and a NUL go to out.  Text outside encoded words is copied, white
 * space between adjacent encoded words dropped (RFC 2047 section 6.2).
 * Uses the parser's iconv cache.  Returns the length written.
 */
size_t ng_mime_decode_words(ng_mime *p, const char *in, size_t len, char *out, size_t cap);

/*
 * Find parameter name (lower-case) in a structured header value such as
 * Content-Type; copies its unquoted value to out.  Returns true if found.
 */
bool ng_mime_param(const char *value, size_t len, const char *name, char *out, size_t cap);

#endif
