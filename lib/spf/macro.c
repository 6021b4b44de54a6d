/*
 * macro.c - the macro language of SPF (RFC 7208 section 7): syntax check
 * and expansion of macro-strings.
 *
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   transformers = *DIGIT [ "r" ]
 *   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
 *
 * One tokenizer serves both the check (at parse time, so that a bad macro
 * anywhere in a record is a permerror before anything is looked up) and
 * the expansion.  Expansion splits a value on the delimiters, reverses the
 * parts for "r", keeps the rightmost DIGIT parts, joins them with "." and,
 * for an upper-case letter, URL-escapes everything outside the unreserved
 * set (7.3).  The expander writes through a small sink: an explanation
 * keeps its head and is cut, a domain name keeps its tail, since 7.3 cuts
 * overlong names from the left; so a hostile record that expands to
 * megabytes costs time bounded by its length, and no memory.  Everything
 * here is pure: no I/O, no allocation.
 */
#include <string.h>

#include "spf/internal.h"

#define LETTERS     "slodipvhcrt"
#define DELIMITERS  ".-+,/_="
#define DIGITS_MAX  1000 /* more parts than any value can have */
#define VALUE_MAX   (NG_SPF_IDENTITY_MAX + 64)
#define NAME_LENGTH 253 /* a domain name in text, without the final dot */

enum tok_kind {
	TOK_LITERAL, /* s[off..off+len) as is */
	TOK_ESCAPE,  /* %% %_ %- : the text in `text` */
	TOK_MACRO,   /* %{...} */
};

struct tok {
	enum tok_kind kind;
	size_t off, len;  /* the token in the source */
	const char *text; /* TOK_ESCAPE */
	char letter;      /* TOK_MACRO: lower case */
	bool upper;       /* URL-escape the value */
	unsigned digits;  /* parts kept from the right; 0: all */
	bool reverse;
	size_t delim_off, delim_len; /* the delimiters in the source; none: "." */
};

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
}

/* A byte that may appear as itself: macro-literal (visible ASCII but %),
 * and the space in explanations. */
static bool literal_ok(unsigned char ch, enum ng_spf_macro_mode mode)
{
	if (ch == ' ')
		return mode == NG_SPF_MACRO_EXP;
	return ch >= 0x21 && ch <= 0x7e && ch != '%';
}

/* The token at *pos; NULL and *pos after it, or a constant reason. */
static const char *next_tok(const char *s, size_t len, size_t *pos, enum ng_spf_macro_mode mode,
                            struct tok *t)
{
	size_t i = *pos;
	memset(t, 0, sizeof(*t));
	t->off = i;
	if (s[i] != '%') {
		if (!literal_ok((unsigned char)s[i], mode))
			return "invalid character";
		while (i < len && literal_ok((unsigned char)s[i], mode))
			i++;
		t->kind = TOK_LITERAL;
		t->len = i - t->off;
		*pos = i;
		return NULL;
	}
	if (i + 1 >= len)
		return "'%' at the end";
	switch (s[i + 1]) {
	case '%':
		t->text = "%";
		break;
	case '_':
		t->text = " ";
		break;
	case '-':
		t->text = "%20";
		break;
	case '{':
		break;
	default:
		return "'%' not followed by '{', '%', '_' or '-'";
	}
	if (t->text != NULL) {
		t->kind = TOK_ESCAPE;
		t->len = 2;
		*pos = i + 2;
		return NULL;
	}
	i += 2;
	if (i >= len)
		return "unterminated macro";
	t->kind = TOK_MACRO;
	t->letter = lower(s[i]);
	t->upper = s[i] != t->letter;
	if (t->letter == '\0' || strchr(LETTERS, t->letter) == NULL)
		return "unknown macro letter";
	if (mode == NG_SPF_MACRO_DOMAIN && strchr("crt", t->letter) != NULL)
		return "macro letter c, r or t outside an explanation";
	i++;
	bool have_digits = false;
	while (i < len && is_digit(s[i])) {
		have_digits = true;
		t->digits = t->digits * 10 + (unsigned)(s[i] - '0');
		if (t->digits > DIGITS_MAX)
			t->digits = DIGITS_MAX;
		i++;
	}
	if (have_digits && t->digits == 0)
		return "macro keeps zero parts";
	if (i < len && lower(s[i]) == 'r') {
		t->reverse = true;
		i++;
	}
	t->delim_off = i;
	while (i < len && s[i] != '\0' && strchr(DELIMITERS, s[i]) != NULL)
		i++;
	t->delim_len = i - t->delim_off;
	if (i >= len || s[i] != '}')
		return "unterminated macro";
	t->len = i + 1 - t->off;
	*pos = i + 1;
	return NULL;
}

