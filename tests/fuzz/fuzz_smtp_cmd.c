/*
 * fuzz_smtp_cmd.c - libFuzzer target for the SMTP server's parser and
 * session (include/ndrguard/smtp.h): what a hostile client can send to
 * `ndrguard trapd`.
 *
 * The first input byte picks the chunk size of the second pass and
 * whether the caps are the defaults or tiny ones (so that the line, flood,
 * size, command and recipient caps are reached by short inputs); the rest
 * is what a client would send on one connection.
 *
 * Oracles beyond the sanitizers:
 *   - smtp.h promises that nothing depends on how the bytes are cut: a
 *     digest of every command (verb, error, argument, path, parameters),
 *     every content byte and every end, from one feed, must equal the
 *     digest from small feeds; the same for the session's replies and
 *     events;
 *   - a feed never reports more bytes used than it was given; a command
 *     without error is no longer than the line cap, and its path holds no
 *     control byte or blank outside quotes;
 *   - every reply line is "DDD" + ' ' or '-' + text + CRLF, shorter than
 *     512 bytes (RFC 5321 4.5.3.1.5), and what waits never passes
 *     NG_SMTP_OUTPUT_MAX;
 *   - a transaction has at most max_rcpts recipients, is a callout only
 *     without content from a bounce sender with a recipient, and no more
 *     than max_size content bytes are handed on.
 *
 * Built as a libFuzzer target with NG_FUZZ, and linked with replay.c as an
 * ordinary program that replays tests/fuzz/seeds-smtp_cmd under CTest.
 */
#include <ndrguard/smtp.h>

#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mix(uint64_t *h, const void *d, size_t n)
{
	const unsigned char *s = d;
	for (size_t i = 0; i < n; i++) {
		*h ^= s[i];
		*h *= 0x100000001b3ULL;
	}
}

static void mix_str(uint64_t *h, const char *s)
{
	if (s == NULL) {
		mix(h, "\xff", 1);
		return;
	}
	mix(h, s, strlen(s) + 1);
}

static void mix_u64(uint64_t *h, uint64_t v)
{
	mix(h, &v, sizeof(v));
}

static void check_path(const char *p)
{
	int quoted = 0;
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || (!quoted && c == ' '))
			abort();
		if (quoted && c == '\\' && p[1] != '\0')
			p++; /* a quoted pair */
		else if (c == '"')
			quoted = !quoted;
	}
}

/* ----- the parser alone ----- */

static uint64_t parse(const uint8_t *in, size_t len, size_t chunk, const struct ng_smtp_limits *lim)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t line_max = lim->line_max != 0 ? lim->line_max : NG_SMTP_LINE_MAX;
	struct ng_smtp_parser *p = ng_smtp_parser_new(lim);
	if (p == NULL)
		abort();
	size_t off = 0;
	while (off < len) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		size_t pos = 0;
		while (pos < n) {
			size_t used;
			enum ng_smtp_feed st =
			    ng_smtp_parser_feed(p, (const char *)in + off + pos, n - pos, &used);
			if (used > n - pos)
				abort();
			pos += used;
			if (st == NG_SMTP_FLOOD) {
				mix(&h, "F", 1);
				ng_smtp_parser_free(p);
				return h;
			}
			if (st == NG_SMTP_COMMAND) {
				const struct ng_smtp_cmd *c = ng_smtp_parser_command(p);
				if (c == NULL || (c->err == NG_SMTP_OK && c->len > line_max))
					abort();
				if ((c->err == NG_SMTP_OK) != (c->why == NULL))
					abort();
				if (c->path != NULL)
					check_path(c->path);
				mix(&h, &c->verb, sizeof(c->verb));
				mix(&h, &c->err, sizeof(c->err));
				mix_str(&h, c->arg);
				mix_str(&h, c->path);
				mix_str(&h, c->verb_text);
				mix_u64(&h, c->has_size ? c->size : ~0ULL);
				mix(&h, &c->body, sizeof(c->body));
				mix_u64(&h, c->len);
				if (c->verb == NG_SMTP_DATA && c->err == NG_SMTP_OK)
					ng_smtp_parser_start_content(p);
			} else if (st == NG_SMTP_CONTENT) {
				size_t clen;
				const char *d = ng_smtp_parser_content(p, &clen);
				if (d == NULL || clen == 0)
					abort();
				mix(&h, d, clen); /* the content bytes, not the cuts */
			} else if (st == NG_SMTP_CONTENT_END) {
				mix(&h, "\0E", 2);
			} else if (pos != n) {
				abort();
			}
		}
		off += n;
	}
	mix(&h, ng_smtp_parser_pending(p) ? "P" : "p", 1);
	ng_smtp_parser_free(p);
	return h;
}

/* ----- the session ----- */

struct sess_opts {
	struct ng_smtp_session_opts o;
	uint64_t max_size;
	unsigned max_rcpts;
};

static void check_replies(const char *o, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (o[i] != '\n')
			continue;
		size_t l = i + 1 - start;
		const char *r = o + start;
		if (l < 6 || l >= 512 || r[l - 2] != '\r')
			abort();
		for (int k = 0; k < 3; k++)
			if (r[k] < '0' || r[k] > '9')
				abort();
		if (r[3] != ' ' && r[3] != '-')
			abort();
		for (size_t k = 0; k + 2 < l; k++)
			if ((unsigned char)r[k] < 0x20)
				abort();
		start = i + 1;
	}
	if (start != len)
		abort(); /* replies leave whole */
}

