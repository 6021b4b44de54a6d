/*
 * received.c - one Received header read into its clauses, and the entry
 * hop of a chain (received.h).
 *
 * Everything reads through struct cur, the one bounds-checked cursor: it
 * hands out tokens as (offset, length) spans of its own text and is the
 * only code that indexes that text.  A comment is read by a second cursor
 * over the comment's inside, so nesting costs a counter, never recursion.
 * An opening delimiter that is never closed (a header cut at its cap) ends
 * its token at the end of the text and sets the cursor's sticky `cut`.
 *
 * Why tokens and not substring searches: the words that matter ("from",
 * "by", "helo=", "[") also turn up inside TLS comments, inside "(Postfix,
 * from userid 1000)" and inside hostile HELO names; only their place in the
 * grammar says what they are.
 */
#include "relay/received.h"

#include <arpa/inet.h>
#include <limits.h>
#include <string.h>

/* ---- the cursor ---- */

struct cur {
	const char *s;
	size_t len;
	size_t pos;
	bool cut; /* sticky: a comment, literal, string or <address> never closed */
};

enum tk { TK_END, TK_ATOM, TK_LITERAL, TK_COMMENT, TK_QUOTED, TK_ANGLE, TK_SEMI, TK_STRAY };

/* A token: its content without delimiters, as a span of its cursor's text. */
struct tok {
	enum tk type;
	size_t off, len;
	bool open; /* its closing delimiter never came: the text was cut inside it */
};

static bool is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool is_delim(unsigned char ch)
{
	return is_ws(ch) || ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '<' ||
	       ch == '>' || ch == ';' || ch == '"';
}

static unsigned char lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

static struct cur cur_new(const char *s, size_t len)
{
	struct cur c = {s, len, 0, false};
	return c;
}

/* A cursor over the content of token t of c (a comment's inside). */
static struct cur cur_sub(const struct cur *c, const struct tok *t)
{
	return cur_new(c->s + t->off, t->len);
}

static unsigned char cur_byte(const struct cur *c, const struct tok *t, size_t i)
{
	return i < t->len && t->off + i < c->len ? (unsigned char)c->s[t->off + i] : 0;
}

/* From just past the opening delimiter to the matching close; a backslash
 * quotes the next byte; comments nest. */
static struct tok enclosed(struct cur *c, enum tk type, unsigned char open, unsigned char close)
{
	size_t depth = 1;
	c->pos++;
	struct tok t = {type, c->pos, 0, false};
	while (c->pos < c->len) {
		unsigned char ch = (unsigned char)c->s[c->pos];
		if (ch == '\\') {
			c->pos = c->len - c->pos > 2 ? c->pos + 2 : c->len;
			continue;
		}
		if (type == TK_COMMENT && ch == open) {
			depth++;
		} else if (ch == close && --depth == 0) {
			t.len = c->pos - t.off;
			c->pos++;
			return t;
		}
		c->pos++;
	}
	c->cut = true;
	t.len = c->len - t.off;
	t.open = true;
	return t;
}

static struct tok next(struct cur *c)
{
	struct tok t = {TK_END, c->len, 0, false};
	while (c->pos < c->len && is_ws((unsigned char)c->s[c->pos]))
		c->pos++;
	if (c->pos >= c->len)
		return t;
	unsigned char ch = (unsigned char)c->s[c->pos];
	switch (ch) {
	case '(':
		return enclosed(c, TK_COMMENT, '(', ')');
	case '[':
		return enclosed(c, TK_LITERAL, '[', ']');
	case '"':
		return enclosed(c, TK_QUOTED, '"', '"');
	case '<':
		return enclosed(c, TK_ANGLE, '<', '>');
	case ';':
	case ')':
	case ']':
	case '>':
		t.type = ch == ';' ? TK_SEMI : TK_STRAY;
		t.off = c->pos++;
		t.len = 1;
		return t;
	default:
		break;
	}
	t.type = TK_ATOM;
	t.off = c->pos;
	while (c->pos < c->len && !is_delim((unsigned char)c->s[c->pos]))
		c->pos++;
	t.len = c->pos - t.off;
	return t;
}

/* ---- spans of a token ---- */

static bool tok_ieq(const struct cur *c, const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	if (t->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(cur_byte(c, t, i)) != (unsigned char)word[i])
			return false;
	return true;
}

static bool tok_iprefix(const struct cur *c, const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	if (t->len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(cur_byte(c, t, i)) != (unsigned char)word[i])
			return false;
	return true;
}

/* The part of t after its first n bytes. */
static struct tok tok_drop(const struct tok *t, size_t n)
{
	struct tok r = *t;
	if (n > r.len)
		n = r.len;
	r.off += n;
	r.len -= n;
	return r;
}

