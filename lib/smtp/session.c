/*
 * session.c - an SMTP server session for a set of accepted domains that
 * never relays (include/ndrguard/smtp.h): the replies, the order of
 * commands, the caps, and the transactions it reports.
 *
 * Built on the parser (parser.c): each command line it gives is counted,
 * answered into the output buffer and may end or start a transaction.
 * RFC 5321 order: HELO/EHLO (optional, as in Postfix), MAIL, RCPT..., DATA;
 * RSET, HELO/EHLO and QUIT end a transaction.  One leniency on purpose: a
 * MAIL inside a transaction ends it and starts a new one (RFC 5321 would
 * answer 503), because a trap wants every probe that sent MAIL, RCPT and
 * MAIL again counted as the callout it was.
 *
 * A transaction is reported (NG_SMTP_EV_TXN_END) when it ends and had a
 * recipient, accepted or refused: with its content (accepted or refused
 * for its size), without content (then a callout when the sender is a
 * bounce sender and a recipient was accepted), or cut by the end of the
 * session.  Two transaction slots, `cur` and `done`, keep the one just
 * ended readable while a MAIL starts the next.  Each slot owns its
 * envelope strings in one capped buffer (HELO, sender, recipients back to
 * back, NUL-terminated), so a transaction costs no allocation per
 * recipient and at most NG_SMTP_ENVELOPE_MAX bytes.
 *
 * Output: replies are appended to `out`; the caller takes them with
 * ng_smtp_session_output()/ng_smtp_session_consume().  Commands are parsed
 * only while less than NG_SMTP_OUTPUT_MAX - REPLY_ROOM bytes wait, so a
 * peer that pipelines without reading cannot make the buffer grow.
 */
#include <ndrguard/smtp.h>

#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Room kept for the longest reply (EHLO's, with the host name). */
#define REPLY_ROOM (NG_SMTP_HOSTNAME_MAX + 256)
_Static_assert(NG_SMTP_OUTPUT_MAX > 2 * REPLY_ROOM, "room for pipelined replies");

enum phase { P_CMD, P_CONTENT, P_CLOSED };

struct slot {
	struct ng_smtp_txn t;
	ng_buf env; /* helo, sender, recipients: NUL-terminated, back to back */
	size_t helo_off, sender_off;
	size_t *rcpt_off; /* max_rcpts */
	const char **rcpt;
	bool open;
};

struct ng_smtp_session {
	struct ng_smtp_parser *p;
	char host[NG_SMTP_HOSTNAME_MAX + 1];
	const char *const *domains;
	size_t ndomains;
	uint64_t max_size;
	unsigned max_commands, max_rcpts;
	ng_smtp_bounce_fn *is_bounce;
	void *bounce_arg;

	enum phase phase;
	ng_buf out;
	size_t out_off; /* bytes of out already taken */
	ng_buf helo;    /* the last HELO/EHLO argument */
	bool esmtp;
	unsigned long ntxn;
	struct slot slots[2];
	struct slot *cur, *done;
	const struct ng_smtp_txn *view; /* what ng_smtp_session_txn() shows */
	const char *piece;
	size_t piece_len;
	bool oversize;
	struct ng_smtp_counts counts;
};

const char *ng_smtp_txn_end_name(enum ng_smtp_txn_end e)
{
	switch (e) {
	case NG_SMTP_END_MESSAGE:
		return "message";
	case NG_SMTP_END_OVERSIZE:
		return "oversize";
	case NG_SMTP_END_NO_DATA:
		return "no-data";
	case NG_SMTP_END_CUT:
		return "cut";
	}
	return "?";
}

static bool default_bounce(void *arg, const char *sender)
{
	(void)arg;
	if (sender[0] == '\0')
		return true;
	const char *at = strrchr(sender, '@');
	size_t n = at != NULL ? (size_t)(at - sender) : strlen(sender);
	return (n == 10 && strncasecmp(sender, "postmaster", 10) == 0) ||
	       (n == 13 && strncasecmp(sender, "mailer-daemon", 13) == 0);
}

/* ----- output ----- */

static void reply(struct ng_smtp_session *s, const char *text)
{
	ng_buf_puts(&s->out, text);
	ng_buf_puts(&s->out, "\r\n");
}

