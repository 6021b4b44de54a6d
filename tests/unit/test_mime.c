/*
 * test_mime.c - unit tests of the streaming MIME parser (lib/mime).
 *
 * The main table holds named messages and the exact transcript of the
 * callbacks they must produce (see struct rec for the format).  Every case
 * is run three times: fed whole, fed one byte at a time and fed in 7-byte
 * chunks; mime.h promises the same callbacks for all three, so all three
 * are compared with the same want.  Further tables cover RFC 2047 encoded
 * words (ng_mime_decode_words) and parameters (ng_mime_param); the caps of
 * lib/util/limits.h are checked with generated messages.
 *
 * Messages are written for this test; charsets are given as byte escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ndrguard/mime.h>

#include "util/buf.h"
#include "util/limits.h"

/* What a transcript records. */
enum {
	T_HDR = 1,  /* "h<id> <name>: <value>" per header field */
	T_PART = 2, /* "b<id> <type> d<depth> m<msg_depth> i<index> p<parent> [extras]" */
	T_BODY = 4, /* "l<id> <line>" per LINES line; "r<id> <bytes>" per RAW part */
	T_END = 8,  /* "e<id> <decoded bytes>" at part_end */
};

/*
 * The recorder: one line of text per event in `out`; bytes outside
 * printable ASCII are written \xHH, so wants stay readable and exact.
 */
struct rec {
	ng_buf out;
	ng_buf raw; /* RAW bytes of the current part, written at its end */
	unsigned flags;
	int mode;             /* what body_begin returns for leaf parts */
	unsigned max_depth;   /* deepest part seen */
	unsigned headers;     /* header events */
	size_t longest_value; /* longest header value delivered */
	size_t longest_line;  /* longest body line delivered */
	unsigned parts;       /* body_begin events */
};

static void put_escaped(ng_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			ng_buf_append(b, s + i, 1);
		else if (c == '\\')
			ng_buf_puts(b, "\\\\");
		else if (c == '\n')
			ng_buf_puts(b, "\\n");
		else if (c == '\r')
			ng_buf_puts(b, "\\r");
		else if (c == '\t')
			ng_buf_puts(b, "\\t");
		else
			ng_buf_printf(b, "\\x%02x", c);
	}
}

static void on_header(void *ctx, const ng_mime_part *p, const char *n, size_t nl, const char *v,
                      size_t vl)
{
	struct rec *r = ctx;
	r->headers++;
	if (vl > r->longest_value)
		r->longest_value = vl;
	if (!(r->flags & T_HDR))
		return;
	ng_buf_printf(&r->out, "h%u ", p->id);
	put_escaped(&r->out, n, nl);
	ng_buf_puts(&r->out, ": ");
	put_escaped(&r->out, v, vl);
	ng_buf_puts(&r->out, "\n");
}

static int on_body_begin(void *ctx, const ng_mime_part *p)
{
	struct rec *r = ctx;
	r->parts++;
	if (p->depth > r->max_depth)
		r->max_depth = p->depth;
	ng_buf_reset(&r->raw);
	if (r->flags & T_PART) {
		ng_buf_printf(&r->out, "b%u %s d%u m%u i%u p%u", p->id, p->type, p->depth,
		              p->msg_depth, p->index, p->parent_id);
		if (p->enc == NG_MIME_ENC_BASE64)
			ng_buf_puts(&r->out, " b64");
		else if (p->enc == NG_MIME_ENC_QP)
			ng_buf_puts(&r->out, " qp");
		if (p->charset[0])
			ng_buf_printf(&r->out, " cs=%s", p->charset);
		if (p->report_type[0])
			ng_buf_printf(&r->out, " rt=%s", p->report_type);
		if (p->filename[0])
			ng_buf_printf(&r->out, " fn=%s", p->filename);
		if (p->attachment)
			ng_buf_puts(&r->out, " att");
		if (p->multipart)
			ng_buf_puts(&r->out, " mp");
		ng_buf_puts(&r->out, "\n");
	}
	return r->mode;
}

static void on_body(void *ctx, const ng_mime_part *p, const char *s, size_t n)
{
	struct rec *r = ctx;
	if (n > r->longest_line)
		r->longest_line = n;
	if (!(r->flags & T_BODY))
		return;
	if (r->mode == NG_MIME_BODY_RAW && !p->multipart) { /* a preamble is lines */
		ng_buf_append(&r->raw, s, n);
		return;
	}
	ng_buf_printf(&r->out, "l%u ", p->id);
	put_escaped(&r->out, s, n);
	ng_buf_puts(&r->out, "\n");
}

static void on_part_end(void *ctx, const ng_mime_part *p)
{
	struct rec *r = ctx;
	if ((r->flags & T_BODY) && r->mode == NG_MIME_BODY_RAW && r->raw.len > 0) {
		ng_buf_printf(&r->out, "r%u ", p->id);
		put_escaped(&r->out, r->raw.data, r->raw.len);
		ng_buf_puts(&r->out, "\n");
		ng_buf_reset(&r->raw);
	}
	if (r->flags & T_END)
		ng_buf_printf(&r->out, "e%u %llu\n", p->id, p->decoded);
}

static const ng_mime_cb rec_cb = {on_header, on_body_begin, on_body, on_part_end};

static void rec_init(struct rec *r, unsigned flags, int mode)
{
	memset(r, 0, sizeof(*r));
	ng_buf_init(&r->out, 8u << 20);
	ng_buf_init(&r->raw, 8u << 20);
	r->flags = flags;
	r->mode = mode;
}

static void rec_free(struct rec *r)
{
	ng_buf_free(&r->out);
	ng_buf_free(&r->raw);
}