/* The part of t after its last `ch`; t itself without one. */
static struct tok tok_after_last(const struct cur *c, const struct tok *t, unsigned char ch)
{
	for (size_t i = t->len; i > 0; i--)
		if (cur_byte(c, t, i - 1) == ch)
			return tok_drop(t, i);
	return *t;
}

static bool tok_has(const struct cur *c, const struct tok *t, unsigned char ch)
{
	for (size_t i = 0; i < t->len; i++)
		if (cur_byte(c, t, i) == ch)
			return true;
	return false;
}

/* Append a byte at *o of out (cap > 0): a control as '?', lower-cased
 * when `fold`; false when out is full. */
static bool put_byte(char *out, size_t cap, size_t *o, unsigned char ch, bool fold)
{
	if (*o + 1 >= cap)
		return false;
	if (ch < 0x20 || ch == 0x7f)
		ch = '?';
	out[(*o)++] = (char)(fold ? lower(ch) : ch);
	return true;
}

/*
 * Write `pre` (NULL: none), the content of t and `post` (NULL: none) into
 * out from offset `at`, NUL-terminated.  False when it did not all fit:
 * out then holds what did.
 */
static bool put(char *out, size_t cap, size_t at, const char *pre, const struct cur *c,
                const struct tok *t, const char *post, bool fold)
{
	size_t o = at < cap ? at : cap - 1;
	bool fit = true;
	for (const char *p = pre; fit && p != NULL && *p != '\0'; p++)
		fit = put_byte(out, cap, &o, (unsigned char)*p, fold);
	for (size_t i = 0; fit && i < t->len; i++)
		fit = put_byte(out, cap, &o, cur_byte(c, t, i), fold);
	for (const char *p = post; fit && p != NULL && *p != '\0'; p++)
		fit = put_byte(out, cap, &o, (unsigned char)*p, fold);
	out[o] = '\0';
	return fit;
}

/* The content of t as an address (white space around it and an "IPv6:"
 * tag dropped); false when it is not one. */
static bool tok_addr(const struct cur *c, const struct tok *t, struct ng_cidr_addr *a)
{
	char text[NG_RELAY_RCV_IP_MAX + 8];
	struct tok u = *t;
	while (u.len > 0 && is_ws(cur_byte(c, &u, 0)))
		u = tok_drop(&u, 1);
	while (u.len > 0 && is_ws(cur_byte(c, &u, u.len - 1)))
		u.len--;
	if (tok_iprefix(c, &u, "ipv6:"))
		u = tok_drop(&u, 5);
	if (u.len == 0 || u.len >= sizeof(text))
		return false;
	for (size_t i = 0; i < u.len; i++)
		text[i] = (char)cur_byte(c, &u, i);
	text[u.len] = '\0';
	return ng_cidr_addr_parse(text, a);
}

/* ---- the clauses ---- */

enum clause { CL_NONE, CL_FROM, CL_BY, CL_VIA, CL_WITH, CL_ID, CL_FOR, CL_DATE };

static enum clause keyword(const struct cur *c, const struct tok *t)
{
	static const char *const words[] = {[CL_FROM] = "from", [CL_BY] = "by", [CL_VIA] = "via",
	                                    [CL_WITH] = "with", [CL_ID] = "id", [CL_FOR] = "for"};
	if (t->type != TK_ATOM || t->len > 4)
		return CL_NONE;
	for (int k = CL_FROM; k <= CL_FOR; k++)
		if (tok_ieq(c, t, words[k]))
			return (enum clause)k;
	return CL_NONE;
}

/* What the "from" clause collected before it can be resolved. */
struct from_state {
	char value[NG_RELAY_RCV_NAME_MAX]; /* the "from" value, lower-cased */
	bool value_literal;                /* ... written as [literal] */
	struct tok token;                  /* ... its token, in the top cursor */
	bool has_token;
	bool helo_explicit; /* "HELO x" or "helo=x" seen: out->helo */
};

static void set_ip(struct ng_received *out, const struct ng_cidr_addr *a)
{
	out->addr = *a;
	out->has_ip = true;
	if (inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->addr, out->ip, sizeof(out->ip)) == NULL)
		out->ip[0] = '\0';
}

/* A reverse-DNS name as written before an address: "user@" and a final
 * dot dropped, "unknown" is none. */