const char *ng_spf_macro_check(const char *s, size_t len, enum ng_spf_macro_mode mode,
                               size_t *last_macro, bool *uses_p)
{
	size_t pos = 0;
	struct tok t;
	if (last_macro != NULL)
		*last_macro = 0;
	if (uses_p != NULL)
		*uses_p = false;
	while (pos < len) {
		const char *why = next_tok(s, len, &pos, mode, &t);
		if (why != NULL)
			return why;
		if (t.kind != TOK_LITERAL && last_macro != NULL)
			*last_macro = pos;
		if (t.kind == TOK_MACRO && t.letter == 'p' && uses_p != NULL)
			*uses_p = true;
	}
	return NULL;
}

/* ---- the sink ---- */

struct sink {
	char *buf;
	size_t cap, len;
	bool keep_tail; /* drop the oldest half when full, instead of cutting */
	bool dropped;
};

static void put(struct sink *k, char ch)
{
	if (k->len == k->cap) {
		if (!k->keep_tail)
			return;
		size_t keep = k->cap / 2;
		memmove(k->buf, k->buf + k->len - keep, keep);
		k->len = keep;
		k->dropped = true;
	}
	k->buf[k->len++] = ch;
}

static void put_n(struct sink *k, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(k, p[i]);
}

static bool unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static void put_escaped(struct sink *k, const char *p, size_t n, bool escape)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (!escape || unreserved(ch)) {
			put(k, (char)ch);
		} else {
			put(k, '%');
			put(k, hex[ch >> 4]);
			put(k, hex[ch & 15]);
		}
	}
}

static const char *value_of(const struct ng_spf_macro_vars *v, char letter)
{
	const char *val = NULL;
	switch (letter) {
	case 's':
		val = v->s;
		break;
	case 'l':
		val = v->l;
		break;
	case 'o':
		val = v->o;
		break;
	case 'd':
		val = v->d;
		break;
	case 'i':
		val = v->i;
		break;
	case 'p':
		val = v->p != NULL ? v->p : "unknown";
		break;
	case 'v':
		val = v->v;
		break;
	case 'h':
		val = v->h;
		break;
	case 'c':
		val = v->c;
		break;
	case 'r':
		val = v->r;
		break;
	case 't':
		val = v->t;
		break;
	}
	return val != NULL ? val : "";
}

/* One %{...}: split, reverse, keep the rightmost parts, join with ".". */
static void expand_macro(struct sink *k, const char *src, const struct tok *t,
                         const struct ng_spf_macro_vars *v)
{
	const char *val = value_of(v, t->letter);
	size_t n = strnlen(val, VALUE_MAX);
	const char *delims = ".";
	size_t ndelims = 1;
	if (t->delim_len > 0) {
		delims = src + t->delim_off;
		ndelims = t->delim_len;
	}
	/* start[j]: where part j begins; part j ends one byte before
	 * start[j + 1] (a delimiter) or at n. */
	uint16_t start[VALUE_MAX + 1];
	size_t parts = 0;
	start[parts++] = 0;
	for (size_t i = 0; i < n; i++)
		if (memchr(delims, val[i], ndelims) != NULL)
			start[parts++] = (uint16_t)(i + 1);
	size_t keep = t->digits == 0 || t->digits > parts ? parts : t->digits;
	for (size_t x = parts - keep; x < parts; x++) {
		size_t j = t->reverse ? parts - 1 - x : x;
		size_t b = start[j];
		size_t e = j + 1 < parts ? (size_t)start[j + 1] - 1 : n;
		if (x > parts - keep)
			put(k, '.');
		put_escaped(k, val + b, e - b, t->upper);
	}
}

int ng_spf_macro_expand(const char *s, size_t len, enum ng_spf_macro_mode mode,
                        const struct ng_spf_macro_vars *v, char *out, size_t outlen)
{
	char work[NG_SPF_EXPAND_MAX];
	struct sink k = {.buf = work, .cap = sizeof(work)};
	size_t pos = 0;
	struct tok t;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (mode != NG_SPF_MACRO_EXP) {
		if (outlen < NG_DNS_NAME_MAX)
			return -1;
		k.keep_tail = true;
	} else {
		k.buf = out;
		k.cap = outlen - 1;
	}
	while (pos < len) {
		if (next_tok(s, len, &pos, mode, &t) != NULL)
			return -1;
		switch (t.kind) {
		case TOK_LITERAL:
			put_n(&k, s + t.off, t.len);
			break;
		case TOK_ESCAPE:
			put_n(&k, t.text, strlen(t.text));
			break;
		case TOK_MACRO:
			expand_macro(&k, s, &t, v);
			break;
		}
	}
	if (mode == NG_SPF_MACRO_EXP) {
		out[k.len] = '\0';
		return 0;
	}

	/* A name: no final dot; at most 253 characters, whole labels cut from
	 * the left (a label cut in half when the sink dropped its head). */
	size_t n = k.len, b = 0;
	if (n > 0 && work[n - 1] == '.')
		n--;
	bool cut = k.dropped;
	while (cut || n - b > NAME_LENGTH) {
		const char *dot = memchr(work + b, '.', n - b);
		if (dot == NULL)
			return -1;
		b = (size_t)(dot - work) + 1;
		cut = false;
	}
	if (n == b)
		return -1;
	memcpy(out, work + b, n - b);
	out[n - b] = '\0';
	return 0;
}