/* Parse msg[0..len) fed in chunks of `chunk` bytes (0: at once). */
static ng_mime_stats parse(struct rec *r, const char *msg, size_t len, size_t chunk)
{
	ng_mime *p = ng_mime_new(&rec_cb, r);
	assert_non_null(p);
	if (chunk == 0) {
		ng_mime_feed(p, msg, len);
	} else {
		for (size_t i = 0; i < len; i += chunk)
			ng_mime_feed(p, msg + i, len - i < chunk ? len - i : chunk);
	}
	ng_mime_finish(p);
	ng_mime_stats st = *ng_mime_stats_get(p);
	ng_mime_free(p);
	return st;
}

/* ----- the transcript table ----- */

struct word_case {
	const char *name;
	const char *in;
	const char *want;
};

struct mime_case {
	const char *name;
	const char *msg;
	unsigned flags;
	int mode;
	const char *want;
	int want_charset_errors; /* -1: not checked */
};

#define LINES NG_MIME_BODY_LINES
#define RAW   NG_MIME_BODY_RAW
#define SKIP  NG_MIME_BODY_SKIP

static const struct mime_case cases[] = {
    /* --- headers --- */
    {"header unfolding keeps the folding white space",
     "Subject: one\n two\n\tthree\nX-A: b\n\nbody\n", T_HDR, SKIP,
     "h0 Subject: one two\\tthree\n"
     "h0 X-A: b\n",
     -1},
    {"header unfolding with CRLF", "Subject: one\r\n two\r\nTo: <a@b.example>\r\n\r\nbody\r\n",
     T_HDR | T_BODY, LINES,
     "h0 Subject: one two\n"
     "h0 To: <a@b.example>\n"
     "l0 body\n",
     -1},
    {"value white space trimmed, empty value, space before colon",
     "Subject:    padded   \nX-Empty:\nX-Sp : v\n\n", T_HDR, SKIP,
     "h0 Subject: padded\n"
     "h0 X-Empty: \n"
     "h0 X-Sp: v\n",
     -1},
    {"header without blank line before the body", "Subject: s\nthis is body text\nsecond\n",
     T_HDR | T_BODY, LINES,
     "h0 Subject: s\n"
     "l0 this is body text\n"
     "l0 second\n",
     -1},
    {"mbox From_ first line is not a header",
     "From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: Mail Delivery System "
     "<MAILER-DAEMON@mx.example>\nSubject: x\n\nFrom here on\n",
     T_HDR | T_BODY, LINES,
     "h0 From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
     "h0 Subject: x\n"
     "l0 From here on\n",
     -1},
    {"From_ only on the first line", "Subject: x\nFrom nowhere\n\n", T_HDR | T_BODY, LINES,
     "h0 Subject: x\n"
     "l0 From nowhere\n"
     "l0 \n",
     -1},
    {"defaults: text/plain, no charset", "X: y\n\nhi\n", T_PART | T_BODY | T_END, LINES,
     "b0 text/plain d0 m0 i0 p0\n"
     "l0 hi\n"
     "e0 2\n",
     -1},
    {"type and parameters are lower-cased",
     "Content-Type: TEXT/Plain; CHARSET=\"UTF-8\"; Name=Report.TXT\n"
     "Content-Disposition: ATTACHMENT\n\nx\n",
     T_PART, LINES, "b0 text/plain d0 m0 i0 p0 cs=utf-8 fn=report.txt att\n", -1},

    /* --- multiparts --- */
    {"multipart/report with three parts",
     "Content-Type: multipart/report; report-type=delivery-status;\n"
     "\tboundary=\"==b1\"\n\n"
     "preamble\n"
     "--==b1\n"
     "Content-Type: text/plain\n\n"
     "Delivery failed.\n"
     "--==b1\n"
     "Content-Type: message/delivery-status\n\n"
     "Final-Recipient: rfc822; a@b.example\n"
     "Status: 5.1.1\n"
     "--==b1\n"
     "Content-Type: text/rfc822-headers\n\n"
     "Subject: hi\n"
     "--==b1--\n"
     "epilogue\n",
     T_PART | T_BODY | T_END, LINES,
     "b0 multipart/report d0 m0 i0 p0 rt=delivery-status mp\n"
     "l0 preamble\n" /* a multipart's mode applies to its preamble, */
     "b1 text/plain d1 m0 i1 p0\n"
     "l1 Delivery failed.\n"
     "e1 16\n"
     "b2 message/delivery-status d1 m0 i2 p0\n"
     "l2 Final-Recipient: rfc822; a@b.example\n"
     "l2 Status: 5.1.1\n"
     "e2 49\n"
     "b3 text/rfc822-headers d1 m0 i3 p0\n"
     "b4 text/plain d2 m1 i1 p3\n"
     "e4 0\n"
     "e3 0\n"
     "e0 8\n", /* never to its epilogue */
     -1},
    {"preamble of a multipart whose boundary never comes",
     "Content-Type: multipart/report; boundary=never\n\n"
     "This is the mail system.\n<a@b.example>: 550 5.1.1 unknown\n",
     T_PART | T_BODY, RAW, /* RAW is taken as LINES for a preamble */
     "b0 multipart/report d0 m0 i0 p0 mp\n"
     "l0 This is the mail system.\n"
     "l0 <a@b.example>: 550 5.1.1 unknown\n",
     -1},
    {"no preamble lines after the first part, nor in SKIP mode",
     "Content-Type: multipart/mixed; boundary=b\n\npre\n--b\n\nx\n--b--\nepi\n", T_BODY, SKIP, "",
     -1},
    {"unindented parameter continuation",
     "Content-Type: multipart/report;\nreport-type=delivery-status;\nboundary=\"u\"\n"
     "Subject: s\n\n--u\n\nin part\n--u--\n",
     T_HDR | T_PART | T_BODY, LINES,
     "h0 Content-Type: multipart/report; report-type=delivery-status; boundary=\"u\"\n"
     "h0 Subject: s\n"
     "b0 multipart/report d0 m0 i0 p0 rt=delivery-status mp\n"
     "b1 text/plain d1 m0 i1 p0\n"
     "l1 in part\n",
     -1},
    {"a line name=value after a field not ending in ';' ends the header", "Subject: s\nkey=value\n",
     T_HDR | T_BODY, LINES,
     "h0 Subject: s\n"
     "l0 key=value\n",
     -1},
    {"nested multiparts",
     "Content-Type: multipart/mixed; boundary=outer\n\n"
     "--outer\n"
     "Content-Type: multipart/alternative; boundary=inner\n\n"
     "--inner\n\nplain\n"
     "--inner\nContent-Type: text/html\n\n<p>html</p>\n"
     "--inner--\n"
     "--outer\nContent-Type: text/plain\n\nlast\n"
     "--outer--\n",
     T_PART | T_BODY, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 multipart/alternative d1 m0 i1 p0 mp\n"
     "b2 text/plain d2 m0 i1 p1\n"
     "l2 plain\n"
     "b3 text/html d2 m0 i2 p1\n"
     "l3 <p>html</p>\n"
     "b4 text/plain d1 m0 i2 p0\n"
     "l4 last\n",
     -1},
    {"missing close boundary of the inner multipart",
     "Content-Type: multipart/mixed; boundary=outer\n\n"
     "--outer\n"
     "Content-Type: multipart/alternative; boundary=inner\n\n"
     "--inner\n\nin-one\n"
     "--outer\n\nafter\n"
     "--outer--\n",
     T_PART | T_BODY | T_END, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 multipart/alternative d1 m0 i1 p0 mp\n"
     "b2 text/plain d2 m0 i1 p1\n"
     "l2 in-one\n"
     "e2 6\n"
     "e1 0\n"
     "b3 text/plain d1 m0 i2 p0\n"
     "l3 after\n"
     "e3 5\n"
     "e0 0\n",
     -1},
    {"missing close boundary at EOF",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nunfinished\n", T_PART | T_BODY | T_END,
     LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 text/plain d1 m0 i1 p0\n"
     "l1 unfinished\n"
     "e1 10\n"
     "e0 0\n",
     -1},
    {"boundary that is a prefix of the inner one",
     "Content-Type: multipart/mixed; boundary=a\n\n"
     "--a\n"
     "Content-Type: multipart/mixed; boundary=ab\n\n"
     "--ab\n\none\n"
     "--abc\n"
     "--a-\n"
     "--ab--\n"
     "--a\n\ntwo\n"
     "--a--\n",
     T_PART | T_BODY, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 multipart/mixed d1 m0 i1 p0 mp\n"
     "b2 text/plain d2 m0 i1 p1\n"
     "l2 one\n"
     "l2 --abc\n"
     "l2 --a-\n"
     "b3 text/plain d1 m0 i2 p0\n"
     "l3 two\n",
     -1},
    {"inner boundary that is a prefix of the outer one",
     "Content-Type: multipart/mixed; boundary=ab\n\n"
     "--ab\n"
     "Content-Type: multipart/mixed; boundary=a\n\n"
     "--a\n\none\n"
     "--ab\n\ntwo\n"
     "--ab--\n",
     T_PART | T_BODY, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 multipart/mixed d1 m0 i1 p0 mp\n"
     "b2 text/plain d2 m0 i1 p1\n"
     "l2 one\n"
     "b3 text/plain d1 m0 i2 p0\n"
     "l3 two\n",
     -1},
    {"boundary lines with trailing white space and CRLF",
     "Content-Type: multipart/mixed; boundary=\"x y\"\r\n\r\n--x y \t\r\n\r\nA\r\n--x y--  "
     "\r\nZ\r\n",
     T_PART | T_BODY, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 text/plain d1 m0 i1 p0\n"
     "l1 A\n",
     -1},
    {"multipart without boundary is a leaf", "Content-Type: multipart/mixed\n\n--x\n\nbody\n",
     T_PART | T_BODY, LINES,
     "b0 multipart/mixed d0 m0 i0 p0\n"
     "l0 --x\n"
     "l0 \n"
     "l0 body\n",
     -1},
    {"part with header and no body",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b--\n",
     T_PART | T_END, LINES,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 text/html d1 m0 i1 p0\n"
     "e1 0\n"
     "e0 0\n",
     -1},
    {"multipart/digest children default to message/rfc822",
     "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: inner\n\ntext\n--d--\n",
     T_PART | T_HDR | T_BODY, LINES,
     "h0 Content-Type: multipart/digest; boundary=d\n"
     "b0 multipart/digest d0 m0 i0 p0 mp\n"
     "b1 message/rfc822 d1 m0 i1 p0\n"
     "h2 Subject: inner\n"
     "b2 text/plain d2 m1 i1 p1\n"
     "l2 text\n",
     -1},

    /* --- nested messages --- */
    {"message/rfc822 parsed as a nested message",
     "Content-Type: multipart/mixed; boundary=b\n\n"
     "--b\nContent-Type: message/rfc822\n\n"
     "Subject: original\nContent-Type: multipart/alternative; boundary=c\n\n"
     "--c\n\ninner text\n--c--\n"
     "--b--\n",
     T_HDR | T_PART | T_BODY, LINES,
     "h0 Content-Type: multipart/mixed; boundary=b\n"
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "h1 Content-Type: message/rfc822\n"
     "b1 message/rfc822 d1 m0 i1 p0\n"
     "h2 Subject: original\n"
     "h2 Content-Type: multipart/alternative; boundary=c\n"
     "b2 multipart/alternative d2 m1 i1 p1 mp\n"
     "b3 text/plain d3 m1 i1 p2\n"
     "l3 inner text\n",
     -1},
    {"base64 message/rfc822 is a leaf, not parsed",
     "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
     "U3ViamVjdDogeAoKYm9keQo=\n",
     T_PART | T_BODY, RAW,
     "b0 message/rfc822 d0 m0 i0 p0 b64\n"
     "r0 Subject: x\\n\\nbody\\n\n",
     -1},
    {"text/rfc822-headers without a body",
     "Content-Type: text/rfc822-headers\n\nReturn-Path: <a@b.example>\nSubject: sent\n",
     T_HDR | T_PART | T_END, LINES,
     "h0 Content-Type: text/rfc822-headers\n"
     "b0 text/rfc822-headers d0 m0 i0 p0\n"
     "h1 Return-Path: <a@b.example>\n"
     "h1 Subject: sent\n"
     "b1 text/plain d1 m1 i1 p0\n"
     "e1 0\n"
     "e0 0\n",
     -1},
    {"message/rfc822 inside message/rfc822",
     "Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: deepest\n\nx\n",
     T_HDR | T_PART | T_BODY, LINES,
     "h0 Content-Type: message/rfc822\n"
     "b0 message/rfc822 d0 m0 i0 p0\n"
     "h1 Content-Type: message/rfc822\n"
     "b1 message/rfc822 d1 m1 i1 p0\n"
     "h2 Subject: deepest\n"
     "b2 text/plain d2 m2 i1 p1\n"
     "l2 x\n",
     -1},

    /* --- transfer encodings --- */
    {"base64 lines", "Content-Transfer-Encoding: base64\n\naGVsbG8gd29y\nbGQKbGluZSB0d28K\n",
     T_BODY | T_END, LINES,
     "l0 hello world\n"
     "l0 line two\n"
     "e0 19\n",
     -1},
    {"base64 raw with junk, CRLF and padding",
     "Content-Transfer-Encoding: BASE64\r\n\r\naGVs\r\nbG8*gd29ybGQK\r\n==\r\n", T_BODY | T_END,
     RAW,
     "r0 hello world\\n\n"
     "e0 12\n",
     -1},
    {"base64 last line without newline is flushed at the boundary",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n"
     "RmVobGdlc2NobGFnZW4=\n--b--\n",
     T_BODY, LINES, "l1 Fehlgeschlagen\n", -1},
    {"7bit last line without newline, in a multipart",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nno newline", T_BODY, LINES,
     "l1 no newline\n", -1},
    {"quoted-printable with soft breaks",
     "Content-Transfer-Encoding: quoted-printable\n\n"
     "soft=\n"
     "ly broken =3D equal=20\n"
     "trailing space   \n"
     "bad =ZZ and =4\n",
     T_BODY, LINES,
     "l0 softly broken = equal \n"
     "l0 trailing space\n"
     "l0 bad =ZZ and =4\n",
     -1},
    {"quoted-printable raw keeps line breaks, drops soft ones",
     "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
     "a=\r\nb=41\r\nc\r\n",
     T_BODY | T_END, RAW,
     "r0 abA\\r\\nc\n" /* source EOLs kept; the last one is held back */
     "e0 6\n",
     -1},
    {"raw 7bit: the EOL before a boundary belongs to the boundary",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nline1\nline2\n\n--b\n\nx\r\ny\r\n--b--\n",
     T_BODY | T_END, RAW,
     "r1 line1\\nline2\\n\n"
     "e1 12\n"
     "r2 x\\r\\ny\n"
     "e2 4\n"
     "e0 0\n",
     -1},
    {"skipped bodies still end at their boundary",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsecret\n--b--\n", T_PART | T_END, SKIP,
     "b0 multipart/mixed d0 m0 i0 p0 mp\n"
     "b1 text/plain d1 m0 i1 p0\n"
     "e1 0\n"
     "e0 0\n",
     0},

    /* --- charsets --- */
    {"ISO-8859-1 body to UTF-8",
     "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: base64\n\n"
     "ROlsaXZyYW5jZSDpY2hvdellCg==\n",
     T_BODY, LINES, "l0 D\\xc3\\xa9livrance \\xc3\\xa9chou\\xc3\\xa9e\n", 0},
    {"Windows-1252 curly quotes and euro",
     "Content-Type: text/plain; charset=windows-1252\n\n\x93quoted\x94 \x80"
     "5\n",
     T_BODY, LINES, "l0 \\xe2\\x80\\x9cquoted\\xe2\\x80\\x9d \\xe2\\x82\\xac5\n", 0},
    {"Shift_JIS body", "Content-Type: text/plain; charset=Shift_JIS\n\n\x93\xfa\x96{\n", T_BODY,
     LINES, "l0 \\xe6\\x97\\xa5\\xe6\\x9c\\xac\n", 0},
    {"x-sjis alias", "Content-Type: text/plain; charset=x-sjis\n\n\x93\xfa\n", T_BODY, LINES,
     "l0 \\xe6\\x97\\xa5\n", 0},
    {"ISO-2022-JP body, each line on its own",
     "Content-Type: text/plain; charset=iso-2022-jp\n\n"
     "\x1b$BF|K\\8l\x1b(B ok\n"
     "\x1b$BF|\n"
     "plain\n",
     T_BODY, LINES,
     "l0 \\xe6\\x97\\xa5\\xe6\\x9c\\xac\\xe8\\xaa\\x9e ok\n"
     "l0 \\xe6\\x97\\xa5\n"
     "l0 plain\n",
     0},
    {"ISO-2022-JP in quoted-printable",
     "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: "
     "quoted-printable\n\n"
     "=1B$BF|K\\=1B(B\n",
     T_BODY, LINES, "l0 \\xe6\\x97\\xa5\\xe6\\x9c\\xac\n", 0},
    {"unknown charset passes bytes and counts",
     "Content-Type: text/plain; charset=x-no-such-charset\n\nab\xe9\n", T_BODY, LINES,
     "l0 ab\\xe9\n", 1},
    {"invalid UTF-8 is not converted", "Content-Type: text/plain; charset=utf-8\n\n\xff\xfe\n",
     T_BODY, LINES, "l0 \\xff\\xfe\n", 0},
    {"invalid Shift_JIS byte replaced",
     "Content-Type: text/plain; charset=shift_jis\n\na\x81\x20z\n", T_BODY, LINES,
     "l0 a\\xef\\xbf\\xbd z\n", 1},
    {"RAW mode is not converted", "Content-Type: text/plain; charset=iso-8859-1\n\n\xe9\n",
     T_BODY | T_END, RAW,
     "r0 \\xe9\n"
     "e0 1\n",
     0},
};