static void replyf(struct ng_smtp_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void replyf(struct ng_smtp_session *s, const char *fmt, ...)
{
	char line[REPLY_ROOM];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	reply(s, line);
}

static size_t out_pending(const struct ng_smtp_session *s)
{
	return s->out.len - s->out_off;
}

const char *ng_smtp_session_output(const struct ng_smtp_session *s, size_t *len)
{
	*len = out_pending(s);
	return *len > 0 ? s->out.data + s->out_off : NULL;
}

void ng_smtp_session_consume(struct ng_smtp_session *s, size_t n)
{
	if (n > out_pending(s))
		n = out_pending(s);
	s->out_off += n;
	if (s->out_off == 0)
		return;
	/* keep what waits at the front, so the cap bounds what waits */
	memmove(s->out.data, s->out.data + s->out_off, s->out.len - s->out_off + 1);
	s->out.len -= s->out_off;
	s->out_off = 0;
	s->out.overflow = false;
}

/* ----- creation ----- */

static int slot_init(struct slot *sl, unsigned max_rcpts)
{
	ng_buf_init(&sl->env, NG_SMTP_ENVELOPE_MAX);
	sl->rcpt_off = calloc(max_rcpts, sizeof(*sl->rcpt_off));
	sl->rcpt = calloc(max_rcpts + 1, sizeof(*sl->rcpt));
	return sl->rcpt_off != NULL && sl->rcpt != NULL ? 0 : -1;
}

static void slot_free(struct slot *sl)
{
	ng_buf_free(&sl->env);
	free(sl->rcpt_off);
	free(sl->rcpt);
}

struct ng_smtp_session *ng_smtp_session_new(const struct ng_smtp_session_opts *o)
{
	struct ng_smtp_session *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	const char *host =
	    o->hostname != NULL && o->hostname[0] != '\0' ? o->hostname : "localhost";
	size_t hl = strlen(host) < NG_SMTP_HOSTNAME_MAX ? strlen(host) : NG_SMTP_HOSTNAME_MAX;
	memcpy(s->host, host, hl);
	s->host[hl] = '\0';
	s->domains = o->domains;
	s->ndomains = o->ndomains;
	s->max_size = o->max_size != 0 ? o->max_size : NG_SMTP_SIZE_DEFAULT;
	s->max_commands = o->max_commands;
	s->max_rcpts = o->max_rcpts != 0 && o->max_rcpts < NG_SMTP_RCPTS_MAX ? o->max_rcpts
	                                                                     : NG_SMTP_RCPTS_MAX;
	s->is_bounce = o->is_bounce_sender != NULL ? o->is_bounce_sender : default_bounce;
	s->bounce_arg = o->bounce_arg;
	ng_buf_init(&s->out, NG_SMTP_OUTPUT_MAX);
	ng_buf_init(&s->helo, NG_SMTP_LINE_MAX);
	s->cur = &s->slots[0];
	s->done = &s->slots[1];
	s->p = ng_smtp_parser_new(&o->lim);
	if (s->p == NULL || slot_init(&s->slots[0], s->max_rcpts) < 0 ||
	    slot_init(&s->slots[1], s->max_rcpts) < 0) {
		ng_smtp_session_free(s);
		return NULL;
	}
	replyf(s, "220 %s ESMTP", s->host);
	if (s->out.failed) {
		ng_smtp_session_free(s);
		return NULL;
	}
	return s;
}

void ng_smtp_session_free(struct ng_smtp_session *s)
{
	if (s == NULL)
		return;
	ng_smtp_parser_free(s->p);
	slot_free(&s->slots[0]);
	slot_free(&s->slots[1]);
	ng_buf_free(&s->out);
	ng_buf_free(&s->helo);
	free(s);
}

/* ----- transactions ----- */

/* Append a NUL-terminated copy of str to the slot's envelope; its offset,
 * or -1 when the envelope cap or memory runs out (nothing appended). */
static long env_add(struct slot *sl, const char *str)
{
	size_t n = strlen(str) + 1;
	if (sl->env.len + n > sl->env.max)
		return -1;
	size_t off = sl->env.len;
	ng_buf_append(&sl->env, str, n);
	if (sl->env.failed) {
		sl->env.failed = false;
		sl->env.len = off;
		return -1;
	}
	return (long)off;
}

/* Point the slot's strings into its envelope (after it stopped growing). */
static void slot_view(struct slot *sl)
{
	sl->t.helo = sl->env.data + sl->helo_off;
	sl->t.sender = sl->env.data + sl->sender_off;
	for (size_t i = 0; i < sl->t.nrcpt; i++)
		sl->rcpt[i] = sl->env.data + sl->rcpt_off[i];
	sl->rcpt[sl->t.nrcpt] = NULL;
	sl->t.rcpt = sl->rcpt;
}

/* Start a transaction in cur; false when out of memory. */
static bool txn_start(struct ng_smtp_session *s, const struct ng_smtp_cmd *c)
{
	struct slot *sl = s->cur;
	ng_buf_reset(&sl->env);
	memset(&sl->t, 0, sizeof(sl->t));
	const char *helo = s->helo.data != NULL ? s->helo.data : "";
	long h = env_add(sl, helo);
	long f = env_add(sl, c->path);
	if (h < 0 || f < 0)
		return false;
	sl->helo_off = (size_t)h;
	sl->sender_off = (size_t)f;
	sl->t.id = ++s->ntxn;
	sl->t.esmtp = s->esmtp;
	sl->t.bounce_sender = s->is_bounce(s->bounce_arg, c->path);
	sl->t.has_size = c->has_size;
	sl->t.declared_size = c->size;
	sl->t.body = c->body;
	sl->open = true;
	s->oversize = false;
	return true;
}

/*
 * End the open transaction (if any) for `why`; when it is worth
 * reporting, move it to `done`, show it, and return true.
 */
static bool txn_end(struct ng_smtp_session *s, enum ng_smtp_txn_end end, const char *why)
{
	struct slot *sl = s->cur;
	if (!sl->open)
		return false;
	sl->open = false;
	if (end != NG_SMTP_END_MESSAGE && end != NG_SMTP_END_OVERSIZE && sl->t.nrcpt == 0 &&
	    sl->t.refused == 0)
		return false;
	sl->t.end = end;
	sl->t.ended_by = why;
	sl->t.callout = end == NG_SMTP_END_NO_DATA && sl->t.bounce_sender && sl->t.nrcpt > 0;
	slot_view(sl);
	s->cur = s->done;
	s->done = sl;
	s->cur->open = false;
	s->view = &sl->t;
	return true;
}

/* The domain of an accepted address: is it one of ours? */
static bool our_domain(const struct ng_smtp_session *s, const char *addr)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		return false;
	const char *d = at + 1;
	size_t n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		n--;
	for (size_t i = 0; i < s->ndomains; i++) {
		const char *o = s->domains[i];
		size_t m = strlen(o);
		if (m > 0 && o[m - 1] == '.')
			m--;
		if (m == n && n > 0 && strncasecmp(o, d, n) == 0)
			return true;
	}
	return false;
}

