/*
 * test_smtp.c - unit tests of the SMTP server parser and session
 * (include/ndrguard/smtp.h).
 *
 * Two tables of named cases, each input fed whole, byte by byte and in
 * chunks of 2, 3, 7 and 64 bytes; every cutting must give the same
 * result, which the case states as a compact summary.
 *
 * Parser cases: one item per event, separated by " | ":
 *
 *   HELO "mx.example"          a command and its argument
 *   MAIL <a@b> size=N body=8bitmime   MAIL/RCPT: the path and parameters
 *   RCPT !syntax(why)          a command with an error (!toolong, !nul,
 *                              !empty, !verb(TEXT), !syntax, !param, !value)
 *   content="..."              the content of one message (escaped), up to
 *                              its "." line; the test switches the parser to
 *                              content after every good DATA
 *   +pending  FLOOD            as in test_request.c
 *
 * Session cases: the reply codes the peer gets (the last line of each
 * reply), then " || ", then the events: "msg#ID from=<S>" at DATA,
 * "end#ID KIND by=WHY from=<S> rcpts=A,B refused=N size=N callout=yes|no
 * data=\"...\"" when a transaction ends (data: the content pieces), and
 * "close".  A case may end the session itself (close=peer|idle|...).
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

#include <ndrguard/smtp.h>

#include "util/buf.h"
#include "util/limits.h"

static const size_t chunks[] = {0, 1, 2, 3, 7, 64};
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

/* Bytes as C would write them: \r \n \t \0, \xHH for other controls. */
static void escape(ng_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			ng_buf_puts(out, "\\r");
		else if (c == '\n')
			ng_buf_puts(out, "\\n");
		else if (c == '\t')
			ng_buf_puts(out, "\\t");
		else if (c == 0)
			ng_buf_puts(out, "\\0");
		else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			ng_buf_printf(out, "\\x%02x", c);
		else
			ng_buf_append(out, &s[i], 1);
	}
}

static void sep(ng_buf *out)
{
	if (out->len > 0)
		ng_buf_puts(out, " | ");
}

/* ======================================================================
 * The parser
 * ====================================================================== */

struct parse_case {
	const char *name;
	const char *input; /* NULL: built by build_input() */
	size_t len;        /* 0: strlen(input) */
	const char *want;
	struct ng_smtp_limits lim;
};