static void check_case(const struct mime_case *c, size_t chunk)
{
	struct rec r;
	rec_init(&r, c->flags, c->mode);
	ng_mime_stats st = parse(&r, c->msg, strlen(c->msg), chunk);
	const char *got = r.out.data ? r.out.data : "";
	if (strcmp(got, c->want) != 0)
		fail_msg("case \"%s\" (chunk %zu):\n--- got ---\n%s--- want ---\n%s", c->name,
		         chunk, got, c->want);
	if (c->want_charset_errors >= 0 && st.charset_errors != (unsigned)c->want_charset_errors)
		fail_msg("case \"%s\" (chunk %zu): charset_errors got %u want %d", c->name, chunk,
		         st.charset_errors, c->want_charset_errors);
	if (st.bytes != strlen(c->msg))
		fail_msg("case \"%s\": stats.bytes got %llu want %zu", c->name, st.bytes,
		         strlen(c->msg));
	rec_free(&r);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i], 0);
		check_case(&cases[i], 1);
		check_case(&cases[i], 7);
	}
}

/*
 * Regressions: bugs found in lib/ and fixed.  Run with `test_mime
 * --regressions` (CTest: unit/test_mime-regressions).
 */
static const struct mime_case regressions[] = {
    /* ng_mime_finish() once reset the root entity's decoder before its
     * last line was delivered: a single-part message lost a last line
     * without EOL. */
    {"root part: 7bit last line without newline", "Subject: x\n\nfirst\nlast line, no newline",
     T_BODY, LINES,
     "l0 first\n"
     "l0 last line, no newline\n",
     -1},
    {"root part: base64 whose decoded text has no final newline",
     "Content-Transfer-Encoding: base64\n\nRmVobGdlc2NobGFnZW4=\n", T_BODY, LINES,
     "l0 Fehlgeschlagen\n", -1},
    {"root part: quoted-printable ending in a soft break",
     "Content-Transfer-Encoding: quoted-printable\n\nabc=\n", T_BODY, LINES, "l0 abc\n", -1},
};

