/*
 * test_request.c - unit tests of the Postfix policy request parser
 * (ng_policy_parser_* in include/ndrguard/policy.h).
 *
 * One table of named cases.  Each input is fed whole, byte by byte and in
 * chunks of 2, 3, 7 and 64 bytes; every cutting must give the same
 * requests, which the case states as a compact summary:
 *
 *   ok n=ATTRS s=SENDER r=RECIPIENT c=CLIENT   a good request (NULL = -)
 *   bad:ERROR                                  a malformed one
 *   |                                          between requests
 *   +pending                                   bytes of an unfinished request
 *   FLOOD                                      the parser gave up
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

#include <ndrguard/policy.h>

#include "util/buf.h"
#include "util/limits.h"

#define REQ(extra)                                                                                 \
	"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"                  \
	"client_address=192.0.2.1\nclient_name=mx.example.net\nhelo_name=mx.example.net\n"         \
	"queue_id=\nsender=\nrecipient=bob@example.org\ninstance=1a2b.5f3c.0\n" extra "\n"
#define OK12  "ok n=10 s= r=bob@example.org c=192.0.2.1"
#define SMALL "sender=x\n\n" /* a request within the tiny caps of some cases */
#define OKS   "ok n=1 s=x r=- c=-"

struct req_case {
	const char *name;
	const char *input; /* NULL: built by the test (big inputs) */
	const char *want;
	struct ng_policy_limits lim;
};

static const struct req_case cases[] = {
    {"one request", REQ(""), OK12, {0}},
    {"unknown attributes ignored",
     REQ("ccert_subject=x\nfuture_attr=1\n"),
     "ok n=12 s= r=bob@example.org c=192.0.2.1",
     {0}},
    {"pipelined three", REQ("") REQ("") REQ(""), OK12 "|" OK12 "|" OK12, {0}},
    {"CRLF",
     "request=smtpd_access_policy\r\nsender=a@b.example\r\nrecipient=c@d.example\r\n"
     "client_address=2001:db8::1\r\n\r\n",
     "ok n=4 s=a@b.example r=c@d.example c=2001:db8::1",
     {0}},
    {"value with = and spaces",
     "sender=a=b c@x.example\n\n",
     "ok n=1 s=a=b c@x.example r=- c=-",
     {0}},
    {"missing attributes are NULL", "request=smtpd_access_policy\n\n", "ok n=1 s=- r=- c=-", {0}},
    {"garbage line",
     "hello world\nsender=x@y.example\n\n" REQ(""),
     "bad:line without '='|" OK12,
     {0}},
    {"garbage only", "GET / HTTP/1.0\r\nHost: x\r\n\r\n", "bad:line without '='", {0}},
    {"empty name", "=value\n\n", "bad:empty attribute name", {0}},
    {"empty request", "\n" REQ(""), "bad:empty request|" OK12, {0}},
    {"lone CR line ends the request",
     "sender=a@b.example\n\r\n",
     "ok n=1 s=a@b.example r=- c=-",
     {0}},
    {"attribute sent twice",
     "sender=a@b.example\nsender=\n\n" REQ(""),
     "bad:attribute sent twice|" OK12,
     {0}},
    {"NUL byte", NULL, "bad:NUL byte in a line|" OK12, {0}},
    {"too many attributes",
     "a=1\nb=2\nc=3\nd=4\n\n" SMALL,
     "bad:too many attributes|" OKS,
     {.attrs_max = 3}},
    {"name too long", "abcdefghi=1\n\n" SMALL, "bad:attribute name too long|" OKS, {.name_max = 8}},
    {"value too long",
     "sender=0123456789\n\n" SMALL,
     "bad:attribute value too long|" OKS,
     {.value_max = 9, .name_max = 8}},
    {"line too long",
     "sender=0123456789abcdefghij\n\n" SMALL,
     "bad:line too long|" OKS,
     {.value_max = 9, .name_max = 8}},
    {"request too large", NULL, "bad:request too large|" OK12, {0}},
    {"request too large by its empty line",
     "a=1234567\n\n" SMALL,
     "bad:request too large|" OKS,
     {.request_max = 10}},
    {"unfinished", "sender=a@b.example\nrecip", "+pending", {0}},
    {"unfinished after a request", REQ("") "sender=", OK12 "+pending", {0}},
    {"flood",
     "x=1\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n\nz=1\n\n",
     "FLOOD",
     {.request_max = 8, .flood_max = 40}},
    {"flood in one line",
     "x=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
     "FLOOD",
     {.request_max = 8, .flood_max = 40}},
};

/* The big or binary inputs of the table. */
static void build_input(const struct req_case *c, ng_buf *in)
{
	if (c->input != NULL) {
		ng_buf_puts(in, c->input);
	} else if (strcmp(c->name, "NUL byte") == 0) {
		ng_buf_append(in, "sender=a\0b\n\n", 12);
		ng_buf_puts(in, REQ(""));
	} else if (strcmp(c->name, "request too large") == 0) {
		/* 40 lines of 1000 bytes: past 16 KiB, every line within its caps */
		char line[1001];
		memset(line, 'v', sizeof(line));
		memcpy(line, "xattr=", 6);
		line[1000] = '\n';
		for (int i = 0; i < 40; i++)
			ng_buf_append(in, line, sizeof(line));
		ng_buf_puts(in, "\n" REQ(""));
	}
	assert_false(in->overflow || in->failed);
}

static void summarize(const struct ng_policy_request *r, ng_buf *out)
{
	if (out->len > 0)
		ng_buf_puts(out, "|");
	if (r->malformed) {
		ng_buf_printf(out, "bad:%s", r->error ? r->error : "(no error)");
		return;
	}
	ng_buf_printf(out, "ok n=%zu s=%s r=%s c=%s", r->nattrs, r->sender ? r->sender : "-",
	              r->recipient ? r->recipient : "-",
	              r->client_address ? r->client_address : "-");
}