#define LONG40 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct parse_case pcases[] = {
    /* HELO and EHLO */
    {"HELO", "HELO mx.example.net\r\n", 0, "HELO \"mx.example.net\"", {0}},
    {"EHLO", "EHLO mx.example.net\r\n", 0, "EHLO \"mx.example.net\"", {0}},
    {"EHLO lower case, bare LF", "ehlo mx.example.net\n", 0, "EHLO \"mx.example.net\"", {0}},
    {"EHLO address literal", "EHLO [192.0.2.1]\r\n", 0, "EHLO \"[192.0.2.1]\"", {0}},
    {"EHLO blanks around", "EHLO \t mx.example  \t\r\n", 0, "EHLO \"mx.example\"", {0}},
    {"EHLO with two words", "EHLO a b\r\n", 0, "EHLO \"a b\"", {0}},
    {"HELO without name", "HELO\r\n", 0, "HELO !syntax(a host name is needed)", {0}},
    {"EHLO blanks only", "EHLO   \r\n", 0, "EHLO !syntax(a host name is needed)", {0}},
    /* MAIL */
    {"MAIL", "MAIL FROM:<a@b.example>\r\n", 0, "MAIL <a@b.example>", {0}},
    {"MAIL null sender", "MAIL FROM:<>\r\n", 0, "MAIL <>", {0}},
    {"MAIL lower case with space", "mail from: <a@b.example>\r\n", 0, "MAIL <a@b.example>", {0}},
    {"MAIL without brackets", "MAIL FROM:a@b.example\r\n", 0, "MAIL <a@b.example>", {0}},
    {"MAIL without brackets, SIZE",
     "MAIL FROM:a@b.example SIZE=10\r\n",
     0,
     "MAIL <a@b.example> size=10",
     {0}},
    {"MAIL source route",
     "MAIL FROM:<@r1.example,@r2.example:a@b.example>\r\n",
     0,
     "MAIL <a@b.example>",
     {0}},
    {"MAIL quoted local part",
     "MAIL FROM:<\"john > doe\"@b.example>\r\n",
     0,
     "MAIL <\"john > doe\"@b.example>",
     {0}},
    {"MAIL quoted local part with an escaped quote",
     "MAIL FROM:<\"a\\\" b\"@b.example>\r\n",
     0,
     "MAIL <\"a\\\" b\"@b.example>",
     {0}},
    {"MAIL TAB inside a quoted local part",
     "MAIL FROM:<\"a\tb\"@b.example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL address literal", "MAIL FROM:<a@[192.0.2.1]>\r\n", 0, "MAIL <a@[192.0.2.1]>", {0}},
    {"MAIL postmaster",
     "MAIL FROM:<PostMaster@b.example>\r\n",
     0,
     "MAIL <PostMaster@b.example>",
     {0}},
    {"MAIL SIZE", "MAIL FROM:<a@b.example> SIZE=1000\r\n", 0, "MAIL <a@b.example> size=1000", {0}},
    {"MAIL SIZE=0", "MAIL FROM:<> SIZE=0\r\n", 0, "MAIL <> size=0", {0}},
    {"MAIL BODY=8BITMIME", "MAIL FROM:<> BODY=8BITMIME\r\n", 0, "MAIL <> body=8bitmime", {0}},
    {"MAIL BODY=7BIT and SIZE, lower case",
     "MAIL FROM:<a@b.example> body=7bit size=5\r\n",
     0,
     "MAIL <a@b.example> size=5 body=7bit",
     {0}},
    {"MAIL SIZE not a number", "MAIL FROM:<> SIZE=12ab\r\n", 0, "MAIL !value(bad SIZE value)", {0}},
    {"MAIL SIZE overflows",
     "MAIL FROM:<> SIZE=99999999999999999999999\r\n",
     0,
     "MAIL !value(bad SIZE value)",
     {0}},
    {"MAIL SIZE without value", "MAIL FROM:<> SIZE\r\n", 0, "MAIL !value(bad SIZE value)", {0}},
    {"MAIL SIZE empty value",
     "MAIL FROM:<> SIZE=\r\n",
     0,
     "MAIL !syntax(bad ESMTP parameter syntax)",
     {0}},
    {"MAIL SIZE twice", "MAIL FROM:<> SIZE=1 SIZE=2\r\n", 0, "MAIL !value(SIZE given twice)", {0}},
    {"MAIL BODY=BINARYMIME",
     "MAIL FROM:<> BODY=BINARYMIME\r\n",
     0,
     "MAIL !value(bad BODY value)",
     {0}},
    {"MAIL BODY twice",
     "MAIL FROM:<> BODY=7BIT BODY=8BITMIME\r\n",
     0,
     "MAIL !value(BODY given twice)",
     {0}},
    {"MAIL AUTH= not offered",
     "MAIL FROM:<> AUTH=<>\r\n",
     0,
     "MAIL !param(unsupported ESMTP parameter)",
     {0}},
    {"MAIL RET= not offered",
     "MAIL FROM:<a@b.example> RET=HDRS\r\n",
     0,
     "MAIL !param(unsupported ESMTP parameter)",
     {0}},
    {"MAIL bad parameter keyword",
     "MAIL FROM:<> =x\r\n",
     0,
     "MAIL !syntax(bad ESMTP parameter syntax)",
     {0}},
    {"MAIL TO: instead of FROM:",
     "MAIL TO:<a@b.example>\r\n",
     0,
     "MAIL !syntax(syntax: MAIL FROM:<address>)",
     {0}},
    {"MAIL without argument", "MAIL\r\n", 0, "MAIL !syntax(syntax: MAIL FROM:<address>)", {0}},
    {"MAIL FROM: without address", "MAIL FROM:\r\n", 0, "MAIL !syntax(missing address)", {0}},
    {"MAIL unterminated bracket",
     "MAIL FROM:<a@b.example\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL no domain", "MAIL FROM:<alice>\r\n", 0, "MAIL !syntax(bad address syntax)", {0}},
    {"MAIL empty local part",
     "MAIL FROM:<@b.example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL empty domain", "MAIL FROM:<a@>\r\n", 0, "MAIL !syntax(bad address syntax)", {0}},
    {"MAIL double dot local",
     "MAIL FROM:<a..b@c.example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL double dot domain",
     "MAIL FROM:<a@c..example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL space in address",
     "MAIL FROM:<a b@c.example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL junk after the path",
     "MAIL FROM:<a@b.example>x\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    {"MAIL source route without colon",
     "MAIL FROM:<@r1.example>\r\n",
     0,
     "MAIL !syntax(bad address syntax)",
     {0}},
    /* RCPT */
    {"RCPT", "RCPT TO:<x@trap.example>\r\n", 0, "RCPT <x@trap.example>", {0}},
    {"RCPT bare postmaster", "RCPT TO:<Postmaster>\r\n", 0, "RCPT <Postmaster>", {0}},
    {"RCPT null path", "RCPT TO:<>\r\n", 0, "RCPT !syntax(bad address syntax)", {0}},
    {"RCPT DSN parameter",
     "RCPT TO:<x@trap.example> NOTIFY=NEVER\r\n",
     0,
     "RCPT !param(unsupported ESMTP parameter)",
     {0}},
    {"RCPT SIZE is MAIL's",
     "RCPT TO:<x@trap.example> SIZE=1\r\n",
     0,
     "RCPT !param(unsupported ESMTP parameter)",
     {0}},
    {"RCPT FROM:",
     "RCPT FROM:<x@trap.example>\r\n",
     0,
     "RCPT !syntax(syntax: RCPT TO:<address>)",
     {0}},
    /* the other verbs */
    {"DATA", "DATA\r\n.\r\n", 0, "DATA | content=\"\"", {0}},
    {"DATA with argument", "DATA now\r\n", 0, "DATA !syntax(no argument allowed)", {0}},
    {"RSET", "RSET\r\n", 0, "RSET", {0}},
    {"RSET with argument", "RSET x\r\n", 0, "RSET !syntax(no argument allowed)", {0}},
    {"NOOP", "NOOP\r\n", 0, "NOOP", {0}},
    {"NOOP with argument", "NOOP hello there\r\n", 0, "NOOP \"hello there\"", {0}},
    {"QUIT", "QUIT\r\n", 0, "QUIT", {0}},
    {"QUIT with argument", "quit now\r\n", 0, "QUIT \"now\"", {0}},
    {"VRFY", "VRFY alice\r\n", 0, "VRFY \"alice\"", {0}},
    {"VRFY without argument", "VRFY\r\n", 0, "VRFY !syntax(an address is needed)", {0}},
    {"EXPN", "EXPN staff\r\n", 0, "EXPN \"staff\"", {0}},
    {"HELP", "HELP\r\n", 0, "HELP", {0}},
    {"HELP topic", "HELP MAIL\r\n", 0, "HELP \"MAIL\"", {0}},
    {"STARTTLS", "STARTTLS\r\n", 0, "STARTTLS", {0}},
    {"AUTH", "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", 0, "AUTH \"PLAIN AGFsaWNlAHNlY3JldA==\"", {0}},
    {"BDAT", "BDAT 100 LAST\r\n", 0, "BDAT \"100 LAST\"", {0}},
    {"ETRN", "ETRN example.net\r\n", 0, "ETRN \"example.net\"", {0}},
    {"TURN", "TURN\r\n", 0, "TURN", {0}},
    /* bad lines */
    {"unknown verb", "XYZZY plugh\r\n", 0, "!verb(XYZZY)", {0}},
    {"HTTP request", "GET / HTTP/1.0\r\n", 0, "!verb(GET)", {0}},
    {"verb without its space", "MAILFROM:<a@b.example>\r\n", 0, "!verb(MAILFROM:<a@b.ex)", {0}},
    {"empty line", "\r\n", 0, "!empty", {0}},
    {"bare LF line", "\n", 0, "!empty", {0}},
    {"leading blank", " HELO a\r\n", 0, "!verb()", {0}},
    {"NUL byte", "HELO a\0b\r\nNOOP\r\n", 16, "HELO !nul | NOOP", {0}},
    {"NUL byte in the verb", "HE\0LO a\r\n", 9, "!nul", {0}},
    {"control character",
     "HELO a\001b\r\n",
     0,
     "HELO !syntax(control character in a command)",
     {0}},
    {"bare CR inside a line",
     "HELO a\rb\r\n",
     0,
     "HELO !syntax(control character in a command)",
     {0}},
    {"DEL character", "NOOP \x7f\r\n", 0, "NOOP !syntax(control character in a command)", {0}},
    {"line too long, then a good one",
     "HELO " LONG40 "\r\nNOOP\r\n",
     0,
     "!toolong | NOOP",
     {.line_max = 32}},
    {"line at the cap",
     "HELO 0123456789012345678901234\r\n", /* 32 bytes with CRLF */
     0,
     "HELO \"0123456789012345678901234\"",
     {.line_max = 32}},
    {"line one past the cap",
     "HELO 01234567890123456789012345\r\nQUIT\r\n",
     0,
     "!toolong | QUIT",
     {.line_max = 32}},
    {"flood", "HELO " LONG40 LONG40 LONG40, 0, "FLOOD", {.line_max = 16, .flood_max = 64}},
    {"flood with its line end in the same feed",
     "HELO " LONG40 LONG40 "\r\nQUIT\r\n",
     0,
     "FLOOD",
     {.line_max = 16, .flood_max = 64}},
    {"long line under the flood cap",
     "HELO " LONG40 "\r\nQUIT\r\n",
     0,
     "!toolong | QUIT",
     {.line_max = 16, .flood_max = 64}},
    {"unfinished line", "HELO a.example", 0, "+pending", {0}},
    {"unfinished after a command", "NOOP\r\nMAIL FROM:", 0, "NOOP+pending", {0}},
    /* pipelining */
    {"pipelined envelope",
     "EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<a@t.example>\r\nRCPT TO:<b@t.example>\r\n"
     "DATA\r\n",
     0,
     "EHLO \"c.example\" | MAIL <> | RCPT <a@t.example> | RCPT <b@t.example> | DATA | "
     "content=\"\"+pending",
     {0}},
    {"pipelined after the message",
     "DATA\r\nhi\r\n.\r\nRSET\r\nQUIT\r\n",
     0,
     "DATA | content=\"hi\\r\\n\" | RSET | QUIT",
     {0}},
    /* content */
    {"content",
     "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n",
     0,
     "DATA | content=\"Subject: x\\r\\n\\r\\nbody\\r\\n\"",
     {0}},
    {"content dot-stuffed",
     "DATA\r\n..leading dot\r\n...\r\nend\r\n.\r\n",
     0,
     "DATA | content=\".leading dot\\r\\n..\\r\\nend\\r\\n\"",
     {0}},
    {"content dot inside a line",
     "DATA\r\na.b\r\n a\r\n.\r\n",
     0,
     "DATA | content=\"a.b\\r\\n a\\r\\n\"",
     {0}},
    {"content dot and CR, no LF", "DATA\r\n.\rX\r\n.\r\n", 0, "DATA | content=\"\\rX\\r\\n\"", {0}},
    {"content dot CR CR LF", "DATA\r\n.\r\r\n.\r\n", 0, "DATA | content=\"\\r\\r\\n\"", {0}},
    {"content bare LF lines", "DATA\nl1\nl2\n.\n", 0, "DATA | content=\"l1\\nl2\\n\"", {0}},
    {"content dot line at the very start",
     "DATA\r\n.\r\nQUIT\r\n",
     0,
     "DATA | content=\"\" | QUIT",
     {0}},
    {"content keeps long lines",
     "DATA\r\n" LONG40 LONG40 "\r\n.\r\n",
     0,
     "DATA | content=\"" LONG40 LONG40 "\\r\\n\"",
     {.line_max = 16}},
    {"content keeps NUL bytes", "DATA\r\na\0b\r\n.\r\n", 14, "DATA | content=\"a\\0b\\r\\n\"", {0}},
    {"content looks like commands",
     "DATA\r\nQUIT\r\nRSET\r\n.\r\nNOOP\r\n",
     0,
     "DATA | content=\"QUIT\\r\\nRSET\\r\\n\" | NOOP",
     {0}},
    {"content not finished",
     "DATA\r\nhalf a mess",
     0,
     "DATA | content=\"half a mess\"+pending",
     {0}},
    {"content ending in a dot, not finished",
     "DATA\r\nab\r\n.",
     0,
     "DATA | content=\"ab\\r\\n\"+pending",
     {0}},
};