static const struct word_case regression_words[] = {
    /* ng_rfc2047_decode() once dropped the white space between adjacent
     * words by stripping trailing blanks from its output, which also ate
     * an encoded space ending the previous word and left a fold's CR/LF. */
    {"encoded space at the end of a word before an adjacent word",
     "=?utf-8?q?Mail_?= =?utf-8?q?delivery?=", "Mail delivery"},
    {"adjacent words across a CRLF fold", "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
};

static void test_regressions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++) {
		check_case(&regressions[i], 0);
		check_case(&regressions[i], 1);
	}
	ng_mime_cb none = {0};
	ng_mime *p = ng_mime_new(&none, NULL);
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(regression_words) / sizeof(regression_words[0]); i++) {
		const struct word_case *w = &regression_words[i];
		char out[256];
		ng_mime_decode_words(p, w->in, strlen(w->in), out, sizeof(out));
		if (strcmp(out, w->want) != 0) {
			ng_mime_free(p);
			fail_msg("words \"%s\": got \"%s\" want \"%s\"", w->name, out, w->want);
		}
	}
	ng_mime_free(p);
}

/* One handle for several messages: reset forgets everything. */
static void test_reuse(void **state)
{
	(void)state;
	struct rec r;
	rec_init(&r, T_PART | T_BODY, LINES);
	ng_mime *p = ng_mime_new(&rec_cb, &r);
	assert_non_null(p);
	const char *m1 = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nunclosed";
	const char *m2 = "Subject: second\n\n--b\nsecond\n";
	ng_mime_feed(p, m1, strlen(m1));
	ng_mime_finish(p);
	ng_buf_reset(&r.out);
	ng_mime_reset(p);
	ng_mime_feed(p, m2, strlen(m2));
	ng_mime_finish(p);
	const char *want = "b0 text/plain d0 m0 i0 p0\n"
	                   "l0 --b\n"
	                   "l0 second\n";
	if (strcmp(r.out.data, want) != 0)
		fail_msg("second message:\n--- got ---\n%s--- want ---\n%s", r.out.data, want);
	assert_int_equal(ng_mime_stats_get(p)->parts, 1);
	assert_int_equal(ng_mime_stats_get(p)->bytes, strlen(m2));
	ng_mime_free(p);
	rec_free(&r);
}

