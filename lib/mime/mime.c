/*
 * mime.c - the streaming RFC 5322 / MIME push parser (see mime.h).
 *
 * Bytes are cut into lines first (memchr over the caller's buffer; a line is
 * copied only when it straddles two feeds or exceeds NG_MIME_LINE_MAX, in
 * which case it is handed on in pieces).  Each line then meets the state of
 * the innermost open entity: header (fields are unfolded into one capped
 * buffer) or body (boundary check against every open multipart, then the
 * body mode the consumer chose: skip, text lines, or raw bytes).
 *
 * Entities live on a fixed stack: a multipart's children and a
 * message/rfc822's nested message are pushed above it, and a boundary line
 * pops everything above the multipart it belongs to.  Nothing is allocated
 * after ng_mime_new().
 */
#include <ndrguard/mime.h>

#include "mime/charset.h"
#include "mime/codec.h"
#include "mime/param.h"
#include "mime/rfc2047.h"
#include "util/limits.h"
#include "util/str.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum state { ST_HEADER, ST_BODY };

struct entity {
	ng_mime_part part;
	char boundary[NG_MIME_BOUNDARY_MAX + 1];
	size_t blen;
	int mode;           /* enum ng_mime_body */
	bool closed;        /* multipart saw its close delimiter: epilogue */
	bool nested;        /* message/rfc822: content is a message of its own */
	bool utf8;          /* charset needs no conversion */
	bool ascii_ok;      /* ASCII-only lines need no conversion either */
	unsigned nchildren; /* children started */
	unsigned headers;   /* fields seen */
};

struct ng_mime {
	ng_mime_cb cb;
	void *ctx;
	ng_charset *cs;
	ng_mime_stats stats;

	struct entity stack[NG_MIME_DEPTH_MAX];
	int top;
	enum state state;
	unsigned next_id;
	unsigned open_multiparts;
	bool first_line;

	/* Line assembly. */
	char line[NG_MIME_LINE_MAX];
	size_t llen;
	bool in_long_line; /* the current raw line was already split once */

	/* Header field being unfolded. */
	char hdr[NG_MIME_HEADER_MAX];
	size_t hlen;
	bool hpending;

	/* Body decoding for the innermost entity. */
	uint32_t b64_acc;
	int b64_bits;
	char dline[NG_MIME_LINE_MAX];
	size_t dlen;
	bool raw_eol_pending; /* RAW 7bit/QP: the EOL held back until not before a boundary */
	char raw_eol[2];
	size_t raw_eol_len;

	char conv[NG_MIME_LINE_MAX * 3];
};

/* Copy at most cap-1 bytes, lower-cased, NUL-terminated. */
static void copy_lower(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	dst[n] = '\0';
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ----- entities ----- */

static struct entity *cur(ng_mime *p)
{
	return &p->stack[p->top];
}

static void init_entity(ng_mime *p, struct entity *e, const struct entity *parent)
{
	memset(e, 0, sizeof(*e));
	e->part.id = p->next_id++;
	e->part.depth = parent ? parent->part.depth + 1 : 0;
	e->part.msg_depth = parent ? parent->part.msg_depth + (parent->nested ? 1 : 0) : 0;
	if (parent) {
		e->part.parent_id = parent->part.id;
		memcpy(e->part.parent_type, parent->part.type, sizeof(e->part.parent_type));
	}
	p->stats.parts++;
}

static void reset_decoder(ng_mime *p)
{
	p->b64_acc = 0;
	p->b64_bits = 0;
	p->dlen = 0;
	p->raw_eol_pending = false;
}

static void deliver_line(ng_mime *p, struct entity *e, const char *s, size_t len)
{
	if (p->cb.body == NULL)
		return;
	if (!e->utf8 && (!e->ascii_ok || ng_charset_needs_conv(s, len))) {
		size_t n = ng_charset_to_utf8(p->cs, e->part.charset, s, len, p->conv,
		                              sizeof(p->conv), &p->stats.charset_errors);
		e->part.decoded += len;
		p->cb.body(p->ctx, &e->part, p->conv, n);
		return;
	}
	e->part.decoded += len;
	p->cb.body(p->ctx, &e->part, s, len);
}

static void flush_dline(ng_mime *p, struct entity *e)
{
	size_t n = p->dlen;
	if (n > 0 && p->dline[n - 1] == '\r')
		n--;
	deliver_line(p, e, p->dline, n);
	p->dlen = 0;
}

/* Decoded bytes of a base64 or quoted-printable body. */
static void emit_decoded(ng_mime *p, struct entity *e, const char *s, size_t n)
{
	if (e->mode == NG_MIME_BODY_RAW) {
		e->part.decoded += n;
		if (p->cb.body)
			p->cb.body(p->ctx, &e->part, s, n);
		return;
	}
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t take = nl ? (size_t)(nl - s) : n;
		size_t room = sizeof(p->dline) - p->dlen;
		if (take > room) {
			memcpy(p->dline + p->dlen, s, room);
			p->dlen += room;
			p->stats.lines_split++;
			flush_dline(p, e);
			s += room;
			n -= room;
			continue;
		}
		memcpy(p->dline + p->dlen, s, take);
		p->dlen += take;
		if (nl == NULL)
			return;
		flush_dline(p, e);
		s += take + 1;
		n -= take + 1;
	}
}