static const char *err_name(enum ng_smtp_err e)
{
	switch (e) {
	case NG_SMTP_OK:
		return "ok";
	case NG_SMTP_ETOOLONG:
		return "toolong";
	case NG_SMTP_ENUL:
		return "nul";
	case NG_SMTP_EEMPTY:
		return "empty";
	case NG_SMTP_EVERB:
		return "verb";
	case NG_SMTP_ESYNTAX:
		return "syntax";
	case NG_SMTP_EPARAM:
		return "param";
	case NG_SMTP_EVALUE:
		return "value";
	}
	return "?";
}

static void summarize_cmd(const struct ng_smtp_cmd *c, ng_buf *out)
{
	sep(out);
	ng_buf_puts(out, ng_smtp_verb_name(c->verb));
	if (c->err != NG_SMTP_OK) {
		if (c->verb != NG_SMTP_NONE)
			ng_buf_puts(out, " ");
		ng_buf_printf(out, "!%s", err_name(c->err));
		if (c->err == NG_SMTP_EVERB)
			ng_buf_printf(out, "(%s)", c->verb_text);
		else if (c->err != NG_SMTP_ETOOLONG && c->err != NG_SMTP_ENUL &&
		         c->err != NG_SMTP_EEMPTY)
			ng_buf_printf(out, "(%s)", c->why);
		assert_null(c->path);
		return;
	}
	assert_null(c->why);
	if (c->verb == NG_SMTP_MAIL || c->verb == NG_SMTP_RCPT) {
		assert_non_null(c->path);
		ng_buf_printf(out, " <%s>", c->path);
		if (c->has_size)
			ng_buf_printf(out, " size=%llu", (unsigned long long)c->size);
		if (c->body != NG_SMTP_BODY_NONE)
			ng_buf_puts(out,
			            c->body == NG_SMTP_BODY_7BIT ? " body=7bit" : " body=8bitmime");
		return;
	}
	assert_null(c->path);
	if (c->arg[0] != '\0') {
		ng_buf_puts(out, " \"");
		escape(out, c->arg, strlen(c->arg));
		ng_buf_puts(out, "\"");
	}
}

static void build_input(const struct parse_case *c, ng_buf *in)
{
	assert_non_null(c->input);
	ng_buf_append(in, c->input, c->len != 0 ? c->len : strlen(c->input));
}