/* ----- commands ----- */

static void reply_error(struct ng_smtp_session *s, const struct ng_smtp_cmd *c)
{
	s->counts.bad_commands++;
	switch (c->err) {
	case NG_SMTP_ETOOLONG:
		reply(s, "500 5.5.2 Error: line too long");
		break;
	case NG_SMTP_ENUL:
		reply(s, "500 5.5.2 Error: NUL byte in a command");
		break;
	case NG_SMTP_EEMPTY:
		reply(s, "500 5.5.2 Error: bad syntax");
		break;
	case NG_SMTP_EVERB:
		reply(s, "500 5.5.2 Error: command not recognized");
		break;
	case NG_SMTP_EPARAM:
		reply(s, "555 5.5.4 Unsupported option");
		break;
	case NG_SMTP_EVALUE:
		replyf(s, "501 5.5.4 Error: %s", c->why);
		break;
	case NG_SMTP_ESYNTAX:
	default:
		if (c->verb == NG_SMTP_MAIL && c->why != NULL &&
		    strcmp(c->why, "bad address syntax") == 0)
			reply(s, "501 5.1.7 Bad sender address syntax");
		else if (c->verb == NG_SMTP_RCPT && c->why != NULL &&
		         strcmp(c->why, "bad address syntax") == 0)
			reply(s, "501 5.1.3 Bad recipient address syntax");
		else
			replyf(s, "501 5.5.4 Syntax error: %s", c->why != NULL ? c->why : "?");
		break;
	}
}

static void set_helo(struct ng_smtp_session *s, const char *arg, bool esmtp)
{
	ng_buf_reset(&s->helo);
	ng_buf_puts(&s->helo, arg);
	s->esmtp = esmtp;
}

static enum ng_smtp_event cmd_rcpt(struct ng_smtp_session *s, const struct ng_smtp_cmd *c)
{
	struct slot *sl = s->cur;
	if (!sl->open) {
		s->counts.bad_commands++;
		reply(s, "503 5.5.1 Error: need MAIL command");
		return NG_SMTP_EV_NONE;
	}
	if (!our_domain(s, c->path)) {
		s->counts.relay_refused++;
		sl->t.refused++;
		reply(s, "550 5.7.1 Relay access denied");
		return NG_SMTP_EV_NONE;
	}
	long off = sl->t.nrcpt < s->max_rcpts ? env_add(sl, c->path) : -1;
	if (off < 0) {
		s->counts.rcpts_over_cap++;
		sl->t.refused++;
		reply(s, "452 4.5.3 Error: too many recipients");
		return NG_SMTP_EV_NONE;
	}
	sl->rcpt_off[sl->t.nrcpt++] = (size_t)off;
	reply(s, "250 2.1.5 Ok");
	return NG_SMTP_EV_NONE;
}