/* A parser with no callbacks at all must not crash. */
static void test_null_callbacks(void **state)
{
	(void)state;
	ng_mime_cb none = {0};
	ng_mime *p = ng_mime_new(&none, NULL);
	assert_non_null(p);
	const char *m = cases[8].msg;
	ng_mime_feed(p, m, strlen(m));
	ng_mime_finish(p);
	assert_int_equal(ng_mime_stats_get(p)->parts, 5);
	ng_mime_free(p);
	ng_mime_free(NULL);
}

/* ----- RFC 2047 ----- */

static const struct word_case words[] = {
    {"plain text unchanged", "Undelivered Mail Returned to Sender",
     "Undelivered Mail Returned to Sender"},
    {"B, UTF-8", "=?UTF-8?B?RmVobGdlc2NobGFnZW4=?=", "Fehlgeschlagen"},
    {"Q with underscore and hex", "=?iso-8859-1?q?D=E9livrance_=E9chou=E9e?=",
     "D\xc3\xa9"
     "livrance \xc3\xa9"
     "chou\xc3\xa9"
     "e"},
    {"B, ISO-2022-JP",
     "=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
    {"B, ISO-8859-1", "=?ISO-8859-1?B?ROlsaXZyYW5jZSDpY2hvdell?=",
     "D\xc3\xa9"
     "livrance \xc3\xa9"
     "chou\xc3\xa9"
     "e"},
    {"Windows-1252 Q", "=?windows-1252?Q?=93x=94?=", "\xe2\x80\x9cx\xe2\x80\x9d"},
    {"adjacent words: white space between them dropped",
     "=?utf-8?q?Mail?= \t =?utf-8?q?_delivery?=", "Mail delivery"},
    {"text between words keeps its space", "=?utf-8?q?a?= and =?utf-8?q?b?=", "a and b"},
    {"space before the first word kept", "Re: =?utf-8?q?x?=", "Re: x"},
    {"space after the last word kept", "=?utf-8?q?x?= end", "x end"},
    {"ISO-2022-JP split over two words",
     "=?ISO-2022-JP?B?GyRCRnwbKEI=?= =?ISO-2022-JP?B?GyRCS1wbKEI=?=", "\xe6\x97\xa5\xe6\x9c\xac"},
    {"RFC 2231 language suffix", "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},
    {"lower-case encoding letter", "=?utf-8?b?w6k=?=", "\xc3\xa9"},
    {"unknown encoding letter left alone", "=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
    {"lone =? left alone", "50% =? off", "50% =? off"},
    {"unterminated word left alone", "=?utf-8?q?never-ends", "=?utf-8?q?never-ends"},
    {"empty charset left alone", "=?\?q?x?=", "=?\?q?x?="},
    {"empty text", "=?utf-8?q?\?=", ""},
    {"unknown charset copies bytes", "=?x-none?q?a=E9?=", "a\xe9"},
    {"question mark inside Q text", "=?utf-8?q?why=3F?=", "why?"},
};

static void test_words(void **state)
{
	(void)state;
	ng_mime_cb none = {0};
	ng_mime *p = ng_mime_new(&none, NULL);
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const struct word_case *w = &words[i];
		char out[256];
		size_t n = ng_mime_decode_words(p, w->in, strlen(w->in), out, sizeof(out));
		if (n != strlen(out) || strcmp(out, w->want) != 0)
			fail_msg("words \"%s\": got \"%s\" (%zu) want \"%s\"", w->name, out, n,
			         w->want);
	}
	/* truncation: always NUL-terminated inside cap */
	char small[5];
	size_t n = ng_mime_decode_words(p, "=?utf-8?q?abcdefgh?=", 20, small, sizeof(small));
	assert_int_equal(n, 4);
	assert_string_equal(small, "abcd");
	n = ng_mime_decode_words(p, "=?iso-2022-jp?b?GyRCRnxLXDhsGyhC?=", 34, small, sizeof(small));
	assert_true(n < sizeof(small));
	assert_int_equal(small[n], '\0');
	n = ng_mime_decode_words(p, "abc", 3, small, 0);
	assert_int_equal(n, 0);
	ng_mime_free(p);
}

/* ----- parameters ----- */

struct param_case {
	const char *name;
	const char *value;
	const char *param;
	bool found;
	const char *want;
};

static const struct param_case params[] = {
    {"plain token", "text/plain; charset=us-ascii", "charset", true, "us-ascii"},
    {"quoted", "multipart/mixed; boundary=\"a b;c\"", "boundary", true, "a b;c"},
    {"quoted with backslash escapes", "x/y; name=\"a\\\"b\\\\c\"", "name", true, "a\"b\\c"},
    {"name case-insensitive", "text/plain; CharSet=UTF-8", "charset", true, "UTF-8"},
    {"spaces around =", "text/plain; charset = utf-8 ; x=y", "charset", true, "utf-8"},
    {"folded value", "multipart/report;\r\n\treport-type=delivery-status;\r\n\tboundary=XX",
     "boundary", true, "XX"},
    {"not a suffix of another name", "text/plain; xcharset=a; charset=b", "charset", true, "b"},
    {"not inside a quoted string", "x/y; a=\"; charset=evil\"; charset=good", "charset", true,
     "good"},
    {"absent", "text/plain; format=flowed", "charset", false, ""},
    {"type only", "text/plain", "charset", false, ""},
    {"name without value", "text/plain; charset", "charset", false, ""},
    {"empty value", "text/plain; charset=", "charset", true, ""},
    {"RFC 2231 charset'lang'value", "attachment; filename*=iso-8859-1'en'%A3%20rates.txt",
     "filename", true, "\xa3 rates.txt"},
    {"RFC 2231 empty charset and language", "attachment; filename*=''a%2Fb", "filename", true,
     "a/b"},
    {"RFC 2231 first continuation", "attachment; filename*0*=utf-8''part%41; filename*1=B",
     "filename", true, "partA"},
    {"RFC 2231 plain continuation", "attachment; filename*0=\"one\"; filename*1=\"two\"",
     "filename", true, "one"},
    {"RFC 2231 bad percent kept", "a; name*=''%G1%4", "name", true, "%G1%4"},
    {"unterminated quote", "x/y; name=\"abc", "name", true, "abc"},
};

static void test_params(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		const struct param_case *c = &params[i];
		char out[64] = "";
		bool found = ng_mime_param(c->value, strlen(c->value), c->param, out, sizeof(out));
		if (found != c->found)
			fail_msg("param \"%s\": found got %d want %d", c->name, found, c->found);
		if (found && strcmp(out, c->want) != 0)
			fail_msg("param \"%s\": got \"%s\" want \"%s\"", c->name, out, c->want);
	}
	/* capped output */
	char small[4];
	assert_true(ng_mime_param("x/y; name=abcdef", 16, "name", small, sizeof(small)));
	assert_string_equal(small, "abc");
	assert_false(ng_mime_param("x/y; name=a", 11, "name", small, 0));
	/* the length bounds the scan: a value cut by len is not read past */
	assert_true(ng_mime_param("x/y; name=abcdef", 13, "name", small, sizeof(small)));
	assert_string_equal(small, "abc");
}

/* ----- caps ----- */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1);
	assert_non_null(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + ul * n, tail, tl + 1);
	return s;
}