/* Feed `in` in chunks of `chunk` bytes (0: whole); the summary into out. */
static void parse_run(const struct parse_case *c, const ng_buf *in, size_t chunk, ng_buf *out)
{
	struct ng_smtp_parser *p = ng_smtp_parser_new(&c->lim);
	assert_non_null(p);
	ng_buf content;
	ng_buf_init(&content, 1 << 16);
	bool in_content = false, flood = false;
	size_t off = 0;
	while (off < in->len && !flood) {
		size_t n = chunk == 0 || chunk > in->len - off ? in->len - off : chunk;
		size_t pos = 0;
		while (pos < n) {
			size_t used = 0;
			enum ng_smtp_feed st =
			    ng_smtp_parser_feed(p, in->data + off + pos, n - pos, &used);
			if (used > n - pos)
				fail_msg("%s: used %zu of %zu bytes", c->name, used, n - pos);
			pos += used;
			if (st == NG_SMTP_FLOOD) {
				flood = true;
				break;
			}
			if (st == NG_SMTP_COMMAND) {
				const struct ng_smtp_cmd *cmd = ng_smtp_parser_command(p);
				assert_non_null(cmd);
				summarize_cmd(cmd, out);
				if (cmd->verb == NG_SMTP_DATA && cmd->err == NG_SMTP_OK) {
					ng_smtp_parser_start_content(p);
					in_content = true;
					ng_buf_reset(&content);
				}
			} else if (st == NG_SMTP_CONTENT) {
				size_t len;
				const char *d = ng_smtp_parser_content(p, &len);
				assert_non_null(d);
				assert_true(len > 0);
				ng_buf_append(&content, d, len);
			} else if (st == NG_SMTP_CONTENT_END) {
				sep(out);
				ng_buf_puts(out, "content=\"");
				escape(out, content.data != NULL ? content.data : "", content.len);
				ng_buf_puts(out, "\"");
				in_content = false;
			} else {
				assert_int_equal(pos, n);
				assert_null(ng_smtp_parser_command(p));
			}
		}
		off += n;
	}
	if (flood) {
		size_t used = 1;
		assert_int_equal(ng_smtp_parser_feed(p, "\n", 1, &used), NG_SMTP_FLOOD);
		assert_int_equal(used, 0);
		ng_buf_reset(out);
		ng_buf_puts(out, "FLOOD");
	} else {
		if (in_content) {
			sep(out);
			ng_buf_puts(out, "content=\"");
			escape(out, content.data != NULL ? content.data : "", content.len);
			ng_buf_puts(out, "\"");
		}
		if (ng_smtp_parser_pending(p))
			ng_buf_puts(out, "+pending");
	}
	ng_buf_free(&content);
	ng_smtp_parser_free(p);
}

static void test_parser_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct parse_case *c = &pcases[i];
		ng_buf in, out;
		ng_buf_init(&in, 1 << 20);
		ng_buf_init(&out, 1 << 16);
		build_input(c, &in);
		for (size_t k = 0; k < NCHUNKS; k++) {
			ng_buf_reset(&out);
			parse_run(c, &in, chunks[k], &out);
			const char *got = out.data ? out.data : "";
			if (strcmp(got, c->want) != 0)
				fail_msg("parser \"%s\" (chunk %zu):\n got  %s\n want %s", c->name,
				         chunks[k], got, c->want);
		}
		ng_buf_free(&in);
		ng_buf_free(&out);
	}
}

/* The fields the summary leaves out: len, verb_text, and the lifetime. */
static void test_parser_fields(void **state)
{
	(void)state;
	struct ng_smtp_parser *p = ng_smtp_parser_new(NULL);
	assert_non_null(p);
	const char *in = "mail From:<a@b.example>  SIZE=42  \r\nxyz\n";
	size_t used;
	assert_int_equal(ng_smtp_parser_feed(p, in, strlen(in), &used), NG_SMTP_COMMAND);
	assert_int_equal(used, 36);
	const struct ng_smtp_cmd *c = ng_smtp_parser_command(p);
	assert_int_equal(c->verb, NG_SMTP_MAIL);
	assert_string_equal(c->verb_text, "mail");
	assert_int_equal(c->len, 36);
	assert_string_equal(c->path, "a@b.example");
	assert_true(c->has_size);
	assert_int_equal(c->size, 42);
	assert_false(ng_smtp_parser_pending(p));
	assert_int_equal(ng_smtp_parser_feed(p, in + used, strlen(in) - used, &used),
	                 NG_SMTP_COMMAND);
	c = ng_smtp_parser_command(p);
	assert_int_equal(c->err, NG_SMTP_EVERB);
	assert_string_equal(c->verb_text, "xyz");
	assert_int_equal(c->len, 4);
	/* the next feed forgets it; empty feeds take nothing */
	assert_int_equal(ng_smtp_parser_feed(p, "", 0, &used), NG_SMTP_MORE);
	assert_int_equal(used, 0);
	assert_null(ng_smtp_parser_command(p));
	size_t len = 1;
	assert_null(ng_smtp_parser_content(p, &len));
	assert_int_equal(len, 0);
	assert_string_equal(ng_smtp_verb_name(NG_SMTP_STARTTLS), "STARTTLS");
	assert_string_equal(ng_smtp_verb_name(NG_SMTP_NONE), "");
	ng_smtp_parser_free(p);
	ng_smtp_parser_free(NULL);
}

/* Content pieces point into the caller's bytes: nothing is copied. */
static void test_parser_zero_copy(void **state)
{
	(void)state;
	struct ng_smtp_parser *p = ng_smtp_parser_new(NULL);
	ng_smtp_parser_start_content(p);
	const char *in = "line one\r\nline two\r\n..dot\r\n.\r\n";
	size_t used, len;
	assert_int_equal(ng_smtp_parser_feed(p, in, strlen(in), &used), NG_SMTP_CONTENT);
	assert_int_equal(used, 20);
	const char *d = ng_smtp_parser_content(p, &len);
	assert_ptr_equal(d, in);
	assert_int_equal(len, 20);
	size_t off = used;
	assert_int_equal(ng_smtp_parser_feed(p, in + off, strlen(in) - off, &used),
	                 NG_SMTP_CONTENT);
	d = ng_smtp_parser_content(p, &len);
	assert_ptr_equal(d, in + 21); /* after the stuffed dot */
	assert_int_equal(len, 6);
	off += used;
	assert_int_equal(ng_smtp_parser_feed(p, in + off, strlen(in) - off, &used),
	                 NG_SMTP_CONTENT_END);
	assert_int_equal(off + used, strlen(in));
	assert_false(ng_smtp_parser_pending(p));
	ng_smtp_parser_free(p);
}

/* ======================================================================
 * The session
 * ====================================================================== */

enum close_how { C_NONE = 0, C_PEER, C_IDLE, C_LIFETIME, C_SHUTDOWN };

struct sess_case {
	const char *name;
	const char *input;
	const char *want;
	enum close_how close;
	unsigned max_commands;
	unsigned max_rcpts;
	uint64_t max_size;
	struct ng_smtp_limits lim;
};

#define EHLO       "EHLO client.example\r\n"
#define BOUNCE     "MAIL FROM:<>\r\n"
#define TRAP       "RCPT TO:<trap1@trap.example>\r\n"
#define TRAP2      "RCPT TO:<trap2@Trap2.Example.>\r\n"
#define OTHER      "RCPT TO:<victim@elsewhere.example>\r\n"
#define MSG        "DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n"
#define MSG_DATA   "data=\"Subject: x\\r\\n\\r\\nhi\\r\\n\""
#define GREET_EHLO "220 250"