static void take(struct ng_smtp_session *s, uint64_t *h)
{
	size_t len;
	const char *o = ng_smtp_session_output(s, &len);
	if (len > NG_SMTP_OUTPUT_MAX)
		abort();
	if (len == 0)
		return;
	check_replies(o, len);
	mix(h, o, len);
	ng_smtp_session_consume(s, len);
}

static void txn_end(const struct ng_smtp_txn *t, const struct sess_opts *so, uint64_t delivered,
                    uint64_t *h)
{
	if (t == NULL || t->nrcpt > so->max_rcpts || t->rcpt[t->nrcpt] != NULL)
		abort();
	if (t->callout && (t->end != NG_SMTP_END_NO_DATA || !t->bounce_sender || t->nrcpt == 0))
		abort();
	if (t->end == NG_SMTP_END_MESSAGE && (t->size != delivered || t->size > so->max_size))
		abort();
	if (delivered > so->max_size || delivered > t->size)
		abort();
	mix_u64(h, t->id);
	mix_str(h, t->helo);
	mix_str(h, t->sender);
	for (size_t i = 0; i < t->nrcpt; i++) {
		check_path(t->rcpt[i]);
		mix_str(h, t->rcpt[i]);
	}
	mix_u64(h, t->refused);
	mix(h, &t->end, sizeof(t->end));
	mix_str(h, t->ended_by);
	mix_u64(h, t->callout);
	mix_u64(h, t->size);
}

/* Replies and events are digested apart: how many replies wait when an
 * event comes depends on the cutting, the two sequences do not. */
static uint64_t session(const uint8_t *in, size_t len, size_t chunk, const struct sess_opts *so)
{
	uint64_t h = 0x84222325cbf29ce4ULL, ho = 0xcbf29ce484222325ULL;
	struct ng_smtp_session *s = ng_smtp_session_new(&so->o);
	if (s == NULL)
		abort();
	take(s, &ho);
	uint64_t delivered = 0;
	size_t off = 0;
	bool closed = false;
	while (off < len && !closed) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		size_t pos = 0;
		for (;;) {
			size_t used;
			enum ng_smtp_event ev =
			    ng_smtp_session_feed(s, (const char *)in + off + pos, n - pos, &used);
			if (used > n - pos)
				abort();
			pos += used;
			const struct ng_smtp_txn *t = ng_smtp_session_txn(s);
			switch (ev) {
			case NG_SMTP_EV_MESSAGE:
				if (t == NULL || t->nrcpt == 0)
					abort();
				delivered = 0;
				mix(&h, "M", 1);
				break;
			case NG_SMTP_EV_CONTENT: {
				size_t clen;
				const char *d = ng_smtp_session_content(s, &clen);
				if (d == NULL || clen == 0 || t == NULL)
					abort();
				delivered += clen;
				mix(&h, d, clen);
				break;
			}
			case NG_SMTP_EV_TXN_END:
				txn_end(t, so, delivered, &h);
				delivered = 0;
				break;
			case NG_SMTP_EV_CLOSE:
				closed = true;
				mix(&h, "C", 1);
				break;
			case NG_SMTP_EV_NONE:
				break;
			}
			take(s, &ho);
			if (closed || (ev == NG_SMTP_EV_NONE && pos == n))
				break;
		}
		off += n;
	}
	if (!closed) {
		enum ng_smtp_event ev = ng_smtp_session_close(s, NG_SMTP_CLOSE_IDLE);
		if (ev == NG_SMTP_EV_TXN_END) {
			txn_end(ng_smtp_session_txn(s), so, delivered, &h);
			ev = ng_smtp_session_close(s, NG_SMTP_CLOSE_IDLE);
		}
		if (ev != NG_SMTP_EV_CLOSE)
			abort();
		take(s, &ho);
	}
	size_t used = 1;
	if (ng_smtp_session_feed(s, "QUIT\r\n", 6, &used) != NG_SMTP_EV_CLOSE || used != 0)
		abort();
	ng_smtp_session_free(s);
	return h ^ (ho * 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const size_t chunks[] = {1, 2, 3, 5, 7, 16, 64, 511};
	size_t chunk = chunks[data[0] & 7];
	bool tiny = (data[0] & 8) != 0;
	const uint8_t *in = data + 1;
	size_t len = size - 1;

	struct ng_smtp_limits lim = {0};
	if (tiny) {
		lim.line_max = 24;
		lim.flood_max = 80;
	}
	if (parse(in, len, 0, &lim) != parse(in, len, chunk, &lim))
		abort();

	static const char *const domains[] = {"trap.example", "t2.example."};
	struct sess_opts so;
	memset(&so, 0, sizeof(so));
	so.max_size = tiny ? 40 : NG_SMTP_SIZE_DEFAULT;
	so.max_rcpts = tiny ? 3 : NG_SMTP_RCPTS_MAX;
	so.o.hostname = "fuzz.test";
	so.o.domains = domains;
	so.o.ndomains = 2;
	so.o.max_size = so.max_size;
	so.o.max_commands = tiny ? 12 : 0;
	so.o.max_rcpts = so.max_rcpts;
	so.o.lim = lim;
	if (session(in, len, 0, &so) != session(in, len, chunk, &so))
		abort();
	return 0;
}