static void decode_base64(ng_mime *p, struct entity *e, const char *s, size_t len)
{
	char out[NG_MIME_LINE_MAX];
	size_t o = 0;
	uint32_t acc = p->b64_acc;
	int bits = p->b64_bits;

	for (size_t i = 0; i < len; i++) {
		int v = ng_codec_b64[(unsigned char)s[i]];
		if (v == 0)
			continue;
		acc = (acc << 6) | (uint32_t)(v - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	p->b64_acc = acc & 0xff;
	p->b64_bits = bits;
	if (o > 0)
		emit_decoded(p, e, out, o);
}

/* One raw line of a quoted-printable body; eol says it ended with a line break. */
static void decode_qp(ng_mime *p, struct entity *e, const char *s, size_t len, bool eol)
{
	char out[NG_MIME_LINE_MAX + 2];
	size_t o = 0;
	bool soft = false;

	while (len > 0 && is_wsp(s[len - 1]) && eol)
		len--;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			/* copy up to the next '=' as one block */
			const char *eq = memchr(s + i, '=', len - i);
			size_t run = eq ? (size_t)(eq - (s + i)) : len - i;
			memcpy(out + o, s + i, run);
			o += run;
			i += run - 1;
			continue;
		}
		if (i + 1 == len) {
			soft = true;
			break;
		}
		int hi = i + 2 < len ? ng_hexval(s[i + 1]) : -1;
		int lo = i + 2 < len ? ng_hexval(s[i + 2]) : -1;
		if (hi >= 0 && lo >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = '=';
		}
	}
	if (eol && !soft)
		out[o++] = '\n';
	if (o > 0)
		emit_decoded(p, e, out, o);
}

static void end_entity(ng_mime *p)
{
	struct entity *e = cur(p);

	if (p->state == ST_BODY && e->mode == NG_MIME_BODY_LINES && p->dlen > 0)
		flush_dline(p, e);
	reset_decoder(p);
	if (p->cb.part_end)
		p->cb.part_end(p->ctx, &e->part);
	if (e->part.multipart && !e->closed && p->open_multiparts > 0)
		p->open_multiparts--;
}

/* Pop entities until `level` is the innermost one. */
static void pop_to(ng_mime *p, int level)
{
	if (p->top <= level)
		return; /* nothing to end; keep a partial line for end_entity */
	while (p->top > level) {
		end_entity(p);
		p->top--;
	}
	p->state = ST_BODY;
	reset_decoder(p);
}