static const struct sess_case scases[] = {
    {"greeting only", "", "220 ||", C_NONE, 0, 0, 0, {0}},
    {"greeting, then the peer goes", "", "220 || close", C_PEER, 0, 0, 0, {0}},
    {"bounce to a trap",
     EHLO BOUNCE TRAP MSG "QUIT\r\n",
     GREET_EHLO " 250 250 354 250 221 || msg#1 from=<> | end#1 message by=end of data from=<> "
                "rcpts=trap1@trap.example refused=0 size=18 callout=no " MSG_DATA " | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"two recipients, one transaction",
     EHLO BOUNCE TRAP TRAP2 MSG,
     GREET_EHLO
     " 250 250 250 354 250 || msg#1 from=<> | end#1 message by=end of data from=<> "
     "rcpts=trap1@trap.example,trap2@Trap2.Example. refused=0 size=18 callout=no " MSG_DATA,
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"two messages in one session",
     EHLO BOUNCE TRAP MSG "MAIL FROM:<a@b.example>\r\n" TRAP MSG,
     GREET_EHLO " 250 250 354 250 250 250 354 250 || msg#1 from=<> | end#1 message by=end of "
                "data from=<> rcpts=trap1@trap.example refused=0 size=18 callout=no " MSG_DATA
                " | msg#2 from=<a@b.example> | end#2 message by=end of data from=<a@b.example> "
                "rcpts=trap1@trap.example refused=0 size=18 callout=no " MSG_DATA,
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"HELO instead of EHLO",
     "HELO client.example\r\n" BOUNCE TRAP MSG,
     GREET_EHLO " 250 250 354 250 || msg#1 from=<> | end#1 message by=end of data from=<> "
                "rcpts=trap1@trap.example refused=0 size=18 callout=no " MSG_DATA,
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"no HELO at all",
     BOUNCE TRAP "QUIT\r\n",
     "220 250 250 221 || end#1 no-data by=QUIT from=<> rcpts=trap1@trap.example refused=0 "
     "size=0 callout=yes data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    /* callouts */
    {"callout ended by QUIT",
     EHLO BOUNCE TRAP "QUIT\r\n",
     GREET_EHLO " 250 250 221 || end#1 no-data by=QUIT from=<> rcpts=trap1@trap.example "
                "refused=0 size=0 callout=yes data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout ended by RSET",
     EHLO BOUNCE TRAP "RSET\r\n",
     GREET_EHLO " 250 250 250 || end#1 no-data by=RSET from=<> rcpts=trap1@trap.example "
                "refused=0 size=0 callout=yes data=\"\"",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout ended by a new MAIL",
     EHLO BOUNCE TRAP BOUNCE TRAP2 "RSET\r\n",
     GREET_EHLO " 250 250 250 250 250 || end#1 no-data by=MAIL from=<> rcpts=trap1@trap.example "
                "refused=0 size=0 callout=yes data=\"\" | end#2 no-data by=RSET from=<> "
                "rcpts=trap2@Trap2.Example. refused=0 size=0 callout=yes data=\"\"",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout ended by EHLO",
     EHLO BOUNCE TRAP EHLO,
     GREET_EHLO " 250 250 250 || end#1 no-data by=EHLO from=<> rcpts=trap1@trap.example "
                "refused=0 size=0 callout=yes data=\"\"",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout ended by a disconnect",
     EHLO BOUNCE TRAP,
     GREET_EHLO " 250 250 || end#1 no-data by=disconnect from=<> rcpts=trap1@trap.example "
                "refused=0 size=0 callout=yes data=\"\" | close",
     C_PEER,
     0,
     0,
     0,
     {0}},
    {"callout ended by the idle timeout",
     EHLO BOUNCE TRAP,
     GREET_EHLO " 250 250 421 || end#1 no-data by=idle timeout from=<> "
                "rcpts=trap1@trap.example refused=0 size=0 callout=yes data=\"\" | close",
     C_IDLE,
     0,
     0,
     0,
     {0}},
    {"callout from postmaster@",
     EHLO "MAIL FROM:<POSTMASTER@mx.example>\r\n" TRAP "QUIT\r\n",
     GREET_EHLO " 250 250 221 || end#1 no-data by=QUIT from=<POSTMASTER@mx.example> "
                "rcpts=trap1@trap.example refused=0 size=0 callout=yes data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout from mailer-daemon@",
     EHLO "MAIL FROM:<mailer-daemon@mx.example>\r\n" TRAP "QUIT\r\n",
     GREET_EHLO " 250 250 221 || end#1 no-data by=QUIT from=<mailer-daemon@mx.example> "
                "rcpts=trap1@trap.example refused=0 size=0 callout=yes data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"ordinary sender without DATA is no callout",
     EHLO "MAIL FROM:<alice@b.example>\r\n" TRAP "QUIT\r\n",
     GREET_EHLO " 250 250 221 || end#1 no-data by=QUIT from=<alice@b.example> "
                "rcpts=trap1@trap.example refused=0 size=0 callout=no data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"bounce sender without a recipient is no transaction",
     EHLO BOUNCE "RSET\r\nQUIT\r\n",
     GREET_EHLO " 250 250 221 || close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"callout only to a refused recipient is no callout",
     EHLO BOUNCE OTHER "QUIT\r\n",
     GREET_EHLO " 250 550 221 || end#1 no-data by=QUIT from=<> rcpts= refused=1 size=0 "
                "callout=no data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    /* relaying */
    {"relay refused, then DATA refused",
     EHLO "MAIL FROM:<a@b.example>\r\n" OTHER "DATA\r\nQUIT\r\n",
     GREET_EHLO " 250 550 554 221 || end#1 no-data by=QUIT from=<a@b.example> rcpts= refused=1 "
                "size=0 callout=no data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"relay refused beside a trap",
     EHLO BOUNCE OTHER TRAP MSG,
     GREET_EHLO " 250 550 250 354 250 || msg#1 from=<> | end#1 message by=end of data from=<> "
                "rcpts=trap1@trap.example refused=1 size=18 callout=no " MSG_DATA,
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"address literal and bare postmaster are not ours",
     EHLO BOUNCE "RCPT TO:<a@[127.0.0.1]>\r\nRCPT TO:<postmaster>\r\n"
                 "RCPT TO:<a@sub.trap.example>\r\n",
     GREET_EHLO " 250 550 550 550 || end#1 no-data by=disconnect from=<> rcpts= refused=3 "
                "size=0 callout=no data=\"\" | close",
     C_PEER,
     0,
     0,
     0,
     {0}},
    /* order */
    {"RCPT before MAIL", EHLO TRAP, GREET_EHLO " 503 ||", C_NONE, 0, 0, 0, {0}},
    {"DATA before MAIL", EHLO "DATA\r\n", GREET_EHLO " 503 ||", C_NONE, 0, 0, 0, {0}},
    {"DATA without recipients",
     EHLO BOUNCE "DATA\r\n",
     GREET_EHLO " 250 554 ||",
     C_NONE,
     0,
     0,
     0,
     {0}},
    /* caps */
    {"SIZE over the cap",
     EHLO "MAIL FROM:<> SIZE=1001\r\n" TRAP,
     GREET_EHLO " 552 503 ||",
     C_NONE,
     0,
     0,
     1000,
     {0}},
    {"SIZE at the cap",
     EHLO "MAIL FROM:<> SIZE=1000\r\n",
     GREET_EHLO " 250 ||",
     C_NONE,
     0,
     0,
     1000,
     {0}},
    {"content over the cap",
     EHLO BOUNCE TRAP "DATA\r\n0123456789\r\n0123456789\r\n.\r\nQUIT\r\n",
     GREET_EHLO
     " 250 250 354 552 221 || msg#1 from=<> | end#1 oversize by=end of data from=<> "
     "rcpts=trap1@trap.example refused=0 size=24 callout=no data=\"0123456789\\r\\n01234567\" | "
     "close",
     C_NONE,
     0,
     0,
     20,
     {0}},
    {"content at the cap",
     EHLO BOUNCE TRAP "DATA\r\n0123456789\r\n0123456\r\n.\r\n",
     GREET_EHLO " 250 250 354 250 || msg#1 from=<> | end#1 message by=end of data from=<> "
                "rcpts=trap1@trap.example refused=0 size=21 callout=no "
                "data=\"0123456789\\r\\n0123456\\r\\n\"",
     C_NONE,
     0,
     0,
     21,
     {0}},
    {"too many recipients",
     EHLO BOUNCE TRAP TRAP2 "RCPT TO:<trap3@trap.example>\r\nQUIT\r\n",
     GREET_EHLO " 250 250 250 452 221 || end#1 no-data by=QUIT from=<> "
                "rcpts=trap1@trap.example,trap2@Trap2.Example. refused=1 size=0 callout=yes "
                "data=\"\" | close",
     C_NONE,
     0,
     2,
     0,
     {0}},
    {"too many commands",
     EHLO BOUNCE TRAP "NOOP\r\nNOOP\r\nNOOP\r\n",
     GREET_EHLO " 250 250 250 250 421 || end#1 no-data by=too many commands from=<> "
                "rcpts=trap1@trap.example refused=0 size=0 callout=yes data=\"\" | close",
     C_NONE,
     5,
     0,
     0,
     {0}},
    {"too many commands counts bad ones",
     "x\r\ny\r\nz\r\nQUIT\r\n",
     "220 500 500 421 || close",
     C_NONE,
     2,
     0,
     0,
     {0}},
    {"input after QUIT is ignored", "QUIT\r\nNOOP\r\n", "220 221 || close", C_NONE, 0, 0, 0, {0}},
    /* errors */
    {"unknown command", "XYZZY\r\n", "220 500 ||", C_NONE, 0, 0, 0, {0}},
    {"STARTTLS, AUTH, BDAT, ETRN, TURN are not offered",
     "STARTTLS\r\nAUTH PLAIN x\r\nBDAT 1 LAST\r\nETRN x\r\nTURN\r\n",
     "220 502 502 502 502 502 ||",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"VRFY EXPN HELP NOOP",
     "VRFY a\r\nEXPN b\r\nHELP\r\nNOOP\r\n",
     "220 252 502 214 250 ||",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"bad sender syntax", "MAIL FROM:<a b>\r\n", "220 501 ||", C_NONE, 0, 0, 0, {0}},
    {"bad recipient syntax", BOUNCE "RCPT TO:<>\r\n", "220 250 501 ||", C_NONE, 0, 0, 0, {0}},
    {"unsupported parameter", "MAIL FROM:<> RET=FULL\r\n", "220 555 ||", C_NONE, 0, 0, 0, {0}},
    {"bad SIZE", "MAIL FROM:<> SIZE=x\r\n", "220 501 ||", C_NONE, 0, 0, 0, {0}},
    {"HELO without a name", "HELO\r\n", "220 501 ||", C_NONE, 0, 0, 0, {0}},
    {"flood closes",
     "NOOP\r\nHELO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "220 250 421 || close",
     C_NONE,
     0,
     0,
     0,
     {.line_max = 16, .flood_max = 64}},
    /* the end of a session */
    {"disconnect in the middle of the content",
     EHLO BOUNCE TRAP "DATA\r\nSubject: half\r\n",
     GREET_EHLO " 250 250 354 || msg#1 from=<> | end#1 cut by=disconnect from=<> "
                "rcpts=trap1@trap.example refused=0 size=15 callout=no "
                "data=\"Subject: half\\r\\n\" | close",
     C_PEER,
     0,
     0,
     0,
     {0}},
    {"shutdown while idle", EHLO, GREET_EHLO " 421 || close", C_SHUTDOWN, 0, 0, 0, {0}},
    {"session too long", EHLO BOUNCE, GREET_EHLO " 250 421 || close", C_LIFETIME, 0, 0, 0, {0}},
    /* pipelining and content details */
    {"pipelined transaction after a message",
     EHLO BOUNCE TRAP MSG BOUNCE TRAP "RSET\r\nQUIT\r\n",
     GREET_EHLO " 250 250 354 250 250 250 250 221 || msg#1 from=<> | end#1 message by=end of "
                "data from=<> rcpts=trap1@trap.example refused=0 size=18 callout=no " MSG_DATA
                " | end#2 no-data by=RSET from=<> rcpts=trap1@trap.example refused=0 size=0 "
                "callout=yes data=\"\" | close",
     C_NONE,
     0,
     0,
     0,
     {0}},
    {"dot-stuffed content",
     EHLO BOUNCE TRAP "DATA\r\n..x\r\n.\r\n",
     GREET_EHLO " 250 250 354 250 || msg#1 from=<> | end#1 message by=end of data from=<> "
                "rcpts=trap1@trap.example refused=0 size=4 callout=no data=\".x\\r\\n\"",
     C_NONE,
     0,
     0,
     0,
     {0}},
};

static const char *close_name(enum close_how h)
{
	static const char *const names[] = {"", "peer", "idle", "lifetime", "shutdown"};
	return names[h];
}

struct sess_run {
	ng_buf out;     /* the replies, raw */
	ng_buf events;  /* the summary of the events */
	ng_buf content; /* the content of the message being received */
};

static void take_output(struct ng_smtp_session *s, struct sess_run *r)
{
	size_t len;
	const char *o = ng_smtp_session_output(s, &len);
	if (len > 0) {
		assert_non_null(o);
		ng_buf_append(&r->out, o, len);
		ng_smtp_session_consume(s, len);
	}
	assert_null(ng_smtp_session_output(s, &len));
	assert_int_equal(len, 0);
}

static void event(struct ng_smtp_session *s, enum ng_smtp_event ev, struct sess_run *r)
{
	const struct ng_smtp_txn *t = ng_smtp_session_txn(s);
	switch (ev) {
	case NG_SMTP_EV_NONE:
		break;
	case NG_SMTP_EV_MESSAGE:
		assert_non_null(t);
		sep(&r->events);
		ng_buf_printf(&r->events, "msg#%lu from=<%s>", t->id, t->sender);
		ng_buf_reset(&r->content);
		break;
	case NG_SMTP_EV_CONTENT: {
		size_t len;
		const char *d = ng_smtp_session_content(s, &len);
		assert_non_null(d);
		assert_non_null(t);
		ng_buf_append(&r->content, d, len);
		break;
	}
	case NG_SMTP_EV_TXN_END:
		assert_non_null(t);
		sep(&r->events);
		ng_buf_printf(&r->events, "end#%lu %s by=%s from=<%s> rcpts=", t->id,
		              ng_smtp_txn_end_name(t->end), t->ended_by, t->sender);
		for (size_t i = 0; i < t->nrcpt; i++)
			ng_buf_printf(&r->events, "%s%s", i > 0 ? "," : "", t->rcpt[i]);
		assert_null(t->rcpt[t->nrcpt]);
		ng_buf_printf(&r->events, " refused=%u size=%llu callout=%s data=\"", t->refused,
		              (unsigned long long)t->size, t->callout ? "yes" : "no");
		if (t->end == NG_SMTP_END_NO_DATA)
			ng_buf_reset(&r->content);
		escape(&r->events, r->content.data != NULL ? r->content.data : "", r->content.len);
		ng_buf_puts(&r->events, "\"");
		ng_buf_reset(&r->content);
		break;
	case NG_SMTP_EV_CLOSE:
		assert_null(t);
		sep(&r->events);
		ng_buf_puts(&r->events, "close");
		break;
	}
}

/* The code of the last line of each reply: "220 250 ..." */
static void reply_codes(const ng_buf *out, ng_buf *codes)
{
	const char *p = out->data != NULL ? out->data : "";
	const char *end = p + out->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		assert_true(nl > p && nl[-1] == '\r');
		if (nl - p >= 4 && p[3] == ' ') {
			if (codes->len > 0)
				ng_buf_puts(codes, " ");
			ng_buf_append(codes, p, 3);
		}
		p = nl + 1;
	}
}

static struct ng_smtp_session *new_session(const struct sess_case *c)
{
	static const char *const domains[] = {"trap.example", "TRAP2.example"};
	struct ng_smtp_session_opts o = {.hostname = "trap.test",
	                                 .domains = domains,
	                                 .ndomains = 2,
	                                 .max_size = c->max_size,
	                                 .max_commands = c->max_commands,
	                                 .max_rcpts = c->max_rcpts,
	                                 .lim = c->lim};
	struct ng_smtp_session *s = ng_smtp_session_new(&o);
	assert_non_null(s);
	return s;
}

static void sess_run(const struct sess_case *c, size_t chunk, ng_buf *summary)
{
	struct sess_run r;
	ng_buf_init(&r.out, 1 << 20);
	ng_buf_init(&r.events, 1 << 16);
	ng_buf_init(&r.content, 1 << 16);
	struct ng_smtp_session *s = new_session(c);
	const char *in = c->input;
	size_t len = strlen(in), off = 0;
	bool closed = false;
	take_output(s, &r);
	while (!closed) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		size_t pos = 0;
		for (;;) {
			size_t used;
			enum ng_smtp_event ev =
			    ng_smtp_session_feed(s, in + off + pos, n - pos, &used);
			assert_true(used <= n - pos);
			pos += used;
			event(s, ev, &r);
			take_output(s, &r);
			if (ev == NG_SMTP_EV_CLOSE) {
				closed = true;
				break;
			}
			if (ev == NG_SMTP_EV_NONE && pos == n)
				break;
		}
		off += n;
		if (off == len)
			break;
	}
	if (!closed && c->close != C_NONE) {
		static const enum ng_smtp_close how[] = {0, NG_SMTP_CLOSE_PEER, NG_SMTP_CLOSE_IDLE,
		                                         NG_SMTP_CLOSE_LIFETIME,
		                                         NG_SMTP_CLOSE_SHUTDOWN};
		enum ng_smtp_event ev = ng_smtp_session_close(s, how[c->close]);
		event(s, ev, &r);
		if (ev == NG_SMTP_EV_TXN_END) {
			ev = ng_smtp_session_close(s, how[c->close]);
			assert_int_equal(ev, NG_SMTP_EV_CLOSE);
			event(s, ev, &r);
		}
		take_output(s, &r);
	}
	if (closed || c->close != C_NONE) {
		size_t used = 9;
		assert_int_equal(ng_smtp_session_feed(s, "NOOP\r\n", 6, &used), NG_SMTP_EV_CLOSE);
		assert_int_equal(used, 0);
		assert_int_equal(ng_smtp_session_close(s, NG_SMTP_CLOSE_PEER), NG_SMTP_EV_CLOSE);
	}
	reply_codes(&r.out, summary);
	ng_buf_puts(summary, " ||");
	if (r.events.len > 0) {
		ng_buf_puts(summary, " ");
		ng_buf_append(summary, r.events.data, r.events.len);
	}
	ng_smtp_session_free(s);
	ng_buf_free(&r.out);
	ng_buf_free(&r.events);
	ng_buf_free(&r.content);
}