static void set_rdns(struct ng_received *out, const struct cur *c, const struct tok *w)
{
	struct tok r = tok_after_last(c, w, '@');
	if (r.len > 0 && cur_byte(c, &r, r.len - 1) == '.')
		r.len--;
	if (out->rdns[0] != '\0' || r.len == 0 || tok_ieq(c, &r, "unknown"))
		return;
	if (!put(out->rdns, sizeof(out->rdns), 0, NULL, c, &r, NULL, true))
		out->cut = true;
}

static void set_helo(struct ng_received *out, struct from_state *st, const struct cur *c,
                     const struct tok *h)
{
	if (st->helo_explicit || h->len == 0)
		return;
	st->helo_explicit = true;
	bool lit = h->type == TK_LITERAL;
	if (!put(out->helo, sizeof(out->helo), 0, lit ? "[" : NULL, c, h,
	         lit && !h->open ? "]" : NULL, true))
		out->cut = true;
}

/* "(may be forged)", however it is folded. */
static bool is_forged_note(const struct cur *c, const struct tok *t)
{
	static const char *const words[] = {"may", "be", "forged"};
	struct cur s = cur_sub(c, t);
	for (size_t i = 0; i < 3; i++) {
		struct tok w = next(&s);
		if (w.type != TK_ATOM || !tok_ieq(&s, &w, words[i]))
			return false;
	}
	return next(&s).type == TK_END;
}

/* One comment after the "from" value (see received.h for the forms). */
static void from_comment(const struct cur *top, const struct tok *ct, struct ng_received *out,
                         struct from_state *st)
{
	struct cur c = cur_sub(top, ct);
	struct tok t, none = {TK_END, 0, 0, false};
	struct tok prev_word = none, first_word = none, last_word = none;
	unsigned words = 0;
	bool literal = false, first = true, after_word = false;

	while ((t = next(&c)).type != TK_END) {
		bool was_first = first, word_before = after_word;
		first = after_word = false;
		if (t.type == TK_LITERAL) {
			literal = true;
			struct ng_cidr_addr a;
			if (!out->has_ip && !ct->open && !t.open && tok_addr(&c, &t, &a)) {
				set_ip(out, &a);
				if (word_before)
					set_rdns(out, &c, &prev_word);
			}
		} else if (t.type == TK_COMMENT) {
			if (is_forged_note(&c, &t))
				out->forged = true;
		} else if (t.type == TK_ATOM) {
			if (was_first && (tok_ieq(&c, &t, "helo") || tok_ieq(&c, &t, "ehlo"))) {
				struct tok h = next(&c); /* qmail: (HELO name) */
				if (h.type == TK_ATOM || h.type == TK_LITERAL)
					set_helo(out, st, &c, &h);
			} else if (was_first &&
			           (tok_ieq(&c, &t, "authenticated") || tok_ieq(&c, &t, "auth:"))) {
				out->authenticated = true;
				return; /* the rest is free text */
			} else if (tok_iprefix(&c, &t, "helo=")) {
				struct tok h = tok_drop(&t, 5); /* Exim: helo=name, helo=[IP] */
				if (h.len == 0) {
					h = next(&c);
					if (h.type != TK_LITERAL)
						h.len = 0;
				}
				set_helo(out, st, &c, &h);
			} else if (!tok_has(&c, &t, '=') && cur_byte(&c, &t, 0) != ':') {
				/* a plain word; not port=, ident=, nor the :PORT of [IP]:PORT */
				if (words == 0)
					first_word = t;
				last_word = prev_word = t;
				after_word = true;
				words++;
			}
		}
	}
	/* (IP), (user@IP), (RDNS IP): a bare address, last of at most two words */
	if (!out->has_ip && !ct->open && !literal && words >= 1 && words <= 2) {
		struct tok w = tok_after_last(&c, &last_word, '@');
		struct ng_cidr_addr a;
		if (tok_addr(&c, &w, &a)) {
			set_ip(out, &a);
			if (words == 2)
				set_rdns(out, &c, &first_word);
		}
	}
}

/* The value that follows a clause keyword. */
static void clause_value(enum clause cl, const struct cur *c, const struct tok *t,
                         struct ng_received *out, struct from_state *st)
{
	bool lit = t->type == TK_LITERAL;
	const char *pre = lit ? "[" : NULL, *post = lit && !t->open ? "]" : NULL;
	bool fit = true;