static ng_mime_stats parse_all_ways(struct rec *r, const char *m, unsigned flags, int mode)
{
	/* whole, then byte by byte: the transcripts and the stats must agree */
	struct rec r1;
	rec_init(&r1, flags, mode);
	ng_mime_stats s1 = parse(&r1, m, strlen(m), 1);
	rec_init(r, flags, mode);
	ng_mime_stats s0 = parse(r, m, strlen(m), 0);
	assert_int_equal(r1.out.len, r->out.len);
	assert_memory_equal(r1.out.data ? r1.out.data : "", r->out.data ? r->out.data : "",
	                    r->out.len);
	assert_int_equal(s0.parts, s1.parts);
	assert_int_equal(s0.parts_dropped, s1.parts_dropped);
	assert_int_equal(s0.headers_cut, s1.headers_cut);
	assert_int_equal(s0.headers_dropped, s1.headers_dropped);
	assert_int_equal(s0.lines_split, s1.lines_split);
	rec_free(&r1);
	return s0;
}

static void test_long_lines(void **state)
{
	(void)state;
	struct rec r;
	/* a body line of 20000 bytes arrives in pieces of at most NG_MIME_LINE_MAX */
	char *m = repeat("Subject: x\n\n", "y", 20000, "\nafter\n");
	ng_mime_stats st = parse_all_ways(&r, m, T_BODY, LINES);
	assert_true(st.lines_split > 0);
	assert_int_equal(r.longest_line, NG_MIME_LINE_MAX);
	assert_non_null(strstr(r.out.data, "\nl0 after\n"));
	size_t ys = 0;
	for (const char *q = r.out.data; *q; q++)
		ys += *q == 'y';
	assert_int_equal(ys, 20000);
	rec_free(&r);
	free(m);

	/* the same line in RAW mode: every byte delivered */
	m = repeat("Subject: x\n\n", "y", 20000, "\nafter\n");
	st = parse_all_ways(&r, m, T_END, RAW);
	assert_string_equal(r.out.data, "e0 20006\n");
	rec_free(&r);
	free(m);

	/* a base64 body with one 30000-byte line decodes in full */
	m = repeat("Content-Transfer-Encoding: base64\n\n", "QUJD", 7500, "\n");
	st = parse_all_ways(&r, m, T_END, RAW);
	assert_string_equal(r.out.data, "e0 22500\n");
	rec_free(&r);
	free(m);

	/* the same in LINES mode: decoded line cut at NG_MIME_LINE_MAX (inside a
	 * multipart: see the regressions table for the same at the top level) */
	m = repeat("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	           "Content-Transfer-Encoding: base64\n\n",
	           "QUJD", 7500, "\n--b--\n");
	st = parse_all_ways(&r, m, T_END, LINES);
	assert_string_equal(r.out.data, "e1 22500\ne0 0\n");
	assert_true(r.longest_line <= NG_MIME_LINE_MAX);
	rec_free(&r);
	free(m);

	/* a 10 KB header line (over NG_MIME_LINE_MAX, under NG_MIME_HEADER_MAX) is whole */
	m = repeat("Subject: ", "s", 10240, "\nTo: t\n\nbody\n");
	st = parse_all_ways(&r, m, 0, SKIP);
	assert_int_equal(r.longest_value, 10240);
	assert_int_equal(r.headers, 2);
	assert_int_equal(st.headers_cut, 0);
	rec_free(&r);
	free(m);

	/* a 40 KB header line is cut to NG_MIME_HEADER_MAX, the next field survives */
	m = repeat("Subject: ", "s", 40000, "\nTo: t\n\nbody\n");
	st = parse_all_ways(&r, m, T_BODY, LINES);
	assert_true(st.headers_cut > 0);
	assert_int_equal(r.longest_value, NG_MIME_HEADER_MAX - strlen("Subject: "));
	assert_int_equal(r.headers, 2);
	assert_string_equal(r.out.data, "l0 body\n");
	rec_free(&r);
	free(m);

	/* a long folded header: many continuation lines */
	m = repeat("Received: from a\n", "\tby b.example with ESMTP id 0123456789\n", 1000,
	           "\nx\n");
	st = parse_all_ways(&r, m, T_BODY, LINES);
	assert_int_equal(r.headers, 1);
	assert_true(st.headers_cut > 0);
	assert_true(r.longest_value <= NG_MIME_HEADER_MAX);
	assert_string_equal(r.out.data, "l0 x\n");
	rec_free(&r);
	free(m);

	/* a line longer than NG_MIME_LINE_MAX that starts like a boundary is none */
	m = repeat("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--b", "x", 9000,
	           "\nstill one\n--b--\n");
	st = parse_all_ways(&r, m, T_PART, LINES);
	assert_string_equal(r.out.data, "b0 multipart/mixed d0 m0 i0 p0 mp\n"
	                                "b1 text/plain d1 m0 i1 p0\n");
	rec_free(&r);
	free(m);

	/* ... but 9000 bytes of transport padding after a boundary are allowed */
	m = repeat("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--b", " ", 9000,
	           "\nsecond\n--b--\n");
	st = parse_all_ways(&r, m, T_PART | T_BODY, LINES);
	assert_string_equal(r.out.data, "b0 multipart/mixed d0 m0 i0 p0 mp\n"
	                                "b1 text/plain d1 m0 i1 p0\n"
	                                "b2 text/plain d1 m0 i2 p0\n"
	                                "l2 second\n");
	rec_free(&r);
	free(m);
}