static void test_session_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		const struct sess_case *c = &scases[i];
		ng_buf got;
		ng_buf_init(&got, 1 << 16);
		for (size_t k = 0; k < NCHUNKS; k++) {
			ng_buf_reset(&got);
			sess_run(c, chunks[k], &got);
			const char *g = got.data != NULL ? got.data : "";
			if (strcmp(g, c->want) != 0)
				fail_msg(
				    "session \"%s\" (chunk %zu, close=%s):\n got  %s\n want %s",
				    c->name, chunks[k], close_name(c->close), g, c->want);
		}
		ng_buf_free(&got);
	}
}

/* The exact text of the greeting and the EHLO reply. */
static void test_session_ehlo(void **state)
{
	(void)state;
	static const char *const domains[] = {"trap.example"};
	struct ng_smtp_session_opts o = {
	    .hostname = "mx.trap.test", .domains = domains, .ndomains = 1, .max_size = 12345};
	struct ng_smtp_session *s = ng_smtp_session_new(&o);
	size_t used, len;
	const char *out = ng_smtp_session_output(s, &len);
	assert_int_equal(len, strlen("220 mx.trap.test ESMTP\r\n"));
	assert_memory_equal(out, "220 mx.trap.test ESMTP\r\n", len);
	ng_smtp_session_consume(s, 4); /* a partial take keeps the rest */
	out = ng_smtp_session_output(s, &len);
	assert_memory_equal(out, "mx.trap.test ESMTP\r\n", len);
	ng_smtp_session_consume(s, len);
	const char *in = "EHLO c\r\n";
	assert_int_equal(ng_smtp_session_feed(s, in, strlen(in), &used), NG_SMTP_EV_NONE);
	out = ng_smtp_session_output(s, &len);
	const char *want = "250-mx.trap.test\r\n250-PIPELINING\r\n250-SIZE 12345\r\n"
	                   "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	ng_smtp_session_free(s);
	ng_smtp_session_free(NULL);
	/* no host name: localhost; a long one is cut */
	char longname[400];
	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	o.hostname = NULL;
	s = ng_smtp_session_new(&o);
	out = ng_smtp_session_output(s, &len);
	assert_memory_equal(out, "220 localhost ESMTP\r\n", len);
	ng_smtp_session_free(s);
	o.hostname = longname;
	s = ng_smtp_session_new(&o);
	out = ng_smtp_session_output(s, &len);
	assert_int_equal(len, 4 + NG_SMTP_HOSTNAME_MAX + 8);
	ng_smtp_session_free(s);
}