	if (t->type == TK_SEMI || t->type == TK_STRAY || t->type == TK_END)
		return;
	switch (cl) {
	case CL_FROM:
		fit = put(st->value, sizeof(st->value), 0, pre, c, t, post, true);
		st->value_literal = lit;
		st->token = *t;
		/* a value the text ends in may be cut short: no address from it */
		st->has_token = !t->open && t->off + t->len < c->len;
		break;
	case CL_BY:
		fit = put(out->by, sizeof(out->by), 0, pre, c, t, post, true);
		break;
	case CL_WITH:
		fit = put(out->with, sizeof(out->with), 0, pre, c, t, post, false);
		break;
	case CL_ID:
		fit = put(out->id, sizeof(out->id), 0, pre, c, t, post, false);
		break;
	case CL_FOR:
		fit = put(out->for_addr, sizeof(out->for_addr), 0, pre, c, t, post, false);
		break;
	default:
		break;
	}
	if (!fit)
		out->cut = true;
}

/* The date: the text after the last top-level ';', white space squeezed. */
static void set_date(struct ng_received *out, const struct cur *c, size_t off)
{
	struct tok all = {TK_ATOM, off, off < c->len ? c->len - off : 0, false};
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < all.len; i++) {
		unsigned char ch = cur_byte(c, &all, i);
		if (is_ws(ch)) {
			space = o > 0;
			continue;
		}
		if (o + (space ? 2 : 1) >= sizeof(out->date)) {
			out->cut = true;
			break;
		}
		if (space)
			out->date[o++] = ' ';
		space = false;
		out->date[o++] = (char)(ch < 0x20 || ch == 0x7f ? '?' : ch);
	}
	out->date[o] = '\0';
}

bool ng_received_parse(const char *value, size_t len, struct ng_received *out)
{
	struct cur c = cur_new(value != NULL ? value : "", value != NULL ? len : 0);
	struct from_state st;
	enum clause cl = CL_NONE;
	unsigned seen = 0;
	bool expect = false, with_open = false, has_date = false;
	size_t date_off = 0;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	for (;;) {
		struct tok t = next(&c);
		if (t.type == TK_END)
			break;
		if (t.type == TK_SEMI) {
			/* the last top-level ';' starts the date */
			cl = CL_DATE;
			date_off = c.pos;
			has_date = true;
			expect = with_open = false;
			continue;
		}
		if (cl == CL_DATE)
			continue;
		if (t.type == TK_COMMENT) {
			with_open = false;
			if (cl == CL_FROM)
				from_comment(&c, &t, out, &st);
			continue;
		}
		enum clause k = keyword(&c, &t);
		if (k != CL_NONE && (seen & (1u << k)) == 0) {
			seen |= 1u << k;
			cl = k;
			expect = true;
			with_open = false;
			continue;
		}
		if (expect) {
			expect = false;
			clause_value(cl, &c, &t, out, &st);
			with_open = cl == CL_WITH && t.type == TK_ATOM;
		} else if (with_open && t.type == TK_ATOM) {
			/* "with Microsoft SMTP Server": words up to a comment or clause */
			if (!put(out->with, sizeof(out->with), strlen(out->with), " ", &c, &t, NULL,
			         false))
				out->cut = true;
		} else if (cl == CL_FROM && t.type == TK_LITERAL && !t.open && !out->has_ip) {
			/* "from HELO [IP]" without parentheses */
			struct ng_cidr_addr a;
			if (tok_addr(&c, &t, &a))
				set_ip(out, &a);
		}
	}

	out->has_from = (seen & (1u << CL_FROM)) != 0;
	out->has_by = (seen & (1u << CL_BY)) != 0;
	/* "from [IP]" (Exim, MDaemon) or "from IP" (webmail hops) */
	struct ng_cidr_addr a;
	bool value_ip = st.has_token && tok_addr(&c, &st.token, &a);
	if (value_ip && !out->has_ip)
		set_ip(out, &a);
	if (st.helo_explicit) {
		/* qmail and Exim: the "from" value is the reverse-DNS name */
		if (!st.value_literal && !value_ip && strcmp(st.value, "unknown") != 0 &&
		    out->rdns[0] == '\0')
			memcpy(out->rdns, st.value, sizeof(out->rdns));
	} else {
		memcpy(out->helo, st.value, sizeof(out->helo));
	}
	if (has_date)
		set_date(out, &c, date_off);
	if (c.cut)
		out->cut = true;
	return out->has_from || out->has_by;
}

int ng_received_entry(const char *const *hdrs, size_t n, ng_received_internal_fn *internal,
                      void *arg, struct ng_received *hop)
{
	if (n > INT_MAX)
		n = INT_MAX;
	for (size_t i = 0; hdrs != NULL && i < n; i++) {
		if (hdrs[i] == NULL)
			continue;
		ng_received_parse(hdrs[i], strlen(hdrs[i]), hop);
		if (!hop->has_ip)
			continue;
		if (internal != NULL && internal(arg, &hop->addr))
			continue;
		return (int)i;
	}
	memset(hop, 0, sizeof(*hop));
	return -1;
}