static void test_depth_cap(void **state)
{
	(void)state;
	/* 100 nested multiparts, then text in the deepest */
	size_t cap = 100 * 80 + 64;
	char *m = malloc(cap);
	assert_non_null(m);
	size_t o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(m + o, cap - o,
		                      "Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d\n",
		                      i, i);
	snprintf(m + o, cap - o, "\ndeep\n");
	struct rec r;
	ng_mime_stats st = parse_all_ways(&r, m, T_BODY, LINES);
	assert_true(st.parts_dropped > 0);
	assert_true(r.max_depth < NG_MIME_DEPTH_MAX);
	assert_true(st.parts <= NG_MIME_DEPTH_MAX);
	rec_free(&r);

	/* 100 nested message/rfc822 */
	o = 0;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(m + o, cap - o, "Content-Type: message/rfc822\n\n");
	snprintf(m + o, cap - o, "Subject: bottom\n\ntext\n");
	st = parse_all_ways(&r, m, T_BODY, LINES);
	assert_true(st.parts_dropped > 0);
	assert_true(r.max_depth < NG_MIME_DEPTH_MAX);
	rec_free(&r);
	free(m);
}

static void test_parts_cap(void **state)
{
	(void)state;
	char *m =
	    repeat("Content-Type: multipart/mixed; boundary=p\n\n", "--p\n\n.\n", 3000, "--p--\n");
	struct rec r;
	ng_mime_stats st = parse_all_ways(&r, m, T_END, LINES);
	assert_int_equal(st.parts, NG_MIME_PARTS_MAX);
	assert_int_equal(st.parts_dropped, 3000 - (NG_MIME_PARTS_MAX - 1));
	assert_int_equal(r.parts, NG_MIME_PARTS_MAX);
	rec_free(&r);
	free(m);
}