/* A peer that pipelines without reading: parsing stops while the replies
 * wait, and goes on once they are taken; nothing is lost. */
static void test_session_backlog(void **state)
{
	(void)state;
	static const char *const domains[] = {"trap.example"};
	struct ng_smtp_session_opts o = {.hostname = "h", .domains = domains, .ndomains = 1};
	struct ng_smtp_session *s = ng_smtp_session_new(&o);
	ng_buf in;
	ng_buf_init(&in, 1 << 20);
	for (int i = 0; i < 5000; i++)
		ng_buf_puts(&in, "NOOP\r\n");
	size_t off = 0, replies = 0, len, stalls = 0;
	while (off < in.len) {
		size_t used;
		assert_int_equal(ng_smtp_session_feed(s, in.data + off, in.len - off, &used),
		                 NG_SMTP_EV_NONE);
		off += used;
		const char *out = ng_smtp_session_output(s, &len);
		assert_true(len <= NG_SMTP_OUTPUT_MAX);
		if (off < in.len)
			stalls++;
		for (size_t i = 0; i < len; i++)
			replies += out[i] == '\n';
		ng_smtp_session_consume(s, len);
	}
	assert_int_equal(replies, 5001); /* the greeting and every NOOP */
	assert_true(stalls > 0);
	assert_int_equal(ng_smtp_session_counts(s)->commands, 5000);
	ng_smtp_session_free(s);
	ng_buf_free(&in);
}