static void parse_field(struct entity *e, const char *name, size_t nlen, const char *v, size_t vlen)
{
	if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0) {
		size_t t = 0;
		while (t < vlen && v[t] != ';' && !is_wsp(v[t]) && v[t] != '\r' && v[t] != '\n')
			t++;
		if (t > 0 && memchr(v, '/', t) != NULL)
			copy_lower(e->part.type, sizeof(e->part.type), v, t);
		/* one pass over the parameters; the first of each name counts */
		char tmp[NG_MIME_PARAM_MAX];
		bool seen_cs = false, seen_rt = false, seen_b = false;
		size_t pos = 0;
		struct ng_mime_param pm;
		while (ng_mime_param_next(v, vlen, &pos, &pm)) {
			if (!seen_cs && ng_mime_param_is(&pm, "charset", 7)) {
				seen_cs = true;
				ng_mime_param_value(&pm, tmp, sizeof(tmp));
				copy_lower(e->part.charset, sizeof(e->part.charset), tmp,
				           strlen(tmp));
			} else if (!seen_rt && ng_mime_param_is(&pm, "report-type", 11)) {
				seen_rt = true;
				ng_mime_param_value(&pm, tmp, sizeof(tmp));
				copy_lower(e->part.report_type, sizeof(e->part.report_type), tmp,
				           strlen(tmp));
			} else if (e->part.filename[0] == '\0' &&
			           ng_mime_param_is(&pm, "name", 4)) {
				ng_mime_param_value(&pm, tmp, sizeof(tmp));
				copy_lower(e->part.filename, sizeof(e->part.filename), tmp,
				           strlen(tmp));
			} else if (!seen_b && ng_mime_param_is(&pm, "boundary", 8)) {
				seen_b = true;
				char b[NG_MIME_BOUNDARY_MAX + 1];
				ng_mime_param_value(&pm, b, sizeof(b));
				size_t bl = strlen(b);
				while (bl > 0 && is_wsp(b[bl - 1]))
					bl--; /* RFC 2046: a boundary does not end in space */
				memcpy(e->boundary, b, bl);
				e->boundary[bl] = '\0';
				e->blen = bl;
			}
		}
	} else if (nlen == 25 && strncasecmp(name, "content-transfer-encoding", 25) == 0) {
		size_t i = 0;
		while (i < vlen && is_wsp(v[i]))
			i++;
		if (vlen - i >= 6 && strncasecmp(v + i, "base64", 6) == 0)
			e->part.enc = NG_MIME_ENC_BASE64;
		else if (vlen - i >= 16 && strncasecmp(v + i, "quoted-printable", 16) == 0)
			e->part.enc = NG_MIME_ENC_QP;
		else
			e->part.enc = NG_MIME_ENC_7BIT;
	} else if (nlen == 19 && strncasecmp(name, "content-disposition", 19) == 0) {
		size_t i = 0;
		while (i < vlen && is_wsp(v[i]))
			i++;
		e->part.attachment = vlen - i >= 10 && strncasecmp(v + i, "attachment", 10) == 0;
		char tmp[NG_MIME_PARAM_MAX];
		if (ng_mime_param(v, vlen, "filename", tmp, sizeof(tmp)))
			copy_lower(e->part.filename, sizeof(e->part.filename), tmp, strlen(tmp));
	}
}