/* Feed `in` in chunks of `chunk` bytes (0: whole); the summary into out. */
static void run(const struct req_case *c, const ng_buf *in, size_t chunk, ng_buf *out)
{
	struct ng_policy_parser *p = ng_policy_parser_new(&c->lim);
	assert_non_null(p);
	size_t off = 0;
	bool flood = false;
	while (off < in->len && !flood) {
		size_t n = chunk == 0 ? in->len - off : chunk;
		if (n > in->len - off)
			n = in->len - off;
		size_t pos = 0;
		while (pos < n) {
			size_t used = 0;
			enum ng_policy_feed st =
			    ng_policy_parser_feed(p, in->data + off + pos, n - pos, &used);
			if (used > n - pos)
				fail_msg("%s: used %zu of %zu bytes", c->name, used, n - pos);
			pos += used;
			if (st == NG_POLICY_FLOOD) {
				flood = true;
				break;
			}
			if (st == NG_POLICY_REQUEST) {
				const struct ng_policy_request *r = ng_policy_parser_request(p);
				assert_non_null(r);
				summarize(r, out);
			} else {
				assert_int_equal(pos, n);
				assert_null(ng_policy_parser_request(p));
			}
		}
		off += n;
	}
	if (flood) {
		size_t used = 1;
		assert_int_equal(ng_policy_parser_feed(p, "\n", 1, &used), NG_POLICY_FLOOD);
		assert_int_equal(used, 0);
		ng_buf_reset(out);
		ng_buf_puts(out, "FLOOD");
	} else if (ng_policy_parser_pending(p)) {
		ng_buf_puts(out, "+pending");
	}
	ng_policy_parser_free(p);
}

static void test_cases(void **state)
{
	(void)state;
	static const size_t chunks[] = {0, 1, 2, 3, 7, 64};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct req_case *c = &cases[i];
		ng_buf in, out;
		ng_buf_init(&in, 1 << 20);
		ng_buf_init(&out, 1 << 16);
		build_input(c, &in);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			ng_buf_reset(&out);
			run(c, &in, chunks[k], &out);
			const char *got = out.data ? out.data : "";
			if (strcmp(got, c->want) != 0)
				fail_msg("request \"%s\" (chunk %zu):\n got  %s\n want %s", c->name,
				         chunks[k], got, c->want);
		}
		ng_buf_free(&in);
		ng_buf_free(&out);
	}
}

/* Every known attribute lands in its field; the strings stay valid until
 * the next feed and the store is reused. */
static void test_fields(void **state)
{
	(void)state;
	const char *in = "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
	                 "protocol_name=SMTP\nclient_address=198.51.100.7\nclient_name=unknown\n"
	                 "reverse_client_name=r.example\nhelo_name=h.example\nsender=MAILER-DAEMON@"
	                 "x.example\nrecipient=a@b.example\nrecipient_count=3\nqueue_id=ABC123\n"
	                 "instance=9.9.9\nsasl_username=joe\nsize=12345\n\n";
	struct ng_policy_parser *p = ng_policy_parser_new(NULL);
	size_t used;
	assert_int_equal(ng_policy_parser_feed(p, in, strlen(in), &used), NG_POLICY_REQUEST);
	assert_int_equal(used, strlen(in));
	const struct ng_policy_request *r = ng_policy_parser_request(p);
	assert_string_equal(r->request, "smtpd_access_policy");
	assert_string_equal(r->protocol_state, "END-OF-MESSAGE");
	assert_string_equal(r->protocol_name, "SMTP");
	assert_string_equal(r->client_address, "198.51.100.7");
	assert_string_equal(r->client_name, "unknown");
	assert_string_equal(r->reverse_client_name, "r.example");
	assert_string_equal(r->helo_name, "h.example");
	assert_string_equal(r->sender, "MAILER-DAEMON@x.example");
	assert_string_equal(r->recipient, "a@b.example");
	assert_string_equal(r->recipient_count, "3");
	assert_string_equal(r->queue_id, "ABC123");
	assert_string_equal(r->instance, "9.9.9");
	assert_string_equal(r->sasl_username, "joe");
	assert_string_equal(r->size, "12345");
	assert_int_equal(r->nattrs, 14);
	assert_int_equal(r->bytes, strlen(in));
	assert_false(r->malformed);
	assert_null(r->error);
	/* the next feed forgets it */
	assert_int_equal(ng_policy_parser_feed(p, "x", 1, &used), NG_POLICY_MORE);
	assert_null(ng_policy_parser_request(p));
	assert_true(ng_policy_parser_pending(p));
	ng_policy_parser_free(p);
	ng_policy_parser_free(NULL);
}

/* A request exactly at the cap is fine; one byte more is not. */
static void test_size_edge(void **state)
{
	(void)state;
	struct ng_policy_limits lim = {.request_max = 12};
	const char *exact = "sender=abc\n\n"; /* 12 bytes */
	const char *over = "sender=abcd\n\n";
	struct ng_policy_parser *p = ng_policy_parser_new(&lim);
	size_t used;
	assert_int_equal(ng_policy_parser_feed(p, exact, strlen(exact), &used), NG_POLICY_REQUEST);
	assert_false(ng_policy_parser_request(p)->malformed);
	assert_int_equal(ng_policy_parser_feed(p, over, strlen(over), &used), NG_POLICY_REQUEST);
	assert_true(ng_policy_parser_request(p)->malformed);
	assert_string_equal(ng_policy_parser_request(p)->error, "request too large");
	ng_policy_parser_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_size_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