/* The caller's bounce-sender rule replaces the default one; counters. */
static bool only_bounces_example(void *arg, const char *sender)
{
	(*(int *)arg)++;
	return strcmp(sender, "bounces@example.net") == 0;
}

static void test_session_bounce_rule(void **state)
{
	(void)state;
	static const char *const domains[] = {"trap.example"};
	int calls = 0;
	struct ng_smtp_session_opts o = {.domains = domains,
	                                 .ndomains = 1,
	                                 .is_bounce_sender = only_bounces_example,
	                                 .bounce_arg = &calls};
	struct ng_smtp_session *s = ng_smtp_session_new(&o);
	const char *in = "MAIL FROM:<>\r\n" TRAP "MAIL FROM:<bounces@example.net>\r\n" TRAP OTHER
	                 "RSET\r\nFOO\r\n";
	size_t len = strlen(in), off = 0, used;
	enum ng_smtp_event ev = ng_smtp_session_feed(s, in, len, &used);
	off += used;
	assert_int_equal(ev, NG_SMTP_EV_TXN_END);
	assert_false(ng_smtp_session_txn(s)->callout); /* <> is not a bounce sender here */
	assert_false(ng_smtp_session_txn(s)->bounce_sender);
	ev = ng_smtp_session_feed(s, in + off, len - off, &used);
	off += used;
	assert_int_equal(ev, NG_SMTP_EV_TXN_END);
	const struct ng_smtp_txn *t = ng_smtp_session_txn(s);
	assert_true(t->callout);
	assert_int_equal(t->refused, 1);
	assert_string_equal(t->ended_by, "RSET");
	assert_string_equal(t->helo, "");
	assert_false(t->esmtp);
	ev = ng_smtp_session_feed(s, in + off, len - off, &used);
	assert_int_equal(ev, NG_SMTP_EV_NONE);
	assert_null(ng_smtp_session_txn(s));
	assert_int_equal(calls, 2);
	const struct ng_smtp_counts *n = ng_smtp_session_counts(s);
	assert_int_equal(n->commands, 7);
	assert_int_equal(n->relay_refused, 1);
	assert_int_equal(n->bad_commands, 1);
	assert_string_equal(ng_smtp_txn_end_name(NG_SMTP_END_CUT), "cut");
	ng_smtp_session_free(s);
}

/* The envelope keeps HELO, ESMTP, SIZE and BODY for the transaction. */
static void test_session_envelope(void **state)
{
	(void)state;
	static const char *const domains[] = {"trap.example"};
	struct ng_smtp_session_opts o = {.domains = domains, .ndomains = 1};
	struct ng_smtp_session *s = ng_smtp_session_new(&o);
	const char *in =
	    "EHLO first.example\r\nMAIL FROM:<a@b.example> SIZE=99 BODY=8BITMIME\r\n" TRAP
	    "EHLO second.example\r\n";
	size_t used;
	assert_int_equal(ng_smtp_session_feed(s, in, 20, &used), NG_SMTP_EV_NONE);
	assert_false(ng_smtp_session_in_txn(s));
	assert_int_equal(ng_smtp_session_feed(s, in + 20, 47, &used), NG_SMTP_EV_NONE);
	assert_true(ng_smtp_session_in_txn(s));
	ng_smtp_session_free(s);
	s = ng_smtp_session_new(&o);
	assert_int_equal(ng_smtp_session_feed(s, in, strlen(in), &used), NG_SMTP_EV_TXN_END);
	assert_int_equal(used, strlen(in));
	const struct ng_smtp_txn *t = ng_smtp_session_txn(s);
	assert_string_equal(t->helo, "first.example");
	assert_true(t->esmtp);
	assert_true(t->has_size);
	assert_int_equal(t->declared_size, 99);
	assert_int_equal(t->body, NG_SMTP_BODY_8BITMIME);
	assert_int_equal(t->id, 1);
	assert_string_equal(t->ended_by, "EHLO");
	assert_false(t->callout);
	assert_false(ng_smtp_session_in_txn(s));
	const char *msg = "MAIL FROM:<>\r\n" TRAP "DATA\r\n";
	assert_int_equal(ng_smtp_session_feed(s, msg, strlen(msg), &used), NG_SMTP_EV_MESSAGE);
	assert_true(ng_smtp_session_in_txn(s));
	assert_int_equal(ng_smtp_session_feed(s, ".\r\n", 3, &used), NG_SMTP_EV_TXN_END);
	assert_false(ng_smtp_session_in_txn(s));
	ng_smtp_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_cases),        cmocka_unit_test(test_parser_fields),
	    cmocka_unit_test(test_parser_zero_copy),    cmocka_unit_test(test_session_cases),
	    cmocka_unit_test(test_session_ehlo),        cmocka_unit_test(test_session_backlog),
	    cmocka_unit_test(test_session_bounce_rule), cmocka_unit_test(test_session_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