static void flush_header(ng_mime *p)
{
	struct entity *e = cur(p);

	if (!p->hpending)
		return;
	p->hpending = false;
	const char *h = p->hdr;
	size_t n = p->hlen;
	const char *colon = memchr(h, ':', n);
	if (colon == NULL)
		return;
	size_t nlen = (size_t)(colon - h);
	while (nlen > 0 && is_wsp(h[nlen - 1]))
		nlen--;
	const char *v = colon + 1;
	size_t vlen = n - (size_t)(v - h);
	while (vlen > 0 && (is_wsp(*v) || *v == '\r' || *v == '\n')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (is_wsp(v[vlen - 1]) || v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
		vlen--;
	if (nlen > 7 && (h[0] | 0x20) == 'c')
		parse_field(e, h, nlen, v, vlen);
	if (++e->headers > NG_MIME_HEADERS_MAX) {
		p->stats.headers_dropped++;
		return;
	}
	if (p->cb.header)
		p->cb.header(p->ctx, &e->part, h, nlen, v, vlen);
}

static void start_header(ng_mime *p, const char *s, size_t len)
{
	flush_header(p);
	if (len > sizeof(p->hdr)) {
		len = sizeof(p->hdr);
		p->stats.headers_cut++;
	}
	memcpy(p->hdr, s, len);
	p->hlen = len;
	p->hpending = true;
}

static void append_header(ng_mime *p, const char *s, size_t len)
{
	if (!p->hpending)
		return;
	size_t room = sizeof(p->hdr) - p->hlen;
	if (len > room) {
		if (room > 0 || len > 0)
			p->stats.headers_cut++;
		len = room;
	}
	memcpy(p->hdr + p->hlen, s, len);
	p->hlen += len;
}

static bool push_child(ng_mime *p, struct entity *parent)
{
	if (p->top + 1 >= NG_MIME_DEPTH_MAX || p->stats.parts >= NG_MIME_PARTS_MAX) {
		p->stats.parts_dropped++;
		parent->nchildren++; /* what follows is not preamble */
		return false;
	}
	struct entity *e = &p->stack[++p->top];
	init_entity(p, e, parent);
	e->part.index = ++parent->nchildren;
	p->state = ST_HEADER;
	p->hpending = false;
	return true;
}

/* The header of the innermost entity is complete: decide about its body. */
static void end_headers(ng_mime *p)
{
	struct entity *e = cur(p);

	flush_header(p);
	if (e->part.type[0] == '\0') {
		const char *def = strcmp(e->part.parent_type, "multipart/digest") == 0
		                      ? "message/rfc822"
		                      : "text/plain";
		copy_lower(e->part.type, sizeof(e->part.type), def, strlen(def));
	}
	if (strncmp(e->part.type, "multipart/", 10) == 0 && e->blen > 0) {
		e->part.multipart = true;
		p->open_multiparts++;
	} else if ((strcmp(e->part.type, "message/rfc822") == 0 ||
	            strcmp(e->part.type, "message/global") == 0 ||
	            strcmp(e->part.type, "text/rfc822-headers") == 0 ||
	            strcmp(e->part.type, "message/rfc822-headers") == 0) &&
	           e->part.enc == NG_MIME_ENC_7BIT) {
		e->nested = true;
	}
	e->utf8 = ng_charset_is_utf8(e->part.charset);
	e->ascii_ok = e->utf8 || ng_charset_ascii_compatible(e->part.charset);
	int mode = NG_MIME_BODY_SKIP;
	if (p->cb.body_begin)
		mode = p->cb.body_begin(p->ctx, &e->part);
	/* A multipart's mode applies to its preamble: a report whose declared
	 * boundary never appears is then still read as text. */
	e->mode = e->nested ? NG_MIME_BODY_SKIP : mode;
	if (e->part.multipart && e->mode == NG_MIME_BODY_RAW)
		e->mode = NG_MIME_BODY_LINES;
	p->state = ST_BODY;
	reset_decoder(p);
	if (e->nested && !push_child(p, e))
		e->nested = false;
}

/* A line that starts with "--": does it delimit a part of an open multipart? */
static bool boundary_line(ng_mime *p, const char *s, size_t len)
{
	for (int i = p->top; i >= 0; i--) {
		struct entity *e = &p->stack[i];
		if (!e->part.multipart || e->closed)
			continue;
		if (len < e->blen + 2 || memcmp(s + 2, e->boundary, e->blen) != 0)
			continue;
		size_t k = e->blen + 2;
		bool close = len >= k + 2 && s[k] == '-' && s[k + 1] == '-';
		if (close)
			k += 2;
		while (k < len && (is_wsp(s[k]) || s[k] == '\r'))
			k++;
		if (k != len)
			continue;
		if (p->state == ST_HEADER)
			end_headers(p); /* a part with a header and no body */
		pop_to(p, i);
		if (close) {
			e->closed = true;
			p->open_multiparts--;
		} else if (!push_child(p, e)) {
			p->state =
			    ST_BODY; /* over the caps: the rest of the multipart is skipped */
		}
		return true;
	}
	return false;
}

static void body_line(ng_mime *p, const char *s, size_t len, bool eol, bool crlf)
{
	struct entity *e = cur(p);

	if (e->part.multipart && (e->nchildren > 0 || e->closed))
		return; /* between parts, or the epilogue */
	switch (e->mode) {
	case NG_MIME_BODY_SKIP:
		return;
	case NG_MIME_BODY_LINES:
		if (e->part.enc == NG_MIME_ENC_BASE64) {
			decode_base64(p, e, s, len);
		} else if (e->part.enc == NG_MIME_ENC_QP) {
			decode_qp(p, e, s, len, eol);
		} else if (p->dlen > 0 || !eol) {
			/* pieces of a long line: assemble, flush when the line ends */
			emit_decoded(p, e, s, len);
			if (eol)
				emit_decoded(p, e, "\n", 1);
		} else {
			deliver_line(p, e, s, len);
		}
		return;
	case NG_MIME_BODY_RAW:
		if (e->part.enc == NG_MIME_ENC_BASE64) {
			decode_base64(p, e, s, len);
			return;
		}
		if (p->raw_eol_pending) {
			emit_decoded(p, e, p->raw_eol, p->raw_eol_len);
			p->raw_eol_pending = false;
		}
		if (e->part.enc == NG_MIME_ENC_QP) {
			decode_qp(p, e, s, len, false);
			bool soft = len > 0 && s[len - 1] == '=';
			if (!eol || soft)
				return;
		} else if (len > 0) {
			emit_decoded(p, e, s, len);
		}
		if (eol) {
			p->raw_eol_pending = true;
			p->raw_eol[0] = '\r';
			p->raw_eol[1] = '\n';
			p->raw_eol_len = crlf ? 2 : 1;
			if (!crlf)
				p->raw_eol[0] = '\n';
		}
		return;
	}
}

/*
 * Some MTAs fold a parameter list without the leading white space:
 * a field that ends in ';' followed by a line "name=value".  Such a line is
 * a continuation, not a new field.
 */
static bool param_continuation(const ng_mime *p, const char *s, size_t len)
{
	size_t h = p->hlen;
	while (h > 0 && (is_wsp(p->hdr[h - 1]) || p->hdr[h - 1] == '\r'))
		h--;
	if (h == 0 || p->hdr[h - 1] != ';')
		return false;
	size_t k = 0;
	while (k < len &&
	       (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_' || s[k] == '*'))
		k++;
	return k > 0 && k < len && s[k] == '=';
}

/*
 * One line, or one piece of a line too long for the buffer.  `start` is
 * false for the second and later pieces; `eol` is true for a piece that
 * ended with LF (the LF and a CR before it are not in s).
 */
static void process(ng_mime *p, const char *s, size_t len, bool start, bool eol, bool crlf)
{
	if (!start) {
		if (p->state == ST_HEADER)
			append_header(p, s, len);
		else
			body_line(p, s, len, eol, crlf);
		return;
	}
	if (p->first_line) {
		p->first_line = false;
		if (len >= 5 && memcmp(s, "From ", 5) == 0)
			return; /* mbox separator */
	}
	if (p->open_multiparts > 0 && len >= 2 && s[0] == '-' && s[1] == '-' &&
	    boundary_line(p, s, len))
		return;
	if (p->state == ST_HEADER) {
		if (len == 0) {
			end_headers(p);
			return;
		}
		if (is_wsp(s[0])) {
			if (p->hpending) {
				append_header(p, s, len);
				return;
			}
			/* whitespace first with nothing to continue: tolerate as a field */
		}
		if (p->hpending && param_continuation(p, s, len)) {
			/* "Content-Type: multipart/report;" then "boundary=..." unindented */
			append_header(p, " ", 1);
			append_header(p, s, len);
			return;
		}
		const char *colon = memchr(s, ':', len);
		bool field = colon != NULL && colon != s;
		for (const char *q = s; field && q < colon; q++)
			if ((unsigned char)*q <= 32 && !is_wsp(*q))
				field = false;
		if (field) {
			start_header(p, s, len);
			return;
		}
		/* Not a header field: the header ended without its blank line. */
		end_headers(p);
		if (p->state == ST_HEADER) {
			/* a nested message started: this line belongs to its header */
			process(p, s, len, start, eol, crlf);
			return;
		}
	}
	body_line(p, s, len, eol, crlf);
}

ng_mime *ng_mime_new(const ng_mime_cb *cb, void *ctx)
{
	ng_mime *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->cs = ng_charset_new();
	if (p->cs == NULL) {
		free(p);
		return NULL;
	}
	p->cb = *cb;
	p->ctx = ctx;
	ng_mime_reset(p);
	return p;
}

void ng_mime_free(ng_mime *p)
{
	if (p == NULL)
		return;
	ng_charset_free(p->cs);
	free(p);
}

void ng_mime_reset(ng_mime *p)
{
	memset(&p->stats, 0, sizeof(p->stats));
	p->top = 0;
	p->next_id = 0;
	p->open_multiparts = 0;
	p->first_line = true;
	p->llen = 0;
	p->in_long_line = false;
	p->hpending = false;
	p->hlen = 0;
	p->state = ST_HEADER;
	reset_decoder(p);
	init_entity(p, &p->stack[0], NULL);
}

/*
 * In a skipped body (an attachment, the returned original's text) only a
 * line that starts with "--" can matter: it may end the part.  At a line
 * start, with no partial line held, this consumes every complete line
 * before the next such line in one search instead of line by line.
 * Returns the bytes consumed; what is left starts a line that the
 * ordinary path must see (or is an incomplete last line).
 */
static size_t skip_lines(const ng_mime *p, const char *s, size_t len)
{
	if (p->open_multiparts == 0)
		return len; /* no boundary can end this part: the rest is its body */
	if (s[0] == '-')
		return 0;
	/* look for '-' (rare in text, absent from base64), then check that it
	 * starts a line and is followed by another */
	const char *end = s + len;
	for (const char *m = s; (m = memchr(m, '-', (size_t)(end - m))) != NULL; m++) {
		if (m[-1] != '\n')
			continue;
		if (m + 1 == end)
			break; /* "-" at the end: the next feed tells */
		if (m[1] == '-')
			return (size_t)(m - s);
	}
	const char *last = memrchr(s, '\n', len);
	return last != NULL ? (size_t)(last - s) + 1 : 0;
}

void ng_mime_feed(ng_mime *p, const void *data, size_t len)
{
	const char *s = data;

	p->stats.bytes += len;
	while (len > 0) {
		if (p->llen == 0 && !p->in_long_line && p->state == ST_BODY &&
		    cur(p)->mode == NG_MIME_BODY_SKIP) {
			size_t n = skip_lines(p, s, len);
			s += n;
			len -= n;
			if (len == 0)
				break;
		}
		const char *nl = memchr(s, '\n', len);
		size_t take = nl ? (size_t)(nl - s) : len;
		if (p->llen == 0 && nl != NULL && take < sizeof(p->line)) {
			/* the common case: a whole line inside the caller's buffer */
			bool crlf = take > 0 && s[take - 1] == '\r';
			process(p, s, crlf ? take - 1 : take, !p->in_long_line, true, crlf);
			p->in_long_line = false;
			s += take + 1;
			len -= take + 1;
			continue;
		}
		size_t room = sizeof(p->line) - p->llen;
		if (take >= room) {
			/* The line does not fit: hand on a full buffer as one piece.
			 * Pieces fall at the same offsets whatever the feed sizes. */
			memcpy(p->line + p->llen, s, room);
			process(p, p->line, sizeof(p->line), !p->in_long_line, false, false);
			if (!(p->state == ST_BODY && cur(p)->mode == NG_MIME_BODY_SKIP))
				p->stats.lines_split++; /* skipped lines are not counted */
			p->in_long_line = true;
			p->llen = 0;
			s += room;
			len -= room;
			continue;
		}
		memcpy(p->line + p->llen, s, take);
		p->llen += take;
		s += take;
		len -= take;
		if (nl == NULL)
			break;
		bool crlf = p->llen > 0 && p->line[p->llen - 1] == '\r';
		process(p, p->line, crlf ? p->llen - 1 : p->llen, !p->in_long_line, true, crlf);
		p->in_long_line = false;
		p->llen = 0;
		s++;
		len--;
	}
}

void ng_mime_finish(ng_mime *p)
{
	if (p->llen > 0 || p->in_long_line) {
		process(p, p->line, p->llen, !p->in_long_line, false, false);
		p->llen = 0;
		p->in_long_line = false;
	}
	if (p->state == ST_HEADER) {
		end_headers(p);
		/* a nested message that got no line at all still ends cleanly */
		if (p->state == ST_HEADER)
			end_headers(p);
	}
	pop_to(p, 0);
	end_entity(p);
	p->state = ST_HEADER;
	p->top = 0;
}

const ng_mime_stats *ng_mime_stats_get(const ng_mime *p)
{
	return &p->stats;
}

size_t ng_mime_decode_words(ng_mime *p, const char *in, size_t len, char *out, size_t cap)
{
	return ng_rfc2047_decode(p->cs, in, len, out, cap, &p->stats.charset_errors);
}