static enum ng_smtp_event cmd_mail(struct ng_smtp_session *s, const struct ng_smtp_cmd *c)
{
	if (c->has_size && c->size > s->max_size) {
		reply(s, "552 5.3.4 Message size exceeds fixed limit");
		return NG_SMTP_EV_NONE;
	}
	/* the lenient nested MAIL: the open transaction ends here */
	bool ended = txn_end(s, NG_SMTP_END_NO_DATA, "MAIL");
	if (!txn_start(s, c)) {
		s->cur->open = false;
		reply(s, "451 4.3.0 Error: out of memory");
	} else {
		reply(s, "250 2.1.0 Ok");
	}
	return ended ? NG_SMTP_EV_TXN_END : NG_SMTP_EV_NONE;
}

static enum ng_smtp_event cmd_data(struct ng_smtp_session *s)
{
	struct slot *sl = s->cur;
	if (!sl->open) {
		s->counts.bad_commands++;
		reply(s, "503 5.5.1 Error: need RCPT command");
		return NG_SMTP_EV_NONE;
	}
	if (sl->t.nrcpt == 0) {
		s->counts.bad_commands++;
		reply(s, "554 5.5.1 Error: no valid recipients");
		return NG_SMTP_EV_NONE;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	ng_smtp_parser_start_content(s->p);
	s->phase = P_CONTENT;
	s->oversize = false;
	slot_view(sl);
	s->view = &sl->t;
	return NG_SMTP_EV_MESSAGE;
}

static enum ng_smtp_event closing(struct ng_smtp_session *s, const char *why)
{
	bool ended = txn_end(s, s->phase == P_CONTENT ? NG_SMTP_END_CUT : NG_SMTP_END_NO_DATA, why);
	s->phase = P_CLOSED;
	return ended ? NG_SMTP_EV_TXN_END : NG_SMTP_EV_CLOSE;
}

static enum ng_smtp_event command(struct ng_smtp_session *s, const struct ng_smtp_cmd *c)
{
	s->counts.commands++;
	if (s->max_commands != 0 && s->counts.commands > s->max_commands) {
		replyf(s, "421 4.7.0 %s Error: too many commands", s->host);
		s->counts.over_commands++;
		return closing(s, "too many commands");
	}
	if (c->err != NG_SMTP_OK) {
		reply_error(s, c);
		return NG_SMTP_EV_NONE;
	}
	bool ended;
	switch (c->verb) {
	case NG_SMTP_HELO:
	case NG_SMTP_EHLO:
		ended = txn_end(s, NG_SMTP_END_NO_DATA, c->verb == NG_SMTP_EHLO ? "EHLO" : "HELO");
		set_helo(s, c->arg, c->verb == NG_SMTP_EHLO);
		if (c->verb == NG_SMTP_HELO) {
			replyf(s, "250 %s", s->host);
		} else {
			replyf(s, "250-%s", s->host);
			reply(s, "250-PIPELINING");
			replyf(s, "250-SIZE %llu", (unsigned long long)s->max_size);
			reply(s, "250-ENHANCEDSTATUSCODES");
			reply(s, "250 8BITMIME");
		}
		return ended ? NG_SMTP_EV_TXN_END : NG_SMTP_EV_NONE;
	case NG_SMTP_MAIL:
		return cmd_mail(s, c);
	case NG_SMTP_RCPT:
		return cmd_rcpt(s, c);
	case NG_SMTP_DATA:
		return cmd_data(s);
	case NG_SMTP_RSET:
		ended = txn_end(s, NG_SMTP_END_NO_DATA, "RSET");
		reply(s, "250 2.0.0 Ok");
		return ended ? NG_SMTP_EV_TXN_END : NG_SMTP_EV_NONE;
	case NG_SMTP_NOOP:
		reply(s, "250 2.0.0 Ok");
		return NG_SMTP_EV_NONE;
	case NG_SMTP_QUIT:
		reply(s, "221 2.0.0 Bye");
		return closing(s, "QUIT");
	case NG_SMTP_VRFY:
		reply(s, "252 2.0.0 Cannot VRFY user, but will accept message");
		return NG_SMTP_EV_NONE;
	case NG_SMTP_EXPN:
		reply(s, "502 5.5.1 Error: EXPN is disabled");
		return NG_SMTP_EV_NONE;
	case NG_SMTP_HELP:
		reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY");
		return NG_SMTP_EV_NONE;
	default: /* STARTTLS AUTH BDAT ETRN TURN: never offered */
		s->counts.bad_commands++;
		reply(s, "502 5.5.1 Error: command not implemented");
		return NG_SMTP_EV_NONE;
	}
}

/* ----- feeding ----- */

static enum ng_smtp_event content_end(struct ng_smtp_session *s)
{
	s->phase = P_CMD;
	if (s->oversize)
		reply(s, "552 5.3.4 Message size exceeds fixed limit");
	else
		reply(s, "250 2.0.0 Ok: queued");
	txn_end(s, s->oversize ? NG_SMTP_END_OVERSIZE : NG_SMTP_END_MESSAGE, "end of data");
	return NG_SMTP_EV_TXN_END;
}

enum ng_smtp_event ng_smtp_session_feed(struct ng_smtp_session *s, const char *data, size_t len,
                                        size_t *used)
{
	*used = 0;
	s->view = NULL;
	s->piece = NULL;
	s->piece_len = 0;
	if (s->phase == P_CLOSED)
		return NG_SMTP_EV_CLOSE;
	while (*used < len) {
		if (s->phase == P_CMD && out_pending(s) + REPLY_ROOM > NG_SMTP_OUTPUT_MAX)
			return NG_SMTP_EV_NONE; /* the peer must read first */
		size_t n = 0;
		enum ng_smtp_feed st = ng_smtp_parser_feed(s->p, data + *used, len - *used, &n);
		*used += n;
		switch (st) {
		case NG_SMTP_MORE:
			break;
		case NG_SMTP_FLOOD:
			replyf(s, "421 4.7.0 %s Error: line too long, closing", s->host);
			s->counts.bad_commands++;
			s->counts.floods++;
			return closing(s, "flood");
		case NG_SMTP_COMMAND: {
			enum ng_smtp_event ev = command(s, ng_smtp_parser_command(s->p));
			if (ev != NG_SMTP_EV_NONE)
				return ev;
			break;
		}
		case NG_SMTP_CONTENT: {
			size_t plen;
			const char *piece = ng_smtp_parser_content(s->p, &plen);
			struct ng_smtp_txn *t = &s->cur->t;
			/* the first max_size bytes go on, however they were cut */
			uint64_t room = s->oversize ? 0 : s->max_size - t->size;
			t->size += plen;
			if (plen > room) {
				s->oversize = true;
				plen = (size_t)room;
			}
			if (plen == 0)
				break;
			s->piece = piece;
			s->piece_len = plen;
			s->view = t;
			return NG_SMTP_EV_CONTENT;
		}
		case NG_SMTP_CONTENT_END:
			return content_end(s);
		}
	}
	if (s->phase == P_CONTENT)
		s->view = &s->cur->t;
	return NG_SMTP_EV_NONE;
}

enum ng_smtp_event ng_smtp_session_close(struct ng_smtp_session *s, enum ng_smtp_close why)
{
	s->view = NULL;
	s->piece = NULL;
	s->piece_len = 0;
	if (s->phase == P_CLOSED)
		return NG_SMTP_EV_CLOSE;
	const char *what = "disconnect";
	switch (why) {
	case NG_SMTP_CLOSE_PEER:
		break;
	case NG_SMTP_CLOSE_IDLE:
		what = "idle timeout";
		replyf(s, "421 4.4.2 %s Error: timeout exceeded", s->host);
		break;
	case NG_SMTP_CLOSE_LIFETIME:
		what = "session timeout";
		replyf(s, "421 4.4.2 %s Error: session too long", s->host);
		break;
	case NG_SMTP_CLOSE_SHUTDOWN:
		what = "shutdown";
		replyf(s, "421 4.3.2 %s Service shutting down", s->host);
		break;
	}
	return closing(s, what);
}

const char *ng_smtp_session_content(const struct ng_smtp_session *s, size_t *len)
{
	*len = s->piece_len;
	return s->piece;
}

const struct ng_smtp_txn *ng_smtp_session_txn(const struct ng_smtp_session *s)
{
	return s->view;
}

const struct ng_smtp_counts *ng_smtp_session_counts(const struct ng_smtp_session *s)
{
	return &s->counts;
}

bool ng_smtp_session_in_txn(const struct ng_smtp_session *s)
{
	return s->phase == P_CONTENT || (s->phase == P_CMD && s->cur->open);
}