static void test_headers_cap(void **state)
{
	(void)state;
	char *m = repeat("", "X-Many: v\n", NG_MIME_HEADERS_MAX + 100,
	                 "Content-Type: text/plain; charset=iso-8859-1\n\n\xe9\n");
	struct rec r;
	ng_mime_stats st = parse_all_ways(&r, m, T_PART | T_BODY, LINES);
	assert_int_equal(r.headers, NG_MIME_HEADERS_MAX);
	assert_int_equal(st.headers_dropped, 101);
	/* a field past the cap still sets the part's type and charset */
	assert_string_equal(r.out.data, "b0 text/plain d0 m0 i0 p0 cs=iso-8859-1\n"
	                                "l0 \\xc3\\xa9\n");
	rec_free(&r);
	free(m);
}

/* Binary garbage and NUL bytes: no crash, bytes counted. */
static void test_binary(void **state)
{
	(void)state;
	char m[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(m); i++) {
		x = x * 1103515245u + 12345u;
		m[i] = (char)(x >> 16);
	}
	for (int mode = SKIP; mode <= RAW; mode++) {
		struct rec r0, r1;
		rec_init(&r0, T_HDR | T_PART | T_BODY | T_END, mode);
		rec_init(&r1, T_HDR | T_PART | T_BODY | T_END, mode);
		ng_mime_stats s0 = parse(&r0, m, sizeof(m), 0);
		parse(&r1, m, sizeof(m), 3);
		assert_int_equal(s0.bytes, sizeof(m));
		assert_int_equal(r0.out.len, r1.out.len);
		if (r0.out.len > 0)
			assert_memory_equal(r0.out.data, r1.out.data, r0.out.len);
		rec_free(&r0);
		rec_free(&r1);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--regressions") == 0) {
		const struct CMUnitTest bugs[] = {cmocka_unit_test(test_regressions)};
		return cmocka_run_group_tests(bugs, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),          cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_null_callbacks), cmocka_unit_test(test_words),
	    cmocka_unit_test(test_params),         cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_depth_cap),      cmocka_unit_test(test_parts_cap),
	    cmocka_unit_test(test_headers_cap),    cmocka_unit_test(test_binary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
